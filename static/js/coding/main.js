// The coding view: select text, pick themes, open excerpts, change their boundaries, undo.
// Keyboard first: the page opens with the caret in the text (caret.js has the keys; «?» lists them).
// This module only wires the parts together; each module says what it owns.
//
// The document is contenteditable only to give the keyboard a caret (Shift+arrows select);
// every edit is refused here. Writes go through htmx, which swaps the excerpt panel and, out of
// band, the paragraphs that changed.
import { initBounds } from "./bounds.js";
import { initCaret } from "./caret.js";
import { initHelp } from "./help.js";
import { initLive } from "./live.js";
import { initPanel } from "./panel.js";
import { initPicker } from "./picker.js";
import { initTextEdit } from "./textedit.js";
import { initUndo } from "./undo.js";
import { initWindows } from "./windows.js";

const doc = document.getElementById("document");
if (doc) {
  const status = document.getElementById("caret-status");
  const tell = (message) => {
    // Said by screen readers and shown under the document's heading until the next message.
    status.textContent = "";
    window.setTimeout(() => { status.textContent = message; }, 50);
  };
  const located = initWindows(doc);
  initLive(doc);
  ["beforeinput", "paste", "drop", "cut", "dragstart"].forEach((name) => {
    doc.addEventListener(name, (event) => event.preventDefault());
  });
  const caret = initCaret(doc, status);
  initBounds(doc, document.getElementById("excerpt-panel"), caret);
  initPanel(doc);
  initPicker(doc, document.getElementById("picker"), caret, tell);
  initUndo();
  initTextEdit(doc, document.getElementById("text-edit"));
  initHelp(doc, document.getElementById("keys-help"), document.getElementById("keys-help-open"));
  // The page opens with the caret in the text: at the place it was opened at (a search hit), or where it was.
  if (doc.classList.contains("can-code")) caret.focusText(located ? located.start : undefined);
}
