// Charts of the statistics pages, drawn with Chart.js (vendor/chartjs).
//
// The Content-Security-Policy forbids inline script: each chart's data comes
// from a <script type="application/json" id="..."> written by Django's
// json_script filter, named by the canvas: <canvas data-chart="id">.
// The numbers are also in a table next to each chart (for screen readers
// and for printing); the chart only draws them.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#6f42c1", "#20c997", "#fd7e14", "#d63384",
                 "#0dcaf0", "#198754", "#ffc107", "#dc3545", "#6c757d"];

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // Labels never clip (issue 16): a category axis's long label is wrapped on
  // two lines and cut with "…" beyond them, a legend's is cut, both to fit
  // the chart's width; the tooltip (on hover or tap) keeps the full text.
  var CHAR = 7;  // px per character, about, at Chart.js's 12 px font

  function cut(text, width) {
    return text.length > width ? text.slice(0, Math.max(width - 1, 1)).trimEnd() + "\u2026" : text;
  }

  function wrap(text, width, lines) {
    text = String(text);
    if (text.length <= width) { return text; }
    var out = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) { out.push(line); }
    if (out.length > lines) {
      out = out.slice(0, lines);
      out[lines - 1] += "\u2026";
    }
    out = out.map(function (part) { return part.length > width + 1 ? cut(part, width) : part; });
    return out.length === 1 ? out[0] : out;
  }

  // A category axis's tick labels, in at most `share` of the chart's width.
  function categoryTicks(share, lines) {
    return function (value) {
      var width = Math.max(8, Math.floor((this.chart.width * share) / CHAR));
      return wrap(this.getLabelForValue(value), width, lines);
    };
  }

  function legendLabels(round, type) {
    var defaults = round && window.Chart.overrides[type] ? window.Chart.overrides[type] : window.Chart.defaults;
    var generate = defaults.plugins.legend.labels.generateLabels;
    return function (chart) {
      var width = Math.max(10, Math.floor(chart.width / CHAR) - 6);
      return generate.call(this, chart).map(function (item) {
        item.text = cut(String(item.text), width);
        return item;
      });
    };
  }

  function config(data) {
    var stacked = !!data.stacked;
    var round = data.type === "doughnut" || data.type === "pie";
    var datasets = data.datasets.map(function (set, n) {
      var out = Object.assign({}, set);
      if (!out.backgroundColor) {
        out.backgroundColor = round ? PALETTE.slice(0, data.labels.length) : PALETTE[n % PALETTE.length];
      }
      if (data.type === "line") {
        out.borderColor = out.borderColor || PALETTE[n % PALETTE.length];
        out.tension = 0.2;
        out.fill = false;
        out.pointRadius = data.labels.length > 60 ? 0 : 2;
      }
      return out;
    });
    var options = {
      responsive: true,
      maintainAspectRatio: true,
      animation: false,
      plugins: {
        legend: {
          display: round || datasets.length > 1,
          position: "bottom",
          labels: { generateLabels: legendLabels(round, data.type) }
        }
      }
    };
    if (data.horizontal) {
      options.indexAxis = "y";  // long labels read better down the side
    }
    if (!round) {
      var categories = { autoSkip: true, callback: categoryTicks(data.horizontal ? 0.4 : 0.3, 2) };
      var values = { precision: 0 };
      if (data.horizontal) {
        options.scales = {
          x: { stacked: stacked, beginAtZero: true, ticks: values },
          y: { stacked: stacked, ticks: categories }
        };
      } else {
        categories.maxRotation = 60;
        options.scales = {
          x: { stacked: stacked, ticks: categories },
          y: { stacked: stacked, beginAtZero: true, ticks: values }
        };
      }
    }
    return { type: data.type, data: { labels: data.labels, datasets: datasets }, options: options };
  }

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var data = readData(canvas.getAttribute("data-chart"));
      if (!data || !data.labels || !data.labels.length) { return; }
      canvas.chart = new window.Chart(canvas, config(data));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
