// finesse-ha gadget bootstrap: wires the desktop follower
// (desktop-follower.js) to finesse.js inside the Finesse desktop and shows
// the desktop's connection, agent state and calls. Other scripts of the
// gadget use globalThis.finesseHA, which has the finesse-ha Client API.
//
// Classic script, like desktop-follower.js; finesse-ha.xml calls
// finesseHAGadget.start() from gadgets.HubSettings.onConnect.

(function (root) {
  'use strict';

  var ns = root.finesseHAGadget;
  if (!ns) throw new Error('finesse-ha: load desktop-follower.js before gadget.js');

  function text(doc, id, value) {
    var el = doc && doc.getElementById(id);
    if (el) el.textContent = value;
    return el;
  }

  function adjustHeight(gadgets) {
    if (gadgets && gadgets.window && typeof gadgets.window.adjustHeight === 'function') gadgets.window.adjustHeight();
  }

  /** Renders the follower's state into the elements of finesse-ha.xml. */
  function render(follower, doc, gadgets) {
    function showConnection(e) {
      var el = text(doc, 'fha-connection', e.state + (e.reason ? ' (' + e.reason + ')' : ''));
      if (el) el.className = 'fha-state fha-' + e.state;
    }
    function showAgent(e) {
      text(doc, 'fha-agent', e.state + (e.forcedLogout ? ' (forced logout)' : '') + (e.previous ? ', was ' + e.previous : ''));
    }
    function showCalls() {
      var dialogs = follower.snapshot().dialogs;
      text(doc, 'fha-calls', dialogs.length === 0 ? 'none' : dialogs.map(function (d) {
        return d.state + ' ' + (d.ani || d.fromAddress) + (d.restored ? ' (call data restored)' : '');
      }).join('; '));
      adjustHeight(gadgets);
    }
    var snap = follower.snapshot();
    showConnection(snap.connection);
    if (snap.agent && snap.agent.state) showAgent(snap.agent); // null until the User has loaded
    showCalls();
    follower.on('connection', showConnection);
    follower.on('agent', showAgent);
    follower.on('dialog', showCalls);
  }

  /**
   * Starts the gadget. env defaults to the page's globals; tests pass stubs.
   * Returns the follower.
   */
  function start(env) {
    env = env || root;
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
    render(follower, env.document, gadgets);
    env.finesseHA = follower;
    return follower;
  }

  root.finesseHAGadget = Object.freeze(Object.assign({}, ns, { start: start }));
})(typeof globalThis !== 'undefined' ? globalThis : this);
