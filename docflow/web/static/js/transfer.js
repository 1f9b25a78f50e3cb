// An incoming document: accept / reject / assign / start / complete, and the arrival check.
import { api, el, once, showError, t } from './api.js';
import { showPdf } from './pdfview.js';
import { renderReport } from './report.js';

const article = document.getElementById('transfer');
const id = article.dataset.id;
const errorBox = document.getElementById('action-error');
const viewer = document.getElementById('pdf-view');

// Absent when the reader may see the transfer but not a confidential document's content.
if (viewer) {
  showPdf(viewer, viewer.dataset.src).catch((e) => {
    viewer.replaceChildren(el('p', { class: 'error' }, String(e.message || e)));
  });
}

async function act(path, body) {
  errorBox.hidden = true;
  try {
    await api('POST', `/api/v1/transfers/${id}/${path}`, body);
    location.reload();
    return true;
  } catch (e) {
    showError(errorBox, e.message);
    return false;
  }
}

for (const button of document.querySelectorAll('button[data-action]')) {
  once(button, t('loading'), () => act(button.dataset.action));
}

function formOnce(form, work) {
  if (!form) return;
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      if (!(await work())) button.disabled = false;
    } finally {
      busy = false;
    }
  });
}

formOnce(document.getElementById('reject-form'), async () => {
  const reason = document.getElementById('reason').value.trim();
  if (!reason) {
    showError(errorBox, t('transfer.no_reason'));
    return false;
  }
  return act('reject', { reason });
});

formOnce(document.getElementById('assign-form'), async () => {
  const userId = document.getElementById('assignee').value;
  if (!userId) {
    showError(errorBox, `${t('transfer.assignee')}?`);
    return false;
  }
  const deadline = document.getElementById('deadline').value || null;
  const instructions = document.getElementById('instructions').value.trim() || null;
  return act('assign', { user_id: Number(userId), deadline, instructions });
});

const cards = document.getElementById('signature-cards');
if (cards) {
  api('GET', cards.dataset.report)
    .then((answer) => renderReport(cards, answer.report))
    .catch((e) => { cards.textContent = e.message; });
}
