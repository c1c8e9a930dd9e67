// Owns places in a long document: `#at-START-END` links, the window of rows that holds them,
// and the place an undo restored (the server's `kodeverk:show` event).
//
// A long document is rendered a window at a time, so the place may not be in the page: then
// the window that holds it replaces the rows (offsets stay absolute), and the mark follows, also onto
// rows the change poll replaces later (live.js tells of them with `kodeverk:rows`).
import { select } from "./caret.js";
import { codePoints } from "./selection.js";

function linkedPlace() {
  const match = /^#at-(\d+)-(\d+)$/.exec(window.location.hash);
  return match ? { start: Number(match[1]), end: Number(match[2]) } : null;
}

let shown = null;  // the place last shown: rows the poll replaces get its mark again

// Mark the segments of `place`; the first of them, or null when the place is not in the page.
function mark(doc, place) {
  let first = null;
  doc.querySelectorAll(".seg").forEach((seg) => {
    const from = Number(seg.dataset.o), to = from + codePoints(seg.textContent);
    const hit = from < place.end && to > place.start;
    seg.classList.toggle("target", hit);
    if (hit && !first) first = seg;
  });
  return first;
}

function show(doc, place, fetched) {
  if (!place) return;
  shown = place;
  const first = mark(doc, place);
  if (first) {
    first.scrollIntoView({ block: "center" });
    // The caret goes to the place too, so that what the reader does next starts there.
    if (document.activeElement === doc) select(doc, place.start, place.start, false);
  } else if (!fetched) {
    htmx.ajax("GET", doc.dataset.rowsUrl + "?at=" + place.start, { target: "#document", swap: "innerHTML" })
      .then(() => show(doc, place, true));
  }
}

// Returns the place the page was opened at (its `#at-` link), or null.
export function initWindows(doc) {
  document.addEventListener("DOMContentLoaded", () => show(doc, linkedPlace()));
  window.addEventListener("hashchange", () => show(doc, linkedPlace()));
  // After an undo the server names the place it restored.
  document.body.addEventListener("kodeverk:show", (event) => show(doc, event.detail));
  doc.addEventListener("kodeverk:rows", () => { if (shown) mark(doc, shown); });
  return linkedPlace();
}
