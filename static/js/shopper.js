/* Every shopper page: the top bar's back arrow goes back in history when there is history,
   else to the home page (its href). No inline handlers: the Content-Security-Policy forbids
   them. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-back]");
    if (!back || window.history.length <= 1) return;
    event.preventDefault();
    window.history.back();
  });
})();
