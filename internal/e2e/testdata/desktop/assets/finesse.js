// Stand-in of the desktop's finesse.js and the gadget container's
// gadgets.* for the finesse-ha gadget: a classic script, loaded in the
// gadget's iframe from /desktop/assets/js/finesse.js as finesse-ha.xml
// says. Everything comes from the desktop stand-in in the parent window
// (window.parent.finesseDesktop), as the real ones come from the desktop.
(function (root) {
  'use strict';
  var desk = root.parent && root.parent.finesseDesktop;
  if (!desk) throw new Error('stand-in finesse.js: no desktop in the parent window');

  root.gadgets = {
    Hub: desk.hub,
    HubSettings: {},
    io: { RequestParameters: { METHOD: 'METHOD', HEADERS: 'HEADERS', POST_DATA: 'POST_DATA', GET_FULL_HEADERS: 'GET_FULL_HEADERS' } },
    window: { adjustHeight: function () {} },
  };
  root.finesse = {
    gadget: { Config: { id: desk.agentId, host: desk.host } },
    clientservices: {
      ClientServices: {
        init: function (cfg, master) { if (master) throw new Error('a gadget is never the master'); },
        makeRequest: function (url, handler, params) { desk.makeRequest(url, handler, params); },
      },
    },
    restservices: {
      User: function (opts) { desk.watchUser(this, opts); },
    },
  };
  // The container connects the hub after the gadget's scripts ran.
  root.addEventListener('load', function () {
    setTimeout(function () {
      if (typeof root.gadgets.HubSettings.onConnect === 'function') root.gadgets.HubSettings.onConnect();
    }, 0);
  });
})(window);
