// The bedside page: scan a wristband, scan a pack, read the verdict,
// document. It is always ready for a scan: a keyboard-wedge scanner types
// into the scan field and ends with Enter; the text is sent exactly as
// typed (AIM prefix, group separators and all) and the server parses it.
// Documentation survives a flaky connection: each attempt has its own
// Idempotency-Key, and a failed send is retried with the same key until
// the server answers, so a dose is never charted twice.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = emar.el;
  const fill = emar.fill;
  const t = emar.t;

  const state = {
    context: null,   // {id, expiresAt}
    resident: null,
    due: null,
    tz: undefined,   // the unit's time zone
    verdict: null,   // the verdict the documentation form is for
    scan: null,      // the medication scan behind it
    reasons: null,   // GET /api/v1/bedside/reasons
    busy: false,
    queued: null,
    records: [],     // documentation attempts on this device
    notGiven: null,  // the due item documented without a scan
    offlineBand: null, // the wristband scanned while offline (offline.js)
    band: null,        // the wristband scan of the open resident
  };

  // Every sentence of the selection without a wristband, in one place.
  const SELECT_TEXT = {
    chooseResident: t('Choose a resident.'),
    twoIdentifiers: t('Tick two identifiers you checked with the resident or the chart.'),
    chooseReason: t('Choose why there is no wristband scan.'),
    explainOther: t('Say why the wristband could not be scanned.'),
    cannotReach: t('The server cannot be reached. Try again.'),
    opened: (name) => t('Selected by hand: {name}. Scan a medication.', { name }),
    notAccepted: t('Selection not accepted'),
    option: (name, room) => t('{name} · Room {room}', { name, room }),
  };

  // The five rights and the safety checks, in the nurse's words.
  const RIGHTS = {
    patient: t('Right patient'),
    drug: t('Right drug'),
    dose: t('Right dose'),
    route: t('Right route'),
    time: t('Right time'),
    allergy: t('Allergy'),
    expiry: t('Expiry date'),
    order_status: t('Order status'),
    duplicate: t('Already documented'),
    prn: t('As-needed limits'),
    high_alert: t('High-alert double check'),
    hold_parameters: t('Hold parameters (vital signs)'),
    patch: t('Patch'),
    sliding_scale: t('Sliding scale'),
  };
  const rightName = (r) => RIGHTS[r] || (r ? r.replaceAll('_', ' ') : t('Check'));

  // checkText is a check's words in the page's language: the reason
  // code's description when the page is not in English, followed by the
  // server's English detail (names, amounts, times), marked as English.
  const checkText = (c) => {
    const r = emar.lang !== 'en' ? emar.reason(c.reason) : '';
    if (!r) return [c.message];
    return [r.charAt(0).toUpperCase() + r.slice(1), ' ', el('span', { class: 'check-detail', lang: 'en' }, `(${c.message})`)];
  };
  const errMessage = (err) => err.localized_message || err.message;

  const VITALS = {
    heart_rate: [t('Heart rate'), t('beats per minute')],
    systolic_bp: [t('Systolic blood pressure'), 'mmHg'],
    diastolic_bp: [t('Diastolic blood pressure'), 'mmHg'],
    resp_rate: [t('Respiratory rate'), t('breaths per minute')],
    temperature: [t('Temperature'), '°C'],
    spo2: [t('Oxygen saturation'), '%'],
    glucose: [t('Capillary glucose'), 'mg/dL'],
  };

  // A documented outcome is named with the state it leaves the dose in.
  const outcomeLabel = (o) => emar.stateLabel(o);

  // The links to the resident's record beside a refusal that refers to it.
  const RECORD = {
    lead: t('See what is ordered and what was given:'),
    week: (name) => t("{name}'s MAR this week", { name }),
    month: t('this month'),
  };

  // recordLinks are one tap to the resident's MAR (and the month of what
  // was given) when a check refers to the record: a duplicate, a limit, an
  // order that does not match. Opened in a new tab, so the bedside check
  // stays where it was.
  function recordLinks(checks) {
    const r = state.resident;
    const codes = new Set(state.reasons && state.reasons.record_reasons ? state.reasons.record_reasons : []);
    if (!r || !checks.some((c) => c.status !== 'pass' && codes.has(c.reason))) return null;
    const base = `/residents/${encodeURIComponent(r.id)}/mar`;
    return el('p', { class: 'record-links' }, RECORD.lead, ' ',
      el('a', { href: base, target: '_blank', rel: 'noopener', class: 'record-mar' }, RECORD.week(r.display_name)), ' · ',
      el('a', { href: base + '?period=month', target: '_blank', rel: 'noopener', class: 'record-month' }, RECORD.month));
  }

  const say = (text) => { $('scan-state').textContent = text; };
  const focusScan = () => {
    const s = $('scan');
    if (document.activeElement !== s) s.focus({ preventScroll: true });
  };
  const fmtTime = (iso) => emar.time(iso, state.tz);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ---- Scanning -------------------------------------------------------

  async function handleScan(text) {
    emar.active();
    if (state.busy) {
      state.queued = text; // the newest scan wins
      return;
    }
    state.busy = true;
    try {
      if (!state.context || Date.now() >= state.context.expiresAt) {
        await scanWristband(text, false);
      } else {
        await scanMedication(text);
      }
    } finally {
      state.busy = false;
      focusScan();
      if (state.queued !== null) {
        const next = state.queued;
        state.queued = null;
        handleScan(next);
      }
    }
  }

  // scanWristband opens a resident. asSwitch is set when the scan came in
  // place of a medication: failing then is not news.
  async function scanWristband(text, asSwitch) {
    say(t('Looking up the wristband…'));
    let r;
    if (window.emarOffline && emarOffline.isOffline()) return offlineWristband(text, asSwitch);
    try {
      r = await emar.api('POST', '/api/v1/bedside/wristband', { scan: text });
    } catch (_) {
      if (window.emarOffline) {
        emarOffline.goOffline();
        return offlineWristband(text, asSwitch);
      }
      say(t('The server cannot be reached. Scan the wristband again.'));
      return false;
    }
    if (!r.ok) {
      if (asSwitch) return false;
      const reason = r.data && r.data.error ? r.data.error.reason : '';
      if (reason === 'not_a_wristband') {
        say(t('That was not a wristband. Scan the resident’s wristband first.'));
      } else {
        say(emar.errorText(r));
      }
      showStop(t('Wristband not accepted'), [{ right: 'patient', status: 'fail', message: emar.errorText(r) }], '', t('Identify the resident before giving anything: scan their own wristband, or select them with two identifiers.'));
      return false;
    }
    openResident(r.data);
    state.band = text;
    return true;
  }

  async function scanMedication(text, extra) {
    say(t('Checking the medication…'));
    const body = Object.assign({ context_id: state.context.id, scan: text }, extra || {});
    let r;
    if (state.offlineBand) return offlineMedication(text, extra);
    try {
      r = await emar.api('POST', '/api/v1/bedside/verify', body);
    } catch (_) {
      if (window.emarOffline && state.band) {
        // Go on offline with the wristband scanned online.
        emarOffline.goOffline();
        state.offlineBand = state.band;
        return offlineMedication(text, extra);
      }
      say(t('The server cannot be reached. Scan the medication again.'));
      return;
    }
    const err = r.data && r.data.error ? r.data.error : null;
    if (r.status === 422 && err && err.reason === 'not_a_medication' && !extra) {
      // Perhaps another resident's wristband: switch to that resident.
      if (await scanWristband(text, true)) return;
    }
    if (r.status === 422 && err && err.reason === 'context_expired') {
      state.context = null;
      setScanLabel();
      say(t('The bedside check timed out. Scan the wristband again.'));
      hideVerdict();
      return;
    }
    if (r.status === 422 && err) {
      const details = err.details || {};
      showStop(t('STOP — do not give'), details.checks || [], errMessage(err));
      hideDocument();
      say(t('Stop: {message}', { message: errMessage(err) }));
      return;
    }
    if (!r.ok) {
      say(emar.errorText(r));
      return;
    }
    state.verdict = r.data;
    state.scan = text;
    showVerdict(r.data);
    openDocument(r.data, !!extra);
  }

  // ---- Offline (offline.js runs the server's rules on this device) -----

  async function offlineWristband(text, asSwitch) {
    const res = await emarOffline.check({ wristband: text });
    if (!res.resident) {
      if (asSwitch) return false;
      say(res.message);
      showStop(t('Wristband not accepted'), [{ right: 'patient', status: 'fail', message: res.message }], '', t('Identify the resident before giving anything: scan their own wristband, or select them with two identifiers.'));
      return false;
    }
    state.offlineBand = text;
    state.band = text;
    const r = res.resident;
    openResident({
      context_id: 'offline', context_expires_in: 0,
      resident: { id: r.id, display_name: r.display_name, mrn: r.mrn, room: r.room || '', bed: '', birth_date: r.birth_date, allergies: (r.allergies || []).map((a) => ({ substance: a })) },
      due: null, server_time: new Date().toISOString(),
    });
    return true;
  }

  async function offlineMedication(text, extra) {
    const req = Object.assign({ wristband: state.offlineBand, scan: text }, extra || {});
    const res = await emarOffline.check(req);
    if (res.reason === 'not_a_medication' && !extra) {
      if (await offlineWristband(text, true)) return;
    }
    if (!res.allowed) {
      showStop(t('STOP — do not give'), res.checks || [], res.message);
      hideDocument();
      say(t('Stop: {message}', { message: res.message }));
      return;
    }
    state.verdict = res;
    state.scan = text;
    showVerdict(res);
    openDocument(res, !!extra);
  }

  // offlineDocument checks the document as the server will and queues it.
  async function offlineDocument(body, what) {
    const req = {
      wristband: state.offlineBand, document: true, scan: body.scan, dose_id: body.dose_id, order_id: body.order_id,
      quantity: body.quantity, quantity_unit: body.quantity_unit, site: body.site, vitals: body.vitals, glucose: body.glucose,
      overrides: body.overrides, outcome: body.outcome, reason_code: body.reason_code, reason_text: body.reason_text,
      prn_indication: body.prn_indication, pain_score: body.pain_score, witness_username: body.witness ? body.witness.username : '',
    };
    const res = await emarOffline.check(req);
    if (!res.allowed) {
      $('document-error').textContent = res.message;
      showStop(t('STOP — not recorded'), res.checks || [], res.message);
      say(t('Not recorded: {message}', { message: res.message }));
      return;
    }
    const doc = Object.assign({}, body);
    delete doc.context_id;
    delete doc.device_time;
    const rec = await emarOffline.enqueue({ wristband: state.offlineBand, body: doc, what, resident: state.resident.display_name });
    hideDocument();
    hideVerdict();
    say(`${what}: ${rec.message}`);
    focusScan();
  }

  // renderOffline shows the banner and the documents charted offline.
  async function renderOffline(note) {
    const T = emarOffline.TEXT;
    if (note) say(note);
    const s = await emarOffline.status();
    const banner = $('offline-banner');
    banner.hidden = !s.offline;
    if (s.offline) {
      const lines = [el('strong', {}, T.offlineSince(s.fmt(s.since)))];
      if (!s.available) lines.push(' ', T.wasmMissing);
      else if (!s.expiresAt) lines.push(' ', T.noData);
      else if (s.now.getTime() >= Date.parse(s.expiresAt)) lines.push(' ', T.expired(s.fmt(s.expiresAt)));
      else lines.push(' ', T.checkedHere(s.fmt(s.issuedAt)));
      const waiting = s.queue.filter((q) => q.state === 'queued').length;
      if (waiting) lines.push(' ', T.queued(waiting));
      fill(banner, lines);
    }
    const items = s.queue.concat(s.sent).sort((a, b) => b.seq - a.seq);
    const list = $('offline-list');
    fill(list, items.map((q) => el('li', { class: 'due-item k-' + (q.state === 'sent' ? 'given' : q.state === 'refused' ? 'overdue' : 'due'), 'data-state': q.state, 'data-key': q.key },
      el('div', { class: 'due-name' }, `${q.what} — ${outcomeLabel((q.body || {}).outcome || 'given')}`),
      el('div', { class: 'due-meta' }, q.resident),
      el('p', { class: 'record-state' }, q.message))));
    $('offline-records').hidden = items.length === 0;
  }

  // ---- Resident -------------------------------------------------------

  function setScanLabel() {
    $('scan-label').textContent = state.context ? t('Scan a medication (or another wristband)') : t('Scan a wristband');
  }

  // ageOf counts whole years to the server's date: the device's own clock
  // may be wrong.
  function ageOf(birth, serverTime) {
    const b = new Date(birth + 'T00:00:00Z');
    const now = new Date(Date.parse(serverTime) || Date.now());
    let age = now.getUTCFullYear() - b.getUTCFullYear();
    const m = now.getUTCMonth() - b.getUTCMonth();
    if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) age--;
    return age;
  }

  function openResident(data) {
    const r = data.resident;
    if (data.context_id !== 'offline') {
      state.offlineBand = null;
      if (window.emarOffline) emarOffline.setUnit(r.unit_id);
    }
    // The context's lifetime is timed on this device's clock from now: the
    // server's absolute expiry means nothing to a device whose clock is off.
    const life = data.context_expires_in > 0 ? data.context_expires_in * 1000 : 30 * 60000;
    state.context = { id: data.context_id, expiresAt: Date.now() + life };
    state.resident = r;
    state.due = data.due;
    state.tz = (data.due && data.due.time_zone) || undefined;
    hideVerdict();
    hideDocument();
    $('resident-name').textContent = r.display_name;
    const facts = $('resident-facts');
    facts.replaceChildren();
    const unit = data.due && data.due.unit ? data.due.unit.name : '';
    const rows = [
      [t('Born'), t('{date} (age {age})', { date: emar.date(r.birth_date), age: ageOf(r.birth_date, data.server_time) })],
      [t('MRN'), r.mrn],
      [t('Room'), [r.room + (r.bed || ''), unit].filter(Boolean).join(' · ')],
    ];
    for (const [k, v] of rows) facts.append(el('dt', {}, k), el('dd', {}, v));
    const allergies = (r.allergies || []).map((a) => a.substance + (a.reaction ? ` (${a.reaction}${a.severity ? ', ' + a.severity : ''})` : ''));
    const box = $('resident-allergies');
    box.classList.toggle('none', allergies.length === 0);
    box.textContent = allergies.length ? t('Allergies: {list}', { list: allergies.join('; ') }) : t('Allergies: none recorded');
    showPhoto($('resident-photo'), r);
    const manual = data.manual || null;
    $('resident-manual').hidden = !manual;
    if (manual) $('resident-manual-why').textContent = reasonLabel(manual.reason);
    $('select').hidden = true;
    $('resident').hidden = false;
    if (data.due) renderDue();
    else $('due').hidden = true;
    setScanLabel();
    say(manual ? SELECT_TEXT.opened(r.display_name) : t('Wristband: {name}. Scan a medication.', { name: r.display_name }));
  }

  // showPhoto shows the resident's photo from the moment the resident is
  // known, or "No photo on file" when the record has none. The photo is
  // read from the resident's photo route; a resident without a photo (or a
  // service without photo storage) answers 404 and the placeholder stays.
  function showPhoto(fig, r) {
    const img = fig.querySelector('img');
    const none = fig.querySelector('.no-photo');
    img.hidden = true;
    none.hidden = false;
    img.onload = () => { img.hidden = false; none.hidden = true; };
    img.onerror = () => {
      img.hidden = true;
      none.hidden = false;
      // Offline (or the server is unreachable): the copy kept with the
      // snapshot, if there is one.
      if (!r || !r.id || !window.emarOffline || img.dataset.kept === r.id) return;
      img.dataset.kept = r.id;
      emarOffline.photo(r.id).then((blob) => { if (blob) img.src = URL.createObjectURL(blob); });
    };
    delete img.dataset.kept;
    img.src = r && r.id ? `/api/v1/residents/${encodeURIComponent(r.id)}/photo` : '';
  }

  function reasonLabel(code) {
    const opts = (state.reasons && state.reasons.manual) || [];
    const o = opts.find((x) => x.code === code);
    return o ? o.label : code;
  }

  // Identification without a wristband: pick the resident, see the photo,
  // tick two identifiers, give a reason.
  const picked = { list: [] };

  async function openSelect() {
    hideVerdict();
    $('select').hidden = false;
    $('select-error').textContent = '';
    const reason = $('select-reason');
    if (reason.options.length <= 1) {
      for (const o of (state.reasons && state.reasons.manual) || []) reason.append(el('option', { value: o.code }, o.label));
    }
    const sel = $('select-resident');
    delete sel.dataset.loaded;
    const r = await emar.api('GET', '/api/v1/residents?status=admitted').catch(() => null);
    if (r && r.ok) {
      picked.list = (r.data.items || []).filter((x) => x.status !== 'discharged');
      const keep = sel.value;
      sel.replaceChildren(sel.options[0]);
      for (const x of picked.list) {
        sel.append(el('option', { value: x.id }, SELECT_TEXT.option(x.display_name, `${x.room}${x.bed || ''}`)));
      }
      sel.value = keep;
    }
    sel.dataset.loaded = '1';
    $('select-resident').focus();
  }

  function pickResident() {
    const r = picked.list.find((x) => x.id === $('select-resident').value);
    $('select-who').hidden = !r;
    for (const cb of document.querySelectorAll('#select-identifiers input')) cb.checked = false;
    if (!r) return;
    const values = { name: r.display_name, birth_date: r.birth_date, mrn: r.mrn };
    for (const s of document.querySelectorAll('#select-identifiers [data-identifier]')) s.textContent = values[s.dataset.identifier] || '';
    showPhoto($('select-photo'), r);
  }

  async function submitSelect(e) {
    e.preventDefault();
    const err = $('select-error');
    const r = picked.list.find((x) => x.id === $('select-resident').value);
    if (!r) { err.textContent = SELECT_TEXT.chooseResident; return; }
    const identifiers = {};
    for (const cb of document.querySelectorAll('#select-identifiers input:checked')) {
      identifiers[cb.value] = document.querySelector(`#select-identifiers [data-identifier="${cb.value}"]`).textContent;
    }
    if (Object.keys(identifiers).length < 2) { err.textContent = SELECT_TEXT.twoIdentifiers; return; }
    const reason = $('select-reason').value;
    if (!reason) { err.textContent = SELECT_TEXT.chooseReason; return; }
    const text = $('select-text').value.trim();
    if (reason === 'other' && !text) { err.textContent = SELECT_TEXT.explainOther; return; }
    let resp;
    try {
      resp = await emar.api('POST', '/api/v1/bedside/select', { resident_id: r.id, identifiers, reason, text },
        { headers: { 'Idempotency-Key': emar.uuid() } });
    } catch (_) {
      err.textContent = SELECT_TEXT.cannotReach;
      return;
    }
    if (!resp.ok) {
      err.textContent = emar.errorText(resp);
      showStop(SELECT_TEXT.notAccepted, [{ right: 'patient', status: 'fail', message: emar.errorText(resp) }], '', t('Identify the resident before giving anything: scan their own wristband, or select them with two identifiers.'));
      return;
    }
    err.textContent = '';
    openResident(resp.data);
    focusScan();
  }

  function closeResident() {
    state.context = null;
    state.offlineBand = null;
    state.band = null;
    state.resident = null;
    state.due = null;
    $('resident').hidden = true;
    $('due').hidden = true;
    hideVerdict();
    hideDocument();
    setScanLabel();
    say(t('Ready: scan the resident’s wristband.'));
    focusScan();
  }

  async function refreshDue() {
    if (!state.resident) return;
    const id = state.resident.id;
    try {
      const r = await emar.api('GET', `/api/v1/residents/${encodeURIComponent(id)}/due`);
      if (r.ok && state.resident && state.resident.id === id) {
        state.due = r.data;
        renderDue();
      }
    } catch (_) { /* the list stays as it was; the next scan refreshes it */ }
  }

  function orderText(o) {
    let dose = o.dose_text || (o.dose_value ? `${emar.num(o.dose_value)} ${o.dose_unit}` : o.dose_unit);
    if (!o.dose_value && o.sliding_scale && o.sliding_scale.length) dose = t('{unit} by sliding scale', { unit: o.dose_unit });
    return [dose, o.route, o.frequency].filter(Boolean).join(' · ');
  }

  function dueItem(kind, label, o, lines, actions) {
    return el('li', { class: `due-item k-${kind}` },
      el('div', { class: 'due-head' },
        el('span', { class: 'due-name' }, o.product_name || o.ingredient),
        el('span', { class: `status st-${kind}` }, label)),
      el('div', { class: 'due-meta' }, orderText(o)),
      lines.map((l) => el('div', { class: 'due-meta' }, l)),
      o.instructions ? el('div', { class: 'due-meta' }, o.instructions) : null,
      o.high_alert ? el('div', { class: 'due-meta' }, o.high_alert === 'witness_required' ? t('High-alert medication: a witness must co-sign') : t('High-alert medication')) : null,
      actions && actions.length ? el('div', { class: 'button-row' }, actions) : null);
  }

  function renderDue() {
    const d = state.due;
    const list = $('due-list');
    list.replaceChildren();
    if (!d) {
      $('due').hidden = true;
      return;
    }
    $('due-zone').textContent = d.unit ? t('Times are {unit} time ({zone}).', { unit: d.unit.name, zone: d.time_zone }) : t('Times are local time ({zone}).', { zone: d.time_zone });
    const notGiven = (item) => el('button', {
      type: 'button', class: 'button small', onclick: () => openNotGiven(item),
    }, t('Not given…'));
    // The pack is not on the unit: ask pharmacy for it.
    const askPharmacy = (item) => {
      const b = el('button', { type: 'button', class: 'button small' }, t('Ask pharmacy'));
      b.addEventListener('click', async () => {
        b.disabled = true;
        let r;
        try {
          r = await emar.api('POST', '/api/v1/missing-dose-requests', { order_id: item.order.id, note: 'not on the unit at the bedside' });
        } catch (_) {
          b.disabled = false;
          say(t('No connection: pharmacy was NOT asked. Try again.'));
          return;
        }
        if (!r.ok) {
          b.disabled = false;
          say(t('Pharmacy was NOT asked: {message}', { message: emar.errorText(r) }));
          return;
        }
        b.replaceWith(el('span', { class: 'due-meta' }, t('Asked pharmacy at {time}', { time: fmtTime(r.data.requested_at) })));
        say(t('Pharmacy asked for {medication}.', { medication: item.order.product_name || item.order.ingredient }));
      });
      return b;
    };
    const doseLines = (dose) => [t('Due {time} (window {from}–{to})', { time: fmtTime(dose.due_at), from: fmtTime(dose.window_start), to: fmtTime(dose.window_end) })]
      .concat(dose.step_dose ? [t('This step: {dose}', { dose: dose.step_dose })] : []);
    for (const it of d.overdue || []) list.append(dueItem('missed', emar.stateLabel('missed'), it.order, doseLines(it.dose), [notGiven(it), askPharmacy(it)]));
    for (const it of d.due_now || []) list.append(dueItem('due', emar.stateLabel('due'), it.order, doseLines(it.dose), [notGiven(it), askPharmacy(it)]));
    for (const p of d.prn || []) {
      const lines = [];
      if (p.last_given_at) lines.push(t('Last given {when}', { when: emar.dayTime(p.last_given_at, state.tz) }));
      if (!p.available && p.next_allowed_at) lines.push(t('Next allowed at {time}', { time: fmtTime(p.next_allowed_at) }));
      if (p.message) lines.push(checkText({ reason: p.reason, message: p.message }));
      const label = p.available ? t('PRN available') : (p.next_allowed_at ? t('PRN from {time}', { time: fmtTime(p.next_allowed_at) }) : t('PRN not available'));
      list.append(dueItem('prn', label, p.order, lines));
    }
    for (const it of d.upcoming || []) list.append(dueItem('upcoming', emar.stateLabel('upcoming'), it.order, doseLines(it.dose)));
    for (const it of d.held || []) {
      const onHold = it.order.status === 'on_hold';
      list.append(dueItem(onHold ? 'suspended' : 'held', emar.stateLabel(onHold ? 'suspended' : 'held'), it.order, it.dose ? doseLines(it.dose) : []));
    }
    for (const it of d.pending_verification || []) {
      list.append(dueItem('awaiting_pharmacy', emar.stateLabel('awaiting_pharmacy'), it.order, [t('Not yet verified by pharmacy: cannot be given.')]));
    }
    for (const a of d.recent || []) {
      if (a.entered_in_error) continue;
      const lines = [t('{outcome} {when} by {name}', { outcome: outcomeLabel(a.outcome), when: emar.dayTime(a.performed_at, state.tz), name: a.performed_by_name })];
      const actions = [];
      if (a.prn && a.outcome === 'given' && a.followup && a.followup.status === 'due') {
        lines.push(t('Effectiveness follow-up due {time}', { time: fmtTime(a.followup.due_at) }));
        actions.push(el('button', { type: 'button', class: 'button small', onclick: () => openEffectiveness(a.id, a.product_name || a.order_text) }, t('Record effectiveness')));
      }
      list.append(dueItem(a.outcome, outcomeLabel(a.outcome),
        { product_name: a.product_name || a.order_text, dose_value: a.amount, dose_unit: a.unit, route: a.route }, lines, actions));
    }
    if (!list.children.length) list.append(el('li', { class: 'due-item' }, t('No medications due, as-needed or upcoming.')));
    $('due').hidden = false;
  }

  // ---- Verdict --------------------------------------------------------

  function hideVerdict() {
    const v = $('verdict');
    v.hidden = true;
    v.replaceChildren();
  }

  function checkList(checks) {
    const bad = checks.filter((c) => c.status !== 'pass');
    const good = checks.filter((c) => c.status === 'pass');
    const words = { pass: t('Passed'), warn: t('Check'), fail: t('Failed') };
    const ul = el('ul', { class: 'checks' });
    for (const c of bad) {
      ul.append(el('li', {}, el('span', { class: `status st-${c.status}` }, words[c.status] || c.status), ' ', el('strong', {}, rightName(c.right) + ': '), checkText(c)));
    }
    const out = [ul];
    if (good.length) {
      const d = el('details', {}, el('summary', {}, good.length === 1 ? t('1 check passed') : t('{count} checks passed', { count: good.length })));
      d.append(el('ul', {}, good.map((c) => el('li', {}, rightName(c.right) + ': ', checkText(c)))));
      out.push(d);
    }
    return out;
  }

  // showStop shows a refusal. advice is what to do next; by default that
  // of a refused medication.
  function showStop(title, checks, message, advice) {
    const failed = checks.filter((c) => c.status === 'fail');
    const first = failed[0];
    const v = $('verdict');
    v.className = 'verdict v-stop';
    fill(v,
      el('h2', {}, '✗ ' + title),
      first ? el('p', {}, el('strong', {}, t('{check} failed.', { check: rightName(first.right) }) + ' '), checkText(first)) : (message ? el('p', {}, message) : null),
      checkList(checks.filter((c) => c !== first)),
      recordLinks(checks),
      el('p', {}, advice || t('Do not give this medication. Scan the right pack, or scan another wristband.')));
    v.hidden = false;
  }

  function needsReason(v) {
    return !!(v.requires && (v.requires.override_reason || (v.requires.overrides || []).length));
  }

  function showVerdict(v) {
    const caution = needsReason(v);
    const name = v.product ? v.product.name : (v.order ? v.order.product_name || v.order.ingredient : t('this medication'));
    const box = $('verdict');
    box.className = 'verdict ' + (caution ? 'v-caution' : 'v-go');
    const lines = [];
    if (v.order) lines.push(t('Ordered: {order}', { order: orderText(v.order) }));
    if (v.scale_dose !== undefined && v.scale_dose !== null) lines.push(t('Sliding scale: give {dose} {unit}', { dose: emar.num(v.scale_dose), unit: v.order ? v.order.dose_unit : '' }));
    if (v.dose_text) lines.push(t('Give {dose}', { dose: v.dose_text }));
    if (v.dose) lines.push(t('Due {time}', { time: fmtTime(v.dose.due_at) }) + (v.late ? ' — ' + t('late') : '') + (v.early ? ' — ' + t('early') : ''));
    if (v.lot || v.expiry) {
      lines.push(t('Lot {lot}, expires {expiry}', { lot: v.lot || '—', expiry: v.expiry ? emar.date(v.expiry) : '—' }) +
        (v.lot_uncertain ? ' ' + t('(UNCERTAIN: check the lot on the pack)') : ''));
    }
    fill(box,
      el('h2', {}, caution ? '! ' + t('Check before giving: a reason is needed') : '✓ ' + t('Right medication: give {medication}', { medication: name })),
      caution ? el('p', {}, el('strong', {}, name)) : null,
      lines.map((l) => el('p', {}, l)),
      checkList(v.checks || []),
      recordLinks(v.checks || []));
    box.hidden = false;
    say(caution ? t('Check before giving {medication}: a reason is needed.', { medication: name }) : t('Right medication: {medication}. Document below.', { medication: name }));
  }

  // ---- Documentation --------------------------------------------------

  function hideDocument() {
    $('document').hidden = true;
    $('document-error').textContent = '';
    state.verdict = null;
    state.scan = null;
    state.notGiven = null;
  }

  function outcome() {
    const c = document.querySelector('input[name="outcome"]:checked');
    return c ? c.value : 'given';
  }

  function fillReasons() {
    const o = outcome();
    const block = $('reason-block');
    block.hidden = o === 'given';
    const sel = $('reason-code');
    const opts = state.reasons && state.reasons.outcomes ? state.reasons.outcomes[o] || [] : [];
    fill(sel, el('option', { value: '' }, t('Choose a reason')), opts.map((x) => el('option', { value: x.code }, x.label)));
    $('record').textContent = t('Record: {outcome}', { outcome: outcomeLabel(o).toLowerCase() });
  }

  // openDocument shows the form for a verdict. keep leaves typed readings
  // in place when the verdict was only re-checked with them.
  function openDocument(v, keep) {
    const form = $('document-form');
    if (!keep) {
      form.reset();
      $('document-error').textContent = '';
    }
    state.notGiven = null;
    $('outcome-set').hidden = false;
    const req = v.requires || {};
    const name = v.product ? v.product.name : (v.order ? v.order.product_name || v.order.ingredient : '');
    $('document-title').textContent = t('Document: {medication}', { medication: name });

    const ob = $('override-block');
    const old = {};
    for (const i of ob.querySelectorAll('textarea')) old[i.dataset.reason] = i.value;
    ob.replaceChildren();
    for (const code of req.overrides || []) {
      const check = (v.checks || []).find((c) => c.reason === code) || { right: '', message: code };
      const id = 'override-' + code;
      const ta = el('textarea', { id, 'data-reason': code, required: true });
      ta.value = old[code] || '';
      ob.append(el('label', { for: id }, t('Reason to go ahead despite “{check}”:', { check: rightName(check.right) }), ' ', checkText(check)), ta);
    }

    // How many packs (tablets, patches…): the server's count, which the
    // nurse may change; a change is checked again at once.
    const qb = $('quantity-block');
    qb.hidden = !v.quantity;
    if (v.quantity) {
      // The quantity is in the product's unit of use (tablet, mL …),
      // sent with its unit so the server never guesses.
      $('quantity-label').textContent = t('Quantity given ({unit})', { unit: v.quantity_unit || t('packs') });
      if (!keep || $('quantity').value === '') $('quantity').value = String(v.quantity);
      $('quantity').dataset.server = String(v.quantity);
      $('quantity').dataset.unit = v.quantity_unit || '';
    }

    const prn = !!(req.prn_indication || (v.order && v.order.prn));
    $('prn-block').hidden = !prn;
    if (prn && !$('prn-indication').value && v.order) $('prn-indication').value = v.order.prn_reason || '';

    const vb = $('vitals-block');
    const oldV = {};
    for (const i of vb.querySelectorAll('input')) oldV[i.dataset.vital] = i.value;
    vb.replaceChildren();
    for (const kind of req.vitals || []) {
      const [label, unit] = VITALS[kind] || [kind.replaceAll('_', ' '), ''];
      const id = 'vital-' + kind;
      const input = el('input', { id, type: 'number', inputmode: 'decimal', step: 'any', 'data-vital': kind, required: true });
      input.value = oldV[kind] || '';
      vb.append(el('label', { for: id }, `${label}${unit ? ' (' + unit + ')' : ''}`), input);
    }
    $('glucose-block').hidden = !req.glucose;
    $('recheck-block').hidden = !((req.vitals || []).length || req.glucose);
    $('site-block').hidden = !req.site;
    const wb = $('witness-block');
    wb.hidden = !(req.witness || req.witness_recommended);
    $('witness-legend').textContent = req.witness ? t('Witness (required)') : t('Witness (recommended)');
    $('witness-hint').textContent = req.witness
      ? t('A second nurse checks this high-alert medication and signs with their own account.')
      : t('A second check is recommended for this high-alert medication.');
    fillReasons();
    $('document').hidden = false;
  }

  // openNotGiven documents a due dose as held, refused or not given
  // without a pack scan.
  function openNotGiven(item) {
    if (!state.context) return;
    hideVerdict();
    const form = $('document-form');
    form.reset();
    state.verdict = null;
    state.scan = null;
    state.notGiven = item;
    $('document-title').textContent = t('Not given: {medication} (due {time})', { medication: item.order.product_name || item.order.ingredient, time: fmtTime(item.dose.due_at) });
    form.querySelector('input[value="refused"]').checked = true;
    form.querySelector('input[value="given"]').closest('label').hidden = true;
    for (const id of ['override-block', 'vitals-block']) $(id).replaceChildren();
    for (const id of ['prn-block', 'glucose-block', 'recheck-block', 'site-block', 'witness-block', 'quantity-block']) $(id).hidden = true;
    fillReasons();
    $('document').hidden = false;
    $('reason-code').focus();
  }

  function readingsOf() {
    const vitals = {};
    let any = false;
    for (const i of $('vitals-block').querySelectorAll('input')) {
      if (i.value !== '') {
        vitals[i.dataset.vital] = Number(i.value);
        any = true;
      }
    }
    const out = {};
    if (any) out.vitals = vitals;
    if (!$('glucose-block').hidden && $('glucose').value !== '') out.glucose = Number($('glucose').value);
    const q = $('quantity');
    if (!$('quantity-block').hidden && q.value !== '') {
      out.quantity = Number(q.value);
      if (q.dataset.unit) out.quantity_unit = q.dataset.unit;
    }
    return out;
  }

  function buildBody() {
    const o = outcome();
    const body = { context_id: state.context.id, outcome: o, device_time: new Date().toISOString() };
    if (state.notGiven) {
      body.dose_id = state.notGiven.dose.id;
      body.order_id = state.notGiven.order.id;
    } else {
      const v = state.verdict;
      body.scan = state.scan;
      if (v.dose) body.dose_id = v.dose.id;
      if (v.order) body.order_id = v.order.id;
      Object.assign(body, readingsOf());
      const overrides = [];
      for (const ta of $('override-block').querySelectorAll('textarea')) {
        overrides.push({ reason: ta.dataset.reason, text: ta.value.trim() });
      }
      if (overrides.length) body.overrides = overrides;
      if (!$('prn-block').hidden) {
        body.prn_indication = $('prn-indication').value.trim();
        if ($('pain-score').value !== '') body.pain_score = Number($('pain-score').value);
      }
      if (!$('site-block').hidden && $('site').value.trim()) body.site = $('site').value.trim();
      if (!$('witness-block').hidden && $('witness-username').value.trim()) {
        body.witness = { username: $('witness-username').value.trim(), password: $('witness-password').value };
      }
    }
    if (o !== 'given') {
      body.reason_code = $('reason-code').value;
      body.reason_text = $('reason-text').value.trim();
    }
    return body;
  }

  function missing(body) {
    if (body.outcome !== 'given' && !body.reason_code) return ['reason-code', t('Choose a reason.')];
    for (const ta of $('override-block').querySelectorAll('textarea')) {
      if (!ta.value.trim()) return [ta.id, t('Give a reason for going ahead despite the warning.')];
    }
    for (const i of $('vitals-block').querySelectorAll('input')) {
      if (i.value === '' && body.outcome === 'given') return [i.id, t('Enter the reading the order’s hold parameters need.')];
    }
    if (!$('glucose-block').hidden && body.outcome === 'given' && body.glucose === undefined) return ['glucose', t('Enter the glucose reading.')];
    if (!$('site-block').hidden && body.outcome === 'given' && !body.site) return ['site', t('Enter the site.')];
    if (!$('prn-block').hidden && body.outcome === 'given' && !body.prn_indication) return ['prn-indication', t('Enter why the as-needed dose is given.')];
    const req = state.verdict && state.verdict.requires ? state.verdict.requires : {};
    if (req.witness && body.outcome === 'given' && !body.witness) return ['witness-username', t('A witness must co-sign this medication.')];
    return null;
  }

  // ---- Recording with retries -----------------------------------------

  function recordLabel(rec) {
    return `${rec.what} — ${outcomeLabel(rec.body.outcome)}`;
  }

  function renderRecord(rec) {
    let li = rec.li;
    if (!li) {
      li = el('li', { class: 'due-item' });
      rec.li = li;
      $('record-list').prepend(li);
      $('records').hidden = false;
    }
    const stateBox = el('p', { class: 'record-state ' + rec.state }, rec.message);
    const actions = [];
    if (rec.state === 'saved' && rec.admin && rec.admin.prn && rec.admin.outcome === 'given') {
      actions.push(el('button', { type: 'button', class: 'button small', onclick: () => openEffectiveness(rec.admin.id, rec.what) }, t('Record effectiveness')));
    }
    li.className = 'due-item k-' + (rec.state === 'saved' ? 'given' : rec.state === 'failed' ? 'failed' : 'due');
    fill(li, el('div', { class: 'due-name' }, recordLabel(rec)), el('div', { class: 'due-meta' }, rec.resident), stateBox,
      actions.length ? el('div', { class: 'button-row' }, actions) : null);
  }

  const pending = () => state.records.some((r) => r.state === 'pending');
  window.addEventListener('beforeunload', (e) => {
    if (pending()) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  // send posts one documentation attempt until the server answers it.
  // Network failures, 5xx, 408 and 429 are retried with the same key; any
  // other answer is final. It resolves with the final answer.
  async function send(rec) {
    let delay = 1000;
    for (;;) {
      rec.attempts++;
      let r = null;
      try {
        r = await emar.api('POST', '/api/v1/administrations', rec.body, { headers: { 'Idempotency-Key': rec.key }, keepOn401: true });
      } catch (_) {
        if (window.emarOffline) emarOffline.goOffline(); // the banner says so; this send keeps trying
      }
      if (r && r.status !== 408 && r.status !== 429 && r.status < 500) return r;
      rec.state = 'pending';
      rec.message = r
        ? t('NOT recorded — retrying… (attempt {attempt} failed: the server answered {status})', { attempt: rec.attempts, status: r.status })
        : t('NOT recorded — retrying… (attempt {attempt} failed: no connection)', { attempt: rec.attempts });
      renderRecord(rec);
      await sleep(delay);
      delay = Math.min(delay * 2, 30000);
    }
  }

  async function submitDocument(e) {
    e.preventDefault();
    if (!state.context || (!state.verdict && !state.notGiven)) return;
    const body = buildBody();
    const miss = missing(body);
    if (miss) {
      $('document-error').textContent = miss[1];
      $(miss[0]).focus();
      return;
    }
    $('document-error').textContent = '';
    const what = state.notGiven
      ? state.notGiven.order.product_name || state.notGiven.order.ingredient
      : (state.verdict.product ? state.verdict.product.name : state.verdict.order.product_name || state.verdict.order.ingredient);
    if (state.offlineBand) {
      await offlineDocument(body, what);
      return;
    }
    const rec = { key: emar.uuid(), body, what, resident: state.resident.display_name, attempts: 0, state: 'pending', message: t('Sending…') };
    state.records.push(rec);
    const button = $('record');
    button.disabled = true;
    // The form closes as soon as the attempt is safe to leave to retries;
    // a refusal reopens the reason for it.
    let closed = false;
    const closeForm = () => {
      if (!closed) {
        closed = true;
        hideDocument();
        hideVerdict();
        focusScan();
      }
    };
    const slow = setTimeout(() => { renderRecord(rec); closeForm(); }, 1500);
    const r = await send(rec);
    clearTimeout(slow);
    button.disabled = false;
    if (r.ok) {
      rec.admin = r.data.administration;
      rec.state = 'saved';
      rec.message = t('Recorded at {time}', { time: fmtTime(rec.admin.recorded_at) }) + (r.data.message ? ` — ${r.data.message}` : '');
      renderRecord(rec);
      closeForm();
      say(t('{what}: recorded at {time}. Scan the next medication.', { what: recordLabel(rec), time: fmtTime(rec.admin.recorded_at) }));
      refreshDue();
      return;
    }
    const held = r.status === 422 && r.data && r.data.error && r.data.error.reason === 'hold_parameter_met' &&
      r.data.error.details && r.data.error.details.documented ? r.data.error.details.administration : null;
    if (held) {
      // Not given: a hold parameter is met, and the dose is charted as held.
      rec.admin = held;
      rec.state = 'saved';
      rec.message = `${errMessage(r.data.error)} ` + t('Recorded at {time}', { time: fmtTime(held.recorded_at) }) + '.';
      renderRecord(rec);
      closeForm();
      say(t('{medication}: held, not given.', { medication: rec.what }) + ' ' + errMessage(r.data.error));
      refreshDue();
      return;
    }
    rec.state = 'failed';
    rec.message = r.status === 401
      ? t('NOT recorded: you were signed out. Sign in and document again.')
      : t('NOT recorded: {message}', { message: emar.errorText(r) });
    renderRecord(rec);
    if (!closed && r.status !== 401) {
      // Still on the form: show why, so the nurse can put it right.
      $('document-error').textContent = emar.errorText(r);
      const checks = r.data && r.data.error && r.data.error.details ? r.data.error.details.checks : null;
      if (r.status === 422 && checks) showStop(t('STOP — not recorded'), checks, errMessage(r.data.error));
    }
    say(rec.message);
  }

  async function recheck() {
    if (!state.verdict || !state.scan) return;
    await scanMedication(state.scan, readingsOf());
  }

  // ---- Effectiveness follow-up ----------------------------------------

  function openEffectiveness(adminID, what) {
    const f = $('effectiveness-form');
    f.reset();
    f.dataset.admin = adminID;
    f.dataset.key = emar.uuid();
    $('effectiveness-what').textContent = what;
    const sel = $('effectiveness-result');
    const opts = state.reasons && state.reasons.effectiveness ? state.reasons.effectiveness : [];
    fill(sel, el('option', { value: '' }, t('Choose')), opts.map((x) => el('option', { value: x.code }, x.label)));
    $('effectiveness').hidden = false;
    sel.focus();
  }

  async function submitEffectiveness(e) {
    e.preventDefault();
    const f = $('effectiveness-form');
    const body = { result: $('effectiveness-result').value, note: $('effectiveness-note').value.trim() };
    if ($('effectiveness-pain').value !== '') body.pain_score = Number($('effectiveness-pain').value);
    if (!body.result) {
      $('effectiveness-error').textContent = t('Choose how effective the dose was.');
      return;
    }
    let r;
    try {
      r = await emar.api('POST', `/api/v1/administrations/${encodeURIComponent(f.dataset.admin)}/effectiveness`, body, { headers: { 'Idempotency-Key': f.dataset.key } });
    } catch (_) {
      $('effectiveness-error').textContent = t('NOT recorded: no connection. Press the button again (it will not be recorded twice).');
      return;
    }
    if (!r.ok) {
      $('effectiveness-error').textContent = t('NOT recorded: {message}', { message: emar.errorText(r) });
      return;
    }
    $('effectiveness').hidden = true;
    $('effectiveness-error').textContent = '';
    const at = r.data && r.data.followup && r.data.followup.documented_at;
    say(at ? t('Effectiveness recorded at {time}.', { time: fmtTime(at) }) : t('Effectiveness recorded.'));
    refreshDue();
    focusScan();
  }

  // ---- Camera ---------------------------------------------------------

  async function fromCamera(e) {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    say(t('Reading the barcode in the photo…'));
    const fd = new FormData();
    fd.append('image', file, file.name || 'camera.jpg');
    let r;
    try {
      r = await emar.api('POST', '/api/v1/scans/decode', fd);
    } catch (_) {
      say(t('The server cannot be reached. Try the photo again.'));
      return;
    }
    if (!r.ok || !r.data || !r.data.text) {
      say(t('No barcode was found in the photo: {message}', { message: r.data && r.data.error ? errMessage(r.data.error) : t('try again closer, with the barcode filling the frame.') }));
      return;
    }
    // The decoder reports the symbology apart from the data; put it back
    // in front, as a scanner with AIM identifiers would send it.
    handleScan((r.data.symbology || '') + r.data.text);
  }

  // ---- Wiring ---------------------------------------------------------

  document.addEventListener('DOMContentLoaded', async () => {
    const scan = $('scan');
    emar.scanField(scan);
    scan.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const text = scan.value;
      scan.value = '';
      if (text !== '') handleScan(text);
    });
    $('scan-form').addEventListener('submit', (e) => e.preventDefault());
    // Keys typed while no field has focus belong to the scanner.
    document.addEventListener('keydown', (e) => {
      const a = document.activeElement;
      if (a && (a.matches('input, textarea, select') || a.isContentEditable)) return;
      if (e.key.length === 1 || e.key === 'Unidentified') {
        focusScan();
        if (e.key === 'Unidentified') {
          e.preventDefault();
          scan.setRangeText('\x1d', scan.value.length, scan.value.length, 'end');
        }
      }
    }, true);
    $('camera').addEventListener('change', fromCamera);
    $('done').addEventListener('click', closeResident);
    $('select-open').addEventListener('click', openSelect);
    $('select-resident').addEventListener('change', pickResident);
    $('select-form').addEventListener('submit', submitSelect);
    $('select-cancel').addEventListener('click', () => { $('select').hidden = true; focusScan(); });
    $('document-form').addEventListener('submit', submitDocument);
    $('document-form').addEventListener('change', (e) => { if (e.target.name === 'outcome') fillReasons(); });
    $('cancel-document').addEventListener('click', () => { hideDocument(); hideVerdict(); say(t('Cancelled. Scan a medication.')); focusScan(); });
    $('recheck').addEventListener('click', recheck);
    $('quantity').addEventListener('change', () => {
      if ($('quantity').value !== $('quantity').dataset.server) recheck();
    });
    $('effectiveness-form').addEventListener('submit', submitEffectiveness);
    $('cancel-effectiveness').addEventListener('click', () => { $('effectiveness').hidden = true; focusScan(); });

    // The demo barcode sheet, open in another tab, sends scans here.
    if ('BroadcastChannel' in window) {
      const ch = new BroadcastChannel('emar-demo-scan');
      ch.addEventListener('message', (e) => {
        if (!e.data || typeof e.data.scan !== 'string') return;
        ch.postMessage({ ack: e.data.id });
        handleScan(e.data.scan);
      });
    }
    focusScan();
    if (window.emarOffline) {
      emarOffline.onChange(renderOffline);
      setInterval(renderOffline, 30000); // the expiry shows without an event
      emarOffline.start();
    }
    try {
      const r = await emar.api('GET', '/api/v1/bedside/reasons');
      if (r.ok) state.reasons = r.data;
    } catch (_) { /* the pick lists stay empty until the next page load */ }
  });
})();
