// finesse-ha: the runtime host. One Host runs the Go clients of a worker
// (worker.js) and serves the pages attached to them over MessagePorts:
// every page that asks for the same agent and sides shares one client
// (SPEC §4.1). The protocol, page -> host:
//   {op:'attach', optionsJSON, wasmURL?, graceMs?, lockName?, seed?, tokenSource?}
//   {op:'call', id, method, args}   any handle method but snapshot/history/close
//   {op:'detach', id}
//   {op:'token', id, ok, token?, name?}  the answer to a token-request
//   {op:'stats'}                    for benchmarks; needs no attach
// host -> page:
//   {kind:'hello', hostLock?}       on serve; hostLock is held while the host lives
//   {kind:'progress', loaded, total?}
//   {kind:'events', events:[[type, json], ...], snapshot, history}
//   {kind:'history', history}        new history entries that came with no event
//   {kind:'attached', version, snapshot, history} | {kind:'refused', message}
//   {kind:'stats', wasmBytes, sessions, pages}
//   {kind:'accepted', id}            a call reached the host
//   {kind:'result', id, ok, value?, message?}
//   {kind:'token-request', id}       to a page that attached with tokenSource
// snapshot and history are JSON strings taken after the batch's events, so a
// listener that reads snapshot() sees at least what its event says. Many
// history entries (a poll, a jitter wait, a token refresh) come with no
// event: Go tells of each (createClient's onHistory) and 'history' carries
// them at once, so history() in a page is as fresh as in the page runtime.

import { PREFIX, errorMessage, runtimeExitJSON } from './loader.js';

export const DEFAULT_GRACE_MS = 5000;

/** Handle methods a page may not call through 'call': they have their own ops. */
const RESERVED = new Set(['snapshot', 'history', 'close', 'constructor', 'then']);

/**
 * The sharing key of a client's options: the agent and the sides, never
 * the credentials. Options that do not parse get a key of their own (Go
 * names the bad field when it rejects them).
 */
export function sessionKey(optionsJSON) {
  let o;
  try {
    o = JSON.parse(optionsJSON);
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || o.agent === null || typeof o.agent !== 'object' || !Array.isArray(o.sides)) {
    return null;
  }
  const sides = o.sides.map((s) => (s !== null && typeof s === 'object' ? [s.rest ?? '', s.bosh ?? '', s.websocket ?? ''] : s));
  return JSON.stringify([String(o.agent.id), sides]);
}

/**
 * The identity of a page's credentials, compared (as an HMAC) before a page
 * shares a running client. A password is its username and password: they
 * must match. A token is only its kind: tokens rotate (every page may hold
 * an older or newer one of the same agent, whose id is in the session key),
 * so a token page shares a token client whatever token it holds; the
 * client keeps its own token, refreshed through the pages' token sources.
 */
export function canonicalAuth(auth, tokenSource = false) {
  if (auth === null || typeof auth !== 'object') return JSON.stringify(tokenSource ? ['token'] : null);
  const password = auth.username !== undefined || auth.password !== undefined;
  if (!password && (tokenSource || auth.token !== undefined)) return JSON.stringify(['token']);
  return JSON.stringify([auth.username ?? null, auth.password ?? null, auth.token ?? null]);
}

/** The name a page's token source failed with: a bare identifier, never its message. */
function errorName(name) {
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'Error';
}

function tokenError(name, message) {
  const err = new Error(PREFIX + message);
  err.name = errorName(name);
  return err;
}

