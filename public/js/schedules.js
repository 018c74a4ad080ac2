// Live preview of a schedule: the expression in words and its next five sends, from the server (the same
// cron library that fires it). Without JavaScript the "Preview" button does the same with a round trip.
(function () {
  var form = document.getElementById('schedule-form');
  var box = document.getElementById('schedule-preview');
  if (!form || !box) return;
  var cron = form.elements.namedItem('cron');
  var zone = form.elements.namedItem('timeZone');
  var timer;

  function presetChosen() {
    var checked = form.querySelector('input[name=preset]:checked');
    if (checked && checked.dataset.cron) cron.value = checked.dataset.cron;
  }

  function render(words, items, error) {
    box.textContent = '';
    if (error) {
      var p = document.createElement('p');
      p.className = 'error';
      p.textContent = error;
      box.appendChild(p);
      return;
    }
    var strong = document.createElement('p');

    var b = document.createElement('strong');
    b.textContent = words;
    strong.appendChild(b);
    box.appendChild(strong);
    var ol = document.createElement('ol');
    items.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = t;
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }

  function refresh() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var url =
        box.dataset.url + '?cron=' + encodeURIComponent(cron.value) + '&timeZone=' + encodeURIComponent(zone.value);
      window
        .fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) {
          return r.json();
        })
        .then(function (body) {
          if (body.error) {
            var f = body.error.fields || {};
            render('', [], f.cron || f.timeZone || body.error.message);
          } else render(body.words, body.next);
        })
        .catch(function () {});
    }, 250);
  }

  // A new schedule starts in the browser's own zone (the server's default is the workspace's), when listed.
  if (form.dataset.new === 'true' && window.Intl && Intl.DateTimeFormat) {
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (mine && zone.querySelector('option[value="' + mine.replace(/"/g, '') + '"]')) {
      zone.value = mine;
      refresh();
    }
  }

  form.addEventListener('change', function (e) {
    if (e.target.name === 'preset') presetChosen();
    if (e.target.name === 'preset' || e.target.name === 'timeZone') refresh();
  });
  cron.addEventListener('input', function () {
    var custom = form.querySelector('input[name=preset][value=custom]');
    if (custom) custom.checked = true;
    refresh();
  });
})();
