// finesse-ha: the JavaScript face of the Go/WebAssembly failover client.
//
// This file is only a loader and a thin wrapper. All Finesse logic (REST,
// BOSH/XMPP, failover, re-sync) runs in Go; the two halves talk through the
// contract in BRIDGE.md: Go registers globalThis.__finesseHA, whose
// createClient(optionsJSON, emit) resolves with a handle whose methods speak
// JSON strings. Here we turn those strings into frozen plain objects, fan
// events out to listeners, and keep a listener's bug from ever reaching Go.

// wasm_exec.js is Go's classic-script runtime glue (it defines globalThis.Go).
// It is copied from the GOROOT of the toolchain that built finesse-ha.wasm at
// package build time and never committed: the two must match exactly.
import './wasm_exec.js';

import { PREFIX, createLoader, reportBug, wrapError, errorMessage, errorEventJSON, runtimeExitJSON } from './loader.js';
import { connectWorker, workerSupport, RuntimeUnavailable } from './remote.js';

/** The event types Go emits (BRIDGE.md); on() rejects anything else. */
const EVENT_TYPES = Object.freeze(['connection', 'agent', 'dialog', 'notification', 'error', 'log']);

/** options.logLevel's values, least verbose first (Go validates the option). */
const LOG_LEVELS = Object.freeze(['off', 'error', 'warn', 'info', 'debug']);

/** How many of the wrapper's own log lines diagnostics() keeps. */
const WRAPPER_LOG_CAP = 100;

/** Options only the loader understands; they never cross into Go. */
const LOADER_KEYS = ['wasmURL', 'wasmModule', 'workerURL', 'runtime', 'graceMs', 'onProgress'];

/** Where the Go runtime may run (SPEC §4.1), in the order 'auto' tries them. */
const RUNTIMES = Object.freeze(['shared-worker', 'worker', 'page']);

/** The longest grace period a page may ask for: an hour. */
const MAX_GRACE_MS = 3_600_000;

// ---------------------------------------------------------------------------
// The page runtime: Go in this page, once per page.

const pageLoader = createLoader();

/** Dispatchers of the live page-runtime clients, told when the runtime dies. */
const liveClients = new Set();

function loadPageRuntime(wasmURL, wasmModule, onProgress) {
  const api = pageLoader.load({ wasmURL, wasmModule, onProgress });
  api.then(() => pageLoader.onExit(tellPageClients), () => {});
  return api;
}

// One function, so that registering it for every client adds it once.
function tellPageClients(why) {
  for (const dispatch of [...liveClients]) {
    dispatch('error', runtimeExitJSON(why));
  }
  liveClients.clear();
}

// ---------------------------------------------------------------------------
// Options.

/**
 * Checks what only JavaScript can check (the loader options and that
 * options is a plain object) and returns the JSON for Go, which validates
 * everything else and names the field in its error.
 */
function prepareOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(PREFIX + 'options must be an object, got ' + describe(options));
  }
  const { wasmURL, wasmModule } = options;
  if (wasmURL !== undefined) {
    const isURL = typeof URL === 'function' && wasmURL instanceof URL;
    if (!isURL && typeof wasmURL !== 'string') {
      throw new TypeError(PREFIX + 'options.wasmURL must be a string or URL, got ' + describe(wasmURL));
    }
    if (!isURL && wasmURL.trim() === '') {
      throw new TypeError(PREFIX + 'options.wasmURL must not be empty');
    }
  }
  if (wasmModule !== undefined && !(wasmModule instanceof WebAssembly.Module)) {
    throw new TypeError(PREFIX + 'options.wasmModule must be a WebAssembly.Module, got ' + describe(wasmModule));
  }
  if (wasmURL !== undefined && wasmModule !== undefined) {
    throw new TypeError(PREFIX + 'options.wasmURL and options.wasmModule are exclusive; give one');
  }
  const { workerURL, graceMs, onProgress } = options;
  const runtime = options.runtime ?? 'auto';
  if (runtime !== 'auto' && !RUNTIMES.includes(runtime)) {
    throw new TypeError(PREFIX + "options.runtime must be 'auto', " + RUNTIMES.map((r) => "'" + r + "'").join(', ') +
      '; got ' + (typeof runtime === 'string' ? JSON.stringify(runtime) : describe(runtime)));
  }
  if (wasmModule !== undefined && runtime !== 'auto' && runtime !== 'page') {
    throw new TypeError(PREFIX + "options.wasmModule needs options.runtime 'page' (a compiled module does not travel to a shared worker)");
  }
  if (workerURL !== undefined) {
    const isURL = typeof URL === 'function' && workerURL instanceof URL;
    if ((!isURL && typeof workerURL !== 'string') || (!isURL && workerURL.trim() === '')) {
      throw new TypeError(PREFIX + 'options.workerURL must be a non-empty string or URL, got ' + describe(workerURL));
    }
  }
  if (graceMs !== undefined && (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0 || graceMs > MAX_GRACE_MS)) {
    throw new TypeError(PREFIX + 'options.graceMs must be a number of milliseconds from 0 to ' + MAX_GRACE_MS + ', got ' +
      (typeof graceMs === 'number' ? String(graceMs) : describe(graceMs)));
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(PREFIX + 'options.onProgress must be a function, got ' + describe(onProgress));
  }
  const forGo = {};
  for (const key of Object.keys(options)) {
    if (!LOADER_KEYS.includes(key)) forGo[key] = options[key];
  }
  // auth.getToken is a function: it stays here and goes to Go as a function,
  // the rest of auth as JSON.
  let getToken;
  const auth = options.auth;
  if (auth !== null && typeof auth === 'object' && !Array.isArray(auth) && 'getToken' in auth) {
    getToken = auth.getToken;
    if (typeof getToken !== 'function') {
      throw new TypeError(PREFIX + 'options.auth.getToken must be a function returning a Promise of a token, got ' + describe(getToken));
    }
    const { getToken: _omit, ...rest } = auth;
    forGo.auth = rest;
  }
  let json;
  try {
    json = JSON.stringify(forGo);
  } catch (err) {
    // Never echo the options themselves: they hold credentials.
    throw wrapError(PREFIX + 'options must be JSON-serializable: ', err, TypeError);
  }
  return { json, wasmURL, wasmModule, workerURL, graceMs, onProgress, runtime, getToken, trail: new Trail(options.logLevel) };
}

/**
 * The wrapper's own log lines (which runtime, how long loading took): kept
 * for diagnostics() and sent as 'log' events at options.logLevel, like the
 * Go side's. They are fixed texts with names, versions and times: nothing
 * in them comes from the credentials, which the Go side's scrubber removes
 * from everything else.
 */
class Trail {
  lines = [];
  #hub = null;
  #rank;

  constructor(level) {
    const rank = LOG_LEVELS.indexOf(level ?? 'off');
    this.#rank = rank < 0 ? 0 : rank;
  }

