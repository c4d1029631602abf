// cdrdash progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  // "/" focuses the quick lookup, like many consoles; not while typing.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    var box = document.getElementById("lookup-q");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });

  // Copy buttons: any element with data-copy gets a button that copies it.
  function addCopyButtons(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]").forEach(function (el) {
      if (el.dataset.copyReady) return;
      el.dataset.copyReady = "1";
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "Copy";
      b.setAttribute("aria-label", "Copy " + (el.dataset.copyLabel || "value"));
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(el.dataset.copy).then(function () {
          b.textContent = "Copied";
          setTimeout(function () { b.textContent = "Copy"; }, 1500);
        }, function () { b.textContent = "Copy failed"; });
      });
      el.insertAdjacentElement("afterend", b);
    });
  }

  // Long reports: show the progress message while the next page loads.
  function markLoading(root) {
    root.querySelectorAll("form[data-loading], a[data-loading]").forEach(function (el) {
      el.addEventListener(el.tagName === "FORM" ? "submit" : "click", function () {
        document.body.classList.add("is-loading");
      });
    });
  }

  // Auto-submit selects marked data-autosubmit (per-page choice, time zone).
  function autoSubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { if (s.form) s.form.requestSubmit(); });
    });
  }

  function init() {
    addCopyButtons(document);
    markLoading(document);
    autoSubmit(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.addEventListener("pageshow", function () { document.body.classList.remove("is-loading"); });
})();
