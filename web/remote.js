// finesse-ha: the page's side of a worker runtime. connectWorker starts (or
// joins) the worker, attaches this page's client to the shared Go client
// there, and returns a handle with the shape of the Go handle (BRIDGE.md),
// so the Client class of index.js works over it unchanged: snapshot() and
// history() answer from the state the host sends with every event batch
// (and history() from each 'history' message, for entries that come with no
// event), close() detaches this page, and every other method is forwarded as is.
// The page's token source (auth.getToken) stays here and answers the
// host's token-requests (host.js).

import { PREFIX, errorEventJSON } from './loader.js';

/** How long a worker has to say hello before 'auto' gives up on it. */
export const HELLO_TIMEOUT_MS = 10_000;

/**
 * The SharedWorker's options; a page that connects to the worker for
 * another reason (a benchmark's stats) must give the same ones.
 * extendedLifetime keeps the worker (and the session) through a reload of
 * the only page, where the browser supports it.
 */
export const SHARED_WORKER_OPTIONS = Object.freeze({ type: 'module', name: 'finesse-ha', extendedLifetime: true });

/** Thrown (and caught by createClient) when a runtime cannot start here. */
export class RuntimeUnavailable extends Error {}

/**
 * Why kind ('shared-worker' | 'worker') cannot run in this realm, '' when
 * it can. Both need Web Locks (leader election, page and worker liveness)
 * and crypto.subtle (credential comparison), which need a secure context.
 */
export function workerSupport(kind, g = globalThis) {
  if (kind === 'shared-worker' && typeof g.SharedWorker !== 'function') return 'SharedWorker is not available';
  if (kind === 'worker') {
    if (typeof g.Worker !== 'function') return 'Worker is not available';
    if (typeof g.BroadcastChannel !== 'function') return 'BroadcastChannel is not available';
  }
  if (g.isSecureContext === false) return 'the page is not a secure context (https or localhost)';
  if (!g.navigator || !g.navigator.locks) return 'Web Locks (navigator.locks) are not available';
  if (!g.crypto || !g.crypto.subtle) return 'crypto.subtle is not available';
  if (typeof g.MessageChannel !== 'function') return 'MessageChannel is not available';
  return '';
}

/**
 * Starts kind's worker at workerURL (default: worker.js next to this module) and attaches to the client for
 * optionsJSON. emit(type, json) receives events (the caller's EventHub
 * holds them until createClient resolves). Resolves with {handle, version}.
 * Rejects with RuntimeUnavailable when the worker cannot start (CSP
 * worker-src, a missing script), else with the host's Error.
 */
export async function connectWorker(kind, { workerURL, optionsJSON, wasmURL, graceMs, onProgress, emit, label, getToken }) {
  const g = globalThis;
  let port;
  let worker;
  try {
    // The default URL is written inside the constructor call on purpose:
    // that is the form bundlers (webpack 5, Vite) recognize as a worker
    // entry and build with its imports.
    if (kind === 'shared-worker') {
      worker = workerURL === undefined
        ? new SharedWorker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'finesse-ha', extendedLifetime: true })
        : new SharedWorker(workerURL, SHARED_WORKER_OPTIONS);
      port = worker.port;
    } else {
      worker = workerURL === undefined
        ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'finesse-ha' })
        : new Worker(workerURL, { type: 'module', name: 'finesse-ha' });
      const ch = new g.MessageChannel();
      worker.postMessage({ op: 'connect' }, [ch.port2]);
      port = ch.port1;
    }
  } catch (err) {
    throw new RuntimeUnavailable(PREFIX + 'cannot start the ' + kind + ' runtime from ' + String(workerURL ?? 'worker.js') + ': ' + messageOf(err));
  }

  const conn = new Connection(port, emit, label, onProgress, getToken);
  port.start();
  const hello = await conn.hello(worker, kind, workerURL ?? 'worker.js');

  // A lock this page holds until close(): the host is granted it when the
  // page goes without close() and detaches it then.
  const lockName = 'finesse-ha:page:' + randomID();
  await new Promise((resolve) => {
    g.navigator.locks.request(lockName, () => {
      resolve();
      return conn.released;
    });
  });
  if (hello.hostLock) {
    // Granted when the worker dies (a crash, or killed by the browser).
    g.navigator.locks.request(hello.hostLock, () => {
      conn.hostGone();
    });
  }
  let attached;
  try {
    attached = await conn.attach({ op: 'attach', optionsJSON, wasmURL, graceMs, lockName, tokenSource: getToken !== undefined });
  } catch (err) {
    conn.release();
    throw err;
  }
  return { handle: conn.handle(), version: attached.version };
}

