// The token proxy of the worker runtimes (host.js, relay.js, remote.js
// through index.js): Go's getToken in a worker asks a page that has a token
// source, over its port or over the relay's channel, and another page when
// that one goes. On fakes: a fake Go API, fake Web Locks, real
// MessageChannels and BroadcastChannels. The browser end to end is
// internal/e2e/tokenworker_test.go.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeAPI, FakeLocks, fakeLoader, freshModule, importPkg, installFakes, installSharedWorker, until, VALID_OPTIONS } from './harness.mjs';

const opened = [];
globalThis.MessageChannel = class extends MessageChannel {
  constructor() {
    super();
    opened.push(this.port1, this.port2);
  }
};
class ClosingBroadcastChannel extends BroadcastChannel {
  constructor(name) {
    super(name);
    opened.push(this);
  }
}
test.afterEach(() => { for (const c of opened.splice(0)) c.close(); });

const { Host, canonicalAuth } = await importPkg('host.js');
const { Relay } = await importPkg('relay.js');

const TOKEN_OPTIONS = Object.freeze({ ...VALID_OPTIONS, auth: {} });


/**
 * A page end that answers token-requests with source() (a token, or a
 * thrown error) when given one; asked counts the requests it got.
 */
function tokenPage(connect, source) {
  const ch = new MessageChannel();
  connect(ch.port1);
  const p = { got: [], asked: 0, port: ch.port2 };
  ch.port2.onmessage = async (e) => {
    p.got.push(e.data);
    if (e.data.kind !== 'token-request' || source === undefined) return;
    p.asked++;
    try {
      ch.port2.postMessage({ op: 'token', id: e.data.id, ok: true, token: await source() });
    } catch (err) {
      ch.port2.postMessage({ op: 'token', id: e.data.id, ok: false, name: err.name });
    }
  };
  p.send = (msg) => ch.port2.postMessage(msg);
  p.last = (kind) => p.got.filter((m) => m.kind === kind).at(-1);
  p.close = () => { ch.port1.close(); ch.port2.close(); };
  return p;
}

const attach = (options, extra = {}) => ({ op: 'attach', optionsJSON: JSON.stringify(options), ...extra });

/** A token source minting tok-<page>-<n>; hold() makes its next answer wait for release(). */
function source(name) {
  let n = 0;
  let gate = null;
  const s = async () => {
    if (gate !== null) await gate.promise;
    return 'tok-' + name + '-' + (++n);
  };
  s.hold = () => {
    let release;
    gate = { promise: new Promise((r) => { release = r; }) };
    return () => { gate = null; release(); };
  };
  return s;
}

test('canonicalAuth: a token is its kind (tokens rotate), a password is its username and password', () => {
  assert.equal(canonicalAuth({ token: 'a' }), canonicalAuth({ token: 'b' }));
  assert.equal(canonicalAuth({}, true), canonicalAuth({ token: 'b' }));
  assert.notEqual(canonicalAuth({ token: 'a' }), canonicalAuth({ username: 'u', password: 'a' }));
  assert.notEqual(canonicalAuth({ username: 'u', password: 'a' }), canonicalAuth({ username: 'u', password: 'b' }));
  assert.ok(!canonicalAuth({ token: 'tok-secret' }).includes('tok-secret'));
});

