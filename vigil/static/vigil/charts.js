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
      plugins: { legend: { display: round || datasets.length > 1, position: "bottom" } }
    };
    if (data.horizontal) {
      options.indexAxis = "y";  // long labels read better down the side
    }
    if (!round) {
      options.scales = {
        x: { stacked: stacked, ticks: { autoSkip: true, maxRotation: 60 } },
        y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }
      };
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
