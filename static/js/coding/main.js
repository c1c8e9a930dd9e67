// The coding view: select text, pick themes, open excerpts, undo. Keyboard first.
// This module only wires the parts together; each module says what it owns.
//
// The document is contenteditable only to give the keyboard a caret (Shift+arrows select);
// every edit is refused here. Writes go through htmx, which swaps the excerpt panel and, out of
// band, the paragraphs that changed.
import { initLive } from "./live.js";
import { initPanel } from "./panel.js";
import { initPicker } from "./picker.js";
import { initUndo } from "./undo.js";
import { initWindows } from "./windows.js";

const doc = document.getElementById("document");
if (doc) {
  initWindows(doc);
  initLive();
  ["beforeinput", "paste", "drop", "cut"].forEach((name) => {
    doc.addEventListener(name, (event) => event.preventDefault());
  });
  initPanel(doc, document.getElementById("excerpt-panel"));
  initPicker(doc, document.getElementById("picker"));
  initUndo();
}
