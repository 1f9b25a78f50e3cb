// Upload a draft: checks what a person can fix before sending, then shows progress.
// One submission at a time (the busy flag is set before anything is awaited), and the
// form's nonce (upload_key) makes the server answer a repeated one with the same draft.
import { csrfToken, errorMessage, goSignIn, showError, t } from './api.js';
import { setupPlacement } from './placement.js';

const form = document.getElementById('upload-form');
const error = document.getElementById('upload-error');
const progress = document.getElementById('progress');
const submit = document.getElementById('upload-submit');
const noRecipients = document.getElementById('no-recipients');
const uploadKey = document.getElementById('upload_key');
const W = JSON.parse(document.getElementById('upload-words').textContent);
const maxBytes = Number(form.dataset.maxBytes);
// The multipart envelope and the metadata travel with the file, inside the same limit.
const ENVELOPE = 64 * 1024;
const internalChoice = document.getElementById('internal-choice');
const internalOnly = document.getElementById('internal_only');
const readerList = document.getElementById('reader-list');
const unreadable = document.getElementById('placement-unreadable');
const placement = setupPlacement(document.getElementById('placement'), W);
const maxAttachments = Number(form.attachments.dataset.maxCount);
// Approvers in the order they were ticked: the order they sign in.
let approverOrder = [];
let busy = false;

// Back from the draft's page (the browser's page cache keeps this one as it was): a new
// nonce, or the next upload would be answered with the previous draft; and a form that
// can be sent again.
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  uploadKey.value = newKey();
  busy = false;
  submit.disabled = false;
  progress.value = 0;
});

async function looksLikePdf(file) {
  const head = new Uint8Array(await file.slice(0, 5).arrayBuffer());
  return String.fromCharCode(...head) === '%PDF-';
}

function resetProgress() {
  progress.value = 0;
  progress.textContent = '0%';
}

