// finesse-ha CRM softphone: the page a CRM frames as its CTI panel
// (Dynamics 365 CIF "Channel URL", Salesforce Open CTI "reqAdapterUrl", or
// any page through the postMessage bridge). Here the library owns the
// connection to Finesse (SPEC §4 Hosts), unlike the Finesse gadget.
//
// softphone.html holds the deployment's configuration as JSON and imports
// this module; the split keeps startSoftphone testable without a DOM.

import { createPostMessageBridge } from './postmessage-bridge.js';
import { attachDynamicsCIF, waitForCIFInit } from './adapters/dynamics-cif.js';
import { attachSalesforceOpenCTI } from './adapters/salesforce-opencti.js';
import { makeCall, escapeXML } from './adapters/common.js';

const HOSTS = ['standalone', 'dynamics', 'salesforce'];
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
  return { ...cfg, host, allowedOrigins };
}

/** Client options from the configuration and what the agent typed. */
export function clientOptions(config, { agentId, extension, password, token }) {
  const options = {};
  for (const key of PASS_THROUGH) if (config[key] !== undefined) options[key] = config[key];
  options.agent = { id: agentId, extension };
  options.auth = token ? { token } : { username: agentId, password };
  return options;
}

/**
 * Starts the client and wires the host: the CRM adapter named by
 * config.host, and the postMessage bridge when config.allowedOrigins is not
 * empty. Returns {client, adapter, bridge, stop()}.
 *   cifReady   waitForCIFInit()'s promise, started before anything awaited
 *   hosts      adapter functions by host name (tests pass stubs)
 */
export async function startSoftphone({
  createClient, config, credentials, window: win = globalThis, cifReady,
  hosts = { dynamics: attachDynamicsCIF, salesforce: attachSalesforceOpenCTI },
}) {
  const client = await createClient(clientOptions(config, credentials));
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
// The page. Everything below touches the DOM; the logic above does not.

const STATE_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'failing-over': 'Switching to the other Finesse side…',
  disconnected: 'No Finesse side reachable; retrying',
  unauthorized: 'Sign-in refused',
  closed: 'Signed out',
};

/**
 * Mounts the softphone on softphone.html's elements: reads the
 * configuration, shows the sign-in form, and after sign-in the live state.
 */
export function mountSoftphone({ createClient, document: doc, window: win }) {
  const $ = (id) => doc.getElementById(id);
  let config;
  try {
    config = parseConfig($('finesse-ha-config').textContent);
  } catch (err) {
    $('fha-error').textContent = err.message;
    return;
  }
  // CIF raises CIFInitDone once; listen before the first await.
  const cifReady = config.host === 'dynamics' ? waitForCIFInit({ window: win }) : undefined;
  if (cifReady) cifReady.catch((err) => { $('fha-error').textContent = err.message; });

  $('fha-login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const credentials = {
      agentId: form.agentId.value.trim(),
      extension: form.extension.value.trim(),
      password: form.password.value,
    };
    form.password.value = '';
    $('fha-error').textContent = '';
    form.hidden = true;
    $('fha-phone').hidden = false;
    try {
      const phone = await startSoftphone({ createClient, config, credentials, window: win, cifReady });
      renderPhone(doc, phone, credentials);
    } catch (err) {
      $('fha-error').textContent = err.message;
      form.hidden = false;
      $('fha-phone').hidden = true;
    }
  });
}

function renderPhone(doc, { client, stop }, agent) {
  const $ = (id) => doc.getElementById(id);
  const agentURL = '/finesse/api/User/' + encodeURIComponent(agent.agentId);
  const report = (err) => { $('fha-error').textContent = err.message; };

  const showConnection = (e) => {
    $('fha-connection').textContent = (STATE_TEXT[e.state] || e.state) + (e.side ? ' (side ' + e.side + ')' : '');
    $('fha-connection').dataset.state = e.state;
  };
  const showAgent = (e) => {
    $('fha-agent').textContent = e.state + (e.forcedLogout ? ' (logged out by the old side)' : '');
    // After a failover the previous state lets the agent go back with one click.
    $('fha-restore').hidden = !(e.previous === 'READY' && e.state === 'NOT_READY');
  };
  const showCalls = () => {
    const list = $('fha-calls');
    list.replaceChildren(...client.snapshot().dialogs.map((d) => {
      const li = doc.createElement('li');
      li.textContent = d.state + ' ' + (d.ani || d.fromAddress) + ' → ' + d.toAddress +
        (d.restored ? ' (call data restored)' : '');
      for (const action of ['ANSWER', 'DROP']) {
        const b = doc.createElement('button');
        b.textContent = action === 'ANSWER' ? 'Answer' : 'Hang up';
        b.addEventListener('click', () => {
          client.request('PUT', '/finesse/api/Dialog/' + encodeURIComponent(d.id),
            '<Dialog><targetMediaAddress>' + escapeXML(agent.extension) + '</targetMediaAddress>' +
            '<requestedAction>' + action + '</requestedAction></Dialog>').catch(report);
        });
        li.append(' ', b);
      }
      return li;
    }));
  };
  const setState = (state) => client
    .request('PUT', agentURL, '<User><state>' + state + '</state></User>')
    .catch(report);

  const snap = client.snapshot();
  showConnection(snap.connection);
  if (snap.agent) showAgent(snap.agent); // null until the User has been read
  showCalls();
  client.on('connection', showConnection);
  client.on('agent', showAgent);
  client.on('dialog', showCalls);
  client.on('error', report);
  $('fha-ready').addEventListener('click', () => setState('READY'));
  $('fha-restore').addEventListener('click', () => setState('READY'));
  $('fha-notready').addEventListener('click', () => setState('NOT_READY'));
  $('fha-dial').addEventListener('submit', (ev) => {
    ev.preventDefault();
    makeCall(client, agent, ev.target.number.value).catch(report);
  });
  $('fha-signout').addEventListener('click', () => { stop().catch(report); });
}
