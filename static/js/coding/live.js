// Owns the rows that arrive out of band: a write's own, and colleagues' through the poll
// (templates/coding/_poller.html asks for them every few seconds).
//
// A write answers with the paragraphs it touched. One in a window the page has not loaded is
// dropped here: it is read fresh when its window loads.

export function initLive() {
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const html = event.detail.serverResponse;
    if (typeof html !== "string" || html.indexOf("hx-swap-oob") < 0) return;
    const template = document.createElement("template");
    template.innerHTML = html;
    let dropped = false;
    template.content.querySelectorAll("[hx-swap-oob][id]").forEach((row) => {
      if (!document.getElementById(row.id)) { row.remove(); dropped = true; }
    });
    if (dropped) event.detail.serverResponse = template.innerHTML;
  });
}
