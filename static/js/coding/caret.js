// Owns the caret in the coding view: it stands only in speech, never in a speaker's label, a time
// code, a page number or the margin (those are contenteditable="false" or skipped here); it moves
// by character, word, sentence and turn, and Shift extends the selection by the same units. Also
// the key that brings focus back to the text (Alt+T) at the last place, and what a screen reader
// is told when the caret enters a turn or a coded passage.
//
// Places are code-point offsets of Document.text, as everywhere in the coding view (selection.js).
import { codePoints, pointOffset } from "./selection.js";

// One paragraph of the page: [start, end) of the text, `speech` where its speech starts (after «Label: »).
// `speech` is read when asked for: a 3-hour interview scrolled to its end has thousands of rows, and a
// key press needs two or three of them.
export function rowsOf(doc) {
  return Array.prototype.map.call(doc.querySelectorAll(".row"), (el) => {
    const start = Number(el.dataset.start), end = Number(el.dataset.end);
    let speech = null;
    return {
      el: el, start: start, end: end,
      get speech() {
        if (speech === null) {
          const label = el.querySelector(".seg.label");
          speech = Math.min(label ? Number(label.dataset.o) + codePoints(label.textContent) : start, end);
        }
        return speech;
      },
    };
  });
}

function rowText(row) {
  let text = "";
  row.el.querySelectorAll(".para .seg").forEach((seg) => { text += seg.textContent; });
  return Array.from(text);  // code points, as the offsets count them
}

function rowIndex(rows, offset) {
  let found = -1;
  for (let i = 0; i < rows.length && rows[i].start <= offset; i++) found = i;
  return found;
}

// The nearest place in speech: forward (dir > 0) from a label to its speech, backward to the end of
// the previous turn's speech.
export function inSpeech(rows, offset, dir) {
  if (!rows.length) return offset;
  const i = rowIndex(rows, offset);
  if (i < 0) return rows[0].speech;
  const row = rows[i];
  if (offset >= row.speech && offset <= row.end) return offset;
  if (offset > row.end) return i + 1 < rows.length ? rows[i + 1].speech : row.end;
  return dir < 0 && i > 0 ? rows[i - 1].end : row.speech;
}

