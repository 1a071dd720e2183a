/* Product page: color/size pickers over the SKU list embedded by the server (json_script),
   gallery thumbnails and the share button. No framework: it runs inside WeChat's browser. */
(function () {
  "use strict";

  // A shelf QR landing (/q/<sku>) answers with the product page itself, saving a redirect on a
  // slow connection; the address bar then takes the product's own address, so a reload, a
  // share or the back button work from there.
  var landing = document.querySelector("link[rel=canonical][data-landing]");
  if (landing) {
    var target = new URL(landing.href, window.location.href);
    if (target.pathname !== window.location.pathname) {
      history.replaceState(history.state, "", target.pathname + target.search);
    }
  }

  var blob = document.getElementById("product-skus");
  var skus = blob ? JSON.parse(blob.textContent) : [];
  var priceEl = document.querySelector("[data-price]");
  var statusEl = document.querySelector("[data-picker-status]");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".option[data-kind]"));
  var hasColors = buttons.some(function (b) { return b.dataset.kind === "color"; });
  var hasSizes = buttons.some(function (b) { return b.dataset.kind === "size"; });
  var state = { color: "", size: "" };

  buttons.forEach(function (b) {
    if (b.getAttribute("aria-pressed") === "true") state[b.dataset.kind] = b.dataset.value;
  });

  function matches(sku, color, size) {
    return sku.active && (!color || sku.color === color) && (!size || sku.size === size);
  }

  function selectedSku() {
    if ((hasColors && !state.color) || (hasSizes && !state.size)) return null;
    return skus.find(function (sku) {
      return sku.active && sku.color === (hasColors ? state.color : sku.color) &&
        sku.size === (hasSizes ? state.size : sku.size);
    }) || null;
  }

  function render() {
    buttons.forEach(function (b) {
      var kind = b.dataset.kind, value = b.dataset.value;
      // An option is available when some active SKU has it together with the other choice.
      var available = skus.some(function (sku) {
        return kind === "color" ? matches(sku, value, state.size) : matches(sku, state.color, value);
      });
      b.setAttribute("aria-disabled", available ? "false" : "true");
      b.setAttribute("aria-pressed", state[kind] === value ? "true" : "false");
    });

    var sku = selectedSku();
    var url = new URL(window.location.href);
    if (sku) {
      priceEl.textContent = sku.price_display;
      statusEl.textContent = statusEl.dataset.selected + ": " +
        [sku.color, sku.size].filter(Boolean).join(" / ");
      url.searchParams.set("sku", sku.code);
    } else {
      priceEl.textContent = priceEl.dataset.range;
      var complete = (!hasColors || state.color) && (!hasSizes || state.size);
      statusEl.textContent = complete ? statusEl.dataset.unavailable : statusEl.dataset.choose;
      url.searchParams.delete("sku");
    }
    if (url.href !== window.location.href) history.replaceState(history.state, "", url.href);
    loadAvailability(sku ? sku.code : "");
  }

  /* Stock of the picked SKU: in the scanned store and nearby (附近哪家店有我的尺码). */
  var stockEl = document.getElementById("stock-availability");
  var stockSku = null, position = null;
  function loadAvailability(code, force) {
    if (!stockEl || (code === stockSku && !force)) return;
    stockSku = code;
    if (!code) { stockEl.innerHTML = ""; return; }
    var query = new URLSearchParams({ sku: code });
    if (position) {
      query.set("lat", position.latitude);
      query.set("lng", position.longitude);
      query.set("coords", "wgs84");
    }
    if (window.htmx) {
      window.htmx.ajax("GET", stockEl.dataset.url + "?" + query.toString(), { target: stockEl, swap: "innerHTML" });
    }
  }
  if (stockEl) {
    stockSku = new URL(window.location.href).searchParams.get("sku");
    stockEl.addEventListener("click", function (event) {
      if (!event.target.closest("[data-locate-stock]") || !navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (found) {
        position = found.coords;
        loadAvailability(stockSku, true);
      }, function () {}, { timeout: 8000, maximumAge: 600000 });
    });
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      var kind = b.dataset.kind, other = kind === "color" ? "size" : "color";
      var onlyOption = buttons.filter(function (x) { return x.dataset.kind === kind; }).length === 1;
      if (state[kind] === b.dataset.value) {
        // A second tap clears the choice, unless it is the only one there is to make.
        if (!onlyOption) state[kind] = "";
      } else {
        state[kind] = b.dataset.value;
        // Picking a crossed-out option keeps the shopper's intent and drops the clashing one.
        if (b.getAttribute("aria-disabled") === "true") state[other] = "";
        if (kind === "color") showColorFirst(state.color);
      }
      render();
    });
  });

  /* Gallery: images of the picked color move to the front; thumbnails scroll the track. */
  var track = document.querySelector("[data-gallery-track]");
  var thumbs = document.querySelector("[data-gallery-thumbs]");

  function showColorFirst(color) {
    if (!track || !color) return;
    [track, thumbs].forEach(function (container) {
      if (!container) return;
      var items = Array.prototype.slice.call(container.children);
      items.filter(function (el) { return el.dataset.color === color; }).reverse()
        .forEach(function (el) { container.insertBefore(el, container.firstChild); });
    });
    track.scrollTo({ left: 0 });
    markThumb();
  }

  function markThumb() {
    if (!track || !thumbs) return;
    var index = Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    var slide = track.children[index];
    Array.prototype.forEach.call(thumbs.children, function (t) {
      t.classList.toggle("current", !!slide && t.dataset.imageId === slide.dataset.imageId);
    });
  }

  if (track && thumbs) {
    thumbs.addEventListener("click", function (event) {
      var thumb = event.target.closest(".gallery-thumb");
      if (!thumb) return;
      var slide = track.querySelector('[data-image-id="' + thumb.dataset.imageId + '"]');
      if (slide) track.scrollTo({ left: slide.offsetLeft - track.offsetLeft, behavior: "smooth" });
    });
    var pending;
    track.addEventListener("scroll", function () {
      clearTimeout(pending);
      pending = setTimeout(markThumb, 80);
    });
  }

  /* Share: the system sheet where there is one, else copy the link and say so. */
  var toast = document.querySelector("[data-toast]");
  var toastTimer;
  function showToast(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 2200);
  }

  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  var share = document.querySelector("[data-share]");
  if (share) {
    share.addEventListener("click", function () {
      var shared = new URL(window.location.href);
      // A member's link carries her referral code, which the order actions fragment brings.
      var referral = document.querySelector("[data-share-referral]");
      if (referral && referral.dataset.shareReferral) {
        shared.searchParams.set("r", referral.dataset.shareReferral);
      }
      var link = shared.href;
      if (navigator.share) {
        navigator.share({ title: document.title, url: link }).catch(function () {});
        return;
      }
      var copied = share.dataset.copied, failed = share.dataset.copyFailed;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link).then(
          function () { showToast(copied); },
          function () { showToast(copyFallback(link) ? copied : failed); }
        );
      } else {
        showToast(copyFallback(link) ? copied : failed);
      }
    });
  }

  // Inside WeChat (includes/wechat_jssdk.html configured the SDK): WeChat's own share menu sends
  // the same link as the share button, with the sharer's referral code once the order actions
  // fragment has brought it.
  function wechatShareSet() {
    if (typeof window.wx.updateAppMessageShareData !== "function") return;
    var shared = new URL(window.location.href);
    shared.hash = "";
    var referral = document.querySelector("[data-share-referral]");
    if (referral && referral.dataset.shareReferral) {
      shared.searchParams.set("r", referral.dataset.shareReferral);
    }
    var image = document.querySelector(".gallery img");
    var data = {
      title: document.title,
      desc: (document.querySelector(".product-name") || {}).textContent || "",
      link: shared.href,
      imgUrl: image ? new URL(image.getAttribute("src"), window.location.href).href : ""
    };
    window.wx.updateAppMessageShareData(data);
    window.wx.updateTimelineShareData({ title: data.title, link: data.link, imgUrl: data.imgUrl });
  }
  if (window.wx && typeof window.wx.ready === "function") {
    window.wx.ready(function () {
      wechatShareSet();
      document.body.addEventListener("htmx:afterSwap", wechatShareSet);
    });
  }

  if (statusEl) render();
})();
