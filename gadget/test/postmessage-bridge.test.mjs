// The postMessage bridge: exact-origin allowlist, ignored-and-counted
// foreign messages, never "*" as targetOrigin, and the host-side helper.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostMessageBridge, connectToSoftphone, normalizeOrigins, CHANNEL } from '../postmessage-bridge.js';
import { FakeClient, FakeWindow, ref, messageEvent, settle, dialogEvent, golden } from './fakes.mjs';

const CRM = 'https://crm.example.com';

function setup(t, allowedOrigins = [CRM]) {
  const client = new FakeClient();
  const frame = new FakeWindow('https://softphone.example.net');
  const bridge = createPostMessageBridge({ client, allowedOrigins, window: frame });
  t.after(() => bridge.close());
  return { client, frame, bridge };
}

/** A window of some origin that records what the frame posts back to it. */
function sender(origin) {
  return { origin, posts: [], postMessage(msg, targetOrigin) { this.posts.push({ msg: structuredClone(msg), targetOrigin }); } };
}

function send(frame, from, data) {
  frame.dispatchEvent(messageEvent(data, from.origin, from));
}

test('allowlist entries must be exact origins', () => {
  assert.deepEqual([...normalizeOrigins(['https://CRM.example.com:443', 'http://127.0.0.1:8080'])], ['https://crm.example.com', 'http://127.0.0.1:8080']);
  const bad = [
    [[], /non-empty array/],
    ['https://crm.example.com', /non-empty array/],
    [['*'], /allowedOrigins\[0\]: wildcards are not allowed/],
    [[CRM, 'https://*.example.com'], /allowedOrigins\[1\]: wildcards/],
    [['crm.example.com'], /allowedOrigins\[0\] is not an origin/],
    [['https://crm.example.com/app'], /allowedOrigins\[0\] must be an origin like/],
    [['https://crm.example.com?x=1'], /must be an origin like/],
    [['https://user@crm.example.com'], /must be an origin like/],
    [['data:text/html,hi'], /must be an origin like/],
    [[42], /allowedOrigins\[0\] must be a string/],
  ];
  for (const [input, want] of bad) assert.throws(() => normalizeOrigins(input), want, JSON.stringify(input));
});

test('messages from origins not on the allowlist are ignored, counted and never answered', async (t) => {
  const { client, frame, bridge } = setup(t);
  const lookalikes = [
    'https://crm.example.com.evil.test',
    'http://crm.example.com',
    'https://crm.example.com:8443',
    'https://evil.crm.example.com',
    'null',
  ];
  for (const origin of lookalikes) {
    const from = sender(origin);
    send(frame, from, { channel: CHANNEL, id: 1, type: 'request', method: 'GET', path: '/finesse/api/User/1' });
    send(frame, from, { channel: CHANNEL, id: 2, type: 'subscribe' });
    await settle();
    assert.equal(from.posts.length, 0, origin + ' got an answer');
  }
  client.emit('connection', { state: 'connected' });
  assert.equal(client.requests.length, 0);
  assert.deepEqual(bridge.stats(), { accepted: 0, ignoredOrigin: 10, ignoredMalformed: 0, subscribers: 0 });
});

test('malformed messages from an allowed origin are ignored and counted', async (t) => {
  const { frame, bridge } = setup(t);
  const from = sender(CRM);
  for (const data of [null, 'subscribe', { type: 'subscribe', id: 1 }, { channel: CHANNEL, type: 'eval', id: 1 }, { channel: CHANNEL, type: 'snapshot' }]) {
    send(frame, from, data);
  }
  await settle();
  assert.equal(from.posts.length, 0);
  assert.equal(bridge.stats().ignoredMalformed, 5);
});

test('a request from an allowed origin reaches the client; the answer goes to that exact origin', async (t) => {
  const { client, frame, bridge } = setup(t, ['https://other.example.com', CRM]);
  const from = sender(CRM);
  const body = '<User><state>READY</state></User>';
  send(frame, from, { channel: CHANNEL, id: 'a1', type: 'request', method: 'PUT', path: '/finesse/api/User/1001001', body });
  await settle();
  assert.deepEqual(client.requests, [['PUT', '/finesse/api/User/1001001', body]]);
  assert.equal(from.posts.length, 1);
  assert.equal(from.posts[0].targetOrigin, CRM);
  assert.deepEqual(from.posts[0].msg, { channel: CHANNEL, id: 'a1', type: 'result', ok: true, result: { ...golden('result.json')[0], requestId: 'r1' } });
  assert.equal(bridge.stats().accepted, 1);
});

