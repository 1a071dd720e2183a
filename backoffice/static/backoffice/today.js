/* The Today board: a beep and a tab-title badge when something new appears.
 *
 * The board (#today-board) fetches itself again with htmx every few seconds. Every item on it
 * carries data-today-item="<section>:<id>"; after each swap the ids are compared with the ones
 * already seen: new ones are highlighted, counted in the tab title "(n) …" and in the badge next
 * to the heading, and a short beep plays (Web Audio, no sound file). The count stays until the
 * clerk touches the page. Browsers only allow sound after a tap, hence "Sound on" (any tap on the
 * page unlocks it too).
 *
 * Delivery offers carry a countdown to their accept deadline (<time data-seconds-left>, as the
 * server counted when it drew the board); it ticks every second here and turns urgent in the last
 * minutes. While a clerk is writing why she declines an offer the poll holds off, so the board is
 * not redrawn under her fingers. */
(function () {
  "use strict";

  var audio = null;
  var seen = null; // ids on the board at the last look, null before the first
  var unseen = {}; // new ids the clerk has not acknowledged yet
  var baseTitle = document.title;

  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  // Two rising tones; a delivery offer (it has a deadline) rings twice as long.
  function beep(urgent) {
    if (navigator.vibrate) navigator.vibrate(urgent ? [80, 60, 80, 60, 80, 60, 80] : [80, 60, 80]);
    if (!audio || audio.state !== "running") return;
    var now = audio.currentTime;
    (urgent ? [0, 0.18, 0.5, 0.68] : [0, 0.18]).forEach(function (offset, index) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = index % 2 ? 1320 : 880;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.15);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(now + offset);
      oscillator.stop(now + offset + 0.16);
    });
  }

  function showUnseen() {
    var count = Object.keys(unseen).length;
    document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
    document.querySelectorAll("[data-today-new]").forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = count === 0;
    });
  }

  function readBoard() {
    var board = document.getElementById("today-board");
    if (!board) return;
    var now = {};
    var fresh = 0;
    var freshOffer = false;
    board.querySelectorAll("[data-today-item]").forEach(function (item) {
      var id = item.getAttribute("data-today-item");
      now[id] = true;
      if (seen !== null && !seen[id] && !unseen[id]) {
        unseen[id] = true;
        fresh += 1;
        if (id.indexOf("offers:") === 0) freshOffer = true;
      }
      if (unseen[id]) item.classList.add("td-new");
    });
    // Something handed over or collected meanwhile is no longer news.
    Object.keys(unseen).forEach(function (id) { if (!now[id]) delete unseen[id]; });
    seen = now;
    if (fresh) beep(freshOffer);
    showUnseen();
  }

  function acknowledge() {
    if (!Object.keys(unseen).length) return;
    unseen = {};
    showUnseen();
  }

  var drawnAt = Date.now(); // when the countdowns' seconds were counted

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var elapsed = Math.floor((Date.now() - drawnAt) / 1000);
    document.querySelectorAll("[data-seconds-left]").forEach(function (time) {
      var left = Math.max(0, parseInt(time.getAttribute("data-seconds-left"), 10) - elapsed);
      var urgent = left <= parseInt(time.getAttribute("data-remind-seconds"), 10);
      time.textContent = left ? clock(left) : time.getAttribute("data-passed-text");
      var item = time.closest(".td-offer");
      if (item) {
        item.classList.toggle("td-urgent", urgent);
        item.classList.toggle("td-passed", !left);
      }
    });
  }

  function holding() {
    var active = document.activeElement;
    return Boolean(
      document.querySelector("#today-board [data-today-hold][open]") ||
      (active && active.closest && active.closest("#today-board form") && active.name === "reason")
    );
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target && event.target.id === "today-board" && holding()) event.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", function () {
    drawnAt = Date.now();
    tick();
    readBoard();
  });

  function init() {
    readBoard();
    tick();
    window.setInterval(tick, 1000);
    document.querySelectorAll("[data-today-sound]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (unlockAudio()) {
          button.setAttribute("aria-pressed", "true");
          beep();
        }
      });
    });
    document.addEventListener("click", function () { unlockAudio(); }, { once: true });
    document.addEventListener("pointerdown", acknowledge);
    document.addEventListener("keydown", acknowledge);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
