/* The manager page's sales chart: data from the page's JSON (json_script), no inline script. */
(function () {
  "use strict";

  function yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  }

  function draw() {
    var source = document.getElementById("sales-chart-data");
    var canvas = document.getElementById("sales-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.names.credited, data: data.credited, backgroundColor: "#1f6feb" },
          { label: data.names.fulfilled, data: data.fulfilled, backgroundColor: "#28a745" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkipPadding: 8 } },
          y: {
            beginAtZero: true,
            ticks: { callback: function (value) { return "¥" + Math.round(value / 100); } },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + yuan(item.parsed.y); },
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
