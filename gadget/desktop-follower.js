// finesse-ha desktop follower: the finesse-ha client API for code running
// inside the Cisco Finesse desktop, as a gadget.
//
// Why not the wasm client here: the desktop already owns the agent's
// notification session (the `desktop` XMPP resource) and fails over by
// itself. A second session from a gadget would double the agent's presence
// and race the desktop's own failover into conflicts and forced logouts
// (SPEC §4 Hosts). So inside the desktop we *follow*: the connection state
// comes from the desktop's OpenAjax hub topic `finesse.info.connection`
// (published by finesse.js's master ClientServices), agent and call state from
// finesse.js REST objects, and requests go through finesse.js's
// ClientServices.makeRequest (the gadget container's proxy). What a page gets
// has the same shape as createClient's Client: on/off/once, snapshot(),
// history(), request(), close(), and the same event payloads: the Go wire
// types of internal/client, declared in web/index.d.ts. The tests check
// every shape against the JSON those Go types produce
// (internal/client/testdata/wire).
//
// What the follower computes itself, because finesse.js hands it raw
// objects: a call's identity (callKey, the Go client's finesse.Dialog.CallKey)
// and, after a desktop failover, which call data the new side lost
// (restoredFields, with the Go client's field names).
//
// A classic script (no import/export), loaded with <script src> after
// finesse.js, as Cisco's gadget samples load theirs: module scripts resolve
// their imports against URLs that the gadget container may rewrite. It
// defines globalThis.finesseHAGadget.

