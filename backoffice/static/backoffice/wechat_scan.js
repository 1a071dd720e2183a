/* Inside WeChat: configure the JS-SDK for this page so scanner.js can use wx.scanQRCode.
 * If the configuration fails, wx.scanQRCode's "fail" callback sends scanner.js to the camera. */
(function () {
  "use strict";
  if (typeof window.wx !== "object" || !window.wx) return;
  fetch("/wechat/jssdk/config?url=" + encodeURIComponent(location.href.split("#")[0]), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (config) {
      config.jsApiList = ["scanQRCode"];
      window.wx.config(config);
    })
    .catch(function () { /* the camera remains */ });
})();
