// The analytics dashboard's charts: Chart.js (vendored, chart-4.6.1.umd.min.js) draws what the
// page put in #analytics-data as JSON. Every figure is also in the page's tables; the charts
// only draw them. Channel names are people's text: Chart.js draws them on a canvas, never as HTML.
(function () {
  "use strict";

  var source = document.getElementById("analytics-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var page = JSON.parse(source.textContent);
  var data = page.charts;
  var labels = page.labels;
  var palette = ["#2f6fde", "#e07b39", "#3a9b5b", "#b84c8f", "#7a6ad8", "#c9a227", "#4aa3b5", "#8a8f98"];
  var base = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom" } },
  };

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      canvas.chart = new window.Chart(canvas, config);
    }
  }

  function options(extra) {
    return Object.assign({}, base, extra);
  }

  chart("chart-volume", {
    type: "bar",
    data: {
      labels: data.days,
      datasets: data.volume.map(function (series, n) {
        return { label: series.name, data: series.data, backgroundColor: palette[n % palette.length] };
      }),
    },
    options: options({ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }),
  });

  chart("chart-sentiment", {
    data: {
      labels: data.days,
      datasets: [
        { type: "bar", label: labels.negative, data: data.sentiment.negative, backgroundColor: "#d9534f", stack: "s" },
        { type: "bar", label: labels.neutral, data: data.sentiment.neutral, backgroundColor: "#b8bec8", stack: "s" },
        { type: "bar", label: labels.positive, data: data.sentiment.positive, backgroundColor: "#3a9b5b", stack: "s" },
        {
          type: "line", label: labels.score, data: data.sentiment.score, yAxisID: "score",
          borderColor: "#1f2a44", backgroundColor: "#1f2a44", spanGaps: true, tension: 0.2,
        },
      ],
    },
    options: options({
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: labels.messages } },
        score: { position: "right", min: -1, max: 1, grid: { drawOnChartArea: false } },
      },
    }),
  });

  chart("chart-frt", {
    type: "bar",
    data: {
      labels: labels.buckets,
      datasets: [{ label: labels.conversations, data: data.frt, backgroundColor: "#2f6fde" }],
    },
    options: options({ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }),
  });

  chart("chart-incidents", {
    type: "bar",
    data: {
      labels: data.days,
      datasets: [
        { label: labels.pattern, data: data.incidents.pattern, backgroundColor: "#e0a030" },
        { label: labels.problem, data: data.incidents.problem, backgroundColor: "#a4161a" },
      ],
    },
    options: options({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  });
})();
