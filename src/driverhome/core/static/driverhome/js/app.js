// driverhome: small shared behaviour. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";
  function showOffline() {
    var banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = navigator.onLine;
  }
  window.addEventListener("online", showOffline);
  window.addEventListener("offline", showOffline);
  document.addEventListener("DOMContentLoaded", function () {
    showOffline();
    // Buttons that ask for confirmation: <button data-confirm="...">
    document.body.addEventListener("click", function (event) {
      var target = event.target.closest("[data-confirm]");
      if (target && !window.confirm(target.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
    // Auto-submit selects in filter forms: <select data-autosubmit>
    document.body.addEventListener("change", function (event) {
      if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
    });
  });
})();
