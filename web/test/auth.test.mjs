// Credentials at run time: setAuth and auth.getToken in the wrapper. What
// Go does with them is tested in Go (internal/failover, internal/client) and
// in Chromium (internal/e2e/sso_test.go).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshModule, installFakes, VALID_OPTIONS } from './harness.mjs';

async function setup(t, options = VALID_OPTIONS) {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const { createClient } = await freshModule();
  const client = await createClient(options);
  return { ctl, client, handle: ctl.api.handles[ctl.api.handles.length - 1], call: ctl.api.calls[ctl.api.calls.length - 1] };
}

test('setAuth sends the credentials to Go as JSON and resolves when Go has taken them', async (t) => {
  const { client, handle } = await setup(t);
  assert.equal(await client.setAuth({ token: 'tok-1' }), undefined);
  await client.setAuth({ username: '1001001', password: 'pw-2' });
  assert.deepEqual(handle.setAuthCalls.map((j) => JSON.parse(j)), [{ token: 'tok-1' }, { username: '1001001', password: 'pw-2' }]);
});

test('setAuth rejects bad input with a TypeError that echoes nothing', async (t) => {
  const { client, handle } = await setup(t);
  for (const bad of [undefined, null, 'tok-secret', ['tok-secret']]) {
    await assert.rejects(client.setAuth(bad), (err) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /setAuth\(auth\)/);
      assert.doesNotMatch(err.message, /tok-secret/);
      return true;
    });
  }
  assert.equal(handle.setAuthCalls.length, 0);
});

test("setAuth surfaces Go's error, which names the field", async (t) => {
  const { client, handle } = await setup(t);
  handle.setAuthImpl = async () => { throw new Error('finesse-ha: auth.password: missing'); };
  await assert.rejects(client.setAuth({ username: '1001001' }), /auth\.password: missing/);
});

test('auth.getToken stays a function: the token goes to Go as JSON, the source as the third argument', async (t) => {
  let n = 0;
  const getToken = async () => 'tok-' + (++n);
  const { call } = await setup(t, { ...VALID_OPTIONS, auth: { token: 'tok-0', getToken } });
  assert.deepEqual(JSON.parse(call.optionsJSON).auth, { token: 'tok-0' });
  assert.equal(typeof call.getToken, 'function');
  assert.equal(await call.getToken(), 'tok-1');
  assert.equal(n, 1);
});

test('a token source alone: createClient asks it for the first token', async (t) => {
  let n = 0;
  const { call } = await setup(t, { ...VALID_OPTIONS, auth: { getToken: async () => 'first-' + (++n) } });
  assert.deepEqual(JSON.parse(call.optionsJSON).auth, { token: 'first-1' });
});

test('a synchronous throw in getToken becomes a rejection for Go', async (t) => {
  const { call } = await setup(t, { ...VALID_OPTIONS, auth: { token: 't', getToken: () => { throw new Error('IdS down'); } } });
  await assert.rejects(call.getToken(), /IdS down/);
});

test('getToken must be a function', async (t) => {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const { createClient } = await freshModule();
  await assert.rejects(createClient({ ...VALID_OPTIONS, auth: { token: 'tok-secret', getToken: 'soon' } }), (err) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /options\.auth\.getToken must be a function/);
    assert.doesNotMatch(err.message, /tok-secret/);
    return true;
  });
  await assert.rejects(createClient({ ...VALID_OPTIONS, auth: { getToken: async () => 42 } }), /must resolve with a non-empty string/);
});
