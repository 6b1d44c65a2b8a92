// Test doubles for the gadget code: a finesse-ha client, and windows that
// talk through postMessage with the browser's origin rules.

/** A finesse-ha Client stand-in whose events the test emits. */
export class FakeClient {
  listeners = new Map(['connection', 'agent', 'dialog', 'notification', 'error'].map((t) => [t, new Set()]));
  requests = [];
  closed = 0;
  state = {
    connection: { state: 'connecting', side: '', host: '', reason: '', since: '', attempt: 0 },
    agent: { state: '', reasonCode: '', previous: '', synthetic: false, forcedLogout: false },
    dialogs: [],
    sides: [],
  };
  requestImpl = async (method, path) => ({ status: 202, headers: {}, body: '', requestId: 'r' + this.requests.length });
  on(type, fn) {
    const set = this.listeners.get(type);
    if (!set) throw new TypeError('unknown type ' + type);
    set.add(fn);
    return () => set.delete(fn);
  }
  off(type, fn) { this.listeners.get(type).delete(fn); }
  emit(type, event) {
    if (type === 'connection') this.state.connection = event;
    for (const fn of [...this.listeners.get(type)]) fn(event);
  }
  listenerCount() {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
  snapshot() { return structuredClone(this.state); }
  history() { return [{ at: '2025-01-01T00:00:00Z', what: 'connected', side: 'A', detail: '' }]; }
  request(method, path, body) {
    this.requests.push(body === undefined ? [method, path] : [method, path, body]);
    return this.requestImpl(method, path, body);
  }
  async close() { this.closed++; }
}

/** A dialog event as the client emits it. */
export function dialogEvent(action, overrides = {}) {
  return {
    action,
    synthetic: false,
    dialog: {
      id: 'd1', callKey: 'ck:1:100:1', state: 'ALERTING', callType: 'ACD_IN',
      fromAddress: '5550101', toAddress: '1001001', ani: '5550101', dnis: '8000',
      callVariables: { callVariable1: 'acct-42' }, restored: false, restoredFields: [], participants: [],
      ...overrides,
    },
  };
}

/**
 * A browser window with an origin. ref(target, sender) is what `sender`
 * holds to reach `target` (an iframe's contentWindow, window.parent): its
 * postMessage delivers asynchronously, structured-clones the message, and
 * drops it unless targetOrigin matches the target's origin, as browsers do.
 * Every targetOrigin used is recorded in target.targetOrigins.
 */
export class FakeWindow extends EventTarget {
  constructor(origin) {
    super();
    this.origin = origin;
    this.targetOrigins = [];
    this.refs = new Map();
  }
}

export function ref(target, sender) {
  if (!target.refs.has(sender)) {
    target.refs.set(sender, {
      postMessage(message, targetOrigin) {
        target.targetOrigins.push(targetOrigin);
        const data = structuredClone(message);
        if (targetOrigin !== '*' && targetOrigin !== target.origin) return;
        setTimeout(() => target.dispatchEvent(messageEvent(data, sender.origin, ref(sender, target))), 0);
      },
    });
  }
  return target.refs.get(sender);
}

/** A message event as a browser builds it. */
export function messageEvent(data, origin, source) {
  const ev = new Event('message');
  Object.defineProperties(ev, {
    data: { value: data },
    origin: { value: origin },
    source: { value: source },
  });
  return ev;
}

/** Lets pending timers of delay 0 and promise chains run. */
export async function settle(rounds = 5) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