  add(level, message) {
    const entry = { at: new Date().toISOString(), level, source: 'wrapper', message, side: '' };
    this.lines.push(entry);
    if (this.lines.length > WRAPPER_LOG_CAP) this.lines.shift();
    if (this.#hub !== null) this.#send(entry);
  }

  /** From now on lines go to hub too; those so far go at once (the hub holds them until createClient resolves). */
  attach(hub) {
    this.#hub = hub;
    for (const entry of this.lines) this.#send(entry);
  }

  #send(entry) {
    if (LOG_LEVELS.indexOf(entry.level) <= this.#rank) this.#hub.emit('log', JSON.stringify(entry));
  }
}

/**
 * Wraps the page's getToken for Go: always a Promise (a synchronous throw
 * becomes a rejection), settled with what the page gave.
 */
function tokenSource(getToken) {
  if (getToken === undefined) return undefined;
  return () => new Promise((resolve) => resolve(getToken()));
}

// ---------------------------------------------------------------------------
// The client.

/**
 * Creates a client where options.runtime says (SPEC §4.1): by default in a
 * SharedWorker shared by every page of the origin, else in a Worker per
 * page with one leader per agent, else in this page. See index.d.ts.
 * @param {object} options
 * @returns {Promise<Client>}
 */
export async function createClient(options) {
  const prepared = prepareOptions(options);
  const explicit = prepared.runtime !== 'auto';
  // A token source stays in this page and answers the worker's requests
  // (remote.js), so it runs anywhere; a compiled module does not travel.
  const order = explicit ? [prepared.runtime] : prepared.wasmModule !== undefined ? ['page'] : RUNTIMES;
  const skipped = [];
  const trail = prepared.trail;
  for (const kind of order) {
    const why = kind === 'page' ? '' : workerSupport(kind);
    if (why !== '') {
      if (explicit) throw new Error(PREFIX + "options.runtime '" + kind + "' cannot run here: " + why);
      skipped.push(kind + ': ' + why);
      continue;
    }
    trail.add('info', "runtime '" + kind + "'" + (skipped.length > 0 ? ' (not ' + skipped.join('; ') + ')' : ''));
    if (kind === 'page') return createPageClient(prepared, options.auth);
    try {
      return await createWorkerClient(kind, prepared);
    } catch (err) {
      if (!(err instanceof RuntimeUnavailable) || explicit) throw err;
      skipped.push(kind + ': ' + err.message);
      trail.add('warn', "runtime '" + kind + "' did not start: " + err.message);
    }
  }
  throw new Error(PREFIX + 'no runtime could start: ' + skipped.join('; '));
}

async function createPageClient({ json, wasmURL, wasmModule, onProgress, getToken, trail }, auth) {
  const started = Date.now();
  const api = await loadPageRuntime(wasmURL, wasmModule, onProgress);
  trail.add('info', 'Go runtime ' + versionOf(api.version) + ' ready in this page after ' + (Date.now() - started) + ' ms');
  if (getToken !== undefined && (auth.token === undefined || auth.token === null)) {
    // Only a token source: ask it for the first token, once the runtime is
    // loaded (loading may take seconds of a short token's life).
    let token;
    try {
      token = await getToken();
    } catch (err) {
      throw wrapError(PREFIX + 'options.auth.getToken() failed: ', err);
    }
    if (typeof token !== 'string' || token === '') {
      throw new TypeError(PREFIX + 'options.auth.getToken() must resolve with a non-empty string, got ' + describe(token));
    }
    const parsed = JSON.parse(json);
    parsed.auth = { ...parsed.auth, token };
    json = JSON.stringify(parsed);
  }
  const hub = new EventHub();
  const label = runtimeLabel('page');
  let handle;
  try {
    handle = await api.createClient(json, (type, eventJSON) => hub.emit(type, type === 'connection' ? label(eventJSON) : eventJSON), tokenSource(getToken));
  } catch (err) {
    throw toError(err);
  }
  if (handle === null || typeof handle !== 'object') {
    throw new Error(PREFIX + 'the Go runtime returned no client handle');
  }
  const client = new Client(labelSnapshots(handle, label), hub, typeof api.version === 'string' ? api.version : '', true, { runtime: 'page', trail });
  hub.release();
  return client;
}

async function createWorkerClient(kind, { json, wasmURL, workerURL, graceMs, onProgress, trail, getToken }) {
  const started = Date.now();
  const hub = new EventHub();
  const { handle, version } = await connectWorker(kind, {
    workerURL,
    optionsJSON: json,
    // Resolved here: a relative wasmURL means relative to the page, as fetch would.
    wasmURL: wasmURL === undefined ? undefined : new URL(String(wasmURL), globalThis.location && globalThis.location.href).href,
    graceMs,
    onProgress,
    emit: hub.emit,
    label: runtimeLabel(kind),
    getToken: tokenSource(getToken),
  });
  trail.add('info', 'attached to the ' + kind + ' runtime, Go ' + versionOf(version) + ', after ' + (Date.now() - started) + ' ms');
  const client = new Client(handle, hub, version, false, { runtime: kind, trail });
  hub.release();
  return client;
}

/** A function adding {runtime} to a connection event's JSON; .runtime names it. */
function runtimeLabel(runtime) {
  const label = (eventJSON) => {
    try {
      const ev = JSON.parse(eventJSON);
      if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return eventJSON;
      ev.runtime = runtime;
      return JSON.stringify(ev);
    } catch {
      return eventJSON; // the hub reports malformed JSON
    }
  };
  label.runtime = runtime;
  return label;
}

/** The Go handle, with snapshot() saying which runtime it runs in. */
function labelSnapshots(handle, label) {
  return new Proxy(handle, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name !== 'snapshot' || typeof value !== 'function') return value;
      return () => {
        const json = value.call(target);
        if (typeof json !== 'string') return json;
        try {
          const s = JSON.parse(json);
          if (s === null || typeof s !== 'object') return json;
          s.runtime = label.runtime;
          if (s.connection && typeof s.connection === 'object') s.connection.runtime = label.runtime;
          return JSON.stringify(s);
        } catch {
          return json;
        }
      };
    },
  });
}

/**
 * Fans events out to listeners. Events Go emits while createClient is still
 * pending (the first `connecting`, say) are held and delivered on the next
 * task after it resolves, in order, so that listeners attached right after
 * `await createClient(...)` see them.
 */
class EventHub {
  /** @type {Map<string, Set<Function>>} */
  listeners = new Map(EVENT_TYPES.map((t) => [t, new Set()]));
  held = [];
  holding = true;

