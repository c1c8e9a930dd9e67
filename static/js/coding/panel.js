// Owns the excerpt panel: opening an excerpt from a chip or a coded passage, and the panel's
// «use the selection» button, which moves an excerpt to the text selected since it opened.
import { selectionOffsets } from "./selection.js";

export function initPanel(doc, panel) {
  let lastSelection = null;

  function openExcerpt(id) {
    htmx.ajax("GET", doc.dataset.panelUrl.replace("/0/", "/" + id + "/"), { target: "#excerpt-panel" });
  }

  document.addEventListener("selectionchange", () => {
    const current = selectionOffsets(doc);
    if (current) lastSelection = current;
  });

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

  // A new panel forgets the selection it was opened with: only text selected after it counts.
  panel.addEventListener("htmx:afterSwap", () => { lastSelection = null; });

  panel.addEventListener("click", (event) => {
    const button = event.target.closest(".use-selection");
    if (!button || !lastSelection) return;
    const form = button.closest("form");
    form.querySelector("[name=start]").value = lastSelection.start;
    form.querySelector("[name=end]").value = lastSelection.end;
    htmx.trigger(form, "submit");
  });
}
