// Shared by every page: strings, the JSON API with the cookie session and CSRF token,
// readable errors, Vietnam-time dates.
const stringsNode = document.getElementById('strings');
export const S = stringsNode ? JSON.parse(stringsNode.textContent) : {};
export const t = (key) => S[key] || key;

export function csrfToken() {
  const found = document.cookie.split('; ').find((c) => c.startsWith('docflow_csrf='));
  return found ? decodeURIComponent(found.split('=')[1]) : '';
}

export function goSignIn() {
  const here = location.pathname + location.search;
  location.assign('/sign-in?expired=1&next=' + encodeURIComponent(here));
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

const PAGE_LANG = document.documentElement.lang === 'en' ? 'en' : 'vi';

// What an API refusal says to a person, in the page's language, from the catalogue:
// the refusal's own code (`err.<code>`), else its status (`error.status.<status>`).
// The API's `detail` is English for programs; an English page shows it when no
// catalogue text fits, a Vietnamese page never does.
export function errorMessage(status, body) {
  const code = body && body.code;
  if (code && S[`err.${code}`]) return S[`err.${code}`];
  const detail = (body && body.detail) || '';
  const byStatus = S[`error.status.${status}`];
  if (PAGE_LANG === 'en' && detail) return detail;
  if (byStatus) return byStatus;
  return `${t('error.server')} (${status}).`;
}

async function readError(response) {
  let body = {};
  try {
    body = await response.json();
  } catch (e) {
    body = {};
  }
  return errorMessage(response.status, body);
}

// fetch() for the API: JSON in and out (or FormData), CSRF header on changes,
// 401 -> the sign-in page and back here afterwards.
export async function api(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, t('error.network'));
  }
  if (response.status === 401) {
    goSignIn();
    throw new ApiError(401, t('sign_in.expired'));
  }
  if (!response.ok) throw new ApiError(response.status, await readError(response));
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.blob();
}

export function showError(node, message) {
  node.textContent = message;
  node.hidden = false;
  node.focus?.();
}

export function flash(message) {
  const node = document.getElementById('flash');
  if (!node) return;
  node.textContent = message;
  node.hidden = false;
}

const pad = (n) => String(n).padStart(2, '0');

// "HH:MM:SS dd/mm/yyyy" in Vietnam time (UTC+07:00, no daylight saving).
export function vnDateTime(iso) {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 7 * 3600 * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} `
    + `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Runs `work` once at a time for a button: a double click never sends twice.
export function once(button, busyLabel, work) {
  let busy = false;
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const label = button.textContent;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (busyLabel) button.textContent = busyLabel;
    let keepDisabled = false;
    try {
      keepDisabled = await work();
    } finally {
      busy = false;
      button.removeAttribute('aria-busy');
      if (!keepDisabled) {
        button.disabled = false;
        button.textContent = label;
      }
    }
  });
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
