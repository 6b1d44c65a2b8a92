// Dynamics 365 CIF adapter against a recording stub of Microsoft.CIFramework.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachDynamicsCIF, waitForCIFInit, odataString } from '../adapters/dynamics-cif.js';
import { FakeClient, dialogEvent, settle } from './fakes.mjs';

const AGENT = { agentId: '1001001', extension: '1001001' };

/** Records every CIF call; answers like the real library (Promises). */
class FakeCIF {
  calls = [];
  handlers = new Map();
  failSetClickToAct = false;
  setClickToAct(value) {
    this.calls.push(['setClickToAct', value]);
    return this.failSetClickToAct ? Promise.reject(new Error('not allowed')) : Promise.resolve(true);
  }
  addHandler(name, fn) { this.calls.push(['addHandler', name]); this.handlers.set(name, fn); return Promise.resolve(true); }
  removeHandler(name, fn) {
    this.calls.push(['removeHandler', name]);
    if (this.handlers.get(name) === fn) this.handlers.delete(name);
    return Promise.resolve(true);
  }
  searchAndOpenRecords(entity, query, searchOnly) {
    this.calls.push(['searchAndOpenRecords', entity, query, searchOnly]);
    return Promise.resolve('{}');
  }
  pops() { return this.calls.filter((c) => c[0] === 'searchAndOpenRecords'); }
  clickToAct(data) { return this.handlers.get('onclicktoact')(JSON.stringify(data)); }
}

/** A window whose CIF library has loaded but not yet raised CIFInitDone. */
function cifWindow() {
  const win = new EventTarget();
  win.Microsoft = { CIFramework: new FakeCIF() };
  return win;
}

test('waitForCIFInit resolves with Microsoft.CIFramework on CIFInitDone', async () => {
  const win = cifWindow();
  let resolved = null;
  const p = waitForCIFInit({ window: win }).then((cif) => { resolved = cif; });
  await settle();
  assert.equal(resolved, null, 'nothing before CIFInitDone');
  win.dispatchEvent(new Event('CIFInitDone'));
  await p;
  assert.equal(resolved, win.Microsoft.CIFramework);
});

test('waitForCIFInit gives up with a clear Error', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const p = waitForCIFInit({ window: cifWindow(), timeoutMs: 1000 });
  t.mock.timers.tick(1000);
  await assert.rejects(p, /CIFInitDone did not fire within 1000 ms .*msdyn_ciLibrary\.js/);
});

test('attach turns click-to-act on and registers the handler only after CIFInitDone', async () => {
  const win = cifWindow();
  const cif = win.Microsoft.CIFramework;
  const client = new FakeClient();
  const attaching = attachDynamicsCIF({ client, ...AGENT, window: win });
  await settle();
  assert.deepEqual(cif.calls, [], 'no CIF call before CIFInitDone');
  win.dispatchEvent(new Event('CIFInitDone'));
  await attaching;
  assert.deepEqual(cif.calls, [['setClickToAct', true], ['addHandler', 'onclicktoact']]);
});

test('a call that starts while CIF initializes still pops, once CIF is ready', async () => {
  const win = cifWindow();
  const cif = win.Microsoft.CIFramework;
  const client = new FakeClient();
  const attaching = attachDynamicsCIF({ client, ...AGENT, window: win });
  client.emit('dialog', dialogEvent('added'));
  await settle();
  assert.equal(cif.pops().length, 0);
  win.dispatchEvent(new Event('CIFInitDone'));
  await attaching;
  await settle();
  assert.equal(cif.pops().length, 1);
});

test('click-to-act makes one MAKE_CALL from the agent extension with a dialable number', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  await attachDynamicsCIF({ client, cif, ...AGENT });
  await cif.clickToAct({ value: '+1 (555) 010-1234', name: 'telephone1', format: 'phone', entityLogicalName: 'contact' });
  assert.deepEqual(client.requests, [[
    'POST', '/finesse/api/User/1001001/Dialogs',
    '<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001001</fromAddress><toAddress>+15550101234</toAddress></Dialog>',
  ]]);
});

