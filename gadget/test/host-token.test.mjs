// SSO tokens from the host page over postMessage: the softphone frame's
// token source (softphone.js hostTokenSource) asks, the host's
// connectToSoftphone({getToken}) answers. Same security model as the
// bridge: exact origins only, never "*", foreign messages ignored and
// counted, and the token in no message but the one answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPostMessageBridge, connectToSoftphone, CHANNEL } from '../postmessage-bridge.js';
import { hostTokenSource, describeTokenFailure } from '../softphone.js';
import { attachSalesforceOpenCTI } from '../adapters/salesforce-opencti.js';
import { attachDynamicsCIF } from '../adapters/dynamics-cif.js';
import { FakeClient, FakeWindow, ref, messageEvent, settle } from './fakes.mjs';

const CRM = 'https://crm.example.com';
const PHONE = 'https://softphone.example.net';
const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMDAxMDAxIn0.sEcReT-t0ken-4417';

/**
 * Makes a window handle record every message posted through it, delivered
 * or not (in place: the receiver compares event.source with it).
 */
function tap(handle, log) {
  const post = handle.postMessage.bind(handle);
  handle.postMessage = (msg, targetOrigin) => {
    log.push({ msg: structuredClone(msg), targetOrigin });
    post(msg, targetOrigin);
  };
  return handle;
}

/**
 * A CRM page framing the softphone: the frame's token source asks the
 * host window; the host answers with getToken. Every message either side
 * posts is in posts.
 */
function setup(t, { getToken, onTokenError, allowedOrigins = [CRM], hostOrigin = CRM, timeoutMs = 2000 } = {}) {
  const hostWin = new FakeWindow(hostOrigin);
  const frameWin = new FakeWindow(PHONE);
  const posts = [];
  const source = hostTokenSource({ allowedOrigins, window: frameWin, host: tap(ref(hostWin, frameWin), posts), timeoutMs });
  const phone = connectToSoftphone({ frame: tap(ref(frameWin, hostWin), posts), frameOrigin: PHONE, window: hostWin, getToken, onTokenError });
  t.after(() => { source.close(); phone.close(); });
  return { hostWin, frameWin, source, phone, posts };
}

/** The parts of a posted message that could hold a secret, as text. */
const carrying = (posts, secret) => posts.filter((p) => JSON.stringify(p.msg).includes(secret));

test('the frame asks the host for a token and gets the host source\'s answer, at exact origins only', async (t) => {
  let calls = 0;
  const { source, phone, posts, hostWin, frameWin } = setup(t, { getToken: async () => { calls++; return TOKEN + calls; } });
  assert.equal(await source.getToken(), TOKEN + 1);
  assert.equal(await source.getToken(), TOKEN + 2);
  assert.equal(calls, 2, 'one call of the host\'s source per request');
  assert.deepEqual(posts.map((p) => [p.msg.type, p.targetOrigin]), [
    ['token-request', CRM], ['token', PHONE], ['token-request', CRM], ['token', PHONE],
  ]);
  assert.deepEqual(posts[0].msg, { channel: CHANNEL, id: 't1', type: 'token-request' });
  assert.deepEqual(posts[1].msg, { channel: CHANNEL, id: 't1', type: 'token', ok: true, token: TOKEN + 1 });
  assert.ok(![...hostWin.targetOrigins, ...frameWin.targetOrigins].includes('*'));
  assert.deepEqual(source.stats(), { requests: 2, tokens: 2, failures: 0, ignoredOrigin: 0, ignoredMalformed: 0 });
  assert.deepEqual(phone.stats(), { ignoredOrigin: 0, ignoredMalformed: 0, tokenRequests: 2, tokensGiven: 2, tokenFailures: 0 });
});

test('a host page of an origin not on the allowlist never gets the request; the frame times out in words', async (t) => {
  let calls = 0;
  const { source, phone } = setup(t, { hostOrigin: 'https://crm.example.com.evil.test', getToken: async () => { calls++; return TOKEN; }, timeoutMs: 50 });
  const err = await source.getToken().then(() => null, (e) => e);
  assert.match(err.message, /^finesse-ha: the host page gave no sign-in token: it did not answer within 0 s$/);
  assert.equal(calls, 0, 'the browser dropped the request: its targetOrigin is not the parent\'s');
  assert.equal(phone.stats().tokenRequests, 0);
  assert.match(describeTokenFailure(err), /^Your CRM did not provide a sign-in token \(it did not answer within 0 s\)\./);
});

