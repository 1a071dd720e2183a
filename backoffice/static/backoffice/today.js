/* The Today board: a beep and a tab-title badge when something new appears.
 *
 * The board (#today-board) fetches itself again with htmx every few seconds. Every item on it
 * carries data-today-item="<section>:<id>"; after each swap the ids are compared with the ones
 * already seen: new ones are highlighted, counted in the tab title "(n) …" and in the badge next
 * to the heading, and a short beep plays (Web Audio, no sound file). The count stays until the
 * clerk touches the page. Browsers only allow sound after a tap, hence "Sound on" (any tap on the
 * page unlocks it too). */
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

  function beep() {
    if (navigator.vibrate) navigator.vibrate([80, 60, 80]);
    if (!audio || audio.state !== "running") return;
    var now = audio.currentTime;
    [0, 0.18].forEach(function (offset) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = offset ? 1320 : 880;
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
    board.querySelectorAll("[data-today-item]").forEach(function (item) {
      var id = item.getAttribute("data-today-item");
      now[id] = true;
      if (seen !== null && !seen[id] && !unseen[id]) {
        unseen[id] = true;
        fresh += 1;
      }
      if (unseen[id]) item.classList.add("td-new");
    });
    // Something handed over or collected meanwhile is no longer news.
    Object.keys(unseen).forEach(function (id) { if (!now[id]) delete unseen[id]; });
    seen = now;
    if (fresh) beep();
    showUnseen();
  }

  function acknowledge() {
    if (!Object.keys(unseen).length) return;
    unseen = {};
    showUnseen();
  }

  document.addEventListener("htmx:afterSwap", readBoard);

  function init() {
    readBoard();
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
