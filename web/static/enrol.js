// The second-factor enrolment page: issue a key, confirm it with a code,
// show the recovery codes once.
'use strict';

document.addEventListener('DOMContentLoaded', async () => {
  const errorBox = document.getElementById('enrol-error');
  const r = await emar.api('POST', '/api/v1/auth/totp/enroll');
  if (!r.ok) {
    errorBox.textContent = emar.errorText(r);
    return;
  }
  document.getElementById('enrol-qr').src = r.data.qr_png;
  document.getElementById('enrol-secret').textContent = r.data.secret;
  const form = document.getElementById('enrol-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errorBox.textContent = '';
    const c = await emar.api('POST', '/api/v1/auth/totp/confirm', { code: form.code.value.trim() });
    if (!c.ok) {
      errorBox.textContent = emar.errorText(c);
      return;
    }
    const list = document.getElementById('enrol-codes');
    for (const code of c.data.recovery_codes) {
      const li = document.createElement('li');
      li.textContent = code;
      list.appendChild(li);
    }
    document.getElementById('enrol-start').hidden = true;
    document.getElementById('enrol-done').hidden = false;
  });
});
