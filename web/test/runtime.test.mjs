// The worker runtimes' logic (host.js, relay.js, remote.js through
// index.js) on fakes: a fake Go API, fake Web Locks, and real
// MessageChannels and BroadcastChannels between them. The browser end to
// end of the same is internal/e2e/runtime_test.go.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeAPI, FakeLocks, fakeLoader, freshModule, importPkg, installFakes, installSharedWorker, until, VALID_OPTIONS, nextTask } from './harness.mjs';

// Node keeps a process alive while a MessagePort or BroadcastChannel is
// open; the relays open channels of their own, so every one made here is
// closed after each test.
const opened = [];
globalThis.MessageChannel = class extends MessageChannel {
  constructor() {
    super();
    opened.push(this.port1, this.port2);
  }
};

const { Host, sessionKey } = await importPkg('host.js');
const { Relay } = await importPkg('relay.js');

/** A page's end of a port served by host: every message it got, and send(). */
function page(host) {
  const ch = new MessageChannel();
  host.serve(ch.port1);
  const p = { got: [], port: ch.port2 };
  ch.port2.onmessage = (e) => p.got.push(e.data);
  p.send = (msg) => ch.port2.postMessage(msg);
  p.kinds = () => p.got.map((m) => m.kind);
  p.last = (kind) => p.got.filter((m) => m.kind === kind).at(-1);
  p.close = () => { ch.port1.close(); ch.port2.close(); };
  return p;
}

const attach = (options = VALID_OPTIONS, extra = {}) => ({ op: 'attach', optionsJSON: JSON.stringify(options), ...extra });

function setupHost(t, locks = new FakeLocks()) {
  const loader = fakeLoader();
  const host = new Host({ loader, locks });
  const pages = [];
  t.after(() => pages.forEach((p) => p.close()));
  const open = () => { const p = page(host); pages.push(p); return p; };
  return { loader, host, locks, open, api: loader.api };
}

test('sessionKey: the agent and sides, never the credentials; bad options share nothing', () => {
  const other = { ...VALID_OPTIONS, auth: { username: 'x', password: 'y' }, transport: 'websocket' };
  assert.equal(sessionKey(JSON.stringify(VALID_OPTIONS)), sessionKey(JSON.stringify(other)));
  assert.ok(!sessionKey(JSON.stringify(VALID_OPTIONS)).includes('hunter2'));
  assert.notEqual(sessionKey(JSON.stringify(VALID_OPTIONS)), sessionKey(JSON.stringify({ ...VALID_OPTIONS, agent: { id: '2' } })));
  assert.equal(sessionKey('{'), null);
  assert.equal(sessionKey('{"sides": []}'), null);
});

/** Two pages of one agent attached, one after the other. */
async function twoPages(open) {
  const a = open();
  a.send(attach());
  await until(() => a.last('attached'), 'first attach');
  const b = open();
  b.send(attach());
  await until(() => b.last('attached'), 'second attach');
  return [a, b];
}

test('pages of one agent share one client: the later one gets the state at once, then every event', async (t) => {
  const { open, api } = setupHost(t);
  const [a, b] = await twoPages(open);
  assert.equal(api.calls.length, 1, 'one Go client');
  assert.equal(JSON.parse(b.last('attached').snapshot).connection.state, 'connected');

  api.lastEmit('dialog', JSON.stringify({ action: 'added', dialog: { id: 'd2', callKey: 'k2' }, synthetic: false }));
  await until(() => a.last('events') && b.last('events'), 'events on both');
  for (const p of [a, b]) {
    assert.deepEqual(p.last('events').events.map(([type]) => type), ['dialog']);
    assert.equal(typeof p.last('events').snapshot, 'string', 'the state travels with the events');
  }
});

