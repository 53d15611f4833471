// Check-in screen.
// * Keeps the cursor in the code field, so a handheld scanner (which types the code and
//   presses Enter) or the next typed number goes straight in; clears it after each try.
// * On a phone with a camera: "Scan with camera" reads QR codes with the vendored jsQR
//   decoder and submits each new code once. No inline scripts (strict CSP).
(function () {
  "use strict";
  var stream = null;
  var lastCode = "";
  var lastAt = 0;

  function field() { return document.getElementById("check-in-code"); }

  function submit(code) {
    var input = field();
    var form = document.getElementById("check-in-form");
    if (!input || !form) return;
    input.value = code;
    form.requestSubmit();
  }

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    var box = document.getElementById("camera-box");
    if (box) box.hidden = true;
    var button = document.getElementById("camera-start");
    if (button) button.hidden = false;
  }

  function scan(video, canvas) {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      var width = video.videoWidth;
      var height = video.videoHeight;
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      var image = context.getImageData(0, 0, width, height);
      var found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      var now = Date.now();
      // The same code in front of the camera is sent once, not every frame.
      if (found && found.data && (found.data !== lastCode || now - lastAt > 5000)) {
        lastCode = found.data;
        lastAt = now;
        submit(found.data);
      }
    }
    window.requestAnimationFrame(function () { scan(video, canvas); });
  }

  function start() {
    var video = document.getElementById("camera-video");
    var canvas = document.getElementById("camera-canvas");
    var box = document.getElementById("camera-box");
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.setAttribute("playsinline", "true");
        video.play();
        box.hidden = false;
        document.getElementById("camera-start").hidden = true;
        window.requestAnimationFrame(function () { scan(video, canvas); });
      })
      .catch(function () {
        var note = document.getElementById("camera-error");
        if (note) note.hidden = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = field();
    if (input) input.focus();
    var button = document.getElementById("camera-start");
    if (button && window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      button.hidden = false;
      button.addEventListener("click", start);
      var close = document.getElementById("camera-stop");
      if (close) close.addEventListener("click", stop);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "check-in-form") return;
    var input = field();
    if (input) {
      input.value = "";
      if (!stream) input.focus();
    }
  });
})();
