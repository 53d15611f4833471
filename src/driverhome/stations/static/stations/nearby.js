// Nearby list: ask the phone for its position (WGS-84) and search from there.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("locate");
    var form = document.getElementById("nearby-form");
    var status = document.getElementById("locate-status");
    if (!button || !form || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-wait") || "…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lon.value = pos.coords.longitude.toFixed(6);
          form.submit();
        },
        function (err) {
          status.textContent = err.message;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });
  });
})();
