// finesse-ha demo page: the client against the simulator, with the
// simulator's fault buttons. Plain ES module; served by `make demo`.
//
// The simulator's control API (GET /control/state, POST /control/fault, ...)
// is on the page's origin unless ?control=<url> says otherwise; the client
// package is one folder up (web/index.js and finesse-ha.wasm).
//
// For end-to-end tests: ?autoconnect=1 signs in at once; window.finesseHADemo
// holds {client, events}; element ids and data-* attributes below are stable.

import { createClient } from '../index.js';

const params = new URLSearchParams(location.search);
const CONTROL = (params.get('control') || location.origin).replace(/\/$/, '');
const $ = (id) => document.getElementById(id);

/** Break/heal pairs per side: [label, fault, heal fault or 'clear'] */
const SIDE_FAULTS = [
  ['Kill', 'kill', 'restore'],
  ['Out of service', 'out-of-service', 'in-service'],
  ['Notifications down', 'notification-down', 'notification-up'],
  ['finesse presence off', 'presence-unavailable', 'presence-available'],
  ['Black hole', 'blackhole', 'clear'],
  ['Maintenance', 'maintenance', 'clear'],
  ['Lose call variables', 'null-callvars', 'clear'],
];

const demo = { client: null, events: [] };
window.finesseHADemo = demo;

function showError(err) {
  $('demo-error').textContent = err ? (err.message || String(err)) : '';
}

async function control(path, { method = 'GET', body } = {}) {
  const res = await fetch(CONTROL + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) throw new Error('simulator: ' + (data && data.error ? data.error : 'HTTP ' + res.status));
  return data;
}

// ---------------------------------------------------------------------------
// Simulator state and fault buttons.

let simState = null;

function renderSides() {
  const tbody = $('sides').tBodies[0];
  if (!simState) return;
  const rows = simState.sides.map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.side = s.name;
    const cells = [
      s.name + ' ' + s.host,
      s.status + (s.statusReason ? ' (' + s.statusReason + ')' : '') + (s.master === undefined ? '' : s.master ? ', master' : ', standby'),
      s.alive ? 'yes' : 'no',
      s.faults.length ? s.faults.join(', ') : '-',
    ].map((text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    });
    const buttons = document.createElement('td');
    for (const [label, fault, heal] of SIDE_FAULTS) {
      const active = s.faults.includes(fault) || (fault === 'kill' && !s.alive);
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.fault = active ? heal : fault;
      b.dataset.side = s.name;
      b.className = active ? 'heal' : 'break';
      b.textContent = active ? 'Undo: ' + label : label;
      b.addEventListener('click', () => {
        const body = active && heal === 'clear' ? { fault, side: s.name, clear: true } : { fault: b.dataset.fault, side: s.name };
        control('/control/fault', { method: 'POST', body }).then(refreshSim, showError);
      });
      buttons.append(b);
    }
    tr.append(...cells, buttons);
    return tr;
  });
  tbody.replaceChildren(...rows);
}

async function refreshSim() {
  try {
    simState = await control('/control/state');
    renderSides();
  } catch (err) {
    showError(err);
  }
}

$('reset-faults').addEventListener('click', () => {
  control('/control/reset', { method: 'POST' }).then(refreshSim, showError);
});

// ---------------------------------------------------------------------------
// The client.

function renderConnection(c) {
  $('connection-state').textContent = c.state;
  $('connection-state').dataset.state = c.state;
  $('connection-side').textContent = c.side ? 'side ' + c.side + ' (' + c.host + ')' + (c.transport ? ' over ' + c.transport : '') : '';
  $('connection-side').dataset.side = c.side;
  $('connection-detail').textContent = [c.reason, c.attempt ? 'attempt ' + c.attempt : '', c.since ? 'since ' + new Date(c.since).toLocaleTimeString() : '']
    .filter(Boolean).join(' · ');
}

// a is null in a snapshot taken before the first agent state has arrived.
function renderAgent(a) {
  a = a || {};
  $('agent-state').textContent = a.state || '-';
  $('agent-state').dataset.state = a.state;
  $('agent-detail').textContent = [
    a.previous ? 'before: ' + a.previous : '',
    a.reasonCode ? 'reason code ' + a.reasonCode : '',
    a.forcedLogout ? 'forced logout by the old side' : '',
    a.synthetic ? 'found by re-sync' : '',
  ].filter(Boolean).join(' · ');
}