function problem(message, field) {
  resetProgress();
  showError(error, message);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

const megabytes = (bytes) => (bytes / (1024 * 1024)).toFixed(1).replace('.', ',');

function tooLarge(file) {
  if (!maxBytes || file.size + ENVELOPE <= maxBytes) return null;
  return W['upload.too_large']
    .replace('{size}', megabytes(file.size))
    .replace('{limit}', form.dataset.maxMb);
}

// The attachments (phụ lục), checked like the main file: PDFs, and all of it within the
// one upload's limit; null after saying what to fix.
async function attachmentsOrRefuse(file) {
  const extra = [...form.attachments.files];
  if (extra.length > maxAttachments) {
    const text = W['upload.too_many_attachments'].replace('{n}', extra.length);
    return problem(text.replace('{count}', maxAttachments), form.attachments);
  }
  for (const part of extra) {
    if (!(await looksLikePdf(part))) {
      return problem(W['upload.attachment_not_pdf'].replace('{name}', part.name), form.attachments);
    }
  }
  const total = extra.reduce((sum, part) => sum + part.size, file.size);
  if (maxBytes && total + ENVELOPE > maxBytes) {
    const text = W['upload.total_too_large'].replace('{size}', megabytes(total));
    return problem(text.replace('{limit}', form.dataset.maxMb), form.attachments);
  }
  return extra;
}

function showApproverOrder() {
  for (const box of form.querySelectorAll('input[name=approvers]')) {
    const at = approverOrder.indexOf(box.value);
    box.parentElement.querySelector('.approver-order').textContent = at < 0 ? '' : `${at + 1}.`;
  }
}

// The approvers in signing order; null (after saying so) when the signer is among them.
function approversOrRefuse() {
  if (!approverOrder.includes(form.signer.value)) return approverOrder;
  const box = form.querySelector(`input[name=approvers][value="${CSS.escape(form.signer.value)}"]`);
  return problem(W['upload.approver_is_signer'].replace('{name}', box.dataset.name), box);
}

function chosenReaders() {
  if (form.confidentiality.value === 'none') return [];
  return [...form.querySelectorAll('input[name=readers]:checked')].map((c) => c.value);
}

// No recipient only for an internal document, said explicitly: without a recipient and
// without the "internal document" box ticked, nothing is sent, however often "Tải lên"
// is pressed (a second press used to upload it anyway).
function recipientsOrRefuse(recipients) {
  if (recipients.length || internalOnly.checked) {
    noRecipients.hidden = true;
    return true;
  }
  noRecipients.hidden = false;
  internalChoice.hidden = false;
  resetProgress();
  noRecipients.scrollIntoView({ block: 'center' });
  return false;
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

// What to send, or null after saying what to fix.
async function collect() {
  const file = form.file.files[0];
  if (!file) return problem(t('upload.no_file'), form.file);
  const large = tooLarge(file);
  if (large) return problem(large, form.file);
  if (!(await looksLikePdf(file))) return problem(t('upload.not_pdf'), form.file);
  const subject = form.subject.value.trim();
  if (!subject) return problem(t('upload.no_subject'), form.subject);
  if (!form.signer.value) return problem(t('upload.no_signer'), form.signer);
  const approvers = approversOrRefuse();
  if (!approvers) return null;
  const attachments = await attachmentsOrRefuse(file);
  if (!attachments) return null;
  const recipients = [...form.querySelectorAll('input[name=recipients]:checked')].map((c) => c.value);
  if (!recipientsOrRefuse(recipients)) return null;
  const metadata = {
    document_type: form.document_type.value,
    subject,
    urgency: form.urgency.value,
    confidentiality: form.confidentiality.value,
    signer: form.signer.value,
    recipients,
    approvers,
    readers: chosenReaders(),
  };
  const fields = placement.fields();
  if (fields) metadata.fields = fields;
  if (form.drafting_unit.value.trim()) metadata.drafting_unit = form.drafting_unit.value.trim();
  if (form.place.value.trim()) metadata.place = form.place.value.trim();
  if (form.due_date && form.due_date.value) metadata.due_date = form.due_date.value;
  const data = new FormData();
  data.append('file', file, file.name);
  for (const part of attachments) data.append('attachments', part, part.name);
  data.append('metadata', JSON.stringify(metadata));
  data.append('upload_key', uploadKey.value);
  return data;
}

async function upload() {
  const data = await collect();
  if (!data) return false;
  const answer = await send(data);
  if (answer.status === 401) {
    goSignIn();
    return true;
  }
  if (answer.status >= 400) {
    const prefix = answer.status === 403 ? t('error.refused') : t('error.title');
    problem(`${prefix}: ${errorMessage(answer.status, answer.body)}`);
    return false;
  }
  progress.value = 100;
  location.assign(`/documents/${answer.body.id}?done=uploaded`);
  return true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  busy = true; // before the first await: a double click submits once
  submit.disabled = true;
  error.hidden = true;
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  let leaving = false;
  try {
    leaving = await upload();
  } catch (e) {
    problem(e.message);
  } finally {
    if (!leaving) {
      busy = false;
      submit.disabled = false;
    }
  }
});

// A new main file: its page 1 with the field boxes, when it is a PDF within the limit.
async function preview() {
  const file = form.file.files[0];
  unreadable.hidden = true;
  if (!file || tooLarge(file) || !(await looksLikePdf(file))) {
    placement.clear();
    return;
  }
  unreadable.hidden = await placement.load(file);
}

form.file.addEventListener('change', () => { preview().catch(() => placement.clear()); });

form.addEventListener('change', (event) => {
  if (event.target.name === 'approvers') {
    approverOrder = approverOrder.filter((u) => u !== event.target.value);
    if (event.target.checked) approverOrder.push(event.target.value);
    showApproverOrder();
  }
  if (event.target === form.attachments && form.attachments.hasAttribute('aria-invalid')) {
    form.attachments.removeAttribute('aria-invalid'); // chosen again: the refusal is stale
    error.hidden = true;
  }
  if (event.target === form.confidentiality) {
    readerList.hidden = form.confidentiality.value === 'none';
  }
  const chosen = form.querySelector('input[name=recipients]:checked');
  if ((event.target.name === 'recipients' && chosen) || internalOnly.checked) {
    noRecipients.hidden = true;
  }
});

// A reload may keep the choices: show what they mean.
approverOrder = [...form.querySelectorAll('input[name=approvers]:checked')].map((c) => c.value);
showApproverOrder();
readerList.hidden = form.confidentiality.value === 'none';
if (form.file.files.length) preview().catch(() => placement.clear());
