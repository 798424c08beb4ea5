// Starts Swagger UI on /api/v1/docs (a file, not inline: the page's CSP forbids inline code).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: document.body.dataset.specUrl, dom_id: "#swagger-ui-container"});
});
