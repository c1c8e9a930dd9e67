// Owns the browser selection ↔ code-point offsets of Document.text.
//
// Every piece of text is in a <span class="seg" data-o="N">, N being the code-point offset of
// its first character. The browser counts UTF-16 units, so an emoji is 2 there and 1 here;
// combining characters are code points of their own on both sides.

export function codePoints(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function segEnd(seg) {
  return Number(seg.dataset.o) + codePoints(seg.textContent);
}

function segments(container) {
  return Array.prototype.slice.call(container.querySelectorAll(".seg"));
}

// The offset of a boundary point (node, offset) as the DOM gives it.
export function pointOffset(container, node, offset, isEnd) {
  const seg = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (seg && seg.classList && seg.classList.contains("seg")) {
    if (node.nodeType === Node.TEXT_NODE) {
      return Number(seg.dataset.o) + codePoints(node.data.slice(0, offset));
    }
    return offset === 0 ? Number(seg.dataset.o) : segEnd(seg);
  }
  // A point between elements (a paragraph's edge, the margin, a gutter): take the nearest
  // text after it for a start, before it for an end.
  const probe = document.createRange();
  probe.setStart(node, offset);
  const all = segments(container);
  for (let i = 0; i < all.length; i++) {
    if (probe.comparePoint(all[i], 0) > 0) {  // the first text that starts after the point
      if (!isEnd) return Number(all[i].dataset.o);
      return i > 0 ? segEnd(all[i - 1]) : Number(all[i].dataset.o);
    }
  }
  return all.length ? segEnd(all[all.length - 1]) : 0;
}

// {start, end} of the selection inside container, or null when there is none (or it is empty).
export function selectionOffsets(container) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.commonAncestorContainer)) return null;
  const start = pointOffset(container, range.startContainer, range.startOffset, false);
  const end = pointOffset(container, range.endContainer, range.endOffset, true);
  return end > start ? { start: start, end: end } : null;
}
