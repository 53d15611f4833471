// Site page, forecast card: estimate the arrival from the phone's position (WGS-84).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("arrival-locate");
    var form = document.getElementById("arrival-form");
    var status = document.getElementById("arrival-status");
    if (!button || !form || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-wait") || "…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lon.value = pos.coords.longitude.toFixed(6);
          form.elements.arrive.disabled = true;
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