test('requests outside /finesse/api/ and client failures come back as errors', async (t) => {
  const { client, frame } = setup(t);
  const from = sender(CRM);
  for (const path of ['/admin', 'https://evil.test/finesse/api/User', '/finesse/api/../../etc', '/finesse/api/%2E%2E/x', 42]) {
    send(frame, from, { channel: CHANNEL, id: String(path), type: 'request', method: 'GET', path });
  }
  await settle();
  assert.equal(client.requests.length, 0);
  assert.equal(from.posts.length, 5);
  for (const p of from.posts) {
    assert.equal(p.msg.ok, false);
    assert.match(p.msg.error, /path must start with \/finesse\/api\//);
  }
  client.requestImpl = async () => { throw new Error('no side usable'); };
  send(frame, from, { channel: CHANNEL, id: 'x', type: 'request', method: 'GET', path: '/finesse/api/User/1' });
  await settle();
  assert.deepEqual(from.posts.at(-1).msg, { channel: CHANNEL, id: 'x', type: 'result', ok: false, error: 'no side usable' });
});

test('subscribers get events at their own origin until they unsubscribe', async (t) => {
  const { client, frame, bridge } = setup(t, [CRM, 'https://crm2.example.com']);
  const a = sender(CRM);
  const b = sender('https://crm2.example.com');
  send(frame, a, { channel: CHANNEL, id: 1, type: 'subscribe' });
  send(frame, b, { channel: CHANNEL, id: 1, type: 'subscribe' });
  await settle();
  assert.equal(a.posts[0].msg.result.connection.state, 'connecting', 'subscribe answers with the snapshot');
  client.emit('dialog', dialogEvent('added'));
  assert.equal(a.posts.length, 2);
  assert.deepEqual(a.posts[1], { msg: { channel: CHANNEL, type: 'event', event: 'dialog', data: dialogEvent('added') }, targetOrigin: CRM });
  assert.equal(b.posts[1].targetOrigin, 'https://crm2.example.com');
  send(frame, a, { channel: CHANNEL, id: 2, type: 'unsubscribe' });
  await settle();
  client.emit('connection', { state: 'connected' });
  assert.equal(a.posts.filter((p) => p.msg.type === 'event').length, 1);
  assert.equal(b.posts.filter((p) => p.msg.type === 'event').length, 2);
  assert.equal(bridge.stats().subscribers, 1);
});

test('close() stops handling messages and drops the client listeners', async (t) => {
  const { client, frame, bridge } = setup(t);
  assert.equal(client.listenerCount(), 5);
  bridge.close();
  assert.equal(client.listenerCount(), 0);
  const from = sender(CRM);
  send(frame, from, { channel: CHANNEL, id: 1, type: 'snapshot' });
  await settle();
  assert.equal(from.posts.length, 0);
});

test('host and softphone talk end to end; nothing is ever posted with "*"', async (t) => {
  const host = new FakeWindow(CRM);
  const frameWin = new FakeWindow('https://softphone.example.net');
  const client = new FakeClient();
  const bridge = createPostMessageBridge({ client, allowedOrigins: [CRM], window: frameWin });
  const phone = connectToSoftphone({ frame: ref(frameWin, host), frameOrigin: frameWin.origin, window: host, timeoutMs: 5000 });
  t.after(() => { bridge.close(); phone.close(); });

  const events = [];
  phone.on('connection', (e) => events.push(e.state));
  const snap = await phone.subscribe();
  assert.equal(snap.connection.state, 'connecting');
  client.emit('connection', { state: 'failing-over' });
  client.emit('connection', { state: 'connected' });
  await settle();
  assert.deepEqual(events, ['failing-over', 'connected']);
  const res = await phone.request('POST', '/finesse/api/User/1001001/Dialogs', '<Dialog/>');
  assert.equal(res.status, 202);
  await assert.rejects(phone.request('GET', '/secret'), /path must start with/);
  assert.equal((await phone.history())[0].what, 'connected');

  // A page of another origin framing the same softphone gets nothing.
  const evil = new FakeWindow('https://evil.test');
  const evilEvents = [];
  evil.addEventListener('message', (e) => evilEvents.push(e.data));
  ref(frameWin, evil).postMessage({ channel: CHANNEL, id: 'e', type: 'subscribe' }, frameWin.origin);
  await settle();
  client.emit('connection', { state: 'reconnecting' });
  await settle();
  assert.deepEqual(evilEvents, []);
  assert.equal(bridge.stats().ignoredOrigin, 1);
  assert.ok(!host.targetOrigins.includes('*') && !frameWin.targetOrigins.includes('*'));
  assert.ok(host.targetOrigins.every((o) => o === CRM));
});

test('the host helper ignores answers from anything but the frame', async (t) => {
  const host = new FakeWindow(CRM);
  const frameWin = new FakeWindow('https://softphone.example.net');
  const phone = connectToSoftphone({ frame: ref(frameWin, host), frameOrigin: frameWin.origin, window: host, timeoutMs: 5000 });
  t.after(() => phone.close());
  const pending = phone.snapshot();
  // A forged answer from another window of another origin, then of the right origin but the wrong window.
  host.dispatchEvent(messageEvent({ channel: CHANNEL, id: 'h1', type: 'result', ok: true, result: 'forged' }, 'https://evil.test', {}));
  host.dispatchEvent(messageEvent({ channel: CHANNEL, id: 'h1', type: 'result', ok: true, result: 'forged' }, frameWin.origin, {}));
  host.dispatchEvent(messageEvent({ channel: CHANNEL, id: 'h1', type: 'result', ok: true, result: 'real' }, frameWin.origin, ref(frameWin, host)));
  assert.equal(await pending, 'real');
});
