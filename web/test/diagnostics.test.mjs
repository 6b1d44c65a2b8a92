// The diagnostic log ('log' events at options.logLevel) and
// client.diagnostics(): the Go side's bundle plus what only the wrapper
// knows (version, runtime, user agent, its own log lines).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshModule, installFakes, VALID_OPTIONS, nextTask, goldenText } from './harness.mjs';

async function setup(t, options = VALID_OPTIONS) {
  const ctl = installFakes();
  t.after(() => ctl.restore());
  const { createClient } = await freshModule();
  const logs = [];
  const client = await createClient(options);
  client.on('log', (e) => logs.push(e));
  await nextTask();
  return { ctl, client, logs, emit: ctl.api.lastEmit, handle: ctl.api.handles[ctl.api.handles.length - 1] };
}

test("the Go side's log events reach 'log' listeners unchanged and frozen (testdata/wire/log.json)", async (t) => {
  const { logs, emit } = await setup(t);
  const golden = JSON.parse(goldenText('log.json'));
  for (const e of golden) emit('log', JSON.stringify(e));
  assert.deepEqual(logs, golden);
  assert.ok(logs.every((e) => Object.isFrozen(e)));
});

test('logLevel is passed to Go; the wrapper sends its own lines as log events at that level', async (t) => {
  const { ctl, logs } = await setup(t, { ...VALID_OPTIONS, logLevel: 'info' });
  assert.equal(JSON.parse(ctl.api.calls[0].optionsJSON).logLevel, 'info', 'Go validates and applies it');
  const mine = logs.filter((e) => e.source === 'wrapper');
  assert.ok(mine.some((e) => e.level === 'info' && e.message.startsWith("runtime 'page'")), JSON.stringify(mine));
  assert.ok(mine.some((e) => /Go runtime 0\.0\.0-test ready in this page after \d+ ms/.test(e.message)), JSON.stringify(mine));
  assert.deepEqual(Object.keys(mine[0]).sort(), Object.keys(JSON.parse(goldenText('log.json'))[0]).sort(), "a Go LogEntry's fields");
});

test('off by default: no log event from the wrapper, yet diagnostics() has its lines', async (t) => {
  const { client, logs } = await setup(t);
  assert.deepEqual(logs, []);
  const d = await client.diagnostics();
  assert.ok(d.log.some((e) => e.source === 'wrapper' && e.message.startsWith("runtime 'page'")));
});

test('diagnostics() is the Go bundle plus version, runtime, userAgent and createdAt, frozen and JSON-serializable', async (t) => {
  const { client, handle } = await setup(t);
  const go = JSON.parse(goldenText('diagnostics.json'));
  const d = await client.diagnostics();
  assert.equal(d.version, '0.0.0-test');
  assert.equal(d.runtime, 'page');
  assert.equal(typeof d.userAgent, 'string');
  assert.ok(!Number.isNaN(Date.parse(d.createdAt)));
  assert.deepEqual(d.options, go.options);
  assert.deepEqual(d.history, go.history);
  assert.deepEqual(d.snapshot, { ...go.snapshot, runtime: 'page' });
  for (const e of go.log) assert.ok(d.log.some((x) => JSON.stringify(x) === JSON.stringify(e)), 'every Go line is kept');
  const times = d.log.map((e) => Date.parse(e.at));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first, Go and wrapper lines merged');
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.log) && Object.isFrozen(d.options));
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);

  handle.diagnosticsImpl = async () => { throw new Error('finesse-ha: the client is closed'); };
  await assert.rejects(client.diagnostics(), { message: 'finesse-ha: the client is closed' });
  handle.diagnosticsImpl = async () => '{nope';
  await assert.rejects(client.diagnostics(), /diagnostics: malformed JSON/);
});

test('the wrapper adds no credential to the bundle', async (t) => {
  const { client } = await setup(t, { ...VALID_OPTIONS, logLevel: 'debug' });
  const text = JSON.stringify(await client.diagnostics());
  const { username, password } = VALID_OPTIONS.auth;
  for (const form of [password, btoa(password), btoa(username + ':' + password), btoa('\0' + username + '\0' + password)]) {
    assert.ok(!text.includes(form), 'the bundle holds ' + form);
  }
});
