// Map of the sites with vendored Leaflet and the configured tile source.
// Data comes from the page's JSON data island (#map-config); markers are already in the
// tile source's coordinate system (GCJ-02 converted on the server when configured).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var island = document.getElementById("map-config");
    var el = document.getElementById("map");
    if (!island || !el || typeof L === "undefined") return;
    var config = JSON.parse(island.textContent);
    L.Icon.Default.imagePath = el.getAttribute("data-images") || "/static/vendor/leaflet/images/";
    var map = L.map(el);
    L.tileLayer(config.tile_url, {
      maxZoom: 18,
      subdomains: ["0", "1", "2", "3", "4", "5", "6", "7"],
      attribution: config.attribution || ""
    }).addTo(map);
    var bounds = [];
    config.points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon]).addTo(map);
      var box = document.createElement("div");
      var link = document.createElement("a");
      if (p.url) link.href = p.url;
      link.textContent = p.name;
      box.appendChild(link);
      if (p.free_truck_bays !== null) {
        var t = document.createElement("div");
        t.textContent = p.free_truck_bays + " " + config.labels.trucks;
        box.appendChild(t);
      }
      if (p.free_beds !== null) {
        var b = document.createElement("div");
        b.textContent = p.free_beds + " " + config.labels.beds;
        box.appendChild(b);
      }
      marker.bindPopup(box);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1 && config.zoom) map.setView(bounds[0], config.zoom);
    else if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    else map.setView([35, 105], 4);
    // A place chosen on the map: search nearest from there. On GCJ-02 tiles the point is
    // marked so the server converts it back to WGS-84 before searching.
    if (config.pick === false) return; // a site's own page: the map only shows where it is
    map.on("click", function (e) {
      var params = new URLSearchParams({ lat: e.latlng.lat.toFixed(6), lon: e.latlng.lng.toFixed(6) });
      if (config.crs === "gcj02") params.set("crs", "gcj02");
      window.location.href = el.getAttribute("data-nearby") + "?" + params.toString();
    });
  });
})();
