// The document page: the PDF itself, "Ký số" with the browser's own key, issuance,
// and the signature cards / audit trail.
import { S, api, download, el, flash, once, showError, t, vnDateTime } from './api.js';
import { showPdf } from './pdfview.js';
import { renderReport } from './report.js';
import { canSign, signDocument, stepsView } from './sign_flow.js';

const article = document.getElementById('document');
const docId = article.dataset.id;
const errorBox = document.getElementById('action-error');
const viewer = document.getElementById('pdf-view');

// The confirmation of what was just done arrives as ?done=… (it survives the reload);
// once shown, the address loses it (and a refusal's ?refused=…), so reloading again
// does not repeat it.
const shown = new URLSearchParams(location.search);
if (shown.has('done') || shown.has('refused')) {
  history.replaceState(null, '', location.pathname);
}

// Reload this page with the confirmation of `what` (uploaded, signed, issued).
function reloadDone(what) {
  location.assign(`${location.pathname}?done=${what}`);
}

// The draft's forms (return, resubmit, withdraw, details, file, comment) are plain forms:
// a second click while the first is on its way sends nothing more (one action, one
// confirmation after the reload, never a refusal of the repeat).
for (const form of document.querySelectorAll('form[data-once]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = '1';
    for (const button of form.querySelectorAll('button[type=submit]')) button.disabled = true;
  });
}

showPdf(viewer, viewer.dataset.src).catch((e) => {
  viewer.replaceChildren(el('p', { class: 'error' }, String(e.message || e)));
});

const signButton = document.getElementById('sign-button');
if (signButton) {
  const stepsList = el('ol', { class: 'sign-steps', 'aria-label': t('sign.steps'), hidden: '' });
  errorBox.before(stepsList);
  once(signButton, t('doc.signing'), async () => {
    errorBox.hidden = true;
    if (!canSign()) {
      showError(errorBox, t('doc.no_webcrypto'));
      return false;
    }
    const steps = stepsView(stepsList);
    try {
      const who = { username: article.dataset.username, fullName: article.dataset.fullName };
      await signDocument(docId, who, (name) => steps.step(name));
      steps.done();
      flash(t('doc.signed'));
      reloadDone('signed');
      return true;
    } catch (e) {
      steps.fail(e.message);
      showError(errorBox, e.message);
      return false;
    }
  });
}

const issueButton = document.getElementById('issue-button');
if (issueButton) {
  // Two calls, two steps: the server checks the leader's signature, numbers and seals in
  // one transaction (seal), then hands the document to every recipient (send).
  const issueList = el('ol', { class: 'sign-steps', 'aria-label': t('issue.steps'), hidden: '' });
  errorBox.before(issueList);
  once(issueButton, t('doc.issuing'), async () => {
    errorBox.hidden = true;
    const steps = stepsView(issueList, ['seal', 'send'], 'issue.step');
    let issued;
    try {
      steps.step('seal');
      issued = await api('POST', `/api/v1/documents/${docId}/issue`);
    } catch (e) {
      steps.fail(e.message);
      showError(errorBox, e.message);
      return false;
    }
    try {
      steps.step('send');
      // Delivery is idempotent: make sure every recipient has it.
      await api('POST', `/api/v1/documents/${docId}/dispatch`);
    } catch (e) {
      // Issued all the same; the server's own jobs deliver it again: say so, stay here.
      steps.fail(`${e.message} ${t('issue.send_later')}`);
      flash(`${t('doc.issued')}: ${issued.symbol}`);
      return true;
    }
    steps.done();
    flash(`${t('doc.issued')}: ${issued.symbol}`);
    reloadDone('issued');
    return true;
  });
}

const cards = document.getElementById('signature-cards');
async function checkSignatures() {
  cards.replaceChildren(el('p', {}, t('verify.working')));
  try {
    const answer = await api('GET', `/api/v1/documents/${docId}/verification`);
    const latest = answer.items[answer.items.length - 1];
    if (latest && latest.report) renderReport(cards, latest.report);
    else cards.replaceChildren(el('p', { class: 'error' }, (latest && latest.error) || t('sig.none')));
  } catch (e) {
    cards.replaceChildren(el('p', { class: 'error' }, e.message));
  }
  return false;
}
const checkButton = document.getElementById('check-button');
once(checkButton, t('verify.working'), checkSignatures);
if (cards.dataset.auto) checkSignatures();

once(document.getElementById('etsi-button'), t('loading'), async () => {
  try {
    const pdf = await api('GET', `/api/v1/documents/${docId}/file`);
    const form = new FormData();
    form.append('file', pdf, `document-${docId}.pdf`);
    const xml = await api('POST', '/api/v1/verify?format=etsi', form);
    download(xml, `etsi-report-document-${docId}.xml`);
  } catch (e) {
    showError(errorBox, e.message);
  }
  return false;
});

// The document's audit events as the API words them (who by name and agency, what in the
// page's language) and the chain's state in its one sentence.
const events = document.getElementById('events');
if (events) {
  const lang = document.documentElement.lang || 'vi';
  api('GET', `/api/v1/audit/events?document_id=${docId}&limit=100&lang=${lang}`).then((page) => {
    for (const e of page.items) {
      const who = e.actor_agency_name ? `${e.actor_name} (${e.actor_agency_name})` : e.actor_name;
      events.append(el('li', { 'data-action': e.action }, el('time', {}, vnDateTime(e.occurred_at)), ' ',
        `${e.description} — ${who}`));
    }
  }).catch((e) => events.append(el('li', { class: 'error' }, e.message)));
  const chain = document.getElementById('chain-status');
  api('GET', `/api/v1/audit/verify?lang=${lang}`).then((status) => {
    chain.className = status.status === 'ok' ? 'verdict v-passed' : 'verdict v-failed';
    chain.textContent = status.summary;
  }).catch((e) => { chain.textContent = e.message; });
}
