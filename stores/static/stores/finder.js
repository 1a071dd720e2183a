/* Store finder: locate the shopper (WeChat JS-SDK when configured, else the browser), load the
   nearest stores as an htmx partial; when location is refused or missing, offer a city picker. */
(function () {
  "use strict";
  var root = document.getElementById("store-finder");
  if (!root) return;
  var script = document.currentScript || document.querySelector("script[data-msg-near]");
  var msg = script.dataset;
  var nearbyUrl = root.dataset.nearbyUrl;
  var status = document.getElementById("finder-status");
  var picker = document.getElementById("city-picker");
  var citySelect = document.getElementById("picker-city");
  var districtSelect = document.getElementById("picker-district");
  var cities = JSON.parse(document.getElementById("finder-cities").textContent);
  var inWeChat = /MicroMessenger/i.test(navigator.userAgent);
  // Inside WeChat the page loads the JS-SDK and wx.config runs (includes/wechat_jssdk.html);
  // outside it, or when WeChat is not configured, window.wx is absent and the browser locates.
  var useWeChat = inWeChat && root.dataset.wechat === "1" && window.wx && typeof window.wx.getLocation === "function";

  function load(params) {
    htmx.ajax("GET", nearbyUrl + "?" + new URLSearchParams(params).toString(),
      { target: "#store-list", swap: "innerHTML" });
  }

  var pickButton = document.getElementById("finder-pick");

  function showPicker(text) {
    status.textContent = text;
    picker.hidden = false;
    pickButton.hidden = true;
    if (citySelect.value) {
      htmx.trigger(picker, "change");
    } else {
      document.getElementById("store-list").innerHTML = "";
    }
  }

  function located(latitude, longitude, coords) {
    status.textContent = msg.msgNear;
    picker.hidden = true;
    pickButton.hidden = false;
    load({ lat: latitude.toFixed(6), lng: longitude.toFixed(6), coords: coords });
  }

  function locateWithBrowser() {
    if (!navigator.geolocation) {
      showPicker(msg.msgDenied);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (pos) { located(pos.coords.latitude, pos.coords.longitude, "wgs84"); },
      function () { showPicker(msg.msgDenied); },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  }

  function locate() {
    status.textContent = msg.msgLocating;
    if (useWeChat) {
      // A failed wx.config (bad signature) never fires wx.ready; fall back to the browser, as
      // when the configuration could not even be fetched.
      var fallBack = function () {
        if (!useWeChat) return;
        useWeChat = false;
        locateWithBrowser();
      };
      window.wx.error(fallBack);
      document.addEventListener("wechat:unavailable", fallBack);
      if (window.o2oWeChatUnavailable) { fallBack(); return; }
      window.wx.ready(function () {
        window.wx.getLocation({
          type: "gcj02",
          success: function (res) { located(res.latitude, res.longitude, "gcj02"); },
          fail: function () { showPicker(msg.msgDenied); },
          cancel: function () { showPicker(msg.msgDenied); }
        });
      });
    } else {
      locateWithBrowser();
    }
  }

  // District options follow the city. This listener runs before the change event bubbles up to
  // the form, so htmx sends the reset district with the new city.
  citySelect.addEventListener("change", function () {
    var districts = cities[citySelect.value] || [];
    districtSelect.innerHTML = "";
    var all = document.createElement("option");
    all.value = "";
    all.textContent = msg.allDistricts;
    districtSelect.appendChild(all);
    districts.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      districtSelect.appendChild(option);
    });
    districtSelect.disabled = districts.length === 0;
  });

  // htmx 2 does not swap 4xx answers by default; the partial's 400 carries a message for people.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "store-list" && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Inside WeChat, navigation opens WeChat's own map; elsewhere the link opens Amap.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.store-nav") : null;
    if (!link || !useWeChat || typeof window.wx.openLocation !== "function") return;
    event.preventDefault();
    window.wx.openLocation({
      latitude: parseFloat(link.dataset.lat),
      longitude: parseFloat(link.dataset.lng),
      name: link.dataset.name,
      address: link.dataset.address,
      scale: 16
    });
  });

  document.getElementById("finder-locate").addEventListener("click", locate);
  pickButton.addEventListener("click", function () {
    showPicker(msg.msgPick);
    citySelect.focus();
  });
  locate();
})();
