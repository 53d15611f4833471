// driverhome offline outbox, and the service worker's registration.
//
// A form marked <form data-outbox method="post"> that carries a hidden
// idempotency key (<input name="idempotency_key">) is never lost to a bad
// connection: when the phone is offline, or the request fails on the way, the
// form's fields are kept in IndexedDB (localStorage where IndexedDB is missing)
// and sent again when the connection returns. The server stores a request once
// per idempotency key, so sending twice never files it twice.
//
// Success is a redirect to anything but the login page (post/redirect/get);
// a form answered with its errors stays in the outbox, marked for attention.
(function () {
  "use strict";
  var DB_NAME = "driverhome-outbox";
  var STORE = "forms";
  var LS_KEY = "driverhome-outbox";
  var KEY_FIELD = "idempotency_key";

  var MESSAGES = {
    en: {
      queued: "No connection: your request is saved on this phone and will be sent when the connection returns.",
      waiting: "Requests waiting to be sent: %s",
      sent: "Your request written offline has been sent.",
      attention: "A request written offline could not be sent. Please open the form and check it.",
    },
    zh: {
      queued: "没有网络：您的诉求已保存在手机上，网络恢复后会自动发送。",
      waiting: "等待发送的诉求：%s 条",
      sent: "您离线填写的诉求已发送。",
      attention: "一条离线填写的诉求未能发送，请打开表单检查。",
    },
  };

  function t(key) {
    var lang = (document.documentElement.lang || "zh").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
    return MESSAGES[lang][key];
  }

  // --- storage: IndexedDB, or localStorage (text fields only) -------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function lsAll() {
    try { return JSON.parse(localStorage.getItem(LS_KEY) || "[]"); } catch (e) { return []; }
  }

  function lsWrite(items) { localStorage.setItem(LS_KEY, JSON.stringify(items)); }

  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  var store = {
    put: function (item) {
      return withStore("readwrite", function (s) { return s.put(item); }).catch(function () {
        var items = lsAll().filter(function (i) { return i.key !== item.key; });
        item.fields = item.fields.filter(function (f) { return typeof f[1] === "string"; });
        items.push(item);
        lsWrite(items);
      });
    },
    all: function () {
      return withStore("readonly", function (s) { return s.getAll(); }).catch(function () {
        return lsAll();
      });
    },
    remove: function (key) {
      return withStore("readwrite", function (s) { return s.delete(key); }).catch(function () {
        lsWrite(lsAll().filter(function (i) { return i.key !== key; }));
      });
    },
  };

  // --- the status line -------------------------------------------------------------------
  function status(text, tone) {
    var box = document.getElementById("outbox-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "outbox-status";
      box.className = "outbox-status";
      box.setAttribute("role", "status");
      var main = document.getElementById("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
    box.hidden = !text;
    box.setAttribute("data-tone", tone || "info");
  }

  function showPending() {
    return store.all().then(function (items) {
      var waiting = items.filter(function (i) { return !i.attention; }).length;
      var attention = items.some(function (i) { return i.attention; });
      if (attention) status(t("attention"), "warning");
      else if (waiting) status(t("waiting").replace("%s", waiting), "info");
      return items;
    });
  }

  // --- sending -----------------------------------------------------------------------------
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(item) {
    var body = new FormData();
    item.fields.forEach(function (f) {
      if (f[0] === "csrfmiddlewaretoken") return;
      body.append(f[0], f[1]);
    });
    body.append("csrfmiddlewaretoken", csrfToken() || item.csrf || "");
    return fetch(item.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "follow",
      headers: { "X-Driverhome-Outbox": "1" },
    });
  }

  function delivered(response) {
    return response.ok && response.redirected && response.url.indexOf("/accounts/login/") === -1;
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return store.all().then(function (items) {
      var chain = Promise.resolve();
      var sent = 0;
      items.forEach(function (item) {
        if (item.attention) return;
        chain = chain.then(function () {
          return send(item).then(function (response) {
            if (delivered(response)) {
              sent += 1;
              return store.remove(item.key);
            }
            item.attention = true;
            return store.put(item);
          }, function () { /* still offline: keep it for next time */ });
        });
      });
      return chain.then(function () {
        if (sent) status(t("sent"), "success");
        return showPending();
      });
    }).finally(function () { flushing = false; });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function snapshot(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.size) return;
      fields.push([name, value]);
    });
    var keyInput = form.querySelector('[name="' + KEY_FIELD + '"]');
    return {
      key: keyInput && keyInput.value ? keyInput.value : newKey(),
      action: form.getAttribute("action") || window.location.pathname,
      fields: fields,
      csrf: csrfToken(),
      savedAt: new Date().toISOString(),
    };
  }

  function queue(form) {
    var item = snapshot(form);
    return store.put(item).then(function () {
      status(t("queued"), "info");
      form.reset();
      // The next request written on this page needs a key of its own.
      var keyInput = form.querySelector('[name="' + KEY_FIELD + '"]');
      if (keyInput) keyInput.value = newKey();
      form.setAttribute("data-outbox-queued", item.key);
      document.dispatchEvent(new CustomEvent("driverhome:queued", { detail: { key: item.key } }));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]")) return;
    event.preventDefault();
    if (!navigator.onLine) {
      queue(form);
      return;
    }
    // Online: keep a copy first, then post as usual. Should the post be lost on the way,
    // the copy is sent again later under the same idempotency key (stored once).
    store.put(snapshot(form)).finally(function () { HTMLFormElement.prototype.submit.call(form); });
  }, true);

  // A form the server answered with its errors is on screen again with the same key:
  // the driver corrects it there, so its copy leaves the outbox.
  function dropShownForms() {
    var keys = [];
    if (!navigator.onLine) return Promise.resolve();
    document.querySelectorAll("form[data-outbox]").forEach(function (form) {
      var input = form.querySelector('[name="' + KEY_FIELD + '"]');
      var hasErrors = form.querySelector(".errorlist, [aria-invalid=\"true\"]");
      if (input && input.value && hasErrors) keys.push(input.value);
    });
    return Promise.all(keys.map(function (key) { return store.remove(key); }));
  }

  // Logging out on a shared phone forgets the cached pages.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action");
    if (action && action.indexOf("/accounts/logout/") === 0 && navigator.serviceWorker &&
        navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "driverhome:clear" });
    }
  });

  // The server names the forms it stored since the last page (<meta name="outbox-delivered">):
  // their copies were kept only in case the post was lost, so they leave the outbox unsent.
  function dropDelivered() {
    var meta = document.querySelector('meta[name="outbox-delivered"]');
    var keys = meta ? meta.getAttribute("content").split(" ").filter(Boolean) : [];
    return Promise.all(keys.map(function (key) { return store.remove(key); }));
  }

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    dropDelivered().then(dropShownForms).then(showPending).then(flush);
  });
  setInterval(function () { store.all().then(function (items) { if (items.length) flush(); }); }, 30000);

  var swUrl = document.currentScript && document.currentScript.getAttribute("data-sw");
  if ("serviceWorker" in navigator && swUrl) {
    navigator.serviceWorker.register(swUrl, { scope: "/" })
      .catch(function () { /* an old browser: pages still work online */ });
  }

  window.driverhomeOutbox = { flush: flush, all: store.all, queue: queue };
})();
