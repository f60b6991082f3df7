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
  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }
  function focusQuietly(element) {
    // Headings and messages are not in the tab order; -1 lets them take focus from a script.
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }
  // Whether the focus was inside what a response replaces: only then is focus moved after the
  // swap. Sections that load themselves when the page opens must not pull the page down.
  var focusWasInside = new WeakMap();
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    if (event.detail.xhr) {
      focusWasInside.set(event.detail.xhr,
          !!(active && active !== document.body && target && target.contains(active)));
    }
  });
  // A field refilled from the server (the things to bring when the errand type changes) keeps
  // what the user typed while the answer was on its way: the answer is dropped, not swapped in.
  var typedBefore = new WeakMap();
  function fieldValues(container) {
    return Array.prototype.map.call(
        container.querySelectorAll("input, textarea, select"), function (f) { return f.value; });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr && target && target.hasAttribute("data-keep-typing")) {
      typedBefore.set(event.detail.xhr, fieldValues(target).join("\u0000"));
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var sent = event.detail.xhr && typedBefore.get(event.detail.xhr);
    if (sent !== undefined && sent !== fieldValues(event.detail.target).join("\u0000")) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.xhr || !focusWasInside.get(event.detail.xhr)) { return; }
    // The swapped piece is in the page now; event.detail.elt is the new element for outerHTML.
    var piece = event.detail.elt;
    if (!piece || !piece.isConnected) { piece = event.detail.target; }
    if (!piece || !piece.isConnected) { return; }
    // After a form comes back with errors, move focus to the first invalid field.
    var invalid = piece.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); return; }
    // A whole page (boosted link or form) starts from the top, as any page load does.
    if (event.detail.boosted || piece === document.body) { return; }
    // A saved form was replaced together with the focused button: land on what says what
    // happened (the message), else on the piece's heading, instead of the top of the page.
    if (!focusLost()) { return; }
    var landing = piece.querySelector('[role="status"], [role="alert"]') ||
        piece.querySelector("h2, h3, h4") || piece;
    focusQuietly(landing);
  });
  // A table that is wider than its box scrolls inside it (app.css); only then can the box take
  // focus, so that the keyboard can scroll it too.
  function markScrollBoxes() {
    document.querySelectorAll(".table-scroll, .overflow-auto").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); }
      else { box.removeAttribute("tabindex"); }
    });
  }
  document.addEventListener("htmx:load", markScrollBoxes);
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollBoxes, 150);
  });
  // The open menu (a <details> in the header) closes when the user taps or clicks elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.site-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  // A counter under a text with a length limit (data-maxlength; the browser is never told to
  // cut the text off): "120/300", marked when over. Text areas always, short fields near the limit.
  function countChars(field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var counter = document.getElementById(field.id + "-count");
    var length = field.value.length;
    var shown = field.tagName === "TEXTAREA" || length >= limit * 0.8;
    if (!counter) {
      if (!shown || !field.id) { return; }
      counter = document.createElement("small");
      counter.id = field.id + "-count";
      counter.className = "char-count";
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    }
    counter.hidden = !shown;
    counter.textContent = length + "/" + limit;
    counter.classList.toggle("char-count-over", length > limit);
  }
  function countAll(root) {
    if (!root.querySelectorAll) { return; }
    Array.prototype.forEach.call(root.querySelectorAll("[data-maxlength]"), countChars);
  }
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-maxlength")) {
      countChars(event.target);
    }
  });
  document.addEventListener("htmx:load", function (event) { countAll(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { countAll(document); });
  } else { countAll(document); }
  document.addEventListener("keydown", function (event) {
    // Escape closes the disclosure (details) the focus is in and returns to its summary,
    // unless a drop-down list is open and the key is meant for it.
    if (event.key !== "Escape" || event.defaultPrevented) { return; }
    var active = document.activeElement;
    if (!active || active.tagName === "SELECT") { return; }
    var details = active.closest("details[open]");
    if (!details) { return; }
    var summary = details.querySelector(":scope > summary");
    details.open = false;
    if (summary) { summary.focus(); }
    event.preventDefault();
  });
})();
