// Event page: when a driver's stall desk is loaded (htmx), bring it into view on a phone.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "desk" && window.matchMedia("(max-width: 999px)").matches) {
      target.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });
})();