test('a click-to-act without a number, or refused by Finesse, rejects and reports', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  const errors = [];
  const adapter = await attachDynamicsCIF({ client, cif, ...AGENT, onError: (e) => errors.push(e.message) });
  await assert.rejects(cif.clickToAct({ value: 'n/a' }), /nothing to dial/);
  assert.equal(client.requests.length, 0);
  client.requestImpl = async () => ({ status: 400, headers: {}, body: '<ApiErrors/>', requestId: 'r' });
  await assert.rejects(cif.clickToAct({ value: '5550101' }), /MAKE_CALL to 5550101 failed: HTTP 400/);
  assert.equal(errors.length, 2);
  assert.deepEqual(adapter.stats(), { clicks: 2, calls: 0, pops: 0, errors: 2 });
});

test('each call pops its record exactly once, searched by ANI', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  await attachDynamicsCIF({ client, cif, ...AGENT });
  client.emit('dialog', dialogEvent('added'));
  client.emit('dialog', dialogEvent('updated', { state: 'ACTIVE' }));
  // The same call announced again (a restarted client re-syncing mid-call).
  client.emit('dialog', dialogEvent('added', { id: 'd1-on-side-b', state: 'ACTIVE' }));
  await settle();
  assert.deepEqual(cif.pops(), [[
    'searchAndOpenRecords', 'contact',
    "?$select=fullname,telephone1,mobilephone&$filter=telephone1 eq '5550101' or mobilephone eq '5550101'",
    false,
  ]]);
  client.emit('dialog', dialogEvent('added', { id: 'd2', callKey: 'ck:1:101:1', ani: '5550102', fromAddress: '5550102' }));
  await settle();
  assert.equal(cif.pops().length, 2);
  assert.match(cif.pops()[1][2], /'5550102'/);
});

test('outbound calls search the dialed number; internal calls do not pop', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  await attachDynamicsCIF({ client, cif, ...AGENT });
  client.emit('dialog', dialogEvent('added', { id: 'o1', callKey: 'id:o1', callType: 'OUT', fromAddress: '1001001', ani: '1001001', toAddress: '5550199' }));
  client.emit('dialog', dialogEvent('added', { id: 'c1', callKey: 'id:c1', callType: 'CONSULT', fromAddress: '1001002', ani: '1001002' }));
  await settle();
  assert.equal(cif.pops().length, 1);
  assert.match(cif.pops()[0][2], /telephone1 eq '5550199'/);
});

test('a custom search can pop by a call variable', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  await attachDynamicsCIF({
    client, cif, ...AGENT,
    search: (d) => ({ entity: 'account', query: '?$filter=accountnumber eq ' + odataString(d.callVariables.callVariable1) }),
  });
  client.emit('dialog', dialogEvent('added', { callVariables: { callVariable1: "o'brien-42" } }));
  await settle();
  assert.deepEqual(cif.pops()[0].slice(1, 3), ['account', "?$filter=accountnumber eq 'o''brien-42'"]);
});

test('detach removes the click-to-act handler and stops screen pops', async () => {
  const cif = new FakeCIF();
  const client = new FakeClient();
  const adapter = await attachDynamicsCIF({ client, cif, ...AGENT });
  adapter.detach();
  await settle();
  assert.ok(cif.calls.some((c) => c[0] === 'removeHandler' && c[1] === 'onclicktoact'));
  assert.equal(cif.handlers.size, 0);
  client.emit('dialog', dialogEvent('added'));
  await settle();
  assert.equal(cif.pops().length, 0);
  assert.equal(client.listenerCount(), 0);
});

test('when CIF refuses click-to-act, attach rejects and leaves nothing behind', async () => {
  const cif = new FakeCIF();
  cif.failSetClickToAct = true;
  const client = new FakeClient();
  await assert.rejects(attachDynamicsCIF({ client, cif, ...AGENT }), /not allowed/);
  assert.equal(client.listenerCount(), 0);
});

test('attach checks its arguments', async () => {
  await assert.rejects(attachDynamicsCIF({ cif: new FakeCIF(), ...AGENT }), /client must be a finesse-ha Client/);
  await assert.rejects(attachDynamicsCIF({ client: new FakeClient(), cif: new FakeCIF(), agentId: '1' }), /extension must be/);
});
