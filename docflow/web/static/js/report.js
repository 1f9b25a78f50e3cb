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

// The validator's plain notes are English only: the known ones have catalogue texts
// (`note.*`); on a Vietnamese page any other goes under "technical details", marked
// as English.
const NOTES = [
  [/^The document contains no signatures\.$/, 'note.no_signatures'],
  [/^Form fields were filled in after this signature: (.*)\.$/, 'note.form_filled'],
  [/^This is a legacy PKCS#7 signature, not a PAdES signature\.$/, 'note.legacy_pkcs7'],
  [/^The signature has no signed attributes\.$/, 'note.no_signed_attributes'],
  [/^The content timestamp is not valid or not trusted\.$/, 'note.content_timestamp'],
  [/^No revocation data for the signer's certificate was available\.$/, 'note.no_revocation'],
  [/^The signatures in the file cannot be listed/, 'note.cannot_list'],
];

function noted(text) {
  for (const [pattern, key] of NOTES) {
    const found = pattern.exec(text);
    if (found) return t(key).replace('{fields}', found[1] || '');
  }
  return LANG === 'en' ? text : null;
}

// Notes as list items in the page's language; the untranslatable ones folded away.
function notes(container, texts, cls) {
  const known = [];
  const technical = [];
  for (const text of texts) {
    const shown = noted(text);
    if (shown) known.push(el('li', {}, shown));
    else technical.push(el('li', {}, text));
  }
  if (known.length) container.append(el('ul', { class: cls }, ...known));
  if (technical.length) {
    container.append(el('details', { class: 'technical' },
      el('summary', {}, t('note.technical')), el('ul', { lang: 'en' }, ...technical)));
  }
}

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
      row(t('sig.indication'), [sig.indication, sig.sub_indication].filter(Boolean).join(' / '))));
  const found = (sig.modifications && sig.modifications.changes) || [];
  if (found.length) {
    card.append(el('ul', { class: 'problems changes' }, ...found.map((c) => el('li', {}, said(c)))));
  }
  const named = new Set(found.map((c) => c.en));
  const problems = [...(sig.errors || []), ...(sig.warnings || [])].filter((p) => !named.has(p));
  notes(card, problems, 'problems');
  return card;
}

export function renderReport(container, report) {
  container.replaceChildren();
  if (!report) return;
  const sigs = report.signatures || [];
  // A file with no signature at all is not "indeterminate": it has nothing to check.
  const unsigned = !sigs.length && !(report.document_timestamps || []).length;
  const tone = unsigned ? 'none' : TONE[report.verdict] || 'indeterminate';
  container.append(el('p', { class: `verdict v-${unsigned ? 'indeterminate' : tone}`,
    id: 'overall-verdict', 'data-verdict': unsigned ? 'NONE' : report.verdict },
  unsigned ? `${t('verify.overall')}: ${t('verdict.none')}`
    : `${t('verify.overall')}: ${t(`verdict.${tone}`)} (${report.verdict})`));
  if (report.file_sha256) {
    container.append(el('p', { class: 'hash' }, `${t('verify.sha256')}: `, el('code', {}, report.file_sha256)));
  }
  if (!sigs.length) container.append(el('p', {}, t('sig.none')));
  for (const sig of sigs) container.append(signatureCard(sig));
  const findings = report.findings || [];
  for (const f of findings) container.append(el('p', { class: 'error' }, said(f)));
  const named = new Set(findings.map((f) => f.en));
  const left = (report.errors || []).filter((p) => !named.has(p)
    && !(unsigned && NOTES[0][0].test(p)));  // "no signatures" is said above already
  notes(container, left, 'problems');
}
