// SPDX-License-Identifier: Apache-2.0
// Types of finesse-ha/gadget: the Finesse gadget loader (desktop-follower.js
// and gadget.js from the project's gadget/ folder).

import type { Client, ConnectionState } from '../index.js';

/**
 * The Client API fed by the Finesse desktop instead of a connection of its
 * own: same events and snapshot; `sides` is always empty.
 */
export interface DesktopFollower extends Pick<Client, 'on' | 'off' | 'once' | 'snapshot' | 'history' | 'request' | 'close'> {
  /** Always `'desktop-follower'`. */
  readonly version: string;
  /** Whether the desktop is between a failure and its recovery. */
  inFailover(): boolean;
}

/** What the follower needs from the gadget container and finesse.js. */
export interface DesktopFollowerDeps {
  /** `gadgets.Hub`. */
  hub: {
    subscribe(topic: string, callback: (topic: string, data: any) => void): unknown;
    unsubscribe?(id: unknown): void;
    publish(topic: string, data: unknown): void;
  };
  /** The finesse.js namespace (`finesse.restservices.User` is used). */
  finesse: any;
  /** The agent's id (`finesse.gadget.Config.id`). */
  agentId: string;
  /** The Finesse host the desktop uses (`finesse.gadget.Config.host`). */
  host?: string;
  /** `finesse.clientservices.ClientServices.makeRequest`, bound; for request(). */
  makeRequest?: (url: string, handler: unknown, params: unknown) => void;
  /** `gadgets.io`, for request(). */
  io?: any;
  /** The clock, for timestamps. Default: the real one. */
  now?: () => Date;
}

/** The page's globals the gadget uses: `finesse`, `gadgets`, `document`. */
export interface GadgetEnvironment {
  finesse: any;
  gadgets: any;
  document?: Document;
  /** Set by start(): the follower, for the gadget's other scripts. */
  finesseHA?: DesktopFollower;
}

export interface FinesseHAGadget {
  createDesktopFollower(deps: DesktopFollowerDeps): DesktopFollower;
  /** finesse.js connection status -> finesse-ha connection state; `''` for an unknown status. */
  mapDesktopStatus(status: string): ConnectionState | '';
  readonly STATUS_MAP: Readonly<Record<string, ConnectionState>>;
  /**
   * Starts the gadget from gadgets.HubSettings.onConnect: ClientServices as
   * non-master, the follower, and the rendering into finesse-ha.xml's
   * elements. `env` defaults to the page's globals. Returns the follower.
   */
  start(env?: GadgetEnvironment): DesktopFollower;
}

export declare const createDesktopFollower: FinesseHAGadget['createDesktopFollower'];
export declare const mapDesktopStatus: FinesseHAGadget['mapDesktopStatus'];
export declare const STATUS_MAP: FinesseHAGadget['STATUS_MAP'];
export declare const start: FinesseHAGadget['start'];
declare const gadget: FinesseHAGadget;
export default gadget;
