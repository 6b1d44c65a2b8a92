// finesse-ha demo page: the client against the simulator, with the
// simulator's fault buttons. Plain ES module; served by `make demo`.
//
// The simulator's control API (GET /control/state, POST /control/fault, ...)
// is on the page's origin unless ?control=<url> says otherwise; the client
// package is one folder up (web/index.js and finesse-ha.wasm).
//
// For end-to-end tests: ?autoconnect=1 signs in at once with the form's
// defaults; window.finesseHADemo holds {client, events}; element ids and
// data-* attributes are stable.

import { createClient } from '../index.js';

const params = new URLSearchParams(location.search);
const CONTROL = (params.get('control') || location.origin).replace(/\/$/, '');
const $ = (id) => document.getElementById(id);

const demo = { client: null, events: [], agent: null, log: [] };
window.finesseHADemo = demo;

// ---------------------------------------------------------------------------
// Words. Everything a person reads goes through these tables.

const CONNECTION_TEXT = {
  idle: 'Not signed in',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'failing-over': 'Switching sides…',
  disconnected: 'No side usable, retrying',
  unauthorized: 'Sign-in refused',
  closed: 'Signed out',
};

const AGENT_TEXT = {
  LOGIN: 'Signing in…', LOGOUT: 'Signed out', NOT_READY: 'Not Ready', READY: 'Ready',
  RESERVED: 'Call coming in', TALKING: 'On a call', HOLD: 'Call on hold', WORK: 'Wrap-up', WORK_READY: 'Wrap-up',
};

const STATUS_TEXT = {
  IN_SERVICE: 'In service', OUT_OF_SERVICE: 'Out of service', UNREACHABLE: 'Unreachable',
  PARTIAL_SERVICE: 'Partial service', '': 'Not checked yet',
};

/** What each history entry means, for people (web/index.d.ts HistoryEntry.what). */
const HISTORY_TEXT = {
  connect: 'Connecting', 'connect-failed': 'Could not connect', connecting: 'Connecting', connected: 'Connected',
  reconnecting: 'Connection lost, reconnecting', 'failing-over': 'Switching to the other side',
  disconnected: 'No side usable', unauthorized: 'Credentials refused', closed: 'Client closed',
  trigger: 'Failure detected', jitter: 'Waiting a random delay before switching', poll: 'Checking side status',
  recheck: 'Re-checking side', switch: 'Switched side', signin: 'Signed in again on the new side',
  'notification-lost': 'Notifications lost', 'finesse-presence': 'Finesse service presence changed',
  ping: 'Keep-alive check', busy: 'Side busy', 'request-retry': 'Request retried',
  'restore-state': 'Restoring the agent state', 'forced-logout': 'Forced logout by the old side',
  relogin: 'Signed in again after a forced logout', error: 'Error', resync: 'Re-synced state',
  credentials: 'New credentials taken', 'token-refresh': 'Asked for a fresh SSO token',
  'token-expired': 'SSO token expired', conflict: 'Another session took the resource',
  'request-401': 'Request refused (401)',
};

/**
 * In the simulator's SSO mode the demo signs in as an SSO page would: with a
 * token source (auth.getToken) that asks the simulator for a token of
 * ?tokenLifetime (default 60s), so a refresh shows in the timeline at 75% of it.
 */
const TOKEN_LIFETIME = params.get('tokenLifetime') || '60s';

function tokenSource(agent) {
  return async () => {
    const res = await fetch(CONTROL + '/control/token?agent=' + encodeURIComponent(agent) + '&lifetime=' + encodeURIComponent(TOKEN_LIFETIME), { method: 'POST' });
    if (!res.ok) throw new Error('the simulator issued no token: HTTP ' + res.status);
    demo.tokens = (demo.tokens || 0) + 1;
    note('request', demo.tokens === 1 ? 'First SSO token issued' : 'Fresh SSO token issued (refresh at 75% of the last one)', { detail: 'lifetime ' + TOKEN_LIFETIME, ok: true });
    $('sso-tokens').textContent = demo.tokens + (demo.tokens === 1 ? ' token' : ' tokens') + ' issued';
    $('sso-tokens').dataset.count = String(demo.tokens);
    return (await res.json()).token;
  };
}