  // An arrow function: Go calls it detached. It must never throw into Go.
  emit = (type, eventJSON) => {
    try {
      if (this.holding) {
        this.held.push([type, eventJSON]);
        return;
      }
      this.deliver(type, eventJSON);
    } catch (err) {
      reportListenerBug('emit', err);
    }
  };

  release() {
    setTimeout(() => {
      this.holding = false;
      const held = this.held;
      this.held = [];
      for (const [type, eventJSON] of held) this.emit(type, eventJSON);
    }, 0);
  }

  deliver(type, eventJSON) {
    const set = this.listeners.get(type);
    if (set === undefined) {
      this.deliver('error', errorEventJSON('unknown event type from the Go runtime: ' + String(type), 'bad-event'));
      return;
    }
    let event;
    try {
      event = deepFreeze(JSON.parse(eventJSON));
    } catch (err) {
      if (type === 'error') {
        reportListenerBug('error', err);
        return;
      }
      this.deliver('error', errorEventJSON('malformed ' + type + ' event from the Go runtime: ' + errorMessage(err), 'bad-event'));
      return;
    }
    // A copy: a listener may unsubscribe itself or others while we iterate.
    for (const fn of [...set]) {
      try {
        fn(event);
      } catch (err) {
        reportListenerBug(type, err);
        if (type !== 'error') {
          // Tell the page, but never recurse: an 'error' listener's own bug
          // only goes to the console.
          this.deliver('error', errorEventJSON("a '" + type + "' listener threw: " + errorMessage(err), 'listener'));
        }
      }
    }
  }
}

function reportListenerBug(type, err) {
  reportBug(type, err);
}

/** A connection to a Finesse duplex pair; see index.d.ts for the contract. */
export class Client {
  #handle;
  #hub;
  #closing = null;
  #dispatch;
  #runtime;
  #trail;

