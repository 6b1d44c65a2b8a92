// finesse-ha postMessage bridge: lets a host page in another origin (a CRM
// page that frames our softphone) use a finesse-ha client in this frame.
//
// Security model (SPEC §4 Hosts): only windows whose origin is on an
// explicit allowlist may talk to the client. A message from any other origin,
// or one that is not ours, is ignored and only counted, never answered (an
// answer would tell a foreign page we exist). We never post with
// targetOrigin "*": replies go to the sender's verified origin, events to
// the origins that subscribed from the allowlist.
//
// Protocol (every message is an object with channel: "finesse-ha"):
//   host -> frame  {channel, id, type: "subscribe"}            answer: result = snapshot
//                  {channel, id, type: "unsubscribe"}          answer: result = null
//                  {channel, id, type: "snapshot" | "history"} answer: result
//                  {channel, id, type: "request", method, path, body?}
//                                                              answer: result = RequestResult
//   frame -> host  {channel, id, type: "result", ok: true, result}
//                  {channel, id, type: "result", ok: false, error: message}
//                  {channel, type: "event", event: <type>, data: <event>}   (subscribers only)
// Requests may only reach /finesse/api/ paths.
//
// SSO token source (the softphone with "tokenSource": "host" asks the page
// that frames it; connectToSoftphone answers with its getToken):
//   frame -> host  {channel, id, type: "token-request"}
//   host -> frame  {channel, id, type: "token", ok: true, token}
//                  {channel, id, type: "token", ok: false, error: why}
//     why: "no-token-source" (none set), "token-source-failed" (it threw or
//          rejected), "no-token" (it gave no non-empty string)
// The answer is the only message that ever holds a token; it goes to the
// frame's exact origin. A failure is one word of a closed set, never the
// host's error text (which may name its identity provider's secrets).

export const CHANNEL = 'finesse-ha';

const EVENT_TYPES = ['connection', 'agent', 'dialog', 'notification', 'error'];
const COMMANDS = new Set(['subscribe', 'unsubscribe', 'snapshot', 'history', 'request']);
const API_PREFIX = '/finesse/api/';

/**
 * Checks and normalizes the allowlist. Each entry must be an exact origin
 * (scheme://host[:port], as in MessageEvent.origin): no "*", no path.
 */
export function normalizeOrigins(allowedOrigins) {
  if (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0) {
    throw new TypeError('finesse-ha: allowedOrigins must be a non-empty array of origins');
  }
  return new Set(allowedOrigins.map((o, i) => {
    const field = 'allowedOrigins[' + i + ']';
    if (typeof o !== 'string') throw new TypeError('finesse-ha: ' + field + ' must be a string');
    if (o === '*' || o.includes('*')) throw new TypeError('finesse-ha: ' + field + ': wildcards are not allowed; list exact origins');
    let url;
    try {
      url = new URL(o);
    } catch {
      throw new TypeError('finesse-ha: ' + field + ' is not an origin: ' + JSON.stringify(o));
    }
    // MessageEvent.origin is the normalized origin (lower case, no default
    // port); compare against the same form.
    if (url.origin === 'null' || url.pathname !== '/' || o.includes('?') || o.includes('#') || url.username || url.password) {
      throw new TypeError('finesse-ha: ' + field + ' must be an origin like https://crm.example.com (scheme, host, port only), got ' + JSON.stringify(o));
    }
    return url.origin;
  }));
}

/**
 * Starts the bridge.
 *   client          a finesse-ha Client (or the gadget's desktop follower)
 *   allowedOrigins  exact origins allowed to use it
 *   window          the frame's window (default globalThis), whose 'message' events we read
 * Returns {stats(), close()}; stats counts accepted and ignored messages.
 */
