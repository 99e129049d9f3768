// Shared by every page: API calls with the session's CSRF token, the idle
// sign-out, the sign-out button and time formatting in the unit's zone.
'use strict';

const emar = (() => {
  // The page's language: the server puts the dictionary of the scripts'
  // words, the locale's formats and the reason codes' descriptions in
  // <body data-i18n> (no inline script: the CSP forbids it). Every word a
  // person reads goes through t('English words', {name: value}).
  const i18n = (() => {
    try {
      return JSON.parse(document.body.dataset.i18n || '{}');
    } catch (_) {
      return {};
    }
  })();
  const messages = i18n.messages || {};
  const formatsOf = i18n.formats || {};
  const lang = formatsOf.lang || 'en';
  const intl = formatsOf.intl || 'en-GB';

  // t translates English words and fills their {placeholders}.
  function t(english, vars) {
    let s = Object.prototype.hasOwnProperty.call(messages, english) ? messages[english] : english;
    if (vars) s = s.replace(/\{([a-z_][a-z0-9_]*)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }
  // reason is a reason code's description in the page's language, or ''.
  const reason = (code) => (i18n.reasons && code ? i18n.reasons[code] || '' : '');
  // num shows a quantity with the locale's decimal separator.
  const num = (n) => (typeof n === 'number' ? new Intl.NumberFormat(intl, { maximumFractionDigits: 4 }).format(n) : n);

  const csrf = () => {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  };

  // toSignIn leaves for the sign-in page, coming back here afterwards.
  function toSignIn(reason) {
    const q = new URLSearchParams({ next: location.pathname + location.search });
    if (reason) q.set('reason', reason);
    location.assign('/?' + q.toString());
  }

  // api calls the JSON API. It resolves with {status, ok, data, headers}
  // for every HTTP answer and rejects only when no answer arrived (the
  // network failed), which callers that retry must tell apart.
  async function api(method, path, body, opts = {}) {
    const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf();
    const res = await fetch(path, {
      method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', signal: opts.signal,
    });
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = text; }
    }
    if (res.status === 401 && !opts.keepOn401) {
      toSignIn(data && data.error ? data.error.reason : '');
    }
    return { status: res.status, ok: res.ok, data, headers: res.headers };
  }

  // errorText turns an API error answer into a sentence for the screen.
  function errorText(r) {
    if (r && r.data && r.data.error) return r.data.error.localized_message || r.data.error.message;
    return r ? t('The server answered {status}.', { status: r.status }) : t('The server did not answer.');
  }

  // uuid is a random (v4) UUID; crypto.randomUUID needs a secure context,
  // getRandomValues does not.
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const formats = new Map();
  function fmt(tz, opts) {
    const key = tz + JSON.stringify(opts);
    if (!formats.has(key)) {
      formats.set(key, new Intl.DateTimeFormat(intl, Object.assign({ timeZone: tz || undefined }, opts)));
    }
    return formats.get(key);
  }
  // time shows an instant as HH:MM in the zone (the unit's).
  const time = (iso, tz) => (iso ? fmt(tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso)) : '');
  // dayTime adds the weekday and date: "Sat 6 Dec, 14:30"; in German
  // "Sa., 06.12., 14:30".
  const dayTime = (iso, tz) => (iso ? fmt(tz, lang === 'en'
    ? { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { weekday: 'short', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso)) : '');
  // date shows a calendar date (YYYY-MM-DD, as the API sends birth dates)
  // in the locale's format: 06.12.2026 in German.
  const date = (ymd) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
    if (!m || lang === 'en') return ymd || '';
    return new Intl.DateTimeFormat(intl, { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' })
      .format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
  };

  // add appends children: nodes, text, arrays of them; null and false are
  // skipped. Text is always set as text, never as HTML.
  function add(e, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // fill replaces an element's children.
  function fill(e, ...children) {
    e.replaceChildren();
    return add(e, children);
  }

  // el builds an element: el('p', {class: 'x'}, 'text', child…). Text is
  // always set as text, never as HTML.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    return add(e, children);
  }

  // scanField keeps what a keyboard-wedge scanner types, group separators
  // included. A scanner sends GS (ASCII 29) as Ctrl+] or as a key the
  // browser cannot name ("Unidentified"); neither inserts a character by
  // itself, so it is inserted here. Nothing else is trimmed or changed:
  // the server parses the scan (AIM prefix, separators and all).
  function scanField(input) {
    input.addEventListener('keydown', (e) => {
      const gs = e.key === 'Unidentified' ||
        (e.ctrlKey && !e.altKey && !e.metaKey && (e.key === ']' || e.code === 'BracketRight'));
      if (!gs) return;
      e.preventDefault();
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      input.setRangeText('\x1d', start, end, 'end');
    });
  }

  async function signOut(reason) {
    try { await api('POST', '/api/v1/auth/logout', undefined, { keepOn401: true }); } catch (_) { /* leaving anyway */ }
    location.assign(reason ? '/?reason=' + encodeURIComponent(reason) : '/?reason=signed_out');
  }

  // The idle sign-out: the server ends a web session after its idle time;
  // the page warns a minute before and then leaves, so that no record is
  // left open on an unattended screen.
  let markActive = () => {};
  function idleGuard() {
    const limit = Number(document.body.dataset.idleSeconds || 0);
    const box = document.getElementById('idle-warning');
    if (!limit || !box) return;
    const warnFor = Math.min(60, Math.floor(limit / 4));
    const count = document.getElementById('idle-count');
    let last = Date.now();
    let lastPing = Date.now();
    let leaving = false;
    markActive = () => {
      last = Date.now();
      if (!box.hidden) box.hidden = true;
      // Keep the server's idle clock in step with the person at the screen.
      if (Date.now() - lastPing > 60000) {
        lastPing = Date.now();
        api('GET', '/api/v1/me').catch(() => {});
      }
    };
    for (const ev of ['keydown', 'pointerdown', 'touchstart', 'wheel']) {
      window.addEventListener(ev, () => markActive(), { capture: true, passive: true });
    }
    document.getElementById('idle-stay').addEventListener('click', () => {
      lastPing = 0;
      markActive();
    });
    setInterval(() => {
      if (leaving) return;
      const idle = (Date.now() - last) / 1000;
      if (idle >= limit) {
        leaving = true;
        signOut('idle');
      } else if (idle >= limit - warnFor) {
        count.textContent = String(Math.ceil(limit - idle));
        if (box.hidden) box.hidden = false;
      }
    }, 1000);
  }

  // stateLabel is the word for a dose's state, from the one vocabulary the
  // server puts on <body data-dose-states> (web/vocabulary.go).
  let states = null;
  function stateLabel(kind) {
    if (!states) {
      states = new Map();
      try {
        for (const w of JSON.parse(document.body.dataset.doseStates || '[]')) states.set(w.kind, w.label);
      } catch (_) { /* the kind itself, below */ }
    }
    return t(states.get(kind) || kind);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const out = document.getElementById('sign-out');
    if (out) out.addEventListener('click', () => signOut());
    idleGuard();
  });

  return { api, errorText, uuid, time, dayTime, date, num, t, reason, lang, el, fill, scanField, toSignIn, signOut, stateLabel, active: () => markActive() };
})();
