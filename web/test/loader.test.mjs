// Loading finesse-ha.wasm: option checks, once-per-page memoization, the
// streaming/arrayBuffer choice, HTTP failures, and Go start-up failures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshModule, installFakes, VALID_OPTIONS, EMPTY_WASM, defaultWasmURL, nextTask } from './harness.mjs';

function withFakes(opts, fn) {
  return async (t) => {
    const ctl = installFakes(opts);
    t.after(() => ctl.restore());
    const mod = await freshModule();
    await fn(t, ctl, mod);
  };
}

test('options that are not an object are rejected before anything loads', withFakes({}, async (t, ctl, { createClient }) => {
  for (const bad of [undefined, null, 'https://fin-a', 42, []]) {
    await assert.rejects(createClient(bad), (err) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /^finesse-ha: options must be an object/);
      return true;
    });
  }
  assert.equal(ctl.fetches.length, 0);
}));

test('loader option errors name the field', withFakes({}, async (t, ctl, { createClient }) => {
  const module = new WebAssembly.Module(EMPTY_WASM);
  const cases = [
    [{ wasmURL: 42 }, /options\.wasmURL must be a string or URL, got number/],
    [{ wasmURL: '  ' }, /options\.wasmURL must not be empty/],
    [{ wasmModule: EMPTY_WASM }, /options\.wasmModule must be a WebAssembly\.Module, got Uint8Array/],
    [{ wasmModule: {} }, /options\.wasmModule must be a WebAssembly\.Module/],
    [{ wasmURL: 'x.wasm', wasmModule: module }, /options\.wasmURL and options\.wasmModule are exclusive/],
  ];
  for (const [extra, want] of cases) {
    await assert.rejects(createClient({ ...VALID_OPTIONS, ...extra }), (err) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.match(err.message, want);
      return true;
    });
  }
  assert.equal(ctl.fetches.length, 0);
  assert.equal(ctl.api.calls.length, 0);
}));

test('options that cannot become JSON are rejected without echoing credentials', withFakes({}, async (t, ctl, { createClient }) => {
  await assert.rejects(createClient({ ...VALID_OPTIONS, policy: { jitterMs: 10n } }), (err) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /options must be JSON-serializable/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
}));

test('Go receives the options as JSON without the loader options', withFakes({}, async (t, ctl, { createClient }) => {
  await createClient({ ...VALID_OPTIONS, wasmURL: 'https://cdn.example.com/finesse-ha.wasm', allowInsecure: false });
  assert.equal(ctl.api.calls.length, 1);
  const sent = JSON.parse(ctl.api.calls[0].optionsJSON);
  assert.deepEqual(sent, { ...VALID_OPTIONS, allowInsecure: false });
  assert.equal('wasmURL' in sent, false);
  assert.deepEqual(ctl.fetches, ['https://cdn.example.com/finesse-ha.wasm']);
}));

test('the default .wasm URL is next to the module', withFakes({}, async (t, ctl, { createClient }) => {
  await createClient(VALID_OPTIONS);
  assert.deepEqual(ctl.fetches, [defaultWasmURL]);
}));

test('a URL object is accepted as wasmURL', withFakes({}, async (t, ctl, { createClient }) => {
  await createClient({ ...VALID_OPTIONS, wasmURL: new URL('https://cdn.example.com/a/finesse-ha.wasm') });
  assert.deepEqual(ctl.fetches, ['https://cdn.example.com/a/finesse-ha.wasm']);
}));

for (const [contentType, streaming] of [
  ['application/wasm', true],
  ['Application/WASM; charset=binary', true],
  ['application/octet-stream', false],
  ['text/html', false],
  [null, false],
]) {
  test(`Content-Type ${contentType} -> ${streaming ? 'instantiateStreaming' : 'arrayBuffer + instantiate'}`,
    withFakes({ contentType }, async (t, ctl, { createClient }) => {
      await createClient(VALID_OPTIONS);
      assert.equal(ctl.streamingCalls, streaming ? 1 : 0);
      assert.equal(ctl.bufferCalls, streaming ? 0 : 1);
    }));
}

test('without instantiateStreaming the bytes are instantiated', withFakes({}, async (t, ctl, { createClient }) => {
  WebAssembly.instantiateStreaming = undefined;
  await createClient(VALID_OPTIONS);
  assert.equal(ctl.bufferCalls, 1);
}));

test('a precompiled wasmModule is instantiated without fetching', withFakes({}, async (t, ctl, { createClient }) => {
  await createClient({ ...VALID_OPTIONS, wasmModule: new WebAssembly.Module(EMPTY_WASM) });
  assert.equal(ctl.fetches.length, 0);
  assert.equal(ctl.moduleCalls, 1);
}));

test('the module loads once per page; clients share the runtime', withFakes({}, async (t, ctl, { createClient }) => {
  const [a, b] = await Promise.all([createClient(VALID_OPTIONS), createClient(VALID_OPTIONS)]);
  const c = await createClient(VALID_OPTIONS);
  assert.equal(ctl.fetches.length, 1);
  assert.equal(ctl.gos.length, 1);
  assert.equal(ctl.api.calls.length, 3);
  assert.notEqual(a, b);
  assert.notEqual(b, c);
  assert.equal(a.version, '0.0.0-test');
}));

test('an HTTP failure is a clear Error, and the next call retries', withFakes({ status: 404 }, async (t, ctl, { createClient }) => {
  await assert.rejects(createClient(VALID_OPTIONS), (err) => {
    assert.match(err.message, /^finesse-ha: could not fetch .*finesse-ha\.wasm: HTTP 404 Not Found/);
    assert.match(err.message, /options\.wasmURL/);
    return true;
  });
  assert.equal(ctl.gos.length, 1);
  ctl.status = 200;
  const client = await createClient(VALID_OPTIONS);
  assert.ok(client);
  assert.equal(ctl.fetches.length, 2);
}));

test('a network failure is wrapped with its cause, and the next call retries', withFakes({}, async (t, ctl, { createClient }) => {
  const realFetch = globalThis.fetch;
  const boom = new TypeError('Failed to fetch');
  globalThis.fetch = async () => { throw boom; };
  await assert.rejects(createClient(VALID_OPTIONS), (err) => {
    assert.match(err.message, /could not fetch .*: Failed to fetch$/);
    assert.equal(err.cause, boom);
    return true;
  });
  globalThis.fetch = realFetch;
  await createClient(VALID_OPTIONS);
  assert.equal(ctl.fetches.length, 1);
}));

test('a failed instantiation names the CSP requirement and resets the loader', withFakes({ contentType: 'application/octet-stream' }, async (t, ctl, { createClient }) => {
  const real = WebAssembly.instantiate;
  WebAssembly.instantiate = async () => { throw new WebAssembly.CompileError('refused to compile'); };
  await assert.rejects(createClient(VALID_OPTIONS), /could not instantiate .*wasm-unsafe-eval.*refused to compile/);
  WebAssembly.instantiate = real;
  await createClient(VALID_OPTIONS);
}));

test('a Go program that exits before registering rejects with the exit code', withFakes({ register: 'exit' }, async (t, ctl, { createClient }) => {
  await assert.rejects(createClient(VALID_OPTIONS), /the Go runtime stopped before registering its API \(exit code 2\)/);
  ctl.register = 'sync';
  await createClient(VALID_OPTIONS);
  assert.equal(ctl.gos.length, 2, 'the failed runtime is not reused');
}));

test('a Go program that never registers rejects after the bounded wait', withFakes({ register: 'never' }, async (t, ctl, { createClient }) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let settled = null;
  createClient(VALID_OPTIONS).then(() => { settled = 'resolved'; }, (err) => { settled = err; });
  // Virtual time, in poll-sized steps (Node 20's tick fires one generation
  // of timers per call): the loader must give up at its 10 s bound.
  let virtualMs = 0;
  while (settled === null && virtualMs <= 20_000) {
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(20);
    virtualMs += 20;
  }
  assert.ok(settled instanceof Error, 'createClient settled with ' + settled);
  assert.match(settled.message, /did not register its API within 10000 ms/);
  assert.ok(virtualMs >= 10_000 && virtualMs <= 10_100, 'gave up after ' + virtualMs + ' virtual ms');
}));

