// Plan vs actual exits by year (bars) and cumulative (lines); data comes from json_script (CSP: no inline JS).
(function () {
  "use strict";
  var holder = document.getElementById("targets-chart");
  var source = document.getElementById("targets-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var label = zh
    ? { planned: "计划", actual: "实际", plannedCum: "计划累计", actualCum: "实际累计" }
    : { planned: "Planned", actual: "Actual", plannedCum: "Planned (cumulative)", actualCum: "Actual (cumulative)" };
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: {},
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: label.planned, type: "bar", data: data.planned },
      { name: label.actual, type: "bar", data: data.actual },
      { name: label.plannedCum, type: "line", data: data.planned_cumulative },
      { name: label.actualCum, type: "line", data: data.actual_cumulative }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
