// Type definitions for finesse-ha. SPEC §4 is the contract. The section
// between the GENERATED markers is written by `go generate ./internal/client`
// from the Go wire types (internal/client/wire_*.go), and a Go test fails
// while this file differs from what they generate; the rest (the loader's
// options, the Client class) is written by hand. web/test/types checks the
// whole file with `tsc --strict` against the golden JSON the Go types emit.

/**
 * One Finesse side, as given in `options.sides`.
 *
 * A string is the side's REST base URL, e.g. `'https://fin-a.example.com:8445'`;
 * the notification URL is derived as Finesse does (BOSH
 * `https://<host>:7443/http-bind/`, WebSocket `wss://<host>:8445/ws/`).
 * The object form names every URL, for reverse proxies and the simulator.
 */
export type Side = string | SideURLs;

/** Basic authentication (the agent's Finesse credentials). */
export interface PasswordAuth {
  username: string;
  password: string;
}

/** SSO: a Bearer token (also the SASL PLAIN password of the notification login). */
export interface TokenAuth {
  token: string;
  /**
   * Returns a Promise of a fresh token. Called at 75% of the token's lifetime when its JWT
   * `iat`/`exp` are readable, else once on the token's first 401; never twice within 10 s.
   * A rejection (or no answer within 10 s) is reported as an `error` event with code
   * `'token-refresh-failed'` and retried on the poll schedule; an expired token is never sent.
   * In a worker runtime the function stays in the page: the shared client asks one attached page
   * with a token source at a time (once per refresh, across pages), and another one when that page
   * goes. Pages sharing a token client may hold different tokens of the agent (tokens rotate).
   */
  getToken?: () => Promise<string>;
}

/** SSO with only a token source: `createClient` asks `getToken()` for the first token (with a worker runtime, only when this page starts the shared client). */
export interface TokenSourceAuth {
  token?: string;
  getToken: () => Promise<string>;
}

/** Options of {@link createClient}: the Go side's {@link Options} and the loader's own. Errors name the bad field, e.g. `options.sides[1]`. */
export interface ClientOptions extends Options {
  /**
   * Where to load finesse-ha.wasm from. Default: `new URL('./finesse-ha.wasm', import.meta.url)`,
   * next to this module. A relative string resolves against the page, as `fetch` does.
   * Only the first `createClient` on a page loads the module; later calls reuse it.
   */
  wasmURL?: string | URL;
  /** An already compiled module instead of `wasmURL` (exclusive with it); implies `runtime: 'page'`. */
  wasmModule?: WebAssembly.Module;
  /**
   * Where the Go runtime runs (SPEC §4.1; web/README.md "Runtimes"). Default `'auto'`:
   * `'shared-worker'` where SharedWorker, Web Locks and a secure context are available, else
   * `'worker'`, else `'page'`. An explicit runtime that cannot start here rejects `createClient`.
   */
  runtime?: RuntimeOption;
  /**
   * The worker host script. Default: `new URL('./worker.js', import.meta.url)`, next to this
   * module; it must be of the page's origin (browsers load workers from their own origin only).
   */
  workerURL?: string | URL;
  /**
   * With a worker runtime: how long the shared client outlives the last page that detached
   * (`close()`, closed tab, reload), in ms. Default 5000; 0 to 3,600,000. The first page of a
   * session sets it.
   */
  graceMs?: number;
  /** Called while the .wasm downloads: bytes so far, and the total when the server says it. */
  onProgress?: (progress: LoadProgress) => void;
}

/** `options.runtime`. */
export type RuntimeOption = 'auto' | Runtime;

/** Where a client's Go runtime runs: reported as `runtime` on `connection` events and in `snapshot()`. */
export type Runtime = 'shared-worker' | 'worker' | 'page';

/** `options.onProgress`'s argument. */
export interface LoadProgress {
  /** Bytes of finesse-ha.wasm received so far. */
  loaded: number;
  /** Its size, when the server sends a Content-Length for an uncompressed body. */
  total?: number;
}

/** Former names, kept for pages written against them. */
export type ConnectionState = ConnState;
export type Policy = PolicyOptions;
export type RequestResult = Result;

/**
 * The wrapper adds where the client runs to what the Go side reports (declaration merging with the
 * generated types below): set on every `connection` event and on `snapshot()`.
 */
