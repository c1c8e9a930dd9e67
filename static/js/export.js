// The export page: the number of selected quotes follows the choices; «all» and «none» for the theme
// and county lists; «set every quote to» on the anonymity review; a failed poll of a job is tried again. Without this script the buttons stay
// hidden, every box is set by hand and the number shown is that of the page as it was loaded.
(function () {
  "use strict";

  document.querySelectorAll(".check-all, .review-all").forEach(function (group) {
    group.hidden = false;
  });

  // The choices that change which quotes are selected; the others (format, attribution, Word options)
  // leave the count as it is, so they send no request.
  var COUNTED = ["themes", "counties", "sources", "key_only", "coder"];
  var form = document.getElementById("export-form");
  var count = document.getElementById("export-count");
  if (form && count) {
    form.addEventListener("change", function (event) {
      if (COUNTED.indexOf(event.target.name) !== -1) {
        count.dispatchEvent(new CustomEvent("exportChoicesChanged"));
      }
    });
  }

  document.querySelectorAll("button[data-check]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = document.getElementById(button.getAttribute("aria-controls"));
      var on = button.getAttribute("data-check") === "all";
      box.querySelectorAll('input[type="checkbox"]').forEach(function (input) {
        input.checked = on;
      });
      // One change event for the whole list, so that the quotes are counted once.
      var first = box.querySelector('input[type="checkbox"]');
      if (first) first.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });

  // A job's row polls once per answer (the server sets the next, later delay); a poll that failed, say
  // while the server restarts, is tried again after the longest delay instead of ending the polling.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var row = event.detail.elt;
    if (!event.detail.successful && row.classList && row.classList.contains("export-job")) {
      row.dispatchEvent(new CustomEvent("exportPollFailed"));
    }
  });

  document.querySelectorAll("button[data-decide]").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-decide");
      button.form.querySelectorAll('.decisions input[type="radio"][value="' + value + '"]').forEach(function (input) {
        input.checked = true;
      });
    });
  });
})();
