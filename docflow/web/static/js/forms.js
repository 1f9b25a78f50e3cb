// Forms marked data-once send once: a second press (or a double click) while the first
// is on its way does nothing. The server is safe anyway (a repeated change changes
// nothing more); this spares the person a confusing second answer.
for (const form of document.querySelectorAll('form[data-once]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = '1';
    // After this event the browser has collected the fields: disabling is safe now.
    setTimeout(() => {
      for (const button of form.querySelectorAll('button[type=submit]')) button.disabled = true;
    }, 0);
  });
}

// A refused form says why next to it: bring that sentence into view (it is role=alert).
const refusal = document.getElementById('admin-error');
if (refusal) {
  refusal.tabIndex = -1;
  refusal.scrollIntoView({ block: 'center' });
  refusal.focus({ preventScroll: true });
}