export interface ConnectionEvent {
  /** Where this client's Go runtime runs (`options.runtime` as resolved). */
  runtime?: Runtime;
}
export interface Snapshot {
  /** Where this client's Go runtime runs (`options.runtime` as resolved). */
  runtime?: Runtime;
}
/** What only the wrapper knows, added to the Go side's bundle by `client.diagnostics()`. */
export interface Diagnostics {
  /** Version of the Go side (finesse-ha.wasm), as `client.version`. */
  version?: string;
  /** Where this client's Go runtime runs. */
  runtime?: Runtime;
  /** `navigator.userAgent` of the page that asked; '' where there is none. */
  userAgent?: string;
  /** When the bundle was made (ISO 8601). */
  createdAt?: string;
}

/** Event types and their payloads. */
export interface EventMap {
  connection: ConnectionEvent;
  agent: AgentEvent;
  dialog: DialogEvent;
  notification: NotificationEvent;
  error: ErrorEvent;
  /** Diagnostic lines at or above `options.logLevel` (default `'off'`: none). */
  log: LogEntry;
}

/**
 * A client connected to a Finesse duplex pair. Events, snapshots and results
 * are frozen plain objects. A listener that throws does not stop delivery to
 * other listeners: the exception goes to `console.error` and, unless it was an
 * `error` listener, to the `error` listeners (code `'listener'`).
 */
export declare class Client {
  private constructor();
  /** Version of the Go side (finesse-ha.wasm). */
  readonly version: string;
  /** Adds a listener; returns a function that removes it. */
  on<T extends EventType>(type: T, listener: (event: EventMap[T]) => void): () => void;
  /** Removes a listener. */
  off<T extends EventType>(type: T, listener: (event: EventMap[T]) => void): void;
  /** Adds a listener for the next event of this type only; returns a function that removes it. */
  once<T extends EventType>(type: T, listener: (event: EventMap[T]) => void): () => void;
  /** Current connection, agent, calls and sides. */
  snapshot(): Snapshot;
  /** The failover timeline, oldest first. */
  history(): HistoryEntry[];
  /**
   * A support bundle, frozen and JSON-serializable (`JSON.stringify(await client.diagnostics())`):
   * version, runtime, user agent, the options in effect without credentials (auth kind only),
   * snapshot, history and the recent log (kept whatever `options.logLevel` says, bounded). Every
   * string from the Go side has passed the scrubber that removes the credentials, those given
   * later with `setAuth` or `getToken` included, as given and in their base64, Basic and SASL forms.
   */
  diagnostics(): Promise<Diagnostics>;
  /**
   * A Finesse REST request through whichever side is active, with auth and a
   * requestId added. GET and PUT are retried on 503 or during a switch; POST
   * only with `policy.retryPost`. Rejects with an Error on failure.
   * @example client.request('PUT', '/finesse/api/User/1001001', '<User><state>READY</state></User>')
   */
  request(method: string, path: string, body?: string): Promise<Result>;
  /**
   * New credentials while the client runs: the next REST request and the next notification login
   * use them, requests in flight keep the old ones, a side that refused the old ones may be tried
   * again, and an `unauthorized` client resumes. Resolves once the client has taken them; rejects
   * with an Error naming the field (e.g. `finesse-ha: auth.password: missing`), never quoting a value.
   */
  setAuth(auth: PasswordAuth | { token: string }): Promise<void>;
  /**
   * Stops the client; idempotent. Resolves after the `closed` connection event. With a worker
   * runtime this detaches this page only: the shared client runs on for the other pages and
   * ends `graceMs` after the last one.
   */
  close(): Promise<void>;
}

/**
 * Loads finesse-ha.wasm (once per page), starts the Go runtime and connects.
 * Rejects with an Error naming the bad field for bad options, e.g.
 * `finesse-ha: options.sides[1]: http URL needs allowInsecure: true`.
 *
 * Events emitted while this promise is pending are delivered on the next task
 * after it resolves, so listeners added right after `await` see them.
 */
export declare function createClient(options: ClientOptions): Promise<Client>;

// ---- BEGIN GENERATED from internal/client/wire_*.go by `go generate ./internal/client`; do not edit ----

/** Event is one of ConnectionEvent, AgentEvent, DialogEvent, NotificationEvent, ErrorEvent or LogEntry. Kind is the page-side event type. */
export type Event = AgentEvent | ConnectionEvent | DialogEvent | ErrorEvent | LogEntry | NotificationEvent;

