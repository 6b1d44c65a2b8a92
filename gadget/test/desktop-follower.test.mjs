// The Finesse gadget's desktop follower (desktop-follower.js) and bootstrap
// (gadget.js) against stubs of gadgets.Hub and finesse.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../desktop-follower.js';
import '../gadget.js';
import { golden } from './fakes.mjs';

const { createDesktopFollower, mapDesktopStatus, STATUS_MAP, start } = globalThis.finesseHAGadget;
// The Go client's closed sets and shapes (internal/client/testdata/wire).
const ENUMS = golden('enums.json');
const CONNECTION_STATES = ENUMS.ConnState;
const GOLDEN_EVENTS = golden('events.json');
const GOLDEN_SNAPSHOT = golden('snapshot.json');
const keys = (o) => Object.keys(o).sort();
/** The keys of the first golden event of type, and of its value at path. */
function goldenKeys(type, pick = (e) => e, where = () => true) {
  const e = GOLDEN_EVENTS.find((g) => g.type === type && where(g.event));
  assert.ok(e, 'golden has a ' + type + ' event');
  return keys(pick(e.event));
}

/** gadgets.Hub stand-in: records subscriptions and publishes. */
class FakeHub {
  subs = new Map();
  published = [];
  nextId = 1;
  subscribe(topic, cb) {
    const id = 's' + this.nextId++;
    this.subs.set(id, { topic, cb });
    return id;
  }
  unsubscribe(id) { this.subs.delete(id); }
  publish(topic, data) { this.published.push([topic, data]); }
  deliver(topic, data) {
    for (const { topic: t, cb } of [...this.subs.values()]) if (t === topic) cb(topic, data);
  }
  topics() { return [...this.subs.values()].map((s) => s.topic).sort(); }
}

/** finesse.js stand-in: a User whose load/change the test drives. */
function fakeFinesse() {
  const ns = { users: [] };
  ns.restservices = {
    User: class {
      constructor(opts) {
        this.opts = opts;
        this.state = 'NOT_READY';
        this.reasonCode = undefined;
        ns.users.push(this);
      }
      getState() { return this.state; }
      getData() { return this.reasonCode === undefined ? { state: this.state } : { state: this.state, reasonCode: { code: this.reasonCode } }; }
      getDialogs(cbs) { this.dialogCallbacks = cbs; return {}; }
      load() { this.opts.onLoad(this); }
      change(state, reasonCode) { this.state = state; this.reasonCode = reasonCode; this.opts.onChange(this); }
    },
  };
  return ns;
}

/** A finesse.js Dialog stand-in. */
class FakeDialog {
  constructor(id, mediaProperties = {}, extra = {}) {
    this.id = id;
    this.mp = mediaProperties;
    this.state = extra.state ?? 'ALERTING';
    this.from = extra.from ?? '5550101';
    this.to = extra.to ?? '1001001';
    this.participants = extra.participants ?? { mediaAddress: '1001001', state: 'ALERTING', actions: { action: 'ANSWER' } };
  }
  getId() { return this.id; }
  getState() { return this.state; }
  getFromAddress() { return this.from; }
  getToAddress() { return this.to; }
  getMediaProperties() { return this.mp; }
  getParticipants() { return this.participants; }
  addHandler(type, fn) { if (type === 'change') this.onChange = fn; }
  change(patch) { Object.assign(this, patch); this.onChange(this); }
}

function setup(t, extra = {}) {
  const hub = new FakeHub();
  const finesse = fakeFinesse();
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const follower = createDesktopFollower({ hub, finesse, agentId: '1001001', host: 'fin-a.example.com', now: () => new Date(clock += 1000), ...extra });
  const events = { connection: [], agent: [], dialog: [], notification: [], error: [] };
  for (const type of Object.keys(events)) follower.on(type, (e) => events[type].push(e));
  t.after(() => follower.close());
  return { hub, finesse, follower, events, user: () => finesse.users[0] };
}

