// The Finesse desktop stand-in (see index.html). Like the real desktop it
// owns the agent's session and fails over by itself (here a finesse-ha
// client plays that part), publishes its connection status on the hub
// topic finesse.info.connection in finesse.js's words, and gives gadgets
// finesse.js objects built from what Finesse REST serves (so after a
// failover a gadget sees exactly what the new side serves, lost call data
// included: finesse.js does not keep it).
import { createClient } from '/finesse-ha/index.js';

const $ = (id) => document.getElementById(id);
const config = JSON.parse($('desktop-config').textContent);

// finesse-ha connection state -> finesse.js status (web/index.d.ts table).
const STATUS = {
  connecting: 'connecting', reconnecting: 'reconnecting', 'failing-over': 'failing', disconnected: 'disconnected',
  unauthorized: 'unauthorized', closed: 'disconnecting',
};

function hubOf() {
  const subs = new Map();
  let next = 1;
  return {
    subscribe(topic, cb) {
      const id = 'sub' + next++;
      subs.set(id, { topic, cb });
      return id;
    },
    unsubscribe(id) { subs.delete(id); },
    publish(topic, data) {
      // Delivered asynchronously and to every subscriber, as OpenAjax does.
      setTimeout(() => {
        for (const { topic: t, cb } of [...subs.values()]) if (t === topic) cb(topic, data);
      }, 0);
    },
  };
}

const kids = (node, name) => (node ? [...node.children].filter((c) => c.localName === name) : []);
const kid = (node, name) => kids(node, name)[0] || null;
const text = (node, name) => (kid(node, name) || { textContent: '' }).textContent;

/** Finesse Dialogs XML -> plain records for the finesse.js stand-ins. */
function parseDialogs(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  return [...doc.getElementsByTagName('Dialog')].map((d) => {
    const mpNode = kid(d, 'mediaProperties');
    const mp = {};
    for (const c of mpNode ? mpNode.children : []) {
      if (c.localName === 'callvariables') {
        for (const cv of kids(c, 'CallVariable')) mp[text(cv, 'name')] = text(cv, 'value');
      } else if (c.children.length === 0) {
        mp[c.localName] = c.textContent;
      }
    }
    const participants = kids(kid(d, 'participants'), 'Participant').map((p) => ({
      mediaAddress: text(p, 'mediaAddress'), state: text(p, 'state'),
      actions: { action: kids(kid(p, 'actions'), 'action').map((a) => a.textContent) },
    }));
    return {
      id: text(d, 'id'), from: text(d, 'fromAddress'), to: text(d, 'toAddress'), state: text(d, 'state'), mp, participants,
      key: new XMLSerializer().serializeToString(d),
    };
  });
}

