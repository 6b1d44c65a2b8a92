// A page written against index.d.ts that reads every declared field of every
// event, snapshot and history entry, and labels every member of every closed
// set. web/test/types.test.mjs compiles it with `tsc --strict --noEmit`: a
// field renamed, removed or retyped in the Go wire types (and so in the
// generated index.d.ts) breaks this file, and so does a member added to or
// dropped from a union without the page's tables following.

import { createClient } from '../../index.js';
import type {
  AgentEvent, AgentView, AuthKind, ConnState, ConnectionEvent, Diagnostics, Dialog, DialogAction, DialogEvent, ErrorCode,
  ErrorEvent, EventType, HistoryEntry, HistoryKind, LogEntry, LogLevel, LogSource, NotificationEvent, NotificationStatus,
  Participant, Presence, Reason, Result, Runtime, SideName, SideStatus, Snapshot, Transport,
} from '../../index.js';

const connStates = {
  connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…', 'failing-over': 'Switching server…',
  disconnected: 'No server', unauthorized: 'Sign in again', closed: 'Closed',
} satisfies Record<ConnState, string>;

const reasons = {
  start: '', 'notification-lost': 'lost notifications', 'out-of-service': 'server out of service',
  'presence-unavailable': 'Finesse going down', 'keepalive-timeout': 'no answer', maintenance: 'maintenance',
  'no-side-usable': 'no server usable', recovered: 'recovered', switched: 'switched server', unauthorized: 'refused',
  'token-expired': 'sign-in expired', closed: 'closed', desktop: 'desktop', conflict: 'another session took over',
} satisfies Record<Reason, string>;

const historyKinds = {
  connecting: 1, connected: 1, reconnecting: 1, 'failing-over': 1, disconnected: 1, unauthorized: 1, closed: 1,
  trigger: 1, poll: 1, busy: 1, jitter: 1, connect: 1, 'connect-failed': 1, switch: 1, signin: 1,
  'notification-lost': 1, 'finesse-presence': 1, ping: 1, recheck: 1, 'forced-logout': 1, relogin: 1,
  'restore-state': 1, 'request-retry': 1, 'request-401': 1, error: 1, 'unknown-status': 1,
  credentials: 1, 'token-refresh': 1, 'token-expired': 1, conflict: 1,
} satisfies Record<HistoryKind, number>;

const errorCodes = {
  unauthorized: true, 'token-refresh-failed': true, 'token-expired': true, 'resync-failed': false, 'subscribe-failed': false, 'signin-failed': false,
  'restore-state-failed': false, 'decode-failed': false, 'api-error': false, internal: false,
  listener: false, 'bad-event': false, 'runtime-exit': true, user: false,
} satisfies Record<ErrorCode, boolean>;

const actions = { added: '+', updated: '~', removed: '-' } satisfies Record<DialogAction, string>;
const sides = { A: 'side A', B: 'side B', '': 'none' } satisfies Record<SideName, string>;
const transports = { websocket: 'WebSocket', bosh: 'BOSH' } satisfies Record<Transport, string>;
const notif = { up: true, down: false } satisfies Record<NotificationStatus, boolean>;
const presence = { available: 1, unavailable: 0, unknown: -1 } satisfies Record<Presence, number>;
const eventTypes = { connection: 0, agent: 1, dialog: 2, notification: 3, error: 4, log: 5 } satisfies Record<EventType, number>;
const logLevels = { off: 0, error: 1, warn: 2, info: 3, debug: 4 } satisfies Record<LogLevel, number>;
const logSources = { event: 'event', history: 'timeline', wrapper: 'loader' } satisfies Record<LogSource, string>;
const authKinds = { password: 'Basic', token: 'SSO', 'token-source': 'SSO (refreshed)' } satisfies Record<AuthKind, string>;

const out: unknown[] = [];
const use = (...v: unknown[]) => { out.push(...v); };

function onConnection(e: ConnectionEvent): string {
  const t: Transport | undefined = e.transport;
  use(e.host, e.since.length, e.attempt + 1, t === undefined ? '' : transports[t], (e.refused ?? []).map((s) => sides[s]));
  return `${connStates[e.state]} (${reasons[e.reason]}) on ${sides[e.side]}`;
}

function onAgent(e: AgentEvent): void {
  const code: string = e.reasonCode;
  use(e.state, code, e.reasonLabel, e.previous, e.synthetic, e.forcedLogout, sides[e.side]);
}

function participant(p: Participant): void {
  use(p.mediaAddress, p.mediaAddressType, p.state, p.startTime, p.actions.join(','));
}

