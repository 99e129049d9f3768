// The demo barcode sheet: copy a scan's text, or send it to a bedside page
// open in another tab of this browser, which treats it as a scan.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const state = document.getElementById('send-state');
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('emar-demo-scan') : null;
  const pending = new Map();
  if (channel) {
    channel.addEventListener('message', (e) => {
      if (e.data && e.data.ack && pending.has(e.data.ack)) {
        clearTimeout(pending.get(e.data.ack));
        pending.delete(e.data.ack);
        state.textContent = emar.t('The bedside page received the scan.');
      }
    });
  }
  // {GS} on the sheet stands for the group separator a scanner sends.
  const real = (shown) => shown.replaceAll('{GS}', '\x1d');

  document.body.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-scan]');
    if (!button) return;
    const text = real(button.dataset.scan);
    if (button.dataset.action === 'copy') {
      try {
        await navigator.clipboard.writeText(text);
        state.textContent = emar.t('Copied. Paste it into the scan field of the bedside page.');
      } catch (_) {
        state.textContent = emar.t('The browser did not allow copying; select the text by hand.');
      }
      return;
    }
    if (!channel) {
      state.textContent = emar.t('This browser cannot send to another tab; use Copy instead.');
      return;
    }
    const id = emar.uuid();
    pending.set(id, setTimeout(() => {
      pending.delete(id);
      state.textContent = emar.t('No bedside page answered. Open the bedside page in another tab of this browser and sign in as a nurse.');
    }, 1500));
    state.textContent = emar.t('Sending…');
    channel.postMessage({ id, scan: text });
  });
});