/** EventType names an event channel: the first argument of client.on(). */
export type EventType =
  /** the connection state changed. */
  | 'connection'
  /** the agent's state changed. */
  | 'agent'
  /** a call appeared, changed or ended. */
  | 'dialog'
  /** a raw Finesse Update arrived. */
  | 'notification'
  /** a problem the client handled or that stopped it. */
  | 'error'
  /** a diagnostic line, at or above options.logLevel (off by default). */
  | 'log';

/** SideName is a side as the page names it. */
export type SideName =
  /** the first of options.sides. */
  | 'A'
  /** the second of options.sides. */
  | 'B'
  /** no side (not yet connected, or the entry concerns both). */
  | '';

/** ConnState is the connection state. Mapping to finesse.js's ClientServices vocabulary (the status of the desktop's finesse.info.connection hub topic): connecting -> connecting; connected -> connected, or recovered after a failover; reconnecting -> reconnecting; failing-over -> failing; disconnected -> disconnected; unauthorized -> unauthorized (and conflict, in the gadget follower); closed -> disconnecting / unloading. */
export type ConnState =
  /** first connection attempt under way. */
  | 'connecting'
  /** notifications flow and the state is re-synced. */
  | 'connected'
  /** connection lost; reconnecting to the same side. */
  | 'reconnecting'
  /** switching to the other side. */
  | 'failing-over'
  /** no side usable; still trying on the poll schedule. */
  | 'disconnected'
  /** waiting for credentials: the sides in refused refused them, or the token expired; other sides are still watched, setAuth or a fresh token resumes, close() ends it. */
  | 'unauthorized'
  /** stopped by close(). */
  | 'closed';

/** Reason says why the connection state changed (ConnectionEvent.reason). */
export type Reason =
  /** the first connection after createClient. */
  | 'start'
  /** the notification session ended or failed. */
  | 'notification-lost'
  /** SystemInfo reported the side OUT_OF_SERVICE. */
  | 'out-of-service'
  /** the side's finesse user went unavailable (Finesse is shutting down). */
  | 'presence-unavailable'
  /** a ping went unanswered (a black hole). */
  | 'keepalive-timeout'
  /** the side entered maintenance mode (finesseMMode). */
  | 'maintenance'
  /** neither side could be connected; polling. */
  | 'no-side-usable'
  /** connected again to the same side. */
  | 'recovered'
  /** connected to the other side. */
  | 'switched'
  /** a side refused the credentials; the client waits for new ones (refused names the sides). */
  | 'unauthorized'
  /** the SSO token expired and no fresh one could be had; the client waits for setAuth or getToken. */
  | 'token-expired'
  /** close() was called. */
  | 'closed'
  /** (gadget follower only) the Finesse desktop reported this state; detail in history. */
  | 'desktop'
  /** another session bound the same XMPP resource; the next bind waits the poll interval plus jitter (in the gadget follower: the desktop stopped). */
  | 'conflict';

/** Transport is a notification transport. */
export type Transport =
  /** XMPP over WebSocket (RFC 7395), Finesse 12.5 and later. */
  | 'websocket'
  /** XMPP over BOSH (XEP-0206), every Finesse release. */
  | 'bosh';

/** ConnectionEvent is the connection event, and snapshot().connection. */
export interface ConnectionEvent {
  state: ConnState;
  /** The side connected to, being tried, or (when disconnected) last used. */
  side: SideName;
  /** Host name of that side. */
  host: string;
  reason: Reason;
  /** When this state began (ISO 8601). */
  since: string;
  /** Connection attempts since the client was last connected: 0 when a recovery begins, 1 on the first try; on connected, how many it took. */
  attempt: number;
  /** On connected: the transport in use. With transport 'websocket' and the fallback on, 'bosh' here means the side's WebSocket could not be opened. */
  transport?: Transport;
  /** On unauthorized: the sides that refused the current credentials. */
  refused?: SideName[];
}

