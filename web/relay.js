// finesse-ha: one leader per agent without SharedWorker (runtime 'worker').
//
// Each page runs its own Dedicated Worker (worker.js), and in it a Relay
// between the page's port and the agent's leader. The leader is whichever
// relay holds the Web Lock `finesse-ha:leader:<key>`: it runs the Go client
// in a Host and serves the other relays over a BroadcastChannel as if they
// were pages. The browser releases the lock when the leader's tab goes
// (closed, crashed, navigated), and the next relay in the lock's queue
// becomes the leader: it starts a fresh client, and the followers attach to
// it. Message-based elections produce duplicate leaders under load or
// throttling; a lock cannot (research/browser-runtime.md §2).
//
// Channel messages: {op:'leader', id} announces a new leader;
// {from, to, msg} carries one host-protocol message (host.js) between a
// follower (from/to its id) and the leader (to 'leader' or its id). Among
// them are the host's token-requests to a follower's page and its answers,
// tokens included: a BroadcastChannel reaches only this origin's pages.

import { PREFIX } from './loader.js';
import { sessionKey, sha256Hex } from './host.js';

export class Relay {
  id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : String(Math.random()).slice(2);
  role = 'follower';
  leaderId = null;
  #page;
  #getHost;
  #locks;
  #BC;
  #bc = null;
  #attach = null;
  #pageAttached = false;
  #lastSnapshot = null;
  #local = null;
  /**
   * In-flight calls of the page: id -> {msg, accepted}. When the leader
   * goes, a call it never accepted is sent to the next one; a call it
   * accepted but never answered may have reached Finesse, so it fails.
   */
  #pending = new Map();
  /** The leader's ports for its followers: follower id -> MessagePort. */
  #followers = new Map();
  #chain = Promise.resolve();

  constructor(pagePort, getHost, { locks = globalThis.navigator && globalThis.navigator.locks, BroadcastChannel: BC = globalThis.BroadcastChannel } = {}) {
    this.#page = pagePort;
    this.#getHost = getHost;
    this.#locks = locks;
    this.#BC = BC;
  }

  start() {
    this.#page.onmessage = (e) => {
      const msg = e.data;
      this.#chain = this.#chain.then(() => this.#fromPage(msg)).catch((err) => console.error(PREFIX + 'relay: ', err));
    };
    if (typeof this.#page.start === 'function') this.#page.start();
    this.#page.postMessage({ kind: 'hello', hostLock: null });
  }

  async #fromPage(msg) {
    if (msg === null || typeof msg !== 'object') return;
    if (msg.op === 'attach' && this.#attach === null) {
      this.#attach = msg;
      const key = sessionKey(String(msg.optionsJSON));
      if (key === null) {
        // Bad options: no sharing; the host's Go names the bad field.
        this.#lead();
        return;
      }
      const name = await sha256Hex(key);
      this.#bc = new this.#BC('finesse-ha:' + name);
      this.#bc.onmessage = (e) => this.#fromChannel(e.data);
      this.#locks.request('finesse-ha:leader:' + name, () => {
        this.#lead();
        // Held until this worker ends, which is when its page goes.
        return new Promise(() => {});
      });
      if (this.role === 'follower') this.#toLeader(msg);
      return;
    }
    if (this.role === 'leader') {
      this.#local.postMessage(msg);
      return;
    }
    if ((msg.op === 'call' || msg.op === 'detach') && msg.id !== undefined) this.#pending.set(msg.id, { msg, accepted: false });
    this.#toLeader(msg);
  }

  #toLeader(msg) {
    this.#bc.postMessage({ from: this.id, to: this.leaderId ?? 'leader', msg });
  }

  #toPage(msg) {
    if (msg.kind === 'hello') return;
    if (msg.kind === 'attached') {
      const before = this.#lastSnapshot;
      this.#lastSnapshot = msg.snapshot;
      if (this.#pageAttached) {
        // A re-attach after a takeover: the page is attached already; it
        // needs the new state, and its connection as an event if that
        // changed (the new client's own events went by before we joined).
        const now = connectionOf(msg.snapshot);
        const events = now !== null && now !== connectionOf(before) ? [['connection', now]] : [];
        msg = { kind: 'events', events, snapshot: msg.snapshot, history: msg.history };
      } else {
        this.#pageAttached = true;
      }
    } else if (msg.kind === 'events') {
      this.#lastSnapshot = msg.snapshot;
    } else if (msg.kind === 'result') {
      this.#pending.delete(msg.id);
    } else if (msg.kind === 'accepted') {
      const p = this.#pending.get(msg.id);
      if (p !== undefined) p.accepted = true;
      return;
    }
    this.#page.postMessage(msg);
  }

  #fromChannel(d) {
    if (d === null || typeof d !== 'object') return;
    if (d.op === 'leader') {
      if (this.role === 'follower' && d.id !== this.leaderId) {
        this.leaderId = d.id;
        const resend = this.#settlePending();
        this.#toLeader(this.#reattach());
        for (const m of resend) this.#toLeader(m);
      }
      return;
    }
    if (this.role === 'leader' && (d.to === 'leader' || d.to === this.id) && typeof d.from === 'string') {
      this.#followerPort(d.from).postMessage(d.msg);
      return;
    }
    if (this.role === 'follower' && d.to === this.id && d.msg) {
      this.leaderId = d.from;
      this.#toPage(d.msg);
    }
  }

  /** The attach message again, with the page's last state as the seed of a new session. */
  #reattach() {
    return this.#pageAttached && this.#lastSnapshot !== null
      ? { ...this.#attach, seed: this.#lastSnapshot }
      : this.#attach;
  }

  #followerPort(from) {
    let port = this.#followers.get(from);
    if (port === undefined) {
      const ch = new MessageChannel();
      this.#getHost().serve(ch.port1);
      port = ch.port2;
      port.onmessage = (e) => {
        if (e.data && e.data.kind === 'hello') return;
        this.#bc.postMessage({ from: this.id, to: from, msg: e.data });
      };
      if (typeof port.start === 'function') port.start();
      this.#followers.set(from, port);
    }
    return port;
  }

  /** Answers the calls the old leader accepted; returns those it never saw, to send again. */
  #settlePending() {
    const resend = [];
    for (const [id, { msg, accepted }] of this.#pending) {
      if (msg.op === 'detach') {
        this.#page.postMessage({ kind: 'result', id, ok: true });
        this.#pending.delete(id);
      } else if (accepted) {
        this.#page.postMessage({ kind: 'result', id, ok: false, message: PREFIX + 'the tab that ran the client went away during this call, and another tab took over; the call may or may not have reached Finesse' });
        this.#pending.delete(id);
      } else {
        resend.push(msg);
      }
    }
    return resend;
  }

  #lead() {
    if (this.role === 'leader') return;
    this.role = 'leader';
    const resend = this.#settlePending();
    this.#pending.clear();
    const ch = new MessageChannel();
    this.#getHost().serve(ch.port1);
    this.#local = ch.port2;
    this.#local.onmessage = (e) => this.#toPage(e.data);
    if (typeof this.#local.start === 'function') this.#local.start();
    this.#local.postMessage(this.#reattach());
    for (const m of resend) this.#local.postMessage(m);
    if (this.#bc !== null) this.#bc.postMessage({ op: 'leader', id: this.id });
  }
}

/** The connection of a snapshot, as JSON, or null. */
function connectionOf(snapshotJSON) {
  try {
    const c = JSON.parse(snapshotJSON).connection;
    return c && typeof c === 'object' ? JSON.stringify(c) : null;
  } catch {
    return null;
  }
}
