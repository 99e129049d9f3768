// The administration pages (staff, units, residents): each form sends its
// change to the JSON API and the page reloads to show the result, with a
// line saying what was done and the changed entry open again.
'use strict';

(() => {
  const { api, errorText, t } = emar;

  // Every sentence this script shows, in one place (for translation).
  const T = {
    working: t('Saving…'),
    confirmAgain: (what) => t('Press again to confirm: {action}', { action: what }),
    userCreated: (name) => t('{name} can now sign in.', { name }),
    userSaved: (name) => t('Saved the changes to {name}.', { name }),
    passwordReset: t('Password reset: every session of the account has ended.'),
    disabled: t('Account disabled: its sessions have ended.'),
    enabled: t('Account enabled.'),
    totpReset: t('Second factor removed: the account enrols again at its next sign-in.'),
    disableWhat: t('disable this account'),
    totpWhat: t('remove this account\'s second factor'),
    unitCreated: (name) => t('Unit {name} added.', { name }),
    unitSaved: (name) => t('Unit {name} saved.', { name }),
    scanSaved: t('Scanner settings saved.'),
    scanNotJSON: (message) => t('The settings are not valid JSON: {message}', { message }),
    scanLoadFailed: (message) => t('The scanner settings could not be loaded: {message}', { message }),
    admitted: (name) => t('{name} admitted. Add a photo, allergies and weight below.', { name }),
    residentSaved: (name) => t('Saved {name}\'s details.', { name }),
    photoSaved: t('Photo saved.'),
    photoTooLarge: t('The photo is larger than 2 MB: choose a smaller picture.'),
    photoMissing: t('Choose a photo first.'),
    photoType: t('Choose a JPEG or PNG picture.'),
    allergiesSaved: (n) => (n ? t('Allergies saved ({count}).', { count: n }) : t('Saved: no known allergies.')),
    weightSaved: t('Weight recorded.'),
    transferred: t('Transferred.'),
    dischargeWhat: (name) => t('discharge {name}', { name }),
    discharged: (name) => t('{name} discharged.', { name }),
    readmitted: t('Discharge undone: the resident is admitted again.'),
    minutesInvalid: t('Window minutes must be whole numbers.'),
  };

  const MAX_PHOTO = 2 * 1024 * 1024;
  const FLASH = 'emar.admin.flash';
  const OPEN = 'emar.admin.open';

  // done remembers what to say (and which entry to open) and reloads.
  function done(message, openId) {
    sessionStorage.setItem(FLASH, message);
    if (openId) sessionStorage.setItem(OPEN, openId);
    location.reload();
  }

  function showFlash() {
    const msg = sessionStorage.getItem(FLASH);
    const open = sessionStorage.getItem(OPEN);
    sessionStorage.removeItem(FLASH);
    sessionStorage.removeItem(OPEN);
    const box = document.getElementById('admin-state');
    if (msg && box) {
      box.textContent = msg;
      box.hidden = false;
    }
    if (open) {
      const item = document.querySelector(`[data-user="${CSS.escape(open)}"], [data-unit="${CSS.escape(open)}"], [data-resident="${CSS.escape(open)}"]`);
      const d = item && item.querySelector('details');
      if (d) {
        d.open = true;
        d.querySelector('summary').focus();
      }
    }
  }

  // report shows an API refusal under the form and focuses the field it names.
  function report(form, r) {
    const state = form.querySelector('.form-state');
    if (state) state.textContent = typeof r === 'string' ? r : errorText(r);
    const field = r && r.data && r.data.error && r.data.error.field;
    if (field) {
      const name = field.split(/[.[]/)[0];
      const input = form.elements[name] || form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (input && input.focus) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    }
  }

  // fullName is a resident's name as the page says it ("Hazel Birch").
  const fullName = (r) => [r.given_name, r.family_name].filter(Boolean).join(' ');

  const val = (form, name) => (form.elements[name] ? form.elements[name].value.trim() : '');
  const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

  function unitBody(form) {
    const pass = {};
    for (const i of form.querySelectorAll('input[data-pass]')) pass[i.dataset.pass] = i.value.trim();
    const minutes = (name) => {
      const v = val(form, name);
      if (v === '') return 0;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(T.minutesInvalid);
      return n;
    };
    return {
      name: val(form, 'name'),
      code: val(form, 'code'),
      time_zone: val(form, 'time_zone'),
      pass_times: pass,
      windows: {
        time_critical_minutes: minutes('time_critical_minutes'),
        frequent_minutes: minutes('frequent_minutes'),
        daily_minutes: minutes('daily_minutes'),
      },
    };
  }

  function allergies(form) {
    return [...form.querySelectorAll('.allergy-row')].map((row) => ({
      substance: row.querySelector('[name="substance"]').value.trim(),
      reaction: row.querySelector('[name="reaction"]').value.trim(),
      severity: row.querySelector('[name="severity"]').value,
    })).filter((a) => a.substance || a.reaction);
  }

  async function putPhoto(id, file) {
    const csrf = document.querySelector('meta[name="csrf-token"]');
    const res = await fetch(`/api/v1/residents/${id}/photo`, {
      method: 'PUT', body: file, credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': file.type, Accept: 'application/json', 'X-CSRF-Token': csrf ? csrf.content : '' },
    });
    let data = null;
    try { data = await res.json(); } catch (_) { /* no body */ }
    return { status: res.status, ok: res.ok, data };
  }

  // Each form's action: it returns the API answer and what to say.
  const forms = {
    'user-create': async (form) => {
      const r = await api('POST', '/api/v1/users', {
        display_name: val(form, 'display_name'), username: val(form, 'username'), role: val(form, 'role'),
        password: form.elements.password.value, badge_id: val(form, 'badge_id'), pin: form.elements.pin.value, unit_ids: checked(form, 'unit_ids'),
      });
      return [r, r.ok && T.userCreated(r.data.display_name), r.ok && r.data.id];
    },
    'user-change': async (form, id) => {
      const r = await api('PATCH', `/api/v1/users/${id}`, { display_name: val(form, 'display_name'), role: val(form, 'role'), unit_ids: checked(form, 'unit_ids') });
      return [r, r.ok && T.userSaved(r.data.display_name), id];
    },
    'user-password': async (form, id) => {
      const r = await api('POST', `/api/v1/users/${id}/password`, { new_password: form.elements.new_password.value });
      return [r, T.passwordReset, id];
    },
    'unit-create': async (form) => {
      const r = await api('POST', '/api/v1/units', unitBody(form));
      return [r, r.ok && T.unitCreated(r.data.name), r.ok && r.data.id];
    },
    'unit-change': async (form, id) => {
      const r = await api('PATCH', `/api/v1/units/${id}`, unitBody(form));
      return [r, r.ok && T.unitSaved(r.data.name), id];
    },
    'scan-settings': async (form) => {
      let body;
      try { body = JSON.parse(form.elements.settings.value || '{}'); } catch (e) { throw new Error(T.scanNotJSON(e.message)); }
      const r = await api('PUT', '/api/v1/settings/scanning', body);
      return [r, T.scanSaved];
    },
    'resident-admit': async (form) => {
      const body = {};
      for (const n of ['family_name', 'given_name', 'birth_date', 'sex', 'mrn_system', 'mrn', 'wristband_id', 'unit_id', 'room', 'bed']) body[n] = val(form, n);
      const r = await api('POST', '/api/v1/residents', body);
      return [r, r.ok && T.admitted(fullName(r.data)), r.ok && r.data.id];
    },
    'resident-edit': async (form, id) => {
      const body = { version: Number(form.dataset.version) };
      for (const n of ['family_name', 'given_name', 'birth_date', 'sex', 'mrn_system', 'mrn', 'wristband_id', 'room', 'bed']) body[n] = val(form, n);
      const r = await api('PATCH', `/api/v1/residents/${id}`, body);
      return [r, r.ok && T.residentSaved(fullName(r.data)), id];
    },
    'resident-photo': async (form, id) => {
      const file = form.elements.photo.files[0];
      if (!file) throw new Error(T.photoMissing);
      if (file.type !== 'image/jpeg' && file.type !== 'image/png') throw new Error(T.photoType);
      if (file.size > MAX_PHOTO) throw new Error(T.photoTooLarge);
      const r = await putPhoto(id, file);
      return [r, T.photoSaved, id];
    },
    'resident-allergies': async (form, id) => {
      const list = allergies(form);
      const r = await api('PUT', `/api/v1/residents/${id}/allergies`, { allergies: list });
      return [r, T.allergiesSaved(list.length), id];
    },
    'resident-weight': async (form, id) => {
      const r = await api('POST', `/api/v1/residents/${id}/vitals`, { kind: 'weight', value: Number(val(form, 'value')), unit: val(form, 'unit') });
      return [r, T.weightSaved, id];
    },
    'resident-transfer': async (form, id) => {
      const r = await api('POST', `/api/v1/residents/${id}/transfer`, { unit_id: val(form, 'unit_id'), room: val(form, 'room'), bed: val(form, 'bed') });
      return [r, T.transferred, id];
    },
  };

  // Buttons that act at once; the ones with "confirm" need a second press.
  const buttons = {
    'user-disable': { confirm: () => T.disableWhat, run: (b) => api('POST', `/api/v1/users/${b.dataset.id}/disable`, {}), say: () => T.disabled },
    'user-enable': { run: (b) => api('POST', `/api/v1/users/${b.dataset.id}/enable`, {}), say: () => T.enabled },
    'user-totp-reset': { confirm: () => T.totpWhat, run: (b) => api('POST', `/api/v1/users/${b.dataset.id}/totp/reset`, {}), say: () => T.totpReset },
    'resident-discharge': {
      confirm: (b) => T.dischargeWhat(b.dataset.name),
      run: (b) => api('POST', `/api/v1/residents/${b.dataset.id}/discharge`, {}),
      say: (b) => T.discharged(b.dataset.name),
    },
    'resident-readmit': { run: (b) => api('POST', `/api/v1/residents/${b.dataset.id}/readmit`, {}), say: () => T.readmitted },
  };

  async function onSubmit(ev) {
    const form = ev.target;
    const action = forms[form.dataset.action];
    if (!action) return;
    ev.preventDefault();
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    const state = form.querySelector('.form-state');
    if (state) state.textContent = T.working;
    const submit = form.querySelector('button[type="submit"]');
    if (submit) submit.disabled = true;
    try {
      const [r, message, openId] = await action(form, form.dataset.id);
      if (r.ok) {
        done(message, openId);
        return;
      }
      report(form, r);
    } catch (e) {
      report(form, e.message);
    } finally {
      if (submit) submit.disabled = false;
    }
  }

  async function onClick(ev) {
    const b = ev.target.closest('button[data-action]');
    if (!b) return;
    const kind = b.dataset.action;
    if (kind === 'allergy-add') {
      const rows = b.closest('form').querySelector('.allergy-rows');
      rows.append(document.getElementById('allergy-template').content.cloneNode(true));
      rows.lastElementChild.querySelector('[name="substance"]').focus();
      return;
    }
    if (kind === 'allergy-remove') {
      const form = b.closest('form');
      b.closest('.allergy-row').remove();
      form.querySelector('[data-action="allergy-add"]').focus();
      return;
    }
    const spec = buttons[kind];
    if (!spec) return;
    if (spec.confirm && !b.dataset.armed) {
      b.dataset.armed = b.textContent;
      b.textContent = T.confirmAgain(spec.confirm(b));
      setTimeout(() => {
        if (b.dataset.armed) {
          b.textContent = b.dataset.armed;
          delete b.dataset.armed;
        }
      }, 6000);
      return;
    }
    b.disabled = true;
    const r = await spec.run(b);
    b.disabled = false;
    const item = b.closest('[data-user], [data-unit], [data-resident]');
    if (r.ok) {
      done(spec.say(b), item && (item.dataset.user || item.dataset.unit || item.dataset.resident));
      return;
    }
    if (b.dataset.armed) {
      b.textContent = b.dataset.armed;
      delete b.dataset.armed;
    }
    const box = document.getElementById('admin-state');
    box.textContent = errorText(r);
    box.hidden = false;
    box.focus();
  }

  // Photos: shown once loaded; a resident without one keeps the caption.
  function loadPhotos() {
    for (const img of document.querySelectorAll('img[data-photo]')) {
      img.addEventListener('load', () => {
        img.hidden = false;
        const none = img.closest('figure') && img.closest('figure').querySelector('[data-photo-none]');
        if (none) none.hidden = true;
      });
      img.src = img.dataset.src;
    }
  }

  async function loadScanSettings() {
    const form = document.getElementById('scan-settings');
    if (!form) return;
    const r = await api('GET', '/api/v1/settings/scanning');
    if (!r.ok) {
      report(form, T.scanLoadFailed(errorText(r)));
      return;
    }
    form.elements.settings.value = JSON.stringify(r.data, null, 2);
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.addEventListener('submit', onSubmit);
    document.addEventListener('click', onClick);
    showFlash();
    loadPhotos();
    loadScanSettings();
  });
})();
