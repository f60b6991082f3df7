// Sends the CSRF token with every htmx request and keeps focus sensible after swaps.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // After a swapped form comes back with errors, move focus to the first invalid field.
    var invalid = event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); }
  });
})();
