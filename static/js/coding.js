// The coding view: select text, pick themes, open excerpts, undo. Keyboard first.
//
// The document is contenteditable only to give the keyboard a caret (Shift+arrows select);
// every edit is refused. Writes go through htmx, which swaps the excerpt panel and, out of
// band, the paragraphs that changed.
(function () {
  "use strict";
  var doc = document.getElementById("document");
  if (!doc) return;
  var picker = document.getElementById("picker");
  var panel = document.getElementById("excerpt-panel");
  var canCode = doc.classList.contains("can-code");
  var recentKey = "kodeverk:recent:" + doc.dataset.project;
  var lastSelection = null;
  var pending = null;

  function offsets() {
    return window.Kodeverk.selectionOffsets(doc);
  }

  function openExcerpt(id) {
    htmx.ajax("GET", doc.dataset.panelUrl.replace("/0/", "/" + id + "/"), { target: "#excerpt-panel" });
  }

  // --- a link to a place: #at-START-END marks that passage and scrolls to it ---------------
  // A long document is rendered a window at a time, so the place may not be in the page: then
  // the window that holds it replaces the rows (offsets stay absolute), and the mark follows.
  function linkedPlace() {
    var match = /^#at-(\d+)-(\d+)$/.exec(window.location.hash);
    return match ? { start: Number(match[1]), end: Number(match[2]) } : null;
  }

  function show(place, fetched) {
    if (!place) return;
    var first = null;
    doc.querySelectorAll(".seg").forEach(function (seg) {
      var from = Number(seg.dataset.o), to = from + window.Kodeverk.codePoints(seg.textContent);
      var hit = from < place.end && to > place.start;
      seg.classList.toggle("target", hit);
      if (hit && !first) first = seg;
    });
    if (first) {
      first.scrollIntoView({ block: "center" });
    } else if (!fetched) {
      htmx.ajax("GET", doc.dataset.rowsUrl + "?at=" + place.start, { target: "#document", swap: "innerHTML" })
        .then(function () { show(place, true); });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { show(linkedPlace()); });
  window.addEventListener("hashchange", function () { show(linkedPlace()); });
  // After an undo the server names the place it restored.
  document.body.addEventListener("kodeverk:show", function (event) { show(event.detail); });

  // --- rows out of band ---------------------------------------------------------------------
  // A write (or a colleague's, through the poll) answers with the paragraphs it touched. One in a
  // window the page has not loaded is dropped here: it is read fresh when its window loads.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var html = event.detail.serverResponse;
    if (typeof html !== "string" || html.indexOf("hx-swap-oob") < 0) return;
    var template = document.createElement("template");
    template.innerHTML = html;
    var dropped = false;
    template.content.querySelectorAll("[hx-swap-oob][id]").forEach(function (row) {
      if (!document.getElementById(row.id)) { row.remove(); dropped = true; }
    });
    if (dropped) event.detail.serverResponse = template.innerHTML;
  });

  // --- no edits, ever -----------------------------------------------------------------
  ["beforeinput", "paste", "drop", "cut"].forEach(function (name) {
    doc.addEventListener(name, function (event) { event.preventDefault(); });
  });

  document.addEventListener("selectionchange", function () {
    var current = offsets();
    if (current) lastSelection = current;
  });

  // --- open excerpts --------------------------------------------------------------------
  doc.addEventListener("click", function (event) {
    var chip = event.target.closest(".excerpt-chip");
    if (chip) {
      openExcerpt(chip.dataset.excerpt);
      return;
    }
    var seg = event.target.closest(".seg.coded");
    var selection = window.getSelection();
    if (seg && (!selection || selection.isCollapsed)) openExcerpt(seg.dataset.ex.split(" ")[0]);
  });

  // --- the theme picker -----------------------------------------------------------------
  function recent() {
    try { return JSON.parse(localStorage.getItem(recentKey) || "[]"); } catch (e) { return []; }
  }

  function remember(ids) {
    var list = ids.concat(recent().filter(function (id) { return ids.indexOf(id) < 0; })).slice(0, 5);
    try { localStorage.setItem(recentKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function items() {
    return Array.prototype.slice.call(picker.querySelectorAll("li"));
  }

  function renderThemes(themes) {
    var list = document.getElementById("picker-list");
    var order = recent();
    themes.sort(function (a, b) {
      var ra = order.indexOf(String(a.id)), rb = order.indexOf(String(b.id));
      if (ra < 0) ra = 99;
      if (rb < 0) rb = 99;
      return ra - rb;
    });
    list.textContent = "";
    themes.forEach(function (theme) {
      var li = document.createElement("li");
      li.dataset.theme = theme.id;
      li.dataset.key = theme.shortcut_key || "";
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = theme.id;
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.setProperty("--swatch", theme.colour);
      label.append(box, " ", swatch, " " + theme.name);
      if (theme.shortcut_key) {
        var kbd = document.createElement("kbd");
        kbd.textContent = /\d/.test(theme.shortcut_key) ? theme.shortcut_key : "Alt+" + theme.shortcut_key;
        label.append(" ", kbd);
      }
      if (theme.description) label.title = theme.description;
      li.appendChild(label);
      list.appendChild(li);
    });
  }

  function openPicker(selected) {
    if (!canCode || !picker) return;
    pending = selected;
    fetch(doc.dataset.themesUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { renderThemes(data.themes); showPicker(); })
      .catch(function () { showPicker(); });
  }

  function showPicker() {
    var range = window.getSelection().rangeCount ? window.getSelection().getRangeAt(0) : null;
    var rect = range ? range.getBoundingClientRect() : doc.getBoundingClientRect();
    picker.hidden = false;
    var top = window.scrollY + rect.bottom + 8;
    var left = Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth -
      picker.offsetWidth - 16);
    picker.style.top = top + "px";
    picker.style.left = Math.max(8, left) + "px";
    var filter = document.getElementById("picker-filter");
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
    var needle = text.trim().toLowerCase();
    items().forEach(function (li) {
      li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) < 0;
    });
  }

  function toggleByKey(key) {
    var li = items().filter(function (item) { return item.dataset.key && item.dataset.key === key; })[0];
    if (!li) return false;
    var box = li.querySelector("input");
    box.checked = !box.checked;
    return true;
  }

  function apply() {
    if (!pending) return;
    var chosen = items().filter(function (li) { return li.querySelector("input").checked; });
    if (!chosen.length) {
      var visible = items().filter(function (li) { return !li.hidden; });
      var focused = document.activeElement && document.activeElement.closest("#picker-list li");
      chosen = focused ? [focused] : visible.slice(0, 1);
    }
    if (!chosen.length) return;
    var ids = chosen.map(function (li) { return li.dataset.theme; });
    var form = document.getElementById("create-form");
    form.querySelector("[name=start]").value = pending.start;
    form.querySelector("[name=end]").value = pending.end;
    form.querySelectorAll("[name=themes]").forEach(function (input) { input.remove(); });
    ids.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "themes";
      input.value = id;
      form.appendChild(input);
    });
    remember(ids);
    closePicker(false);
    htmx.trigger(form, "submit");
  }

  if (picker) {
    picker.addEventListener("keydown", function (event) {
      var inFilter = event.target.id === "picker-filter";
      if (event.key === "Escape") { event.preventDefault(); closePicker(true); return; }
      if (event.key === "Enter") { event.preventDefault(); apply(); return; }
      if ((inFilter && /^\d$/.test(event.key)) || (event.altKey && event.key.length === 1)) {
        if (toggleByKey(event.key.toLowerCase())) event.preventDefault();
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var boxes = items().filter(function (li) { return !li.hidden; }).map(function (li) {
          return li.querySelector("input");
        });
        var index = boxes.indexOf(document.activeElement);
        var next = event.key === "ArrowDown" ? index + 1 : index - 1;
        if (next < 0) { document.getElementById("picker-filter").focus(); return; }
        if (boxes[Math.min(next, boxes.length - 1)]) boxes[Math.min(next, boxes.length - 1)].focus();
      }
    });
    document.getElementById("picker-filter").addEventListener("input", function (event) {
      applyFilter(event.target.value);
    });
    document.getElementById("picker-apply").addEventListener("click", apply);
    document.getElementById("picker-cancel").addEventListener("click", function () { closePicker(true); });
  }

  doc.addEventListener("mouseup", function () {
    window.setTimeout(function () {
      var selected = offsets();
      if (selected) openPicker(selected);
    }, 0);
  });

  doc.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var selected = offsets();
      if (selected) openPicker(selected);
    }
  });

  // --- undo -------------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    var undo = document.getElementById("undo");
    if (!undo || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z" || event.shiftKey) return;
    var target = event.target;
    if (target.closest && target.closest("textarea, input[type=text]")) return;
    event.preventDefault();
    undo.click();
  });

  // --- the excerpt panel's «use the selection» button --------------------------------------
  // A new panel forgets the selection it was opened with: only text selected after it counts.
  panel.addEventListener("htmx:afterSwap", function () { lastSelection = null; });

  panel.addEventListener("click", function (event) {
    var button = event.target.closest(".use-selection");
    if (!button || !lastSelection) return;
    var form = button.closest("form");
    form.querySelector("[name=start]").value = lastSelection.start;
    form.querySelector("[name=end]").value = lastSelection.end;
    htmx.trigger(form, "submit");
  });
})();
