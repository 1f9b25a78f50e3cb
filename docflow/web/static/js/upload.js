// Upload a draft: checks what a person can fix before sending, then shows progress.
import { csrfToken, goSignIn, showError, t } from './api.js';

const form = document.getElementById('upload-form');
const error = document.getElementById('upload-error');
const progress = document.getElementById('progress');
const submit = document.getElementById('upload-submit');
let busy = false;

async function looksLikePdf(file) {
  const head = new Uint8Array(await file.slice(0, 5).arrayBuffer());
  return String.fromCharCode(...head) === '%PDF-';
}

function problem(message, field) {
  showError(error, message);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

function send(data) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/documents');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((100 * e.loaded) / e.total);
        progress.textContent = `${progress.value}%`;
      }
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error(t('error.network')));
    xhr.send(data);
  });
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  error.hidden = true;
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const file = form.file.files[0];
  if (!file) return problem(t('upload.no_file'), form.file);
  if (!(await looksLikePdf(file))) return problem(t('upload.not_pdf'), form.file);
  const subject = form.subject.value.trim();
  if (!subject) return problem(t('upload.no_subject'), form.subject);
  if (!form.signer.value) return problem(t('upload.no_signer'), form.signer);
  const metadata = {
    document_type: form.document_type.value,
    subject,
    urgency: form.urgency.value,
    confidentiality: form.confidentiality.value,
    signer: form.signer.value,
    recipients: [...form.querySelectorAll('input[name=recipients]:checked')].map((c) => c.value),
  };
  if (form.drafting_unit.value.trim()) metadata.drafting_unit = form.drafting_unit.value.trim();
  if (form.place.value.trim()) metadata.place = form.place.value.trim();
  const data = new FormData();
  data.append('file', file, file.name);
  data.append('metadata', JSON.stringify(metadata));
  busy = true;
  submit.disabled = true;
  try {
    const answer = await send(data);
    if (answer.status === 401) return goSignIn();
    if (answer.status >= 400) {
      const prefix = answer.status === 403 ? t('error.refused') : t('error.title');
      return problem(`${prefix}: ${answer.body.detail || answer.status}`);
    }
    progress.value = 100;
    location.assign(`/documents/${answer.body.id}`);
  } catch (e) {
    problem(e.message);
  } finally {
    busy = false;
    submit.disabled = false;
  }
});
