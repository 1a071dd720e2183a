/* Flash sale countdown: [data-countdown-to] holds the seconds left when the page was served;
   the text ticks down each second and the page reloads at zero (the sale opens or closes). */
(function () {
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function show(el, seconds) {
    var text = el.querySelector("[data-countdown-text]") || el;
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    text.textContent = (h ? h + ":" : "") + pad(m) + ":" + pad(s);
  }
  document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
    var end = Date.now() + (parseInt(el.getAttribute("data-countdown-to"), 10) || 0) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      show(el, left);
      if (left === 0) { window.setTimeout(function () { window.location.reload(); }, 1000); return; }
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