class Connection {
  #port;
  #emit;
  #label;
  #onProgress;
  #snapshot = 'null';
  #history = '[]';
  #calls = new Map();
  #seq = 0;
  #dead = false;
  #closing = null;
  #onHello = null;
  #onAttach = null;
  #release;
  #getToken;
  released;

  constructor(port, emit, label, onProgress, getToken) {
    this.#port = port;
    this.#getToken = getToken;
    this.#emit = emit;
    this.#label = label;
    this.#onProgress = onProgress;
    this.released = new Promise((resolve) => {
      this.#release = resolve;
    });
    port.onmessage = (e) => this.#onMessage(e.data);
  }

  hello(worker, kind, workerURL) {
    return new Promise((resolve, reject) => {
      const fail = (why) => {
        clearTimeout(timer);
        this.#onHello = null;
        reject(new RuntimeUnavailable(PREFIX + 'the ' + kind + ' runtime did not start from ' + String(workerURL) + ': ' + why +
          " (is worker.js served next to index.js, and does the page's Content-Security-Policy allow it in worker-src?)"));
      };
      const timer = setTimeout(() => fail('no answer within ' + HELLO_TIMEOUT_MS + ' ms'), HELLO_TIMEOUT_MS);
      worker.addEventListener('error', () => {
        if (this.#onHello !== null) fail('the script failed to load or threw');
      });
      this.#onHello = (msg) => {
        clearTimeout(timer);
        this.#onHello = null;
        resolve(msg);
      };
    });
  }

  attach(msg) {
    return new Promise((resolve, reject) => {
      this.#onAttach = { resolve, reject };
      this.#port.postMessage(msg);
    });
  }

  release() {
    this.#release();
  }