/** Break/heal pairs per side: [label, fault, heal fault or 'clear', words for the simulator column]. */
const SIDE_FAULTS = [
  ['Kill', 'kill', 'restore', 'process killed'],
  ['Out of service', 'out-of-service', 'in-service', 'out of service'],
  ['Notifications down', 'notification-down', 'notification-up', 'notifications down'],
  ['Black hole', 'blackhole', 'clear', 'black hole: accepts, never answers'],
  ['Lose call data', 'null-callvars', 'clear', 'serves calls without call variables'],
  ['Maintenance', 'maintenance', 'clear', 'maintenance mode'],
];
const FAULT_TEXT = Object.fromEntries(SIDE_FAULTS.map(([, fault, , words]) => [fault, words]));
Object.assign(FAULT_TEXT, { 'presence-unavailable': 'Finesse presence off', latency: 'slow answers', capacity: 'capacity limit', 'burst-503': 'refusing requests' });

/** Go durations in a text ("261.463905ms", "1.5s") rounded for people. */
export function humanDurations(text) {
  return String(text).replace(/(\d+(?:\.\d+)?)(ns|µs|us|ms|s)\b/g, (m, n, unit) => {
    const ms = Number(n) * { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 }[unit];
    if (ms < 1) return '<1 ms';
    return ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(1) + ' s';
  });
}

function describeFailure(res) {
  const pick = (name) => ((new RegExp('<' + name + '>([^<]*)</' + name + '>').exec(res.body || '') || [])[1] || '').trim();
  const what = [pick('ErrorType'), pick('ErrorMessage')].filter(Boolean).join(': ') || 'no details';
  return what + (pick('ErrorData') ? ' (' + pick('ErrorData').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&') + ')' : '');
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }) +
  '.' + String(Math.floor((ms % 1000) / 100));

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'data') Object.assign(e.dataset, v);
    else if (k === 'on') for (const [type, fn] of Object.entries(v)) e.addEventListener(type, fn);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== ''));
  return e;
}

// ---------------------------------------------------------------------------
// Banners: each has a source; a later success of that source clears it.

const banners = { error: { source: '' }, notice: { source: '' } };

function banner(kind, source, text) {
  const node = $(kind === 'error' ? 'demo-error' : 'demo-notice');
  banners[kind].source = text ? source : '';
  node.replaceChildren();
  node.hidden = !text;
  if (text) {
    node.append(el('span', {}, text), el('button', { type: 'button', class: 'close', title: 'Dismiss', textContent: '×', on: { click: () => banner(kind, '', '') } }));
  }
}
const showError = (source, err) => banner('error', source, err ? (err.message || String(err)).replace(/^finesse-ha: /, '') : '');
const clearError = (source) => {
  if (banners.error.source === source) banner('error', '', '');
};

// ---------------------------------------------------------------------------
// The timeline: the client's history() merged with what the page saw and
// did (agent and call events, requests, faults), in time order.

function note(kind, text, { side = '', detail = '', ok, at = Date.now() } = {}) {
  demo.log.push({ at, kind, text, side, detail, ok });
  if (demo.log.length > 500) demo.log.splice(0, 100);
  renderTimeline();
}

function renderTimeline() {
  const raw = demo.client ? demo.client.history() : [];
  demo.shownHistory = raw.length;
  const history = raw.map((h) => ({
    at: Date.parse(h.at), kind: 'failover', text: HISTORY_TEXT[h.what] || h.what, side: h.side, detail: h.detail, what: h.what,
  }));
  // Stable sort: entries of one millisecond keep the order they were made in.
  const all = [...history, ...demo.log].sort((a, b) => a.at - b.at).slice(-250);
  const list = $('timeline');
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...all.map((e) => {
    const detail = humanDurations(nameHosts(e.detail || ''));
    const short = detail.length > 70 ? detail.slice(0, 67) + '…' : detail;
    const line = [
      el('time', { dateTime: new Date(e.at).toISOString(), textContent: clock(e.at) }),
      el('span', { class: 'side', textContent: e.side || '' }),
      el('span', { class: 'what', textContent: e.text }),
      short ? el('span', { class: 'short', textContent: short }) : null,
    ];
    const cls = 'kind-' + e.kind + (e.ok === false ? ' failed' : '') + (e.what ? ' what-' + e.what : '');
    if (!detail) return el('li', { class: cls }, ...line);
    return el('li', { class: cls }, el('details', {}, el('summary', {}, ...line), el('pre', { textContent: detail })));
  }));
  if (atEnd) list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------------------
