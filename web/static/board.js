// The charge nurse's board: the grid is rendered by the server; the alert
// stream (Server-Sent Events) says when something changed, and the grid
// and the alert list are fetched again, with no page reload.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = emar.el;
  const t = emar.t;
  let unit = '';
  let date = '';
  let tz;

  // refreshGrid swaps in the server's grid for the same unit and day.
  let gridTimer = null;
  function refreshGrid() {
    clearTimeout(gridTimer);
    gridTimer = setTimeout(async () => {
      const q = new URLSearchParams({ unit_id: unit, date });
      let res;
      try {
        res = await fetch('/board/grid?' + q, { credentials: 'same-origin', cache: 'no-store' });
      } catch (_) {
        return; // the next event or the minute timer tries again
      }
      if (res.status === 401) {
        emar.toSignIn('');
        return;
      }
      if (!res.ok) return;
      const html = await res.text();
      const tpl = document.createElement('template');
      tpl.innerHTML = html;
      const grid = tpl.content.getElementById('grid');
      if (grid) $('grid').replaceWith(grid);
    }, 250);
  }

  function setLive(on, text) {
    $('live').classList.toggle('on', on);
    $('live-text').textContent = text;
  }

  // ---- Alerts ---------------------------------------------------------

  const KIND = {
    missed: t('Missed dose'),
    late: t('Given late'),
    due_soon: t('Due soon'),
    verification_overdue: t('Order awaiting pharmacy'),
    prn_followup_overdue: t('PRN follow-up overdue'),
    vitals_missing: t('Vital signs missing'),
    limit_crossed: t('Back-charted dose crosses a limit'),
  };

  const notes = new Map(); // alert id → note being typed, kept across refreshes

  function alertItem(a) {
    const escalated = a.escalation_level > 0;
    const acknowledged = !!a.acknowledged_at;
    const cls = ['alert', 'a-' + a.kind];
    if (escalated && !acknowledged) cls.push('escalated');
    if (acknowledged) cls.push('acknowledged');
    const who = a.resident_id ? document.querySelector(`#grid [data-resident="${CSS.escape(a.resident_id)}"]`) : null;
    const title = (escalated && !acknowledged ? '‼ ' + t('Escalated:') + ' ' : '') + (KIND[a.kind] || a.kind) + (who ? ' — ' + who.dataset.name : '');
    const lines = [];
    if (a.message) lines.push(a.message);
    if (escalated && !acknowledged) {
      lines.push(a.escalated_at
        ? t('Escalation level {level} since {time}: acknowledge to stop it.', { level: a.escalation_level, time: emar.time(a.escalated_at, tz) })
        : t('Escalation level {level}: acknowledge to stop it.', { level: a.escalation_level }));
    }
    if (acknowledged) lines.push(t('Acknowledged at {time}', { time: emar.time(a.acknowledged_at, tz) }) + (a.ack_note ? ': ' + a.ack_note : ''));
    const li = el('li', { class: cls.join(' '), 'data-alert': a.id },
      el('strong', {}, title),
      lines.map((l) => el('div', { class: 'due-meta' }, l)));
    if (!acknowledged && a.status !== 'resolved') {
      const id = 'note-' + a.id;
      const ta = el('textarea', { id, rows: '2' });
      ta.value = notes.get(a.id) || '';
      ta.addEventListener('input', () => notes.set(a.id, ta.value));
      const err = el('p', { class: 'error-text', role: 'alert' });
      const btn = el('button', { type: 'button', class: 'button small primary' }, t('Acknowledge'));
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        let r;
        try {
          r = await emar.api('POST', `/api/v1/alerts/${encodeURIComponent(a.id)}/acknowledge`, { note: ta.value.trim() });
        } catch (_) {
          err.textContent = t('Not acknowledged: no connection. Try again.');
          btn.disabled = false;
          return;
        }
        if (!r.ok && r.status !== 409) {
          err.textContent = t('Not acknowledged: {message}', { message: emar.errorText(r) });
          btn.disabled = false;
          return;
        }
        notes.delete(a.id);
        refreshAlerts();
      });
      li.append(el('label', { for: id }, t('Note')), ta, el('div', { class: 'button-row' }, btn), err);
    }
    return li;
  }

  let alertsTimer = null;
  function refreshAlerts() {
    clearTimeout(alertsTimer);
    alertsTimer = setTimeout(async () => {
      let r;
      try {
        r = await emar.api('GET', '/api/v1/alerts?' + new URLSearchParams({ unit_id: unit, status: 'active' }));
      } catch (_) {
        return;
      }
      const list = $('alerts');
      if (r.status === 404) {
        $('alerts-state').textContent = t('This server does not offer alerts yet.');
        return;
      }
      if (!r.ok) {
        $('alerts-state').textContent = t('Alerts could not be loaded: {message}', { message: emar.errorText(r) });
        return;
      }
      const items = (r.data && r.data.items) || [];
      // Keep the box being typed in: rebuild only the others.
      const active = document.activeElement && document.activeElement.closest('[data-alert]');
      const keep = active ? active.dataset.alert : '';
      const fresh = items.map((a) => (a.id === keep ? active : alertItem(a)));
      list.replaceChildren(...fresh);
      if (active && keep) active.querySelector('textarea')?.focus();
      const open = items.filter((a) => !a.acknowledged_at).length;
      $('alerts-state').textContent = items.length
        ? t('{open} to acknowledge, {done} acknowledged.', { open, done: items.length - open })
        : t('No missed or late doses need attention.');
    }, 250);
  }

  // ---- Live stream ----------------------------------------------------

  function connect() {
    if (!('EventSource' in window)) {
      setLive(false, t('This browser cannot receive live updates; the board refreshes every minute.'));
      return;
    }
    const es = new EventSource('/api/v1/alerts/stream?' + new URLSearchParams({ unit_id: unit }));
    const changed = () => {
      refreshGrid();
      refreshAlerts();
    };
    es.addEventListener('open', () => setLive(true, t('Live: updates appear as they happen.')));
    for (const type of ['raised', 'acknowledged', 'resolved', 'escalated', 'message']) {
      es.addEventListener(type, changed);
    }
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        setLive(false, t('Live updates are not available; the board refreshes every minute.'));
        // The stream ends after a while by design; come back after a pause
        // (authenticating again, which also notices a sign-out).
        setTimeout(connect, 15000);
      } else {
        setLive(false, t('Live updates interrupted: reconnecting…'));
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    const grid = $('grid');
    unit = grid.dataset.unit;
    date = grid.dataset.date;
    tz = grid.dataset.tz || undefined;
    const sel = $('unit');
    sel.addEventListener('change', () => sel.form.requestSubmit());
    connect();
    refreshAlerts();
    // Time passes without events too: "due now" becomes "missed".
    setInterval(() => {
      refreshGrid();
      refreshAlerts();
    }, 60000);
  });
})();
