// The pharmacist's workbench on the pharmacy API: the verification queue
// with the resident's allergies, verify / reject / ask the prescriber;
// missing-dose requests fulfilled with a dispense; dispensing; and the
// reconciliation report with its discrepancies and a CSV export.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = emar.el;
  const fill = emar.fill;
  const t = emar.t;

  const residents = new Map(); // id → resident
  const orders = new Map();    // id → order
  const products = new Map();  // id → name, from the dispense form
  // Words shown by this script.
  const WORDS = {
    blind: t('counted blind'), // a controlled substance's balance, hidden from nurses
  };
  // The reconciliation's discrepancy kinds and the orders' statuses, in words.
  const KIND = {
    given_without_verified_order: t('given without verified order'),
    dispensed_not_accounted_for: t('dispensed not accounted for'),
    controlled_count_mismatch: t('controlled count mismatch'),
    expired_stock_on_unit: t('expired stock on unit'),
    stock_below_zero: t('stock below zero'),
  };
  const STATUS = {
    active: t('active'),
    on_hold: t('on hold'),
    pending_verification: t('pending verification'),
    discontinued: t('discontinued'),
    completed: t('completed'),
    rejected: t('rejected'),
  };
  const kindText = (k) => KIND[k] || k.replaceAll('_', ' ');
  const statusText = (s) => STATUS[s] || s;

  const doseText = (o) => [o.dose_value ? `${o.dose_value} ${o.dose_unit}` : o.dose_unit, o.route, o.frequency].filter(Boolean).join(' · ');
  const unitTZ = () => {
    const opt = $('recon-unit').selectedOptions[0];
    return opt ? opt.dataset.tz : undefined;
  };
  // tzOf is a unit's time zone: times show in the zone of the unit they
  // happen on.
  const tzOf = (unitID) => {
    const opt = [...$('recon-unit').options].find((o) => o.value === unitID);
    return opt ? opt.dataset.tz : undefined;
  };

  async function loadResidents() {
    try {
      const r = await emar.api('GET', '/api/v1/residents');
      if (r.ok) for (const x of r.data.items) residents.set(x.id, x);
    } catch (_) { /* names fall back to ids */ }
  }

  async function ordersOf(residentID) {
    if ([...orders.values()].some((o) => o.resident_id === residentID)) return;
    try {
      const r = await emar.api('GET', `/api/v1/residents/${encodeURIComponent(residentID)}/orders`);
      if (r.ok) for (const o of r.data.items) orders.set(o.id, o);
    } catch (_) { /* shown without the order's text */ }
  }

  function allergyLine(res) {
    const a = (res.allergies || []).map((x) => {
      const more = [x.reaction, x.severity].filter(Boolean).join(', ');
      return x.substance + (more ? ` (${more})` : '');
    });
    return el('p', { class: a.length ? 'allergies' : 'allergies none' }, a.length ? t('Allergies: {list}', { list: a.join('; ') }) : t('Allergies: none recorded'));
  }

  // actionForm is a small inline form: a text box and a button that posts.
  function actionForm(id, label, button, cls, post) {
    const input = el('textarea', { id, rows: '2' });
    const err = el('p', { class: 'error-text', role: 'alert' });
    const b = el('button', { type: 'submit', class: 'button small ' + cls }, button);
    const form = el('form', { novalidate: true }, el('label', { for: id }, label), input, el('div', { class: 'button-row' }, b), err);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      b.disabled = true;
      err.textContent = '';
      let r;
      try {
        r = await post(input.value.trim());
      } catch (_) {
        err.textContent = t('No connection: nothing was changed. Try again.');
        b.disabled = false;
        return;
      }
      if (!r.ok) {
        err.textContent = emar.errorText(r);
        b.disabled = false;
        return;
      }
      refreshQueue();
    });
    return form;
  }

  // ---- Verification queue ---------------------------------------------

  function queueItem(it) {
    const o = it.order;
    const res = it.resident;
    const name = it.product ? it.product.name : o.ingredient;
    const flags = [];
    if (it.stat) flags.push(el('span', { class: 'status st-overdue' }, t('STAT')));
    if (it.allergy_conflict) flags.push(el('span', { class: 'status st-fail' }, t('Allergy conflict')));
    if (it.duplicate_detected) flags.push(el('span', { class: 'status st-warn' }, t('Duplicate therapy')));
    if (it.awaiting_clarification) flags.push(el('span', { class: 'status st-held' }, t('Awaiting prescriber')));
    const lines = [
      el('div', { class: 'due-meta' }, doseText(o) + (o.prn ? ' · ' + (o.prn_reason ? t('as needed for {reason}', { reason: o.prn_reason }) : t('as needed')) : '')),
      o.instructions ? el('div', { class: 'due-meta' }, o.instructions) : null,
      el('div', { class: 'due-meta' }, t('{prescriber} · from {start} · {source}', { prescriber: o.prescriber || t('Prescriber not given'), start: emar.dayTime(o.start_at, tzOf(res.unit_id)), source: o.source })),
    ];
    for (const a of it.allergy_conflicts || []) {
      lines.push(el('p', { class: 'discrepancy' }, a.reaction
        ? t('Allergy: {resident} is allergic to {substance} ({reaction}).', { resident: res.display_name, substance: a.substance, reaction: a.reaction })
        : t('Allergy: {resident} is allergic to {substance}.', { resident: res.display_name, substance: a.substance })));
    }
    for (const d of it.duplicate_therapy || []) {
      lines.push(el('p', { class: 'notice' }, t('Also ordered: {ingredient} {dose} ({status})', { ingredient: d.ingredient, dose: doseText(d), status: statusText(d.status) })));
    }
    // A dose whose local time a clock change moved: say so before the
    // pharmacist verifies (the doses of the next two weeks).
    for (const cc of it.clock_changes || []) {
      lines.push(el('p', { class: 'notice clock-change' }, t('Clock change: {local} — {note}', { local: cc.local, note: cc.note })));
    }
    for (const c of it.clarifications || []) {
      lines.push(el('p', { class: 'hint' }, c.resolution
        ? t('Asked {time}: {question} — answer: {answer}', { time: emar.dayTime(c.asked_at, tzOf(res.unit_id)), question: c.question, answer: c.resolution })
        : t('Asked {time}: {question}', { time: emar.dayTime(c.asked_at, tzOf(res.unit_id)), question: c.question })));
    }
    const verify = el('button', { type: 'button', class: 'button small primary' }, t('Verify'));
    const err = el('p', { class: 'error-text', role: 'alert' });
    verify.addEventListener('click', async () => {
      verify.disabled = true;
      let r;
      try {
        r = await emar.api('POST', `/api/v1/orders/${encodeURIComponent(o.id)}/verify`, {});
      } catch (_) {
        err.textContent = t('No connection: not verified. Try again.');
        verify.disabled = false;
        return;
      }
      if (!r.ok) {
        err.textContent = emar.errorText(r);
        verify.disabled = false;
        return;
      }
      refreshQueue();
    });
    const more = el('details', {}, el('summary', {}, t('Reject or ask the prescriber')),
      actionForm('reject-' + o.id, t('Reason for rejecting'), t('Reject'), 'danger',
        (reason) => emar.api('POST', `/api/v1/orders/${encodeURIComponent(o.id)}/reject`, { reason })),
      actionForm('clarify-' + o.id, t('Question for the prescriber'), t('Ask'), '',
        (question) => emar.api('POST', `/api/v1/orders/${encodeURIComponent(o.id)}/clarify`, { question })));
    return el('li', { class: 'queue-item', 'data-order': o.id },
      el('div', { class: 'due-head' }, el('strong', {}, name), el('span', { class: 'button-row' }, flags)),
      el('div', {}, el('strong', {}, res.display_name), ' · ', t('born {birth} · MRN {mrn} · room {room}', { birth: res.birth_date, mrn: res.mrn, room: res.room + (res.bed || '') })),
      allergyLine(res),
      lines,
      el('div', { class: 'button-row' }, verify), err, more);
  }

  async function refreshQueue() {
    let r;
    try {
      r = await emar.api('GET', '/api/v1/pharmacy/queue');
    } catch (_) {
      $('queue-state').textContent = t('The queue could not be loaded: no connection.');
      return;
    }
    if (!r.ok) {
      $('queue-state').textContent = t('The queue could not be loaded: {message}', { message: emar.errorText(r) });
      return;
    }
    const items = r.data.items || [];
    fill($('queue'), items.map(queueItem));
    $('queue-state').textContent = items.length === 1 ? t('1 order to verify.') : items.length ? t('{count} orders to verify.', { count: items.length }) : t('No orders are waiting for verification.');
  }

  // ---- Missing-dose requests ------------------------------------------

  async function refreshMissing() {
    let r;
    try {
      r = await emar.api('GET', '/api/v1/missing-dose-requests?status=open');
    } catch (_) {
      $('missing-state').textContent = t('Requests could not be loaded: no connection.');
      return;
    }
    if (!r.ok) {
      $('missing-state').textContent = t('Requests could not be loaded: {message}', { message: emar.errorText(r) });
      return;
    }
    const items = r.data.items || [];
    await Promise.all([...new Set(items.map((x) => x.resident_id))].map(ordersOf));
    fill($('missing'), items.map(missingItem));
    $('missing-state').textContent = items.length === 1 ? t('1 open request.') : items.length ? t('{count} open requests.', { count: items.length }) : t('No open missing-dose requests.');
  }

  function missingItem(req) {
    const res = residents.get(req.resident_id);
    const o = orders.get(req.order_id);
    const id = req.id;
    const qty = el('input', { id: 'fulfil-qty-' + id, type: 'number', inputmode: 'decimal', min: '0', step: 'any', required: true });
    qty.value = '1';
    const lot = el('input', { id: 'fulfil-lot-' + id, spellcheck: 'false' });
    const exp = el('input', { id: 'fulfil-exp-' + id, type: 'date' });
    const err = el('p', { class: 'error-text', role: 'alert' });
    const form = el('form', { novalidate: true },
      el('label', { for: qty.id }, t('Quantity sent')), qty,
      el('label', { for: lot.id }, t('Lot')), lot,
      el('label', { for: exp.id }, t('Expiry')), exp,
      el('button', { type: 'submit', class: 'button small primary' }, t('Fulfil with a dispense')), err);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const dispense = { unit_id: req.unit_id, resident_id: req.resident_id, order_id: req.order_id, quantity: Number(qty.value) };
      if (o && o.product_id) dispense.product_id = o.product_id;
      if (lot.value.trim()) dispense.lot = lot.value.trim();
      if (exp.value) dispense.expiry = exp.value;
      let r;
      try {
        r = await emar.api('POST', `/api/v1/missing-dose-requests/${encodeURIComponent(id)}/fulfil`, { dispense });
      } catch (_) {
        err.textContent = t('No connection: not fulfilled. Try again.');
        return;
      }
      if (!r.ok) {
        err.textContent = emar.errorText(r);
        return;
      }
      refreshMissing();
      refreshDispenses();
    });
    return el('li', { class: 'queue-item' },
      el('strong', {}, o ? `${o.ingredient} ${doseText(o)}` : t('Order {id}', { id: req.order_id })),
      el('div', {}, res ? t('{resident} · room {room}', { resident: res.display_name, room: res.room + (res.bed || '') }) : req.resident_id),
      el('div', { class: 'due-meta' }, req.note
        ? t('Requested {time}: {note}', { time: emar.dayTime(req.requested_at, tzOf(req.unit_id)), note: req.note })
        : t('Requested {time}', { time: emar.dayTime(req.requested_at, tzOf(req.unit_id)) })),
      el('details', {}, el('summary', {}, t('Fulfil')), form));
  }

  // ---- Dispensing -----------------------------------------------------

  // Every sentence of the label preview, in one place.
  const LABEL_TEXT = {
    label: t('Label'),
    noLabel: (message) => t('The label could not be loaded: {message}', { message }),
    unitStock: t('Unit stock (no label)'),
    noOrder: t('No order'),
  };

  // The residents of the chosen unit, for a dispense with a label.
  function fillDispenseResidents() {
    const unit = $('dispense-unit').value;
    const sel = $('dispense-resident');
    sel.replaceChildren(el('option', { value: '' }, LABEL_TEXT.unitStock));
    for (const r of residents.values()) {
      if (r.unit_id === unit) sel.append(el('option', { value: r.id }, `${r.display_name} · ${r.room}${r.bed || ''}`));
    }
    fillDispenseOrders();
  }

  async function fillDispenseOrders() {
    const sel = $('dispense-order');
    sel.replaceChildren(el('option', { value: '' }, LABEL_TEXT.noOrder));
    const id = $('dispense-resident').value;
    if (!id) return;
    const r = await emar.api('GET', `/api/v1/residents/${encodeURIComponent(id)}/orders`).catch(() => null);
    if (!r || !r.ok) return;
    for (const o of r.data.items || []) {
      if (o.status !== 'active' && o.status !== 'on_hold') continue;
      sel.append(el('option', { value: o.id, 'data-product': o.product_id || '' }, `${o.product_name || o.ingredient} ${o.dose_text || ''} ${o.route} ${o.frequency}`));
    }
  }

  // showLabel previews what the label prints and links its PDF.
  async function showLabel(id) {
    const r = await emar.api('GET', `/api/v1/dispenses/${encodeURIComponent(id)}/label`).catch(() => null);
    const box = $('label-preview');
    if (!r || !r.ok) {
      $('dispense-error').textContent = LABEL_TEXT.noLabel(r ? emar.errorText(r) : '');
      return;
    }
    const l = r.data;
    const set = (k, v) => { $(k).textContent = v || '–'; };
    set('label-resident', l.resident); set('label-dob', l.birth_date); set('label-room', l.room); set('label-unit', l.unit);
    set('label-product', l.product); set('label-directions', l.directions); set('label-qty', String(l.quantity));
    set('label-order', l.order_ref); set('label-lot', l.lot); set('label-expiry', l.expiry); set('label-serial', l.serial);
    $('label-symbol').src = l.image_url;
    const stock = $('label-stock');
    stock.replaceChildren(...l.stocks.map((s) => el('option', { value: s.name }, s.description)));
    const link = () => { $('label-pdf').href = `${l.pdf_url}?stock=${encodeURIComponent(stock.value)}`; };
    stock.onchange = link;
    link();
    box.hidden = false;
  }

  async function refreshDispenses() {
    const unit = $('dispense-unit').value;
    const now = Date.parse($('pharmacy').dataset.now) || Date.now();
    const q = new URLSearchParams({ unit_id: unit, from: new Date(now - 86400000).toISOString() });
    let r;
    try {
      r = await emar.api('GET', '/api/v1/dispenses?' + q);
    } catch (_) {
      return;
    }
    if (!r.ok) {
      fill($('dispenses'), el('li', {}, t('Dispenses could not be loaded: {message}', { message: emar.errorText(r) })));
      return;
    }
    const items = r.data.items || [];
    fill($('dispenses'), items.length ? items.map((d) => {
      const res = residents.get(d.resident_id);
      const label = d.label_url ? el('button', { type: 'button', class: 'button small', 'data-label': d.id }, LABEL_TEXT.label) : '';
      if (label) label.addEventListener('click', () => showLabel(d.id));
      return el('li', { class: 'queue-item' }, label,
        el('strong', {}, `${d.quantity} × ${products.get(d.product_id) || d.product_id}`),
        el('div', { class: 'due-meta' }, [emar.dayTime(d.dispensed_at, tzOf(d.unit_id)), res ? t('for {resident}', { resident: res.display_name }) : t('unit stock'),
          d.lot ? t('lot {lot}', { lot: d.lot }) : '', d.expiry ? t('expires {date}', { date: d.expiry }) : ''].filter(Boolean).join(' · ')));
    }) : el('li', {}, t('Nothing dispensed to this unit in the last day.')));
  }

  async function submitDispense(e) {
    e.preventDefault();
    const f = e.target;
    const body = { unit_id: f.unit_id.value, product_id: f.product_id.value, quantity: Number(f.quantity.value) };
    if (!body.product_id || !(body.quantity > 0)) {
      $('dispense-error').textContent = t('Choose a product and a quantity above zero.');
      (body.product_id ? f.quantity : f.product_id).focus();
      return;
    }
    if (f.lot.value.trim()) body.lot = f.lot.value.trim();
    if (f.expiry.value) body.expiry = f.expiry.value;
    if (f.note.value.trim()) body.note = f.note.value.trim();
    if (f.resident_id.value) body.resident_id = f.resident_id.value;
    if (f.order_id.value) body.order_id = f.order_id.value;
    $('dispense-error').textContent = '';
    let r;
    try {
      r = await emar.api('POST', '/api/v1/dispenses', body);
    } catch (_) {
      $('dispense-error').textContent = t('No connection: NOT recorded. Try again.');
      return;
    }
    if (!r.ok) {
      $('dispense-error').textContent = t('NOT recorded: {message}', { message: emar.errorText(r) });
      return;
    }
    $('dispense-state').textContent = t('Recorded: {quantity} × {product} at {time}.', { quantity: body.quantity, product: products.get(body.product_id), time: emar.time(r.data.recorded_at, tzOf(body.unit_id)) });
    const unit = f.unit_id.value;
    f.reset();
    f.unit_id.value = unit;
    fillDispenseResidents();
    refreshDispenses();
    if (r.data.label_url) showLabel(r.data.id);
  }

  // ---- Reconciliation -------------------------------------------------

  // reconQuery turns the local dates of the form into the unit's instants.
  function reconQuery(format) {
    const from = $('recon-from').value;
    const to = $('recon-to').value;
    const q = new URLSearchParams({ unit_id: $('recon-unit').value, format });
    // Local midnight in the unit's zone: let the server's parser take the
    // offset from a date-time; the browser computes it from the zone.
    q.set('from', zonedMidnight(from, unitTZ()));
    q.set('to', zonedMidnight(addDay(to), unitTZ()));
    return q;
  }

  function addDay(date) {
    const d = new Date(date + 'T12:00:00Z');
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  // zonedMidnight is 00:00 of date in the zone, as an RFC 3339 instant.
  function zonedMidnight(date, tz) {
    const guess = new Date(date + 'T00:00:00Z');
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(guess).reduce((m, p) => Object.assign(m, { [p.type]: p.value }), {});
    const asLocal = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
    return new Date(guess.getTime() - (asLocal - guess.getTime())).toISOString();
  }

  function table(caption, head, rows, rowClass) {
    if (!rows.length) return el('p', {}, t('{caption}: nothing in this period.', { caption }));
    return el('div', { class: 'table-wrap' }, el('table', {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r, i) => {
        const cls = rowClass ? rowClass(i) : null;
        // A flagged row says so in words, not only in red.
        return el('tr', { class: cls }, r.map((c, j) => (j === 0
          ? el('th', { scope: 'row' }, cls ? el('strong', {}, t('⚠ Check:'), ' ') : null, c)
          : el('td', {}, c))));
      }))));
  }

  async function reconcile(e) {
    if (e) e.preventDefault();
    $('recon-csv').href = '/api/v1/reports/reconciliation?' + reconQuery('csv');
    $('recon-state').textContent = t('Reconciling…');
    let r;
    try {
      r = await emar.api('GET', '/api/v1/reports/reconciliation?' + reconQuery('json'));
    } catch (_) {
      $('recon-state').textContent = t('No connection.');
      return;
    }
    if (!r.ok) {
      $('recon-state').textContent = t('The report could not be made: {message}', { message: emar.errorText(r) });
      return;
    }
    const rep = r.data;
    const disc = rep.discrepancies || [];
    const flagged = new Set(disc.map((d) => d.order_id).concat(disc.map((d) => d.product_id)).filter(Boolean));
    $('recon-state').textContent = disc.length === 1
      ? t('1 discrepancy between {from} and {to}.', { from: emar.dayTime(rep.from, unitTZ()), to: emar.dayTime(rep.to, unitTZ()) })
      : t('{count} discrepancies between {from} and {to}.', { count: disc.length, from: emar.dayTime(rep.from, unitTZ()), to: emar.dayTime(rep.to, unitTZ()) });
    const out = [];
    if (disc.length) {
      out.push(el('h3', {}, t('Discrepancies')), el('ul', { class: 'due-list' }, disc.map((d) =>
        el('li', { class: 'queue-item discrepancy' }, el('span', { class: 'status st-fail' }, kindText(d.kind)), ' ', d.message))));
    }
    out.push(table(t('Orders: scheduled against documented'), [t('Resident · drug'), t('Status'), t('Scheduled'), t('Given'), t('Held'), t('Refused'), t('Not given'), t('Missed'), t('Open'), t('PRN given')],
      rep.orders.map((o) => [`${o.resident} · ${o.drug}`, o.verified ? statusText(o.status) : t('{status} (not verified)', { status: statusText(o.status) }), o.scheduled, o.given, o.held, o.refused, o.not_given, o.missed, o.open, o.prn_given]),
      (i) => (flagged.has(rep.orders[i].order_id) || rep.orders[i].missed > 0 ? 'discrepancy' : null)));
    out.push(table(t('Stock: dispensed against given, wasted and returned'), [t('Product'), t('Opening'), t('Dispensed'), t('Administered'), t('Reversed'), t('Wasted'), t('Returned'), t('On hand')],
      rep.products.map((p) => [p.name + (p.controlled ? ` (C${p.controlled})` : ''), ...(p.hidden ? [WORDS.blind, '', '', '', '', '', ''] : [p.opening, p.dispensed, p.administered, p.reversed, p.wasted, p.returned, p.on_hand])]),
      (i) => (flagged.has(rep.products[i].product_id) || rep.products[i].on_hand < 0 ? 'discrepancy' : null)));
    fill($('recon'), out);
  }

  document.addEventListener('DOMContentLoaded', async () => {
    for (const o of $('dispense-product').options) if (o.value) products.set(o.value, o.textContent);
    // The server's day in the unit's zone, not the browser's.
    const today = $('recon-unit').selectedOptions[0].dataset.today;
    $('recon-to').value = today;
    $('recon-from').value = addDay(new Date(Date.parse(today + 'T12:00:00Z') - 2 * 86400000).toISOString().slice(0, 10));
    $('recon-form').addEventListener('submit', reconcile);
    $('dispense-form').addEventListener('submit', submitDispense);
    $('dispense-unit').addEventListener('change', refreshDispenses);
    $('dispense-unit').addEventListener('change', fillDispenseResidents);
    $('dispense-resident').addEventListener('change', fillDispenseOrders);
    $('dispense-order').addEventListener('change', () => {
      const p = $('dispense-order').selectedOptions[0].dataset.product;
      if (p) $('dispense-product').value = p;
    });
    await loadResidents();
    fillDispenseResidents();
    refreshQueue();
    refreshMissing();
    refreshDispenses();
    reconcile();
  });
})();
