// Owns boundary editing: «Change boundaries» (Alt+B) in the excerpt panel turns the excerpt's span into a
// selection with a handle at each end. Shift with the arrow keys moves the active end (by
// character, word with Ctrl, sentence and turn with Alt), Tab switches ends, the mouse drags a
// handle or selects new text; the panel previews the new text. Enter saves, Esc cancels. The
// theme picker stays shut meanwhile (the `bounds-mode` class on the document).
import { directionOf, ends, inSpeech, pointAt, rowsOf, select, step, unitOf } from "./caret.js";
import { selectionOffsets } from "./selection.js";

export function initBounds(doc, panel, caret) {
  let mode = null;  // {form, start, end, active: "start" | "end"}
  const handles = ["start", "end"].map((side) => {
    const handle = document.createElement("span");
    handle.className = "bound-handle " + side;
    handle.dataset.side = side;
    handle.hidden = true;
    handle.setAttribute("aria-hidden", "true");
    document.body.appendChild(handle);
    return handle;
  });

  function textOf(start, end) {
    const parts = [];
    rowsOf(doc).forEach((row) => {
      const a = Math.max(start, row.start), b = Math.min(end, row.end);
      if (a >= b) return;
      let text = "";
      row.el.querySelectorAll(".para .seg").forEach((seg) => { text += seg.textContent; });
      parts.push(Array.from(text).slice(a - row.start, b - row.start).join(""));
    });
    return parts.join("\n");
  }

  function place(handle, offset) {
    const point = pointAt(doc, offset);
    if (!point) { handle.hidden = true; return; }
    const range = document.createRange();
    range.setStart(point.node, point.offset);
    const rect = range.getClientRects()[0] || (point.node.parentElement || point.node).getBoundingClientRect();
    handle.hidden = false;
    handle.style.top = window.scrollY + rect.top + "px";
    handle.style.left = window.scrollX + rect.left - 3 + "px";
    handle.style.height = Math.max(rect.height, 16) + "px";
  }

  function show() {
    const anchor = mode.active === "end" ? mode.start : mode.end;
    const focus = mode.active === "end" ? mode.end : mode.start;
    select(doc, anchor, focus);
    place(handles[0], mode.start);
    place(handles[1], mode.end);
    handles.forEach((h) => h.classList.toggle("active", h.dataset.side === mode.active));
    const preview = panel.querySelector(".bounds-preview");
    if (preview) preview.textContent = textOf(mode.start, mode.end);
  }

  function setEnds(start, end) {
    const rows = rowsOf(doc);
    start = inSpeech(rows, start, 1);
    end = inSpeech(rows, end, -1);
    if (end <= start) return;
    mode.start = start;
    mode.end = end;
    show();
  }

  function enter(section) {
    const form = section.querySelector(".excerpt-form");
    mode = { form: form, start: Number(section.dataset.start), end: Number(section.dataset.end), active: "end",
             section: section };
    doc.classList.add("bounds-mode");
    section.classList.add("editing-bounds");
    section.querySelector(".bounds-editor").hidden = false;
    doc.focus({ preventScroll: true });
    show();
  }

  function leave(save) {
    if (!mode) return;
    const { form, start, end, section } = mode;
    mode = null;
    doc.classList.remove("bounds-mode");
    handles.forEach((h) => { h.hidden = true; });
    section.classList.remove("editing-bounds");
    const editor = section.querySelector(".bounds-editor");
    if (editor) editor.hidden = true;
    if (save) {
      form.querySelector("[name=start]").value = start;
      form.querySelector("[name=end]").value = end;
      panel.addEventListener("htmx:afterSettle", () => caret.focusText(end), { once: true });
      htmx.trigger(form, "submit");
    } else {
      caret.focusText(end);
    }
  }

  panel.addEventListener("click", (event) => {
    const button = event.target.closest(".edit-bounds");
    if (button) enter(button.closest(".excerpt"));
    if (event.target.closest(".bounds-save")) leave(true);
    if (event.target.closest(".bounds-cancel")) leave(false);
  });

  // Rows a colleague's change replaced: the span and its handles are shown again on the new rows.
  doc.addEventListener("kodeverk:rows", () => { if (mode) show(); });

  // Alt+B: change the boundaries of the excerpt open in the panel.
  document.addEventListener("keydown", (event) => {
    if (mode || !event.altKey || event.ctrlKey || event.code !== "KeyB") return;
    const button = panel.querySelector(".edit-bounds");
    if (!button) return;
    event.preventDefault();
    enter(button.closest(".excerpt"));
  });

  // Keys go to the mode first, before the caret and the picker see them.
  doc.addEventListener("keydown", (event) => {
    if (!mode) return;
    if (event.key === "Enter") { event.preventDefault(); event.stopImmediatePropagation(); leave(true); return; }
    if (event.key === "Escape") { event.preventDefault(); event.stopImmediatePropagation(); leave(false); return; }
    if (event.key === "Tab") {
      event.preventDefault();
      mode.active = mode.active === "end" ? "start" : "end";
      show();
      return;
    }
    const unit = unitOf(event);
    if (!unit) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const rows = rowsOf(doc), moved = step(rows, mode[mode.active], unit, directionOf(event));
    if (mode.active === "end") setEnds(mode.start, moved); else setEnds(moved, mode.end);
  }, true);

  // A mouse selection made in the mode is the new span. Pressing the mouse on the shown span would drag
  // its text away instead of selecting: the span is let go first, so the press starts a new selection.
  doc.addEventListener("mousedown", () => {
    if (mode && !dragging) window.getSelection().removeAllRanges();
  }, true);
  doc.addEventListener("mouseup", () => {
    if (!mode || dragging) return;
    window.setTimeout(() => {
      const selected = selectionOffsets(doc);
      if (selected) setEnds(selected.start, selected.end);
    }, 0);
  });

  let dragging = null;
  handles.forEach((handle) => {
    handle.addEventListener("pointerdown", (event) => {
      if (!mode) return;
      event.preventDefault();
      dragging = handle.dataset.side;
      mode.active = dragging;
      handle.setPointerCapture(event.pointerId);
    });
    handle.addEventListener("pointermove", (event) => {
      if (!dragging) return;
      const range = document.caretRangeFromPoint(event.clientX, event.clientY);
      if (!range || !doc.contains(range.startContainer)) return;
      const offset = offsetAt(range);
      if (offset === null) return;
      if (dragging === "end") setEnds(mode.start, offset); else setEnds(offset, mode.end);
    });
    handle.addEventListener("pointerup", () => { dragging = null; });
  });

  // The offset of the caret position under the pointer (show() then makes the selection again).
  function offsetAt(range) {
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const now = ends(doc);
    return now ? now.focus : null;
  }

  return { active: () => mode !== null };
}