/** AgentState is a Finesse agent state (LOGIN, LOGOUT, NOT_READY, READY, RESERVED, TALKING, HOLD, WORK, WORK_READY, ...); newer Finesse releases may add others, and the empty string means not known yet. */
export type AgentState = 'LOGIN' | 'LOGOUT' | 'NOT_READY' | 'READY' | 'RESERVED' | 'RESERVED_OUTBOUND' | 'RESERVED_OUTBOUND_PREVIEW' | 'TALKING' | 'HOLD' | 'WORK' | 'WORK_READY' | 'UNKNOWN' | "" | (string & {});

/** AgentEvent is the agent event. */
export interface AgentEvent {
  state: AgentState;
  /** Not Ready / Logout reason code ('255': forced logout); '' when none (Finesse's '-1' included). */
  reasonCode: string;
  /** The reason code's label; '' when none. */
  reasonLabel: string;
  /** The state before this change; after a failover, the state held before it, so the host can offer to restore it. */
  previous: AgentState;
  /** True when a re-sync after a gap found the change, rather than a notification. */
  synthetic: boolean;
  /** True for a LOGOUT with reason code 255 after a switch: the old side signed the agent out. */
  forcedLogout: boolean;
  /** The side that reported it. */
  side: SideName;
}

/** DialogAction says what happened to a call. */
export type DialogAction =
  /** a call appeared; exactly once per call, across failovers and re-syncs. */
  | 'added'
  /** a call changed (state, participants, call data). */
  | 'updated'
  /** a call ended. */
  | 'removed';

/** DialogEvent is the dialog event. */
export interface DialogEvent {
  action: DialogAction;
  dialog: Dialog;
  /** True when a re-sync found it (the call started or ended during a gap). */
  synthetic: boolean;
  /** The side that reported it. */
  side: SideName;
}

/** Dialog is one call. */
export interface Dialog {
  /** Finesse dialog id (may differ on the other side). */
  id: string;
  /** Stable identity across failovers: 'ck:<callKeyPrefix>:<callKeyCallId>:<callKeySequenceNum>' from the CCE call key when Finesse gives one, else 'id:<dialog id>'. Opaque: compare, do not parse. */
  callKey: string;
  /** ALERTING, INITIATING, INITIATED, ACTIVE, HELD, WRAP_UP, DROPPED, FAILED, ... */
  state: string;
  /** The dialog's REST URI. */
  uri: string;
  /** A consult call's original call (its URI); '' otherwise. */
  associatedDialogUri: string;
  /** Voice, or a non-voice media type. */
  mediaType: string;
  /** mediaProperties callType: ACD_IN, OUT, CONSULT, PREROUTE_ACD_IN, ... */
  callType: string;
  fromAddress: string;
  toAddress: string;
  /** Caller's number, for screen pops (Finesse has no ANI field: it is fromAddress). */
  ani: string;
  dnis: string;
  dialedNumber: string;
  queueName: string;
  queueNumber: string;
  wrapUpReason: string;
  /** callVariable1..10 and ECC variables (user.*), by name. */
  callVariables: Record<string, string>;
  /** True when some call data came from the client's cache because the server's copy lost it in a failover. */
  restored: boolean;
  /** Which fields were restored: 'fromAddress', 'toAddress', 'callType', 'dnis', 'dialedNumber', or a call variable's name as on the wire (e.g. 'callVariable1', 'user.CustomerId'). */
  restoredFields: string[];
  participants: Participant[];
}

/** Participant is one party of a call. */
export interface Participant {
  mediaAddress: string;
  mediaAddressType: string;
  /** ALERTING, ACTIVE, HELD, DROPPED, ... */
  state: string;
  startTime: string;
  /** Actions this agent may take on the call (ANSWER, DROP, HOLD, ...). */
  actions: string[];
}

/** NotificationEvent is one raw Finesse Update, as received. */
export interface NotificationEvent {
  /** The pubsub node, e.g. /finesse/api/User/1001001/Dialogs. */
  node: string;
  /** POST, PUT or DELETE. */
  event: string;
  /** The source URI of the update. */
  source: string;
  /** The requestId of the REST request that caused it; '' when none. */
  requestId: string;
  /** The Update XML as received. */
  xml: string;
  /** The side it came from. */
  side: SideName;
}

