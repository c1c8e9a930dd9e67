// Owns the excerpt panel: opening an excerpt from a chip, a coded passage, or Enter with the caret
// in a coded passage. Changing an excerpt's boundaries is bounds.js's.

export function initPanel(doc) {
  function openExcerpt(id) {
    htmx.ajax("GET", doc.dataset.panelUrl.replace("/0/", "/" + id + "/"), { target: "#excerpt-panel" });
  }

  function codedAtCaret() {
    const selection = window.getSelection();
    if (!selection || !selection.isCollapsed || !doc.contains(selection.focusNode)) return null;
    const node = selection.focusNode;
    const seg = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest(".seg.coded");
    return seg ? seg.dataset.ex.split(" ")[0] : null;
  }

  doc.addEventListener("click", (event) => {
    const chip = event.target.closest(".excerpt-chip");
    if (chip) {
      openExcerpt(chip.dataset.excerpt);
      return;
    }
    const seg = event.target.closest(".seg.coded");
    const selection = window.getSelection();
    if (seg && (!selection || selection.isCollapsed)) openExcerpt(seg.dataset.ex.split(" ")[0]);
  });

  doc.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || doc.classList.contains("bounds-mode")) return;
    const id = codedAtCaret();
    if (id) openExcerpt(id);
  });
}
