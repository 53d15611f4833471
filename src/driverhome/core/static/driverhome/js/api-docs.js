// The API documentation page (/api/v1/docs): Swagger UI from the platform's own static files.
// The settings come from a JSON block in the page (no inline script under the CSP).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrf = document.body.dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  settings.validatorUrl = null; // no call to validator.swagger.io
  if (csrf) {
    settings.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = csrf;
      return request;
    };
  }
  window.SwaggerUIBundle(settings);
})();