export function createPostMessageBridge({ client, allowedOrigins, window: win = globalThis } = {}) {
  if (!client || typeof client.on !== 'function' || typeof client.request !== 'function') {
    throw new TypeError('finesse-ha: createPostMessageBridge: client must be a finesse-ha Client');
  }
  const allowed = normalizeOrigins(allowedOrigins);
  const counts = { accepted: 0, ignoredOrigin: 0, ignoredMalformed: 0 };
  /** source window -> origin it subscribed from */
  const subscribers = new Map();
  const unsubscribes = [];

  function post(target, origin, message) {
    try {
      target.postMessage(message, origin);
    } catch (err) {
      // A closed or navigated window: forget it.
      subscribers.delete(target);
    }
  }

  function answer(event, id, ok, payload) {
    if (!event.source || typeof event.source.postMessage !== 'function') return;
    const msg = ok
      ? { channel: CHANNEL, id, type: 'result', ok: true, result: payload }
      : { channel: CHANNEL, id, type: 'result', ok: false, error: payload };
    post(event.source, event.origin, msg);
  }

  for (const type of EVENT_TYPES) {
    unsubscribes.push(client.on(type, (data) => {
      for (const [target, origin] of subscribers) {
        post(target, origin, { channel: CHANNEL, type: 'event', event: type, data });
      }
    }));
  }

  async function handle(event, msg) {
    switch (msg.type) {
      case 'subscribe':
        subscribers.set(event.source, event.origin);
        return client.snapshot();
      case 'unsubscribe':
        subscribers.delete(event.source);
        return null;
      case 'snapshot':
        return client.snapshot();
      case 'history':
        return client.history();
      case 'request': {
        const { method, path, body } = msg;
        // '%2e' too: URL parsing turns %2e%2e segments into '..'.
        if (typeof path !== 'string' || !path.startsWith(API_PREFIX) || path.includes('..') || /%2e/i.test(path)) {
          throw new Error('finesse-ha: bridge: path must start with ' + API_PREFIX);
        }
        return client.request(method, path, body === null ? undefined : body);
      }
      default:
        throw new Error('unreachable');
    }
  }

  function onMessage(event) {
    // Exact match only: no prefix, suffix or scheme-less comparisons.
    if (!allowed.has(event.origin)) {
      counts.ignoredOrigin++;
      return;
    }
    const msg = event.data;
    // A token answer is for the softphone's token source (softphone.js), which listens itself.
    if (msg !== null && typeof msg === 'object' && msg.channel === CHANNEL && msg.type === 'token') return;
    if (msg === null || typeof msg !== 'object' || msg.channel !== CHANNEL || !COMMANDS.has(msg.type) ||
        !(typeof msg.id === 'string' || typeof msg.id === 'number') || !event.source) {
      counts.ignoredMalformed++;
      return;
    }
    counts.accepted++;
    handle(event, msg).then(
      (result) => answer(event, msg.id, true, result),
      (err) => answer(event, msg.id, false, err && err.message ? err.message : String(err)),
    );
  }

  win.addEventListener('message', onMessage);

  return {
    stats: () => ({ ...counts, subscribers: subscribers.size }),
    close() {
      win.removeEventListener('message', onMessage);
      for (const off of unsubscribes.splice(0)) off();
      subscribers.clear();
    },
  };
}

/**
 * The host side: talks to a softphone frame through its bridge.
 *   frame        the softphone's window (iframe.contentWindow)
 *   frameOrigin  its exact origin (replies from anything else are ignored)
 *   window       the host's window (default globalThis)
 *   getToken     optional SSO token source, () => Promise<string>: answers the
 *                softphone's token requests ("tokenSource": "host")
 *   onTokenError optional (Error) -> void: the token source failed (the
 *                softphone is told only that it failed, not why)
 * Returns {subscribe(), snapshot(), history(), request(method, path, body),
 * on(type, fn), setTokenSource(getToken | null), stats(), close()}.
 */