function dialog(d: Dialog): void {
  use(d.id, d.callKey, d.state, d.uri, d.associatedDialogUri, d.mediaType, d.callType, d.fromAddress, d.toAddress,
    d.ani.length, d.dnis, d.dialedNumber, d.queueName, d.queueNumber, d.wrapUpReason, d.callVariables['callVariable1'],
    d.restored, d.restoredFields.length);
  d.participants.forEach(participant);
}

function onDialog(e: DialogEvent): void {
  use(actions[e.action], e.synthetic, sides[e.side]);
  dialog(e.dialog);
}

function onNotification(e: NotificationEvent): void {
  use(e.node, e.event, e.source, e.requestId, e.xml, sides[e.side]);
}

function onError(e: ErrorEvent): void {
  use(e.message, sides[e.side], e.requestId, e.fatal || errorCodes[e.code]);
}

function agentView(a: AgentView | null): void {
  if (a === null) return;
  use(a.loginId, a.extension, a.state, a.pendingState, a.reasonCode, a.reasonLabel, a.previous, a.stateChangeTime);
}

function side(s: SideStatus): void {
  use(sides[s.side], s.host, s.status, s.deploymentType, s.maintenance, notif[s.notification], presence[s.finessePresence],
    s.active, s.checkedAt, s.lastError, s.reportedHost);
}

function snapshot(s: Snapshot): void {
  onConnection(s.connection);
  agentView(s.agent);
  s.dialogs.forEach(dialog);
  s.sides.forEach(side);
}

function history(h: HistoryEntry[]): void {
  for (const e of h) use(e.at, historyKinds[e.what], sides[e.side], e.detail);
}

function onLog(e: LogEntry): void {
  use(e.at, logLevels[e.level], logSources[e.source], e.message, sides[e.side]);
}

function diagnostics(d: Diagnostics): void {
  use(d.version ?? '', d.runtime ?? '', d.userAgent ?? '', d.createdAt ?? '');
  const o = d.options;
  for (const s of o.sides) use(s.rest, s.bosh ?? '', s.websocket ?? '');
  use(o.agent.id, o.agent.extension ?? '', authKinds[o.auth], o.transport, o.fallback, o.allowInsecure, o.resource, logLevels[o.logLevel]);
  const p = o.policy;
  use(p.pollIntervalMs, p.jitterMs, p.restoreAgentState, p.reloginAfterForcedLogout, p.retryPost);
  snapshot(d.snapshot);
  history(d.history);
  d.log.forEach(onLog);
  use(JSON.stringify(d));
}

function result(r: Result): void {
  use(r.status, r.headers['Content-Type'], r.body, r.requestId, sides[r.side], r.confirmed, r.error ?? '');
}

export async function page(): Promise<void> {
  const client = await createClient({
    sides: ['https://fin-a.example.com:8445', { rest: 'https://fin-b.example.com:8445', websocket: 'wss://fin-b.example.com:8445/ws/' }],
    agent: { id: '1001001', extension: '1001001' },
    auth: { token: 'x' },
    transport: 'websocket',
    policy: { jitterMs: 0 },
    runtime: 'auto',
    graceMs: 5000,
    onProgress: (p) => { use(p.loaded, p.total ?? -1); },
    logLevel: 'warn',
  });
  client.on('log', onLog);
  diagnostics(await client.diagnostics());
  client.on('connection', (e) => { use(onConnection(e)); });
  client.on('agent', onAgent);
  client.on('dialog', onDialog);
  client.on('notification', onNotification);
  client.on('error', onError);
  snapshot(client.snapshot());
  const runtimes = { 'shared-worker': 'shared', worker: 'leader', page: 'page' } satisfies Record<Runtime, string>;
  const where: Runtime | undefined = client.snapshot().runtime;
  client.on('connection', (e) => { use(e.runtime === undefined ? '' : runtimes[e.runtime]); });
  use(where === undefined ? '' : runtimes[where]);
  history(client.history());
  result(await client.request('GET', '/finesse/api/User/1001001'));
  await client.setAuth({ token: 'y' });
  await client.setAuth({ username: '1001001', password: 'p' });
  use(eventTypes, client.version);
  await client.close();

  // SSO with a token source only: createClient asks getToken() for the first token.
  const sso = await createClient({
    sides: ['https://fin-a.example.com:8445'],
    agent: { id: '1001001', extension: '1001001' },
    auth: { getToken: async () => 'fresh' },
    transport: 'bosh',
  });
  await sso.close();
}
