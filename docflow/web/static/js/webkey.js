// The signer's key lives only in this browser: a NON-EXTRACTABLE ECDSA P-256 key kept in
// IndexedDB. Its certificate comes from a PKCS#10 request built here (a small DER encoder)
// and sent to POST /api/v1/me/certificates; only the public key ever leaves the browser.
const DB_NAME = 'docflow-keys';
const STORE = 'keys';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_PARAMS = { name: 'ECDSA', hash: 'SHA-256' };

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const loadKey = (owner) => withStore('readonly', (s) => s.get(owner));
export const saveKey = (owner, record) => withStore('readwrite', (s) => s.put(record, owner));
export const forgetKey = (owner) => withStore('readwrite', (s) => s.delete(owner));

// ---------------------------------------------------------------- DER encoding
function length(n) {
  if (n < 0x80) return [n];
  const bytes = [];
  while (n > 0) { bytes.unshift(n & 0xff); n >>= 8; }
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag, content) {
  const body = content instanceof Uint8Array ? content : new Uint8Array(content);
  const head = [tag, ...length(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const sequence = (...items) => tlv(0x30, concat(...items));
const set = (...items) => tlv(0x31, concat(...items));
const utf8 = (text) => tlv(0x0c, new TextEncoder().encode(text));

function oid(dotted) {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const value of parts.slice(2)) {
    const chunk = [value & 0x7f];
    let rest = value >> 7;
    while (rest > 0) { chunk.unshift((rest & 0x7f) | 0x80); rest >>= 7; }
    bytes.push(...chunk);
  }
  return tlv(0x06, bytes);
}

function unsignedInteger(bytes) {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  let body = bytes.slice(start);
  if (body[0] & 0x80) body = concat(new Uint8Array([0]), body);
  return tlv(0x02, body);
}

// WebCrypto's ECDSA signature is raw r||s; X.509 and CMS want SEQUENCE { r, s }.
export function rawToDer(raw) {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.slice(0, half)), unsignedInteger(raw.slice(half)));
}

const OID_CN = '2.5.4.3';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export async function buildCsr(keyPair, commonName) {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keyPair.publicKey));
  const subject = sequence(set(sequence(oid(OID_CN), utf8(commonName))));
  const info = sequence(tlv(0x02, [0]), subject, spki, tlv(0xa0, []));
  const raw = new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS, keyPair.privateKey, info));
  const signature = tlv(0x03, concat(new Uint8Array([0]), rawToDer(raw)));
  const request = sequence(info, sequence(oid(OID_ECDSA_SHA256)), signature);
  const lines = base64(request).match(/.{1,64}/g).join('\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines}\n-----END CERTIFICATE REQUEST-----\n`;
}

export function newKeyPair() {
  // extractable=false: the private key can sign but can never be exported.
  return crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
}

export async function signBytes(privateKey, bytes) {
  return base64(new Uint8Array(await crypto.subtle.sign(SIGN_PARAMS, privateKey, bytes)));
}
