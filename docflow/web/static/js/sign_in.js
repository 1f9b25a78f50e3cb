import { errorMessage, showError, t } from './api.js';

const form = document.getElementById('sign-in-form');
const error = document.getElementById('sign-in-error');
let busy = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError(error, `${t('sign_in.failed')}: ${t('username')} / ${t('password')}?`);
    return;
  }
  busy = true;
  try {
    const response = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password, session: 'cookie' }),
      credentials: 'same-origin',
    });
    if (!response.ok) {
      let body = {};
      try { body = await response.json(); } catch (e) { body = {}; }
      showError(error, `${t('sign_in.failed')}: ${errorMessage(response.status, body)}`);
      return;
    }
    location.assign(form.dataset.next || '/');
  } catch (e) {
    showError(error, t('error.network'));
  } finally {
    busy = false;
  }
});
