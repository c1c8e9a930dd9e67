// The theme × county matrix: main themes fold their sub-themes in and out.
// Without this script every row shows and the fold buttons stay hidden.
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
})();
