// Starts Swagger UI on /api/docs (a file of its own: the portal's CSP allows no inline script).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  // eslint-disable-next-line no-undef
  SwaggerUIBundle({ url: root.getAttribute("data-spec"), dom_id: "#swagger-ui" });
});