const MP = { callType: 'ACD_IN', DNIS: '8000', callKeyPrefix: '150', callKeyCallId: '16777217', callKeySequenceNum: '1', callVariable1: 'acct-42', 'user.tier': 'gold', queueName: 'Sales' };

test('every finesse.js status maps to a finesse-ha connection state', () => {
  for (const [status, state] of Object.entries(STATUS_MAP)) {
    assert.ok(CONNECTION_STATES.includes(state), status + ' -> ' + state);
    assert.equal(mapDesktopStatus(status), state);
  }
  assert.deepEqual(
    ['connecting', 'connected', 'disconnected', 'reconnecting', 'failing', 'recovered', 'unauthorized', 'conflict'].map(mapDesktopStatus),
    ['connecting', 'connected', 'disconnected', 'reconnecting', 'failing-over', 'connected', 'unauthorized', 'unauthorized'],
  );
  assert.equal(mapDesktopStatus('toString'), '', 'no prototype keys');
  assert.equal(mapDesktopStatus('weird'), '');
});

test('the follower listens to the desktop and asks it for the current connection info; it opens no session', (t) => {
  const { hub, follower } = setup(t);
  assert.deepEqual(hub.topics(), ['finesse.api.User.1001001', 'finesse.api.User.1001001.Dialogs', 'finesse.info.connection']);
  assert.equal(hub.published.length, 1);
  assert.equal(hub.published[0][0], 'finesse.info.requests');
  assert.equal(hub.published[0][1].type, 'ConnectionInfoReq');
  assert.equal(follower.snapshot().connection.state, 'connecting');
});

test('desktop connection changes become connection events, duplicates dropped', (t) => {
  const { hub, follower, events } = setup(t);
  for (const status of ['connected', 'connected', 'failing', 'failing', 'recovered', 'reconnecting', 'connected', 'conflict']) {
    hub.deliver('finesse.info.connection', { status, resourceID: 'desktop' });
  }
  assert.deepEqual(events.connection.map((e) => [e.state, e.reason, e.attempt]), [
    ['connected', 'desktop', 0],
    ['failing-over', 'desktop', 1],
    ['connected', 'desktop', 0],
    ['reconnecting', 'desktop', 1],
    ['connected', 'desktop', 0],
    ['unauthorized', 'conflict', 0],
  ]);
  assert.deepEqual(follower.history().map((h) => h.detail).slice(0, 2), ['desktop connected', 'desktop failing'], 'the desktop status is history detail');
  assert.ok(events.connection.every((e) => e.side === '' && e.host === 'fin-a.example.com' && Object.isFrozen(e)));
  assert.deepEqual(follower.history().map((h) => h.what), ['failing-over', 'connected', 'reconnecting', 'connected', 'unauthorized'].reduce((acc, s) => acc.concat(s), ['connected']));
  assert.equal(follower.snapshot().connection.state, 'unauthorized');
});

test('an unknown desktop status is recorded, not emitted', (t) => {
  const { hub, follower, events } = setup(t);
  hub.deliver('finesse.info.connection', { status: 'hibernating' });
  hub.deliver('finesse.info.connection', {});
  assert.equal(events.connection.length, 0);
  assert.deepEqual(follower.history().map((h) => [h.what, h.detail]), [['unknown-status', 'desktop status hibernating']]);
});

test('agent state changes, with previous state and forced logout', (t) => {
  const { events, user, follower } = setup(t);
  user().load();
  user().change('NOT_READY', undefined); // no change: no event
  user().change('READY');
  user().change('LOGOUT', 255);
  assert.deepEqual(events.agent.map((e) => [e.state, e.previous, e.reasonCode, e.forcedLogout]), [
    ['NOT_READY', '', '', false],
    ['READY', 'NOT_READY', '', false],
    ['LOGOUT', 'READY', '255', true],
  ]);
  assert.equal(follower.snapshot().agent.state, 'LOGOUT');
});

