/* Earnings pages: accepting a WeChat Pay transfer (商家转账, the payee confirms in WeChat).
 * Inside WeChat with a real transfer the form's package goes to WeChat's confirmation sheet
 * first; the form is then posted so the server asks WeChat how the transfer stands. In the
 * sandbox (no package) or outside WeChat the form posts directly. No dependencies. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-transfer-accept]");
    if (!form || form.dataset.accepted === "1") return;
    var pkg = form.getAttribute("data-package");
    if (!pkg || typeof window.WeixinJSBridge === "undefined") return;
    event.preventDefault();
    window.WeixinJSBridge.invoke(
      "requestMerchantTransfer",
      {
        mchId: form.getAttribute("data-mch-id"),
        appId: form.getAttribute("data-app-id"),
        package: pkg
      },
      function () {
        form.dataset.accepted = "1";
        form.submit();
      }
    );
  });
})();
