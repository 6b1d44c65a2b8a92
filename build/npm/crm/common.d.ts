// SPDX-License-Identifier: Apache-2.0
// Types both CRM adapters share (crm/common.js is their shared code; it is
// not an entry point of its own).

import type { Client, Dialog } from '../index.js';
import type { Softphone } from '../postmessage-bridge.js';

/** The agent calls are made for (MAKE_CALL's fromAddress). */
export interface AgentIdentity {
  agentId: string;
  extension: string;
}

/** Options every adapter takes. */
export interface AdapterOptions extends AgentIdentity {
  /** A finesse-ha client (or the gadget's desktop follower), or a softphone frame's (connectToSoftphone). */
  client: Pick<Client, 'on' | 'request' | 'snapshot'> | Softphone;
  /** Which calls pop a record. Default: every call that is not internal. */
  shouldPop?: (dialog: Dialog) => boolean;
  /** Errors of click-to-dial and screen pops. Default `console.error`. */
  onError?: (err: Error) => void;
  /**
   * SSO token source, when `client` is a softphone frame (`connectToSoftphone` from `finesse-ha/bridge`,
   * in a host page that runs the adapter): handed to that softphone (`setTokenSource`) until `detach()`.
   * A finesse-ha Client takes its token source in `createClient({auth: {getToken}})` instead (TypeError).
   */
  getToken?: () => Promise<string>;
}

/** What an adapter did so far. */
export interface AdapterStats {
  clicks: number;
  calls: number;
  pops: number;
  errors: number;
}