test('dialogs: one added per call, updates, removal, and the Dialog shape', (t) => {
  const { events, user, follower } = setup(t);
  user().load();
  const d = new FakeDialog('16777217', { ...MP });
  user().dialogCallbacks.onCollectionAdd(d);
  d.change({ state: 'ACTIVE' });
  user().dialogCallbacks.onCollectionAdd(d); // finesse.js re-adds after refreshing its collection
  assert.deepEqual(events.dialog.map((e) => [e.action, e.dialog.state]), [['added', 'ALERTING'], ['updated', 'ACTIVE'], ['updated', 'ACTIVE']]);
  assert.deepEqual(events.dialog[0].dialog, {
    id: '16777217',
    callKey: 'ck:150:16777217:1',
    state: 'ALERTING',
    uri: '',
    associatedDialogUri: '',
    mediaType: '',
    callType: 'ACD_IN',
    fromAddress: '5550101',
    toAddress: '1001001',
    ani: '5550101',
    dnis: '8000',
    dialedNumber: '',
    queueName: 'Sales',
    queueNumber: '',
    wrapUpReason: '',
    callVariables: { callVariable1: 'acct-42', 'user.tier': 'gold' },
    restored: false,
    restoredFields: [],
    participants: [{ mediaAddress: '1001001', mediaAddressType: '', state: 'ALERTING', startTime: '', actions: ['ANSWER'] }],
  });
  assert.ok(Object.isFrozen(events.dialog[0].dialog.callVariables));
  assert.equal(follower.snapshot().dialogs.length, 1);
  d.state = 'DROPPED';
  user().dialogCallbacks.onCollectionDelete(d);
  assert.equal(events.dialog.at(-1).action, 'removed');
  assert.equal(follower.snapshot().dialogs.length, 0);
});

test('calls present when the collection loads are added', (t) => {
  const { events, user } = setup(t);
  user().load();
  user().dialogCallbacks.onLoad({ getCollection: () => ({ a: new FakeDialog('a'), b: new FakeDialog('b') }) });
  assert.deepEqual(events.dialog.map((e) => [e.action, e.dialog.callKey]), [['added', 'id:a'], ['added', 'id:b']]);
});

test('call data lost by the server across a desktop failover is restored and marked', (t) => {
  const { hub, events, user } = setup(t);
  hub.deliver('finesse.info.connection', { status: 'connected' });
  user().load();
  const d = new FakeDialog('16777217', { ...MP });
  user().dialogCallbacks.onCollectionAdd(d);
  hub.deliver('finesse.info.connection', { status: 'failing' });
  hub.deliver('finesse.info.connection', { status: 'recovered' });
  d.change({ state: 'ACTIVE', mp: { ...MP, callVariable1: '', 'user.tier': undefined, DNIS: '' } });
  const after = events.dialog.at(-1).dialog;
  assert.equal(after.restored, true);
  assert.deepEqual(after.callVariables, { callVariable1: 'acct-42', 'user.tier': 'gold' });
  assert.equal(after.dnis, '8000');
  // The Go client's names: the field, or the call variable's own name.
  assert.deepEqual([...after.restoredFields].sort(), ['callVariable1', 'dnis', 'user.tier']);
  // The server sends the data again: no longer restored.
  d.change({ mp: { ...MP } });
  assert.equal(events.dialog.at(-1).dialog.restored, false);
});

test('without a failover, a cleared call variable is the server\'s word', (t) => {
  const { events, user } = setup(t);
  user().load();
  const d = new FakeDialog('x', { ...MP });
  user().dialogCallbacks.onCollectionAdd(d);
  d.change({ mp: { ...MP, callVariable1: '' } });
  assert.equal(events.dialog.at(-1).dialog.callVariables.callVariable1, '');
  assert.equal(events.dialog.at(-1).dialog.restored, false);
});