test('a history entry without an event reaches every page at once; one read per microtask, none beside an event batch', async (t) => {
  const { open, api } = setupHost(t);
  const [a, b] = await twoPages(open);
  const { onHistory } = api.calls[0];
  assert.equal(typeof onHistory, 'function', 'the host asks Go for history pushes');
  const handle = api.handles[0];
  let reads = 0;
  const polled = JSON.stringify([{ at: '2026-03-02T09:00:05Z', what: 'poll', side: '', detail: 'A: IN_SERVICE' }]);
  handle.history = () => { reads++; return polled; };

  // A poll: three entries in one step, no event.
  onHistory();
  onHistory();
  onHistory();
  await until(() => a.last('history') && b.last('history'), 'history on both pages');
  for (const p of [a, b]) assert.equal(p.last('history').history, polled);
  assert.equal(reads, 1, 'one read for the entries of one step');

  // A state change: its entry comes with its event, which carries history.
  const before = a.got.length;
  api.lastEmit('connection', JSON.stringify({ state: 'reconnecting', side: 'A', host: 'fin-a', reason: 'ping-timeout', since: '', attempt: 1 }));
  onHistory();
  await until(() => a.got.length > before && b.last('events'), 'the event batch');
  await nextTask();
  assert.deepEqual(a.got.slice(before).map((m) => m.kind), ['events'], 'no second message for the same entry');
  assert.equal(a.last('events').history, polled);
  assert.equal(reads, 2);
});

test('other credentials for the same agent are refused without echoing either', async (t) => {
  const { open, api } = setupHost(t);
  const a = open();
  a.send(attach());
  await until(() => a.last('attached'));
  const b = open();
  b.send(attach({ ...VALID_OPTIONS, auth: { username: '1001001', password: 'other-secret' } }));
  await until(() => b.last('refused'));
  const msg = b.last('refused').message;
  assert.match(msg, /other credentials/);
  assert.ok(!msg.includes('hunter2') && !msg.includes('other-secret'));
  assert.equal(api.calls.length, 1);
});

test('a page with other credentials replaces a session that only lingers in its grace period', async (t) => {
  // The agent mistyped the password, signed out, and signs in again at once.
  const { open, api } = setupHost(t);
  const a = open();
  a.send(attach({ ...VALID_OPTIONS, auth: { username: '1001001', password: 'mistyped' } }, { graceMs: 60_000 }));
  await until(() => a.last('attached'));
  a.send({ op: 'detach', id: 1 });
  await until(() => a.last('result'));
  const b = open();
  b.send(attach());
  await until(() => b.last('attached') || b.last('refused'));
  assert.equal(b.last('refused'), undefined, 'not refused by a session no page uses');
  assert.equal(api.calls.length, 2, 'a new client with the new credentials');
  assert.equal(api.handles[0].closeCalls, 1, 'the old client is closed at once, not after its grace');
  assert.equal(api.handles[1].closeCalls, 0);
});

test('the session ends a grace period after the last page; a page in time keeps it', async (t) => {
  const { open, api } = setupHost(t);
  const a = open();
  a.send(attach(VALID_OPTIONS, { graceMs: 300 })); // room for an attach on a loaded machine
  await until(() => a.last('attached'));
  a.send({ op: 'detach', id: 1 });
  await until(() => a.last('result'));
  await new Promise((r) => setTimeout(r, 10));
  const b = open(); // a reload, within the grace period
  b.send(attach());
  await until(() => b.last('attached'));
  await new Promise((r) => setTimeout(r, 400)); // past the first grace period
  assert.equal(api.handles[0].closeCalls, 0, 'still attached: not closed');
  assert.equal(api.calls.length, 1, 'the reload reused the client');
  b.send({ op: 'detach', id: 1 });
  await until(() => api.handles[0].closeCalls === 1, 'close after the grace period');
});

test("a page that goes without close() is detached when its lock is released", async (t) => {
  const { open, api, locks } = setupHost(t);
  let release;
  locks.request('finesse-ha:page:x', () => new Promise((r) => { release = r; }));
  const a = open();
  a.send(attach(VALID_OPTIONS, { graceMs: 0, lockName: 'finesse-ha:page:x' }));
  await until(() => a.last('attached'));
  await nextTask();
  assert.equal(api.handles[0].closeCalls, 0);
  locks.drop('finesse-ha:page:x'); // the tab crashed
  await until(() => api.handles[0].closeCalls === 1, 'detached and closed');
  assert.ok(release);
});

