// The sign-in page: username and password, or a scanned badge and a PIN.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('signin');
  const errorBox = document.getElementById('signin-error');
  const next = root.dataset.next || '/home';
  const t = emar.t;

  async function signIn(path, body, form) {
    errorBox.textContent = '';
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const r = await emar.api('POST', path, Object.assign({ kind: 'web' }, body), { keepOn401: true });
      if (r.ok) {
        location.assign(r.data && r.data.second_factor_enrolment_required ? '/enrol' : next);
        return;
      }
      errorBox.textContent = emar.errorText(r);
      // An account with a second factor asks for its one-time code.
      const reason = r.data && r.data.error ? r.data.error.reason : '';
      if (reason === 'second_factor_required' || reason === 'second_factor_wrong') {
        document.getElementById('totp-block').hidden = false;
        document.getElementById('totp').focus();
      }
    } catch (_) {
      errorBox.textContent = t('The server cannot be reached. Check the connection and try again.');
    } finally {
      button.disabled = false;
    }
  }

  const pw = document.getElementById('password-form');
  pw.addEventListener('submit', (e) => {
    e.preventDefault();
    const username = pw.username.value.trim();
    if (!username || !pw.password.value) {
      errorBox.textContent = t('Type your username and password.');
      (username ? pw.password : pw.username).focus();
      return;
    }
    const body = { username, password: pw.password.value };
    if (!document.getElementById('totp-block').hidden) body.totp = pw.totp.value.trim();
    signIn('/api/v1/auth/login', body, pw);
  });

  const bf = document.getElementById('badge-form');
  const badge = document.getElementById('badge');
  const pin = document.getElementById('pin');
  emar.scanField(badge);
  bf.addEventListener('submit', (e) => {
    e.preventDefault();
    // A scanner ends the badge with Enter: go on to the PIN.
    if (document.activeElement === badge && !pin.value) {
      pin.focus();
      return;
    }
    if (!badge.value || !pin.value) {
      errorBox.textContent = t('Scan your badge and type your PIN.');
      (badge.value ? pin : badge).focus();
      return;
    }
    // The scan is sent exactly as the scanner typed it.
    signIn('/api/v1/auth/badge', { scan: badge.value, pin: pin.value }, bf);
  });
  if (!document.getElementById('username').value) document.getElementById('username').focus();
});
