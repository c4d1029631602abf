// cdrdash charts: starts Apache ECharts (static/vendor/echarts) on every
// [data-chart] container from the JSON blocks the server rendered. Loaded
// with <script src> by the Reports page only; the page's CSP allows no
// inline script, and the options carry no functions, so everything that
// needs code lives here:
//
//   data-chart-options="<id>"  the <script type="application/json"> block
//                              holding the ECharts option object;
//   data-chart-links="<id>"    optional block: drill-down URLs by category
//                              index (ECharts' dataIndex), built by the
//                              server with the page's filters;
//   data-chart-axis-click      a click anywhere in a category's column
//                              drills down, not only on a bar (so a day
//                              with a gap can be opened too).
//
// Charts follow the system's dark mode (re-created when it changes), are
// resized with their container, skip animation for people who ask for
// reduced motion, and mark themselves data-chart-ready="1". The instance
// stays reachable with echarts.getInstanceByDom(el).
(function () {
  "use strict";

  function media(q) { return window.matchMedia ? window.matchMedia(q) : null; }
  var dark = media("(prefers-color-scheme: dark)");
  var calm = media("(prefers-reduced-motion: reduce)");

  function readJSON(id) {
    var el = id ? document.getElementById(id) : null;
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // Only same-origin paths are followed, whatever a block says.
  function go(url) {
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.assign(url);
  }

  function start(el) {
    var option = readJSON(el.dataset.chartOptions);
    if (!option) { el.dataset.chartReady = "error"; return; }
    var links = readJSON(el.dataset.chartLinks) || [];
    if (calm && calm.matches) option.animation = false;
    var chart = echarts.init(el, dark && dark.matches ? "dark" : null, { renderer: "canvas" });
    chart.setOption(option);
    if (links.length) {
      el.classList.add("chart--clickable");
      chart.on("click", function (p) { go(links[p.dataIndex]); });
      if (el.dataset.chartAxisClick) {
        chart.getZr().on("click", function (e) {
          if (e.target) return; // a bar or point: handled above
          var pt = [e.offsetX, e.offsetY];
          if (!chart.containPixel("grid", pt)) return;
          var x = chart.convertFromPixel({ xAxisIndex: 0 }, pt);
          var i = Array.isArray(x) ? x[0] : x;
          if (typeof i === "number" && i >= 0) go(links[Math.round(i)]);
        });
      }
    }
    el.dataset.chartReady = "1";
  }

  function startAll() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (!el.dataset.chartReady) start(el);
    });
  }

  function restartAll() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (window.echarts) echarts.dispose(el);
      delete el.dataset.chartReady;
    });
    startAll();
  }

  function init() {
    // The report has arrived: the streamed progress message can go (CSS
    // hides it too, where :has() is supported).
    document.querySelectorAll("[data-report-progress]").forEach(function (el) { el.hidden = true; });
    startAll();
    if (window.ResizeObserver) {
      var ro = new ResizeObserver(function (entries) {
        entries.forEach(function (en) {
          var c = window.echarts && echarts.getInstanceByDom(en.target);
          if (c) c.resize();
        });
      });
      document.querySelectorAll("[data-chart]").forEach(function (el) { ro.observe(el); });
    }
    if (dark && dark.addEventListener) dark.addEventListener("change", restartAll);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
