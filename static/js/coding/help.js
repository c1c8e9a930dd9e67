// Owns the keyboard help: «?» in the text (or the help button) opens a dialog listing the keys;
// Esc closes it and focus returns where it was.

export function initHelp(doc, dialog, button) {
  if (!dialog) return;
  let back = null;

  function open() {
    back = document.activeElement;
    dialog.showModal();
  }

  dialog.addEventListener("close", () => { if (back) back.focus(); });
  if (button) button.addEventListener("click", open);
  doc.addEventListener("keydown", (event) => {
    if (event.key === "?" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      open();
    }
  });
}
