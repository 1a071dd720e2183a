/* Order actions on the product page: the picked SKU (kept in ?sku= by product.js) goes with
   "Add to cart" and "Buy here now"; the share link selects itself when tapped. */
(function () {
  var box = document.querySelector("[data-order-actions]");
  if (!box) return;
  box.addEventListener("submit", function (event) {
    var input = event.target.querySelector("[data-sku-input]");
    if (!input) return;
    var picked = new URL(window.location.href).searchParams.get("sku");
    if (picked) input.value = picked;
  }, true);
  var share = box.querySelector("[data-share-url]");
  if (share) share.addEventListener("focus", function () { share.select(); });
})();
