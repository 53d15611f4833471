// "Nearest first": ask the phone for its position and reload the list with lat/lon.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-locate]");
    if (!link || !navigator.geolocation) return;
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
        url.searchParams.set("lon", pos.coords.longitude.toFixed(5));
        url.searchParams.delete("cursor");
        window.location.href = url.toString();
      },
      function () { link.hidden = true; },
      { timeout: 8000, maximumAge: 600000 }
    );
  });
})();
