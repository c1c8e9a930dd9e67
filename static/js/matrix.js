// The theme × county matrix: main themes fold their sub-themes in and out, and a table wider than
// its frame says so (a fade at the edge with more columns, and a short hint above).
// Without this script every row shows, the fold buttons and the hint stay hidden, and the table still scrolls.
(function () {
  "use strict";
  var table = document.getElementById("matrix");
  if (!table) return;

  function childRows(row) {
    return table.querySelectorAll('tr[data-parent="' + row.id + '"]');
  }

  // Show or hide a row's sub-themes; a shown sub-theme shows its own only if it is unfolded.
  function setChildren(row, visible) {
    childRows(row).forEach(function (child) {
      child.hidden = !visible;
      var button = child.querySelector(".matrix-fold");
      setChildren(child, visible && (!button || button.getAttribute("aria-expanded") === "true"));
    });
  }

  table.querySelectorAll(".matrix-fold").forEach(function (button) {
    var row = button.closest("tr");
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
    setChildren(row, false);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      setChildren(row, open);
    });
  });

  var scroller = table.closest(".matrix-scroll");
  var frame = scroller && scroller.parentElement;
  var hint = document.getElementById("matrix-hint");
  if (!scroller || !hint) return;

  function showOverflow() {
    var overflows = scroller.scrollWidth > scroller.clientWidth + 1;
    hint.hidden = !overflows;
    frame.classList.toggle("more-right", overflows && scroller.scrollLeft + scroller.clientWidth < scroller.scrollWidth - 1);
  }
  scroller.addEventListener("scroll", showOverflow, {passive: true});
  window.addEventListener("resize", showOverflow);
  showOverflow();
})();
