// Order entry: the product's routes and high-alert facts, a live preview
// of the next doses in the unit's time zone (with the clock-change
// warnings the server finds) and field-level errors. The words come from
// the page's <template id="order-words">.
'use strict';

(() => {
  const { api, errorText, el, fill } = emar;
  const MAX_LISTED = 40;
  let words = {};
  let form, tz;

  // offsetMs is how far the zone's wall clock is ahead of UTC at an instant.
  function offsetMs(ms, zone) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms));
    const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
    return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second) - Math.floor(ms / 1000) * 1000;
  }

  // instant reads a datetime-local value as a wall time in the unit's
  // zone and answers RFC 3339 in UTC ("" when empty). A time inside a
  // spring-forward gap reads as the same distance after it, as the server
  // does.
  function instant(local) {
    if (!local) return '';
    const [d, t] = local.split('T');
    const [y, m, day] = d.split('-').map(Number);
    const [hh, mi] = t.split(':').map(Number);
    const wall = Date.UTC(y, m - 1, day, hh, mi);
    let ms = wall - offsetMs(wall, tz);
    ms = wall - offsetMs(ms, tz);
    return new Date(ms).toISOString();
  }

  function chosenProduct() {
    const sel = form.elements.product_id;
    return sel.selectedIndex > 0 ? sel.options[sel.selectedIndex] : null;
  }

  // productChanged fills the routes and the dose unit and shows what the
  // product asks of the nurse at the bedside.
  function productChanged() {
    const opt = chosenProduct();
    const route = form.elements.route;
    const info = document.getElementById('product-info');
    if (!opt) {
      fill(route, el('option', { value: '' }, words.routeFirst));
      fill(info);
      schedulePreview();
      return;
    }
    const routes = opt.dataset.routes ? opt.dataset.routes.split(',') : [];
    fill(route, routes.length === 1 ? null : el('option', { value: '' }, words.routeChoose), routes.map((r) => el('option', { value: r }, r)));
    const unit = form.elements.dose_unit;
    if (!unit.value || unit.dataset.auto === 'true') {
      unit.value = (opt.dataset.unit || '').split('/')[0];
      unit.dataset.auto = 'true';
    }
    const lines = [];
    if (opt.dataset.highAlertText) lines.push(el('p', { class: 'notice warn-notice', id: 'high-alert-info' }, opt.dataset.highAlertText));
    if (opt.dataset.controlled) lines.push(el('p', { class: 'notice' }, words.controlled, opt.dataset.controlled, words.controlledTail));
    if (opt.dataset.timeCritical) lines.push(el('p', { class: 'notice' }, words.timeCritical));
    if (opt.dataset.psychotropic) lines.push(el('p', { class: 'notice' }, words.psychotropic));
    fill(info, lines);
    schedulePreview();
  }

  let timer = 0;
  let inFlight = null;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }

  async function preview() {
    const freq = form.elements.frequency.value.trim();
    const rule = document.getElementById('preview-rule');
    const list = document.getElementById('preview-doses');
    const clock = document.getElementById('preview-clock');
    const more = document.getElementById('preview-more');
    const ferr = document.getElementById('err-frequency');
    const next = document.getElementById('frequency-next');
    if (inFlight) inFlight.abort();
    fill(next);
    if (!freq) {
      rule.className = 'hint';
      rule.textContent = rule.dataset.empty || rule.textContent;
      fill(list);
      clock.hidden = true;
      more.hidden = true;
      return;
    }
    const from = instant(form.elements.start_at.value) || new Date().toISOString();
    const q = new URLSearchParams({ frequency: freq, tz, from, days: document.getElementById('preview-days').value });
    const opt = chosenProduct();
    if (opt && opt.dataset.timeCritical) q.set('time_critical', 'true');
    inFlight = new AbortController();
    rule.className = 'hint';
    rule.textContent = words.loading;
    let r;
    try {
      r = await api('GET', '/api/v1/schedules/preview?' + q.toString(), undefined, { signal: inFlight.signal });
    } catch (_) {
      return; // superseded by a newer preview, or no answer: the next keystroke tries again
    }
    if (!r.ok) {
      rule.className = 'error-text';
      rule.textContent = errorText(r);
      if (r.data && r.data.error && r.data.error.field === 'frequency') ferr.textContent = r.data.error.message;
      fill(list);
      clock.hidden = true;
      more.hidden = true;
      return;
    }
    ferr.textContent = '';
    form.elements.frequency.removeAttribute('aria-invalid');
    const p = r.data;
    rule.textContent = words.rule + p.canonical;
    if (p.kind === 'prn') {
      // As needed by its frequency: the order is PRN whatever the box says.
      const prn = form.elements.prn;
      if (!prn.checked) {
        prn.checked = true;
        document.getElementById('prn-fields').hidden = false;
      }
      rule.textContent = words.rule + p.canonical + ' · ' + words.prn;
    }
    const stop = instant(form.elements.stop_at.value);
    const doses = p.doses.filter((d) => !stop || Date.parse(d.at) < Date.parse(stop));
    fill(list, doses.length ? doses.slice(0, MAX_LISTED).map((d) => el('li', { class: d.clock_change ? 'clock' : '' },
      el('span', { class: 'when' }, d.local), d.dose ? ' · ' + d.dose : null,
      d.clock_change ? el('strong', { class: 'clock-note' }, d.clock_change) : null)) : el('li', {}, p.kind === 'prn' ? words.prnNone : words.none));
    more.hidden = doses.length <= MAX_LISTED;
    more.textContent = words.more;
    const notes = doses.filter((d) => d.clock_change);
    fill(document.getElementById('preview-clock-list'), notes.map((d) => el('li', {}, el('strong', {}, d.local), ': ', d.clock_change)));
    clock.hidden = notes.length === 0;
    // Beside the field, for a phone where the list is further down.
    fill(next, doses.length ? [words.next, doses.slice(0, 3).map((d) => d.local.replace(/ \(.*\)$/, '')).join(', '), doses.length > 3 ? ' …' : ''] : null,
      notes.length ? el('strong', { class: 'clock-note' }, words.clockSoon) : null);
  }

  async function submit(ev) {
    ev.preventDefault();
    const state = document.getElementById('order-state');
    emarFields.clear(form);
    state.className = '';
    state.textContent = words.saving;
    const f = form.elements;
    const body = {
      resident_id: form.dataset.resident,
      product_id: f.product_id.value,
      dose_value: f.dose_value.value === '' ? 0 : Number(f.dose_value.value),
      dose_unit: f.dose_unit.value.trim(),
      route: f.route.value,
      frequency: f.frequency.value.trim(),
      prn: f.prn.checked,
      prn_reason: f.prn.checked ? f.prn_reason.value.trim() : '',
      prescriber: f.prescriber.value.trim(),
      instructions: f.instructions.value.trim(),
    };
    if (!body.product_id) {
      emarFields.show(form, { data: { error: { field: 'product_id', message: f.product_id.options[0].textContent } } });
      state.className = 'error-text';
      state.textContent = words.fix;
      return;
    }
    const start = instant(f.start_at.value);
    if (start) body.start_at = start;
    const stop = instant(f.stop_at.value);
    if (stop) body.stop_at = stop;
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    const r = await api('POST', '/api/v1/orders', body);
    btn.disabled = false;
    if (!r.ok) {
      const onField = emarFields.show(form, r);
      state.className = 'error-text';
      state.textContent = onField ? `${words.fix} ${onField}: ${errorText(r)}` : errorText(r);
      return;
    }
    location.assign(`/residents/${form.dataset.resident}/orders#order-${r.data.id}`);
  }

  document.addEventListener('DOMContentLoaded', () => {
    form = document.getElementById('order-form');
    if (!form) return;
    words = emarFields.words('order-words');
    tz = form.dataset.tz;
    const rule = document.getElementById('preview-rule');
    rule.dataset.empty = rule.textContent;
    form.elements.product_id.addEventListener('change', productChanged);
    form.elements.dose_unit.addEventListener('input', (e) => { e.target.dataset.auto = 'false'; });
    for (const name of ['frequency', 'start_at', 'stop_at']) form.elements[name].addEventListener('input', schedulePreview);
    document.getElementById('preview-days').addEventListener('change', schedulePreview);
    const prn = form.elements.prn;
    prn.addEventListener('change', () => { document.getElementById('prn-fields').hidden = !prn.checked; });
    form.addEventListener('submit', submit);
    productChanged();
  });
})();
