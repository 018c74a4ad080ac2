// Reply starters only prefill the box (the same as the no-JS link does), and put the cursor at the end so
// the teammate goes on writing the message themselves.
document.addEventListener('click', function (event) {
  var link = event.target.closest && event.target.closest('a.starter[data-starter]');
  var box = document.getElementById('f-body');
  if (!link || !box) return;
  event.preventDefault();
  box.value = link.getAttribute('data-starter') + (box.value ? ' ' + box.value : '');
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
});