/** Hex SHA-256 of text (channel and lock names: short, and no agent ids in them). */
export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return hex(digest);
}

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function randomID() {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : hex(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A Host: sessions by key, each one Go client and the ports attached to it.
 * loader is a createLoader() result; locks is navigator.locks (absent in
 * tests that do not need it).
 */
export class Host {
  /** @type {Map<string, Session>} */
  sessions = new Map();
  #loader;
  #locks;
  #macKey = null;
  #ready;
  hostLock = null;

  constructor({ loader, locks = globalThis.navigator && globalThis.navigator.locks }) {
    this.#loader = loader;
    this.#locks = locks;
    // The host holds a lock for as long as it lives; a page that asks for
    // it is granted it when the worker dies (crash, or killed by the
    // browser), which MessagePorts never say.
    if (locks) {
      this.hostLock = 'finesse-ha:host:' + randomID();
      this.#ready = new Promise((resolve) => {
        locks.request(this.hostLock, () => {
          resolve();
          return new Promise(() => {});
        });
      });
    } else {
      this.#ready = Promise.resolve();
    }
  }

  /** Serves one page (or relay) over port. */
  serve(port) {
    // One message at a time per port: a call right after an attach waits
    // for the attach, whose first step is asynchronous.
    let chain = Promise.resolve();
    port.onmessage = (e) => {
      // A token answer goes past the queue: an attach may be waiting for it.
      if (e.data !== null && typeof e.data === 'object' && e.data.op === 'token') {
        this.#sessionOf(port)?.tokenAnswer(port, e.data);
        return;
      }
      chain = chain.then(() => this.#onMessage(port, e.data)).catch((err) => {
        try {
          console.error(PREFIX + 'host: ' + errorMessage(err));
        } catch {
          // nothing to do
        }
      });
    };
    if (typeof port.start === 'function') port.start();
    this.#ready.then(() => port.postMessage({ kind: 'hello', hostLock: this.hostLock }));
  }

  async #onMessage(port, msg) {
    if (msg === null || typeof msg !== 'object') return;
    switch (msg.op) {
      case 'attach':
        return this.#attach(port, msg);
      case 'call':
        // Said at once, so that a relay knows the call reached the client
        // (and must not be sent again if this host dies before answering).
        port.postMessage({ kind: 'accepted', id: msg.id });
        this.#call(port, msg);
        return undefined;
      case 'detach':
        this.detach(port);
        port.postMessage({ kind: 'result', id: msg.id, ok: true });
        return undefined;
      case 'stats': {
        let pages = 0;
        for (const s of this.sessions.values()) pages += s.ports.size;
        const wasmBytes = typeof this.#loader.memoryBytes === 'function' ? this.#loader.memoryBytes() : 0;
        port.postMessage({ kind: 'stats', wasmBytes, sessions: this.sessions.size, pages });
        return undefined;
      }
      default:
        return undefined;
    }
  }

  async #mac(text) {
    if (this.#macKey === null) {
      // A random key per host: what is compared is an HMAC of the
      // credentials, never the credentials, and it means nothing outside.
      this.#macKey = crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)),
        { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    }
    const sig = await crypto.subtle.sign('HMAC', await this.#macKey, new TextEncoder().encode(text));
    return hex(sig);
  }

  async #attach(port, msg) {
    const optionsJSON = String(msg.optionsJSON);
    let auth = null;
    try {
      auth = JSON.parse(optionsJSON).auth;
    } catch {
      // Go reports the bad JSON.
    }
    const key = sessionKey(optionsJSON) ?? 'unshared:' + randomID();
    const tokenSource = msg.tokenSource === true;
    const mac = await this.#mac(canonicalAuth(auth, tokenSource));

    let session = this.sessions.get(key);
    if (session !== undefined && session.authMac !== mac && session.ports.size === 0) {
      // No page is attached: the session only lingers for its grace period
      // (a reload). A page that comes with other credentials (the agent
      // retyped a mistyped password, or signed in again) replaces it rather
      // than being refused by a session nobody uses.
      session.end();
      session = undefined;
    }
    if (session !== undefined && session.authMac !== mac) {
      port.postMessage({
        kind: 'refused',
        message: PREFIX + 'a client for this agent and these sides is already running in another page with other credentials; ' +
          'close it, or give the same credentials (client.setAuth changes them for every page)',
      });
      return;
    }
    const graceMs = Number.isFinite(msg.graceMs) && msg.graceMs >= 0 ? msg.graceMs : DEFAULT_GRACE_MS;
    if (session === undefined) {
      session = new Session(this, key, mac, graceMs, msg.seed, tokenSource);
      this.sessions.set(key, session);
      session.add(port, tokenSource);
      session.start(this.#loader, optionsJSON, msg.wasmURL);
    } else {
      session.add(port, tokenSource);
    }
    let version;
    try {
      version = await session.ready;
    } catch (err) {
      port.postMessage({ kind: 'refused', message: errorMessage(err) });
      return;
    }
    if (!session.ports.has(port)) return; // detached while starting
    port.postMessage({ kind: 'attached', version, snapshot: session.snapshotJSON(), history: session.historyJSON() });
    if (typeof msg.lockName === 'string' && msg.lockName !== '' && this.#locks) {
      // The page holds this lock until close(); the browser releases it
      // when the page goes without one (crash, navigation, a killed
      // frame), and then it is ours: the page is gone.
      this.#locks.request(msg.lockName, () => {
        this.detach(port);
      });
    }
  }

  async #call(port, msg) {
    const session = this.#sessionOf(port);
    const reply = (ok, value) => port.postMessage(ok
      ? { kind: 'result', id: msg.id, ok: true, value }
      : { kind: 'result', id: msg.id, ok: false, message: value });
    if (session === undefined || session.handle === null) {
      reply(false, PREFIX + 'this client is closed');
      return;
    }
    const method = msg.method;
    const handle = session.handle;
    if (typeof method !== 'string' || RESERVED.has(method) || typeof handle[method] !== 'function') {
      reply(false, PREFIX + 'the Go runtime has no method ' + JSON.stringify(String(method)));
      return;
    }
    const args = Array.isArray(msg.args) ? msg.args : [];
    try {
      const value = await handle[method](...args);
      if (method === 'setAuth') await session.credentialsChanged(args[0]);
      reply(true, value === undefined ? null : value);
    } catch (err) {
      reply(false, err instanceof Error ? err.message : typeof err === 'string' ? err : errorMessage(err));
    }
  }

  #sessionOf(port) {
    for (const s of this.sessions.values()) if (s.ports.has(port)) return s;
    return undefined;
  }

  /** Detaches port from its session; the session ends a grace period after its last page. */
  detach(port) {
    const session = this.#sessionOf(port);
    if (session !== undefined) session.remove(port);
  }

  /** @internal */
  mac(text) {
    return this.#mac(text);
  }
}

