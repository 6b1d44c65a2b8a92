// Salesforce Open CTI (Lightning) adapter: click-to-dial dials through
// finesse-ha, each new call runs searchAndScreenPop once, and Salesforce is
// told the softphone is up (notifyInitializationComplete) when the client
// first connects.
//
// Runs in the softphone page named by the call center's reqAdapterUrl, which
// loads https://<domain>/support/api/<version>/lightning/opencti_min.js
// (that defines sforce.opencti). Open CTI is in maintenance mode, with
// retirement announced for February 2028; Service Cloud Voice's connector is
// its successor (research/ecosystem.md §2.1).
//
// Why wait for `connected` before notifyInitializationComplete: until it is
// called, Salesforce may switch to the call center's reqStandbyUrl. If no
// Finesse side is usable at start-up, that host-level fallback is what the
// admin configured it for.

import { makeCall, popOncePerCall, otherParty, direction, adapterState } from './common.js';

/**
 * The default searchAndScreenPop arguments: search for the other party's
 * number, with the call variables as query parameters (a custom search page
 * can use them; the standard one ignores them).
 */
export function defaultScreenPop(dialog, { extension }) {
  const number = otherParty(dialog, extension);
  if (!number) return null;
  const query = new URLSearchParams(dialog.callVariables || {});
  return { searchParams: number, queryParams: query.toString() };
}

/**
 * Wires a finesse-ha client to Open CTI.
 *   client     finesse-ha Client
 *   opencti    sforce.opencti (default globalThis.sforce.opencti)
 *   agentId, extension   the agent, for MAKE_CALL
 *   screenPop  (dialog, {agentId, extension}) -> {searchParams, queryParams?, defaultFieldValues?} | null
 *   shouldPop  (dialog) -> boolean; default: every call that is not internal
 *   onError    (Error) -> void; default console.error
 *   getToken   SSO token source, when client is a softphone frame (connectToSoftphone): handed to it until detach()
 * Returns {detach(), stats()}.
 */
export function attachSalesforceOpenCTI({
  client, opencti, agentId, extension,
  screenPop = defaultScreenPop, shouldPop, onError, getToken,
} = {}) {
  const api = opencti ?? (globalThis.sforce && globalThis.sforce.opencti);
  if (!api || typeof api.searchAndScreenPop !== 'function') {
    throw new Error('finesse-ha: attachSalesforceOpenCTI: sforce.opencti is missing; load lightning/opencti_min.js first');
  }
  const { counts, agent, popFilter, fail, release } = adapterState('attachSalesforceOpenCTI',
    { client, agentId, extension, shouldPop, onError, getToken }, { initialized: false });
  let attached = true;

  /** Open CTI callbacks get {success, returnValue, errors}. */
  function callbackFor(what) {
    return (response) => {
      if (response && response.success === false) {
        fail(new Error('finesse-ha: Open CTI ' + what + ' failed: ' + JSON.stringify(response.errors)));
      }
    };
  }

  const callTypes = api.CALL_TYPE || { INBOUND: 'inbound', OUTBOUND: 'outbound', INTERNAL: 'internal' };
  const stopPops = popOncePerCall(client, {
    active: () => attached,
    filter: popFilter,
    build: (dialog) => screenPop(dialog, agent),
    pop: (args, dialog) => {
      const dir = direction(dialog, extension);
      try {
        api.searchAndScreenPop({
          searchParams: args.searchParams,
          queryParams: args.queryParams ?? '',
          ...(args.defaultFieldValues ? { defaultFieldValues: args.defaultFieldValues } : {}),
          callType: dir === 'outbound' ? callTypes.OUTBOUND : dir === 'internal' ? callTypes.INTERNAL : callTypes.INBOUND,
          deferred: false,
          callback: callbackFor('searchAndScreenPop'),
        });
      } catch (err) {
        fail(err);
      }
    },
    onError: fail,
    counts,
  });

  // notifyInitializationComplete once, at the first `connected`.
  let stopInit = () => {};
  const notifyInit = () => {
    if (counts.initialized || !attached) return;
    counts.initialized = true;
    stopInit();
    try {
      api.notifyInitializationComplete();
    } catch (err) {
      fail(err);
    }
  };
  stopInit = client.on('connection', (e) => {
    if (e.state === 'connected') notifyInit();
  });
  // A softphone frame's handle (connectToSoftphone) answers snapshot() with a Promise.
  const connectedNow = (snap) => {
    if (snap && snap.connection && snap.connection.state === 'connected') notifyInit();
  };
  try {
    const snap = client.snapshot();
    if (snap && typeof snap.then === 'function') snap.then(connectedNow, () => {});
    else connectedNow(snap);
  } catch {
    // no snapshot: the first connected event notifies
  }

  // Open CTI has no way to remove a click-to-dial listener: detach() makes it inert.
  api.onClickToDial({
    listener: async (payload) => {
      if (!attached) return;
      counts.clicks++;
      try {
        await makeCall(client, agent, payload && payload.number);
        counts.calls++;
      } catch (err) {
        fail(err);
      }
    },
  });
  api.enableClickToDial({ callback: callbackFor('enableClickToDial') });

  return {
    stats: () => ({ ...counts }),
    detach() {
      attached = false;
      stopPops();
      stopInit();
      release();
    },
  };
}