function renderCalls() {
  const dialogs = demo.client.snapshot().dialogs;
  $('no-calls').hidden = dialogs.length > 0;
  $('calls').tBodies[0].replaceChildren(...dialogs.map((d) => {
    const tr = document.createElement('tr');
    tr.dataset.callKey = d.callKey;
    const restored = new Set(d.restoredFields);
    const vars = document.createElement('td');
    for (const [name, value] of Object.entries(d.callVariables)) {
      const span = document.createElement('div');
      span.textContent = name + ' = ' + value;
      if (restored.has('callVariables.' + name)) {
        span.className = 'restored';
        span.title = 'kept from before the failover: the server lost it';
      }
      vars.append(span);
    }
    const actions = document.createElement('td');
    for (const [label, action] of [['Answer', 'ANSWER'], ['Hang up', 'DROP']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.addEventListener('click', () => {
        const ext = demo.agent.extension;
        demo.client.request('PUT', '/finesse/api/Dialog/' + encodeURIComponent(d.id),
          '<Dialog><targetMediaAddress>' + ext + '</targetMediaAddress><requestedAction>' + action + '</requestedAction></Dialog>')
          .catch(showError);
      });
      actions.append(b);
    }
    const cell = (text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    };
    tr.append(cell(d.state), cell(d.ani || d.fromAddress), cell(d.toAddress), vars, actions);
    return tr;
  }));
}

function renderTimeline() {
  const items = demo.client.history().map((h) => {
    const li = document.createElement('li');
    li.textContent = new Date(h.at).toLocaleTimeString() + '  ' + h.what + (h.side ? ' [' + h.side + ']' : '') + (h.detail ? '  ' + h.detail : '');
    return li;
  });
  for (const e of demo.events.filter((x) => x.type === 'dialog' || x.type === 'agent')) {
    const li = document.createElement('li');
    const d = e.event;
    li.textContent = e.time + '  ' + (e.type === 'dialog'
      ? 'call ' + d.action + ' ' + d.dialog.state + ' ' + (d.dialog.ani || '')
      : 'agent ' + d.state);
    if (d.synthetic) {
      li.className = 'synthetic';
      li.textContent += '  (re-sync)';
    }
    items.push(li);
  }
  $('timeline').replaceChildren(...items);
}

function setControls(enabled) {
  for (const id of ['agent-ready', 'agent-notready', 'ring', 'disconnect']) $(id).disabled = !enabled;
}

async function connect({ agent, password, transport }) {
  if (!simState) await refreshSim();
  if (!simState) throw new Error('the simulator control API is not reachable at ' + CONTROL);
  const client = await createClient({
    sides: simState.sides.map((s) => ({ rest: s.url, bosh: s.bosh, websocket: s.ws })),
    agent: { id: agent, extension: agent },
    auth: { username: agent, password },
    transport,
    allowInsecure: true, // the simulator listens on http://127.0.0.1
    policy: { jitterMs: 500 },
  });
  demo.client = client;
  demo.agent = { id: agent, extension: agent };
  for (const type of ['connection', 'agent', 'dialog', 'notification', 'error']) {
    client.on(type, (event) => {
      demo.events.push({ type, event, time: new Date().toLocaleTimeString() });
      if (demo.events.length > 1000) demo.events.splice(0, 100);
    });
  }
  client.on('connection', (e) => { renderConnection(e); renderTimeline(); refreshSim(); });
  client.on('agent', (e) => { renderAgent(e); renderTimeline(); });
  client.on('dialog', () => { renderCalls(); renderTimeline(); });
  client.on('error', (e) => showError(e));
  const snap = client.snapshot();
  renderConnection(snap.connection);
  renderAgent(snap.agent);
  renderCalls();
  renderTimeline();
  setControls(true);
  $('login').hidden = true;
}

const setState = (state) => demo.client
  .request('PUT', '/finesse/api/User/' + encodeURIComponent(demo.agent.id), '<User><state>' + state + '</state></User>')
  .catch(showError);
$('agent-ready').addEventListener('click', () => setState('READY'));
$('agent-notready').addEventListener('click', () => setState('NOT_READY'));
$('ring').addEventListener('click', () => {
  control('/control/call?agent=' + encodeURIComponent(demo.agent.id), { method: 'POST' }).catch(showError);
});
$('disconnect').addEventListener('click', async () => {
  setControls(false);
  try {
    await demo.client.close();
  } catch (err) {
    showError(err);
  }
  $('login').hidden = false;
});

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  showError(null);
  connect({ agent: f.agent.value.trim(), password: f.password.value, transport: f.transport.value }).catch(showError);
});

for (const name of ['agent', 'password', 'transport']) {
  if (params.has(name)) $('login')[name].value = params.get(name);
}
await refreshSim();
setInterval(refreshSim, 2000);
if (params.get('autoconnect') === '1') $('login').requestSubmit();
