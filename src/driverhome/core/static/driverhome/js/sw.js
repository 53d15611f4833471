// driverhome service worker: the driver site keeps working on a bad connection.
// Served at /sw.js (scope "/") by core.views.service_worker, which prepends
// `self.DRIVERHOME = {version, precache: [...]}` with the current static URLs.
//
// - Static files: cache first (their URLs change when their content does).
// - Driver pages (/ and /d/...) and the driver's API reads (sites, his requests):
//   network first; the last good copy is kept and shown when offline.
// - Staff console, admin, login and every non-GET request: never cached.
(function () {
  "use strict";
  var config = self.DRIVERHOME || { version: "dev", precache: [] };
  var STATIC_CACHE = "driverhome-static-" + config.version;
  var PAGE_CACHE = "driverhome-pages";
  var KEEP = [STATIC_CACHE, PAGE_CACHE];

  var PAGE_PATHS = [/^\/$/, /^\/d\//];
  var API_READS = [/^\/api\/v1\/stations(\/|$|\?)/, /^\/api\/v1\/appeals\/mine/, /^\/api\/v1\/me$/];
  var NEVER = [/^\/console\//, /^\/accounts\//, /^\/i18n\//, /^\/sw\.js$/];

  self.addEventListener("install", function (event) {
    event.waitUntil(
      caches.open(STATIC_CACHE).then(function (cache) {
        return cache.addAll(config.precache);
      }).then(function () { return self.skipWaiting(); })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) {
          if (name.indexOf("driverhome-") === 0 && KEEP.indexOf(name) === -1) {
            return caches.delete(name);
          }
          return null;
        }));
      }).then(function () { return self.clients.claim(); })
    );
  });

  // The page asks to forget everything (logging out on a shared phone).
  self.addEventListener("message", function (event) {
    if (event.data && event.data.type === "driverhome:clear") {
      event.waitUntil(caches.delete(PAGE_CACHE));
    }
  });

  function matches(list, path) {
    for (var i = 0; i < list.length; i++) if (list[i].test(path)) return true;
    return false;
  }

  function networkFirst(request) {
    return fetch(request).then(function (response) {
      var cacheControl = response.headers.get("Cache-Control") || "";
      if (response.ok && response.type === "basic" && cacheControl.indexOf("no-store") === -1) {
        var copy = response.clone();
        caches.open(PAGE_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.match(request).then(function (hit) {
          if (hit) return hit;
          if (request.mode === "navigate") {
            return cache.match("/").then(function (home) {
              return home || Response.error();
            });
          }
          return Response.error();
        });
      });
    });
  }

  function cacheFirst(request) {
    return caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    var path = url.pathname;
    if (matches(NEVER, path)) return;
    if (path.indexOf("/static/") === 0) {
      event.respondWith(cacheFirst(request));
    } else if (matches(PAGE_PATHS, path) || matches(API_READS, path + url.search)) {
      event.respondWith(networkFirst(request));
    }
  });
})();
