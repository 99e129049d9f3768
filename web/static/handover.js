// The handover page: printing, and the incoming nurse's acknowledgement.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const p = document.getElementById('print');
  if (p) p.addEventListener('click', () => window.print());
  const ack = document.getElementById('acknowledge');
  if (ack) {
    ack.addEventListener('click', async () => {
      const state = document.getElementById('ack-state');
      ack.disabled = true;
      const r = await emar.api('POST', '/api/v1/handover/acknowledge', { unit_id: ack.dataset.unit, shift: ack.dataset.shift, date: ack.dataset.date });
      if (r.ok) {
        location.reload();
        return;
      }
      state.textContent = emar.errorText(r);
      ack.disabled = false;
    });
  }
});
