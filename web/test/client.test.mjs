// The Client wrapper: event fan-out, listener isolation, snapshot/history
// parsing, request/close promises, and Go errors surfacing as Error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshModule, installFakes, VALID_OPTIONS, nextTask, goldenText } from './harness.mjs';

/** A client on the fakes, plus the emit function Go was given. */
async function setup(t, { beforeResolve } = {}) {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  if (beforeResolve) ctl.api.beforeResolve = beforeResolve;
  const { createClient, Client } = await freshModule();
  const client = await createClient(VALID_OPTIONS);
  const emit = ctl.api.lastEmit;
  const handle = ctl.api.handles[ctl.api.handles.length - 1];
  return { ctl, client, emit, handle, Client };
}

/** Collects console.error calls for the rest of the test. */
function captureConsoleError(t) {
  const calls = [];
  const real = console.error;
  console.error = (...args) => calls.push(args);
  t.after(() => { console.error = real; });
  return calls;
}

const conn = (state, side = 'A') => JSON.stringify({ state, side, host: 'fin-' + side.toLowerCase(), reason: '', since: '2025-01-01T00:00:00Z', attempt: 0 });

test('createClient resolves with a Client', async (t) => {
  const { client, Client } = await setup(t);
  assert.ok(client instanceof Client);
  assert.ok(Object.isFrozen(client));
});

test('events reach every listener of their type, parsed and frozen, in order', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const seenA = [];
  const seenB = [];
  const agents = [];
  client.on('connection', (e) => seenA.push(e));
  client.on('connection', (e) => seenB.push(e.state));
  client.on('agent', (e) => agents.push(e));
  emit('connection', conn('failing-over'));
  emit('agent', JSON.stringify({ state: 'NOT_READY', reasonCode: '', previous: 'READY', synthetic: true, forcedLogout: false }));
  emit('connection', conn('connected', 'B'));
  assert.deepEqual(seenA.map((e) => [e.state, e.side]), [['failing-over', 'A'], ['connected', 'B']]);
  assert.deepEqual(seenB, ['failing-over', 'connected']);
  assert.equal(agents.length, 1);
  assert.equal(agents[0].synthetic, true);
  assert.ok(Object.isFrozen(seenA[0]));
  assert.ok(Object.isFrozen(agents[0]));
});

test('dialog events are deeply frozen', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  let got;
  client.on('dialog', (e) => { got = e; });
  emit('dialog', JSON.stringify({ action: 'added', synthetic: false, dialog: { id: 'd1', callVariables: { callVariable1: 'x' }, participants: [{ mediaAddress: '1001', actions: ['DROP'] }] } }));
  assert.equal(got.dialog.callVariables.callVariable1, 'x');
  assert.ok(Object.isFrozen(got.dialog.callVariables));
  assert.ok(Object.isFrozen(got.dialog.participants[0].actions));
  assert.throws(() => { 'use strict'; got.dialog.callVariables.callVariable1 = 'y'; }, TypeError);
});

test('the function returned by on() unsubscribes; off() and once() work', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const a = [];
  const b = [];
  const c = [];
  const unsubscribe = client.on('connection', (e) => a.push(e.state));
  const fb = (e) => b.push(e.state);
  client.on('connection', fb);
  client.once('connection', (e) => c.push(e.state));
  emit('connection', conn('reconnecting'));
  unsubscribe();
  client.off('connection', fb);
  client.off('connection', () => {}); // unknown listener: ignored
  emit('connection', conn('connected'));
  assert.deepEqual(a, ['reconnecting']);
  assert.deepEqual(b, ['reconnecting']);
  assert.deepEqual(c, ['reconnecting']);
});

test('a listener may unsubscribe another during delivery without skipping it this time', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const seen = [];
  let offSecond;
  client.on('connection', () => { seen.push('first'); offSecond(); });
  offSecond = client.on('connection', () => seen.push('second'));
  emit('connection', conn('connected'));
  emit('connection', conn('reconnecting'));
  assert.deepEqual(seen, ['first', 'second', 'first']);
});

