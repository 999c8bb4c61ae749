// Starts Swagger UI on the OpenAPI document the page names in a data attribute, so the
// page needs no inline script and its CSP can refuse every one. The options are
// FastAPI's defaults for its own docs page, less the OAuth2 redirect (no OAuth2 flow
// here) and with the online validator off (it would send the document elsewhere).
"use strict";
(function () {
  const host = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: host.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