test('a host without a token source, and later with one (setTokenSource)', async (t) => {
  const { source, phone } = setup(t);
  await assert.rejects(source.getToken(), (e) => e.reason === 'it has no token source for the softphone');
  phone.setTokenSource(async () => TOKEN);
  assert.equal(await source.getToken(), TOKEN);
  phone.setTokenSource(null);
  await assert.rejects(source.getToken(), /no token source/);
  assert.throws(() => phone.setTokenSource(TOKEN), /setTokenSource\(getToken\) must be a function/);
  assert.throws(() => connectToSoftphone({ frame: { postMessage() {} }, frameOrigin: PHONE, getToken: 'x' }), /getToken must be a function/);
});

test('a failing host source becomes a rejection in the agent\'s words, without the host\'s error text', async (t) => {
  const seen = [];
  const { source, phone, posts } = setup(t, {
    getToken: async () => { throw new Error('IdS unreachable (client-secret-7f3e)'); },
    onTokenError: (e) => seen.push(e.message),
  });
  const err = await source.getToken().then(() => null, (e) => e);
  assert.equal(err.message, 'finesse-ha: the host page gave no sign-in token: its sign-in service failed');
  assert.deepEqual(seen, ['IdS unreachable (client-secret-7f3e)'], 'the host hears why, the frame does not');
  assert.deepEqual(carrying(posts, 'client-secret'), []);
  assert.deepEqual(posts[1].msg, { channel: CHANNEL, id: 't1', type: 'token', ok: false, error: 'token-source-failed' });
  assert.equal(phone.stats().tokenFailures, 1);

  phone.setTokenSource(async () => '');
  await assert.rejects(source.getToken(), (e) => e.reason === 'it gave an empty token');
  phone.setTokenSource(() => { throw new TypeError('sync throw'); });
  await assert.rejects(source.getToken(), /sign-in service failed/);
  assert.equal(source.stats().failures, 3);
});

test('token answers from another origin, another window or with an unknown id are ignored and counted', async (t) => {
  const hostWin = new FakeWindow(CRM);
  const frameWin = new FakeWindow(PHONE);
  const source = hostTokenSource({ allowedOrigins: [CRM], window: frameWin, host: ref(hostWin, frameWin), timeoutMs: 2000 });
  t.after(() => source.close());
  const pending = source.getToken();
  const forged = { channel: CHANNEL, id: 't1', type: 'token', ok: true, token: 'forged' };
  frameWin.dispatchEvent(messageEvent(forged, 'https://evil.test', ref(hostWin, frameWin)));
  frameWin.dispatchEvent(messageEvent(forged, CRM, {})); // a sibling frame of the CRM's origin
  frameWin.dispatchEvent(messageEvent({ ...forged, id: 't9' }, CRM, ref(hostWin, frameWin)));
  frameWin.dispatchEvent(messageEvent({ channel: CHANNEL, id: 1, type: 'subscribe' }, CRM, ref(hostWin, frameWin))); // the bridge's, not ours
  frameWin.dispatchEvent(messageEvent({ ...forged, token: TOKEN }, CRM, ref(hostWin, frameWin)));
  assert.equal(await pending, TOKEN);
  assert.deepEqual(source.stats(), { requests: 1, tokens: 1, failures: 0, ignoredOrigin: 1, ignoredMalformed: 2 });
});

