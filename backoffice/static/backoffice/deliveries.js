/* The courier's "Navigate": inside WeChat with the JS-SDK configured, WeChat's own map
   (wx.openLocation, GCJ-02 like our addresses); elsewhere the link opens Amap. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-open-location]") : null;
    if (!link || !window.wx || typeof window.wx.openLocation !== "function") return;
    if (!/MicroMessenger/i.test(navigator.userAgent)) return;
    event.preventDefault();
    window.wx.openLocation({
      latitude: parseFloat(link.dataset.lat),
      longitude: parseFloat(link.dataset.lng),
      name: link.dataset.name,
      address: link.dataset.address,
      scale: 16
    });
  });
})();
