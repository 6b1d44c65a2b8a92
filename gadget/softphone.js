// finesse-ha CRM softphone: the page a CRM frames as its CTI panel
// (Dynamics 365 CIF "Channel URL", Salesforce Open CTI "reqAdapterUrl", or
// any page through the postMessage bridge). Here the library owns the
// connection to Finesse (SPEC §4 Hosts), unlike the Finesse gadget.
//
// softphone.html holds the deployment's configuration as JSON;
// softphone-main.js imports the package and this module and mounts it. The
// logic above the page part touches no DOM, so node tests run it.

import { CHANNEL, createPostMessageBridge, normalizeOrigins } from './postmessage-bridge.js';
import { attachDynamicsCIF, waitForCIFInit } from './adapters/dynamics-cif.js';
import { attachSalesforceOpenCTI } from './adapters/salesforce-opencti.js';
import { dialable, escapeXML, otherParty } from './adapters/common.js';

const HOSTS = ['standalone', 'dynamics', 'salesforce'];
const TOKEN_SOURCES = ['host'];
const FIRST_TOKEN_MS = 15_000;
const PASS_THROUGH = ['sides', 'transport', 'fallback', 'allowInsecure', 'resource', 'policy', 'wasmURL'];

/**
 * Reads the deployment configuration (the JSON in softphone.html):
 *   {sides, transport, fallback?, allowInsecure?, resource?, policy?, wasmURL?,
 *    host: "standalone" | "dynamics" | "salesforce", allowedOrigins?: [origins]}
 * Only what the softphone itself needs is checked here; the client checks
 * the rest when it starts and names the field.
 */
export function parseConfig(text) {
  let cfg;
  try {
    cfg = JSON.parse(text);
  } catch (err) {
    throw new Error('finesse-ha softphone: the configuration is not valid JSON: ' + err.message);
  }
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new Error('finesse-ha softphone: the configuration must be a JSON object');
  }
  const host = cfg.host ?? 'standalone';
  if (!HOSTS.includes(host)) {
    throw new Error('finesse-ha softphone: config.host must be one of ' + HOSTS.join(', ') + '; got ' + JSON.stringify(host));
  }
  const allowedOrigins = cfg.allowedOrigins ?? [];
  if (!Array.isArray(allowedOrigins)) throw new Error('finesse-ha softphone: config.allowedOrigins must be an array of origins');
  if ('auth' in cfg || 'agent' in cfg) {
    // Credentials in a static file would be readable by anyone who can load the page.
    throw new Error('finesse-ha softphone: config must not hold agent or auth; the agent signs in on the page');
  }
  if (cfg.tokenSource !== undefined) {
    if (!TOKEN_SOURCES.includes(cfg.tokenSource)) {
      throw new Error('finesse-ha softphone: config.tokenSource must be "host" (SSO tokens from the page that frames the softphone) or absent; got ' +
        JSON.stringify(cfg.tokenSource));
    }
    if (allowedOrigins.length === 0) {
      throw new Error('finesse-ha softphone: config.tokenSource "host" needs the host page\'s origin in config.allowedOrigins');
    }
  }
  return { ...cfg, host, allowedOrigins };
}

/** Why the host page gave no token, in the agent's words (the protocol's closed set). */
const HOST_TOKEN_TEXT = Object.freeze({
  'no-token-source': 'it has no token source for the softphone',
  'token-source-failed': 'its sign-in service failed',
  'no-token': 'it gave an empty token',
});

/** What the agent sees when the first token cannot be had. */
export function describeTokenFailure(err) {
  // Only our own words: an integrator's source's message may name secrets.
  return 'Your CRM did not provide a sign-in token (' + (err && err.reason ? err.reason : 'its sign-in service failed') + '). ' +
    'Reload the CRM page or sign in to it again, then click Sign in.';
}

/**
 * The softphone's SSO token source when config.tokenSource is "host": asks
 * the page that frames it (window.parent) over postMessage, the host
 * answering through connectToSoftphone's getToken (postmessage-bridge.js
 * has the protocol). Requests go to the allowlisted origins only (the
 * browser delivers one to the origin the parent has, drops the others), and
 * an answer counts only from the parent window at an allowed origin, with
 * the id of a pending request; anything else is ignored and counted.
 * Returns {getToken(), stats(), close()}. getToken rejects after timeoutMs,
 * or when the host reports a failure, with an Error whose reason is one of
 * a closed set of words: never the host's text, never a token.
 */
