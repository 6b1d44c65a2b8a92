// finesse-ha: loading finesse-ha.wasm and starting the Go runtime.
//
// Shared by the page runtime (index.js) and the worker runtimes (worker.js):
// wherever Go runs, it is started the same way. Each createLoader() holds
// one runtime at a time; a runtime that exits (a Go panic that escaped every
// recover) is forgotten, so the next load starts a fresh one.

export const PREFIX = 'finesse-ha: ';

/**
 * How long to wait for the Go program to register its API after go.run().
 * Go's main registers the global before it blocks, so in practice it is there
 * when go.run() yields; the bound only turns a broken build into an error
 * instead of a promise that never settles.
 */
const START_TIMEOUT_MS = 10_000;
const START_POLL_MS = 20;

/** Where the .wasm is when no wasmURL is given: next to this module. */
export const DEFAULT_WASM_URL = new URL('./finesse-ha.wasm', import.meta.url);

/**
 * A loader: load({wasmURL, wasmModule, onProgress}) resolves with the API
 * object Go registered (globalThis.__finesseHA), starting the runtime on the
 * first call and reusing it after. onExit(fn) registers fn(why) to be told
 * when the running runtime stops; it is called once per runtime.
 */
export function createLoader() {
  /** @type {Promise<object> | null} */
  let runtime = null;
  /** Told once when the current runtime exits; cleared for the next one. */
  let exitListeners = new Set();
  /** Progress listeners of the load under way. */
  let progressListeners = new Set();
  /** The running instance's memory (Go exports it as "mem"), for stats. */
  let memory = null;

  function load({ wasmURL, wasmModule, onProgress } = {}) {
    if (typeof onProgress === 'function') progressListeners.add(onProgress);
    if (runtime === null) {
      const listeners = progressListeners;
      const report = (loaded, total) => {
        for (const fn of [...listeners]) {
          try {
            fn(total === undefined ? { loaded } : { loaded, total });
          } catch (err) {
            reportBug('onProgress', err);
          }
        }
      };
      runtime = start(wasmURL, wasmModule, report, (m) => { memory = m; }, (why) => {
        runtime = null;
        memory = null;
        const told = exitListeners;
        exitListeners = new Set();
        for (const fn of told) {
          try {
            fn(why);
          } catch (err) {
            reportBug('runtime exit', err);
          }
        }
      });
      const current = runtime;
      current.then(
        () => {
          if (progressListeners === listeners) progressListeners = new Set();
        },
        () => {
          if (runtime === current) runtime = null;
          if (progressListeners === listeners) progressListeners = new Set();
        },
      );
    }
    return runtime;
  }

  function onExit(fn) {
    exitListeners.add(fn);
    return () => exitListeners.delete(fn);
  }

  /** Bytes of the running Go instance's linear memory (0 when none): the Go heap's high-water mark. */
  function memoryBytes() {
    return memory !== null ? memory.buffer.byteLength : 0;
  }

  return { load, onExit, memoryBytes };
}

async function start(wasmURL, wasmModule, report, instantiated, exited) {
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
    : await fetchAndInstantiate(wasmURL ?? DEFAULT_WASM_URL, go.importObject, report);

  const mem = instance && instance.exports && instance.exports.mem;
  instantiated(typeof WebAssembly.Memory === 'function' && mem instanceof WebAssembly.Memory ? mem : null);

  let hasExited = false;
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
      hasExited = true;
      // A dead runtime's API must not be mistaken for the next one's.
      delete globalThis.__finesseHA;
      onExit(why);
      exited(why);
    });

  return waitForAPI(() => hasExited, exitedPromise);
}

async function instantiateModule(module, importObject) {
  try {
    // Given a Module (not bytes), instantiate resolves with an Instance.
    return await WebAssembly.instantiate(module, importObject);
  } catch (err) {
    throw wrapError(PREFIX + 'could not instantiate options.wasmModule: ', err);
  }
}

async function fetchAndInstantiate(url, importObject, report) {
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
    const counted = countProgress(res, report);
    if (typeof WebAssembly.instantiateStreaming === 'function' && /^application\/wasm\s*($|;)/i.test(type)) {
      return (await WebAssembly.instantiateStreaming(counted, importObject)).instance;
    }
    const bytes = await counted.arrayBuffer();
    return (await WebAssembly.instantiate(bytes, importObject)).instance;
  } catch (err) {
    throw wrapError(PREFIX + 'could not instantiate ' + where +
      ' (a Content-Security-Policy needs \'wasm-unsafe-eval\' in script-src): ', err);
  }
}

/**
 * Returns a Response with res's body that reports bytes as they arrive.
 * total is Content-Length, but only without a Content-Encoding: a
 * compressed transfer's length counts other bytes than the body we read.
 */
export function countProgress(res, report) {
  if (!res.body || typeof res.body.pipeThrough !== 'function' || typeof TransformStream !== 'function') {
    return res;
  }
  let total;
  const length = Number(res.headers.get('Content-Length'));
  if (Number.isFinite(length) && length > 0 && !res.headers.get('Content-Encoding')) total = length;
  let loaded = 0;
  report(0, total);
  const body = res.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      report(loaded, total);
      controller.enqueue(chunk);
    },
  }));
  const headers = new Headers(res.headers);
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
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

export function reportBug(what, err) {
  try {
    console.error(PREFIX + "'" + what + "' listener threw", err);
  } catch {
    // A broken console must not break delivery either.
  }
}

export function wrapError(prefix, cause, Type = Error) {
  return new Type(prefix + errorMessage(cause), { cause });
}

export function errorMessage(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The JSON of an error event that JavaScript raises itself (Go raises the
 * others): PREFIX + message, for no side and no request.
 */
export function errorEventJSON(message, code, fatal = false) {
  return JSON.stringify({ message: PREFIX + message, code, side: '', requestId: '', fatal });
}

/** The error event of every client whose Go runtime stopped. */
export function runtimeExitJSON(why) {
  return errorEventJSON('the Go runtime stopped (' + why + '); create a new client', 'runtime-exit', true);
}
