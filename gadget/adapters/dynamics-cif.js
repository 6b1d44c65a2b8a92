// Dynamics 365 Channel Integration Framework (CIF) adapter: click-to-act
// dials through finesse-ha, and each new call pops the matching record once.
//
// Runs in the CIF widget (the channel provider's "Channel URL" page), which
// loads the org's msdyn_ciLibrary.js. CIF APIs may only be used after the
// library raises CIFInitDone on window; that can happen while finesse-ha.wasm
// is still loading, so call waitForCIFInit() first thing on the page and
// hand its promise to attachDynamicsCIF.
//
//   const cifReady = waitForCIFInit();              // at once, before any await
//   const client = await createClient(options);
//   await attachDynamicsCIF({ client, cif: cifReady, agentId, extension });

import { makeCall, popOncePerCall, otherParty, adapterState } from './common.js';

/**
 * Resolves with Microsoft.CIFramework when the CIF library raises
 * CIFInitDone on win; rejects after timeoutMs.
 */
export function waitForCIFInit({ window: win = globalThis, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      win.removeEventListener('CIFInitDone', done);
      reject(new Error('finesse-ha: CIFInitDone did not fire within ' + timeoutMs + ' ms ' +
        '(does the page load msdyn_ciLibrary.js with data-crmurl and data-cifid="CIFMainLibrary"?)'));
    }, timeoutMs);
    function done() {
      clearTimeout(timer);
      win.removeEventListener('CIFInitDone', done);
      const cif = win.Microsoft && win.Microsoft.CIFramework;
      if (!cif) reject(new Error('finesse-ha: CIFInitDone fired but Microsoft.CIFramework is missing'));
      else resolve(cif);
    }
    win.addEventListener('CIFInitDone', done);
  });
}

/** OData string literal: single quotes doubled. */
export function odataString(s) {
  return "'" + String(s).replace(/'/g, "''") + "'";
}

/**
 * The default screen-pop search: contacts whose phone numbers match the other
 * party's number. Replace it to search by a call variable instead, e.g. an
 * account number the IVR collected in callVariable1.
 */
export function defaultSearch(dialog, { extension }) {
  const number = otherParty(dialog, extension);
  if (!number) return null;
  const n = odataString(number);
  return {
    entity: 'contact',
    query: '?$select=fullname,telephone1,mobilephone&$filter=telephone1 eq ' + n + ' or mobilephone eq ' + n,
  };
}

/**
 * Wires a finesse-ha client to CIF.
 *   client     finesse-ha Client
 *   cif        Microsoft.CIFramework, or a promise of it (waitForCIFInit()); default waits here
 *   agentId, extension   the agent, for MAKE_CALL
 *   search     (dialog, {agentId, extension}) -> {entity, query} | null; default defaultSearch
 *   shouldPop  (dialog) -> boolean; default: every call that is not internal
 *   onError    (Error) -> void; default console.error
 *   getToken   SSO token source, when client is a softphone frame (connectToSoftphone): handed to it until detach()
 * Resolves, once CIF is ready, with {detach(), stats()}.
 */
export async function attachDynamicsCIF({
  client, cif, agentId, extension, window: win = globalThis,
  search = defaultSearch, shouldPop, onError, getToken,
} = {}) {
  const { counts, agent, popFilter, fail, release } = adapterState('attachDynamicsCIF', { client, agentId, extension, shouldPop, onError, getToken });
  // Not awaited yet: calls that start while CIF initializes still pop, once it is ready.
  const ready = Promise.resolve(cif ?? waitForCIFInit({ window: win }));
  ready.catch(() => {}); // observed below
  let attached = true;

  // CIF hands event data as a JSON string: {value, name, format, entityLogicalName}.
  async function onClickToAct(eventData) {
    if (!attached) return;
    counts.clicks++;
    try {
      const data = typeof eventData === 'string' ? JSON.parse(eventData) : eventData;
      await makeCall(client, agent, data && data.value);
      counts.calls++;
    } catch (err) {
      fail(err);
      throw err; // CIF shows a failed click-to-act to the user
    }
  }

  const stopPops = popOncePerCall(client, {
    active: () => attached,
    filter: popFilter,
    build: (dialog) => search(dialog, agent),
    // searchOnly=false: CIF opens the record if exactly one matches, else the search page.
    pop: (target) =>
      ready
        .then((api) => (attached ? api.searchAndOpenRecords(target.entity, target.query, false) : undefined))
        .catch(fail),
    onError: fail,
    counts,
  });

  // Subscribed above before these awaits, so no call that starts meanwhile
  // misses its screen pop; undone if CIF never becomes ready or refuses.
  let api;
  try {
    api = await ready;
    await api.setClickToAct(true);
    await api.addHandler('onclicktoact', onClickToAct);
  } catch (err) {
    attached = false;
    stopPops();
    release();
    throw err;
  }

  return {
    stats: () => ({ ...counts }),
    detach() {
      if (!attached) return;
      attached = false;
      stopPops();
      release();
      Promise.resolve()
        .then(() => api.removeHandler('onclicktoact', onClickToAct))
        .catch(fail);
    },
  };
}