export function hostTokenSource({ allowedOrigins, window: win = globalThis, host = win.parent, timeoutMs = FIRST_TOKEN_MS }) {
  const origins = [...normalizeOrigins(allowedOrigins)];
  const counts = { requests: 0, tokens: 0, failures: 0, ignoredOrigin: 0, ignoredMalformed: 0 };
  const pending = new Map();
  let nextId = 1;

  const failure = (reason) => {
    counts.failures++;
    const err = new Error('finesse-ha: the host page gave no sign-in token: ' + reason);
    err.reason = reason;
    return err;
  };

  function onMessage(event) {
    if (!origins.includes(event.origin)) {
      counts.ignoredOrigin++;
      return;
    }
    const msg = event.data;
    // The bridge's commands come from the same origins; they are not ours.
    if (msg === null || typeof msg !== 'object' || msg.channel !== CHANNEL || msg.type !== 'token') return;
    const p = pending.get(msg.id);
    if (!p || event.source !== host) {
      counts.ignoredMalformed++;
      return;
    }
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok === true && typeof msg.token === 'string' && msg.token !== '') {
      counts.tokens++;
      p.resolve(msg.token);
    } else {
      p.reject(failure(HOST_TOKEN_TEXT[msg.error] || 'it refused the request'));
    }
  }
  win.addEventListener('message', onMessage);

  return {
    getToken() {
      if (!host || host === win || typeof host.postMessage !== 'function') {
        return Promise.reject(failure('the softphone is not framed by a CRM page'));
      }
      const id = 't' + nextId++;
      counts.requests++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(failure('it did not answer within ' + Math.round(timeoutMs / 1000) + ' s'));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        for (const origin of origins) {
          try {
            host.postMessage({ channel: CHANNEL, id, type: 'token-request' }, origin);
          } catch {
            // a parent window being replaced; the time-out reports it
          }
        }
      });
    },
    stats: () => ({ ...counts }),
    close() {
      win.removeEventListener('message', onMessage);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(failure('the softphone stopped asking'));
      }
      pending.clear();
    },
  };
}

/**
 * The softphone's SSO token source, or null when the agent signs in with
 * a password: the host page's (config.tokenSource "host", over
 * postMessage), or getToken, the integrator's own (mountSoftphone's option:
 * with host "dynamics" or "salesforce" the framing page is the CRM's, which
 * has none for Finesse, so a deployment passes e.g. a fetch to its own
 * back end that trades the CRM session for an IdS token).
 */
export function tokenSourceFor(config, { getToken, window: win = globalThis } = {}) {
  if (getToken !== undefined && typeof getToken !== 'function') {
    throw new Error('finesse-ha softphone: mountSoftphone\'s getToken must be a function returning a Promise of a token');
  }
  if (getToken && config.tokenSource) {
    throw new Error('finesse-ha softphone: config.tokenSource "host" and mountSoftphone\'s getToken: choose one token source');
  }
  if (config.tokenSource === 'host') return hostTokenSource({ allowedOrigins: config.allowedOrigins, window: win });
  return getToken ? { getToken } : null;
}

/** Client options from the configuration and what the agent typed. */
export function clientOptions(config, { agentId, extension, password, token, getToken }) {
  const options = {};
  for (const key of PASS_THROUGH) if (config[key] !== undefined) options[key] = config[key];
  options.agent = { id: agentId, extension };
  // With a token source the client refreshes the token itself (at 75% of
  // its lifetime, error event token-refresh-failed when that fails).
  if (token) options.auth = getToken ? { token, getToken } : { token };
  else options.auth = { username: agentId, password };
  return options;
}

/**
 * Starts the client and wires the host: the CRM adapter named by
 * config.host, and the postMessage bridge when config.allowedOrigins is not
 * empty. Returns {client, adapter, bridge, stop()}.
 *   cifReady   waitForCIFInit()'s promise, started before anything awaited
 *   hosts      adapter functions by host name (tests pass stubs)
 *   onProgress the loader's progress while the .wasm downloads
 */