/** One Go client and the ports attached to it. */
class Session {
  ports = new Set();
  handle = null;
  ready;
  #host;
  #resolveReady;
  #rejectReady;
  #queue = [];
  /** Go recorded history not yet sent: a 'history' message is due. */
  #historyDue = false;
  #graceTimer = null;
  #ended = false;
  #stopWatchingExit = () => {};
  /** Calls the pages already saw before a takeover: callKey -> dialog. */
  #seen = null;
  /** Whether Go gets a token source: the first page had one. */
  #tokenSource;
  /** Ports whose pages have a token source, the next one to ask first. */
  #tokenPorts = [];
  /** Token requests out: id -> {port, resolve, reject}. */
  #tokenRequests = new Map();
  #tokenSeq = 0;

  constructor(host, key, authMac, graceMs, seed, tokenSource) {
    this.#host = host;
    this.#tokenSource = tokenSource;
    this.key = key;
    this.authMac = authMac;
    this.graceMs = graceMs;
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.#seen = typeof seed === 'string' ? seedDialogs(safeParse(seed)) : null;
  }

  async start(loader, optionsJSON, wasmURL) {
    try {
      const api = await loader.load({
        wasmURL,
        onProgress: (p) => this.#post({ kind: 'progress', ...p }),
      });
      const stop = loader.onExit((why) => this.#runtimeExited(why));
      this.#stopWatchingExit = stop;
      let handle;
      try {
        optionsJSON = await this.#withFirstToken(optionsJSON);
        handle = await api.createClient(optionsJSON, this.emit, this.#tokenSource ? this.getToken : undefined, this.historyChanged);
      } catch (err) {
        stop();
        throw err;
      }
      if (handle === null || typeof handle !== 'object') {
        stop();
        throw new Error(PREFIX + 'the Go runtime returned no client handle');
      }
      this.handle = handle;
      if (this.#ended) {
        // Ended while starting (replaced by a page with other credentials):
        // the client must not run on unseen.
        Promise.resolve().then(() => handle.close()).catch(() => {});
        throw new Error(PREFIX + 'the client was replaced while it started');
      }
      this.#resolveReady(typeof api.version === 'string' ? api.version : '');
      if (this.ports.size === 0) this.remove(null);
    } catch (err) {
      this.#ended = true;
      this.#failTokenRequests();
      if (this.#host.sessions.get(this.key) === this) this.#host.sessions.delete(this.key);
      this.#rejectReady(err instanceof Error ? err : new Error(typeof err === 'string' ? err : errorMessage(err)));
    }
  }

  add(port, tokenSource) {
    this.ports.add(port);
    if (tokenSource && !this.#tokenPorts.includes(port)) this.#tokenPorts.push(port);
    if (this.#graceTimer !== null) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
    }
  }

  remove(port) {
    this.ports.delete(port);
    this.#dropTokenPort(port);
    if (this.ports.size > 0 || this.#ended || this.handle === null || this.#graceTimer !== null) return;
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      if (this.ports.size === 0) this.end();
    }, this.graceMs);
  }

  end() {
    if (this.#ended) return;
    this.#ended = true;
    // Ended before its grace ran out (replaced by a page with other
    // credentials): the timer has nothing left to end.
    if (this.#graceTimer !== null) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
    }
    this.#failTokenRequests();
    this.#stopWatchingExit();
    if (this.#host.sessions.get(this.key) === this) this.#host.sessions.delete(this.key);
    if (this.handle !== null) {
      Promise.resolve()
        .then(() => this.handle.close())
        .catch(() => {});
    }
  }

  // ---- the token source, for Go (BRIDGE.md getToken) ----

  /**
   * Go's getToken: asks one page with a token source and settles with its
   * answer. A page that goes away before answering hands the question to
   * the next; with none left it rejects, and the engine reports
   * token-refresh-failed and asks again on its poll schedule. The token
   * only passes through: never logged, never kept here.
   */
  getToken = () => new Promise((resolve, reject) => this.#askToken({ resolve, reject }));

  #askToken(req) {
    if (this.#ended) {
      req.reject(tokenError('AbortError', 'the client is closed'));
      return;
    }
    // Prefer a page that is not still busy with an earlier question.
    const busy = new Set([...this.#tokenRequests.values()].map((r) => r.port));
    const port = this.#tokenPorts.find((p) => !busy.has(p)) ?? this.#tokenPorts[0];
    if (port === undefined) {
      req.reject(tokenError('NoTokenSourceError', 'no page attached to this client has a token source (auth.getToken)'));
      return;
    }
    const id = ++this.#tokenSeq;
    this.#tokenRequests.set(id, { ...req, port });
    try {
      port.postMessage({ kind: 'token-request', id });
    } catch {
      this.remove(port);
    }
  }

  /** A page's answer to a token-request (op 'token'). */
  tokenAnswer(port, msg) {
    const req = this.#tokenRequests.get(msg.id);
    if (req === undefined || req.port !== port) return;
    this.#tokenRequests.delete(msg.id);
    if (msg.ok === true) {
      req.resolve(msg.token);
      return;
    }
    // The next question goes to another page first: this one's source may
    // be broken for good while another's works.
    this.#tokenPorts = [...this.#tokenPorts.filter((p) => p !== port), port];
    req.reject(tokenError(msg.name, "a page's auth.getToken() failed"));
  }

  #dropTokenPort(port) {
    this.#tokenPorts = this.#tokenPorts.filter((p) => p !== port);
    for (const [id, req] of this.#tokenRequests) {
      if (req.port !== port) continue;
      this.#tokenRequests.delete(id);
      this.#askToken(req);
    }
  }

  #failTokenRequests() {
    this.#tokenPorts = [];
    for (const req of this.#tokenRequests.values()) req.reject(tokenError('AbortError', 'the client is closed'));
    this.#tokenRequests.clear();
  }

  /**
   * The options with a token in auth: a page that gave only a token
   * source is asked for the first one here, once, and only when it starts
   * the client (a page joining a running client is not asked).
   */
  async #withFirstToken(optionsJSON) {
    if (!this.#tokenSource) return optionsJSON;
    const o = safeParse(optionsJSON);
    if (o === null || typeof o !== 'object' || (o.auth !== null && typeof o.auth === 'object' && o.auth.token != null)) return optionsJSON;
    let token;
    try {
      token = await this.getToken();
    } catch (err) {
      throw new Error(PREFIX + 'options.auth.getToken() failed: rejected with ' + errorName(err && err.name));
    }
    if (typeof token !== 'string' || token === '') {
      throw new TypeError(PREFIX + 'options.auth.getToken() must resolve with a non-empty string');
    }
    o.auth = { ...(o.auth !== null && typeof o.auth === 'object' ? o.auth : {}), token };
    return JSON.stringify(o);
  }

  async credentialsChanged(authJSON) {
    let auth;
    try {
      auth = JSON.parse(authJSON);
    } catch {
      return;
    }
    if (auth !== null && typeof auth === 'object' && auth.auth !== undefined) auth = auth.auth;
    this.authMac = await this.#host.mac(canonicalAuth(auth));
  }

  snapshotJSON() {
    return this.#callJSON('snapshot', 'null');
  }

  historyJSON() {
    return this.#callJSON('history', '[]');
  }

  #callJSON(method, none) {
    if (this.handle === null) return none;
    try {
      const v = this.handle[method]();
      return typeof v === 'string' ? v : none;
    } catch {
      return none;
    }
  }

  // Called by Go, detached; never throws into Go. Events are batched per
  // microtask so the snapshot sent with them is taken once, after Go has
  // returned (never re-entering Go from inside its own call).
  emit = (type, eventJSON) => {
    try {
      const ev = this.#filter(type, eventJSON);
      if (ev === null) return;
      this.#queue.push(ev);
      if (this.#queue.length === 1) queueMicrotask(() => this.#flush());
      if (type === 'connection' && connectionState(eventJSON) === 'closed' && !this.#ended) {
        // The client stopped by itself: the next page starts a new one.
        this.#ended = true;
        this.#failTokenRequests();
        if (this.#host.sessions.get(this.key) === this) this.#host.sessions.delete(this.key);
      }
    } catch {
      // never into Go
    }
  };

  // Called by Go, detached, for every new history entry (BRIDGE.md
  // onHistory). Entries of one step come together, often with events:
  // one read of history() per microtask serves them all, and none when an
  // event batch carries it.
  historyChanged = () => {
    if (this.#historyDue) return;
    this.#historyDue = true;
    queueMicrotask(() => {
      if (!this.#historyDue) return;
      this.#historyDue = false;
      this.#post({ kind: 'history', history: this.historyJSON() });
    });
  };

  /**
   * After a takeover (a new leader's fresh client) the pages already know
   * some calls: an `added` for one of them becomes `updated`, so each call
   * keeps exactly one `added` across the takeover.
   */
  #filter(type, eventJSON) {
    if (this.#seen === null || type !== 'dialog') return [type, eventJSON];
    let ev;
    try {
      ev = JSON.parse(eventJSON);
    } catch {
      return [type, eventJSON];
    }
    const k = ev && ev.dialog && (ev.dialog.callKey || ev.dialog.id);
    if (ev.action === 'added' && this.#seen.has(k)) {
      this.#seen.set(k, ev.dialog);
      return [type, JSON.stringify({ ...ev, action: 'updated' })];
    }
    if (ev.action === 'removed') this.#seen.delete(k);
    return [type, eventJSON];
  }

  #flush() {
    const events = this.#queue;
    this.#queue = [];
    if (events.length === 0) return;
    const snapshot = this.snapshotJSON();
    if (this.#seen !== null && events.some(([t, j]) => t === 'connection' && connectionState(j) === 'connected')) {
      // Re-synced: calls the pages knew that the new client does not
      // ended during the takeover.
      const known = seedDialogs(safeParse(snapshot));
      for (const [k, dialog] of this.#seen) {
        if (!known.has(k)) events.push(['dialog', JSON.stringify({ action: 'removed', dialog, synthetic: true })]);
      }
      this.#seen = null;
    }
    this.#historyDue = false;
    this.#post({ kind: 'events', events, snapshot, history: this.historyJSON() });
  }

  #post(msg) {
    for (const port of this.ports) {
      try {
        port.postMessage(msg);
      } catch {
        // a closed port: its lock or detach removes it
      }
    }
  }

  #runtimeExited(why) {
    if (this.#ended) return;
    this.#ended = true;
    this.#failTokenRequests();
    if (this.#host.sessions.get(this.key) === this) this.#host.sessions.delete(this.key);
    const closed = JSON.stringify({ state: 'closed', side: '', host: '', reason: 'closed', since: new Date().toISOString(), attempt: 0 });
    this.#post({
      kind: 'events',
      events: [
        ['error', runtimeExitJSON(why)],
        ['connection', closed],
      ],
      snapshot: JSON.stringify({ connection: JSON.parse(closed), agent: null, dialogs: [], sides: [] }),
      history: '[]',
    });
    this.ports.clear();
  }
}

function seedDialogs(snapshot) {
  const m = new Map();
  if (snapshot === null || typeof snapshot !== 'object' || !Array.isArray(snapshot.dialogs)) return m;
  for (const d of snapshot.dialogs) {
    const k = d && (d.callKey || d.id);
    if (k) m.set(k, d);
  }
  return m;
}

function safeParse(json) {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function connectionState(json) {
  const ev = safeParse(json);
  return ev && typeof ev === 'object' ? ev.state : undefined;
}
