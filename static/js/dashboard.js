// The offices' dashboard (reporting/dashboard.html): draws each figure with ECharts (vendored
// under static/vendor/echarts/, canvas renderer) from the JSON the page carries (json_script).
// The numbers, titles and takeaways are all computed on the server; without JavaScript each
// figure's table (under its chart) is the whole answer, so nothing here is needed to read them.
(function () {
  "use strict";

  // One restrained palette (ui.md): the portal's blue first, then calm distinct hues.
  var PALETTE = ["#0b4f9c", "#0f766e", "#d97706", "#6b3fa0", "#9a3412", "#52606d"];
  var TARGET = "#b42318";

  function formatNumber(value, unit) {
    if (value === null || value === undefined || value === "-") return "—";
    var text = Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 });
    return unit ? text + " " + unit : text;
  }

  function common(data) {
    return {
      color: PALETTE,
      aria: { enabled: true },
      animationDuration: 400,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      toolbox: { right: 4, top: 0, feature: { saveAsImage: { pixelRatio: 2 } } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return formatNumber(value, data.unit); }
      },
      legend: { bottom: 0, left: "center", type: "scroll" },
      grid: { left: 8, right: 24, top: 36, bottom: 36, containLabel: true }
    };
  }

  // The unit (万元) stands in each figure's heading, so the axis shows bare numbers.
  function valueAxis() {
    return {
      type: "value",
      axisLabel: { formatter: function (value) { return formatNumber(value); } }
    };
  }

  // A round upper bound (1, 2 or 5 times a power of ten, or a half step) above ``value``.
  function niceCeil(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i += 1) {
      if (steps[i] * magnitude >= value) return steps[i] * magnitude;
    }
    return 10 * magnitude;
  }

  function lineChart(data) {
    var option = common(data);
    option.tooltip.axisPointer = { type: "line" };
    option.xAxis = { type: "category", data: data.categories, boundaryGap: false };
    option.yAxis = valueAxis();
    option.series = data.series.map(function (series, index) {
      var drawn = {
        name: series.name,
        type: index === 0 ? "line" : "bar",
        data: series.values,
        symbolSize: 6
      };
      if (index === 0) {
        drawn.areaStyle = { opacity: 0.12 };
        drawn.z = 3;
        if (data.target !== null && data.target !== undefined) {
          drawn.markLine = {
            symbol: "none",
            lineStyle: { color: TARGET, type: "dashed", width: 2 },
            label: {
              position: "insideStartTop",
              formatter: data.targetLabel + " " + formatNumber(data.target, data.unit)
            },
            data: [{ yAxis: data.target }]
          };
        }
      } else {
        drawn.itemStyle = { opacity: 0.45 };
        drawn.barMaxWidth = 18;
      }
      return drawn;
    });
    if (data.target) {
      // Keep the target line inside the drawing even when the year is far from it.
      var highest = Math.max.apply(null, data.series[0].values.concat([data.target]));
      option.yAxis.max = niceCeil(highest * 1.05);
    }
    return option;
  }

  function barChart(data) {
    var option = common(data);
    var categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: { interval: 0, hideOverlap: true }
    };
    if (data.horizontal) {
      categoryAxis.inverse = true;
      categoryAxis.axisLabel.width = 150;
      categoryAxis.axisLabel.overflow = "truncate";
      option.xAxis = valueAxis();
      option.yAxis = categoryAxis;
    } else {
      if (data.categories.length > 6) categoryAxis.axisLabel.rotate = 30;
      option.xAxis = categoryAxis;
      option.yAxis = valueAxis();
    }
    var many = data.series.length > 1;
    if (!many) {
      option.legend.show = false;
      option.grid.bottom = 8;
    } else if (data.series.length > 3) {
      // A legend of many series wraps onto a second line rather than hiding behind arrows.
      option.legend = { bottom: 0, left: "center", type: "plain", itemWidth: 14, itemGap: 10 };
      option.grid.bottom = 64;
    }
    // Counts (units, outlets, products) read best written on their bars.
    var counts = !data.unit && !data.stacked;
    option.series = data.series.map(function (series) {
      var drawn = { name: series.name, type: "bar", data: series.values, barMaxWidth: 36 };
      if (counts) {
        drawn.label = { show: true, position: data.horizontal ? "right" : "top" };
      }
      if (data.stacked) drawn.stack = "total";
      if (data.colors) {
        drawn.itemStyle = {
          color: function (item) { return data.colors[item.dataIndex % data.colors.length]; }
        };
      }
      return drawn;
    });
    if (data.targets && data.targets.some(function (value) { return value !== null; })) {
      // The target drawn in (ui.md): a short red bar across each category's column.
      option.legend.show = true;
      option.grid.bottom = 36;
      option.series.push({
        name: data.targetLabel,
        type: "scatter",
        data: data.targets.map(function (value) { return value === null ? "-" : value; }),
        symbol: "rect",
        symbolSize: data.horizontal ? [4, 22] : [30, 4],
        itemStyle: { color: TARGET },
        z: 5
      });
    }
    return option;
  }

  function sankeyChart(data) {
    var option = common(data);
    option.tooltip = {
      trigger: "item",
      formatter: function (item) {
        if (item.dataType === "edge") {
          return item.data.source + " → " + item.data.target + "<br>" +
            formatNumber(item.data.value, data.unit);
        }
        return item.name + "<br>" + formatNumber(item.value, data.unit);
      }
    };
    delete option.legend;
    option.series = [{
      type: "sankey",
      left: 8,
      right: 160,
      top: 32,
      bottom: 8,
      nodeGap: 10,
      emphasis: { focus: "adjacency" },
      lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
      label: { color: "#1f2933" },
      data: data.nodes.map(function (name) { return { name: name }; }),
      links: data.links
    }];
    return option;
  }

  var BUILDERS = { line: lineChart, bar: barChart, sankey: sankeyChart };

  function draw(element, locale) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) return null;
    var data = JSON.parse(source.textContent);
    var build = BUILDERS[data.type];
    if (!build) return null;
    var chart = window.echarts.init(element, null, { renderer: "canvas", locale: locale });
    chart.setOption(build(data));
    element.classList.add("chart-ready");
    return chart;
  }

  function start() {
    if (!window.echarts) return;
    var holder = document.getElementById("dashboard-charts");
    if (!holder) return;
    var locale = holder.getAttribute("data-locale") || "EN";
    var charts = [];
    holder.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = draw(element, locale);
      if (chart) charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
