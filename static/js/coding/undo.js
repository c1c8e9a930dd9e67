// Owns Ctrl+Z (⌘Z): it presses the page's Undo button, except while typing in a text field.
// The server's answer names the place it restored; windows.js shows it.

export function initUndo() {
  document.addEventListener("keydown", (event) => {
    const undo = document.getElementById("undo");
    if (!undo || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z" || event.shiftKey) return;
    const target = event.target;
    if (target.closest && target.closest("textarea, input[type=text]")) return;
    event.preventDefault();
    undo.click();
  });
}