test('host: the first token page gives the first token; Go asks one page per refresh; when it goes, the next is asked', async (t) => {
  const api = new FakeAPI();
  const host = new Host({ loader: fakeLoader(api), locks: new FakeLocks() });
  const srcA = source('a');
  const srcB = source('b');
  const a = tokenPage((p) => host.serve(p), srcA);
  const b = tokenPage((p) => host.serve(p), srcB);
  t.after(() => { a.close(); b.close(); });

  a.send(attach(TOKEN_OPTIONS, { tokenSource: true }));
  await until(() => a.last('attached'), 'a attached');
  assert.equal(JSON.parse(api.calls[0].optionsJSON).auth.token, 'tok-a-1', 'the first token came from the starting page');
  assert.equal(typeof api.calls[0].getToken, 'function', 'Go has a token source');
  // b holds another (rotated) token of the same agent: not refused, not asked.
  b.send(attach({ ...VALID_OPTIONS, auth: { token: 'tok-b-old' } }, { tokenSource: true }));
  await until(() => b.last('attached'), 'b attached despite another token');
  assert.equal(api.calls.length, 1, 'one Go client');
  assert.deepEqual([a.asked, b.asked], [1, 0]);

  assert.equal(await api.calls[0].getToken(), 'tok-a-2');
  assert.deepEqual([a.asked, b.asked], [2, 0], 'one question, to the first page');

  // a is asked, and goes before it answers: b answers instead.
  const release = srcA.hold();
  const pending = api.calls[0].getToken();
  await until(() => a.asked === 3, 'a asked');
  a.send({ op: 'detach', id: 1 });
  assert.equal(await pending, 'tok-b-1');
  release();
  assert.deepEqual([a.asked, b.asked], [3, 1]);

  // b goes too: no page has a token source, and the rejection says so.
  b.send({ op: 'detach', id: 2 });
  await until(() => b.last('result'), 'b detached');
  await assert.rejects(api.calls[0].getToken(), (err) => err.name === 'NoTokenSourceError' && /no page attached to this client has a token source/.test(err.message));
  for (const p of [a, b]) assert.ok(!JSON.stringify(p.got).includes('tok-b-old'));
});

test('host: a page that attaches later with a token source becomes a candidate; a failing source hands the next question to another page', async (t) => {
  const api = new FakeAPI();
  const host = new Host({ loader: fakeLoader(api), locks: new FakeLocks() });
  const broken = async () => { const e = new Error('IdS down: secret-detail'); e.name = 'NetworkError'; throw e; };
  const a = tokenPage((p) => host.serve(p), source('a'));
  t.after(() => a.close());
  a.send(attach({ ...VALID_OPTIONS, auth: { token: 'tok-0' } }, { tokenSource: true }));
  await until(() => a.last('attached'));
  assert.equal(a.asked, 0, 'a token was given: no question at start');
  const getToken = api.calls[0].getToken;
  a.send({ op: 'detach', id: 1 });
  await until(() => a.last('result'));
  await assert.rejects(getToken(), { name: 'NoTokenSourceError' });

  const b = tokenPage((p) => host.serve(p), broken);
  const c = tokenPage((p) => host.serve(p), source('c'));
  t.after(() => { b.close(); c.close(); });
  b.send(attach({ ...VALID_OPTIONS, auth: { token: 'tok-new' } }, { tokenSource: true }));
  await until(() => b.last('attached'));
  c.send(attach({ ...VALID_OPTIONS, auth: {} }, { tokenSource: true }));
  await until(() => c.last('attached'));
  await assert.rejects(getToken(), (err) => err.name === 'NetworkError' && !/secret-detail/.test(err.message));
  assert.equal(await getToken(), 'tok-c-1', 'the retry asks the other page');
  assert.deepEqual([b.asked, c.asked], [1, 1]);
});

test('host: passwords must still match; a token page does not join a password client', async (t) => {
  const api = new FakeAPI();
  const host = new Host({ loader: fakeLoader(api), locks: new FakeLocks() });
  const a = tokenPage((p) => host.serve(p));
  const b = tokenPage((p) => host.serve(p), source('b'));
  const c = tokenPage((p) => host.serve(p));
  t.after(() => { a.close(); b.close(); c.close(); });
  a.send(attach(VALID_OPTIONS));
  await until(() => a.last('attached'));
  assert.equal(api.calls[0].getToken, undefined, 'no token source for a password client');
  b.send(attach({ ...VALID_OPTIONS, auth: { token: 'tok-x' } }, { tokenSource: true }));
  c.send(attach({ ...VALID_OPTIONS, auth: { username: '1001001', password: 'other' } }));
  await until(() => b.last('refused') && c.last('refused'));
  assert.ok(!b.last('refused').message.includes('tok-x'));
  assert.equal(b.asked, 0);
});