export async function startSoftphone({
  createClient, config, credentials, window: win = globalThis, cifReady,
  hosts = { dynamics: attachDynamicsCIF, salesforce: attachSalesforceOpenCTI }, onProgress,
}) {
  const options = clientOptions(config, credentials);
  // The loader's own option: ~1.5 MB of .wasm take a moment on a slow link.
  if (onProgress) options.onProgress = onProgress;
  const client = await createClient(options);
  const agent = { agentId: credentials.agentId, extension: credentials.extension };
  let adapter = null;
  let bridge = null;
  try {
    if (config.host === 'dynamics') {
      adapter = await hosts.dynamics({ client, cif: cifReady, window: win, ...agent });
    } else if (config.host === 'salesforce') {
      adapter = await hosts.salesforce({ client, ...agent });
    }
    if (config.allowedOrigins.length > 0) {
      bridge = createPostMessageBridge({ client, allowedOrigins: config.allowedOrigins, window: win });
    }
  } catch (err) {
    if (adapter) adapter.detach();
    await client.close().catch(() => {});
    throw err;
  }
  return {
    client,
    adapter,
    bridge,
    async stop() {
      if (bridge) bridge.close();
      if (adapter) adapter.detach();
      await client.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Words and parsing for the page, without a DOM (node tests run them).

/** The .wasm's download progress in words: "Loading the phone… 0.6 of 1.5 MB". */
export function describeLoad({ loaded, total }) {
  const mb = (n) => (n / 1e6).toFixed(1);
  return 'Loading the phone… ' + (total ? mb(loaded) + ' of ' + mb(total) + ' MB' : mb(loaded) + ' MB');
}

/** Connection states in words an agent understands. */
export const CONNECTION_TEXT = Object.freeze({
  idle: 'Not signed in',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Connection lost, reconnecting… Calls in progress are not affected.',
  'failing-over': 'Switching to the backup Finesse server… Calls in progress are not affected.',
  disconnected: 'No Finesse server reachable, still trying. Calls in progress are not affected.',
  unauthorized: 'Sign-in refused: check your agent ID and password.',
  closed: 'Signed out',
});

/** Words that differ when the CRM signs the agent in (SSO tokens instead of a password). */
export const SSO_TEXT = Object.freeze({
  unauthorized: 'Sign-in refused: Finesse did not accept the sign-in token from your CRM. Check your agent ID, or sign in to the CRM again.',
  expired: 'Your sign-in token expired and your CRM has not provided a fresh one yet; still trying. Calls in progress are not affected.',
  refreshFailed: 'Your CRM did not provide a fresh sign-in token; trying again shortly. Calls in progress are not affected.',
  missing: 'Enter your agent ID and extension.',
});

const AGENT_TEXT = Object.freeze({
  LOGIN: 'Signing in…',
  LOGOUT: 'Signed out',
  NOT_READY: 'Not Ready',
  READY: 'Ready',
  RESERVED: 'Call coming in',
  RESERVED_OUTBOUND: 'Outbound call reserved',
  RESERVED_OUTBOUND_PREVIEW: 'Outbound call reserved',
  TALKING: 'On a call',
  HOLD: 'Call on hold',
  WORK: 'Wrap-up',
  WORK_READY: 'Wrap-up',
  UNKNOWN: 'Unknown',
});

const CALL_TEXT = Object.freeze({
  ALERTING: 'Ringing',
  INITIATING: 'Dialling',
  INITIATED: 'Dialling',
  ACTIVE: 'Connected',
  HELD: 'On hold',
  WRAP_UP: 'Wrap-up',
  DROPPED: 'Ended',
  FAILED: 'Failed',
});

/** The agent's state in words; reasons maps reason code ids to labels. */
export function describeAgent(agent, reasons = new Map()) {
  if (!agent || !agent.state) return 'Signing in…';
  if (agent.forcedLogout) return 'Signed out by the server (forced logout)';
  let text = AGENT_TEXT[agent.state] || agent.state;
  if (agent.state === 'NOT_READY' && agent.reasonCode) {
    text += ' — ' + (reasons.get(agent.reasonCode) || 'reason ' + agent.reasonCode);
  }
  return text;
}

/**
 * The call's state as this agent lives it: Finesse keeps a held call's
 * dialog ACTIVE and marks only the agent's participant HELD.
 */
export function callState(dialog, extension) {
  const me = dialog.participants.find((p) => p.mediaAddress === extension);
  return me && me.state === 'HELD' ? 'HELD' : dialog.state;
}

/** A call's state in words. */
export function describeCallState(state) {
  return CALL_TEXT[state] || state;
}

function xmlText(s) {
  return s.replace(/&(lt|gt|amp|apos|quot|#(\d+)|#x([0-9a-fA-F]+));/g, (m, name, dec, hex) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[name];
  });
}

function child(xml, name) {
  const m = new RegExp('<' + name + '>([^<]*)</' + name + '>').exec(xml);
  return m ? xmlText(m[1]).trim() : '';
}

/**
 * The reason codes of a Finesse ReasonCodes answer
 * (GET /finesse/api/User/{id}/ReasonCodes?category=NOT_READY), as
 * [{id, code, label}]. Finesse's PUT User takes the id as reasonCodeId.
 * Anything that is not a ReasonCode with an id is skipped.
 */
export function parseReasonCodes(xml) {
  const out = [];
  for (const m of String(xml).matchAll(/<ReasonCode>([\s\S]*?)<\/ReasonCode>/g)) {
    const id = child(m[1], 'id') || (child(m[1], 'uri').match(/\/ReasonCode\/([^/]+)$/) || [])[1] || '';
    if (!id) continue;
    out.push({ id, code: child(m[1], 'code'), label: child(m[1], 'label') || 'Reason ' + id });
  }
  return out;
}

/** What went wrong with a non-2xx request() result, from Finesse's ApiErrors body. */
export function describeFailure(res) {
  const body = String(res.body || '');
  const type = child(body, 'ErrorType');
  const message = child(body, 'ErrorMessage');
  const data = child(body, 'ErrorData');
  const what = [type, message].filter(Boolean).join(': ') || 'no details';
  return what + (data ? ' (' + data + ')' : '') + ', HTTP ' + res.status;
}

/**
 * Runs a client.request and turns every outcome the agent must know about
 * into an Error: a rejection (no side reachable, bad path) and a non-2xx
 * status, which request() resolves with. label names the action.
 */
export async function act(client, label, method, path, body) {
  let res;
  try {
    res = await client.request(method, path, body);
  } catch (err) {
    throw new Error(label + ' failed: ' + err.message.replace(/^finesse-ha: /, ''));
  }
  if (res.status < 200 || res.status > 299) throw new Error(label + ' failed: ' + describeFailure(res));
  return res;
}

/**
 * The buttons a call offers this agent: Finesse's own list (the agent's
 * participant's actions) when the dialog carries it, else by call state.
 */
export function callActions(dialog, extension) {
  const me = dialog.participants.find((p) => p.mediaAddress === extension);
  const offered = me && me.actions.length ? me.actions : ({
    ALERTING: ['ANSWER'], ACTIVE: ['HOLD', 'DROP'], HELD: ['RETRIEVE', 'DROP'], INITIATING: ['DROP'], INITIATED: ['DROP'],
  })[callState(dialog, extension)] || [];
  return ['ANSWER', 'HOLD', 'RETRIEVE', 'DROP'].filter((a) => offered.includes(a));
}

const ACTION_TEXT = { ANSWER: 'Answer', HOLD: 'Hold', RETRIEVE: 'Resume', DROP: 'Hang up' };

// ---------------------------------------------------------------------------
// The page. Everything below touches the DOM.

/**
 * Mounts the softphone on softphone.html's elements: reads the
 * configuration, takes over the sign-in form, and after sign-in shows the
 * live state. Returns {signOut()} for tests and hosts.
 */
export function mountSoftphone({ createClient, document: doc, window: win, getToken: pageTokenSource }) {
  const $ = (id) => doc.getElementById(id);
  const ui = pageUI(doc);
  let config;
  let tokens; // SSO: {getToken} from the host page or the integrator's own, else null
  try {
    config = parseConfig($('finesse-ha-config').textContent);
    tokens = tokenSourceFor(config, { getToken: pageTokenSource, window: win });
  } catch (err) {
    ui.error(err.message);
    return { signOut: async () => {} };
  }
  const sso = tokens !== null;
  if (sso) {
    // The CRM signs the agent in: no password to type.
    $('finesse-ha-softphone').dataset.auth = 'sso';
    for (const el of [$('fha-password'), doc.querySelector('label[for="fha-password"]')]) {
      if (el) el.hidden = true;
    }
    $('fha-password').disabled = true;
  }
  // CIF raises CIFInitDone once; listen before the first await.
  const cifReady = config.host === 'dynamics' ? waitForCIFInit({ window: win }) : undefined;
  if (cifReady) cifReady.catch((err) => ui.error(err.message));

  let session = null; // the running phone: one at a time
  let busy = false;

  async function signOut({ logout = true } = {}) {
    const s = session;
    session = null;
    if (!s) return;
    await s.end(logout);
    ui.phase('signed-out');
  }

  const form = $('fha-login');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    let started = null;
    const credentials = {
      agentId: $('fha-agent-id').value.trim(),
      extension: $('fha-extension').value.trim(),
      password: sso ? '' : $('fha-password').value,
    };
    // The password lives on only in the client's memory.
    $('fha-password').value = '';
    ui.error('');
    try {
      if (!credentials.agentId || !credentials.extension || (!sso && !credentials.password)) {
        throw new Error(sso ? SSO_TEXT.missing : 'Enter your agent ID, extension and password.');
      }
      // A second sign-in must never leave the first client running: two
      // clients for one agent fight over its session.
      await signOut({ logout: false });
      ui.phase('signing-in');
      if (sso) {
        // The first token before the client: without one there is nothing
        // to sign in with. Later ones the client asks for on its schedule.
        let timer;
        try {
          // The host page's source times out itself; an integrator's may hang.
          credentials.token = await Promise.race([tokens.getToken(), new Promise((resolve, reject) => {
            timer = setTimeout(() => reject(Object.assign(new Error('no token'), { reason: 'it did not answer within 15 s' })), FIRST_TOKEN_MS);
          })]);
        } catch (err) {
          throw new Error(describeTokenFailure(err));
        } finally {
          clearTimeout(timer);
        }
        if (typeof credentials.token !== 'string' || credentials.token === '') {
          throw new Error(describeTokenFailure({ reason: 'it gave an empty token' }));
        }
        credentials.getToken = tokens.getToken;
      }
      const phone = await startSoftphone({
        createClient, config, credentials, window: win, cifReady, onProgress: (p) => ui.loading(p),
      });
      started = runPhone(doc, ui, phone, { agentId: credentials.agentId, extension: credentials.extension, sso }, () => {
        if (session && session.phone === phone) session = null;
      });
      session = started;
      await started.signIn();
    } catch (err) {
      // Refused credentials fail the LOGIN too; say what the agent can fix.
      ui.error(started && started.refused() ? (sso ? SSO_TEXT.unauthorized : CONNECTION_TEXT.unauthorized) : err.message);
      if (session) await signOut({ logout: false });
      ui.phase('signed-out');
    } finally {
      busy = false;
    }
  });
  $('fha-signout').addEventListener('click', () => { signOut().catch((err) => ui.error(err.message)); });
  // The form is ours now: until this line its button is disabled, so a page
  // whose script did not load cannot submit it natively.
  $('fha-signin').disabled = false;
  ui.phase('signed-out');
  return { signOut };
}

/** The page's shared elements: phase, error and notice lines, connection line. */
function pageUI(doc) {
  const $ = (id) => doc.getElementById(id);
  const line = (id) => (text) => {
    $(id).textContent = text;
    $(id).hidden = !text;
  };
  return {
    error: line('fha-error'),
    notice: line('fha-notice'),
    phase(p) {
      $('finesse-ha-softphone').dataset.phase = p;
      $('fha-login').hidden = p === 'signed-in';
      $('fha-phone').hidden = p !== 'signed-in';
      $('fha-signin').disabled = p === 'signing-in';
      if (p === 'signed-out') this.connection({ state: 'idle', side: '' });
      if (p === 'signing-in') this.connection({ state: 'connecting', side: '' });
    },
    loading(p) {
      // Only while nothing else is on the line: a client already connecting wins.
      const el = $('fha-connection');
      if (el.dataset.state !== 'connecting') return;
      el.textContent = describeLoad(p);
      el.dataset.loaded = String(p.loaded);
    },
    connection(e) {
      const el = $('fha-connection');
      el.textContent = (CONNECTION_TEXT[e.state] || e.state) + (e.state === 'connected' && e.side ? ' · server ' + e.side : '');
      el.dataset.state = e.state;
      el.dataset.side = e.side || '';
    },
  };
}

/**
 * Wires one signed-in client to the page. Returns {phone, signIn(),
 * end(logout)}; onGone runs when the client stops on its own (refused).
 */
function runPhone(doc, ui, phone, agent, onGone) {
  const $ = (id) => doc.getElementById(id);
  const { client } = phone;
  const agentURL = '/finesse/api/User/' + encodeURIComponent(agent.agentId);
  const reasons = new Map();
  const cleanups = [];
  let lastAgent = null;
  let wasFailingOver = false;
  let ended = false;
  let refused = false;
  let waitingForToken = false; // SSO: the expired-token words are on the error line

  const run = (label, method, path, body) => act(client, label, method, path, body)
    .then((res) => { ui.error(''); return res; }, (err) => { ui.error(err.message); throw err; });
  const listen = (el, type, fn) => {
    el.addEventListener(type, fn);
    cleanups.push(() => el.removeEventListener(type, fn));
  };

  const showAgent = (a) => {
    lastAgent = a;
    const el = $('fha-agent');
    el.textContent = describeAgent(a, reasons);
    el.dataset.state = a ? a.state : '';
    el.dataset.reason = a ? a.reasonCode : '';
    $('fha-agent-detail').textContent = a && a.synthetic ? 'found after reconnecting' : '';
    const state = a ? a.state : '';
    $('fha-ready').disabled = !state || state === 'READY' || state === 'LOGOUT';
    $('fha-notready').disabled = !state || state === 'LOGOUT';
    // Signed out under a running client (a forced logout, a supervisor):
    // one click signs in to Finesse again.
    $('fha-relogin').hidden = state !== 'LOGOUT';
  };

  const showCalls = () => {
    const dialogs = client.snapshot().dialogs;
    $('fha-nocalls').hidden = dialogs.length > 0;
    $('fha-calls').replaceChildren(...dialogs.map((d) => callItem(doc, d, agent.extension, (action) =>
      run(ACTION_TEXT[action], 'PUT', '/finesse/api/Dialog/' + encodeURIComponent(d.id),
        '<Dialog><targetMediaAddress>' + escapeXML(agent.extension) + '</targetMediaAddress>' +
        '<requestedAction>' + action + '</requestedAction></Dialog>').catch(() => {}))));
  };

  const showConnection = (e) => {
    ui.connection(e);
    if (e.state === 'failing-over') wasFailingOver = true;
    if (e.state === 'connected' && wasFailingOver) {
      wasFailingOver = false;
      ui.notice('Moved to the backup Finesse server (' + e.side + '). Your calls and status were kept.');
    } else if (e.state !== 'connected') {
      ui.notice('');
    }
    // SSO: an expired token is a wait for the next one (the client keeps
    // asking the token source), not a refusal to end the session on.
    if (e.state === 'unauthorized' && agent.sso && e.reason === 'token-expired') {
      ui.error(SSO_TEXT.expired);
      waitingForToken = true;
      return;
    }
    if (e.state === 'connected' && waitingForToken) {
      waitingForToken = false;
      ui.error('');
    }
    if (e.state === 'unauthorized') refused = true;
    if (e.state === 'unauthorized' && !ended) {
      ui.error(agent.sso ? SSO_TEXT.unauthorized : CONNECTION_TEXT.unauthorized);
      end(false).then(() => ui.phase('signed-out'));
    }
  };

  cleanups.push(client.on('connection', showConnection));
  cleanups.push(client.on('agent', showAgent));
  cleanups.push(client.on('dialog', showCalls));
  cleanups.push(client.on('error', (e) => ui.error(e.code === 'token-refresh-failed' ? SSO_TEXT.refreshFailed : e.message)));

  listen($('fha-ready'), 'click', () => run('Ready', 'PUT', agentURL, '<User><state>READY</state></User>').catch(() => {}));
  listen($('fha-notready'), 'click', () => {
    const id = $('fha-reason').value;
    run('Not Ready', 'PUT', agentURL, '<User><state>NOT_READY</state>' +
      (id ? '<reasonCodeId>' + escapeXML(id) + '</reasonCodeId>' : '') + '</User>').catch(() => {});
  });
  listen($('fha-dial'), 'submit', (ev) => {
    ev.preventDefault();
    let to;
    try {
      to = dialable($('fha-number').value);
    } catch (err) {
      ui.error(err.message.replace(/^finesse-ha: /, ''));
      return;
    }
    // A POST: the client never retries it on its own, so one click dials at most once.
    run('Call to ' + to, 'POST', agentURL + '/Dialogs', '<Dialog><requestedAction>MAKE_CALL</requestedAction>' +
      '<fromAddress>' + escapeXML(agent.extension) + '</fromAddress><toAddress>' + escapeXML(to) + '</toAddress></Dialog>').catch(() => {});
  });
  listen($('fha-relogin'), 'click', () => login().catch(() => {}));

  const login = () => run('Sign-in', 'PUT', agentURL,
    '<User><state>LOGIN</state><extension>' + escapeXML(agent.extension) + '</extension></User>');

  const snap = client.snapshot();
  showConnection(snap.connection);
  showAgent(snap.agent); // null until the first User arrives
  showCalls();
  $('fha-who').textContent = 'Agent ' + agent.agentId + ' · extension ' + agent.extension;
  ui.phase('signed-in');

  async function loadReasons() {
    const res = await run('Loading the Not Ready reasons', 'GET', agentURL + '/ReasonCodes?category=NOT_READY');
    const list = parseReasonCodes(res.body);
    reasons.clear();
    for (const r of list) reasons.set(r.id, r.label);
    $('fha-reason').replaceChildren(new Option('Not Ready reason…', ''), ...list.map((r) => new Option(r.label, r.id)));
    showAgent(lastAgent);
  }

  async function end(logout) {
    if (ended) return;
    ended = true;
    onGone();
    if (logout && lastAgent && lastAgent.state && lastAgent.state !== 'LOGOUT') {
      await run('Signing out of Finesse', 'PUT', agentURL, '<User><state>LOGOUT</state></User>').catch(() => {});
    }
    for (const c of cleanups.splice(0)) c();
    $('fha-calls').replaceChildren();
    $('fha-reason').replaceChildren(new Option('Not Ready reason…', ''));
    ui.notice('');
    await phone.stop();
  }

  return {
    phone,
    end,
    refused: () => refused,
    async signIn() {
      // Finesse's sign-in is a state change with the extension (the
      // desktop's own LOGIN); on a signed-in agent it keeps the state.
      await login();
      await loadReasons().catch(() => {});
    },
  };
}

/** callVariable1..10 in numeric order, then ECC variables (user.*) by name. */
export function byVariable(a, b) {
  const n = (s) => (/^callVariable(\d+)$/.exec(s) || [])[1];
  const na = n(a);
  const nb = n(b);
  if (na && nb) return Number(na) - Number(nb);
  if (na || nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One call as a list item: who, state, call data (restored values marked), actions. */
function callItem(doc, d, extension, onAction) {
  const el = (tag, cls, text) => {
    const e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const restored = new Set(d.restoredFields);
  const li = el('li', 'fha-call');
  li.dataset.callKey = d.callKey;
  const state = callState(d, extension);
  li.dataset.state = state;
  const head = el('div', 'fha-call-head');
  const who = el('strong', 'fha-call-who', otherParty(d, extension) || 'Unknown caller');
  if (restored.has('fromAddress') || restored.has('toAddress')) who.classList.add('fha-restored');
  head.append(who, el('span', 'fha-call-state', describeCallState(state)));
  li.append(head);
  if (d.restored) {
    li.append(el('p', 'fha-restored-note', 'Call data kept from before the server switch (marked ★): the backup server lost it.'));
  }
  const names = Object.keys(d.callVariables).sort(byVariable);
  if (names.length) {
    const dl = el('dl', 'fha-vars');
    for (const name of names) {
      const dt = el('dt', '', name.replace(/^user\./, ''));
      const dd = el('dd', '', d.callVariables[name]);
      dd.dataset.var = name;
      if (restored.has(name)) {
        dt.classList.add('fha-restored');
        dd.classList.add('fha-restored');
        dd.dataset.restored = 'true';
        dd.title = 'Kept from before the server switch: the backup server lost this value';
        dd.append(el('span', 'fha-star', ' ★'));
      }
      dl.append(dt, dd);
    }
    li.append(dl);
  }
  const actions = el('div', 'fha-call-actions');
  for (const action of callActions(d, extension)) {
    const b = el('button', action === 'ANSWER' ? 'fha-primary' : action === 'DROP' ? 'fha-danger' : '', ACTION_TEXT[action]);
    b.type = 'button';
    b.dataset.action = action;
    b.addEventListener('click', () => onAction(action));
    actions.append(b);
  }
  li.append(actions);
  return li;
}
