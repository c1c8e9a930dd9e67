// The import preview's names that are also words: «replace all» and «keep all» set every box of one
// file at once (a speaker called Dag, and «i dag» fifty times). Without this script the buttons stay
// hidden and each box is set by hand.
(function () {
  "use strict";

  document.querySelectorAll(".name-review-all").forEach(function (group) {
    group.hidden = false;
  });

  document.querySelectorAll("button[data-name-review]").forEach(function (button) {
    button.addEventListener("click", function () {
      var table = document.getElementById(button.getAttribute("aria-controls"));
      var on = button.getAttribute("data-name-review") === "replace";
      table.querySelectorAll('input[type="checkbox"]').forEach(function (input) {
        input.checked = on;
      });
    });
  });
})();
