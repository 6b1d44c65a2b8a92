// SPDX-License-Identifier: Apache-2.0
// Types of finesse-ha/bridge (gadget/postmessage-bridge.js): a finesse-ha
// client in a softphone frame, used from a host page in another origin.

import type { Client, EventMap, EventType, HistoryEntry, RequestResult, Snapshot } from './index.js';

/** The `channel` of every bridge message. */
export declare const CHANNEL: 'finesse-ha';

/** A window that receives `message` events (the frame's or the host's). */
export interface MessageWindow {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/**
 * Checks an allowlist and returns it normalized (as `MessageEvent.origin`
 * reports origins). Throws a TypeError for wildcards, paths or non-origins.
 */
export declare function normalizeOrigins(allowedOrigins: string[]): Set<string>;

export interface PostMessageBridgeOptions {
  /** A finesse-ha client (or the gadget's desktop follower). */
  client: Pick<Client, 'on' | 'request' | 'snapshot' | 'history'>;
  /** Exact origins (scheme://host[:port]) allowed to use the client; no wildcards. */
  allowedOrigins: string[];
  /** The frame's window. Default `globalThis`. */
  window?: MessageWindow;
}

export interface PostMessageBridgeStats {
  accepted: number;
  /** Messages from origins not on the allowlist: ignored, never answered. */
  ignoredOrigin: number;
  ignoredMalformed: number;
  subscribers: number;
}

export interface PostMessageBridge {
  stats(): PostMessageBridgeStats;
  /** Stops listening and drops every subscriber. */
  close(): void;
}

/** The softphone side: answers allowed origins only; requests may only reach `/finesse/api/`. */
export declare function createPostMessageBridge(options: PostMessageBridgeOptions): PostMessageBridge;

export interface ConnectToSoftphoneOptions {
  /** The softphone's window, e.g. `iframe.contentWindow`. */
  frame: Window | { postMessage(message: unknown, targetOrigin: string): void };
  /** The softphone's exact origin: replies from anything else are ignored. */
  frameOrigin: string;
  /** The host's window. Default `globalThis`. */
  window?: MessageWindow;
  /** How long to wait for each answer, in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * SSO token source for a softphone configured with `"tokenSource": "host"`: each of its token
   * requests (its first token, then the client's refreshes at 75% of a token's lifetime) calls this once
   * and the token goes back to the frame's exact origin. A rejection or a non-string tells the
   * softphone only that it failed (`token-source-failed` / `no-token`), never why.
   */
  getToken?: (() => Promise<string>) | null;
  /** Why the token source failed (the softphone is not told). */
  onTokenError?: ((err: Error) => void) | null;
}

export interface SoftphoneStats {
  /** Messages from another window or origin than the softphone's: ignored. */
  ignoredOrigin: number;
  ignoredMalformed: number;
  tokenRequests: number;
  tokensGiven: number;
  tokenFailures: number;
}

/** The host's view of a softphone's client. */
export interface Softphone {
  /** Starts events; resolves with the current snapshot. */
  subscribe(): Promise<Snapshot>;
  snapshot(): Promise<Snapshot>;
  history(): Promise<HistoryEntry[]>;
  /** A Finesse REST request through the softphone's client; the path must start with `/finesse/api/`. */
  request(method: string, path: string, body?: string): Promise<RequestResult>;
  /** Adds a listener (events flow after subscribe()); returns a function that removes it. */
  on<T extends EventType>(type: T, listener: (event: EventMap[T]) => void): () => void;
  /** Sets (or with null, removes) the token source that answers the softphone's token requests. */
  setTokenSource(getToken: (() => Promise<string>) | null): void;
  stats(): SoftphoneStats;
  /** Stops listening; pending calls reject. */
  close(): void;
}

/** The host side: talks to a softphone frame through its bridge. */
export declare function connectToSoftphone(options: ConnectToSoftphoneOptions): Softphone;
