// A validation report (docs §8) as cards: one per signature, green / amber / red.
import { el, t, vnDateTime } from './api.js';

const TONE = { TOTAL_PASSED: 'passed', INDETERMINATE: 'indeterminate', TOTAL_FAILED: 'failed' };

function row(label, value) {
  if (value === null || value === undefined || value === '') return null;
  return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', {}, value));
}

const LANG = document.documentElement.lang === 'en' ? 'en' : 'vi';

// A finding of the validator in the page's language (each carries both).
const said = (finding) => finding[LANG] || finding.en;

function changes(mods) {
  if (!mods) return '';
  const kind = t(`mod.${mods.kind}`);
  if ((mods.changes || []).length) return kind;  // each change is listed below the card
  const extra = [...(mods.changed_form_fields || []), ...(mods.details || [])];
  return extra.length ? `${kind}: ${extra.join('; ')}` : kind;
}

function signatureCard(sig) {
  const tone = TONE[sig.indication] || 'indeterminate';
  const signer = sig.signer || {};
  const title = `${t(`verdict.${tone}`)} — ${signer.name || sig.field_name}`;
  const card = el('article', { class: `card sig sig-${tone}`, 'data-indication': sig.indication },
    el('h3', {}, el('span', { class: 'mark', 'aria-hidden': 'true' },
      tone === 'passed' ? '✔' : tone === 'failed' ? '✖' : '?'), ' ', title),
    el('dl', {},
      row(t('sig.signer'), signer.name),
      row(t('sig.agency'), signer.agency || signer.organisation),
      row(t('sig.time'), vnDateTime(sig.signing_time)),
      row(t('sig.timestamp'), sig.best_signature_time
        ? `${vnDateTime(sig.best_signature_time)}${sig.timestamp_authority ? ` (${sig.timestamp_authority})` : ''}`
        : ''),
      row(t('sig.level'), sig.level),
      row(t('sig.changes'), changes(sig.modifications)),
      row('Indication', [sig.indication, sig.sub_indication].filter(Boolean).join(' / '))));
  const found = (sig.modifications && sig.modifications.changes) || [];
  if (found.length) {
    card.append(el('ul', { class: 'problems changes' }, ...found.map((c) => el('li', {}, said(c)))));
  }
  const named = new Set(found.map((c) => c.en));
  const problems = [...(sig.errors || []), ...(sig.warnings || [])].filter((p) => !named.has(p));
  if (problems.length) {
    card.append(el('ul', { class: 'problems' }, ...problems.map((p) => el('li', {}, p))));
  }
  return card;
}

export function renderReport(container, report) {
  container.replaceChildren();
  if (!report) return;
  const tone = TONE[report.verdict] || 'indeterminate';
  container.append(el('p', { class: `verdict v-${tone}`, id: 'overall-verdict' },
    `${t('verify.overall')}: ${t(`verdict.${tone}`)} (${report.verdict})`));
  if (report.file_sha256) {
    container.append(el('p', { class: 'hash' }, `${t('verify.sha256')}: `, el('code', {}, report.file_sha256)));
  }
  const sigs = report.signatures || [];
  if (!sigs.length) container.append(el('p', {}, t('sig.none')));
  for (const sig of sigs) container.append(signatureCard(sig));
  const findings = report.findings || [];
  for (const f of findings) container.append(el('p', { class: 'error' }, said(f)));
  const named = new Set(findings.map((f) => f.en));
  for (const problem of report.errors || []) {
    if (!named.has(problem)) container.append(el('p', { class: 'error' }, problem));
  }
}