test('raw updates from the hub become notification events', (t) => {
  const { hub, events } = setup(t);
  hub.deliver('finesse.api.User.1001001.Dialogs', {
    content: '/finesse/api/User/1001001/Dialogs<Update><data/><event>PUT</event><requestId>r-7</requestId><source>/finesse/api/Dialog/1</source></Update>',
    object: { Update: { event: 'PUT', requestId: 'r-7', source: '/finesse/api/Dialog/1' } },
  });
  assert.deepEqual(events.notification, [{
    node: '/finesse/api/User/1001001/Dialogs',
    event: 'PUT',
    source: '/finesse/api/Dialog/1',
    requestId: 'r-7',
    xml: '<Update><data/><event>PUT</event><requestId>r-7</requestId><source>/finesse/api/Dialog/1</source></Update>',
    side: '',
  }]);
});

test('request() goes through ClientServices.makeRequest with a requestId', async (t) => {
  const made = [];
  const P = { METHOD: 'METHOD', HEADERS: 'HEADERS', POST_DATA: 'POST_DATA', GET_FULL_HEADERS: 'GET_FULL_HEADERS' };
  let answer = { rc: 202, text: '', headers: { requestId: ['x'], 'content-length': ['0'] } };
  const { follower } = setup(t, {
    io: { RequestParameters: P },
    makeRequest: (url, handler, params) => { made.push({ url, params }); handler(answer); },
  });
  const res = await follower.request('PUT', '/finesse/api/User/1001001', '<User><state>READY</state></User>');
  assert.equal(made.length, 1);
  assert.equal(made[0].url, '/finesse/api/User/1001001');
  assert.equal(made[0].params.METHOD, 'PUT');
  assert.equal(made[0].params.POST_DATA, '<User><state>READY</state></User>');
  assert.equal(made[0].params.HEADERS['Content-Type'], 'application/xml');
  assert.equal(made[0].params.HEADERS.requestId, res.requestId);
  assert.ok(res.requestId.length >= 8);
  assert.deepEqual({ ...res, requestId: '' }, { status: 202, headers: { requestId: 'x', 'content-length': '0' }, body: '', requestId: '', side: '', confirmed: false });
  assert.deepEqual(keys(res), keys(golden('result.json')[0]), 'a 2xx result has the Go Result\'s fields');
  answer = { rc: 400, text: '<ApiErrors/>', headers: {} };
  const bad = await follower.request('PUT', '/finesse/api/User/1001001', '<User/>');
  assert.deepEqual([bad.status, bad.confirmed, bad.error], [400, true, 'HTTP 400']);
  assert.deepEqual(keys(bad), keys(golden('result.json')[1]), 'a non-2xx result has the Go Result\'s fields');
  answer = { rc: 0, errors: ['proxy: connection refused'] };
  await assert.rejects(follower.request('GET', '/finesse/api/User/1001001'), /request GET \/finesse\/api\/User\/1001001 failed: proxy: connection refused/);
  await assert.rejects(follower.request('GET', 'finesse/api/User'), /path must start with "\/"/);
});

test('a throwing listener does not stop delivery and is reported', (t) => {
  const { hub, follower, events } = setup(t);
  const realError = console.error;
  const logged = [];
  console.error = (...a) => logged.push(a);
  t.after(() => { console.error = realError; });
  follower.on('connection', () => { throw new Error('bug'); });
  const later = [];
  follower.on('connection', (e) => later.push(e.state));
  assert.doesNotThrow(() => hub.deliver('finesse.info.connection', { status: 'connected' }));
  assert.deepEqual(later, ['connected']);
  assert.equal(events.error.length, 1);
  assert.equal(events.error[0].code, 'listener');
  assert.equal(logged.length, 1);
});

test('close() unsubscribes, reports closed once, and silences the follower', async (t) => {
  const { hub, follower, events, user } = setup(t);
  user().load();
  await follower.close();
  await follower.close();
  assert.deepEqual(hub.topics(), []);
  assert.deepEqual(events.connection.map((e) => e.state), ['closed']);
  user().change('READY');
  assert.equal(events.agent.length, 1, 'only the load before close');
});