test('the host answers token requests only from its frame at the frame\'s origin', async (t) => {
  let calls = 0;
  const hostWin = new FakeWindow(CRM);
  const frameWin = new FakeWindow(PHONE);
  const phone = connectToSoftphone({ frame: ref(frameWin, hostWin), frameOrigin: PHONE, window: hostWin, getToken: async () => { calls++; return TOKEN; } });
  t.after(() => phone.close());
  const evil = new FakeWindow('https://evil.test');
  const evilGot = [];
  evil.addEventListener('message', (e) => evilGot.push(e.data));
  ref(hostWin, evil).postMessage({ channel: CHANNEL, id: 'x', type: 'token-request' }, CRM);
  hostWin.dispatchEvent(messageEvent({ channel: CHANNEL, id: 'y', type: 'token-request' }, PHONE, {})); // right origin, another window
  hostWin.dispatchEvent(messageEvent({ channel: CHANNEL, type: 'token-request' }, PHONE, ref(frameWin, hostWin))); // no id
  await settle();
  assert.equal(calls, 0);
  assert.deepEqual(evilGot, []);
  assert.deepEqual(phone.stats(), { ignoredOrigin: 2, ignoredMalformed: 1, tokenRequests: 0, tokensGiven: 0, tokenFailures: 0 });
});

test('with the bridge running, the token is in the one answer and in no event, result or error', async (t) => {
  let n = 0;
  const { frameWin, hostWin, source, phone, posts } = setup(t, { getToken: async () => TOKEN + ++n });
  const client = new FakeClient();
  const bridge = createPostMessageBridge({ client, allowedOrigins: [CRM], window: frameWin });
  t.after(() => bridge.close());
  // The host hears everything the softphone's client says.
  const heard = [];
  for (const type of ['connection', 'error']) phone.on(type, (e) => heard.push(e));
  const bridgePosts = [];
  hostWin.addEventListener('message', (e) => bridgePosts.push(e.data));
  await phone.subscribe();

  const token = await source.getToken();
  client.emit('connection', { state: 'connected', side: 'A' });
  client.emit('error', { code: 'token-refresh-failed', message: 'getToken failed' });
  await assert.rejects(phone.request('GET', '/admin'), /path must start with/);
  await settle();
  assert.equal(token, TOKEN + 1);
  assert.equal(heard.length, 2);
  assert.deepEqual(carrying(posts, TOKEN).map((p) => [p.msg.type, p.targetOrigin]), [['token', PHONE]]);
  assert.deepEqual(bridgePosts.filter((m) => JSON.stringify(m).includes(TOKEN)), [], 'the token in a message to the host');
  // The token answer is not a bridge command: not counted as malformed.
  assert.equal(bridge.stats().ignoredMalformed, 0);
});

test('an adapter in the host page hands the integrator\'s token source to the softphone frame until detach', async (t) => {
  const opencti = {
    CALL_TYPE: { INBOUND: 'inbound', OUTBOUND: 'outbound', INTERNAL: 'internal' },
    notifyInitializationComplete() {}, enableClickToDial() {}, onClickToDial() {}, searchAndScreenPop() {},
  };
  const { source, phone } = setup(t);
  const agent = { agentId: '1001001', extension: '1001001' };
  const adapter = attachSalesforceOpenCTI({ client: phone, opencti, ...agent, getToken: async () => TOKEN });
  assert.equal(await source.getToken(), TOKEN);
  adapter.detach();
  await assert.rejects(source.getToken(), /no token source/, 'detach takes the source back');

  // A Client of the page takes its source in createClient; the adapter says so.
  assert.throws(() => attachSalesforceOpenCTI({ client: new FakeClient(), opencti, ...agent, getToken: async () => TOKEN }),
    /getToken is for a softphone frame \(connectToSoftphone\); a finesse-ha Client takes its token source in createClient/);
  assert.throws(() => attachSalesforceOpenCTI({ client: phone, opencti, ...agent, getToken: TOKEN }), /getToken must be a function/);

  // CIF that never becomes ready: the attach fails and gives the source back.
  const cif = Promise.reject(new Error('CIFInitDone did not fire'));
  await assert.rejects(attachDynamicsCIF({ client: phone, cif, ...agent, getToken: async () => TOKEN }), /CIFInitDone/);
  await assert.rejects(source.getToken(), /no token source/);
  const cifAPI = { setClickToAct: async () => {}, addHandler: async () => {}, removeHandler: async () => {}, searchAndOpenRecords: async () => {} };
  const cifAdapter = await attachDynamicsCIF({ client: phone, cif: cifAPI, ...agent, getToken: async () => TOKEN + 'cif' });
  assert.equal(await source.getToken(), TOKEN + 'cif');
  cifAdapter.detach();
  await assert.rejects(source.getToken(), /no token source/);
});
