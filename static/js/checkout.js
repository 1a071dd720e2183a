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
      // A coupon comes off after the points, leaving at least one fen (the server's rule).
      var coupon = current !== "try_in_store" ? form.querySelector("input[name=coupon]:checked") : null;
      var couponOff = coupon ? Math.min(parseInt(coupon.dataset.discount, 10) || 0, Math.max(0, goods - discount - 1)) : 0;
      var couponRow = form.querySelector("[data-coupon-row]");
      if (couponRow) couponRow.hidden = couponOff <= 0;
      var couponCell = form.querySelector("[data-coupon-discount]");
      if (couponCell) couponCell.textContent = "-" + yuan(couponOff);
      // A delivery's fee (HQ's rule, as the server applies it): free from a threshold judged on
      // the goods after the coupon; the points do not count.
      var fee = 0;
      if (form.dataset.deliveryFee !== undefined) {
        var freeFrom = parseInt(form.dataset.freeFrom, 10) || 0;
        fee = freeFrom && goods - couponOff >= freeFrom ? 0 : parseInt(form.dataset.deliveryFee, 10) || 0;
        var feeCell = form.querySelector("[data-fee]");
        if (feeCell) feeCell.textContent = fee ? yuan(fee) : form.dataset.freeLabel;
      }
      form.querySelectorAll("[data-total]").forEach(function (el) { el.textContent = yuan(goods - discount - couponOff + fee); });
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    // The coupon list is an htmx fragment that arrives (and is refreshed) after the page.
    document.body.addEventListener("htmx:afterSwap", update);
    update();

    // "Nearest store with it": pick that store as if tapped (htmx reloads its slots on change).
    form.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-pick-store]") : null;
      if (!button) return;
      var radio = form.querySelector('input[name=store][value="' + button.dataset.pickStore + '"]');
      if (!radio) return;
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
      radio.closest("li").scrollIntoView({ behavior: "smooth", block: "center" });
    });

    // Rank stores from where the shopper is, when she shares it: the browser's GPS fix is
    // WGS-84; the server shifts it to GCJ-02 (coords=wgs84), as the store finder does.
    var locateButton = form.querySelector("[data-locate]");
    if (locateButton && navigator.geolocation) {
      var locate = function () {
        locateButton.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (found) {
            var url = new URL(window.location.href);
            url.searchParams.set("lat", found.coords.latitude.toFixed(6));
            url.searchParams.set("lng", found.coords.longitude.toFixed(6));
            url.searchParams.set("coords", "wgs84");
            window.location.replace(url.href);
          },
          function () {
            locateButton.disabled = false;
            locateButton.textContent = locateButton.dataset.failed;
          },
          { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
        );
      };
      locateButton.hidden = false;
      locateButton.addEventListener("click", locate);
      // Asked before and allowed: no need for a tap.
      if (navigator.permissions && navigator.permissions.query) {
        navigator.permissions.query({ name: "geolocation" }).then(function (status) {
          if (status.state === "granted") locate();
        }).catch(function () {});
      }
    }
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