/** ErrorCode is the machine-readable code of an error event. */
export type ErrorCode =
  /** a side refused the credentials; that side is not asked again with them (not fatal: the client waits for new ones). */
  | 'unauthorized'
  /** getToken failed, gave no usable token or did not answer in time; asked again on the poll schedule. */
  | 'token-refresh-failed'
  /** the token expired and there is no getToken; the client waits for setAuth. */
  | 'token-expired'
  /** reading the agent or calls after a reconnect failed. */
  | 'resync-failed'
  /** a pubsub subscription could not be made or removed. */
  | 'subscribe-failed'
  /** signing the agent in again (after a switch or forced logout) failed. */
  | 'signin-failed'
  /** putting the agent back into its pre-failover state failed. */
  | 'restore-state-failed'
  /** a notification or REST answer could not be decoded. */
  | 'decode-failed'
  /** Finesse reported an API error for a request (requestId says which). */
  | 'api-error'
  /** an internal error was recovered; the client keeps running. */
  | 'internal'
  /** (JS wrapper) a listener threw. */
  | 'listener'
  /** (JS wrapper) the Go side sent malformed event JSON. */
  | 'bad-event'
  /** (JS wrapper) the Go runtime stopped; fatal. */
  | 'runtime-exit'
  /** (gadget follower) finesse.js could not read the User. */
  | 'user';

/** ErrorEvent is the error event. Message never holds credentials. */
export interface ErrorEvent {
  code: ErrorCode;
  message: string;
  /** The side concerned; '' when none. */
  side: SideName;
  /** The requestId of the request concerned; '' when none. */
  requestId: string;
  /** True when the client stopped and must be recreated (or given new credentials). */
  fatal: boolean;
}

/** AgentView is snapshot().agent: the agent's last known state. */
export interface AgentView {
  loginId: string;
  extension: string;
  state: AgentState;
  /** The state Finesse will move to when the current call ends; '' when none. */
  pendingState: AgentState;
  /** '' when none (Finesse's '-1' included). */
  reasonCode: string;
  reasonLabel: string;
  /** The state before the last failover; '' when none. */
  previous: AgentState;
  /** Finesse's stateChangeTime (ISO 8601); '' when not given. */
  stateChangeTime: string;
}

/** NotificationStatus says whether the client holds a notification session to a side. */
export type NotificationStatus =
  /** a session to this side is open. */
  | 'up'
  /** no session to this side. */
  | 'down';

/** Presence is the presence of Finesse's own 'finesse' XMPP user on a side. */
export type Presence =
  /** Finesse is up on that side. */
  | 'available'
  /** Finesse is going down on that side. */
  | 'unavailable'
  /** no session to that side, or no presence seen yet. */
  | 'unknown';

/** SideStatus is one configured side in snapshot().sides. */
export interface SideStatus {
  side: SideName;
  host: string;
  /** SystemInfo's status as last seen (IN_SERVICE, OUT_OF_SERVICE, ...); '' before the first check; 'UNREACHABLE' when the last check failed. */
  status: string;
  /** SystemInfo's deploymentType; '' when unknown. */
  deploymentType: string;
  /** True while the side is in maintenance mode. */
  maintenance: boolean;
  notification: NotificationStatus;
  finessePresence: Presence;
  /** True for the side in use. */
  active: boolean;
  /** When SystemInfo was last checked (ISO 8601); '' never. */
  checkedAt: string;
  /** The last error talking to this side (no credentials); '' when none. */
  lastError: string;
  /** The node name SystemInfo reports for this side; informational, never used to build URLs. */
  reportedHost: string;
}

/** Snapshot is client.snapshot(). */
export interface Snapshot {
  connection: ConnectionEvent;
  /** The agent's last known state; null until the User has been read. */
  agent: AgentView | null;
  dialogs: Dialog[];
  sides: SideStatus[];
}

