// The controlled-substance count page: the two nurses' count (blind: the
// records' numbers come back only after both signed) and the resolution of
// open discrepancies.
'use strict';

(() => {
  const { api, errorText, el, t } = emar;

  function fmt(n) {
    return String(Math.round(n * 1e6) / 1e6);
  }

  async function submitCount(ev) {
    ev.preventDefault();
    const form = ev.target;
    const state = document.getElementById('count-state');
    const inputs = [...form.querySelectorAll('input[data-product]')];
    const key = (product, lot) => product + '|' + (lot || '');
    const names = Object.fromEntries(inputs.map((i) => [key(i.dataset.product, i.dataset.lot), i.dataset.name]));
    const body = {
      unit_id: form.dataset.unit,
      lines: inputs.map((i) => ({ product_id: i.dataset.product, lot: i.dataset.lot, counted: i.value === '' ? null : Number(i.value) })),
      witness: byBadge(form)
        ? { badge: form.elements['witness-badge'].value, pin: form.elements['witness-pin'].value }
        : { username: form.elements['witness-username'].value, password: form.elements['witness-password'].value },
    };
    state.className = '';
    state.textContent = t('Recording…');
    const r = await api('POST', '/api/v1/controlled-counts', body);
    form.elements['witness-password'].value = '';
    form.elements['witness-pin'].value = '';
    if (!r.ok) {
      state.className = 'error-text';
      state.textContent = errorText(r);
      return;
    }
    const n = r.data.discrepancies;
    state.className = n ? 'error-text' : '';
    state.textContent = n
      ? t('Recorded with {n} discrepancy(ies): the charge nurse and pharmacy are alerted.', { n })
      : t('Recorded: every count matches the records.');
    const tbody = document.querySelector('#count-result tbody');
    tbody.replaceChildren(...r.data.lines.map((l) => el('tr', {},
      el('th', { scope: 'row', text: names[key(l.product_id, l.lot)] || l.product_id }),
      el('td', { text: fmt(l.counted) }),
      el('td', { text: fmt(l.expected) }),
      el('td', { text: (l.difference > 0 ? '+' : '') + fmt(l.difference) }),
      el('td', { class: l.status === 'matched' ? '' : 'error-text', text: l.status === 'matched' ? t('Matches') : t('Discrepancy: open') }))));
    document.getElementById('count-result').hidden = false;
    for (const b of form.querySelectorAll('button, input')) b.disabled = true;
  }

  // The incoming nurse signs with username and password, or with their
  // badge (scanned: a keyboard scanner ends with Enter) and PIN.
  const byBadge = (form) => form.elements['witness-mode'].value === 'badge';
  function witnessMode(form) {
    const badge = byBadge(form);
    document.getElementById('witness-by-password').hidden = badge;
    document.getElementById('witness-by-badge').hidden = !badge;
    for (const n of ['witness-username', 'witness-password']) form.elements[n].required = !badge;
    for (const n of ['witness-badge', 'witness-pin']) form.elements[n].required = badge;
  }

  async function resolve(ev) {
    ev.preventDefault();
    const form = ev.target;
    const state = form.querySelector('.resolve-state');
    state.className = 'resolve-state';
    const r = await api('POST', `/api/v1/count-discrepancies/${form.dataset.line}/resolve`, { reason: form.elements.reason.value });
    if (!r.ok) {
      state.className = 'resolve-state error-text';
      state.textContent = errorText(r);
      return;
    }
    state.textContent = t('Resolved: {resolution}', { resolution: r.data.resolution });
    for (const b of form.querySelectorAll('button, textarea')) b.disabled = true;
  }

  document.addEventListener('DOMContentLoaded', () => {
    const form = document.getElementById('count-form');
    if (form) {
      form.addEventListener('submit', submitCount);
      for (const r of form.querySelectorAll('input[name="witness-mode"]')) {
        r.addEventListener('change', () => {
          witnessMode(form);
          form.elements[byBadge(form) ? 'witness-badge' : 'witness-username'].focus();
        });
      }
      // The scanner's Enter moves on to the PIN instead of submitting.
      form.elements['witness-badge'].addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') {
          ev.preventDefault();
          form.elements['witness-pin'].focus();
        }
      });
      witnessMode(form);
    }
    for (const f of document.querySelectorAll('form.resolve-form')) f.addEventListener('submit', resolve);
  });
})();
