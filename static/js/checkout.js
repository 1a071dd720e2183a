/* Checkout (show the fields of the chosen fulfillment, live points discount), the WeChat pay
   sheet, and the sandbox pay page posting its signed notification to /wechat/pay/notify. */
(function () {
  function yuan(fen) {
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    var whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + "¥" + whole + "." + String(fen % 100).padStart(2, "0");
  }

  var form = document.querySelector("[data-checkout]");
  if (form) {
    var goods = parseInt(form.dataset.goods, 10) || 0;
    var perYuan = Math.max(1, parseInt(form.dataset.pointsPerYuan, 10) || 100);
    var pointsInput = form.querySelector("[data-points]");

    var kind = function () {
      var checked = form.querySelector("input[name=fulfillment]:checked");
      return checked ? checked.value : "";
    };
    var update = function () {
      var current = kind();
      form.querySelectorAll("[data-show-for]").forEach(function (el) {
        el.hidden = el.dataset.showFor !== current;
      });
      form.querySelectorAll("[data-hide-for]").forEach(function (el) {
        el.hidden = el.dataset.hideFor === current;
      });
      // Same rule as the server: points are worth points*100/perYuan fen, at most goods - 1.
      var points = pointsInput && current !== "try_in_store" ? parseInt(pointsInput.value, 10) || 0 : 0;
      var discount = Math.min(Math.floor(Math.max(0, points) * 100 / perYuan), Math.max(0, goods - 1));
      var row = form.querySelector("[data-points-row]");
      if (row) row.hidden = discount <= 0;
      var cell = form.querySelector("[data-points-discount]");
      if (cell) cell.textContent = "-" + yuan(discount);
      form.querySelectorAll("[data-total]").forEach(function (el) { el.textContent = yuan(goods - discount); });
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  }

  var status = document.querySelector("[data-pay-status]");

  var wechatButton = document.querySelector("[data-wechat-pay]");
  if (wechatButton) {
    var params = JSON.parse(document.getElementById("wechat-pay-params").textContent);
    wechatButton.addEventListener("click", function () {
      if (typeof wx === "undefined") {
        status.textContent = wechatButton.dataset.failed;
        return;
      }
      fetch("/wechat/jssdk/config?url=" + encodeURIComponent(location.href.split("#")[0]))
        .then(function (r) { return r.json(); })
        .then(function (config) {
          config.jsApiList = ["chooseWXPay"];
          wx.config(config);
          wx.ready(function () {
            wx.chooseWXPay({
              timestamp: params.timestamp, nonceStr: params.nonceStr, package: params.package,
              signType: params.signType, paySign: params.paySign,
              success: function () { location.replace(wechatButton.dataset.receipt); },
              cancel: function () { status.textContent = wechatButton.dataset.failed; },
              fail: function () { status.textContent = wechatButton.dataset.failed; }
            });
          });
        })
        .catch(function () { status.textContent = wechatButton.dataset.failed; });
    });
  }

  var sandbox = document.querySelector("[data-sandbox-notify]");
  if (sandbox) {
    var body = JSON.parse(document.getElementById("sandbox-notification").textContent);
    var receipt = sandbox.dataset.receipt;
    fetch(sandbox.dataset.notifyUrl, {
      method: "POST", headers: { "Content-Type": "text/xml" }, body: body, credentials: "omit"
    })
      .then(function (r) { return r.text(); })
      .then(function (answer) {
        if (status) status.textContent = answer.indexOf("SUCCESS") >= 0 ? "OK" : "FAIL";
        location.replace(receipt);
      })
      .catch(function () { location.replace(receipt); });
  }
})();