// The row element that holds an offset (its paragraph and the line break after it), found by halving.
function rowElementAt(doc, offset) {
  const rows = doc.querySelectorAll(".row");
  let lo = 0, hi = rows.length - 1, found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (Number(rows[mid].dataset.start) <= offset) { found = rows[mid]; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

// A DOM point for an offset, in the speech segment that holds it.
export function pointAt(doc, offset) {
  const row = rowElementAt(doc, offset);
  if (!row) return null;
  const segs = row.querySelectorAll(".para .seg:not(.label)");
  let last = null;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i], from = Number(seg.dataset.o), to = from + codePoints(seg.textContent);
    if (offset < from) break;
    if (offset <= to) {
      last = seg;
      if (offset < to) break;
    }
  }
  if (!last) return null;
  const node = last.firstChild;
  if (!node) return { node: last, offset: 0 };
  let units = 0;
  for (let n = Number(last.dataset.o); n < offset && units < node.data.length; n++) {
    const c = node.data.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return { node: node, offset: units };
}

// Select [anchor, focus] (offsets; focus may come first); a caret when they are equal. The focus end is
// scrolled into view unless `scroll` is false.
export function select(doc, anchor, focus, scroll = true) {
  const a = pointAt(doc, anchor), f = pointAt(doc, focus);
  if (!a || !f) return false;
  window.getSelection().setBaseAndExtent(a.node, a.offset, f.node, f.offset);
  const el = f.node.nodeType === Node.TEXT_NODE ? f.node.parentElement : f.node;
  if (scroll) el.scrollIntoView({ block: "nearest" });
  return true;
}

// The selection as {anchor, focus} offsets, or null when it is not in the text.
export function ends(doc) {
  const selection = window.getSelection();
  if (!selection || !selection.rangeCount || !doc.contains(selection.anchorNode) ||
      !doc.contains(selection.focusNode)) return null;
  return {
    anchor: pointOffset(doc, selection.anchorNode, selection.anchorOffset, false),
    focus: pointOffset(doc, selection.focusNode, selection.focusOffset, false),
  };
}

const WORD = /[\p{L}\p{N}_'’-]/u;
const SENTENCE_END = /[.!?…]/u;

// Where the caret goes from `offset` by one `unit` ("char", "word", "sentence", "turn") in `dir` (±1).
export function step(rows, offset, unit, dir) {
  let i = rowIndex(rows, offset);
  if (i < 0) return rows.length ? rows[0].speech : offset;
  offset = inSpeech(rows, offset, dir);
  i = rowIndex(rows, offset);
  const row = rows[i];
  if (unit === "turn") {
    if (dir > 0) return i + 1 < rows.length ? rows[i + 1].speech : row.end;
    return offset > row.speech || i === 0 ? row.speech : rows[i - 1].speech;
  }
  // At the edge of a turn's speech, the next unit is in the next turn.
  if (dir > 0 && offset >= row.end) return i + 1 < rows.length ? rows[i + 1].speech : row.end;
  if (dir < 0 && offset <= row.speech) return i > 0 ? rows[i - 1].end : row.speech;
  const chars = rowText(row), at = offset - row.start;
  const lo = row.speech - row.start, hi = row.end - row.start;
  let k = at;
  if (unit === "char") return offset + dir;
  if (unit === "word") {
    if (dir > 0) {
      while (k < hi && !WORD.test(chars[k])) k++;
      while (k < hi && WORD.test(chars[k])) k++;
    } else {
      while (k > lo && !WORD.test(chars[k - 1])) k--;
      while (k > lo && WORD.test(chars[k - 1])) k--;
    }
    return row.start + k;
  }
  // A sentence ends after . ! ? … (and a closing quote) before white space, or at the turn's end.
  const endsAt = (j) => SENTENCE_END.test(chars[j - 1]) && (j >= hi || /\s/u.test(chars[j]));
  if (dir > 0) {
    k++;
    while (k < hi && !endsAt(k)) k++;
    return row.start + k;
  }
  // Back to the start of this sentence, or of the one before when already at a start.
  while (k > lo && /\s/u.test(chars[k - 1])) k--;
  if (k > lo && endsAt(k)) k--;
  while (k > lo && !endsAt(k)) k--;
  while (k < at && /\s/u.test(chars[k])) k++;
  return row.start + k;
}

// The unit a key moves by: Alt+←/→ a sentence, Alt+↑/↓ a turn, Ctrl+←/→ a word, ←/→ a character.
export function unitOf(event) {
  const horizontal = event.key === "ArrowLeft" || event.key === "ArrowRight";
  const vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
  if (event.altKey && horizontal) return "sentence";
  if (event.altKey && vertical) return "turn";
  if ((event.ctrlKey || event.metaKey) && horizontal) return "word";
  if (horizontal && !event.metaKey) return "char";
  return null;
}

export function directionOf(event) {
  return event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
}

export function initCaret(doc, status) {
  const storeKey = "kodeverk:caret:" + doc.dataset.document;
  let lastTurn = null, lastCoded = null;

  function announce(text) {
    if (status && text) status.textContent = text;
  }

  function remember() {
    const now = ends(doc);
    if (!now) return;
    try { sessionStorage.setItem(storeKey, String(now.focus)); } catch (e) { /* private mode */ }
    const rows = rowsOf(doc), row = rows[rowIndex(rows, now.focus)];
    const said = [];
    if (row && row.el !== lastTurn) {
      lastTurn = row.el;
      if (row.el.dataset.speaker) said.push([row.el.dataset.speaker, row.el.dataset.time].filter(Boolean).join(", "));
    }
    const point = pointAt(doc, now.focus);
    const seg = point && (point.node.nodeType === Node.TEXT_NODE ? point.node.parentElement : point.node);
    const coded = seg && seg.classList.contains("coded") ? seg.dataset.ex : null;
    if (coded !== lastCoded) {
      lastCoded = coded;
      if (coded) {
        const chip = row && row.el.querySelector('.excerpt-chip[data-excerpt="' + coded.split(" ")[0] + '"]');
        said.push(doc.dataset.codedLabel + (chip ? ": " + chip.title : ""));
      }
    }
    announce(said.join(". "));
  }

  // Focus the text with the caret at `offset` (or where it was last, or at the first speech).
  function focusText(offset) {
    const rows = rowsOf(doc);
    if (!rows.length) return;
    if (offset === undefined || offset === null) {
      let stored = null;
      try { stored = sessionStorage.getItem(storeKey); } catch (e) { /* private mode */ }
      offset = stored === null ? rows[0].speech : Number(stored);
    }
    doc.focus({ preventScroll: true });
    const place = inSpeech(rows, offset, 1);
    if (!select(doc, place, place)) select(doc, rows[0].speech, rows[0].speech);
  }

  doc.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || doc.classList.contains("bounds-mode")) return;
    const unit = unitOf(event);
    if (!unit) return;
    const now = ends(doc);
    if (!now) return;
    event.preventDefault();
    const rows = rowsOf(doc), dir = directionOf(event);
    if (!event.shiftKey && unit === "char" && now.anchor !== now.focus) {
      // An arrow on a selection collapses it to the side it points to.
      const to = dir > 0 ? Math.max(now.anchor, now.focus) : Math.min(now.anchor, now.focus);
      select(doc, to, to);
      return;
    }
    const to = step(rows, now.focus, unit, dir);
    select(doc, event.shiftKey ? inSpeech(rows, now.anchor, dir) : to, to);
  });

  // Keys the browser moves by itself (↑ ↓ Home End PageUp PageDown): a caret left in a label moves to speech.
  doc.addEventListener("keyup", (event) => {
    if (["ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].indexOf(event.key) < 0 || event.altKey) return;
    const now = ends(doc);
    if (!now) return;
    const rows = rowsOf(doc), dir = event.key === "ArrowUp" || event.key === "PageUp" ? -1 : 1;
    const focus = inSpeech(rows, now.focus, event.key === "Home" ? 1 : dir);
    if (focus !== now.focus) select(doc, event.shiftKey ? now.anchor : focus, focus);
  });

  document.addEventListener("selectionchange", () => {
    if (document.activeElement === doc) remember();
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && event.code === "KeyT") {
      event.preventDefault();
      focusText();
    }
  });

  return { focusText: focusText };
}
