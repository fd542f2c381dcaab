// The region at a glance: trend sparklines, the child-region comparison and the big screen.
// Data comes from <script type="application/json" id="insights-data"> (json_script); no
// inline scripts (the CSP forbids them), ECharts is vendored.
(function () {
  "use strict";
  var holder = document.getElementById("insights-data");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var dark = document.body.classList.contains("screen");
  var RED = "#b71c1c";
  var charts = [];
  var days = (data.trend && data.trend.days) || [];
  var series = (data.trend && data.trend.series) || {};

  function init(el) {
    var chart = echarts.init(el, dark ? "dark" : null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  // One sparkline per figure: its daily values over the last weeks.
  document.querySelectorAll("[data-spark]").forEach(function (el) {
    var values = series[el.getAttribute("data-spark")];
    if (!values || values.filter(function (v) { return v !== null; }).length < 2) { return; }
    init(el).setOption({
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      tooltip: { trigger: "axis", confine: true, textStyle: { fontSize: 12 } },
      xAxis: { type: "category", show: false, data: days, boundaryGap: false },
      yAxis: { type: "value", show: false, scale: true },
      series: [{ type: "line", data: values, symbol: "none", smooth: true,
                 lineStyle: { width: 1.5, color: RED }, areaStyle: { color: RED, opacity: 0.08 } }]
    });
  });

  // The child regions compared on one figure (the select above the table).
  var childEl = document.getElementById("child-chart");
  var select = document.getElementById("child-metric");
  if (childEl && data.children && data.children.length) {
    var childChart = init(childEl);
    var draw = function () {
      var key = select ? select.value : data.columns[0].key;
      var rows = data.children.slice().sort(function (a, b) {
        return (b.values[key] || 0) - (a.values[key] || 0);
      });
      childChart.setOption({
        grid: { left: 8, right: 16, top: 10, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
                 axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: rows.map(function (r) { return r.values[key]; }),
                   itemStyle: { color: RED }, barMaxWidth: 36 }]
      }, true);
    };
    draw();
    if (select) { select.addEventListener("change", draw); }
  } else if (childEl) {
    childEl.remove();
  }

  // The big screen: trends of the headline figures, children, groups and risk.
  var trendEl = document.getElementById("screen-trend");
  if (trendEl) {
    var keys = trendEl.getAttribute("data-keys").split(",");
    init(trendEl).setOption({
      backgroundColor: "transparent",
      legend: { top: 0, textStyle: { fontSize: 14 } },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: days, boundaryGap: false },
      yAxis: [{ type: "value", name: "%", max: 100 }, { type: "value", splitLine: { show: false } }],
      series: keys.map(function (key, i) {
        return { name: (data.labels || {})[key] || key, type: "line", smooth: true, symbol: "none",
                 yAxisIndex: i === 0 ? 0 : 1, data: series[key] || [], lineStyle: { width: 3 } };
      })
    });
  }
  var kidsEl = document.getElementById("screen-children");
  if (kidsEl) {
    var kids = (data.children || []).slice(0, 20);
    init(kidsEl).setOption({
      backgroundColor: "transparent",
      legend: { top: 0, textStyle: { fontSize: 14 } },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: kids.map(function (r) { return r.name; }),
               axisLabel: { interval: 0, rotate: kids.length > 6 ? 30 : 0, fontSize: 13 } },
      yAxis: [{ type: "value" }, { type: "value", splitLine: { show: false } }],
      series: [
        { name: (data.labels || {})["elders.total"], type: "bar", barMaxWidth: 40,
          data: kids.map(function (r) { return r.values["elders.total"]; }) },
        { name: (data.labels || {})["visits.overdue"], type: "line", yAxisIndex: 1,
          data: kids.map(function (r) { return r.values["visits.overdue"]; }), itemStyle: { color: "#ff7b7b" } }
      ]
    });
  }
  var riskEl = document.getElementById("screen-risk");
  if (riskEl) {
    init(riskEl).setOption({
      backgroundColor: "transparent",
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { fontSize: 13 } },
      series: [
        { type: "pie", radius: ["35%", "62%"], center: ["25%", "45%"], data: data.risk || [],
          label: { formatter: "{b}\n{c}", fontSize: 14 } },
        { type: "pie", radius: ["35%", "62%"], center: ["75%", "45%"], data: data.ages || [],
          label: { formatter: "{b}\n{c}", fontSize: 14 } }
      ]
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  if (dark) {
    var clock = document.getElementById("screen-clock");
    var tick = function () {
      if (clock) { clock.textContent = new Date().toLocaleString("zh-CN", { hour12: false }); }
    };
    tick();
    setInterval(tick, 1000);
    var full = document.getElementById("screen-full");
    if (full) {
      full.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
      });
    }
    // Auto-refresh: ask every two minutes whether the job has computed newer figures.
    setInterval(function () {
      fetch(data.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.computed_at &&
              new Date(body.computed_at).getTime() !== new Date(data.computed_at).getTime()) {
            window.location.reload();
          }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 120000);
  }
})();