test('calls are forwarded to any handle method, but not to snapshot/history/close', async (t) => {
  const { open, api } = setupHost(t);
  const a = open();
  a.send(attach());
  await until(() => a.last('attached'));
  const handle = api.handles[0];
  handle.setAuth = (json) => { handle.setAuthArg = json; return undefined; };
  a.send({ op: 'call', id: 1, method: 'request', args: ['GET', '/finesse/api/User/1001001'] });
  a.send({ op: 'call', id: 2, method: 'setAuth', args: [JSON.stringify({ token: 't2' })] });
  a.send({ op: 'call', id: 3, method: 'close', args: [] });
  a.send({ op: 'call', id: 4, method: 'nope', args: [] });
  await until(() => a.got.filter((m) => m.kind === 'result').length === 4, 'four results');
  const res = Object.fromEntries(a.got.filter((m) => m.kind === 'result').map((m) => [m.id, m]));
  assert.equal(JSON.parse(res[1].value).status, 202);
  assert.deepEqual(handle.requests, [['GET', '/finesse/api/User/1001001']]);
  assert.equal(res[2].ok, true);
  assert.equal(handle.setAuthArg, JSON.stringify({ token: 't2' }));
  assert.equal(res[3].ok, false);
  assert.equal(res[4].ok, false);
  assert.match(res[4].message, /no method "nope"/);
  assert.equal(handle.closeCalls, 0);
  assert.ok(a.got.some((m) => m.kind === 'accepted' && m.id === 1), 'calls are acknowledged');

  // setAuth changed the credentials the session accepts.
  const b = open();
  b.send(attach({ ...VALID_OPTIONS, auth: { token: 't2' } }));
  await until(() => b.last('attached') || b.last('refused'));
  assert.ok(b.last('attached'), 'new credentials attach after setAuth');
});

test('a runtime exit reaches every page as a fatal error and closed; the next attach starts afresh', async (t) => {
  const { open, api, loader } = setupHost(t);
  const a = open();
  const b = open();
  a.send(attach());
  b.send(attach());
  await until(() => a.last('attached') && b.last('attached'));
  loader.exit('exit code 2');
  await until(() => a.last('events') && b.last('events'));
  for (const p of [a, b]) {
    const evs = p.last('events').events;
    assert.equal(evs[0][0], 'error');
    assert.equal(JSON.parse(evs[0][1]).fatal, true);
    assert.equal(JSON.parse(evs[1][1]).state, 'closed');
  }
  const c = open();
  c.send(attach());
  await until(() => c.last('attached'));
  assert.equal(api.calls.length, 2, 'a fresh client');
});

test('after a takeover a known call keeps its one added; one that ended meanwhile is removed', async (t) => {
  const { open, api } = setupHost(t);
  const seed = JSON.stringify({ connection: { state: 'connected' }, dialogs: [{ id: 'd1', callKey: 'k1' }, { id: 'd9', callKey: 'k9' }] });
  const a = open();
  a.send(attach(VALID_OPTIONS, { seed }));
  await until(() => a.last('attached'));
  const handle = api.handles[0];
  handle.snapshotJSON = JSON.stringify({ connection: { state: 'connected' }, dialogs: [{ id: 'd1', callKey: 'k1' }], sides: [] });
  api.lastEmit('dialog', JSON.stringify({ action: 'added', dialog: { id: 'd1', callKey: 'k1' }, synthetic: false }));
  api.lastEmit('connection', JSON.stringify({ state: 'connected', side: 'A' }));
  await until(() => a.last('events'));
  const evs = a.last('events').events.map(([type, json]) => [type, JSON.parse(json)]);
  assert.deepEqual(evs.map(([type, e]) => type + ':' + (e.action ?? e.state) + ':' + (e.dialog ? e.dialog.callKey : '')),
    ['dialog:updated:k1', 'connection:connected:', 'dialog:removed:k9']);
  // After the re-sync, a new call is an added again.
  api.lastEmit('dialog', JSON.stringify({ action: 'added', dialog: { id: 'd1', callKey: 'k1' }, synthetic: false }));
  await until(() => a.got.filter((m) => m.kind === 'events').length === 2);
  assert.equal(JSON.parse(a.last('events').events[0][1]).action, 'added');
});