test('an API without createClient is reported as a mismatch', withFakes({ register: 'never' }, async (t, ctl, { createClient }) => {
  globalThis.__finesseHA = { version: '1' };
  await assert.rejects(createClient(VALID_OPTIONS), /has no createClient function/);
}));

test('a missing Go runtime (no wasm_exec.js) is a clear Error', withFakes({}, async (t, ctl, { createClient }) => {
  delete globalThis.Go;
  await assert.rejects(createClient(VALID_OPTIONS), /wasm_exec\.js did not define globalThis\.Go/);
}));

test('Go option errors reject as Error with the message', withFakes({}, async (t, ctl, { createClient }) => {
  const msg = 'finesse-ha: options.sides[1]: http URL needs allowInsecure: true';
  ctl.api.rejectWith = new Error(msg);
  await assert.rejects(createClient(VALID_OPTIONS), (err) => err instanceof Error && err.message === msg);
  ctl.api.rejectWith = msg; // a bare string, as some Go promise helpers reject
  await assert.rejects(createClient(VALID_OPTIONS), (err) => err instanceof Error && err.message === msg);
  ctl.api.rejectWith = undefined;
  await createClient(VALID_OPTIONS);
  assert.equal(ctl.fetches.length, 1, 'a rejected createClient does not reload the module');
}));

test('when the runtime stops, live clients get a fatal error and the next call reloads', withFakes({}, async (t, ctl, { createClient }) => {
  const client = await createClient(VALID_OPTIONS);
  const closed = await createClient(VALID_OPTIONS);
  await closed.close();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const closedErrors = [];
  closed.on('error', (e) => closedErrors.push(e));
  await nextTask();
  ctl.exit(2);
  await nextTask();
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'runtime-exit');
  assert.equal(errors[0].fatal, true);
  assert.match(errors[0].message, /exit code 2/);
  assert.equal(closedErrors.length, 0, 'a closed client is not told');
  await createClient(VALID_OPTIONS);
  assert.equal(ctl.fetches.length, 2);
  assert.equal(ctl.gos.length, 2);
}));
