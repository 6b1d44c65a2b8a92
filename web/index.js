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

const PREFIX = 'finesse-ha: ';

/** The event types Go emits (BRIDGE.md); on() rejects anything else. */
const EVENT_TYPES = Object.freeze(['connection', 'agent', 'dialog', 'notification', 'error']);

/** Options only the loader understands; they never cross into Go. */
const LOADER_KEYS = ['wasmURL', 'wasmModule'];

/**
 * How long to wait for the Go program to register its API after go.run().
 * Go's main registers the global before it blocks, so in practice it is there
 * when go.run() yields; the bound only turns a broken build into an error
 * instead of a promise that never settles.
 */
const START_TIMEOUT_MS = 10_000;
const START_POLL_MS = 20;

// ---------------------------------------------------------------------------
// Loading the module: once per page.

/**
 * The one running Go program, as a Promise of its API object. Memoized so
 * that every createClient on the page shares one runtime; reset to null when
 * loading fails (so a later call can retry, as esbuild-wasm's initialize
 * does) and when the runtime exits.
 * @type {Promise<object> | null}
 */
let runtime = null;

/** Dispatchers of the live clients, told when the runtime dies. */
const liveClients = new Set();

function loadRuntime(wasmURL, wasmModule) {
  if (runtime === null) {
    runtime = startRuntime(wasmURL, wasmModule);
    runtime.catch(() => {
      runtime = null;
    });
  }
  return runtime;
}

async function startRuntime(wasmURL, wasmModule) {
  if (typeof globalThis.Go !== 'function') {
    throw new Error(PREFIX + 'wasm_exec.js did not define globalThis.Go; the package was built without it');
  }
  const go = new globalThis.Go();
  let exitCode = 0;
  const goExit = go.exit;
  go.exit = (code) => {
    exitCode = code;
    if (typeof goExit === 'function') goExit.call(go, code);
  };

  const instance = wasmModule
    ? await instantiateModule(wasmModule, go.importObject)
    : await fetchAndInstantiate(wasmURL ?? new URL('./finesse-ha.wasm', import.meta.url), go.importObject);

  let exited = false;
  let onExit;
  const exitedPromise = new Promise((resolve) => {
    onExit = resolve;
  });
  // go.run runs main synchronously until it first blocks (by then main has
  // normally registered the API), and its promise resolves when the program
  // exits: normally never; a Go panic that escaped every recover ends it.
  let running;
  try {
    running = Promise.resolve(go.run(instance));
  } catch (err) {
    running = Promise.reject(err);
  }
  running
    .then(
      () => `exit code ${exitCode}`,
      (err) => errorMessage(err),
    )
    .then((why) => {
      exited = true;
      runtime = null;
      onExit(why);
      for (const dispatch of [...liveClients]) {
        dispatch('error', JSON.stringify({
          message: PREFIX + 'the Go runtime stopped (' + why + '); create a new client',
          code: 'runtime-exit',
          side: '',
          requestId: '',
          fatal: true,
        }));
      }
      liveClients.clear();
    });

  return waitForAPI(() => exited, exitedPromise);
}

async function instantiateModule(module, importObject) {
  try {
    // Given a Module (not bytes), instantiate resolves with an Instance.
    return await WebAssembly.instantiate(module, importObject);
  } catch (err) {
    throw wrapError(PREFIX + 'could not instantiate options.wasmModule: ', err);
  }
}

async function fetchAndInstantiate(url, importObject) {
  const where = String(url);
  let res;
  try {
    res = await fetch(url);
  } catch (err) {
    throw wrapError(PREFIX + 'could not fetch ' + where + ': ', err);
  }
  if (!res.ok) {
    throw new Error(PREFIX + 'could not fetch ' + where + ': HTTP ' + res.status +
      (res.statusText ? ' ' + res.statusText : '') + ' (set options.wasmURL to where finesse-ha.wasm is served)');
  }
  try {
    // Streaming compiles while downloading, but browsers reject it unless the
    // server says application/wasm; many static hosts do not. Check first
    // rather than catch, because a failed streaming attempt has already
    // consumed the body.
    const type = (res.headers && res.headers.get('Content-Type')) || '';
    if (typeof WebAssembly.instantiateStreaming === 'function' && /^application\/wasm\s*($|;)/i.test(type)) {
      return (await WebAssembly.instantiateStreaming(res, importObject)).instance;
    }
    const bytes = await res.arrayBuffer();
    return (await WebAssembly.instantiate(bytes, importObject)).instance;
  } catch (err) {
    throw wrapError(PREFIX + 'could not instantiate ' + where +
      ' (a Content-Security-Policy needs \'wasm-unsafe-eval\' in script-src): ', err);
  }
}

