/* wx.config for this page (templates/includes/wechat_jssdk.html): the signature comes from
 * /wechat/jssdk/config for the page's own address. Pages register wx.ready / wx.error as usual;
 * when the configuration cannot even be fetched, "wechat:unavailable" is dispatched on the
 * document so they fall back at once instead of waiting for a wx.ready that never comes. */
(function () {
  "use strict";
  var script = document.currentScript;
  function unavailable() {
    window.o2oWeChatUnavailable = true;
    document.dispatchEvent(new CustomEvent("wechat:unavailable"));
  }
  if (typeof window.wx !== "object" || !window.wx) { unavailable(); return; }
  var apis = (script.dataset.apis || "").split(",").filter(Boolean);
  var page = location.href.split("#")[0];
  fetch(script.dataset.configUrl + "?url=" + encodeURIComponent(page), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (config) {
      config.jsApiList = apis;
      window.wx.config(config);
    })
    .catch(unavailable);
})();
