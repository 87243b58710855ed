// Progressive enhancement only: every form also works without JavaScript.
(function () {
  "use strict";
  var POLL_MS = 500;

  function poll(el) {
    var url = el.getAttribute("data-poll");
    if (!url || el.dataset.polling) return;
    el.dataset.polling = "1";
    setTimeout(function tick() {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html.trim();
          var fresh = box.firstElementChild;
          if (!fresh) return;
          el.replaceWith(fresh);
          activate(fresh.parentNode || document);
        })
        .catch(function () { el.dataset.polling = ""; setTimeout(function () { poll(el); }, POLL_MS * 4); });
    }, POLL_MS);
  }

  function activate(root) {
    root.querySelectorAll("[data-poll]").forEach(poll);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var confirmText = form.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) { ev.preventDefault(); return; }
    if (!form.hasAttribute("data-async")) return;
    ev.preventDefault();
    var target = document.querySelector(form.getAttribute("data-target"));
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    target.innerHTML = '<div class="result result-queued" data-state="queued"><p class="verdict"><span class="spinner"></span> …</p></div>';
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-Page-Lang": document.documentElement.lang },
    })
      .then(function (r) { return r.text(); })
      .then(function (html) { target.innerHTML = html; activate(target); })
      .catch(function () { target.innerHTML = '<div class="result result-fail"><p class="verdict">✗ Nettverksfeil / network error</p></div>'; })
      .finally(function () { if (button) button.disabled = false; form.reset(); });
  });

  document.addEventListener("change", function (ev) {
    if (ev.target.hasAttribute("data-autosubmit")) ev.target.form.submit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    activate(document);
    document.querySelectorAll("[data-select]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
  });
})();