  #onMessage(msg) {
    if (msg === null || typeof msg !== 'object') return;
    switch (msg.kind) {
      case 'hello':
        if (this.#onHello) this.#onHello(msg);
        return;
      case 'progress':
        if (typeof this.#onProgress === 'function') {
          try {
            this.#onProgress(msg.total === undefined ? { loaded: msg.loaded } : { loaded: msg.loaded, total: msg.total });
          } catch (err) {
            console.error(PREFIX + "'onProgress' threw", err);
          }
        }
        return;
      case 'events':
        this.#setState(msg);
        for (const [type, json] of msg.events) this.#emit(type, type === 'connection' ? this.#label(json) : json);
        if (msg.events.some(([t, j]) => t === 'connection' && stateOf(j) === 'closed')) this.#stop();
        return;
      case 'history':
        this.#setState(msg);
        return;
      case 'attached':
        this.#setState(msg);
        if (this.#onAttach) this.#onAttach.resolve(msg);
        this.#onAttach = null;
        return;
      case 'refused':
        if (this.#onAttach) this.#onAttach.reject(new Error(msg.message));
        this.#onAttach = null;
        return;
      case 'token-request':
        this.#answerToken(msg.id);
        return;
      case 'result': {
        const call = this.#calls.get(msg.id);
        if (call === undefined) return;
        this.#calls.delete(msg.id);
        if (msg.ok) call.resolve(msg.value);
        else call.reject(new Error(msg.message));
        return;
      }
      default:
    }
  }

  /**
   * The shared client asks this page's token source (auth.getToken) for a
   * fresh token. The answer carries the token, or only the kind of the
   * failure: the page's message may quote anything.
   */
  async #answerToken(id) {
    let answer;
    try {
      if (this.#getToken === undefined) throw new TypeError('no token source');
      const token = await this.#getToken();
      answer = typeof token === 'string' && token !== ''
        ? { op: 'token', id, ok: true, token }
        : { op: 'token', id, ok: false, name: 'TypeError' };
    } catch (err) {
      answer = { op: 'token', id, ok: false, name: err !== null && typeof err === 'object' && typeof err.name === 'string' ? err.name : 'Error' };
    }
    if (this.#dead) return;
    try {
      this.#port.postMessage(answer);
    } catch {
      // the port closed meanwhile: the host asks another page
    }
  }

  #setState(msg) {
    if (typeof msg.snapshot === 'string') this.#snapshot = this.#labelSnapshot(msg.snapshot);
    if (typeof msg.history === 'string') this.#history = msg.history;
  }

  #labelSnapshot(json) {
    let s;
    try {
      s = JSON.parse(json);
    } catch {
      return json;
    }
    if (s === null || typeof s !== 'object') return json;
    if (s.connection && typeof s.connection === 'object') s.connection.runtime = s.runtime = this.#label.runtime;
    else s.runtime = this.#label.runtime;
    return JSON.stringify(s);
  }

  /** The worker died: every attached page hears it as a fatal error and `closed`. */
  hostGone() {
    if (this.#dead || this.#closing !== null) return;
    const since = new Date().toISOString();
    this.#emit('error', errorEventJSON('the worker running the client stopped; create a new client', 'runtime-exit', true));
    this.#emit('connection', this.#label(JSON.stringify({ state: 'closed', side: '', host: '', reason: 'closed', since, attempt: 0 })));
    this.#stop();
    if (this.#onAttach) this.#onAttach.reject(new Error(PREFIX + 'the worker running the client stopped'));
    this.#onAttach = null;
  }

  #stop() {
    if (this.#dead) return;
    this.#dead = true;
    try {
      const s = JSON.parse(this.#snapshot);
      if (s && s.connection) {
        s.connection = { ...s.connection, state: 'closed', reason: 'closed' };
        this.#snapshot = JSON.stringify(s);
      }
    } catch {
      // keep the last one
    }
    for (const call of this.#calls.values()) call.reject(new Error(PREFIX + 'this client is closed'));
    this.#calls.clear();
    this.#release();
  }

  #call(op, extra) {
    if (this.#dead) return Promise.reject(new Error(PREFIX + 'this client is closed'));
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#port.postMessage({ op, id, ...extra });
    });
  }

  #close() {
    if (this.#closing === null) {
      this.#closing = (async () => {
        const wasDead = this.#dead;
        if (!wasDead) {
          try {
            await this.#call('detach', {});
          } catch {
            // the host is gone: detached anyway
          }
        }
        this.#stop();
        this.#port.close();
        if (!wasDead) {
          // Only this page's client closed; the shared one may run on for
          // other pages, so `closed` is said here, not by the host.
          const s = JSON.parse(this.#snapshot);
          const c = s && s.connection ? s.connection : {};
          this.#emit('connection', this.#label(JSON.stringify({
            state: 'closed', side: c.side ?? '', host: c.host ?? '', reason: 'closed', since: new Date().toISOString(), attempt: 0,
          })));
        }
      })();
    }
    return this.#closing;
  }

  handle() {
    const target = Object.create(null);
    return new Proxy(target, {
      get: (_, name) => {
        if (typeof name !== 'string' || name === 'then') return undefined;
        if (name === 'snapshot') return () => this.#snapshot;
        if (name === 'history') return () => this.#history;
        if (name === 'close') return () => this.#close();
        return (...args) => this.#call('call', { method: name, args });
      },
    });
  }
}

function stateOf(json) {
  try {
    return JSON.parse(json).state;
  } catch {
    return undefined;
  }
}

function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

function randomID() {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
