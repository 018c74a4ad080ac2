/* global fetch, URLSearchParams, FormData, setTimeout, clearTimeout, sessionStorage */
// Progressive enhancement of the response page. Without this file everything works: the clicked score is
// preselected and one tap on "Send" confirms. With it, the page
//  - confirms the clicked score by itself once the page has been visible for a moment (a mail scanner that
//    opens every link in a burst is caught server-side before this fires),
//  - shows follow-up questions for the chosen score band at once,
//  - saves answers as the respondent goes,
//  - sends an answer that could not be saved (our database was away) again by itself, waiting longer each time.
(function () {
  'use strict';
  var form = document.getElementById('answer');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var status = document.getElementById('status');
  var VISIBLE_MS = 1500;
  var saveAsYouGo = form.getAttribute('data-save') === '1';

  function primaryChecked() {
    return form.querySelector('[data-primary] input:checked');
  }

  function applyBands() {
    var checked = primaryChecked();
    var band = checked ? checked.getAttribute('data-band') : null;
    var groups = form.querySelectorAll('[data-bands]');
    for (var i = 0; i < groups.length; i++) {
      var show = !!band && groups[i].getAttribute('data-bands').split(' ').indexOf(band) >= 0;
      groups[i].hidden = !show;
      groups[i].disabled = !show;
    }
  }

  function say(text) {
    if (text && status.textContent !== text) status.textContent = text;
  }

  function save(extra) {
    var body = new URLSearchParams(new FormData(form));
    body.set('_partial', '1');
    for (var k in extra) body.set(k, extra[k]);
    return fetch(form.action, {
      method: 'POST',
      body: body,
      credentials: 'omit',
      headers: { Accept: 'application/json' },
    })
      .then(function (res) {
        return res.json();
      })
      .then(function (json) {
        if (json.error) say(json.error.message);
        else say(json.message);
        return json;
      })
      .catch(function () {
        /* the "Send" button still works */
      });
  }

  var timer;
  function saveSoon() {
    if (!saveAsYouGo) return;
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }

  form.addEventListener('change', function (e) {
    applyBands();
    if (e.target.type === 'radio' || e.target.type === 'checkbox') {
      clearTimeout(timer);
      if (saveAsYouGo) save();
    } else {
      saveSoon();
    }
  });
  form.addEventListener('input', function (e) {
    if (e.target.tagName === 'TEXTAREA' || e.target.type === 'text') saveSoon();
  });
  form.addEventListener('submit', function () {
    clearTimeout(timer);
  });

  applyBands();

  // The answer came back unsaved: send the same form again after 3 s, 6 s, 12 s … (at most a minute apart).
  if (form.getAttribute('data-retry') === '1') {
    var note = document.querySelector('[data-retry-note]');
    if (note) note.hidden = false;
    var key = 'rapport.retry:' + form.action;
    var tries = 0;
    try {
      tries = Number(sessionStorage.getItem(key)) || 0;
      sessionStorage.setItem(key, String(tries + 1));
    } catch {
      /* private mode: retry at the first pace */
    }
    setTimeout(
      function () {
        form.submit();
      },
      Math.min(60000, 3000 * Math.pow(2, tries)),
    );
  } else {
    try {
      sessionStorage.removeItem('rapport.retry:' + form.action);
    } catch {
      /* nothing to forget */
    }
  }

  // Count only time the page is actually visible: a tab opened in the background has not been seen.
  if (form.getAttribute('data-auto') === '1' && primaryChecked()) {
    var seen = 0;
    var step = 250;
    var tick = function () {
      if (document.visibilityState === 'visible') seen += step;
      if (seen >= VISIBLE_MS) save({ _auto: '1' });
      else setTimeout(tick, step);
    };
    setTimeout(tick, step);
  }
})();
