/* A reusable QR scanner for the back office (member cards now, pickup verification later).
 *
 * Markup:
 *   <section data-scanner data-scanner-input="#id_code" data-scanner-submit>
 *     <div data-scanner-view hidden><video data-scanner-video muted playsinline></video></div>
 *     <p data-scanner-status></p>
 *     <button type="button" data-scanner-start>Scan</button>
 *     <button type="button" data-scanner-stop hidden>Stop</button>
 *   </section>
 * A decoded text goes into the input named by data-scanner-input and, with data-scanner-submit,
 * submits its form (htmx forms too). The event "scanner:result" (detail.text) fires on the
 * section either way, so other pages can handle the text themselves.
 *
 * Inside WeChat with the JS-SDK configured (wx.scanQRCode available) the WeChat scanner is used;
 * otherwise the camera through the vendored @zxing/browser (window.ZXingBrowser). */
(function () {
  "use strict";

  var messages = {
    starting: document.documentElement.lang.indexOf("zh") === 0 ? "正在打开相机…" : "Opening the camera…",
    aim: document.documentElement.lang.indexOf("zh") === 0 ? "请将二维码对准取景框" : "Point the camera at the QR code",
    noCamera: document.documentElement.lang.indexOf("zh") === 0
      ? "无法使用相机，请手动输入。" : "The camera is not available here. Please type the code.",
    denied: document.documentElement.lang.indexOf("zh") === 0
      ? "相机权限被拒绝，请在设置中允许或手动输入。" : "Camera access was refused. Allow it in the settings or type the code."
  };

  function inWeChat() {
    return /MicroMessenger/i.test(navigator.userAgent) &&
      typeof window.wx === "object" && window.wx && typeof window.wx.scanQRCode === "function";
  }

  function Scanner(root) {
    this.root = root;
    this.video = root.querySelector("[data-scanner-video]");
    this.view = root.querySelector("[data-scanner-view]");
    this.status = root.querySelector("[data-scanner-status]");
    this.startButton = root.querySelector("[data-scanner-start]");
    this.stopButton = root.querySelector("[data-scanner-stop]");
    this.controls = null;
    var self = this;
    if (this.startButton) this.startButton.addEventListener("click", function () { self.start(); });
    if (this.stopButton) this.stopButton.addEventListener("click", function () { self.stop(); });
    window.addEventListener("pagehide", function () { self.stop(); });
  }

  Scanner.prototype.say = function (text) {
    if (this.status) this.status.textContent = text || "";
  };

  Scanner.prototype.running = function (on) {
    if (this.view) this.view.hidden = !on;
    if (this.startButton) this.startButton.hidden = on;
    if (this.stopButton) this.stopButton.hidden = !on;
  };

  Scanner.prototype.deliver = function (text) {
    text = String(text || "").trim();
    // wx.scanQRCode returns "QR_CODE,<text>" for some code types.
    if (text.indexOf("QR_CODE,") === 0) text = text.slice(8);
    if (!text) return;
    this.root.dispatchEvent(new CustomEvent("scanner:result", { bubbles: true, detail: { text: text } }));
    var selector = this.root.getAttribute("data-scanner-input");
    var input = selector && document.querySelector(selector);
    if (!input) return;
    input.value = text;
    if (this.root.hasAttribute("data-scanner-submit") && input.form) {
      if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
    }
  };

  Scanner.prototype.start = function () {
    var self = this;
    if (inWeChat()) {
      window.wx.scanQRCode({
        needResult: 1,
        scanType: ["qrCode"],
        success: function (res) { self.deliver(res.resultStr); },
        fail: function () { self.startCamera(); }
      });
      return;
    }
    this.startCamera();
  };

  Scanner.prototype.startCamera = function () {
    var self = this;
    if (!window.ZXingBrowser || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.say(messages.noCamera);
      return;
    }
    this.stop();
    this.say(messages.starting);
    this.running(true);
    var reader = new window.ZXingBrowser.BrowserQRCodeReader();
    var delivered = false;
    reader.decodeFromConstraints(
      { video: { facingMode: { ideal: "environment" } }, audio: false },
      this.video,
      function (result, error, controls) {
        if (!result || delivered) return;  // "not found" on most frames is normal
        delivered = true;
        controls.stop();
        self.controls = null;
        self.running(false);
        self.say("");
        if (navigator.vibrate) navigator.vibrate(60);
        self.deliver(result.getText());
      }
    ).then(function (controls) {
      // The first frame may already have been read (and the camera stopped) before this.
      if (delivered) return;
      self.controls = controls;
      self.say(messages.aim);
    }).catch(function (error) {
      self.running(false);
      self.say(error && error.name === "NotAllowedError" ? messages.denied : messages.noCamera);
    });
  };

  Scanner.prototype.stop = function () {
    if (this.controls) { this.controls.stop(); this.controls = null; }
    this.running(false);
  };

  function init() {
    document.querySelectorAll("[data-scanner]").forEach(function (root) {
      if (!root.scanner) root.scanner = new Scanner(root);
    });
  }

  // After an htmx lookup the input is emptied for the next shopper.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (!form) return;
    document.querySelectorAll("[data-scanner]").forEach(function (root) {
      var input = document.querySelector(root.getAttribute("data-scanner-input"));
      if (input && input.form === form && event.detail.successful) input.value = "";
    });
  });

  window.O2OScanner = { attach: function (root) { root.scanner = root.scanner || new Scanner(root); return root.scanner; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