test('createDesktopFollower checks its dependencies', () => {
  assert.throws(() => createDesktopFollower({ agentId: '1' }), /deps\.hub must be gadgets\.Hub/);
  assert.throws(() => createDesktopFollower({ hub: new FakeHub() }), /deps\.agentId must be the agent id/);
});

test('gadget.js starts ClientServices as a non-master and renders the desktop state', (t) => {
  const made = [];
  const fakeElement = (id) => ({
    id, textContent: '', className: '', attrs: {}, children: [],
    setAttribute(k, v) { this.attrs[k] = v; },
    appendChild(c) { this.children.push(c); return c; },
    removeChild(c) { this.children.splice(this.children.indexOf(c), 1); },
    get firstChild() { return this.children[0] ?? null; },
  });
  const elements = new Map(['fha-connection', 'fha-agent', 'fha-calls'].map((id) => [id, fakeElement(id)]));
  const hub = new FakeHub();
  const finesse = fakeFinesse();
  const inits = [];
  let heightAdjusted = 0;
  finesse.gadget = { Config: { id: '1001001', host: 'fin-a.example.com' } };
  finesse.clientservices = { ClientServices: { init: (cfg, master) => inits.push([cfg, master]), makeRequest() {} } };
  const env = {
    finesse,
    gadgets: { Hub: hub, io: { RequestParameters: {} }, window: { adjustHeight: () => { heightAdjusted++; } } },
    document: {
      getElementById: (id) => elements.get(id) ?? null,
      createElement: (tag) => { const e = fakeElement(''); e.tag = tag; made.push(e); return e; },
    },
  };
  const follower = start(env);
  t.after(() => follower.close());
  assert.equal(start(env), follower, 'started once');
  assert.deepEqual(inits, [[finesse.gadget.Config, false]]);
  assert.equal(env.finesseHA, follower);
  hub.deliver('finesse.info.connection', { status: 'failing' });
  assert.match(elements.get('fha-connection').textContent, /^Desktop switching to the backup Finesse server/);
  assert.equal(elements.get('fha-connection').className, 'fha-state fha-failing-over');
  finesse.users[0].load();
  assert.equal(elements.get('fha-agent').textContent, 'Not Ready');
  finesse.users[0].dialogCallbacks.onCollectionAdd(new FakeDialog('d', { callVariable1: 'x' }));
  const call = elements.get('fha-calls').children[0];
  assert.equal(call.attrs['data-state'], 'ALERTING');
  const dd = made.find((e) => e.attrs['data-var'] === 'callVariable1');
  assert.equal(dd.textContent, 'x');
  assert.equal(dd.attrs['data-restored'], 'false');
  assert.ok(heightAdjusted >= 2);
});

// The follower against the Go client's golden JSON: every payload it emits
// has exactly the fields the Go wire types give the same payload, and every
// closed-set value it uses is a member of the Go set.

test('call identity: the follower computes the Go client\'s callKey (callkeys.json)', (t) => {
  const { events, user } = setup(t);
  user().load();
  const cases = golden('callkeys.json');
  assert.ok(cases.length >= 3);
  for (const c of cases) user().dialogCallbacks.onCollectionAdd(new FakeDialog(c.id, { ...c.mediaProperties }));
  assert.deepEqual(events.dialog.map((e) => e.dialog.callKey), cases.map((c) => c.callKey));
});

