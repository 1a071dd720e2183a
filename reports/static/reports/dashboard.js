/* HQ's report charts: each <canvas data-chart="name"> draws the series of that name from the
   page's JSON (json_script), no inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";

  var COLORS = ["#1f6feb", "#28a745", "#f59f00", "#d73a49", "#6f42c1", "#17a2b8", "#6a737d"];
  var MONEY = ["day", "store", "channel", "clerk", "product"];

  function yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  }

  function draw() {
    var source = document.getElementById("report-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var name = canvas.getAttribute("data-chart");
      var data = charts[name];
      if (!data) {
        return;
      }
      var type = canvas.getAttribute("data-type") || "bar";
      var money = MONEY.indexOf(name) >= 0;
      var round = type === "doughnut";
      var datasets = data.series.map(function (series, index) {
        return {
          label: series.name,
          data: series.data,
          backgroundColor: round ? COLORS : COLORS[index % COLORS.length],
        };
      });
      var options = {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: canvas.getAttribute("data-axis") || "x",
        plugins: {
          legend: { position: "bottom", display: round || datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = round ? item.parsed : item.parsed[item.chart.options.indexAxis === "y" ? "x" : "y"];
                return item.dataset.label + ": " + (money ? yuan(value) : value);
              },
            },
          },
        },
      };
      if (!round) {
        var valueAxis = options.indexAxis === "y" ? "x" : "y";
        options.scales = {};
        options.scales[valueAxis] = {
          beginAtZero: true,
          ticks: { callback: function (value) { return money ? "¥" + Math.round(value / 100) : value; } },
        };
      }
      var chart = new window.Chart(canvas, { type: type, data: { labels: data.labels, datasets: datasets }, options: options });
      canvas.setAttribute("data-drawn", chart.data.labels.length ? "yes" : "empty");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
