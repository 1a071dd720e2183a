/* Fill a form's map point (lat, lng, coords) from where the shopper is: WeChat's JS-SDK
   (wx.getLocation, type gcj02) when the page configured it, else the browser's geolocation, whose
   WGS-84 fix the server shifts to GCJ-02 (coords=wgs84). A form with data-locate-submit is sent
   (GET) as soon as the point is known: the delivery checkout then shows who delivers there. */
(function () {
  "use strict";
  var box = document.querySelector("[data-locate-box]");
  if (!box) return;
  var form = box.closest("form");
  var button = box.querySelector("[data-locate-button]");
  var status = box.querySelector("[data-locate-status]");
  var inWeChat = /MicroMessenger/i.test(navigator.userAgent);
  var useWeChat = inWeChat && form && form.dataset.wechat === "1" && window.wx && typeof window.wx.getLocation === "function";

  function found(latitude, longitude, coords) {
    box.querySelector("[data-locate-lat]").value = latitude.toFixed(6);
    box.querySelector("[data-locate-lng]").value = longitude.toFixed(6);
    box.querySelector("[data-locate-coords]").value = coords;
    status.textContent = box.dataset.msgFound;
    button.disabled = false;
    if (form && form.hasAttribute("data-locate-submit")) {
      var url = new URL(form.dataset.locateSubmit || window.location.href, window.location.href);
      url.search = "";
      url.searchParams.set("lat", latitude.toFixed(6));
      url.searchParams.set("lng", longitude.toFixed(6));
      url.searchParams.set("coords", coords);
      window.location.assign(url.href);
    }
  }

  function failed() {
    status.textContent = box.dataset.msgFailed;
    button.disabled = false;
  }

  function withBrowser() {
    if (!navigator.geolocation) return failed();
    navigator.geolocation.getCurrentPosition(
      function (pos) { found(pos.coords.latitude, pos.coords.longitude, "wgs84"); },
      failed,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = box.dataset.msgLocating;
    if (useWeChat) {
      window.wx.error(function () { useWeChat = false; withBrowser(); });
      window.wx.ready(function () {
        window.wx.getLocation({
          type: "gcj02",
          success: function (res) { found(res.latitude, res.longitude, "gcj02"); },
          fail: failed,
          cancel: failed
        });
      });
    } else {
      withBrowser();
    }
  });
})();
