// The CRM softphone's logic (softphone.js without its DOM part): the
// configuration, the client options, and wiring of adapters and bridge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseConfig, clientOptions, startSoftphone, parseReasonCodes, describeFailure, describeAgent, act, callActions, callState, byVariable,
  describeLoad, tokenSourceFor, hostTokenSource,
} from '../softphone.js';
import { FakeClient, FakeWindow, messageEvent, settle, dialogEvent, golden } from './fakes.mjs';
import { CHANNEL } from '../postmessage-bridge.js';

const CONFIG = JSON.stringify({
  sides: ['https://fin-a.example.com:8445', 'https://fin-b.example.com:8445'],
  transport: 'bosh',
  host: 'salesforce',
  allowedOrigins: ['https://crm.example.com'],
  policy: { jitterMs: 500 },
});
const CREDS = { agentId: '1001001', extension: '1001001', password: 'hunter2' };

test('parseConfig reads the deployment configuration and names what is wrong', () => {
  const cfg = parseConfig(CONFIG);
  assert.equal(cfg.host, 'salesforce');
  assert.deepEqual(parseConfig('{"sides":["https://a"]}').allowedOrigins, []);
  assert.equal(parseConfig('{"sides":["https://a"]}').host, 'standalone');
  assert.throws(() => parseConfig('{'), /not valid JSON/);
  assert.throws(() => parseConfig('[]'), /must be a JSON object/);
  assert.throws(() => parseConfig('{"host":"zendesk"}'), /config\.host must be one of standalone, dynamics, salesforce; got "zendesk"/);
  assert.throws(() => parseConfig('{"allowedOrigins":"https://crm"}'), /config\.allowedOrigins must be an array/);
  assert.throws(() => parseConfig('{"auth":{"username":"a","password":"b"}}'), /must not hold agent or auth/);
});

test('clientOptions combines the configuration with what the agent typed', () => {
  const cfg = parseConfig(CONFIG);
  assert.deepEqual(clientOptions(cfg, CREDS), {
    sides: cfg.sides,
    transport: 'bosh',
    policy: { jitterMs: 500 },
    agent: { id: '1001001', extension: '1001001' },
    auth: { username: '1001001', password: 'hunter2' },
  });
  assert.deepEqual(clientOptions(cfg, { ...CREDS, password: '', token: 'sso' }).auth, { token: 'sso' });
  const getToken = async () => 'next';
  assert.deepEqual(clientOptions(cfg, { ...CREDS, password: '', token: 'sso', getToken }).auth, { token: 'sso', getToken },
    'the client refreshes through the same source');
});

