// "Use my position" buttons: ask the phone for its position (WGS-84), put it into the form's
// lat and lon fields and submit. A button names its form (data-form), where to say what is
// happening (data-status) and, optionally, a field the position replaces (data-disable).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!("geolocation" in navigator)) return;
    document.querySelectorAll("button[data-locate]").forEach(function (button) {
      var form = document.getElementById(button.getAttribute("data-form"));
      var status = document.getElementById(button.getAttribute("data-status"));
      if (!form || !status) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = button.getAttribute("data-wait") || "…";
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            form.elements.lat.value = pos.coords.latitude.toFixed(6);
            form.elements.lon.value = pos.coords.longitude.toFixed(6);
            var replaced = button.getAttribute("data-disable");
            if (replaced && form.elements[replaced]) form.elements[replaced].disabled = true;
            form.submit();
          },
          function (err) {
            status.textContent = err.message;
          },
          { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
        );
      });
    });
  });
})();
