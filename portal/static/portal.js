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

  // The reviewer's workbench: click (or Z) zooms the image around the clicked point; A approves,
  // R rejects (with the suggested reason), N skips to the next item. Keys typed into the reason
  // box stay text.
  function toggleZoom(viewer, ev) {
    var zoomed = viewer.classList.toggle("zoomed");
    if (zoomed && ev) {
      var box = viewer.getBoundingClientRect();
      var fx = (ev.clientX - box.left) / box.width, fy = (ev.clientY - box.top) / box.height;
      viewer.scrollLeft = fx * viewer.scrollWidth - box.width / 2;
      viewer.scrollTop = fy * viewer.scrollHeight - box.height / 2;
    }
  }

  document.addEventListener("click", function (ev) {
    var viewer = ev.target.closest && ev.target.closest("[data-zoomable]");
    if (viewer) toggleZoom(viewer, ev);
  });

  document.addEventListener("keydown", function (ev) {
    var bench = document.querySelector("[data-workbench]");
    if (!bench || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || tag === "select") return;
    var key = ev.key.toLowerCase();
    var form = document.getElementById("decide");
    if (key === "a" && form) { ev.preventDefault(); form.querySelector("button[value=approve]").click(); }
    else if (key === "r" && form) {
      ev.preventDefault();
      var reason = form.querySelector("textarea[name=reason]");
      if (!reason.value.trim()) { reason.focus(); return; }
      form.querySelector("button[value=reject]").click();
    }
    else if (key === "n" && bench.getAttribute("data-next")) { ev.preventDefault(); window.location = bench.getAttribute("data-next"); }
    else if (key === "z") { var v = document.getElementById("viewer"); if (v) { ev.preventDefault(); toggleZoom(v, null); } }
  });

  document.addEventListener("DOMContentLoaded", function () {
    activate(document);
    document.querySelectorAll("[data-select]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
  });
})();
