// Fund charts (ECharts, vendored); the data and the translated labels come from json_script (CSP: no inline JS).
(function () {
  "use strict";
  var source = document.getElementById("funds-chart");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var num = function (xs) { return xs.map(Number); };
  var charts = [];
  var bySource = document.getElementById("chart-sources");
  if (bySource) {
    var a = echarts.init(bySource);
    a.setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { containLabel: true },
      xAxis: { type: "value" }, yAxis: { type: "category", data: data.sources },
      series: [
        { name: data.labels.allocated, type: "bar", data: num(data.source_allocated) },
        { name: data.labels.spent, type: "bar", data: num(data.source_spent) }
      ]
    });
    charts.push(a);
  }
  var byVillage = document.getElementById("chart-villages");
  if (byVillage) {
    var b = echarts.init(byVillage);
    b.setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { containLabel: true },
      xAxis: { type: "category", data: data.villages, axisLabel: { rotate: 30 } }, yAxis: { type: "value" },
      series: [
        { name: data.labels.spent, type: "bar", stack: "v", data: num(data.village_spent) },
        { name: data.labels.committed, type: "bar", stack: "v", data: num(data.village_committed) },
        { name: data.labels.remaining, type: "bar", stack: "v", data: num(data.village_remaining) }
      ]
    });
    charts.push(b);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