/**
 * Resolves with globalThis.__finesseHA once Go has registered it; rejects if
 * the program exits first or START_TIMEOUT_MS passes. Polls with timers
 * because Go may register from a goroutine after go.run() first yields.
 */
function waitForAPI(hasExited, exitedPromise) {
  return new Promise((resolve, reject) => {
    let polls = Math.ceil(START_TIMEOUT_MS / START_POLL_MS);
    let settled = false;
    exitedPromise.then((why) => {
      if (!settled) {
        settled = true;
        reject(new Error(PREFIX + 'the Go runtime stopped before registering its API (' + why + ')'));
      }
    });
    const check = () => {
      if (settled) return;
      if (hasExited()) return; // exitedPromise rejects for us
      const api = globalThis.__finesseHA;
      if (api !== undefined && api !== null) {
        settled = true;
        if (typeof api.createClient !== 'function') {
          reject(new Error(PREFIX + 'globalThis.__finesseHA has no createClient function; finesse-ha.wasm and index.js do not match'));
        } else {
          resolve(api);
        }
        return;
      }
      if (polls-- <= 0) {
        settled = true;
        reject(new Error(PREFIX + 'the Go runtime did not register its API within ' + START_TIMEOUT_MS + ' ms'));
        return;
      }
      setTimeout(check, START_POLL_MS);
    };
    check();
  });
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
  return { json, wasmURL, wasmModule, getToken };
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
 * Creates a client: loads finesse-ha.wasm (once per page), starts the Go
 * runtime, and asks it for a client with these options. See index.d.ts.
 * @param {object} options
 * @returns {Promise<Client>}
 */
export async function createClient(options) {
  const prepared = prepareOptions(options);
  const { wasmURL, wasmModule, getToken } = prepared;
  let { json } = prepared;
  const api = await loadRuntime(wasmURL, wasmModule);
  if (getToken !== undefined && (options.auth.token === undefined || options.auth.token === null)) {
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
  let handle;
  try {
    handle = await api.createClient(json, hub.emit, tokenSource(getToken));
  } catch (err) {
    throw toError(err);
  }
  if (handle === null || typeof handle !== 'object') {
    throw new Error(PREFIX + 'the Go runtime returned no client handle');
  }
  const client = new Client(handle, hub, typeof api.version === 'string' ? api.version : '');
  hub.release();
  return client;
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
      this.deliver('error', JSON.stringify({
        message: PREFIX + 'unknown event type from the Go runtime: ' + String(type),
        code: 'bad-event',
        side: '',
        requestId: '',
        fatal: false,
      }));
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
      this.deliver('error', JSON.stringify({
        message: PREFIX + 'malformed ' + type + ' event from the Go runtime: ' + errorMessage(err),
        code: 'bad-event',
        side: '',
        requestId: '',
        fatal: false,
      }));
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
          this.deliver('error', JSON.stringify({
            message: PREFIX + "a '" + type + "' listener threw: " + errorMessage(err),
            code: 'listener',
            side: '',
            requestId: '',
            fatal: false,
          }));
        }
      }
    }
  }
}

function reportListenerBug(type, err) {
  try {
    console.error(PREFIX + "'" + type + "' listener threw", err);
  } catch {
    // A broken console must not break delivery either.
  }
}

/** A connection to a Finesse duplex pair; see index.d.ts for the contract. */
export class Client {
  #handle;
  #hub;
  #closing = null;
  #dispatch;

  /** @internal Use createClient. */
  constructor(handle, hub, version) {
    this.#handle = handle;
    this.#hub = hub;
    /** Version of the Go side (finesse-ha.wasm). */
    this.version = version;
    this.#dispatch = (type, json) => hub.emit(type, json);
    liveClients.add(this.#dispatch);
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

function wrapError(prefix, cause, Type = Error) {
  return new Type(prefix + errorMessage(cause), { cause });
}

function errorMessage(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Names a value's kind for an error message without echoing its content. */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === '') return 'empty string';
  if (typeof value === 'object' && value.constructor && value.constructor.name) return value.constructor.name;
  return typeof value;
}
