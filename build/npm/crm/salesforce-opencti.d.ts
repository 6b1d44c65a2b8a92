// SPDX-License-Identifier: Apache-2.0
// Types of finesse-ha/crm/salesforce (gadget/adapters/salesforce-opencti.js):
// the Salesforce Open CTI (Lightning) adapter.

import type { Dialog } from '../index.js';
import type { AdapterOptions, AdapterStats, AgentIdentity } from './common.js';

export type { AdapterStats, AgentIdentity };

/** Open CTI's callback argument. */
export interface OpenCTIResponse {
  success: boolean;
  returnValue?: unknown;
  errors?: unknown;
}

/** The part of `sforce.opencti` (lightning/opencti_min.js) the adapter uses. */
export interface OpenCTI {
  CALL_TYPE?: { INBOUND: string; OUTBOUND: string; INTERNAL: string };
  searchAndScreenPop(args: {
    searchParams: string;
    queryParams: string;
    defaultFieldValues?: Record<string, string>;
    callType: string;
    deferred: boolean;
    callback: (response: OpenCTIResponse) => void;
  }): void;
  notifyInitializationComplete(): void;
  onClickToDial(args: { listener: (payload: { number: string; recordId?: string; objectType?: string }) => void }): void;
  enableClickToDial(args: { callback: (response: OpenCTIResponse) => void }): void;
}

/** searchAndScreenPop's search: the number, and query parameters for a custom search page. */
export interface ScreenPop {
  searchParams: string;
  queryParams?: string;
  defaultFieldValues?: Record<string, string>;
}

export interface SalesforceOpenCTIOptions extends AdapterOptions {
  /** `sforce.opencti`. Default `globalThis.sforce.opencti`. */
  opencti?: OpenCTI;
  /** The screen pop for a call; null pops nothing. Default {@link defaultScreenPop}. */
  screenPop?: (dialog: Dialog, agent: AgentIdentity) => ScreenPop | null;
}

/** What the adapter did so far. */
export interface SalesforceOpenCTIStats extends AdapterStats {
  /** Whether notifyInitializationComplete was called (at the first `connected`). */
  initialized: boolean;
}

export interface SalesforceOpenCTIAdapter {
  /** Stops dialing and popping. Open CTI cannot remove its click-to-dial listener: it goes inert. */
  detach(): void;
  stats(): SalesforceOpenCTIStats;
}

/** The default screen pop: the other party's number, the call variables as query parameters. */
export declare function defaultScreenPop(dialog: Dialog, agent: { extension: string }): ScreenPop | null;

/**
 * Wires a client to Open CTI: notifyInitializationComplete at the first
 * `connected`, click-to-dial dials (MAKE_CALL, never retried), and each new
 * call runs searchAndScreenPop once, also across failovers. Throws when
 * `sforce.opencti` is missing.
 */
export declare function attachSalesforceOpenCTI(options: SalesforceOpenCTIOptions): SalesforceOpenCTIAdapter;
