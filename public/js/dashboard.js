// Draws a survey's trend from the points the server computed; the table under the chart holds the same
// numbers, and the page reads fine without this script. Okabe–Ito colours (safe for colour-blind readers).
(function () {
  var canvas = document.getElementById('trend-chart');
  if (!canvas || typeof Chart === 'undefined') return;
  var data = JSON.parse(canvas.getAttribute('data-trend') || '{}');
  var points = data.points || [];
  var BLUE = '#0072B2';
  var BAND = 'rgba(86, 180, 233, 0.28)';
  var reduce = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var labels = points.map(function (p) {
    return p.period;
  });
  var pick = function (key) {
    return points.map(function (p) {
      return p[key];
    });
  };

  if (data.kind === 'count') {
    new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: data.label, data: pick('value'), backgroundColor: BLUE }] },
      options: {
        animation: reduce ? false : undefined,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: data.label } } },
        plugins: { legend: { display: false } },
      },
    });
    return;
  }

  var range = data.range || [null, null];
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: labels,
      datasets: [
        // The 95 % interval as a band: the upper edge is filled down to the lower one.
        {
          label: '95 % interval (low)',
          data: pick('low'),
          borderWidth: 0,
          pointRadius: 0,
          fill: false,
          spanGaps: false,
        },
        {
          label: '95 % interval',
          data: pick('high'),
          borderWidth: 0,
          pointRadius: 0,
          backgroundColor: BAND,
          fill: '-1',
          spanGaps: false,
        },
        {
          label: data.label,
          data: pick('value'),
          borderColor: BLUE,
          backgroundColor: BLUE,
          tension: 0,
          spanGaps: false,
          pointRadius: 4,
          pointBorderWidth: 2,
          // Fewer than 30 answers: drawn hollow, as the legend under the chart says.
          pointBackgroundColor: points.map(function (p) {
            return p.few ? '#fff' : BLUE;
          }),
        },
      ],
    },
    options: {
      animation: reduce ? false : undefined,
      maintainAspectRatio: false,
      scales: {
        y: {
          min: range[0],
          max: range[1],
          title: { display: true, text: data.label },
          grid: {
            color: function (ctx) {
              return data.kind === 'nps' && ctx.tick && ctx.tick.value === 0 ? '#1d2330' : 'rgba(0, 0, 0, 0.08)';
            },
            lineWidth: function (ctx) {
              return data.kind === 'nps' && ctx.tick && ctx.tick.value === 0 ? 2 : 1;
            },
          },
        },
      },
      plugins: {
        legend: {
          display: true,
          position: 'bottom',
          labels: {
            filter: function (item) {
              return item.datasetIndex !== 0;
            },
          },
        },
        tooltip: {
          callbacks: {
            afterLabel: function (ctx) {
              var p = points[ctx.dataIndex];
              return ctx.datasetIndex === 2 && p ? p.n + ' answers' : '';
            },
          },
        },
      },
    },
  });
})();