(function (root) {
  'use strict';

  var TOPIC_CONNECTION = 'finesse.info.connection';
  var TOPIC_REQUESTS = 'finesse.info.requests';
  var EVENT_TYPES = ['connection', 'agent', 'dialog', 'notification', 'error'];
  var HISTORY_LIMIT = 500;

  /**
   * finesse.js connection status -> finesse-ha connection state. The reverse
   * of the table documented in web/index.d.ts (ConnectionState).
   */
  var STATUS_MAP = Object.freeze({
    connecting: 'connecting',
    connected: 'connected',
    recovered: 'connected',
    reconnecting: 'reconnecting',
    failing: 'failing-over',
    disconnected: 'disconnected',
    unauthorized: 'unauthorized',
    // Another session took the desktop's resource; the desktop stops, so this
    // is a stop that needs the agent, like unauthorized.
    conflict: 'unauthorized',
    disconnecting: 'closed',
    unloading: 'closed',
  });

  /** States after which the desktop's view of calls may be stale. */
  var GAP_STATES = { 'reconnecting': true, 'failing-over': true, 'disconnected': true };

  /** The finesse-ha state for a finesse.js status, or '' if unknown. */
  function mapDesktopStatus(status) {
    return Object.prototype.hasOwnProperty.call(STATUS_MAP, status) ? STATUS_MAP[status] : '';
  }

  function deepFreeze(value) {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      Object.keys(value).forEach(function (k) { deepFreeze(value[k]); });
    }
    return value;
  }

  function str(v) {
    return v === undefined || v === null ? '' : String(v);
  }

  /** finesse.js turns a one-element XML list into a scalar: make it a list. */
  function list(v) {
    if (v === undefined || v === null || v === '') return [];
    return Array.isArray(v) ? v : [v];
  }

  function call(obj, method) {
    try {
      return obj && typeof obj[method] === 'function' ? obj[method]() : undefined;
    } catch (e) {
      return undefined; // finesse.js getters throw until the object is loaded
    }
  }

  /** The call key: internal/finesse Dialog.CallKey, checked against callkeys.json. */
  function callKeyOf(id, mp) {
    if (mp.callKeyCallId) {
      return 'ck:' + str(mp.callKeyPrefix) + ':' + str(mp.callKeyCallId) + ':' + str(mp.callKeySequenceNum);
    }
    return 'id:' + str(id);
  }

  /** A finesse.js Dialog as a finesse-ha Dialog (web/index.d.ts Dialog). */
  function toDialog(d) {
    var id = str(call(d, 'getId'));
    var mp = call(d, 'getMediaProperties') || {};
    var data = call(d, 'getData') || {};
    var callVariables = {};
    Object.keys(mp).forEach(function (k) {
      // callVariable1..10 and ECC variables (user.*), as in the XML's
      // callvariables list; the other keys are fixed media properties.
      if (/^callVariable\d+$/.test(k) || /^user/.test(k)) callVariables[k] = str(mp[k]);
    });
    var fromAddress = str(call(d, 'getFromAddress'));
    return {
      id: id,
      callKey: callKeyOf(id, mp),
      state: str(call(d, 'getState')),
      uri: str(data.uri),
      associatedDialogUri: str(data.associatedDialogUri),
      mediaType: str(data.mediaType),
      callType: str(mp.callType),
      fromAddress: fromAddress,
      toAddress: str(call(d, 'getToAddress')),
      // Finesse has no separate ANI field: the calling party is fromAddress.
      ani: fromAddress,
      dnis: str(mp.DNIS),
      dialedNumber: str(mp.dialedNumber),
      queueName: str(mp.queueName),
      queueNumber: str(mp.queueNumber),
      wrapUpReason: str(mp.wrapUpReason),
      callVariables: callVariables,
      restored: false,
      restoredFields: [],
      participants: list(call(d, 'getParticipants')).map(function (p) {
        p = p || {};
        return {
          mediaAddress: str(p.mediaAddress),
          mediaAddressType: str(p.mediaAddressType),
          state: str(p.state),
          startTime: str(p.startTime),
          actions: list(p.actions && p.actions.action).map(str),
        };
      }),
    };
  }

  /** The call data the Go client restores after a failover (failover/calls.go merge), by wire name. */
  var RESTORABLE = ['fromAddress', 'toAddress', 'callType', 'dnis', 'dialedNumber'];

  /**
   * After a failover the server's copy of a call may have lost its data
   * (SPEC §3.5). Keep what we knew, and say so, with the names the Go
   * client uses: the field, or the call variable's own name.
   */
  function restoreFrom(known, fresh) {
    var restored = [];
    RESTORABLE.forEach(function (f) {
      if (fresh[f] === '' && known[f] !== '') {
        fresh[f] = known[f];
        restored.push(f);
      }
    });
    fresh.ani = fresh.fromAddress;
    Object.keys(known.callVariables).forEach(function (name) {
      var v = fresh.callVariables[name];
      if ((v === undefined || v === '') && known.callVariables[name] !== '') {
        fresh.callVariables[name] = known.callVariables[name];
        restored.push(name);
      }
    });
    fresh.restoredFields = restored;
    fresh.restored = restored.length > 0;
    return fresh;
  }

  /** Finesse's "no reason" is -1; the wire says ''. */
  function reasonCode(code) {
    code = str(code);
    return code === '-1' ? '' : code;
  }

  /** The User's reason code (ReasonCode/code, else reasonCodeId), '' when none. */
  function reasonCodeOf(data) {
    if (data.reasonCode && data.reasonCode.code !== undefined) return reasonCode(data.reasonCode.code);
    return reasonCode(data.reasonCodeId);
  }

  /** A finesse.js User as snapshot().agent (web/index.d.ts AgentView). */
  function agentViewOf(user, previous) {
    var data = call(user, 'getData') || {};
    return {
      loginId: str(data.loginId),
      extension: str(data.extension),
      state: str(call(user, 'getState')),
      pendingState: str(data.pendingState),
      reasonCode: reasonCodeOf(data),
      reasonLabel: str(data.reasonCode && data.reasonCode.label),
      previous: previous,
      stateChangeTime: str(data.stateChangeTime),
    };
  }

  function newRequestId() {
    if (root.crypto && typeof root.crypto.randomUUID === 'function') return root.crypto.randomUUID();
    return 'fha-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }

  /** Shindig returns headers as {name: [values]}; flatten to strings. */
  function flattenHeaders(h) {
    var out = {};
    if (h && typeof h === 'object') {
      Object.keys(h).forEach(function (k) {
        out[k] = Array.isArray(h[k]) ? h[k].join(', ') : str(h[k]);
      });
    }
    return out;
  }

  /**
   * Creates a follower of the desktop's connection.
   *
   * deps (all injected, so it runs against stubs in tests):
   *   hub         gadgets.Hub: subscribe(topic, cb(topic, data)) -> id, unsubscribe(id), publish(topic, data)
   *   finesse     the finesse.js namespace (finesse.restservices.User is used)
   *   agentId     the agent's id (finesse.gadget.Config.id)
   *   host        the Finesse host the desktop uses (finesse.gadget.Config.host), for events
   *   makeRequest finesse.clientservices.ClientServices.makeRequest (bound), for request()
   *   io          gadgets.io (for RequestParameters), for request()
   *   now         () => Date, for timestamps (default: the real clock)
   */
  function createDesktopFollower(deps) {
    if (!deps || typeof deps !== 'object') throw new TypeError('finesse-ha: createDesktopFollower(deps): deps must be an object');
    var hub = deps.hub;
    if (!hub || typeof hub.subscribe !== 'function' || typeof hub.publish !== 'function') {
      throw new TypeError('finesse-ha: createDesktopFollower: deps.hub must be gadgets.Hub (subscribe, publish)');
    }
    if (typeof deps.agentId !== 'string' || deps.agentId === '') {
      throw new TypeError('finesse-ha: createDesktopFollower: deps.agentId must be the agent id');
    }
    var now = typeof deps.now === 'function' ? deps.now : function () { return new Date(); };
    var listeners = {};
    EVENT_TYPES.forEach(function (t) { listeners[t] = []; });
    var closed = false;
    var lastStatus = null;
    var attempt = 0;
    var inGap = false;
    var connection = {
      state: 'connecting', side: '', host: str(deps.host), reason: 'start', since: now().toISOString(), attempt: 0,
    };
    var agent = { state: '', reasonCode: '', reasonLabel: '', previous: '', synthetic: false, forcedLogout: false, side: '' };
    var agentView = null; // snapshot().agent: null until the User has loaded
    var calls = new Map(); // callKey -> {dialog, stale}
    var keyById = new Map(); // finesse.js dialog id -> callKey
    var history = [];
    var subscriptions = [];

    function emit(type, event) {
      if (closed && !(type === 'connection' && event.state === 'closed')) return;
      deepFreeze(event);
      listeners[type].slice().forEach(function (fn) {
        try {
          fn(event);
        } catch (err) {
          try { console.error("finesse-ha: '" + type + "' listener threw", err); } catch (e) { /* ignore */ }
          if (type !== 'error') {
            emit('error', { code: 'listener', message: "finesse-ha: a '" + type + "' listener threw: " + (err && err.message ? err.message : String(err)), side: '', requestId: '', fatal: false });
          }
        }
      });
    }

    function record(what, detail) {
      history.push(deepFreeze({ at: now().toISOString(), what: what, side: '', detail: detail }));
      if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
    }

    /** reason is a Reason of web/index.d.ts; detail, for history(), is free text. */
    function setConnection(state, reason, detail) {
      if (state === 'reconnecting' || state === 'failing-over') attempt++;
      else if (state === 'connected') attempt = 0;
      connection = {
        state: state, side: '', host: str(deps.host), reason: reason, since: now().toISOString(),
        attempt: state === 'reconnecting' || state === 'failing-over' ? attempt : 0,
      };
      record(state, detail);
      emit('connection', Object.assign({}, connection));
    }

    function onConnectionInfo(topic, data) {
      var status = data && data.status;
      // finesse.js answers every ConnectionInfoReq, ours and other gadgets',
      // so the same status arrives more than once; only changes count.
      if (typeof status !== 'string' || status === lastStatus) return;
      lastStatus = status;
      var state = mapDesktopStatus(status);
      if (state === '') {
        record('unknown-status', 'desktop status ' + status);
        return;
      }
      if (GAP_STATES[state]) {
        inGap = true;
        calls.forEach(function (c) { c.stale = true; });
      } else if (state === 'connected') {
        inGap = false;
      }
      setConnection(state, status === 'conflict' ? 'conflict' : 'desktop', 'desktop ' + status);
    }

    function onNotification(topic, data) {
      if (!data || typeof data.content !== 'string') return;
      var content = data.content;
      var lt = content.indexOf('<');
      var update = (data.object && data.object.Update) || {};
      emit('notification', {
        node: '/' + topic.split('.').join('/'),
        event: str(update.event),
        source: str(update.source),
        requestId: str(update.requestId),
        xml: lt > 0 ? content.slice(lt) : content,
        side: '',
      });
    }

    function updateAgent(user) {
      var view = agentViewOf(user, agent.state);
      if (view.state === agent.state && view.reasonCode === agent.reasonCode) return;
      agentView = view;
      agent = {
        state: view.state,
        reasonCode: view.reasonCode,
        reasonLabel: view.reasonLabel,
        previous: agent.state,
        synthetic: false,
        forcedLogout: view.state === 'LOGOUT' && view.reasonCode === '255',
        side: '',
      };
      emit('agent', Object.assign({}, agent));
    }

    function dialogChanged(d, action) {
      var fresh = toDialog(d);
      var prev = keyById.get(fresh.id);
      var key = prev || fresh.callKey;
      fresh.callKey = key;
      var known = calls.get(key);
      if (action === 'removed') {
        calls.delete(key);
        keyById.delete(fresh.id);
        if (known) restoreFrom(known.dialog, fresh);
        emit('dialog', { action: 'removed', dialog: fresh, synthetic: false, side: '' });
        return;
      }
      // Keep restoring while the server still lacks what it lost (restored
      // fields stay restored until the server sends them again).
      if (known && (known.stale || known.dialog.restored)) restoreFrom(known.dialog, fresh);
      // A call gets exactly one `added`: finesse.js re-adds dialogs when it
      // refreshes its collections after a failover.
      var kind = known ? 'updated' : 'added';
      calls.set(key, { dialog: fresh, stale: false });
      keyById.set(fresh.id, key);
      emit('dialog', { action: kind, dialog: JSON.parse(JSON.stringify(fresh)), synthetic: false, side: '' });
    }

    function watchDialog(d) {
      if (typeof d.addHandler === 'function') {
        try {
          d.addHandler('change', function () { dialogChanged(d, 'updated'); });
        } catch (e) { /* not loaded: the add event follows */ }
      }
      dialogChanged(d, 'added');
    }

    function onDialogsLoaded(dialogs) {
      var coll = call(dialogs, 'getCollection') || {};
      Object.keys(coll).forEach(function (id) { watchDialog(coll[id]); });
    }

    function startUser() {
      var finesse = deps.finesse;
      if (!finesse || !finesse.restservices || typeof finesse.restservices.User !== 'function') return;
      var user = new finesse.restservices.User({
        id: deps.agentId,
        onLoad: function (u) {
          var self = u || user;
          updateAgent(self);
          self.getDialogs({
            onLoad: onDialogsLoaded,
            onCollectionAdd: watchDialog,
            onCollectionDelete: function (d) { dialogChanged(d, 'removed'); },
          });
        },
        onChange: function (u) { updateAgent(u || user); },
        onError: function (rsp) {
          emit('error', { code: 'user', message: 'finesse-ha: could not read the User from Finesse (HTTP ' + str(rsp && rsp.status) + ')', side: '', requestId: '', fatal: false });
        },
      });
    }

    function on(type, fn) {
      if (!listeners[type]) throw new TypeError('finesse-ha: on(type, listener): type must be one of ' + EVENT_TYPES.join(', ') + '; got ' + JSON.stringify(type));
      if (typeof fn !== 'function') throw new TypeError('finesse-ha: on(' + JSON.stringify(type) + ', listener): listener must be a function');
      listeners[type].push(fn);
      return function () { off(type, fn); };
    }

    function off(type, fn) {
      if (!listeners[type]) throw new TypeError('finesse-ha: off(type, listener): type must be one of ' + EVENT_TYPES.join(', '));
      var i = listeners[type].indexOf(fn);
      if (i >= 0) listeners[type].splice(i, 1);
    }

    function request(method, path, body) {
      return new Promise(function (resolve, reject) {
        if (typeof method !== 'string' || method === '') throw new TypeError('finesse-ha: request(method, path, body): method must be a non-empty string');
        if (typeof path !== 'string' || path.charAt(0) !== '/') throw new TypeError('finesse-ha: request(method, path, body): path must start with "/"');
        if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('finesse-ha: request(method, path, body): body must be a string (XML) or undefined');
        if (typeof deps.makeRequest !== 'function' || !deps.io || !deps.io.RequestParameters) {
          throw new Error('finesse-ha: request needs deps.makeRequest and deps.io (finesse.js ClientServices and gadgets.io)');
        }
        var P = deps.io.RequestParameters;
        var requestId = newRequestId();
        var params = {};
        params[P.METHOD] = method.toUpperCase();
        params[P.HEADERS] = { requestId: requestId };
        // Shindig strips most response headers unless asked not to.
        params[P.GET_FULL_HEADERS] = 'true';
        if (body !== undefined && body !== null) {
          params[P.HEADERS]['Content-Type'] = 'application/xml';
          params[P.POST_DATA] = body;
        }
        deps.makeRequest(encodeURI(path), function (rsp) {
          rsp = rsp || {};
          if (!rsp.rc) {
            reject(new Error('finesse-ha: request ' + method + ' ' + path + ' failed: ' + (list(rsp.errors).join('; ') || 'no response')));
            return;
          }
          var status = Number(rsp.rc);
          var result = {
            status: status, headers: flattenHeaders(rsp.headers), body: str(rsp.text), requestId: requestId, side: '',
            // As the Go client: a 202 is confirmed by its notification, which
            // the follower does not wait for; any other answer is final.
            confirmed: status !== 202,
          };
          if (status < 200 || status > 299) result.error = 'HTTP ' + status;
          resolve(deepFreeze(result));
        }, params);
      });
    }

    function close() {
      if (!closed) {
        closed = true;
        subscriptions.forEach(function (id) {
          try { hub.unsubscribe(id); } catch (e) { /* the hub is going away too */ }
        });
        subscriptions = [];
        connection = { state: 'closed', side: '', host: str(deps.host), reason: 'closed', since: now().toISOString(), attempt: 0 };
        record('closed', 'close()');
        emit('connection', Object.assign({}, connection));
      }
      return Promise.resolve();
    }

    var follower = Object.freeze({
      version: 'desktop-follower',
      on: on,
      off: off,
      once: function (type, fn) {
        if (typeof fn !== 'function') throw new TypeError('finesse-ha: once(' + JSON.stringify(type) + ', listener): listener must be a function');
        var unsubscribe = on(type, function (e) { unsubscribe(); fn(e); });
        return unsubscribe;
      },
      snapshot: function () {
        var dialogs = [];
        calls.forEach(function (c) { dialogs.push(c.dialog); });
        return deepFreeze(JSON.parse(JSON.stringify({
          connection: connection,
          agent: agentView,
          dialogs: dialogs,
          sides: [],
        })));
      },
      history: function () { return deepFreeze(history.slice()); },
      request: request,
      close: close,
      /** Whether the desktop is between a failure and its recovery. */
      inFailover: function () { return inGap; },
    });

    subscriptions.push(hub.subscribe(TOPIC_CONNECTION, onConnectionInfo));
    var userTopic = 'finesse.api.User.' + deps.agentId;
    subscriptions.push(hub.subscribe(userTopic, onNotification));
    subscriptions.push(hub.subscribe(userTopic + '.Dialogs', onNotification));
    // The desktop's master may have connected before this gadget loaded: ask
    // it to publish the current connection info again (as finesse.js does).
    hub.publish(TOPIC_REQUESTS, { type: 'ConnectionInfoReq', data: {}, invokeID: now().getTime() });
    startUser();
    return follower;
  }

  root.finesseHAGadget = Object.freeze({
    createDesktopFollower: createDesktopFollower,
    mapDesktopStatus: mapDesktopStatus,
    STATUS_MAP: STATUS_MAP,
  });
})(typeof globalThis !== 'undefined' ? globalThis : this);
