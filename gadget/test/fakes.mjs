// Test doubles for the gadget code: a finesse-ha client, and windows that
// talk through postMessage with the browser's origin rules.

import { readFileSync } from 'node:fs';

/**
 * The JSON the Go client's wire types produce (internal/client/testdata/wire,
 * written by its golden tests): payloads here come from it, so the gadget's
 * tests break when the Go contract changes.
 */
export function golden(name) {
  return JSON.parse(readFileSync(new URL('../../internal/client/testdata/wire/' + name, import.meta.url), 'utf8'));
}

/** A finesse-ha Client stand-in whose events the test emits. */
export class FakeClient {
  listeners = new Map(['connection', 'agent', 'dialog', 'notification', 'error'].map((t) => [t, new Set()]));
  requests = [];
  closed = 0;
  state = golden('snapshot-empty.json');
  requestImpl = async () => ({ ...golden('result.json')[0], requestId: 'r' + this.requests.length });
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
  history() { return golden('history.json'); }
  request(method, path, body) {
    this.requests.push(body === undefined ? [method, path] : [method, path, body]);
    return this.requestImpl(method, path, body);
  }
  async close() { this.closed++; }
}

/** A dialog event as the Go client emits it (the golden "added"), with dialog fields overridden. */
export function dialogEvent(action, overrides = {}) {
  const e = golden('events.json').find((g) => g.type === 'dialog' && g.event.action === 'added').event;
  return { ...e, action, dialog: { ...e.dialog, ...overrides } };
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
