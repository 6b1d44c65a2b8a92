// The CRM softphone's logic (softphone.js without its DOM part): the
// configuration, the client options, and wiring of adapters and bridge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, clientOptions, startSoftphone } from '../softphone.js';
import { FakeClient, FakeWindow, messageEvent, settle, golden } from './fakes.mjs';
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