test('events emitted while createClient is pending reach listeners added right after await', async (t) => {
  const { client, emit } = await setup(t, {
    beforeResolve: (emitEarly) => {
      emitEarly('connection', conn('connecting'));
      emitEarly('connection', conn('connected'));
    },
  });
  const seen = [];
  client.on('connection', (e) => seen.push(e.state));
  emit('connection', conn('reconnecting')); // after resolve, before the held ones are out
  assert.deepEqual(seen, [], 'held until the next task');
  await nextTask();
  assert.deepEqual(seen, ['connecting', 'connected', 'reconnecting']);
});

test('a throwing listener does not stop delivery and is reported to console.error and error listeners', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const consoleCalls = captureConsoleError(t);
  const boom = new Error('listener bug');
  const seen = [];
  const errors = [];
  client.on('connection', () => { throw boom; });
  client.on('connection', (e) => seen.push(e.state));
  client.on('error', (e) => errors.push(e));
  assert.doesNotThrow(() => emit('connection', conn('failing-over')));
  assert.deepEqual(seen, ['failing-over']);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'listener');
  assert.equal(errors[0].fatal, false);
  assert.match(errors[0].message, /'connection' listener threw: listener bug/);
  assert.equal(consoleCalls.length, 1);
  assert.ok(consoleCalls[0].includes(boom));
  emit('connection', conn('connected'));
  assert.deepEqual(seen, ['failing-over', 'connected'], 'still delivering afterwards');
});

test('a throwing error listener goes to console.error only (no recursion)', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const consoleCalls = captureConsoleError(t);
  const errors = [];
  client.on('error', () => { throw new Error('error listener bug'); });
  client.on('error', (e) => errors.push(e.message));
  assert.doesNotThrow(() => emit('error', JSON.stringify({ message: 'from Go', code: 'x', fatal: false })));
  assert.deepEqual(errors, ['from Go']);
  assert.equal(consoleCalls.length, 1);
});

test('malformed event JSON and unknown types become error events, never exceptions into Go', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  assert.doesNotThrow(() => emit('connection', '{not json'));
  assert.doesNotThrow(() => emit('presence', '{}'));
  assert.equal(errors.length, 2);
  assert.deepEqual(errors.map((e) => e.code), ['bad-event', 'bad-event']);
  assert.match(errors[0].message, /malformed connection event/);
  assert.match(errors[1].message, /unknown event type from the Go runtime: presence/);
});

test('on/off/once reject unknown types and non-function listeners, naming what is wrong', async (t) => {
  const { client } = await setup(t);
  assert.throws(() => client.on('conection', () => {}), /on\(type, listener\): type must be one of "connection", "agent", "dialog", "notification", "error"/);
  assert.throws(() => client.off('nope', () => {}), /off\(type, listener\): type must be one of/);
  assert.throws(() => client.on('agent', 'not a function'), /listener must be a function, got string/);
  assert.throws(() => client.once('agent'), /once\("agent", listener\): listener must be a function, got undefined/);
});

test('snapshot() and history() return frozen objects parsed from the current JSON', async (t) => {
  const { client, handle } = await setup(t);
  const snap = client.snapshot();
  assert.equal(snap.connection.state, 'connected');
  assert.equal(snap.dialogs[0].callVariables.callVariable1, 'acct-42');
  assert.equal(snap.sides[1].status, 'IN_SERVICE');
  assert.ok(Object.isFrozen(snap) && Object.isFrozen(snap.dialogs) && Object.isFrozen(snap.dialogs[0].callVariables));
  handle.snapshotJSON = JSON.stringify({ connection: { state: 'failing-over' }, agent: {}, dialogs: [], sides: [] });
  assert.equal(client.snapshot().connection.state, 'failing-over', 'reads the current state each time');
  assert.notEqual(client.snapshot(), client.snapshot(), 'each call is a new object');
  const history = client.history();
  assert.ok(Array.isArray(history));
  assert.deepEqual(history[0], JSON.parse(goldenText('history.json'))[0]);
  assert.ok(Object.isFrozen(history[0]));
});

test('snapshot() turns Go failures and bad JSON into Errors', async (t) => {
  const { client, handle } = await setup(t);
  handle.snapshot = () => { throw 'closed'; };
  assert.throws(() => client.snapshot(), (err) => err instanceof Error && err.message === 'closed');
  handle.history = () => '[{';
  assert.throws(() => client.history(), /history: malformed JSON from the Go runtime/);
});

