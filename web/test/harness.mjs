// Test harness for index.js: a fake Go runtime, fake WebAssembly entry
// points, a fake fetch, and a fake __finesseHA implementing BRIDGE.md.
//
// index.js imports './wasm_exec.js', which is copied in at package build time
// and never committed, so each test imports a copy of index.js from a
// temporary folder holding an empty wasm_exec.js stand-in. A query string
// makes every import a fresh module instance, so the once-per-page loader
// state never leaks from one test to the next.

import { mkdtempSync, copyFileSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkgDir = mkdtempSync(join(tmpdir(), 'finesse-ha-web-test-'));
for (const f of ['index.js', 'loader.js', 'remote.js', 'host.js', 'relay.js']) copyFileSync(join(here, '..', f), join(pkgDir, f));
writeFileSync(join(pkgDir, 'wasm_exec.js'), '// stand-in: tests define globalThis.Go themselves\n');
process.on('exit', () => rmSync(pkgDir, { recursive: true, force: true }));

/** Imports one of the package's modules (host.js, relay.js, ...) from the test copy. */
export function importPkg(name) {
  return import(pathToFileURL(join(pkgDir, name)).href);
}

/**
 * Web Locks as the browser grants them: exclusive, first come first
 * served. drop(name) releases the current holder as the browser does when
 * the holder's page or worker dies.
 */
export class FakeLocks {
  queues = new Map();
  request(name, opts, cb) {
    if (typeof opts === 'function') cb = opts;
    return new Promise((done) => {
      const q = this.queues.get(name) ?? [];
      q.push({ cb, done, released: false });
      this.queues.set(name, q);
      if (q.length === 1) this.#grant(name);
    });
  }
  #grant(name) {
    const q = this.queues.get(name);
    const e = q[0];
    const release = () => {
      if (e.released) return;
      e.released = true;
      q.shift();
      e.done();
      if (q.length > 0) this.#grant(name);
      else this.queues.delete(name);
    };
    e.release = release;
    Promise.resolve().then(() => e.cb({ name })).then(release, release);
  }
  held(name) { return this.queues.has(name); }
  drop(name) {
    const q = this.queues.get(name);
    if (q && q[0].release) q[0].release();
  }
}