function startDesktop(client, agent) {
  const hub = hubOf();
  let status = 'connecting';
  let gap = false;
  const users = [];
  const dialogWatchers = [];
  const dialogs = new Map(); // id -> finesse.js Dialog stand-in
  let user = { state: '', code: '' };
  let loaded = false;

  const publishStatus = () => hub.publish('finesse.info.connection', { status });
  hub.subscribe('finesse.info.requests', (topic, req) => {
    if (req && req.type === 'ConnectionInfoReq') publishStatus();
  });

  function dialogObject(rec) {
    const handlers = [];
    const obj = {
      rec,
      getId: () => obj.rec.id,
      getState: () => obj.rec.state,
      getFromAddress: () => obj.rec.from,
      getToAddress: () => obj.rec.to,
      getMediaProperties: () => ({ ...obj.rec.mp }),
      getParticipants: () => obj.rec.participants,
      addHandler: (type, fn) => { if (type === 'change') handlers.push(fn); },
      changed: () => handlers.forEach((fn) => fn(obj)),
    };
    return obj;
  }

  // Re-reads the User and the Dialogs from the side in use, as finesse.js
  // does on an update and after a failover, and tells the gadgets.
  let refreshing = Promise.resolve();
  function refresh() {
    refreshing = refreshing.then(async () => {
      const base = '/finesse/api/User/' + encodeURIComponent(agent.id);
      const u = await client.request('GET', base);
      if (u.status === 200) {
        const doc = new DOMParser().parseFromString(u.body, 'application/xml').documentElement;
        const next = { state: text(doc, 'state'), code: text(kid(doc, 'ReasonCode'), 'code') };
        const changed = next.state !== user.state || next.code !== user.code;
        user = next;
        $('desk-state').textContent = user.state + (user.code ? ' (' + user.code + ')' : '');
        for (const w of users) {
          if (!w.loaded) {
            w.loaded = true;
            w.opts.onLoad(w.obj);
          } else if (changed) {
            w.opts.onChange(w.obj);
          }
        }
      }
      const ds = await client.request('GET', base + '/Dialogs');
      if (ds.status !== 200) return;
      const seen = new Set();
      for (const rec of parseDialogs(ds.body)) {
        seen.add(rec.id);
        const known = dialogs.get(rec.id);
        if (!known) {
          const obj = dialogObject(rec);
          dialogs.set(rec.id, obj);
          if (loaded) dialogWatchers.forEach((cbs) => cbs.onCollectionAdd(obj));
        } else if (known.rec.key !== rec.key) {
          known.rec = rec;
          known.changed();
        }
      }
      for (const [id, obj] of dialogs) {
        if (!seen.has(id)) {
          dialogs.delete(id);
          dialogWatchers.forEach((cbs) => cbs.onCollectionDelete(obj));
        }
      }
      if (!loaded) {
        loaded = true;
        const coll = () => Object.fromEntries(dialogs);
        dialogWatchers.forEach((cbs) => cbs.onLoad({ getCollection: coll }));
      }
    }).catch((err) => { $('desk-error').textContent = 'desktop refresh: ' + err.message; });
    return refreshing;
  }

  client.on('connection', (e) => {
    $('desk-status').textContent = e.state + (e.side ? ' on side ' + e.side : '');
    if (e.state === 'connected') {
      status = gap ? 'recovered' : 'connected';
      gap = false;
      publishStatus();
      refresh();
      return;
    }
    if (e.state === 'reconnecting' || e.state === 'failing-over' || e.state === 'disconnected') gap = true;
    status = STATUS[e.state] || e.state;
    publishStatus();
  });
  client.on('notification', () => { refresh(); });

  return {
    hub,
    agentId: agent.id,
    host: config.host,
    makeRequest(url, handler, params) {
      client.request(params.METHOD || 'GET', url, params.POST_DATA).then(
        (res) => handler({ rc: res.status, text: res.body, headers: res.headers }),
        (err) => handler({ rc: 0, errors: [err.message] }),
      );
    },
    watchUser(obj, opts) {
      const w = { obj, opts, loaded: false };
      obj.getState = () => user.state;
      obj.getData = () => (user.code ? { state: user.state, reasonCode: { code: user.code } } : { state: user.state });
      obj.getDialogs = (cbs) => {
        dialogWatchers.push(cbs);
        if (loaded) cbs.onLoad({ getCollection: () => Object.fromEntries(dialogs) });
        return {};
      };
      users.push(w);
      if (user.state) {
        w.loaded = true;
        setTimeout(() => opts.onLoad(obj), 0);
      }
    },
    refresh,
  };
}

let session = null;

$('desk-login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const agent = { id: $('desk-agent').value.trim(), extension: $('desk-extension').value.trim() };
  const password = $('desk-password').value;
  $('desk-password').value = '';
  $('desk-error').textContent = '';
  try {
    const client = await createClient({
      sides: config.sides, transport: config.transport, allowInsecure: true, policy: config.policy,
      agent, auth: { username: agent.id, password },
    });
    session = { client, agent };
    window.finesseDesktop = startDesktop(client, agent);
    const base = '/finesse/api/User/' + encodeURIComponent(agent.id);
    const login = await client.request('PUT', base, '<User><state>LOGIN</state><extension>' + agent.extension + '</extension></User>');
    if (login.status !== 202) throw new Error('LOGIN: HTTP ' + login.status);
    const rc = await client.request('GET', base + '/ReasonCodes?category=NOT_READY');
    const doc = new DOMParser().parseFromString(rc.body, 'application/xml');
    $('desk-reason').replaceChildren(new Option('Not Ready reason…', ''),
      ...[...doc.getElementsByTagName('ReasonCode')].map((r) => new Option(text(r, 'label'), text(r, 'id'))));
    await window.finesseDesktop.refresh();
    $('desk-login').hidden = true;
    $('desk').hidden = false;
    $('gadget').src = config.gadgetURL;
  } catch (err) {
    $('desk-error').textContent = err.message;
  }
});

const setState = async (body) => {
  const res = await session.client.request('PUT', '/finesse/api/User/' + encodeURIComponent(session.agent.id), body);
  $('desk-error').textContent = res.status === 202 ? '' : 'HTTP ' + res.status;
};
$('desk-ready').addEventListener('click', () => setState('<User><state>READY</state></User>'));
$('desk-notready').addEventListener('click', () => {
  const id = $('desk-reason').value;
  setState('<User><state>NOT_READY</state>' + (id ? '<reasonCodeId>' + id + '</reasonCodeId>' : '') + '</User>');
});
$('desk-signout').addEventListener('click', async () => {
  await setState('<User><state>LOGOUT</state></User>');
  await window.finesseDesktop.refresh();
  await session.client.close();
  $('desk-status').textContent = 'signed out';
});
$('desk-signin').disabled = false;