test('every payload has the fields of the Go wire type, and every closed-set value is a Go member', async (t) => {
  const { hub, events, user, follower } = setup(t);
  hub.deliver('finesse.info.connection', { status: 'connected' });
  hub.deliver('finesse.info.connection', { status: 'failing' });
  hub.deliver('finesse.info.connection', { status: 'hibernating' });
  hub.deliver('finesse.info.connection', { status: 'conflict' });
  user().load();
  user().change('LOGOUT', 255);
  const d = new FakeDialog('16777217', { ...MP });
  user().dialogCallbacks.onCollectionAdd(d);
  hub.deliver('finesse.api.User.1001001', { content: '<Update/>', object: { Update: {} } });
  user().opts.onError({ status: 500 });
  follower.on('agent', () => { throw new Error('bug'); });
  const realError = console.error;
  console.error = () => {};
  t.after(() => { console.error = realError; });
  user().change('READY');

  const noTransport = (e) => e.transport === undefined;
  for (const e of events.connection) assert.deepEqual(keys(e), goldenKeys('connection', (g) => g, noTransport));
  for (const e of events.agent) assert.deepEqual(keys(e), goldenKeys('agent'));
  for (const e of events.dialog) {
    assert.deepEqual(keys(e), goldenKeys('dialog'));
    assert.deepEqual(keys(e.dialog), goldenKeys('dialog', (g) => g.dialog));
    for (const p of e.dialog.participants) assert.deepEqual(keys(p), goldenKeys('dialog', (g) => g.dialog.participants[0]));
  }
  for (const e of events.notification) assert.deepEqual(keys(e), goldenKeys('notification'));
  assert.equal(events.error.length, 2);
  for (const e of events.error) assert.deepEqual(keys(e), goldenKeys('error'));

  for (const e of events.connection) {
    assert.ok(ENUMS.ConnState.includes(e.state), e.state);
    assert.ok(ENUMS.Reason.includes(e.reason), e.reason);
  }
  for (const e of events.error) assert.ok(ENUMS.ErrorCode.includes(e.code), e.code);
  for (const e of events.dialog) assert.ok(ENUMS.DialogAction.includes(e.action), e.action);
  for (const h of follower.history()) {
    assert.ok(ENUMS.HistoryKind.includes(h.what), h.what);
    assert.deepEqual(keys(h), keys(golden('history.json')[0]));
  }
  for (const state of Object.values(STATUS_MAP)) assert.ok(ENUMS.ConnState.includes(state), state);

  const snap = follower.snapshot();
  assert.deepEqual(keys(snap), keys(GOLDEN_SNAPSHOT));
  assert.deepEqual(keys(snap.agent), keys(GOLDEN_SNAPSHOT.agent));
  assert.deepEqual(keys(snap.dialogs[0]), keys(GOLDEN_SNAPSHOT.dialogs[0]));
  assert.deepEqual(keys(snap.connection), goldenKeys('connection', (g) => g, noTransport));
  assert.deepEqual(snap.sides, [], 'the desktop owns the sides: none to report');
});

test('snapshot().agent is null until the User has loaded, then the Go AgentView', (t) => {
  const { user, follower } = setup(t);
  assert.equal(follower.snapshot().agent, null);
  assert.equal(golden('snapshot-empty.json').agent, null, 'as the Go client before its first User read');
  user().load();
  const a = follower.snapshot().agent;
  assert.deepEqual([a.state, a.reasonCode, a.previous], ['NOT_READY', '', '']);
  user().change('NOT_READY', -1);
  assert.equal(follower.snapshot().agent.reasonCode, '', "Finesse's -1 is '' as in the Go client");
});

test('call variables a side lost in a failover are restored as the Go client restores them (restore.json)', (t) => {
  // restore.json is recorded from the Go client against the simulator: the
  // call's variables before, what the new side served, and the Go result.
  const { before, served, after } = golden('restore.json');
  const { hub, events, user } = setup(t);
  hub.deliver('finesse.info.connection', { status: 'connected' });
  user().load();
  const d = new FakeDialog('16777217', { callKeyCallId: '1', ...before.callVariables });
  user().dialogCallbacks.onCollectionAdd(d);
  assert.deepEqual(events.dialog.at(-1).dialog.callVariables, before.callVariables);
  hub.deliver('finesse.info.connection', { status: 'failing' });
  hub.deliver('finesse.info.connection', { status: 'recovered' });
  d.change({ mp: { callKeyCallId: '1', ...served.callVariables } });
  const got = events.dialog.at(-1).dialog;
  assert.deepEqual(
    { callVariables: got.callVariables, restored: got.restored, restoredFields: [...got.restoredFields].sort() },
    { ...after, restoredFields: [...after.restoredFields].sort() },
  );
});
