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
// The option object may carry a "cdrdash" block of formatting hints (the
// server cannot send formatters: they are functions). It is removed before
// ECharts sees the options:
//
//   kind: "hour-weekday"     the heat map: its tooltip names the weekday
//                            (yAxis data) and the hour range,
//                            "Tue 14:00–15:00 · 1,615 calls";
//   currency: "INR"          the currency of the money values;
//   moneyAxis: "y", moneyAxisIndex: 1
//                            the value axis whose labels are money; the
//                            tooltip values of the series on it too.
//
// Counts are grouped by thousands (1,615) and money as views.FormatMoney
// does on the server (₹1,50,328.20 for INR), so a chart reads like the
// tables next to it.
//
// Charts are drawn as SVG: crisp at any pixel ratio, and every label is a
// <text> node the browser tests can measure for overlaps.
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

  // groupDigits groups a whole number's digits: by thousands (1,234,567)
  // or, Indian style, the lowest three then by twos (12,34,567).
  function groupDigits(digits, indian) {
    var head = digits.length > 3 ? digits.slice(0, -3) : "";
    var out = digits.slice(-3);
    var step = indian ? 2 : 3;
    while (head.length > 0) {
      out = head.slice(-step) + "," + out;
      head = head.slice(0, -step);
    }
    return out;
  }

  function formatInt(n) {
    if (typeof n !== "number" || !isFinite(n)) return String(n);
    var r = Math.round(n);
    return (r < 0 ? "-" : "") + groupDigits(String(Math.abs(r)), false);
  }

  var symbols = { INR: "₹", USD: "$", EUR: "€", GBP: "£" };

  // formatMoney mirrors views.FormatMoney: symbol, sign, grouped digits,
  // two decimals ("$-1,234.50"), or the code first for other currencies
  // ("XYZ\u00a01,234.50"). decimals 0 drops the cents (axis labels).
  function formatMoney(v, currency, decimals) {
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    var cur = (currency || "").toUpperCase();
    var cents = Math.round(Math.abs(v) * 100);
    var text = groupDigits(String(Math.floor(cents / 100)), cur === "INR");
    if (decimals !== 0) text += "." + String(cents % 100 + 100).slice(1);
    if (v < 0 && cents > 0) text = "-" + text;
    if (symbols[cur]) return symbols[cur] + text;
    return cur ? cur + "\u00a0" + text : text;
  }

  function valueOf(d) {
    if (d !== null && typeof d === "object" && !Array.isArray(d)) d = d.value;
    return Array.isArray(d) ? d[d.length - 1] : d;
  }

  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // shortDay shortens an ISO date at the start of a label ("2026-11-18
  // (not loaded)" → "18 Nov (not loaded)"); other labels stay as they are.
  function shortDay(label) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(.*)$/.exec(String(label));
    if (!m || !months[Number(m[2]) - 1]) return label;
    return Number(m[3]) + " " + months[Number(m[2]) - 1] + m[4];
  }

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  function axisList(option, key) {
    var a = option[key];
    return Array.isArray(a) ? a : (a ? [a] : []);
  }

  // applyHints turns the server's hints into formatters. Tooltips are rich
  // text (no HTML: the CSP), so they are plain strings with ECharts'
  // {markerN|} colour markers.
  function applyHints(option, hints) {
    var currency = hints.currency || "";
    var moneyKey = hints.moneyAxis ? hints.moneyAxis + "Axis" : "";
    var moneyIndex = hints.moneyAxisIndex || 0;
    var series = Array.isArray(option.series) ? option.series : (option.series ? [option.series] : []);
    function isMoney(seriesIndex) {
      if (!moneyKey) return false;
      var s = series[seriesIndex] || {};
      return (s[moneyKey + "Index"] || 0) === moneyIndex;
    }
    function value(seriesIndex, v) {
      if (v === null || v === undefined || v === "-" || v === "") return "–";
      if (typeof v !== "number") return String(v);
      if (isMoney(seriesIndex)) return formatMoney(v, currency);
      return Math.round(v) === v ? formatInt(v) : String(v);
    }
    if (moneyKey) {
      var ax = axisList(option, moneyKey)[moneyIndex];
      if (ax) {
        ax.axisLabel = ax.axisLabel || {};
        ax.axisLabel.formatter = function (v) { return formatMoney(v, currency, 0); };
      }
    }
    // Day categories ("2026-11-18") read "18 Nov" on the axis, so more of
    // them fit a phone's width; the tooltip names the whole date.
    axisList(option, "xAxis").forEach(function (ax) {
      if (ax.type !== "category") return;
      ax.axisLabel = ax.axisLabel || {};
      if (!ax.axisLabel.formatter) ax.axisLabel.formatter = shortDay;
    });
    // Value axes: counts grouped like the tables (1,615, not 1615).
    ["xAxis", "yAxis"].forEach(function (key) {
      axisList(option, key).forEach(function (ax, i) {
        if (ax.type !== "value" || (key === moneyKey && i === moneyIndex)) return;
        ax.axisLabel = ax.axisLabel || {};
        if (!ax.axisLabel.formatter) ax.axisLabel.formatter = function (v) { return Math.round(v) === v ? formatInt(v) : String(v); };
      });
    });
    // Value labels on bars: grouped, or money on the money axis.
    series.forEach(function (s, i) {
      if (s.label && s.label.show && !s.label.formatter && s.type !== "pie") {
        s.label.formatter = function (p) { return value(i, valueOf(p.value)); };
      }
    });
    option.tooltip = option.tooltip || {};
    if (hints.kind === "hour-weekday") {
      var days = (axisList(option, "yAxis")[0] || {}).data || [];
      option.tooltip.formatter = function (p) {
        var v = p.value || p.data && p.data.value || [];
        var h = Number(v[0]), d = Number(v[1]), n = Number(v[2]);
        var day = days[d];
        if (day !== null && typeof day === "object") day = day.value;
        return (day || "") + " " + pad2(h) + ":00–" + pad2(h + 1) + ":00 · " + formatInt(n) + (n === 1 ? " call" : " calls");
      };
      return;
    }
    option.tooltip.formatter = function (params) {
      var list = Array.isArray(params) ? params : [params];
      if (!list.length) return "";
      var lines = [];
      var title = list[0].name;
      if (list[0].seriesType === "pie") {
        var p = list[0];
        return p.marker + p.name + ": " + value(p.seriesIndex, valueOf(p.value)) + " (" + p.percent + " %)";
      }
      if (title !== undefined && title !== "") lines.push(title);
      list.forEach(function (p) {
        var name = list.length > 1 || p.seriesName !== title ? p.seriesName : "";
        lines.push(p.marker + (name ? name + ": " : "") + value(p.seriesIndex, valueOf(p.value)));
      });
      return lines.join("\n");
    };
  }

  function start(el) {
    var option = readJSON(el.dataset.chartOptions);
    if (!option) { el.dataset.chartReady = "error"; return; }
    var links = readJSON(el.dataset.chartLinks) || [];
    var hints = option.cdrdash || {};
    delete option.cdrdash;
    applyHints(option, hints);
    if (calm && calm.matches) option.animation = false;
    var chart = echarts.init(el, dark && dark.matches ? "dark" : null, { renderer: "svg" });
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
