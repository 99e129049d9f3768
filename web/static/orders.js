// A resident's orders: hold, resume and discontinue with a reason. The
// words the page shows come from the page's <template id="order-words">.
'use strict';

(() => {
  const { api, errorText } = emar;
  const words = {};

  async function act(ev) {
    ev.preventDefault();
    const form = ev.target;
    const button = ev.submitter;
    if (!button || !button.dataset.action) return;
    const action = button.dataset.action;
    const state = form.querySelector('.order-state');
    const reason = form.elements.reason;
    state.className = 'order-state';
    reason.removeAttribute('aria-invalid');
    if (!reason.value.trim()) {
      state.className = 'order-state error-text';
      state.textContent = words.reasonNeeded;
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    state.textContent = words.working;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    const r = await api('POST', `/api/v1/orders/${form.dataset.order}/${action}`, { reason: reason.value.trim() });
    for (const b of form.querySelectorAll('button')) b.disabled = false;
    if (!r.ok) {
      state.className = 'order-state error-text';
      state.textContent = errorText(r);
      if (r.data && r.data.error && r.data.error.field === 'reason') {
        reason.setAttribute('aria-invalid', 'true');
        reason.focus();
      }
      return;
    }
    const st = r.data.status;
    const chip = form.closest('.order-card').querySelector('[data-status]');
    chip.dataset.status = st;
    chip.className = 'status st-' + st;
    chip.textContent = words[st] || st;
    const show = { hold: st === 'active', resume: st === 'on_hold', discontinue: st === 'active' || st === 'on_hold' || st === 'pending_verification' };
    for (const b of form.querySelectorAll('button[data-action]')) b.hidden = !show[b.dataset.action];
    reason.value = '';
    state.textContent = words[action];
    if (!form.querySelector('button[data-action]:not([hidden])')) reason.disabled = true;
  }

  document.addEventListener('DOMContentLoaded', () => {
    const t = document.getElementById('order-words');
    if (t) for (const s of t.content.querySelectorAll('[data-key]')) words[s.dataset.key] = s.textContent;
    for (const f of document.querySelectorAll('form.order-action-form')) f.addEventListener('submit', act);
  });
})();