test('config.tokenSource "host" needs the host\'s origin; tokenSourceFor picks the one token source', async (t) => {
  const sso = parseConfig('{"sides":["https://a"],"tokenSource":"host","allowedOrigins":["https://crm.example.com"]}');
  assert.equal(sso.tokenSource, 'host');
  assert.throws(() => parseConfig('{"tokenSource":"host"}'), /tokenSource "host" needs the host page's origin in config\.allowedOrigins/);
  assert.throws(() => parseConfig('{"tokenSource":"idp","allowedOrigins":["https://crm.example.com"]}'), /config\.tokenSource must be "host" .*got "idp"/);

  const win = new FakeWindow('https://softphone.example.net');
  const fromHost = tokenSourceFor(sso, { window: win });
  t.after(() => fromHost.close());
  assert.equal(typeof fromHost.getToken, 'function');
  assert.deepEqual(fromHost.stats().requests, 0);
  const own = async () => 'tok';
  const pw = parseConfig(CONFIG);
  assert.equal(tokenSourceFor(pw, { getToken: own }).getToken, own, 'the integrator\'s own source (mountSoftphone getToken)');
  assert.equal(tokenSourceFor(pw, {}), null, 'no source: the agent types a password');
  assert.throws(() => tokenSourceFor(sso, { getToken: own, window: win }), /choose one token source/);
  assert.throws(() => tokenSourceFor(pw, { getToken: 'tok' }), /getToken must be a function/);
  // Not framed (window.parent is the window itself): a rejection in words, at once.
  const alone = hostTokenSource({ allowedOrigins: ['https://crm.example.com'], window: win, host: win });
  await assert.rejects(alone.getToken(), (e) => e.reason === 'the softphone is not framed by a CRM page');
  alone.close();
});

test('startSoftphone creates the client, attaches the configured host and the bridge', async (t) => {
  const client = new FakeClient();
  const created = [];
  const attached = [];
  const win = new FakeWindow('https://softphone.example.net');
  const phone = await startSoftphone({
    createClient: async (options) => { created.push(options); return client; },
    config: parseConfig(CONFIG),
    credentials: CREDS,
    window: win,
    hosts: { salesforce: (args) => { attached.push(args); return { detach() { attached.push('detached'); } }; } },
  });
  assert.equal(created.length, 1);
  assert.equal(created[0].auth.password, 'hunter2');
  assert.deepEqual(attached.map((a) => [a.client === client, a.agentId, a.extension]), [[true, '1001001', '1001001']]);
  assert.ok(phone.bridge, 'allowedOrigins configured: bridge on');

  // The bridge answers the allowed origin only.
  const posts = [];
  const crm = { postMessage: (msg, origin) => posts.push([msg.type, origin]) };
  win.dispatchEvent(messageEvent({ channel: CHANNEL, id: 1, type: 'snapshot' }, 'https://crm.example.com', crm));
  win.dispatchEvent(messageEvent({ channel: CHANNEL, id: 2, type: 'snapshot' }, 'https://evil.test', crm));
  await settle();
  assert.deepEqual(posts, [['result', 'https://crm.example.com']]);

  await phone.stop();
  assert.equal(client.closed, 1);
  assert.equal(attached.at(-1), 'detached');
  assert.equal(client.listenerCount(), 0, 'bridge listeners gone');
});

test('standalone without allowedOrigins runs no adapter and no bridge', async () => {
  const client = new FakeClient();
  const phone = await startSoftphone({
    createClient: async () => client,
    config: parseConfig('{"sides":["https://fin-a"],"transport":"bosh"}'),
    credentials: CREDS,
    window: new FakeWindow('https://softphone.example.net'),
    hosts: {},
  });
  assert.equal(phone.adapter, null);
  assert.equal(phone.bridge, null);
});

test('a host adapter that fails to attach closes the client and rejects', async () => {
  const client = new FakeClient();
  await assert.rejects(startSoftphone({
    createClient: async () => client,
    config: parseConfig('{"sides":["https://fin-a"],"transport":"bosh","host":"dynamics"}'),
    credentials: CREDS,
    window: new FakeWindow('https://softphone.example.net'),
    hosts: { dynamics: async () => { throw new Error('CIFInitDone did not fire'); } },
  }), /CIFInitDone did not fire/);
  assert.equal(client.closed, 1);
});

test('every option of the Go contract passes through from the deployment configuration (options.json)', () => {
  const goOptions = golden('options.json'); // every field set, as the Go Options type names them
  const config = { ...goOptions, wasmURL: 'https://cdn.example.com/finesse-ha.wasm' };
  delete config.agent;
  delete config.auth;
  const options = clientOptions(config, CREDS);
  for (const key of Object.keys(goOptions)) {
    if (key === 'agent' || key === 'auth') continue;
    assert.deepEqual(options[key], goOptions[key], key + ' passes through');
  }
  assert.deepEqual(Object.keys(options).sort(), [...Object.keys(goOptions), 'wasmURL'].sort(), 'and nothing the Go side does not know');
});

test('parseReasonCodes reads Finesse ReasonCodes: id (what PUT User takes), code, label', () => {
  const xml = `<?xml version="1.0"?><ReasonCodes category="NOT_READY">
    <ReasonCode><category>NOT_READY</category><uri>/finesse/api/ReasonCode/12</uri><code>2</code>
      <label>Lunch &amp; break</label><forAll>true</forAll><id>12</id></ReasonCode>
    <ReasonCode><uri>/finesse/api/ReasonCode/13</uri><code>3</code><label>Meeting</label></ReasonCode>
    <ReasonCode><label>no id</label></ReasonCode>
  </ReasonCodes>`;
  assert.deepEqual(parseReasonCodes(xml), [
    { id: '12', code: '2', label: 'Lunch & break' },
    { id: '13', code: '3', label: 'Meeting' },
  ]);
  assert.deepEqual(parseReasonCodes(''), []);
  assert.deepEqual(parseReasonCodes('<ApiErrors/>'), []);
});

test('describeFailure says what Finesse refused, from its ApiErrors body', () => {
  const body = '<ApiErrors><ApiError><ErrorType>Invalid State</ErrorType><ErrorMessage>Invalid state change request</ErrorMessage>' +
    '<ErrorData>LOGOUT -&gt; READY</ErrorData></ApiError></ApiErrors>';
  assert.equal(describeFailure({ status: 400, body }), 'Invalid State: Invalid state change request (LOGOUT -> READY), HTTP 400');
  assert.equal(describeFailure({ status: 502, body: '' }), 'no details, HTTP 502');
});

test('act turns a non-2xx status and a rejection into errors that name the action', async () => {
  const client = new FakeClient();
  client.requestImpl = async () => ({ status: 400, headers: {}, body: '<ApiErrors><ApiError><ErrorType>Invalid State</ErrorType></ApiError></ApiErrors>', requestId: 'r' });
  await assert.rejects(act(client, 'Ready', 'PUT', '/finesse/api/User/1', '<User/>'), /^Error: Ready failed: Invalid State, HTTP 400$/);
  client.requestImpl = async () => { throw new Error('finesse-ha: no side reachable'); };
  await assert.rejects(act(client, 'Hold', 'PUT', '/x'), /^Error: Hold failed: no side reachable$/);
  client.requestImpl = async () => ({ status: 202, headers: {}, body: '', requestId: 'r' });
  assert.equal((await act(client, 'Ready', 'PUT', '/x')).status, 202);
});

test('describeAgent words the state, with the reason label and a forced logout', () => {
  const reasons = new Map([['2', 'Lunch']]);
  assert.equal(describeAgent(null), 'Signing in…', 'snapshot().agent is null right after createClient');
  assert.equal(describeAgent({ state: 'READY' }), 'Ready');
  assert.equal(describeAgent({ state: 'NOT_READY', reasonCode: '2' }, reasons), 'Not Ready — Lunch');
  assert.equal(describeAgent({ state: 'NOT_READY', reasonCode: '9' }, reasons), 'Not Ready — reason 9');
  assert.equal(describeAgent({ state: 'LOGOUT', reasonCode: '255', forcedLogout: true }), 'Signed out by the server (forced logout)');
  assert.equal(describeAgent({ state: 'SOMETHING_NEW' }), 'SOMETHING_NEW');
});

test('callActions offers the Finesse actions for the agent, by call state when the dialog has none', () => {
  const d = { ...dialogEvent('added').dialog, state: 'ALERTING', participants: [] };
  assert.deepEqual(callActions(d, '1001001'), ['ANSWER']);
  const held = { ...d, state: 'ACTIVE', participants: [{ mediaAddress: '1001001', state: 'HELD', actions: ['RETRIEVE', 'DROP'] }] };
  assert.equal(callState(held, '1001001'), 'HELD', 'Finesse keeps the dialog ACTIVE on hold');
  assert.deepEqual(callActions(held, '1001001'), ['RETRIEVE', 'DROP']);
  assert.deepEqual(callActions({ ...d, state: 'ACTIVE' }, '1001001'), ['HOLD', 'DROP']);
});

test('startSoftphone hands the loader its progress callback, and describeLoad words it', async () => {
  const created = [];
  const seen = [];
  await startSoftphone({
    createClient: async (options) => { created.push(options); options.onProgress({ loaded: 600_000, total: 1_500_000 }); return new FakeClient(); },
    config: parseConfig(JSON.stringify({ sides: ['https://fin-a.example.com:8445'], transport: 'bosh', host: 'standalone', allowedOrigins: [] })),
    credentials: CREDS,
    onProgress: (p) => seen.push(p),
  });
  assert.deepEqual(seen, [{ loaded: 600_000, total: 1_500_000 }]);
  assert.equal(describeLoad({ loaded: 600_000, total: 1_500_000 }), 'Loading the phone… 0.6 of 1.5 MB');
  assert.equal(describeLoad({ loaded: 600_000 }), 'Loading the phone… 0.6 MB', 'no total without a Content-Length');
});

test('byVariable orders call variables as an agent reads them', () => {
  assert.deepEqual(['user.b', 'callVariable10', 'callVariable2', 'user.a', 'callVariable1'].sort(byVariable),
    ['callVariable1', 'callVariable2', 'callVariable10', 'user.a', 'user.b']);
});
