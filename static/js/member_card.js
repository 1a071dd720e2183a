/* Member pages: countdowns (card QR refresh, "send a new code"), refreshing a stale card QR when
 * the phone comes back to the page, share and print buttons. No dependencies; htmx optional. */
(function () {
  "use strict";

  var timers = new WeakMap();

  function startCountdown(el) {
    if (timers.has(el)) return;
    var seconds = parseInt(el.getAttribute("data-countdown"), 10) || 0;
    var deadline = Date.now() + seconds * 1000;
    var text = el.hasAttribute("data-countdown-text") ? el : el.querySelector("[data-countdown-text]");
    function tick() {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (text) text.textContent = text === el ? String(left) : "(" + left + "s)";
      if (left > 0) return;
      clearInterval(timers.get(el));
      if (el.hasAttribute("data-countdown-enable")) {
        el.disabled = false;
        if (text && text !== el) text.textContent = "";
      }
    }
    timers.set(el, setInterval(tick, 1000));
    tick();
  }

  function scan(root) {
    (root || document).querySelectorAll("[data-countdown]").forEach(startCountdown);
  }

  // The card QR is valid for a short while only. Timers sleep in a background tab or a locked
  // phone, so when she comes back we fetch a fresh one instead of showing a stale code.
  var hiddenAt = null;
  document.addEventListener("visibilitychange", function () {
    var qr = document.getElementById("card-qr");
    if (!qr) return;
    if (document.hidden) { hiddenAt = Date.now(); return; }
    var refresh = (parseInt(qr.getAttribute("data-refresh-seconds"), 10) || 60) * 1000;
    if (hiddenAt && Date.now() - hiddenAt > refresh / 2 && window.htmx) {
      window.htmx.trigger(qr, "refresh");
    }
    hiddenAt = null;
  });

  document.addEventListener("click", function (event) {
    var share = event.target.closest("[data-share-url]");
    if (share) {
      var url = share.getAttribute("data-share-url");
      var title = share.getAttribute("data-share-title") || document.title;
      if (navigator.share) {
        navigator.share({ title: title, url: url }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(url).then(function () {
          share.textContent = share.getAttribute("data-share-copied") || url;
        });
      } else {
        window.prompt(title, url);
      }
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSettle", function (event) { scan(event.target); });
  if (document.readyState !== "loading") scan(document);
})();
