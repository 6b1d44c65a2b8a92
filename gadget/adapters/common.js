// Shared by the CRM host adapters: making a call through the client, and
// telling each call to the CRM exactly once.

/** Escapes text for an XML element body. */
export function escapeXML(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/**
 * The dialable form of a number a CRM hands us ("+1 (555) 010-1234"):
 * digits, a leading +, and * and # for feature codes. Throws when nothing
 * dialable is left, so a bad click never reaches Finesse.
 */
export function dialable(raw) {
  const s = String(raw ?? '').trim();
  const plus = s.startsWith('+') ? '+' : '';
  const digits = s.replace(/[^0-9*#]/g, '');
  if (digits === '') throw new Error('finesse-ha: nothing to dial in ' + JSON.stringify(s));
  return plus + digits;
}

/**
 * Makes a call from the agent's extension (Finesse Dialog API, MAKE_CALL).
 * A POST: the client never retries it on its own (SPEC §3.6), so one click
 * dials at most once.
 */
export async function makeCall(client, { agentId, extension }, number) {
  const to = dialable(number);
  const body = '<Dialog><requestedAction>MAKE_CALL</requestedAction>' +
    '<fromAddress>' + escapeXML(extension) + '</fromAddress>' +
    '<toAddress>' + escapeXML(to) + '</toAddress></Dialog>';
  const res = await client.request('POST', '/finesse/api/User/' + encodeURIComponent(agentId) + '/Dialogs', body);
  if (res.status < 200 || res.status > 299) {
    throw new Error('finesse-ha: MAKE_CALL to ' + to + ' failed: HTTP ' + res.status);
  }
  return res;
}

const OUTBOUND_TYPES = new Set(['OUT', 'AGENT_OUT', 'AUTO_OUT', 'OUTBOUND', 'OUTBOUND_PREVIEW']);
const INTERNAL_TYPES = new Set(['AGENT_INSIDE', 'CONSULT', 'CONFERENCE', 'SUPERVISOR', 'SUPERVISOR_MONITOR']);

/**
 * 'inbound', 'outbound' or 'internal', from the call type, or else from
 * who called whom.
 */
export function direction(dialog, extension) {
  if (OUTBOUND_TYPES.has(dialog.callType)) return 'outbound';
  if (INTERNAL_TYPES.has(dialog.callType)) return 'internal';
  if (extension && dialog.fromAddress === extension) return 'outbound';
  return 'inbound';
}

/** The other party's number: the caller for inbound calls, the callee for outbound ones. */
export function otherParty(dialog, extension) {
  return direction(dialog, extension) === 'outbound' ? dialog.toAddress : (dialog.ani || dialog.fromAddress);
}

/**
 * Calls fn(dialog) once per call, on its `added` event. The client already
 * sends one `added` per call across failovers (SPEC §3.5); keying by callKey
 * here as well means a CRM never gets a second screen pop or activity, even
 * from a client restarted mid-call. Remembers the last `limit` calls.
 */
export function oncePerCall(client, fn, limit = 1000) {
  const seen = new Set();
  return client.on('dialog', (e) => {
    if (e.action !== 'added') return;
    const key = e.dialog.callKey || e.dialog.id;
    if (seen.has(key)) return;
    seen.add(key);
    if (seen.size > limit) seen.delete(seen.values().next().value);
    fn(e.dialog, e);
  });
}

/**
 * The screen-pop skeleton both CRM adapters share: once per call, while the
 * adapter is attached and the filter accepts the dialog, build the host's
 * search from the call data and hand it to pop. A build that throws is
 * reported through onError and pops nothing; a build that returns nothing
 * means "no pop for this call". counts.pops counts the pops handed out.
 */
export function popOncePerCall(client, { active, filter, build, pop, onError, counts }) {
  return oncePerCall(client, (dialog) => {
    if (!active() || !filter(dialog)) return;
    let target;
    try {
      target = build(dialog);
    } catch (err) {
      onError(err);
      return;
    }
    if (!target) return;
    counts.pops++;
    pop(target, dialog);
  });
}

/**
 * What both adapters start from, after checking client and agent (who
 * names the adapter in errors): counts (clicks, calls, pops, errors and
 * extra's), the agent, popFilter (shouldPop, default every call that is
 * not internal), fail(err), which counts an error and hands it to
 * onError, whose own throw must not break the adapter, and release(),
 * which takes back the token source.
 *
 * getToken (optional) is the integrator's SSO token source for an adapter
 * that runs in the host page with a softphone frame as its client
 * (connectToSoftphone's handle): it is handed to that softphone, which asks
 * for tokens over postMessage, until release(). A Client of this page takes
 * its token source in createClient's auth.getToken instead.
 */
export function adapterState(who, { client, agentId, extension, shouldPop, onError = defaultOnError, getToken }, extra = {}) {
  checkClient(client, who);
  checkAgent({ agentId, extension }, who);
  let release = () => {};
  if (getToken !== undefined && getToken !== null) {
    if (typeof getToken !== 'function') throw new TypeError('finesse-ha: ' + who + ': getToken must be a function returning a Promise of a token');
    if (typeof client.setTokenSource !== 'function') {
      throw new TypeError('finesse-ha: ' + who + ': getToken is for a softphone frame (connectToSoftphone); ' +
        'a finesse-ha Client takes its token source in createClient({auth: {getToken}})');
    }
    client.setTokenSource(getToken);
    release = () => {
      release = () => {};
      client.setTokenSource(null);
    };
  }
  const counts = { clicks: 0, calls: 0, pops: 0, errors: 0, ...extra };
  return {
    counts,
    agent: { agentId, extension },
    release: () => release(),
    popFilter: shouldPop ?? ((d) => direction(d, extension) !== 'internal'),
    fail(err) {
      counts.errors++;
      try {
        onError(err instanceof Error ? err : new Error(String(err)));
      } catch {
        // the host's error handler must not break the adapter
      }
    },
  };
}

export function checkAgent({ agentId, extension }, who) {
  if (typeof agentId !== 'string' || agentId === '') throw new TypeError('finesse-ha: ' + who + ': agentId must be the Finesse agent id');
  if (typeof extension !== 'string' || extension === '') throw new TypeError('finesse-ha: ' + who + ': extension must be the agent\'s extension');
}

export function checkClient(client, who) {
  if (!client || typeof client.on !== 'function' || typeof client.request !== 'function') {
    throw new TypeError('finesse-ha: ' + who + ': client must be a finesse-ha Client');
  }
}

export function defaultOnError(err) {
  console.error(err);
}
