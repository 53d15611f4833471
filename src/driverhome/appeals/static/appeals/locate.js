// "Use my current location" on the driver's request form: fills the hidden lat/lon fields.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("use-location");
    if (!button || !navigator.geolocation) { if (button) button.hidden = true; return; }
    var status = document.getElementById("location-status");
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("id_lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("id_lon").value = pos.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done;
      }, function () { status.textContent = button.dataset.failed; }, { timeout: 10000 });
    });
  });
})();
