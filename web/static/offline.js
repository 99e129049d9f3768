// The offline bedside (docs/offline.md). While the server answers, this
// keeps a signed, expiring snapshot of the unit's med pass in IndexedDB and
// refreshes it in the background. When a request fails for want of a
// network, the page switches to offline: every scan is checked on this
// device by the server's own rules compiled to WebAssembly (emar.wasm), and
// what is documented is queued in IndexedDB with its idempotency key and
// the device's time. Back online, the queue is sent in order through the
// ordinary API, where the server checks every document again against the
// full record. Nothing queued is ever dropped: a document the server does
// not accept stays on the list, with the server's reason, until the nurse
// has dealt with it.
'use strict';

window.emarOffline = (() => {
  // Every word this file shows, in one place, through t() (common.js).
  const t = emar.t;
  const TEXT = {
    offlineSince: (time) => t('OFFLINE since {time}', { time }),
    checkedHere: (time) => t("Scans are checked on this device against the unit's data from {time}.", { time }),
    expired: (time) => t('The offline data expired at {time}: nothing can be charted on this device. Use the paper record until the server is back.', { time }),
    noData: t('There is no offline data on this device: nothing can be checked or charted. Use the paper record until the server is back.'),
    queued: (n) => (n === 1 ? t('1 document waiting to be sent.') : t('{count} documents waiting to be sent.', { count: n })),
    syncing: t('Back online: sending the documents charted offline…'),
    replayReason: (time, device) => t('Charted offline on this device at {time} (device clock {device}); sent when the connection came back.', { time, device }),
    queuedMessage: (time) => t('Charted offline at {time}: NOT yet on the server. It is sent when the connection is back.', { time }),
    synced: (time, msg) => (msg ? t('Sent: recorded on the server at {time} — {message}', { time, message: msg }) : t('Sent: recorded on the server at {time}', { time })),
    flagged: (flags) => ' ' + t('FLAGGED: {flags} — the charge nurse is alerted.', { flags: flags.join(', ') }),
    refusedAtSync: (msg) => t('NOT recorded on the server: {message} The dose was charted offline: tell the charge nurse and chart it on paper.', { message: msg }),
    signedOut: t('NOT yet sent: sign in again to send the documents charted offline.'),
    wasmMissing: t('The offline checks are not installed on this server: without a connection, use the paper record.'),
  };

  const DB = 'emar-offline';
  const REFRESH_MS = 5 * 60000; // the snapshot's background refresh
  const PROBE_MS = 5000; // how often an offline page looks for the server

  const root = document.getElementById('bedside');
  const userID = root ? root.dataset.userId : '';
  const publicKey = root ? root.dataset.offlineKey : '';
  // The server says whether it serves the checks (make build builds them).
  const available = !!root && root.dataset.offline === 'on';

  const st = {
    offline: false,
    since: null, // Date the connection was lost
    unit: root && root.dataset.unit ? root.dataset.unit : '',
    envelope: null, // the newest snapshot (signed envelope, as received)
    // The server's clock, estimated: the snapshot's issue time plus the
    // time elapsed on this device since it arrived (monotonic while the
    // page lives; from the stored offset after a reload). The device's own
    // clock may be wrong; the server's is the one the rules use.
    clock: null, // {issued: ms, perf: performance.now()} or {offset: ms}
    tz: undefined, // the unit's time zone, from the snapshot
    wasm: null, // Promise of the loaded checks
    listeners: [],
    syncing: false,
  };

  // ---- IndexedDB ---------------------------------------------------------

  function openDB() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 2);
      req.onupgradeneeded = (e) => {
        const db = req.result;
        if (e.oldVersion < 1) {
          db.createObjectStore('snapshot');
          db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
        }
        // Version 2: the residents' photos, kept for identification offline.
        if (e.oldVersion < 2) db.createObjectStore('photos');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function tx(store, mode, fn) {
    const db = await openDB();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      let out;
      t.oncomplete = () => { db.close(); resolve(out); };
      t.onerror = () => { db.close(); reject(t.error); };
      const r = fn(t.objectStore(store));
      if (r) r.onsuccess = () => { out = r.result; };
    });
  }

  const putSnapshot = (env, offset) => tx('snapshot', 'readwrite', (s) => s.put({ envelope: env, offset }, userID));
  async function getSnapshot() {
    const v = await tx('snapshot', 'readonly', (s) => s.get(userID));
    if (!v) return null;
    if (!st.clock) st.clock = { offset: v.offset };
    return v.envelope;
  }

  function serverNow() {
    const c = st.clock;
    if (c && c.perf !== undefined) return new Date(c.issued + (performance.now() - c.perf));
    return new Date(Date.now() + (c ? c.offset : 0));
  }

  function learn(env) {
    const issued = Date.parse(env.issued_at);
    st.clock = { issued, perf: performance.now() };
    try { st.tz = JSON.parse(env.payload).Unit.TimeZone || undefined; } catch (_) { st.tz = undefined; }
    return issued - Date.now();
  }
  const fmt = (d) => emar.time(d instanceof Date ? d.toISOString() : d, st.tz);
  const queueAll = async () => ((await tx('queue', 'readonly', (s) => s.getAll())) || []).filter((r) => r.user_id === userID);
  const queuePut = (rec) => tx('queue', 'readwrite', (s) => s.put(rec));
  const queueDelete = (seq) => tx('queue', 'readwrite', (s) => s.delete(seq));

  // ---- The checks (WebAssembly) -------------------------------------------

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error(src));
      document.head.append(s);
    });
  }

  // loadChecks fetches and starts the WebAssembly build once, while online.
  function loadChecks() {
    if (!st.wasm) {
      st.wasm = (async () => {
        await loadScript('/offline/wasm_exec.js');
        const go = new window.Go();
        const ready = new Promise((resolve) => { window.emarOfflineReady = resolve; });
        const res = await fetch('/offline/emar.wasm', { credentials: 'same-origin' });
        if (!res.ok) throw new Error('emar.wasm ' + res.status);
        const { instance } = await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject);
        go.run(instance);
        await ready;
        return true;
      })();
      st.wasm.catch(() => { st.wasm = null; });
    }
    return st.wasm;
  }

  // check runs the server's rules on this device. The answer has the
  // shape of mar/offline.Result.
  async function check(request) {
    if (!available) return { allowed: false, code: 'refused', reason: 'offline_undecidable', message: TEXT.wasmMissing, checks: [], candidates: [] };
    const env = st.envelope || await getSnapshot();
    if (!env) return { allowed: false, code: 'refused', reason: 'offline_snapshot_stale', message: TEXT.noData, checks: [], candidates: [] };
    try {
      await loadChecks();
    } catch (_) {
      return { allowed: false, code: 'refused', reason: 'offline_undecidable', message: TEXT.wasmMissing, checks: [], candidates: [] };
    }
    const req = Object.assign({ now: serverNow().toISOString() }, request);
    return JSON.parse(window.emarOfflineCheck(JSON.stringify(env), publicKey, JSON.stringify(req)));
  }

  // ---- The snapshot --------------------------------------------------------

  async function refresh() {
    if (!available || !st.unit || st.offline) return;
    try {
      const r = await emar.api('GET', '/api/v1/bedside/snapshot?unit=' + encodeURIComponent(st.unit), undefined, { keepOn401: true });
      if (r.ok && r.data && r.data.payload) {
        st.envelope = r.data;
        await putSnapshot(r.data, learn(r.data));
        notify();
        keepPhotos(r.data);
      }
    } catch (_) {
      goOffline();
    }
  }

  // keepPhotos copies the photo of each resident in the snapshot into
  // IndexedDB, so that the photo is on screen offline as it is online (the
  // nurse compares it with the person). A photo is fetched again only when
  // the snapshot names a different hash; a resident no longer in it is
  // forgotten.
  async function keepPhotos(env) {
    let residents = [];
    try { residents = JSON.parse(env.payload).Residents || []; } catch (_) { return; }
    const want = new Map();
    for (const sr of residents) if (sr.PhotoSHA256) want.set(sr.Resident.ID, sr.PhotoSHA256);
    const have = await tx('photos', 'readonly', (s) => s.getAllKeys()).catch(() => []);
    for (const id of have || []) {
      if (!want.has(id)) await tx('photos', 'readwrite', (s) => s.delete(id)).catch(() => {});
    }
    for (const [id, sha] of want) {
      const kept = await tx('photos', 'readonly', (s) => s.get(id)).catch(() => null);
      if (kept && kept.sha === sha) continue;
      try {
        const r = await fetch('/api/v1/residents/' + encodeURIComponent(id) + '/photo', { credentials: 'same-origin' });
        if (!r.ok) continue;
        const blob = await r.blob();
        await tx('photos', 'readwrite', (s) => s.put({ sha, blob }, id));
      } catch (_) {
        return; // the connection went: try at the next refresh
      }
    }
  }

  // photo is the kept copy of a resident's photo (a Blob), or null.
  async function photo(residentID) {
    const kept = await tx('photos', 'readonly', (s) => s.get(residentID)).catch(() => null);
    return kept ? kept.blob : null;
  }

  // setUnit names the unit whose med pass the page keeps (the unit of the
  // residents scanned online).
  function setUnit(unitID) {
    if (unitID && unitID !== st.unit) {
      st.unit = unitID;
      refresh();
    }
  }

  // ---- Online and offline --------------------------------------------------

  function goOffline() {
    if (st.offline) return;
    st.offline = true;
    st.since = serverNow();
    notify();
    probe();
  }

  async function probe() {
    while (st.offline) {
      await new Promise((r) => setTimeout(r, PROBE_MS));
      try {
        const r = await fetch('/healthz', { cache: 'no-store' });
        if (r.ok) {
          await backOnline();
          return;
        }
      } catch (_) { /* still offline */ }
    }
  }

  async function backOnline() {
    st.offline = false;
    st.since = null;
    notify();
    await sync();
    await refresh();
  }

  // failed tells whether an error from emar.api means the network is gone
  // (emar.api rejects only when no answer arrived), and switches over.
  function failed() {
    goOffline();
    return true;
  }

  // ---- The queue -----------------------------------------------------------

  // enqueue keeps a document charted offline: its idempotency key, the
  // device's time, the wristband scanned and the document request.
  async function enqueue(doc) {
    // charted_at is the server's clock as estimated here (sent as the
    // performed time); device_time is this device's own clock.
    const rec = Object.assign({ user_id: userID, unit_id: st.unit, key: emar.uuid(), charted_at: serverNow().toISOString(), device_time: new Date().toISOString(), state: 'queued' }, doc);
    rec.message = TEXT.queuedMessage(fmt(rec.charted_at));
    rec.seq = await queuePut(rec);
    notify();
    return rec;
  }

  // sync sends the queue in the order it was charted. A lost connection
  // stops it (the rest waits); an answer other than success keeps the
  // document on the list with the server's reason.
  async function sync() {
    if (st.syncing) return;
    st.syncing = true;
    try {
      const recs = (await queueAll()).filter((r) => r.state === 'queued').sort((a, b) => a.seq - b.seq);
      if (recs.length) notify(TEXT.syncing);
      for (const rec of recs) {
        const done = await sendOne(rec);
        if (done === 'offline') {
          goOffline();
          return;
        }
        if (done === 'signed-out') {
          notify(TEXT.signedOut);
          return;
        }
      }
    } finally {
      st.syncing = false;
      notify();
    }
  }

  async function sendOne(rec) {
    let w;
    try {
      // A fresh wristband scan per attempt (repeating one only adds an
      // audit event): a context replayed from an old attempt could have
      // expired.
      w = await emar.api('POST', '/api/v1/bedside/wristband', { scan: rec.wristband }, { headers: { 'Idempotency-Key': emar.uuid() }, keepOn401: true });
    } catch (_) {
      return 'offline';
    }
    if (w.status === 401) return 'signed-out';
    if (w.status >= 500 || w.status === 429 || w.status === 408) return 'offline';
    if (!w.ok) return settle(rec, false, emar.errorText(w));
    const body = Object.assign({}, rec.body, {
      context_id: w.data.context_id,
      performed_at: rec.charted_at,
      back_documented_reason: TEXT.replayReason(fmt(rec.charted_at), rec.device_time),
      device_time: new Date().toISOString(),
      offline: true,
    });
    let r;
    try {
      r = await emar.api('POST', '/api/v1/administrations', body, { headers: { 'Idempotency-Key': rec.key }, keepOn401: true });
    } catch (_) {
      return 'offline';
    }
    if (r.status === 401) return 'signed-out';
    if (r.status >= 500 || r.status === 429 || r.status === 408) return 'offline';
    const held = r.status === 422 && r.data && r.data.error && r.data.error.details && r.data.error.details.documented;
    if (r.ok || held) {
      const admin = r.ok ? r.data.administration : r.data.error.details.administration;
      let msg = TEXT.synced(fmt(admin.recorded_at), r.ok ? r.data.message : r.data.error.message);
      const flags = (r.ok && r.data.flags) || [];
      const alerted = flags.filter((f) => f === 'limit_crossed');
      if (alerted.length) msg += TEXT.flagged(alerted);
      return settle(rec, true, msg, admin);
    }
    return settle(rec, false, TEXT.refusedAtSync(emar.errorText(r)));
  }

  // settle ends a document's wait: sent ones leave the queue (and are
  // listed as sent), refused ones stay in it, marked, never dropped.
  async function settle(rec, ok, message, admin) {
    if (ok) {
      await queueDelete(rec.seq);
      sent.push(Object.assign({}, rec, { state: 'sent', message, admin, body: undefined }));
    } else {
      rec.state = 'refused';
      rec.message = message;
      if (rec.body && rec.body.witness) rec.body.witness = { username: rec.body.witness.username }; // the password is no longer needed
      await queuePut(rec);
    }
    return 'done';
  }

  const sent = []; // documents sent back this session

  // ---- Listeners -----------------------------------------------------------

  async function status() {
    const env = st.envelope || await getSnapshot().catch(() => null);
    const queue = await queueAll().catch(() => []);
    return {
      available,
      now: serverNow(),
      fmt,
      offline: st.offline,
      since: st.since,
      issuedAt: env ? env.issued_at : null,
      expiresAt: env ? env.expires_at : null,
      queue,
      sent: sent.slice(),
    };
  }

  function notify(note) {
    for (const fn of st.listeners) fn(note);
  }

  function onChange(fn) { st.listeners.push(fn); }

  async function start() {
    if (!available) return; // online only; going offline says so
    st.envelope = await getSnapshot().catch(() => null);
    if (st.envelope && !st.unit) st.unit = st.envelope.unit_id;
    loadChecks().catch(() => {});
    refresh();
    setInterval(refresh, REFRESH_MS);
    window.addEventListener('online', () => { if (st.offline) backOnline(); });
    window.addEventListener('offline', goOffline);
    if ((await queueAll().catch(() => [])).some((r) => r.state === 'queued')) sync();
    notify();
  }

  return { TEXT, now: serverNow, start, check, photo, enqueue, sync, status, onChange, setUnit, failed, goOffline, isOffline: () => st.offline };
})();