/** Resolves when pred() holds, polling every few ms; rejects after 2 s. */
export async function until(pred, what = 'condition') {
  const deadline = Date.now() + 2000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The URL index.js will default to for the .wasm. */
export const defaultWasmURL = pathToFileURL(join(pkgDir, 'finesse-ha.wasm')).href;

let generation = 0;

/** A fresh instance of index.js (own loader state). */
export async function freshModule() {
  generation++;
  return import(pathToFileURL(join(pkgDir, 'index.js')).href + '?t=' + generation);
}

/**
 * A file of the JSON the Go client's wire types produce
 * (internal/client/testdata/wire, written by its golden tests): what the
 * fake Go side hands the wrapper, so these tests break when the Go
 * contract changes.
 */
export function goldenText(name) {
  return readFileSync(join(here, '..', '..', 'internal', 'client', 'testdata', 'wire', name), 'utf8');
}

/** The smallest valid wasm module: magic + version. */
export const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

export const VALID_OPTIONS = Object.freeze({
  sides: ['https://fin-a.example.com:8445', 'https://fin-b.example.com:8445'],
  agent: { id: '1001001', extension: '1001001' },
  auth: { username: '1001001', password: 'hunter2' },
  transport: 'bosh',
});

/**
 * A fake Go handle: snapshot/history return whatever JSON the test sets;
 * request and close record their calls.
 */
export class FakeHandle {
  snapshotJSON = goldenText('snapshot.json');
  historyJSON = goldenText('history.json');
  requests = [];
  closeCalls = 0;
  requestImpl = async () => JSON.stringify(JSON.parse(goldenText('result.json'))[0]);
  closeImpl = async () => {};
  diagnosticsJSON = goldenText('diagnostics.json');
  diagnosticsImpl = async () => this.diagnosticsJSON;
  diagnostics() { return this.diagnosticsImpl(); }
  snapshot() { return this.snapshotJSON; }
  history() { return this.historyJSON; }
  request(...args) { this.requests.push(args); return this.requestImpl(...args); }
  close() { this.closeCalls++; return this.closeImpl(); }
  setAuthCalls = [];
  setAuthImpl = async () => {};
  setAuth(json) { this.setAuthCalls.push(json); return this.setAuthImpl(json); }
}

/** A fake __finesseHA: records createClient calls and keeps each emit. */
export class FakeAPI {
  version = '0.0.0-test';
  calls = [];
  handles = [];
  /** Set to make the next createClient fail. */
  rejectWith = undefined;
  /** Called with emit before createClient resolves (to emit early events). */
  beforeResolve = undefined;
  createClient(optionsJSON, emit, getToken, onHistory) {
    this.calls.push({ optionsJSON, emit, getToken, onHistory });
    if (this.rejectWith !== undefined) return Promise.reject(this.rejectWith);
    const handle = new FakeHandle();
    this.handles.push(handle);
    if (this.beforeResolve) this.beforeResolve(emit);
    return Promise.resolve(handle);
  }
  get lastEmit() { return this.calls[this.calls.length - 1].emit; }
}

/**
 * Installs the fakes on globalThis and returns a control object; restore()
 * puts everything back. `register` decides what the fake Go program does
 * when run: 'sync' registers __finesseHA at once, 'never' does not, 'exit'
 * exits with code 2 without registering.
 */
export function installFakes({ register = 'sync', contentType = 'application/wasm', status = 200 } = {}) {
  const saved = {
    Go: Object.getOwnPropertyDescriptor(globalThis, 'Go'),
    fetch: Object.getOwnPropertyDescriptor(globalThis, 'fetch'),
    api: Object.getOwnPropertyDescriptor(globalThis, '__finesseHA'),
    instantiate: WebAssembly.instantiate,
    instantiateStreaming: WebAssembly.instantiateStreaming,
  };
  const ctl = {
    api: new FakeAPI(),
    register,
    contentType,
    status,
    fetches: [],
    streamingCalls: 0,
    bufferCalls: 0,
    moduleCalls: 0,
    gos: [],
    /** Ends the running fake Go program (as a fatal panic would). */
    exit(code = 2) { for (const go of ctl.gos) go.finish(code); },
  };
  const fakeInstance = { fake: 'instance' };

  globalThis.Go = class FakeGo {
    importObject = { go: {} };
    exit = () => {};
    constructor() { ctl.gos.push(this); }
    run(instance) {
      if (instance !== fakeInstance) throw new Error('run: not the instantiated instance');
      return new Promise((resolve) => {
        this.finish = (code) => { this.exit(code); resolve(); };
        if (ctl.register === 'sync') globalThis.__finesseHA = ctl.api;
        else if (ctl.register === 'exit') this.finish(2);
      });
    }
  };
  globalThis.fetch = async (url) => {
    ctl.fetches.push(String(url));
    if (ctl.status !== 200) return new Response('not here', { status: ctl.status, statusText: 'Not Found' });
    const headers = ctl.contentType === null ? {} : { 'Content-Type': ctl.contentType };
    return new Response(EMPTY_WASM, { status: 200, headers });
  };
  WebAssembly.instantiateStreaming = async (source, importObject) => {
    const res = await source;
    if (!(res instanceof Response)) throw new Error('instantiateStreaming: not a Response');
    ctl.streamingCalls++;
    return { module: {}, instance: fakeInstance };
  };
  WebAssembly.instantiate = async (source, importObject) => {
    if (source instanceof WebAssembly.Module) {
      ctl.moduleCalls++;
      return fakeInstance;
    }
    if (!(source instanceof ArrayBuffer)) throw new Error('instantiate: expected bytes');
    ctl.bufferCalls++;
    return { module: {}, instance: fakeInstance };
  };
  delete globalThis.__finesseHA;

  ctl.restore = () => {
    for (const [name, desc] of [['Go', saved.Go], ['fetch', saved.fetch], ['__finesseHA', saved.api]]) {
      if (desc) Object.defineProperty(globalThis, name, desc);
      else delete globalThis[name];
    }
    WebAssembly.instantiate = saved.instantiate;
    WebAssembly.instantiateStreaming = saved.instantiateStreaming;
  };
  return ctl;
}

/** Resolves after pending timers of delay 0 have run (real timers). */
export function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A loader over a FakeAPI; exit(why) ends the fake runtime. */
export function fakeLoader(api = new FakeAPI()) {
  let exits = new Set();
  return {
    api,
    loads: 0,
    async load() { this.loads++; return api; },
    onExit(fn) { exits.add(fn); return () => exits.delete(fn); },
    exit(why) { const told = exits; exits = new Set(); for (const fn of told) fn(why); },
  };
}

/** A fake SharedWorker served by a Host in this thread, on the page's locks. */
export async function installSharedWorker(t, loader = fakeLoader()) {
  const { Host } = await importPkg('host.js');
  const saved = { SharedWorker: globalThis.SharedWorker, navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };
  const locks = new FakeLocks();
  const host = new Host({ loader, locks });
  const made = [];
  const ports = [];
  globalThis.SharedWorker = class {
    constructor(url, opts) {
      made.push({ url: String(url), opts });
      const ch = new MessageChannel();
      ports.push(ch.port1, ch.port2);
      host.serve(ch.port1);
      this.port = ch.port2;
    }
    addEventListener() {}
  };
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
  t.after(() => {
    if (saved.SharedWorker) globalThis.SharedWorker = saved.SharedWorker; else delete globalThis.SharedWorker;
    if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator); else delete globalThis.navigator;
    for (const p of ports) p.close();
  });
  return { locks, made, host };
}