// The simulator: its truth about the sides, and the fault buttons.

let simState = null;

async function control(path, { method = 'GET', body } = {}) {
  let res;
  try {
    res = await fetch(CONTROL + path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error('The simulator is not reachable at ' + CONTROL + ' (is `make demo` running?)');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new Error('Simulator: ' + (data && data.error ? data.error : 'HTTP ' + res.status));
  return data;
}

async function refreshSim() {
  try {
    simState = await control('/control/state');
    clearError('sim');
    // SSO mode (finesse-sim -sso, make demo-sso): no password to type.
    $('login-password-label').hidden = !!simState.sso;
    $('sso-note').hidden = !simState.sso;
  } catch (err) {
    showError('sim', err);
  }
  renderSides();
}

/**
 * Transport errors name a side by its listening address (127.0.0.1:8445);
 * the page names it one way only, as the simulator does.
 */
function nameHosts(text) {
  if (!simState || !text) return text;
  let out = text;
  for (const s of simState.sides) {
    for (const u of [s.url, s.bosh, s.ws]) {
      try {
        out = out.split(new URL(u).host).join(s.host);
      } catch { /* not a URL: nothing to rename */ }
    }
  }
  return out;
}

/** "Side A · finesse-a.sim": the one way sides are named on this page. */
function sideName(letter) {
  const s = simState && simState.sides.find((x) => x.name === letter);
  return 'Side ' + letter + (s ? ' · ' + s.host : '');
}

function simCell(s) {
  const faults = s.faults.filter((f) => f !== 'kill');
  const words = !s.alive ? 'Down (process killed)' : STATUS_TEXT[s.status] || s.status;
  return el('td', { class: 'truth', data: { alive: String(s.alive), status: s.alive ? s.status : 'DOWN' } },
    el('span', { class: 'status s-' + (s.alive ? s.status : 'DOWN') }, words),
    s.statusReason ? el('span', { class: 'muted', textContent: ' (' + s.statusReason + ')' }) : null,
    s.master === undefined ? null : el('span', { class: 'chip', textContent: s.master ? 'master' : 'standby' }),
    ...faults.map((f) => el('span', { class: 'chip fault', textContent: FAULT_TEXT[f] || f })));
}

function clientCell(letter) {
  const view = demo.client ? demo.client.snapshot().sides.find((x) => x.side === letter) : null;
  if (!view) return el('td', { class: 'view muted', data: { status: '' } }, demo.client ? 'Not configured' : 'Not signed in');
  return el('td', { class: 'view', data: { status: view.status, active: String(view.active) } },
    el('span', { class: 'status s-' + (view.status || 'NONE') }, STATUS_TEXT[view.status] || view.status),
    view.active ? el('span', { class: 'chip active', textContent: 'in use' }) : null);
}

let sidesKey = '';

// Rebuilt only when something shown changed: a table replaced under the
// pointer between mousedown and mouseup would eat the click.
function renderSides() {
  if (!simState) return;
  const views = demo.client ? demo.client.snapshot().sides : [];
  const key = JSON.stringify([simState.sides.map((s) => [s.name, s.host, s.alive, s.status, s.statusReason, s.master, s.faults]), views, !!demo.client]);
  if (key === sidesKey) return;
  sidesKey = key;
  $('sides').tBodies[0].replaceChildren(...simState.sides.map((s) => {
    const buttons = el('td', { class: 'faults' });
    for (const [label, fault, heal] of SIDE_FAULTS) {
      const active = fault === 'kill' ? !s.alive : s.faults.includes(fault);
      buttons.append(el('button', {
        type: 'button',
        className: active ? 'heal' : 'break',
        textContent: active ? 'Undo ' + label.toLowerCase() : label,
        data: { fault: active ? heal : fault, side: s.name },
        on: { click: () => inject(label, fault, heal, s.name, active) },
      }));
    }
    return el('tr', { data: { side: s.name } },
      el('th', { scope: 'row' }, el('span', { class: 'letter', textContent: s.name }), ' ', el('span', { class: 'host', textContent: s.host })),
      simCell(s), clientCell(s.name), buttons);
  }));
}

/** Faults that take a side away from the client: they get a failover readout. */
const OUTAGES = new Set(['kill', 'out-of-service', 'notification-down', 'blackhole', 'maintenance']);

async function inject(label, fault, heal, side, undo) {
  const body = undo ? (heal === 'clear' ? { fault, side, clear: true } : { fault: heal, side }) : { fault, side };
  const what = (undo ? 'Undo ' + label.toLowerCase() : label) + ' on side ' + side;
  // The clock starts at the click: the client may react before the
  // simulator's answer arrives.
  const started = !undo && OUTAGES.has(fault) ? watchFailover(what, side) : null;
  const at = Date.now();
  try {
    await control('/control/fault', { method: 'POST', body });
    clearError('fault');
    note('fault', what, { side, at });
  } catch (err) {
    if (started && watch === started) {
      watch = null;
      renderReadout();
    }
    showError('fault', err);
  }
  await refreshSim();
}

// ---------------------------------------------------------------------------
// The "failed over in N s" readout: from a fault on the side in use until
// the client is connected again.

let watch = null;

function watchFailover(what, side) {
  const c = demo.client ? demo.client.snapshot().connection : null;
  if (!c || c.state !== 'connected') return null;
  watch = { what, from: c.side, t0: performance.now(), left: false, done: false, affects: side === c.side || side === 'both' };
  renderReadout();
  return watch;
}

function renderReadout() {
  const out = $('failover-readout');
  if (!watch) {
    out.replaceChildren();
    out.dataset.phase = 'idle';
    return;
  }
  const s = ((watch.done ? watch.elapsed : performance.now() - watch.t0) / 1000).toFixed(1);
  let text;
  let phase;
  if (watch.done) {
    phase = 'done';
    text = (watch.to === watch.from ? 'Reconnected to side ' : 'Failed over to side ') + watch.to + ' in ' + s + ' s';
  } else if (watch.left) {
    phase = 'running';
    text = 'Failing over… ' + s + ' s';
  } else if (watch.affects) {
    phase = 'detecting';
    text = 'Detecting the failure… ' + s + ' s';
  } else {
    phase = 'unaffected';
    text = 'Not affected: the client is on side ' + watch.from;
  }
  out.replaceChildren(el('span', { class: 'main', textContent: text }), el('span', { class: 'cause', textContent: 'after: ' + watch.what }));
  out.dataset.phase = phase;
  if (watch.done) out.dataset.seconds = s;
}

function onConnectionForReadout(c) {
  if (!watch || watch.done || !watch.affects) return;
  if (c.state !== 'connected') watch.left = true;
  else if (watch.left) Object.assign(watch, { done: true, to: c.side, elapsed: performance.now() - watch.t0 });
  renderReadout();
}

// ---------------------------------------------------------------------------
// The client.

async function request(label, method, path, body) {
  const t0 = performance.now();
  const at = Date.now(); // listed when sent: before the change it causes
  try {
    const res = await demo.client.request(method, path, body);
    const ms = Math.round(performance.now() - t0);
    const ok = res.status >= 200 && res.status < 300;
    note('request', label + (ok ? (res.status === 202 ? ': accepted' : ': OK') : ': refused') + ' · HTTP ' + res.status + ' · ' + ms + ' ms',
      { ok, at, detail: ok ? '' : describeFailure(res) + '\n' + method + ' ' + path });
    if (!ok) throw new Error(label + ' refused by Finesse: ' + describeFailure(res) + ', HTTP ' + res.status);
    clearError('request');
    return res;
  } catch (err) {
    if (!/refused by Finesse/.test(err.message)) note('request', label + ': failed', { ok: false, at, detail: nameHosts(err.message) });
    showError('request', err);
    throw err;
  }
}

/** The .wasm's download, shown until the client reports its first state. */
function showLoad({ loaded, total }) {
  const el = $('connection-state');
  const mb = (n) => (n / 1e6).toFixed(1);
  el.textContent = 'Loading the client… ' + (total ? mb(loaded) + ' of ' + mb(total) + ' MB' : mb(loaded) + ' MB');
  el.dataset.loaded = String(loaded);
}

function renderConnection(c) {
  $('connection-state').textContent = CONNECTION_TEXT[c.state] || c.state;
  $('connection-state').dataset.state = c.state;
  const side = $('connection-side');
  side.dataset.side = c.side;
  side.textContent = c.side
    ? (c.state === 'connected' ? 'on ' : 'trying ') + sideName(c.side) + (c.transport ? ' · over ' + (c.transport === 'bosh' ? 'BOSH' : 'WebSocket') : '')
    : '';
  if (c.state !== 'connected' && c.reason) side.textContent += (side.textContent ? ' · ' : '') + humanDurations(nameHosts(c.reason));
}

const reasons = new Map();

function renderAgent(a) {
  a = a || { state: '' };
  let text = AGENT_TEXT[a.state] || a.state || (demo.client ? 'Signing in…' : 'Not signed in');
  if (a.state === 'NOT_READY' && a.reasonCode) text += ' — ' + (reasons.get(a.reasonCode) || 'reason ' + a.reasonCode);
  if (a.forcedLogout) text = 'Signed out by Finesse (forced logout)';
  $('agent-state').textContent = text;
  $('agent-state').dataset.state = a.state;
  $('agent-state').dataset.reason = a.reasonCode || '';
  $('agent-detail').textContent = [
    a.previous ? 'before: ' + (AGENT_TEXT[a.previous] || a.previous) : '',
    a.synthetic ? 'found by a re-sync after the switch' : '',
  ].filter(Boolean).join(' · ');
}

const ACTIONS = { ANSWER: 'Answer', HOLD: 'Hold', RETRIEVE: 'Resume', DROP: 'Hang up' };

function renderCalls() {
  const dialogs = demo.client ? demo.client.snapshot().dialogs : [];
  const ext = demo.agent ? demo.agent.extension : '';
  $('no-calls').hidden = dialogs.length > 0;
  $('calls').replaceChildren(...dialogs.map((d) => {
    const restored = new Set(d.restoredFields);
    const me = d.participants.find((p) => p.mediaAddress === ext);
    const state = me && me.state === 'HELD' ? 'HELD' : d.state;
    const names = Object.keys(d.callVariables).sort((a, b) => {
      const n = (s) => Number((/^callVariable(\d+)$/.exec(s) || [])[1] || 1e9);
      return n(a) - n(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
    const vars = el('dl', { class: 'vars' }, ...names.flatMap((name) => {
      const r = restored.has(name);
      return [
        el('dt', { className: r ? 'restored' : '', textContent: name.replace(/^user\./, '') }),
        el('dd', {
          className: r ? 'restored' : '', textContent: d.callVariables[name],
          title: r ? 'Kept from before the failover: the new side lost it' : '',
          data: { var: name, restored: String(r) },
        }),
      ];
    }));
    const offered = me && me.actions.length ? me.actions : [];
    const buttons = ['ANSWER', 'HOLD', 'RETRIEVE', 'DROP'].filter((a) => offered.includes(a)).map((action) => el('button', {
      type: 'button', className: action === 'ANSWER' ? 'primary' : action === 'DROP' ? 'danger' : '', textContent: ACTIONS[action],
      data: { action },
      on: {
        click: () => request(ACTIONS[action], 'PUT', '/finesse/api/Dialog/' + encodeURIComponent(d.id),
          '<Dialog><targetMediaAddress>' + ext + '</targetMediaAddress><requestedAction>' + action + '</requestedAction></Dialog>').catch(() => {}),
      },
    }));
    return el('article', { class: 'call', data: { callKey: d.callKey, state } },
      el('header', {},
        el('strong', { textContent: (d.ani || d.fromAddress) + ' → ' + d.toAddress }),
        el('span', { class: 'chip', textContent: { ALERTING: 'Ringing', ACTIVE: 'Connected', HELD: 'On hold', INITIATED: 'Dialling' }[state] || state }),
        d.restored ? el('span', { class: 'chip restored', textContent: restored.size + ' values restored' }) : null),
      d.restored ? el('p', { class: 'restored-note', textContent: 'Highlighted values were lost by the side the client moved to; finesse-ha kept them from before the failover.' }) : null,
      vars,
      el('div', { class: 'row' }, ...buttons));
  }));
}

function setSignedIn(on) {
  for (const id of ['agent-ready', 'agent-notready', 'agent-reason', 'ring']) $(id).disabled = !on;
  $('login').hidden = on;
  $('signed-in').hidden = !on;
  $('signed-in-who').textContent = on ? 'Agent ' + demo.agent.id + ' · extension ' + demo.agent.extension : '';
}

async function loadReasons(agentURL) {
  const res = await request('Load Not Ready reasons', 'GET', agentURL + '/ReasonCodes?category=NOT_READY');
  const list = [...res.body.matchAll(/<ReasonCode>([\s\S]*?)<\/ReasonCode>/g)].map((m) => ({
    id: (/<id>([^<]*)<\/id>/.exec(m[1]) || [])[1] || '',
    label: (/<label>([^<]*)<\/label>/.exec(m[1]) || [])[1] || '',
  })).filter((r) => r.id);
  reasons.clear();
  for (const r of list) reasons.set(r.id, r.label.replace(/&amp;/g, '&'));
  $('agent-reason').replaceChildren(new Option('Reason…', ''), ...[...reasons].map(([id, label]) => new Option(label, id)));
}

async function connect({ agent, extension, password, transport }) {
  if (demo.client) await disconnect(false);
  if (!simState) await refreshSim();
  if (!simState) throw new Error('The simulator control API is not reachable at ' + CONTROL);
  const client = await createClient({
    sides: simState.sides.map((s) => ({ rest: s.url, bosh: s.bosh, websocket: s.ws })),
    agent: { id: agent, extension },
    auth: simState.sso ? { getToken: tokenSource(agent) } : { username: agent, password },
    transport,
    allowInsecure: true, // the simulator listens on http://127.0.0.1
    policy: { jitterMs: 500 },
    onProgress: showLoad,
  });
  demo.client = client;
  demo.agent = { id: agent, extension };
  for (const type of ['connection', 'agent', 'dialog', 'notification', 'error']) {
    client.on(type, (event) => {
      demo.events.push({ type, event, time: new Date().toLocaleTimeString() });
      if (demo.events.length > 1000) demo.events.splice(0, 100);
    });
  }
  client.on('connection', (e) => {
    renderConnection(e);
    onConnectionForReadout(e);
    renderSides();
    renderTimeline();
    if (e.state === 'unauthorized') showError('client', new Error('Finesse refused the agent ID or password.'));
  });
  client.on('agent', (e) => {
    renderAgent(e);
    note('agent', 'Agent: ' + (AGENT_TEXT[e.state] || e.state) + (e.reasonCode && reasons.has(e.reasonCode) ? ' (' + reasons.get(e.reasonCode) + ')' : ''),
      { detail: e.synthetic ? 'found by a re-sync after a reconnect' : '' });
  });
  client.on('dialog', (e) => {
    renderCalls();
    const d = e.dialog;
    note('call', 'Call ' + { added: 'arrived', updated: 'changed', removed: 'ended' }[e.action] + ' · ' + (d.ani || d.fromAddress) + ' · ' + d.state,
      { detail: (e.synthetic ? 'found by a re-sync' : '') + (d.restored ? (e.synthetic ? '; ' : '') + 'restored: ' + d.restoredFields.join(', ') : '') });
  });
  client.on('error', (e) => showError('client', e));
  const snap = client.snapshot();
  renderConnection(snap.connection);
  renderAgent(snap.agent); // null until the first User arrives
  renderCalls();
  setSignedIn(true);
  const agentURL = '/finesse/api/User/' + encodeURIComponent(agent);
  await request('Sign in (LOGIN, extension ' + extension + ')', 'PUT', agentURL,
    '<User><state>LOGIN</state><extension>' + extension + '</extension></User>');
  await loadReasons(agentURL).catch(() => {});
  renderAgent(client.snapshot().agent);
}

async function disconnect(logout = true) {
  const client = demo.client;
  if (!client) return;
  const a = client.snapshot().agent;
  if (logout && a && a.state && a.state !== 'LOGOUT') {
    await request('Sign out (LOGOUT)', 'PUT', '/finesse/api/User/' + encodeURIComponent(demo.agent.id), '<User><state>LOGOUT</state></User>').catch(() => {});
  }
  demo.client = null;
  watch = null;
  renderReadout();
  await client.close();
  setSignedIn(false);
  renderConnection({ state: 'idle', side: '' });
  renderAgent(null);
  renderCalls();
  renderSides();
  banner('notice', '', '');
  banner('error', '', '');
  note('client', 'Client closed');
}

const agentPath = () => '/finesse/api/User/' + encodeURIComponent(demo.agent.id);
$('agent-ready').addEventListener('click', () => {
  request('Ready', 'PUT', agentPath(), '<User><state>READY</state></User>').catch(() => {});
});
$('agent-notready').addEventListener('click', () => {
  const id = $('agent-reason').value;
  const label = 'Not Ready' + (id ? ' (' + reasons.get(id) + ')' : '');
  request(label, 'PUT', agentPath(), '<User><state>NOT_READY</state>' + (id ? '<reasonCodeId>' + id + '</reasonCodeId>' : '') + '</User>').catch(() => {});
});
$('ring').addEventListener('click', async () => {
  const a = demo.client && demo.client.snapshot().agent;
  if (!a || a.state !== 'READY') {
    // The simulator rings only Ready agents; say so before asking it.
    showError('ring', new Error('The simulator rings Ready agents only: go Ready first.'));
    return;
  }
  const at = Date.now();
  try {
    await control('/control/call?agent=' + encodeURIComponent(demo.agent.id), { method: 'POST' });
    clearError('ring');
    note('sim', 'The simulator rings a call', { at });
  } catch (err) {
    showError('ring', err);
  }
});
$('reset-faults').addEventListener('click', async () => {
  try {
    await control('/control/reset', { method: 'POST' });
    clearError('fault');
    note('fault', 'Every fault healed');
  } catch (err) {
    showError('fault', err);
  }
  await refreshSim();
});
$('disconnect').addEventListener('click', () => { disconnect().catch((err) => showError('client', err)); });

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const password = $('login-password').value;
  // The password lives on only in the client's memory.
  $('login-password').value = '';
  const creds = {
    agent: $('login-agent').value.trim(), extension: $('login-extension').value.trim(), password, transport: $('login-transport').value,
  };
  showError('', null);
  $('login-submit').disabled = true;
  connect(creds).then(() => clearError('client'), (err) => showError('client', err)).finally(() => { $('login-submit').disabled = false; });
});

if (params.has('agent')) $('login-agent').value = $('login-extension').value = params.get('agent');
if (params.has('transport')) $('login-transport').value = params.get('transport');
// The form is the script's now; until here its button was disabled, so it
// could never submit natively.
$('login-submit').disabled = false;
setInterval(() => {
  refreshSim();
  if (watch && !watch.done) renderReadout();
  // History grows without an event too (a poll, a token refresh).
  if (demo.client && demo.client.history().length !== demo.shownHistory) renderTimeline();
}, 1000);
setInterval(() => { if (watch && !watch.done) renderReadout(); }, 100);
await refreshSim();
renderTimeline();
if (params.get('autoconnect') === '1') $('login').requestSubmit();
