// Any PDF's signatures, checked by the server (POST /api/v1/verify).
import { api, showError, t } from './api.js';
import { renderReport } from './report.js';

const form = document.getElementById('verify-form');
const input = document.getElementById('verify-file');
const error = document.getElementById('verify-error');
const cards = document.getElementById('signature-cards');
let busy = false;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  error.hidden = true;
  const file = input.files[0];
  if (!file) return showError(error, t('verify.no_file'));
  const head = new Uint8Array(await file.slice(0, 5).arrayBuffer());
  if (String.fromCharCode(...head) !== '%PDF-') return showError(error, t('upload.not_pdf'));
  busy = true;
  const button = form.querySelector('button');
  button.disabled = true;
  cards.textContent = t('verify.working');
  try {
    const data = new FormData();
    data.append('file', file, file.name);
    renderReport(cards, await api('POST', '/api/v1/verify', data));
  } catch (e) {
    cards.textContent = '';
    showError(error, e.message);
  } finally {
    busy = false;
    button.disabled = false;
  }
});