test.afterEach(() => { for (const c of opened.splice(0)) c.close(); });

// --- relay: one leader per agent with Web Locks and a BroadcastChannel.

class ClosingBroadcastChannel extends BroadcastChannel {
  constructor(name) {
    super(name);
    opened.push(this);
  }
}

/** A relay (a page's Dedicated Worker) on shared locks; its page's messages. */
function relay(t, locks, host) {
  const ch = new MessageChannel();
  const r = new Relay(ch.port1, () => host, { locks, BroadcastChannel: ClosingBroadcastChannel });
  const p = { got: [], relay: r };
  ch.port2.onmessage = (e) => p.got.push(e.data);
  p.send = (msg) => ch.port2.postMessage(msg);
  p.last = (kind) => p.got.filter((m) => m.kind === kind).at(-1);
  r.start();
  t.after(() => { ch.port1.close(); ch.port2.close(); });
  return p;
}

test('relays: the first leads, the next follows it; when the leader dies a follower takes over', async (t) => {
  const locks = new FakeLocks();
  const loaderA = fakeLoader();
  const loaderB = fakeLoader();
  const hostA = new Host({ loader: loaderA, locks });
  const hostB = new Host({ loader: loaderB, locks });
  const a = relay(t, locks, hostA);
  a.send(attach());
  await until(() => a.last('attached'), 'leader attached');
  assert.equal(a.relay.role, 'leader');
  const b = relay(t, locks, hostB);
  b.send(attach());
  await until(() => b.last('attached'), 'follower attached');
  assert.equal(b.relay.role, 'follower');
  assert.equal(loaderA.api.calls.length + loaderB.api.calls.length, 1, 'one client for both');

  // A history entry with no event reaches the follower's page too.
  const polled = JSON.stringify([{ at: '2026-03-02T09:00:05Z', what: 'poll', side: '', detail: '' }]);
  loaderA.api.handles[0].historyJSON = polled;
  loaderA.api.calls[0].onHistory();
  await until(() => a.last('history') && b.last('history'), 'history on leader and follower pages');
  assert.equal(b.last('history').history, polled);

  b.send({ op: 'call', id: 7, method: 'request', args: ['GET', '/x'] });
  await until(() => b.last('result'), 'a follower request through the leader');
  assert.equal(b.last('result').ok, true);
  assert.deepEqual(loaderA.api.handles[0].requests, [['GET', '/x']]);

  // The leader's tab dies: its lock goes and the follower leads.
  const leaderLock = [...locks.queues.keys()].find((n) => n.startsWith('finesse-ha:leader:'));
  locks.drop(leaderLock);
  await until(() => b.relay.role === 'leader', 'takeover');
  await until(() => loaderB.api.calls.length === 1, 'the new leader starts its own client');
  const seed = JSON.parse(loaderB.api.calls[0].optionsJSON);
  assert.equal(seed.agent.id, VALID_OPTIONS.agent.id);
  b.send({ op: 'call', id: 8, method: 'request', args: ['GET', '/y'] });
  await until(() => b.got.some((m) => m.kind === 'result' && m.id === 8));
  assert.deepEqual(loaderB.api.handles[0].requests, [['GET', '/y']]);
  assert.equal(b.got.filter((m) => m.kind === 'attached').length, 1, 'the page was attached once; the takeover came as events');
});

// --- index.js over a SharedWorker whose host runs in this thread.

