// The recording player of the transcript page and the coding view: a turn's time code plays from there;
// while playing, the turn being spoken is marked and kept in view. Keys (also in the coding view's «?»
// list): Alt+P play/pause, Alt+J back 5 s, Alt+, slower, Alt+. faster.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;
  var rate = document.getElementById("player-rate");
  var RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];
  var current = null;

  // Elements with data-seconds are turns (transcript page: li.turn; coding view: .row of a transcript).
  function turns() { return document.querySelectorAll("[data-seconds]"); }

  function playFrom(seconds) {
    player.currentTime = seconds;
    var started = player.play();
    if (started && started.catch) started.catch(function () {});
  }

  document.addEventListener("click", function (event) {
    var time = event.target.closest && event.target.closest(".time, .time-seek");
    if (!time) return;
    var turn = time.closest("[data-seconds]");
    if (!turn || turn.dataset.seconds === "") return;
    event.preventDefault();
    playFrom(Number(turn.dataset.seconds));
  });

  function setRate(step) {
    var index = RATES.indexOf(player.playbackRate);
    if (index < 0) index = RATES.indexOf(1);
    index = Math.min(RATES.length - 1, Math.max(0, index + step));
    player.playbackRate = RATES[index];
    if (rate) rate.textContent = RATES[index].toString().replace(".", ",") + "×";
  }

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var handled = true;
    if (event.code === "KeyP") {
      if (player.paused) playFrom(player.currentTime); else player.pause();
    } else if (event.code === "KeyJ") {
      player.currentTime = Math.max(0, player.currentTime - 5);
    } else if (event.code === "Comma") {
      setRate(-1);
    } else if (event.code === "Period") {
      setRate(1);
    } else {
      handled = false;
    }
    if (handled) { event.preventDefault(); event.stopPropagation(); }
  }, true);

  player.addEventListener("timeupdate", function () {
    var now = player.currentTime, holder = null;
    turns().forEach(function (turn) {
      if (turn.dataset.seconds !== "" && Number(turn.dataset.seconds) <= now + 0.05) holder = turn;
    });
    if (holder === current) return;
    if (current) current.classList.remove("playing");
    current = holder;
    if (current) {
      current.classList.add("playing");
      if (!player.paused) current.scrollIntoView({ block: "nearest" });
    }
  });
})();
