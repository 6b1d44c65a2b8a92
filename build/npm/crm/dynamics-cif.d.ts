// SPDX-License-Identifier: Apache-2.0
// Types of finesse-ha/crm/dynamics (gadget/adapters/dynamics-cif.js): the
// Dynamics 365 Channel Integration Framework adapter.

import type { Dialog } from '../index.js';
import type { AdapterOptions, AdapterStats, AgentIdentity } from './common.js';

export type { AdapterStats, AgentIdentity };

/** The part of `Microsoft.CIFramework` (msdyn_ciLibrary.js) the adapter uses. */
export interface CIFramework {
  setClickToAct(value: boolean): Promise<unknown>;
  addHandler(name: string, handler: (eventData: string) => Promise<unknown> | unknown): Promise<unknown> | unknown;
  removeHandler(name: string, handler: (eventData: string) => Promise<unknown> | unknown): Promise<unknown> | unknown;
  searchAndOpenRecords(entityName: string, queryParmeters: string, searchOnly: boolean): Promise<unknown>;
}

/** A Dynamics record search: `searchAndOpenRecords(entity, query, false)`. */
export interface DynamicsSearch {
  /** Entity logical name, e.g. `'contact'`. */
  entity: string;
  /** OData query, e.g. `"?$select=fullname&$filter=telephone1 eq '5550101'"`. */
  query: string;
}

/** The window the CIF library raises `CIFInitDone` on. */
export interface CIFWindow {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface DynamicsCIFOptions extends AdapterOptions {
  /** `Microsoft.CIFramework`, or a promise of it (waitForCIFInit()). Default: wait for CIFInitDone here. */
  cif?: CIFramework | Promise<CIFramework>;
  /** Where CIFInitDone is raised when `cif` is not given. Default `globalThis`. */
  window?: CIFWindow;
  /** The screen-pop search for a call; null pops nothing. Default {@link defaultSearch}. */
  search?: (dialog: Dialog, agent: AgentIdentity) => DynamicsSearch | null;
}

export type DynamicsCIFStats = AdapterStats;

export interface DynamicsCIFAdapter {
  /** Stops dialing and popping; idempotent. */
  detach(): void;
  stats(): DynamicsCIFStats;
}

/**
 * Resolves with `Microsoft.CIFramework` when the CIF library raises
 * `CIFInitDone`; rejects after `timeoutMs` (default 60000). Call it first
 * thing on the page: the event may fire while finesse-ha.wasm loads.
 */
export declare function waitForCIFInit(options?: { window?: CIFWindow; timeoutMs?: number }): Promise<CIFramework>;

/** An OData string literal: the text in single quotes, quotes doubled. */
export declare function odataString(s: string): string;

/** The default search: contacts whose telephone1 or mobilephone is the other party's number. */
export declare function defaultSearch(dialog: Dialog, agent: { extension: string }): DynamicsSearch | null;

/**
 * Wires a client to CIF: click-to-act dials (MAKE_CALL, never retried), and
 * each new call pops its record once, also across failovers. Resolves once
 * CIF is ready.
 */
export declare function attachDynamicsCIF(options: DynamicsCIFOptions): Promise<DynamicsCIFAdapter>;
