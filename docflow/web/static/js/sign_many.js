// Signing several drafts at once (/to-sign/confirm): each named document in turn with
// the same flow as the document page (sign_flow.js), its steps shown beside it, going
// on after a failure, and a summary at the end. The one button works once.
import { el, flash, once, showError, t } from './api.js';
import { showPdf } from './pdfview.js';
import { canSign, signDocument, stepsView } from './sign_flow.js';

const section = document.getElementById('sign-many');
const button = document.getElementById('sign-many-button');
const errorBox = document.getElementById('action-error');
const summary = document.getElementById('sign-many-summary');
const who = { username: section.dataset.username, fullName: section.dataset.fullName };

// The inline preview of one document (pdf.js), loaded the first time it is opened.
for (const toggle of section.querySelectorAll('button[data-preview]')) {
  const box = toggle.closest('li').querySelector('.sign-many-preview');
  const label = toggle.textContent;
  toggle.addEventListener('click', () => {
    const opening = box.hidden;
    box.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    toggle.textContent = opening ? t('signmany.hide') : label;
    if (opening && !box.dataset.loaded) {
      box.dataset.loaded = '1';
      box.replaceChildren(el('p', {}, t('loading')));
      showPdf(box, toggle.dataset.preview).catch((e) => {
        box.replaceChildren(el('p', { class: 'error' }, String(e.message || e)));
      });
    }
  });
}

async function signOne(item) {
  const steps = stepsView(item.querySelector('.sign-steps'));
  try {
    await signDocument(item.dataset.document, who, (name) => steps.step(name));
    steps.done();
    item.dataset.result = 'signed';
    return null;
  } catch (e) {
    const reason = e.message || String(e);
    steps.fail(reason);
    item.dataset.result = 'failed';
    return reason;
  }
}

function showSummary(ok, failures) {
  const head = failures.length
    ? t('signmany.summary').replace('{ok}', ok).replace('{failed}', failures.length)
    : t('signmany.all_done').replace('{ok}', ok);
  const parts = [el('p', { class: failures.length ? 'notice' : 'flash' }, head)];
  if (failures.length) {
    parts.push(el('ul', {}, ...failures.map(([name, reason]) => el('li', {}, `${name}: ${reason}`))));
  }
  flash(head);
  summary.replaceChildren(...parts);
  summary.hidden = false;
}

once(button, t('signmany.working'), async () => {
  errorBox.hidden = true;
  if (!canSign()) {
    showError(errorBox, t('doc.no_webcrypto'));
    return false;
  }
  const items = [...section.querySelectorAll('#sign-many-list > li[data-document]')];
  for (const item of items) stepsView(item.querySelector('.sign-steps'));
  let ok = 0;
  const failures = [];
  for (const item of items) {
    const reason = await signOne(item);
    if (reason === null) ok += 1;
    else failures.push([item.querySelector('.sign-many-name').textContent.trim(), reason]);
  }
  showSummary(ok, failures);
  button.textContent = t('signmany.finished');
  return true; // done once: the button stays disabled (reload the list to sign more)
});
