// Draws the weekly NPS line from the points the server computed (the table beside it says the same in text).
(function () {
  var canvas = document.getElementById('nps-trend');
  if (!canvas || typeof Chart === 'undefined') return;
  var points = JSON.parse(canvas.getAttribute('data-points') || '[]');
  var reduce = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: points.map(function (p) { return p.week; }),
      datasets: [{ label: 'NPS', data: points.map(function (p) { return p.nps; }), borderColor: '#1f4fd1', backgroundColor: '#1f4fd1', tension: 0.2 }],
    },
    options: {
      animation: reduce ? false : undefined,
      maintainAspectRatio: false,
      scales: { y: { min: -100, max: 100 } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: function (ctx) { return points[ctx.dataIndex].responses + ' responses'; } } } },
    },
  });
})();
