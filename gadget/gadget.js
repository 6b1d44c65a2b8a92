// finesse-ha gadget bootstrap: wires the desktop follower
// (desktop-follower.js) to finesse.js inside the Finesse desktop and shows
// the desktop's connection, agent state and calls, with call data kept
// across a failover marked. Other scripts of the gadget use
// globalThis.finesseHA, which has the finesse-ha Client API.
//
// Classic script, like desktop-follower.js. It starts itself when the
// container's hub connects (gadgets.HubSettings.onConnect), so the gadget
// needs no inline script and runs under `script-src 'self'`.

(function (root) {
  'use strict';

  var ns = root.finesseHAGadget;
  if (!ns) throw new Error('finesse-ha: load desktop-follower.js before gadget.js');

  /** The desktop's connection in words an agent understands. */
  var CONNECTION_TEXT = {
    connecting: 'Waiting for the desktop…',
    connected: 'Connected',
    reconnecting: 'Desktop reconnecting… calls in progress are not affected',
    'failing-over': 'Desktop switching to the backup Finesse server… calls in progress are not affected',
    disconnected: 'No Finesse server reachable; the desktop keeps trying',
    unauthorized: 'The desktop was signed out (sign-in refused or taken over)',
    closed: 'Signed out',
  };
  var AGENT_TEXT = {
    LOGIN: 'Signing in…', LOGOUT: 'Signed out', NOT_READY: 'Not Ready', READY: 'Ready', RESERVED: 'Call coming in',
    TALKING: 'On a call', HOLD: 'Call on hold', WORK: 'Wrap-up', WORK_READY: 'Wrap-up',
  };
  var CALL_TEXT = { ALERTING: 'Ringing', ACTIVE: 'Connected', HELD: 'On hold', INITIATED: 'Dialling', DROPPED: 'Ended', FAILED: 'Failed' };

  function el(doc, tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function adjustHeight(gadgets) {
    if (gadgets && gadgets.window && typeof gadgets.window.adjustHeight === 'function') gadgets.window.adjustHeight();
  }

  /** callVariable1..10 in numeric order, then ECC variables (user.*) by name. */
  function byVariable(a, b) {
    var na = /^callVariable(\d+)$/.exec(a);
    var nb = /^callVariable(\d+)$/.exec(b);
    if (na && nb) return Number(na[1]) - Number(nb[1]);
    if (na || nb) return na ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * Whether call variable name is among restoredFields. The wasm client
   * names variables as on the wire ("callVariable1"); accept the
   * "callVariables." prefix too.
   */
  function isRestored(fields, name) {
    return fields.indexOf(name) >= 0 || fields.indexOf('callVariables.' + name) >= 0;
  }

  /** Renders the follower's state into the elements of finesse-ha.xml. */
  function render(follower, doc, gadgets, agentId) {
    var reasons = {};
    var lastAgent = null;
    var $ = function (id) { return doc && doc.getElementById(id); };

    function showConnection(e) {
      var node = $('fha-connection');
      if (!node) return;
      node.textContent = CONNECTION_TEXT[e.state] || e.state;
      node.className = 'fha-state fha-' + e.state;
      node.setAttribute('data-state', e.state);
      adjustHeight(gadgets);
    }
    function showAgent(e) {
      lastAgent = e;
      var node = $('fha-agent');
      if (!node || !e || !e.state) return;
      var text = AGENT_TEXT[e.state] || e.state;
      if (e.state === 'NOT_READY' && e.reasonCode) text += ' — ' + (reasons[e.reasonCode] || 'reason ' + e.reasonCode);
      if (e.forcedLogout) text = 'Signed out by Finesse (forced logout)';
      node.textContent = text;
      node.setAttribute('data-state', e.state);
      node.setAttribute('data-reason', e.reasonCode || '');
    }
    function showCalls() {
      var node = $('fha-calls');
      if (!node || !doc.createElement) return;
      var dialogs = follower.snapshot().dialogs;
      while (node.firstChild) node.removeChild(node.firstChild);
      if (dialogs.length === 0) node.appendChild(el(doc, 'span', 'fha-muted', 'none'));
      dialogs.forEach(function (d) {
        var item = el(doc, 'div', 'fha-call');
        item.setAttribute('data-call-key', d.callKey);
        item.setAttribute('data-state', d.state);
        var head = el(doc, 'div', 'fha-call-head');
        head.appendChild(el(doc, 'strong', '', d.ani || d.fromAddress || 'Unknown caller'));
        head.appendChild(el(doc, 'span', 'fha-muted', ' ' + (CALL_TEXT[d.state] || d.state)));
        item.appendChild(head);
        if (d.restored) item.appendChild(el(doc, 'div', 'fha-restored-note', 'Call data kept from before the server switch (★): the backup server lost it.'));
        var names = Object.keys(d.callVariables).sort(byVariable);
        if (names.length) {
          var dl = el(doc, 'dl', 'fha-vars');
          names.forEach(function (name) {
            var restored = isRestored(d.restoredFields, name);
            var dt = el(doc, 'dt', restored ? 'fha-restored' : '', name.replace(/^user\./, ''));
            var dd = el(doc, 'dd', restored ? 'fha-restored' : '', d.callVariables[name] + (restored ? ' ★' : ''));
            dd.setAttribute('data-var', name);
            dd.setAttribute('data-restored', String(restored));
            if (restored) dd.title = 'Kept from before the server switch: the backup server lost this value';
            dl.appendChild(dt);
            dl.appendChild(dd);
          });
          item.appendChild(dl);
        }
        node.appendChild(item);
      });
      adjustHeight(gadgets);
    }
    // Reason labels for "Not Ready — Lunch": the server's list, through
    // the desktop's request path.
    function loadReasons() {
      follower.request('GET', '/finesse/api/User/' + encodeURIComponent(agentId) + '/ReasonCodes?category=NOT_READY').then(function (res) {
        if (res.status !== 200) return;
        var re = /<ReasonCode>([\s\S]*?)<\/ReasonCode>/g;
        var m;
        while ((m = re.exec(res.body)) !== null) {
          var code = /<code>([^<]*)<\/code>/.exec(m[1]);
          var label = /<label>([^<]*)<\/label>/.exec(m[1]);
          if (code && label) reasons[code[1]] = label[1].replace(/&amp;/g, '&');
        }
        showAgent(lastAgent);
      }, function () { /* labels are a nicety: codes stay shown */ });
    }
    var snap = follower.snapshot();
    showConnection(snap.connection);
    if (snap.agent && snap.agent.state) showAgent(snap.agent);
    showCalls();
    follower.on('connection', function (e) {
      showConnection(e);
      if (e.state === 'connected') loadReasons();
    });
    follower.on('agent', showAgent);
    follower.on('dialog', showCalls);
  }

  /**
   * Starts the gadget (once). env defaults to the page's globals; tests
   * pass stubs. Returns the follower.
   */
  function start(env) {
    env = env || root;
    if (env.finesseHA) return env.finesseHA;
    var finesse = env.finesse;
    var gadgets = env.gadgets;
    var cfg = finesse.gadget.Config;
    var cs = finesse.clientservices.ClientServices;
    // Not master (false): the desktop owns the notification connection.
    cs.init(cfg, false);
    var follower = ns.createDesktopFollower({
      hub: gadgets.Hub,
      finesse: finesse,
      agentId: String(cfg.id),
      host: cfg.host,
      makeRequest: function (url, handler, params) { cs.makeRequest(url, handler, params); },
      io: gadgets.io,
    });
    render(follower, env.document, gadgets, String(cfg.id));
    env.finesseHA = follower;
    return follower;
  }

  root.finesseHAGadget = Object.freeze(Object.assign({}, ns, { start: start }));

  // In the desktop, start when the container's hub connects; a gadget that
  // sets its own onConnect keeps it (and calls start itself).
  var hubSettings = root.gadgets && root.gadgets.HubSettings;
  if (hubSettings && !hubSettings.onConnect) {
    hubSettings.onConnect = function () { start(); };
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