export function connectToSoftphone({
  frame, frameOrigin, window: win = globalThis, timeoutMs = 30_000, getToken = null, onTokenError = null,
} = {}) {
  const [origin] = normalizeOrigins([frameOrigin]);
  if (!frame || typeof frame.postMessage !== 'function') throw new TypeError('finesse-ha: connectToSoftphone: frame must be a window');
  let tokenSource = checkTokenSource(getToken, 'connectToSoftphone: getToken');
  if (onTokenError !== null && typeof onTokenError !== 'function') {
    throw new TypeError('finesse-ha: connectToSoftphone: onTokenError must be a function');
  }
  let nextId = 1;
  let closed = false;
  const pending = new Map();
  const listeners = new Map(EVENT_TYPES.map((t) => [t, new Set()]));
  const counts = { ignoredOrigin: 0, ignoredMalformed: 0, tokenRequests: 0, tokensGiven: 0, tokenFailures: 0 };

  async function answerTokenRequest(id) {
    counts.tokenRequests++;
    const source = tokenSource;
    let reply;
    if (!source) {
      reply = { ok: false, error: 'no-token-source' };
    } else {
      try {
        const token = await source();
        reply = typeof token === 'string' && token !== '' ? { ok: true, token } : { ok: false, error: 'no-token' };
        if (!reply.ok) reportTokenError(new Error('finesse-ha: the token source gave no token (want a non-empty string)'));
      } catch (err) {
        reply = { ok: false, error: 'token-source-failed' };
        reportTokenError(err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (reply.ok) counts.tokensGiven++;
    else counts.tokenFailures++;
    if (closed) return;
    try {
      frame.postMessage({ channel: CHANNEL, id, type: 'token', ...reply }, origin);
    } catch {
      // the frame is gone; it asks again when it is back
    }
  }

  function reportTokenError(err) {
    if (!onTokenError) return;
    try {
      onTokenError(err);
    } catch {
      // the host's handler must not stop the answer
    }
  }

  function onMessage(event) {
    if (event.origin !== origin || event.source !== frame) {
      counts.ignoredOrigin++;
      return;
    }
    const msg = event.data;
    if (msg === null || typeof msg !== 'object' || msg.channel !== CHANNEL) {
      counts.ignoredMalformed++;
      return;
    }
    if (msg.type === 'result' && pending.has(msg.id)) {
      const { resolve, reject, timer } = pending.get(msg.id);
      pending.delete(msg.id);
      clearTimeout(timer);
      if (msg.ok) resolve(msg.result);
      else reject(new Error(String(msg.error)));
    } else if (msg.type === 'event' && listeners.has(msg.event)) {
      for (const fn of [...listeners.get(msg.event)]) {
        try {
          fn(msg.data);
        } catch (err) {
          console.error('finesse-ha: softphone listener threw', err);
        }
      }
    } else if (msg.type === 'token-request' && (typeof msg.id === 'string' || typeof msg.id === 'number')) {
      answerTokenRequest(msg.id);
    } else {
      counts.ignoredMalformed++;
    }
  }
  win.addEventListener('message', onMessage);

  function send(type, extra = {}) {
    const id = 'h' + nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('finesse-ha: the softphone did not answer ' + type + ' within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      frame.postMessage({ channel: CHANNEL, id, type, ...extra }, origin);
    });
  }

  return {
    subscribe: () => send('subscribe'),
    snapshot: () => send('snapshot'),
    history: () => send('history'),
    request: (method, path, body) => send('request', { method, path, body }),
    on(type, fn) {
      const set = listeners.get(type);
      if (!set) throw new TypeError('finesse-ha: on(type, listener): unknown type ' + JSON.stringify(type));
      set.add(fn);
      return () => set.delete(fn);
    },
    /** Sets (or with null, removes) the token source the softphone's token requests are answered from. */
    setTokenSource(fn) {
      tokenSource = checkTokenSource(fn, 'setTokenSource(getToken)');
    },
    stats: () => ({ ...counts }),
    close() {
      closed = true;
      win.removeEventListener('message', onMessage);
      for (const { reject, timer } of pending.values()) {
        clearTimeout(timer);
        reject(new Error('finesse-ha: connection to the softphone closed'));
      }
      pending.clear();
    },
  };
}

function checkTokenSource(fn, what) {
  if (fn === null || fn === undefined) return null;
  if (typeof fn !== 'function') throw new TypeError('finesse-ha: ' + what + ' must be a function returning a Promise of a token, or null');
  return fn;
}
