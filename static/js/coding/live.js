// Owns the rows that arrive out of band: a write's own, and colleagues' through the poll
// (templates/coding/_poller.html asks for them every few seconds).
//
// A write answers with the paragraphs it touched. One in a window the page has not loaded is
// dropped here: it is read fresh when its window loads. Rows the poll replaces keep the reader's
// caret or selection where it was (in offsets), and a boundary edit is told to show itself again;
// while the mouse is down in the text they wait for the next poll.
import { ends, select } from "./caret.js";

export function initLive(doc) {
  let kept = null, pressed = false;
  // While the mouse is selecting text, the poll's rows wait: the poller keeps its place and asks again.
  doc.addEventListener("mousedown", () => { pressed = true; });
  document.addEventListener("mouseup", () => { pressed = false; });
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const html = event.detail.serverResponse;
    if (typeof html !== "string" || html.indexOf("hx-swap-oob") < 0) return;
    if (pressed && event.detail.target && event.detail.target.id === "poller") {
      event.detail.shouldSwap = false;
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = html;
    let dropped = false;
    template.content.querySelectorAll("[hx-swap-oob][id]").forEach((row) => {
      if (!document.getElementById(row.id)) { row.remove(); dropped = true; }
    });
    if (dropped) event.detail.serverResponse = template.innerHTML;
    if (event.detail.target && event.detail.target.id === "poller" && document.activeElement === doc) {
      kept = ends(doc);
    }
  });
  // The caret goes back at once, in the task that swapped the rows: htmx settles some 20 ms later, and a key
  // pressed in between would move a caret that the settle then put back where it was (the key lost).
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (!event.detail.target || event.detail.target.id !== "poller" || !kept) return;
    select(doc, kept.anchor, kept.focus, false);
    kept = null;
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (!event.detail.target || event.detail.target.id !== "poller") return;
    doc.dispatchEvent(new CustomEvent("kodeverk:rows"));
  });
}