test('host: a starting page whose source fails is refused naming getToken, not its message', async (t) => {
  const api = new FakeAPI();
  const host = new Host({ loader: fakeLoader(api), locks: new FakeLocks() });
  const a = tokenPage((p) => host.serve(p), async () => { throw new TypeError('secret-detail'); });
  t.after(() => a.close());
  a.send(attach(TOKEN_OPTIONS, { tokenSource: true }));
  await until(() => a.last('refused'));
  assert.match(a.last('refused').message, /options\.auth\.getToken\(\) failed: rejected with TypeError/);
  assert.ok(!a.last('refused').message.includes('secret-detail'));
  assert.equal(api.calls.length, 0, 'no Go client without a token');
});

/** A relay (a page's Dedicated Worker) whose page answers token-requests with src. */
function relayPage(t, locks, host, src) {
  let r;
  const p = tokenPage((port) => {
    r = new Relay(port, () => host, { locks, BroadcastChannel: ClosingBroadcastChannel });
    r.start();
  }, src);
  p.relay = r;
  t.after(() => p.close());
  return p;
}

test('relay: the leader asks its own page, then a follower over the channel when the leader page fails or goes', async (t) => {
  const locks = new FakeLocks();
  const api = new FakeAPI();
  const host = new Host({ loader: fakeLoader(api), locks });
  const hostB = new Host({ loader: fakeLoader(), locks });
  let leaderFails = false;
  const srcA = source('a');
  const a = relayPage(t, locks, host, async () => {
    if (leaderFails) throw new Error('x');
    return srcA();
  });
  a.send(attach(TOKEN_OPTIONS, { tokenSource: true }));
  await until(() => a.last('attached'), 'leader attached');
  assert.equal(a.relay.role, 'leader');
  assert.equal(JSON.parse(api.calls[0].optionsJSON).auth.token, 'tok-a-1');
  const lockName = 'finesse-ha:page:b';
  locks.request(lockName, () => new Promise(() => {}));
  const b = relayPage(t, locks, hostB, source('b'));
  b.send(attach({ ...VALID_OPTIONS, auth: { token: 'tok-b-old' } }, { tokenSource: true, lockName }));
  await until(() => b.last('attached'), 'follower attached');
  assert.equal(b.relay.role, 'follower');

  const getToken = api.calls[0].getToken;
  assert.equal(await getToken(), 'tok-a-2');
  leaderFails = true;
  await assert.rejects(getToken());
  assert.equal(await getToken(), 'tok-b-1', "the follower's page answered over the channel");
  assert.deepEqual([a.asked, b.asked], [3, 1]);

  // The follower's page dies while asked: the host hears it from its lock
  // and asks the leader's page again.
  leaderFails = false;
  b.port.onmessage = (e) => { if (e.data.kind === 'token-request') b.asked++; };
  const pending = getToken(); // b is asked first (a failed last)
  await until(() => b.asked === 2, 'b asked');
  locks.drop(lockName);
  assert.equal(await pending, 'tok-a-3');
});

// --- index.js over a SharedWorker whose host runs in this thread.

test("createClient with auth.getToken runs in the shared worker; the pages' sources answer Go through it", async (t) => {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const loader = fakeLoader();
  await installSharedWorker(t, loader);
  const { createClient } = await freshModule();
  const calls = [];
  const one = await createClient({ ...VALID_OPTIONS, auth: { getToken: async () => { calls.push('one'); return 'tok-1-' + calls.length; } } });
  const two = await createClient({ ...VALID_OPTIONS, runtime: 'shared-worker', auth: { token: 'tok-2-0', getToken: () => { calls.push('two'); return 'tok-2-' + calls.length; } } });
  assert.equal(one.snapshot().runtime, 'shared-worker', 'auto no longer keeps a token client in the page');
  assert.equal(loader.api.calls.length, 1, 'one Go client for both pages');
  assert.equal(ctl.api.calls.length, 0, 'no page runtime');
  assert.deepEqual(calls, ['one'], 'the first token, from the first page only');
  const getToken = loader.api.calls[0].getToken;
  assert.equal(await getToken(), 'tok-1-2');
  await one.close();
  assert.equal(await getToken(), 'tok-2-3', 'the other page answers once the first has gone');
  assert.deepEqual(calls, ['one', 'one', 'two']);
  await two.close();
});
