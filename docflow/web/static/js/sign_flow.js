// Signing one document with the browser's own key, shared by the document page's
// "Ký số" and the "sign several" page: the key (enrolled the first time), then
// prepare → sign the bytes with the key in this browser → complete, each step told
// to `onStep` so the page can show where it is (and, on failure, where it stopped).
import { api, el, flash, t } from './api.js';
import { buildCsr, forgetKey, fromBase64, loadKey, newKeyPair, saveKey, signBytes } from './webkey.js';

export const STEPS = ['prepare', 'sign', 'complete'];

// Whether this browser can keep a key and sign (WebCrypto and IndexedDB).
export function canSign() {
  return Boolean(window.crypto && crypto.subtle && window.indexedDB);
}

// The signer's key and certificate: the one kept in this browser, else a new key pair
// enrolled now (the private key never leaves the browser).
export async function signingKey(who) {
  const known = await loadKey(who.username);
  if (known && known.certificateId) return known;
  flash(t('doc.enrolling'));
  const keyPair = await newKeyPair();
  const csr = await buildCsr(keyPair, who.fullName);
  const cert = await api('POST', '/api/v1/me/certificates', { csr });
  const record = { privateKey: keyPair.privateKey, publicKey: keyPair.publicKey, certificateId: cert.id };
  await saveKey(who.username, record);
  return record;
}

async function signOnce(docId, key, onStep) {
  onStep('prepare');
  const prepared = await api('POST', `/api/v1/documents/${docId}/signatures/prepare`,
    { certificate_id: key.certificateId });
  onStep('sign');
  const signature = await signBytes(key.privateKey, fromBase64(prepared.to_be_signed));
  onStep('complete');
  return api('POST', `/api/v1/documents/${docId}/signatures/complete`,
    { session_id: prepared.session_id, signature });
}

// Signs document `docId` for `who` ({ username, fullName }); throws the refusal (its
// message is the reason a person reads). A certificate the server no longer knows (or
// that expired): enrol again once.
export async function signDocument(docId, who, onStep = () => {}) {
  onStep('prepare');
  let key = await signingKey(who);
  try {
    return await signOnce(docId, key, onStep);
  } catch (e) {
    if (e.status !== 404 && !/certificate/i.test(e.message)) throw e;
    await forgetKey(who.username);
    key = await signingKey(who);
    return signOnce(docId, key, onStep);
  }
}

// The steps of one signature as a list a page shows: step(name) marks the earlier
// ones done and this one under way (``names``/``prefix``: another action's steps, e.g.
// issuance's); done() marks all done; fail(reason) marks the
// current one failed with the reason.
export function stepsView(list, names = STEPS, prefix = 'sign.step') {
  if (!document.querySelector('link[href="/static/css/sign_many.css"]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: '/static/css/sign_many.css' }));
  }
  const items = {};
  list.replaceChildren(...names.map((name) => {
    items[name] = el('li', { 'data-step': name, 'data-state': 'waiting' }, t(`${prefix}.${name}`));
    return items[name];
  }));
  list.hidden = false;
  let current = null;
  const mark = (name, state) => { items[name].dataset.state = state; };
  return {
    step(name) {
      for (const other of names.slice(0, names.indexOf(name))) mark(other, 'done');
      mark(name, 'active');
      current = name;
    },
    done() {
      for (const name of names) mark(name, 'done');
    },
    fail(reason) {
      const name = current || names[0];
      mark(name, 'failed');
      items[name].textContent = `${t(`${prefix}.${name}`)} — ${t('sign.step.failed')}: ${reason}`;
    },
  };
}
