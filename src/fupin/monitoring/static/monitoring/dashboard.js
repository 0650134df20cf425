// Findings by rule (open vs resolved) and new vs closed findings by month; data from json_script (CSP: no inline JS).
(function () {
  "use strict";
  var source = document.getElementById("monitoring-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var label = zh
    ? { open: "未处理", resolved: "已处理", created: "新发现", closed: "已整改" }
    : { open: "Open", resolved: "Resolved", created: "New", closed: "Fixed" };
  var rules = document.getElementById("rule-chart");
  if (rules) {
    var byRule = echarts.init(rules);
    byRule.setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { left: 140 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.rules },
      series: [
        { name: label.open, type: "bar", stack: "n", data: data.open },
        { name: label.resolved, type: "bar", stack: "n", data: data.resolved }
      ]
    });
    window.addEventListener("resize", function () { byRule.resize(); });
  }
  var months = document.getElementById("month-chart");
  if (months) {
    var byMonth = echarts.init(months);
    byMonth.setOption({
      tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: label.created, type: "line", data: data.new },
        { name: label.closed, type: "line", data: data.closed }
      ]
    });
    window.addEventListener("resize", function () { byMonth.resize(); });
  }
})();