test('request() passes its arguments to Go and resolves with the parsed, frozen result', async (t) => {
  const { client, handle } = await setup(t);
  const body = '<User><state>READY</state></User>';
  const res = await client.request('PUT', '/finesse/api/User/1001001', body);
  assert.deepEqual(handle.requests, [['PUT', '/finesse/api/User/1001001', body]]);
  assert.deepEqual(res, JSON.parse(goldenText('result.json'))[0]);
  assert.ok(Object.isFrozen(res) && Object.isFrozen(res.headers));
  await client.request('GET', '/finesse/api/User/1001001');
  assert.deepEqual(handle.requests[1], ['GET', '/finesse/api/User/1001001'], 'no body argument for a body-less request');
});

test('request() rejects bad arguments without calling Go', async (t) => {
  const { client, handle } = await setup(t);
  await assert.rejects(client.request('', '/finesse/api/User/1'), /method must be a non-empty string/);
  await assert.rejects(client.request('GET', 'finesse/api/User/1'), /path must be a string starting with "\/"/);
  await assert.rejects(client.request('PUT', '/finesse/api/User/1', { state: 'READY' }), /body must be a string \(XML\) or undefined, got Object/);
  assert.equal(handle.requests.length, 0);
});

test('request() rejections from Go arrive as Error with the message', async (t) => {
  const { client, handle } = await setup(t);
  handle.requestImpl = async () => { throw new Error('finesse-ha: request: no side usable'); };
  await assert.rejects(client.request('GET', '/finesse/api/User/1'), (err) => err instanceof Error && err.message === 'finesse-ha: request: no side usable');
  handle.requestImpl = () => Promise.reject('503 after retries');
  await assert.rejects(client.request('GET', '/finesse/api/User/1'), (err) => err instanceof Error && err.message === '503 after retries');
});

test('close() calls Go once, however often it is called, and resolves', async (t) => {
  const { client, handle } = await setup(t);
  let release;
  handle.closeImpl = () => new Promise((resolve) => { release = resolve; });
  const first = client.close();
  const second = client.close();
  assert.equal(first, second);
  let done = false;
  first.then(() => { done = true; });
  await nextTask();
  assert.equal(done, false, 'waits for Go');
  release();
  await first;
  await client.close();
  assert.equal(handle.closeCalls, 1);
});

test('close() rejections from Go arrive as Error', async (t) => {
  const { client, handle } = await setup(t);
  handle.closeImpl = () => Promise.reject('close failed');
  await assert.rejects(client.close(), (err) => err instanceof Error && err.message === 'close failed');
});

test('every event the Go wire types produce reaches listeners unchanged and frozen (testdata/wire/events.json)', async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const golden = JSON.parse(goldenText('events.json'));
  const got = [];
  for (const type of new Set(golden.map((g) => g.type))) client.on(type, (e) => got.push({ type, event: e }));
  for (const g of golden) emit(g.type, JSON.stringify(g.event));
  // The wrapper adds one field of its own, where the client runs, to connection events and the snapshot.
  const withRuntime = (g) => (g.type === 'connection' ? { ...g, event: { ...g.event, runtime: 'page' } } : g);
  assert.deepEqual(got, golden.map(withRuntime));
  assert.ok(got.every((g) => Object.isFrozen(g.event)));
  const snap = JSON.parse(goldenText('snapshot.json'));
  assert.deepEqual(client.snapshot(), { ...snap, runtime: 'page', connection: { ...snap.connection, runtime: 'page' } });
  assert.deepEqual(client.history(), JSON.parse(goldenText('history.json')));
});

test("the wrapper's own error events have the Go ErrorEvent's fields", async (t) => {
  const { client, emit } = await setup(t);
  await nextTask();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  emit('connection', '{not json');
  const goldenError = JSON.parse(goldenText('events.json')).find((g) => g.type === 'error').event;
  assert.equal(errors.length, 1);
  assert.deepEqual(Object.keys(errors[0]).sort(), Object.keys(goldenError).sort());
  assert.equal(errors[0].code, 'bad-event');
});
