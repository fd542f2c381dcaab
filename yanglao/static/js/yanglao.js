// Small page behaviours; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // htmx: send the CSRF token with every request.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // Confirm dangerous actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // An htmx request that meets an outage (503 from the application while the database
  // or Redis is down, or from nginx while the application restarts): show the server's
  // message instead of doing nothing; it goes with the next request that succeeds.
  function requestFailed(text) {
    var box = document.getElementById("yl-unavailable");
    if (!box) {
      box = document.createElement("div");
      box.id = "yl-unavailable";
      box.className = "alert alert-danger position-fixed top-0 start-50 translate-middle-x mt-2";
      box.setAttribute("role", "alert");
      box.style.zIndex = "2000";
      document.body.appendChild(box);
    }
    box.textContent = text;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status !== 503 && xhr.status !== 502 && xhr.status !== 504) { return; }
    var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var said = page.querySelector("[data-error-code='service_unavailable']");
    requestFailed(said ? said.textContent : xhr.status + " " + xhr.statusText);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("yl-unavailable");
    if (box && event.detail.successful) { box.remove(); }
  });
  // Auto-submit filter selects: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
  });
})();
