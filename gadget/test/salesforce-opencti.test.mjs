// Salesforce Open CTI adapter against a recording stub of sforce.opencti.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachSalesforceOpenCTI } from '../adapters/salesforce-opencti.js';
import { FakeClient, dialogEvent, settle } from './fakes.mjs';

const AGENT = { agentId: '1001001', extension: '1001001' };

/** Records every Open CTI call; callbacks answer {success, returnValue, errors}. */
function fakeOpenCTI({ popFails = false } = {}) {
  const api = {
    CALL_TYPE: { INBOUND: 'inbound', OUTBOUND: 'outbound', INTERNAL: 'internal' },
    calls: [],
    clickListener: null,
    notifyInitializationComplete() { api.calls.push(['notifyInitializationComplete']); },
    enableClickToDial({ callback }) { api.calls.push(['enableClickToDial']); callback({ success: true, returnValue: null, errors: null }); },
    onClickToDial({ listener }) { api.calls.push(['onClickToDial']); api.clickListener = listener; },
    searchAndScreenPop(args) {
      const { callback, ...rest } = args;
      api.calls.push(['searchAndScreenPop', rest]);
      callback(popFails
        ? { success: false, returnValue: null, errors: [{ description: 'no match layout' }] }
        : { success: true, returnValue: {}, errors: null });
    },
    pops: () => api.calls.filter((c) => c[0] === 'searchAndScreenPop').map((c) => c[1]),
    inits: () => api.calls.filter((c) => c[0] === 'notifyInitializationComplete').length,
  };
  return api;
}

test('notifyInitializationComplete waits for the first connected, and happens once', () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  client.emit('connection', { state: 'connecting' });
  client.emit('connection', { state: 'disconnected' });
  assert.equal(opencti.inits(), 0, 'not before the client is connected: Salesforce may still use its standby URL');
  client.emit('connection', { state: 'connected' });
  client.emit('connection', { state: 'failing-over' });
  client.emit('connection', { state: 'connected' });
  assert.equal(opencti.inits(), 1);
});

test('an already connected client notifies at once', () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  client.state.connection = { state: 'connected' };
  const adapter = attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  assert.equal(opencti.inits(), 1);
  assert.equal(adapter.stats().initialized, true);
});

test('click-to-dial is enabled and dials through MAKE_CALL', async () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  const adapter = attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  assert.ok(opencti.calls.some((c) => c[0] === 'enableClickToDial'));
  await opencti.clickListener({ number: '(555) 010-9999', recordId: '003xx', recordName: 'Ada', objectType: 'Contact' });
  assert.deepEqual(client.requests, [[
    'POST', '/finesse/api/User/1001001/Dialogs',
    '<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001001</fromAddress><toAddress>5550109999</toAddress></Dialog>',
  ]]);
  assert.equal(adapter.stats().calls, 1);
});

test('each call runs searchAndScreenPop exactly once, with ANI and call variables', async () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  client.emit('dialog', dialogEvent('added', { callVariables: { callVariable1: 'acct-42', 'user.tier': 'gold' } }));
  client.emit('dialog', dialogEvent('updated', { state: 'ACTIVE' }));
  client.emit('dialog', dialogEvent('added', { state: 'ACTIVE' }));
  client.emit('dialog', dialogEvent('removed', { state: 'DROPPED' }));
  assert.deepEqual(opencti.pops(), [{
    searchParams: '5550101',
    queryParams: 'callVariable1=acct-42&user.tier=gold',
    callType: 'inbound',
    deferred: false,
  }]);
});

test('outbound calls pop the dialed number as OUTBOUND; internal calls do not pop', () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  client.emit('dialog', dialogEvent('added', { id: 'o1', callKey: 'id:o1', callType: 'AGENT_OUT', fromAddress: '1001001', ani: '1001001', toAddress: '5550199', callVariables: {} }));
  client.emit('dialog', dialogEvent('added', { id: 'c1', callKey: 'id:c1', callType: 'AGENT_INSIDE', fromAddress: '1001002' }));
  assert.deepEqual(opencti.pops(), [{ searchParams: '5550199', queryParams: '', callType: 'outbound', deferred: false }]);
});

test('Open CTI failures reach onError', async () => {
  const opencti = fakeOpenCTI({ popFails: true });
  const client = new FakeClient();
  const errors = [];
  attachSalesforceOpenCTI({ client, opencti, ...AGENT, onError: (e) => errors.push(e.message) });
  client.emit('dialog', dialogEvent('added'));
  await opencti.clickListener({ number: '' });
  assert.equal(errors.length, 2);
  assert.match(errors[0], /searchAndScreenPop failed: .*no match layout/);
  assert.match(errors[1], /nothing to dial/);
  assert.equal(client.requests.length, 0);
});

test('detach makes click-to-dial inert and stops pops', async () => {
  const opencti = fakeOpenCTI();
  const client = new FakeClient();
  const adapter = attachSalesforceOpenCTI({ client, opencti, ...AGENT });
  adapter.detach();
  await opencti.clickListener({ number: '5550101' });
  client.emit('dialog', dialogEvent('added'));
  client.emit('connection', { state: 'connected' });
  assert.equal(client.requests.length, 0);
  assert.equal(opencti.pops().length, 0);
  assert.equal(opencti.inits(), 0);
  assert.equal(client.listenerCount(), 0);
});

test('without sforce.opencti, attach says what to load', () => {
  assert.throws(() => attachSalesforceOpenCTI({ client: new FakeClient(), ...AGENT }), /sforce\.opencti is missing; load lightning\/opencti_min\.js/);
});
