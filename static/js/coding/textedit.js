// Owns «Correct the text»: Alt+E in the text, or the page's button, opens the correction of the turn's
// speech (or the plan's paragraph) where the caret is, or was last (coding/revision_views.py).
import { ends } from "./caret.js";

export function initTextEdit(doc, button) {
  if (!button) return;
  let last = null;
  document.addEventListener("selectionchange", () => {
    const where = ends(doc);
    if (where) last = where.focus;
  });

  function open() {
    const where = ends(doc);
    const at = where ? where.focus : last;
    const row = at === null ? doc.querySelector(".row") : null;
    const offset = at === null ? (row ? Number(row.dataset.start) : 0) : at;
    window.location.assign(`${button.dataset.url}?at=${offset}`);
  }

  button.addEventListener("click", open);
  doc.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.key.toLowerCase() === "e") {
      event.preventDefault();
      open();
    }
  });
}
