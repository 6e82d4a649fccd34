// The leadership dashboard's charts (Chart.js): every bar and point opens the ledger filtered to the
// cases behind it. The data, with the ledger address of each segment, comes from the page's JSON.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  const charts = JSON.parse(source.textContent);
  const colours = ["#0d6efd", "#6f42c1", "#dc3545", "#fd7e14", "#198754", "#20c997", "#6c757d"];

  function openSegment(urls) {
    return function (event, elements, chart) {
      if (!elements.length) return;
      const element = elements[0];
      const list = urls(chart, element.datasetIndex);
      if (list && list[element.index]) window.location.href = list[element.index];
    };
  }

  const intake = document.getElementById("intake-chart");
  if (intake) {
    new Chart(intake, {
      type: "bar",
      data: {
        labels: charts.intake.labels,
        datasets: charts.intake.datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        onClick: openSegment(function (chart, datasetIndex) { return charts.intake.datasets[datasetIndex].urls; }),
        onHover: function (event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
      },
    });
  }

  const satisfaction = document.getElementById("satisfaction-chart");
  if (satisfaction) {
    new Chart(satisfaction, {
      type: "line",
      data: {
        labels: charts.satisfaction.labels,
        datasets: [{
          label: satisfaction.getAttribute("aria-label"),
          data: charts.satisfaction.rates,
          borderColor: "#198754",
          backgroundColor: "#198754",
          spanGaps: true,
          pointRadius: 5,
        }],
      },
      options: {
        animation: false,
        responsive: true,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: function (item) { return "n = " + charts.satisfaction.counts[item.dataIndex]; } } },
        },
        scales: { y: { suggestedMin: 50, max: 100, ticks: { callback: function (value) { return value + "%"; } } } },
        onClick: openSegment(function () { return charts.satisfaction.urls; }),
        onHover: function (event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
      },
    });
  }

  const ranking = document.getElementById("ranking-chart");
  if (ranking && charts.ranking.labels.length) {
    new Chart(ranking, {
      type: "bar",
      data: {
        labels: charts.ranking.labels,
        datasets: [{ label: ranking.getAttribute("aria-label"), data: charts.ranking.scores, backgroundColor: "#0d6efd" }],
      },
      options: {
        indexAxis: "y",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { min: 0, max: 100 } },
        onClick: openSegment(function () { return charts.ranking.urls; }),
        onHover: function (event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
      },
    });
  }
})();
