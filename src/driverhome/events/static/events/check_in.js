// Check-in screen: keep the cursor in the code field so a handheld scanner (which types the
// code and presses Enter) or the next typed number goes straight in; clear it after each try.
(function () {
  "use strict";
  function field() { return document.getElementById("check-in-code"); }
  document.addEventListener("DOMContentLoaded", function () {
    var input = field();
    if (input) input.focus();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "check-in-form") return;
    var input = field();
    if (input) { input.value = ""; input.focus(); }
  });
})();
