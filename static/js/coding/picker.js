// Owns the new-excerpt theme picker: opening it on a selection (mouse, or Enter after
// Shift+arrows) inside the visible screen, filtering by typing, ticking by digit or Alt+letter,
// arrow keys, Enter to code and Esc to cancel; the last themes used come first (kept per study in
// localStorage). After coding, the caret stands right after the new excerpt.
// A selection with no speech in it (labels, time codes) gets a message instead of the picker; the
// server snaps the rest to speech (coding.quotes.speech_span).
import { rowsOf } from "./caret.js";
import { selectionOffsets } from "./selection.js";

// Whether [start, end) holds any character of speech (not only labels and line breaks).
function holdsSpeech(rows, start, end) {
  return rows.some((row) => Math.max(start, row.speech) < Math.min(end, row.end));
}

export function initPicker(doc, picker, caret, tell) {
  const canCode = doc.classList.contains("can-code");
  const recentKey = "kodeverk:recent:" + doc.dataset.project;
  let pending = null;

  function recent() {
    try { return JSON.parse(localStorage.getItem(recentKey) || "[]"); } catch (e) { return []; }
  }

  function remember(ids) {
    const list = ids.concat(recent().filter((id) => ids.indexOf(id) < 0)).slice(0, 5);
    try { localStorage.setItem(recentKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function items() {
    return Array.prototype.slice.call(picker.querySelectorAll("li"));
  }

  function renderThemes(themes) {
    const list = document.getElementById("picker-list");
    const order = recent();
    themes.sort((a, b) => {
      let ra = order.indexOf(String(a.id)), rb = order.indexOf(String(b.id));
      if (ra < 0) ra = 99;
      if (rb < 0) rb = 99;
      return ra - rb;
    });
    list.textContent = "";
    themes.forEach((theme) => {
      const li = document.createElement("li");
      li.dataset.theme = theme.id;
      li.dataset.key = theme.shortcut_key || "";
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = theme.id;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.setProperty("--swatch", theme.colour);
      label.append(box, " ", swatch, " " + theme.name);
      if (theme.shortcut_key) {
        const kbd = document.createElement("kbd");
        kbd.textContent = /\d/.test(theme.shortcut_key) ? theme.shortcut_key : "Alt+" + theme.shortcut_key;
        label.append(" ", kbd);
      }
      if (theme.description) label.title = theme.description;
      li.appendChild(label);
      list.appendChild(li);
    });
  }

  function openPicker(selected) {
    if (!canCode || !picker || doc.classList.contains("bounds-mode")) return;
    if (!holdsSpeech(rowsOf(doc), selected.start, selected.end)) {
      tell(doc.dataset.noSpeech);
      return;
    }
    pending = selected;
    fetch(doc.dataset.themesUrl, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => { renderThemes(data.themes); showPicker(); })
      .catch(() => showPicker());
  }

  function showPicker() {
    const range = window.getSelection().rangeCount ? window.getSelection().getRangeAt(0) : null;
    const rect = range ? range.getBoundingClientRect() : doc.getBoundingClientRect();
    picker.hidden = false;
    // Below the selection, or above it when there is no room below; always inside the screen.
    const height = picker.offsetHeight, room = window.innerHeight;
    let top = rect.bottom + 8;
    if (top + height > room - 8) top = rect.top - height - 8 >= 8 ? rect.top - height - 8 : room - height - 8;
    top = window.scrollY + Math.max(8, top);
    const left = Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth -
      picker.offsetWidth - 16);
    picker.style.top = top + "px";
    picker.style.left = Math.max(8, left) + "px";
    const filter = document.getElementById("picker-filter");
    filter.value = "";
    applyFilter("");
    filter.focus();
  }

  function closePicker(restoreFocus) {
    picker.hidden = true;
    pending = null;
    if (restoreFocus) doc.focus();
  }

  function applyFilter(text) {
    const needle = text.trim().toLowerCase();
    items().forEach((li) => {
      li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) < 0;
    });
  }

  function toggleByKey(key) {
    const li = items().filter((item) => item.dataset.key && item.dataset.key === key)[0];
    if (!li) return false;
    const box = li.querySelector("input");
    box.checked = !box.checked;
    return true;
  }

  function apply() {
    if (!pending) return;
    let chosen = items().filter((li) => li.querySelector("input").checked);
    if (!chosen.length) {
      const visible = items().filter((li) => !li.hidden);
      const focused = document.activeElement && document.activeElement.closest("#picker-list li");
      chosen = focused ? [focused] : visible.slice(0, 1);
    }
    if (!chosen.length) return;
    const ids = chosen.map((li) => li.dataset.theme);
    const form = document.getElementById("create-form");
    form.querySelector("[name=start]").value = pending.start;
    form.querySelector("[name=end]").value = pending.end;
    form.querySelectorAll("[name=themes]").forEach((input) => input.remove());
    ids.forEach((id) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "themes";
      input.value = id;
      form.appendChild(input);
    });
    remember(ids);
    const after = pending.end;
    closePicker(false);
    // When the new rows have settled, the caret goes right after the excerpt, ready for the next one.
    const panel = document.getElementById("excerpt-panel");
    panel.addEventListener("htmx:afterSettle", () => caret.focusText(after), { once: true });
    htmx.trigger(form, "submit");
  }

  if (picker) {
    picker.addEventListener("keydown", (event) => {
      const inFilter = event.target.id === "picker-filter";
      if (event.key === "Escape") { event.preventDefault(); closePicker(true); return; }
      if (event.key === "Enter") { event.preventDefault(); apply(); return; }
      if ((inFilter && /^\d$/.test(event.key)) || (event.altKey && event.key.length === 1)) {
        if (toggleByKey(event.key.toLowerCase())) event.preventDefault();
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const boxes = items().filter((li) => !li.hidden).map((li) => li.querySelector("input"));
        const index = boxes.indexOf(document.activeElement);
        const next = event.key === "ArrowDown" ? index + 1 : index - 1;
        if (next < 0) { document.getElementById("picker-filter").focus(); return; }
        if (boxes[Math.min(next, boxes.length - 1)]) boxes[Math.min(next, boxes.length - 1)].focus();
      }
    });
    document.getElementById("picker-filter").addEventListener("input", (event) => {
      applyFilter(event.target.value);
    });
    document.getElementById("picker-apply").addEventListener("click", apply);
    document.getElementById("picker-cancel").addEventListener("click", () => closePicker(true));
  }

  function selectionMade() {
    const selection = window.getSelection();
    return selection && !selection.isCollapsed && doc.contains(selection.anchorNode);
  }

  doc.addEventListener("mouseup", () => {
    window.setTimeout(() => {
      if (!selectionMade() || doc.classList.contains("bounds-mode")) return;
      const selected = selectionOffsets(doc);
      if (selected) openPicker(selected);
      else tell(doc.dataset.noSpeech);
    }, 0);
  });

  doc.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !doc.classList.contains("bounds-mode")) {
      event.preventDefault();
      if (!selectionMade()) return;  // Enter on a caret: panel.js opens the excerpt there
      const selected = selectionOffsets(doc);
      if (selected) openPicker(selected);
      else tell(doc.dataset.noSpeech);
    }
  });
}