  /** @internal Use createClient. */
  constructor(handle, hub, version, local, { runtime, trail }) {
    this.#handle = handle;
    this.#hub = hub;
    this.#runtime = runtime;
    this.#trail = trail;
    trail.attach(hub);
    /** Version of the Go side (finesse-ha.wasm). */
    this.version = version;
    this.#dispatch = (type, json) => hub.emit(type, json);
    // A page-runtime client hears of its runtime's death from the page
    // loader; a worker client from its Connection (remote.js).
    if (local) liveClients.add(this.#dispatch);
    Object.freeze(this);
  }

  /**
   * Adds a listener; returns a function that removes it again.
   * @param {string} type
   * @param {Function} listener
   * @returns {() => void}
   */
  on(type, listener) {
    const set = this.#listenersOf(type, 'on');
    if (typeof listener !== 'function') {
      throw new TypeError(PREFIX + 'on(' + JSON.stringify(type) + ', listener): listener must be a function, got ' + describe(listener));
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Removes a listener added with on(); unknown listeners are ignored. */
  off(type, listener) {
    this.#listenersOf(type, 'off').delete(listener);
  }

  /** Like on(), for the next event of that type only. */
  once(type, listener) {
    if (typeof listener !== 'function') {
      this.#listenersOf(type, 'once');
      throw new TypeError(PREFIX + 'once(' + JSON.stringify(type) + ', listener): listener must be a function, got ' + describe(listener));
    }
    const off = this.on(type, (event) => {
      off();
      listener(event);
    });
    return off;
  }

  /** The current state, as a frozen plain object. */
  snapshot() {
    return this.#callJSON('snapshot');
  }

  /** The failover timeline, oldest first, as a frozen array. */
  history() {
    return this.#callJSON('history');
  }

  /**
   * What a support engineer needs, as one JSON-serializable frozen object:
   * version, runtime, user agent, the options without credentials,
   * snapshot, history and the recent log (the Go side's and the wrapper's,
   * oldest first). Every string the Go side contributes has passed its
   * credential scrubber.
   * @returns {Promise<object>}
   */
  async diagnostics() {
    let json;
    try {
      json = await this.#handle.diagnostics();
    } catch (err) {
      throw toError(err);
    }
    if (typeof json !== 'string') {
      throw new Error(PREFIX + 'diagnostics: the Go runtime returned ' + describe(json) + ' instead of JSON');
    }
    let d;
    try {
      d = JSON.parse(json);
    } catch (err) {
      throw wrapError(PREFIX + 'diagnostics: malformed JSON from the Go runtime: ', err);
    }
    const log = [...(Array.isArray(d.log) ? d.log : []), ...this.#trail.lines.map((e) => ({ ...e }))];
    // By time, not text: Go writes 05Z where JavaScript writes 05.000Z.
    log.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0));
    const snapshot = d.snapshot !== null && typeof d.snapshot === 'object' ? { ...d.snapshot, runtime: this.#runtime } : d.snapshot;
    return deepFreeze({
      version: this.version,
      runtime: this.#runtime,
      userAgent: typeof navigator === 'object' && navigator !== null && typeof navigator.userAgent === 'string' ? navigator.userAgent : '',
      createdAt: new Date().toISOString(),
      ...d,
      snapshot,
      log,
    });
  }

  /**
   * Sends a Finesse REST request through the active side.
   * @param {string} method
   * @param {string} path
   * @param {string} [body]
   */
  async request(method, path, body) {
    if (typeof method !== 'string' || method === '') {
      throw new TypeError(PREFIX + 'request(method, path, body): method must be a non-empty string, got ' + describe(method));
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(PREFIX + 'request(method, path, body): path must be a string starting with "/", got ' + describe(path));
    }
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError(PREFIX + 'request(method, path, body): body must be a string (XML) or undefined, got ' + describe(body));
    }
    let json;
    try {
      json = body === undefined || body === null
        ? await this.#handle.request(method, path)
        : await this.#handle.request(method, path, body);
    } catch (err) {
      throw toError(err);
    }
    return parseFrozen(json, 'request');
  }

  /**
   * Hands the client new credentials: `{token}` or `{username, password}`.
   * The next REST request and the next notification login use them; a side
   * that refused the old ones may be tried again. Resolves once the client
   * has taken them; rejects with an Error naming the field for bad input
   * (never quoting a value).
   * @param {{token: string} | {username: string, password: string}} auth
   * @returns {Promise<void>}
   */
  async setAuth(auth) {
    if (auth === null || typeof auth !== 'object' || Array.isArray(auth)) {
      throw new TypeError(PREFIX + 'setAuth(auth): auth must be {token} or {username, password}, got ' + describe(auth));
    }
    let json;
    try {
      json = JSON.stringify(auth);
    } catch (err) {
      throw wrapError(PREFIX + 'setAuth(auth): auth must be JSON-serializable: ', err, TypeError);
    }
    try {
      await this.#handle.setAuth(json);
    } catch (err) {
      throw toError(err);
    }
  }

  /** Stops the client; idempotent. Resolves after the `closed` event. */
  close() {
    if (this.#closing === null) {
      this.#closing = (async () => {
        try {
          await this.#handle.close();
        } catch (err) {
          throw toError(err);
        } finally {
          liveClients.delete(this.#dispatch);
        }
      })();
    }
    return this.#closing;
  }

  #listenersOf(type, method) {
    const set = this.#hub.listeners.get(type);
    if (set === undefined) {
      throw new TypeError(PREFIX + method + '(type, listener): type must be one of ' +
        EVENT_TYPES.map((t) => JSON.stringify(t)).join(', ') + '; got ' +
        (typeof type === 'string' ? JSON.stringify(type) : describe(type)));
    }
    return set;
  }

  #callJSON(method) {
    let json;
    try {
      json = this.#handle[method]();
    } catch (err) {
      throw toError(err);
    }
    return parseFrozen(json, method);
  }
}

// ---------------------------------------------------------------------------
// Helpers.

function versionOf(v) {
  return typeof v === 'string' && v !== '' ? v : '(version unknown)';
}

function parseFrozen(json, what) {
  if (typeof json !== 'string') {
    throw new Error(PREFIX + what + ': the Go runtime returned ' + describe(json) + ' instead of JSON');
  }
  try {
    return deepFreeze(JSON.parse(json));
  } catch (err) {
    throw wrapError(PREFIX + what + ': malformed JSON from the Go runtime: ', err);
  }
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
}

/** Go rejects with an Error or, from some helpers, a bare string. */
function toError(reason) {
  if (reason instanceof Error) return reason;
  if (typeof reason === 'string') return new Error(reason);
  if (reason !== null && typeof reason === 'object' && typeof reason.message === 'string') {
    return new Error(reason.message);
  }
  return new Error(PREFIX + 'failed: ' + String(reason));
}

/** Names a value's kind for an error message without echoing its content. */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === '') return 'empty string';
  if (typeof value === 'object' && value.constructor && value.constructor.name) return value.constructor.name;
  return typeof value;
}