/** HistoryKind is what a history() entry records. */
export type HistoryKind =
  /** the connection state became this one (unauthorized also: a side refused the credentials; detail says where). */
  | ConnState
  /** a recovery began; detail is its Reason. */
  | 'trigger'
  /** both sides' SystemInfo was polled; detail summarises them. */
  | 'poll'
  /** a side answered 503; polling again sooner. */
  | 'busy'
  /** a random delay before switching or reconnecting; detail is its length. */
  | 'jitter'
  /** a connection attempt to a side began. */
  | 'connect'
  /** a connection attempt failed; detail says at which stage. */
  | 'connect-failed'
  /** the client moved to the other side. */
  | 'switch'
  /** the agent was signed in again after a reconnect. */
  | 'signin'
  /** the notification session ended. */
  | 'notification-lost'
  /** the side's finesse user changed presence. */
  | 'finesse-presence'
  /** a keepalive ping failed or went unanswered. */
  | 'ping'
  /** a health check was requested (tab visible again, back online). */
  | 'recheck'
  /** the old side signed the agent out (reason code 255). */
  | 'forced-logout'
  /** the agent was signed in again after a forced logout. */
  | 'relogin'
  /** the agent's pre-failover state is being or was restored. */
  | 'restore-state'
  /** a page request is retried (503, or no usable side); detail says when. */
  | 'request-retry'
  /** Finesse refused a page request for another object with 401; the session is kept and nothing is retried. */
  | 'request-401'
  /** new credentials were taken (setAuth or a fresh token); detail says which kind, never the value. */
  | 'credentials'
  /** getToken was called; detail says why (75% of the lifetime, or a 401). */
  | 'token-refresh'
  /** the current token reached its exp and is no longer sent. */
  | 'token-expired'
  /** another session bound the same XMPP resource; detail says when the next bind may happen. */
  | 'conflict'
  /** an error event was emitted; detail is code and message. */
  | 'error'
  /** (gadget follower) the desktop reported a status this client does not know. */
  | 'unknown-status';

/** HistoryEntry is one line of client.history(), the failover timeline. */
export interface HistoryEntry {
  /** ISO 8601 time. */
  at: string;
  what: HistoryKind;
  /** The side concerned; '' when none or both. */
  side: SideName;
  /** Free text for people; never credentials. */
  detail: string;
}

/** Result is what client.request() resolves with. A non-2xx answer is a Result too, not an error: the page decides what a 400 means; only "no answer" (transport failure, timeout, closed, no usable side) rejects. */
export interface Result {
  status: number;
  /** The response's headers, first value each under canonical names, without Set-Cookie and auth headers. */
  headers: Record<string, string>;
  /** The response body; a non-2xx body is scrubbed of the client's credentials. */
  body: string;
  /** The requestId the client sent (Finesse echoes it in the resulting notification). */
  requestId: string;
  /** The side that answered. */
  side: SideName;
  /** True when a PUT/POST answered 202 was confirmed by the notification carrying its requestId. */
  confirmed: boolean;
  /** On a non-2xx: a one-line description; absent otherwise. */
  error?: string;
}

/** LogLevel is a log entry's severity, and options.logLevel. */
export type LogLevel =
  /** (options.logLevel only) no log events; the default. */
  | 'off'
  /** the client stopped, or a failure the page must act on. */
  | 'error'
  /** a failover, a refused credential, a failed step the client recovers from. */
  | 'warn'
  /** connection, agent and call changes; credentials taken. */
  | 'info'
  /** every history step (polls, connects, jitter) and raw notifications (node only). */
  | 'debug';

/** LogSource says where a log entry comes from. */
export type LogSource =
  /** an event the page was sent (connection, agent, dialog, notification, error). */
  | 'event'
  /** a step of the failover timeline (history()). */
  | 'history'
  /** the JS wrapper's own lines (runtime chosen, .wasm loaded). */
  | 'wrapper';

/** LogEntry is the log event, and one line of diagnostics().log. */
export interface LogEntry {
  /** ISO 8601 time. */
  at: string;
  /** Never 'off'. */
  level: LogLevel;
  source: LogSource;
  /** One line for people; never credentials. */
  message: string;
  /** The side concerned; '' when none or both. */
  side: SideName;
}

/** AuthKind names the kind of credentials in use, never their value. */
export type AuthKind =
  /** {username, password} (Basic). */
  | 'password'
  /** {token} (SSO Bearer). */
  | 'token'
  /** {token?, getToken} (SSO with a token source). */
  | 'token-source';

/** DiagnosticOptions are the client's options as it runs with them (derived URLs filled in, defaults applied), without credentials. */
export interface DiagnosticOptions {
  sides: SideURLs[];
  agent: AgentOptions;
  /** The kind of the first credentials; the value is never included. */
  auth: AuthKind;
  transport: Transport;
  fallback: boolean;
  allowInsecure: boolean;
  /** '' when each session binds a random one. */
  resource: string;
  logLevel: LogLevel;
  /** The engine's timings and opt-in behaviour, defaults applied. */
  policy: DiagnosticPolicy;
}

