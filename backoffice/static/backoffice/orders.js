/* Order back office: the queue's badge and beep, printing the pick list, copying links.
 *
 * The queue (#order-queue) re-fetches itself with htmx every few seconds; after each swap the
 * waiting count (data-waiting) is compared with the last one: when it grows the badge and the
 * tab title update and a short beep plays (Web Audio, no sound files). Browsers only allow
 * sound after a tap, hence the "Sound on" button (any tap on the page unlocks it too). */
(function () {
  "use strict";

  var audio = null;
  var lastWaiting = null;
  var baseTitle = document.title;

  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  function beep() {
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
    if (navigator.vibrate) navigator.vibrate([80, 60, 80]);
  }

  function showCount(count) {
    document.querySelectorAll("[data-ob-count]").forEach(function (badge) {
      badge.textContent = count;
      badge.classList.toggle("zero", count === 0);
    });
    document.querySelectorAll("[data-ob-badge]").forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = count === 0;
    });
    document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function readQueue(isSwap) {
    var queue = document.getElementById("order-queue");
    if (!queue) return;
    var count = parseInt(queue.getAttribute("data-waiting"), 10) || 0;
    if (isSwap && lastWaiting !== null && count > lastWaiting) {
      beep();
      queue.querySelectorAll(".ob-order").forEach(function (card) {
        if (!knownOrders[card.id]) card.classList.add("ob-new");
      });
    }
    knownOrders = {};
    queue.querySelectorAll(".ob-order").forEach(function (card) { knownOrders[card.id] = true; });
    lastWaiting = count;
    showCount(count);
  }
  var knownOrders = {};

  document.addEventListener("htmx:afterSwap", function () { readQueue(true); });

  // Do not replace the list under a clerk's fingers while she types a tracking number.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var queue = document.getElementById("order-queue");
    var active = document.activeElement;
    if (queue && event.detail.elt === queue && active && active.tagName === "INPUT" && queue.contains(active)) {
      event.preventDefault();
    }
  });

  function init() {
    readQueue(false);
    document.querySelectorAll("[data-ob-sound]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (unlockAudio()) {
          button.setAttribute("aria-pressed", "true");
          beep();
        }
      });
    });
    document.addEventListener("click", function () { unlockAudio(); }, { once: true });
    document.querySelectorAll("[data-ob-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-ob-copy-button]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = button.parentNode.querySelector("[data-ob-copy]");
        if (!input) return;
        input.select();
        if (navigator.clipboard) navigator.clipboard.writeText(input.value);
        else document.execCommand("copy");
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
