// Draws the weekly NPS line from the points the server computed (the table beside it says the same in text).
(function () {
  var canvas = document.getElementById('nps-trend');
  if (!canvas || typeof Chart === 'undefined') return;
  var points = JSON.parse(canvas.getAttribute('data-points') || '[]');
  var reduce = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: points.map(function (p) {
        return p.week;
      }),
      datasets: [
        {
          type: 'line',
          label: 'NPS',
          yAxisID: 'y',
          data: points.map(function (p) {
            return p.nps;
          }),
          borderColor: '#1f4fd1',
          backgroundColor: '#1f4fd1',
          tension: 0.2,
          // A week with few answers is drawn hollow: its NPS can swing wildly on one person.
          pointRadius: 5,
          pointBackgroundColor: points.map(function (p) {
            return p.responses < 10 ? '#fff' : '#1f4fd1';
          }),
        },
        {
          type: 'bar',
          label: 'Responses',
          yAxisID: 'n',
          data: points.map(function (p) {
            return p.responses;
          }),
          backgroundColor: 'rgba(91,100,117,0.18)',
        },
      ],
    },
    options: {
      animation: reduce ? false : undefined,
      maintainAspectRatio: false,
      scales: {
        x: { offset: true },
        y: { min: -100, max: 100, title: { display: true, text: 'NPS' } },
        n: {
          position: 'right',
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'Responses' },
        },
      },
      plugins: { legend: { display: true, position: 'bottom' } },
    },
  });
})();
