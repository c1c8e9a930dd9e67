// The transcript page: a link with ?at=OFFSET opens the window holding that place (the server
// renders it); this scrolls to the turn that holds the offset and marks it.
(function () {
  "use strict";
  var at = Number(new URLSearchParams(window.location.search).get("at"));
  var list = document.getElementById("transcript");
  if (!list || !at) return;
  var holder = null;
  list.querySelectorAll(".turn").forEach(function (turn) {
    if (Number(turn.dataset.start) <= at) holder = turn;
  });
  if (!holder) return;
  holder.classList.add("target");
  holder.scrollIntoView({ block: "center" });
})();