test("createClient with runtime 'shared-worker': pages share one client; snapshot ready; runtime reported; close detaches", async (t) => {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const loader = fakeLoader();
  const { made } = await installSharedWorker(t, loader);
  const { createClient } = await freshModule();
  const one = await createClient({ ...VALID_OPTIONS, runtime: 'shared-worker', graceMs: 20 });
  const two = await createClient({ ...VALID_OPTIONS }); // auto picks the shared worker
  assert.equal(made.length, 2);
  assert.equal(made[0].opts.type, 'module');
  assert.match(made[0].url, /worker\.js$/);
  assert.equal(loader.api.calls.length, 1, 'one Go client');
  assert.equal(ctl.fetches.length, 0, 'the page did not load the .wasm');
  const snap = two.snapshot();
  assert.equal(snap.runtime, 'shared-worker');
  assert.equal(snap.connection.state, 'connected');
  assert.ok(Object.isFrozen(snap));

  const seen = [];
  two.on('connection', (e) => seen.push(e));
  loader.api.lastEmit('connection', JSON.stringify({ state: 'failing-over', side: 'B', host: 'fin-b', reason: 'out-of-service', since: '', attempt: 0 }));
  await until(() => seen.length === 1);
  assert.equal(seen[0].runtime, 'shared-worker');

  // A history entry that came with no event (a token refresh, a poll) is
  // in history() without waiting for the next event.
  const refreshed = [{ at: '2026-03-02T09:00:05Z', what: 'token-refresh', side: '', detail: 'at 75% of its life' }];
  loader.api.handles[0].historyJSON = JSON.stringify(refreshed);
  loader.api.calls[0].onHistory();
  await until(() => one.history().length === 1 && two.history().length === 1, 'history() fresh in both pages');
  assert.deepEqual(two.history(), refreshed);
  assert.ok(Object.isFrozen(two.history()));
  assert.equal(seen.length, 1, 'no event came with it');

  const r = await one.request('GET', '/finesse/api/User/1001001');
  assert.equal(r.status, 202);
  await one.close();
  assert.equal(one.snapshot().connection.state, 'closed');
  await assert.rejects(one.request('GET', '/x'), /closed/);
  assert.equal(loader.api.handles[0].closeCalls, 0, 'the other page keeps the client');
  await two.close();
  await until(() => loader.api.handles[0].closeCalls === 1, 'closed a grace period after the last page');
});

test('a worker runtime refusing other credentials rejects createClient without the secrets', async (t) => {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  await installSharedWorker(t);
  const { createClient } = await freshModule();
  await createClient({ ...VALID_OPTIONS, runtime: 'shared-worker' });
  await assert.rejects(
    createClient({ ...VALID_OPTIONS, runtime: 'shared-worker', auth: { username: '1001001', password: 'nope-secret' } }),
    (err) => err instanceof Error && /other credentials/.test(err.message) && !/hunter2|nope-secret/.test(err.message));
});

test('a runtime that cannot run here: explicit rejects naming it, auto falls back to the page', async (t) => {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const { createClient } = await freshModule();
  await assert.rejects(createClient({ ...VALID_OPTIONS, runtime: 'shared-worker' }), /options\.runtime 'shared-worker' cannot run here: SharedWorker is not available/);
  await assert.rejects(createClient({ ...VALID_OPTIONS, runtime: 'worker' }), /options\.runtime 'worker' cannot run here/);
  await assert.rejects(createClient({ ...VALID_OPTIONS, runtime: 'tab' }), /options\.runtime must be/);
  await assert.rejects(createClient({ ...VALID_OPTIONS, graceMs: -1 }), /options\.graceMs/);
  await assert.rejects(createClient({ ...VALID_OPTIONS, onProgress: 'x' }), /options\.onProgress must be a function/);
  const c = await createClient({ ...VALID_OPTIONS });
  assert.equal(c.snapshot().runtime, 'page');
  assert.equal(c.snapshot().connection.runtime, 'page');
  assert.equal(JSON.parse(ctl.api.calls[0].optionsJSON).runtime, undefined, 'loader options never reach Go');
});

test('onProgress reports the bytes of the .wasm as they arrive', async (t) => {
  const ctl = installFakes({ contentType: null });
  t.after(() => ctl.restore());
  globalThis.fetch = async () => new Response(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { headers: { 'Content-Length': '8' } });
  const { createClient } = await freshModule();
  const progress = [];
  await createClient({ ...VALID_OPTIONS, runtime: 'page', onProgress: (p) => progress.push(p) });
  assert.ok(progress.length >= 2, 'a start and at least one chunk');
  assert.deepEqual(progress[0], { loaded: 0, total: 8 });
  assert.deepEqual(progress.at(-1), { loaded: 8, total: 8 });
});
