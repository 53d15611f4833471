// The dashboard's charts (ECharts, data from the page's json_script) and the period picker.
(function () {
  "use strict";

  function drawCharts() {
    var source = document.getElementById("dash-chart-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    var palette = ["#b3261e", "#1d5fa8", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#5d4037"];
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var wantRates = node.getAttribute("data-chart") === "rates";
      var series = [];
      Object.keys(data.series).forEach(function (key) {
        var isRate = data.rates.indexOf(key) !== -1;
        if (isRate !== wantRates) return;
        var values = data.series[key];
        series.push({
          name: data.labels[key],
          type: wantRates ? "line" : "bar",
          smooth: wantRates,
          data: values,
          connectNulls: true,
        });
      });
      if (!series.length) {
        node.closest(".dash-chart-card").hidden = true;
        return;
      }
      var chart = window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption({
        color: palette,
        tooltip: { trigger: "axis", confine: true },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 8, right: 12, top: 34, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: wantRates
          ? { type: "value", min: 0, max: 100, name: data.texts.rate }
          : { type: "value", minInterval: 1, name: data.texts.count },
        series: series,
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  function periodPicker() {
    var select = document.querySelector("[data-period-select]");
    if (!select) return;
    var dates = select.form.querySelectorAll(".dash-dates");
    function sync() {
      var custom = select.value === "custom";
      dates.forEach(function (node) {
        node.hidden = !custom;
        node.querySelector("input").disabled = !custom;
      });
    }
    select.addEventListener("change", function () {
      sync();
      if (select.value !== "custom") select.form.requestSubmit();
    });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    periodPicker();
    drawCharts();
  });
})();