/** DiagnosticPolicy is the policy in effect. */
export interface DiagnosticPolicy {
  pollIntervalMs: number;
  jitterMs: number;
  restoreAgentState: boolean;
  reloginAfterForcedLogout: boolean;
  retryPost: boolean;
}

/** Diagnostics is client.diagnostics(): what a support engineer needs, as one JSON-serializable object. The JS wrapper adds version, runtime, userAgent and createdAt, and its own lines to log. */
export interface Diagnostics {
  options: DiagnosticOptions;
  snapshot: Snapshot;
  history: HistoryEntry[];
  /** The most recent log entries at 'info' or finer (at 'debug' with options.logLevel 'debug'), oldest first; kept whether or not anyone listens, bounded. */
  log: LogEntry[];
}

/** Options are createClient's options as the Go side receives them: all of them but the loader's own (wasmURL, wasmModule). An unknown key is an error, so that a typo such as "allowInsecur" does not silently weaken security; an error names the field, e.g. options.sides[1]. */
export interface Options {
  /** One or two sides: side A first, then side B. A string is the side's REST base URL (the notification URLs are derived as Finesse does); the object form names every URL, for reverse proxies and the simulator. */
  sides: (string | SideURLs)[];
  /** The agent whose desktop this is. */
  agent: AgentOptions;
  /** Credentials: {username, password}, or {token} with an optional getToken (SSO). Never echoed in events, history, errors or logs. */
  auth: PasswordAuth | TokenAuth | TokenSourceAuth;
  /** Notification transport: 'websocket' (Finesse 12.5 and later, where BOSH is deprecated) or 'bosh' (every release). */
  transport: Transport;
  /** With transport 'websocket': dial a side over BOSH when its WebSocket cannot be opened (refused, no /ws/, no xmpp subprotocol); a session that was open and then fails is not silently replaced. Default true. Only valid with 'websocket'. */
  fallback?: boolean;
  /** Allow http:/ws: side URLs (simulator, lab). Without it a non-https side is rejected. */
  allowInsecure?: boolean;
  /** XMPP resource: up to 64 letters, digits or . _ -; never 'desktop' (the Finesse desktop's). Default: a random one per session. */
  resource?: string;
  /** Opt-in behaviour and timings of the failover engine. */
  policy?: PolicyOptions;
  /** The least severe 'log' event delivered: 'off' (the default: no log events), 'error', 'warn', 'info' or 'debug'. diagnostics() keeps the recent log at 'info' or finer whatever this says. */
  logLevel?: LogLevel;
}

/** SideURLs are the URLs of one side. */
export interface SideURLs {
  /** REST base URL, e.g. https://fin-a.example.com:8445. */
  rest: string;
  /** BOSH URL. Default: https://<host>:7443/http-bind/ (http://<host>:7071/http-bind/ for an http: side). */
  bosh?: string;
  /** WebSocket URL. Default: /ws/ on the REST host and port, e.g. wss://fin-a.example.com:8445/ws/. */
  websocket?: string;
}

/** AgentOptions names the agent. */
export interface AgentOptions {
  /** The agent's loginId: up to 64 letters, digits or . _ -. */
  id: string;
  /** The agent's extension; used to sign the agent in again after a switch or forced logout (without it the client never signs in). */
  extension?: string;
}

/** AuthOptions are the credentials: username and password (Basic), or token (SSO Bearer; also the XMPP password). */
export interface AuthOptions {
  username?: string;
  password?: string;
  token?: string;
}

/** PolicyOptions are options.policy; an absent field takes its default. */
export interface PolicyOptions {
  /** SystemInfo poll interval while recovering, in ms (1000 to 600000). Default 10000, Cisco's desktop value. */
  pollIntervalMs?: number;
  /** Upper bound of the random delay before switching or reconnecting, in ms (0 to 60000); 0 means no delay. Default 2000. */
  jitterMs?: number;
  /** Put the agent back into the state held before a failover. Default false. */
  restoreAgentState?: boolean;
  /** Sign the agent in again after a forced logout (reason code 255) by the old side. Default false. */
  reloginAfterForcedLogout?: boolean;
  /** Retry POST requests (MAKE_CALL) on 503 or during a switch. Default false: a retried POST can dial twice. */
  retryPost?: boolean;
}

// ---- END GENERATED ----
