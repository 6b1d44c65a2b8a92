// Type definitions for finesse-ha (hand-written; SPEC §4 is the contract and
// BRIDGE.md the JSON the Go side emits). Keep them in step with index.js and
// with the Go bridge's JSON field names.

/** Side names: 'A' is `options.sides[0]`, 'B' is `options.sides[1]`. */
export type SideName = 'A' | 'B';

/**
 * One Finesse side, as given in `options.sides`.
 *
 * A string is the side's REST base URL, e.g. `'https://fin-a.example.com:8445'`;
 * the notification URL is derived as Finesse does (BOSH
 * `https://<host>:7443/http-bind/`, WebSocket `wss://<host>:8445/ws/`).
 * The object form names every URL, for reverse proxies and the simulator.
 */
export type Side = string | SideURLs;

/** Explicit URLs of one side. */
export interface SideURLs {
  /** REST base URL, e.g. `https://fin-a.example.com:8445`. */
  rest: string;
  /** BOSH URL, e.g. `https://fin-a.example.com:7443/http-bind/`. */
  bosh?: string;
  /** WebSocket URL. Default: `/ws/` on the REST host and port, e.g. `wss://fin-a.example.com:8445/ws/`. */
  websocket?: string;
}

/** Basic authentication (the agent's Finesse credentials). */
export interface PasswordAuth {
  username: string;
  password: string;
}

/** SSO: a Bearer token. */
export interface TokenAuth {
  token: string;
}

/** Opt-in behaviour of the failover engine (SPEC §3). */
export interface Policy {
  /** SystemInfo poll interval while recovering, in ms. Default 10000 (Cisco's desktop value). */
  pollIntervalMs?: number;
  /** Upper bound of the random delay before switching or reconnecting, in ms. Default 2000. */
  jitterMs?: number;
  /** Put the agent back into the state held before a failover. Default false. */
  restoreAgentState?: boolean;
  /** Sign the agent in again after a forced logout (reason code 255) by the old side. Default false. */
  reloginAfterForcedLogout?: boolean;
  /** Retry POST requests (MAKE_CALL) on 503 or during a switch. Default false: a retried POST can dial twice. */
  retryPost?: boolean;
}

/** Options of {@link createClient}. Errors name the bad field, e.g. `options.sides[1]`. */
export interface ClientOptions {
  /** One or two sides: side A first, then side B. */
  sides: Side[];
  /** The agent whose desktop this is. */
  agent: { id: string; extension: string };
  /** Credentials. Never echoed in events, history, errors or logs. */
  auth: PasswordAuth | TokenAuth;
  /**
   * Notification transport: `'websocket'` (XMPP over WebSocket, RFC 7395: Finesse 12.5 and later,
   * where BOSH is deprecated) or `'bosh'` (XEP-0206 long polling, every release).
   */
  transport: 'websocket' | 'bosh';
  /**
   * With `transport: 'websocket'`: dial a side over BOSH when its WebSocket cannot be opened
   * (refused, no `/ws/`, no `xmpp` subprotocol). A session that was open and then fails is not
   * silently replaced. Default true. Only valid with `'websocket'`.
   */
  fallback?: boolean;
  /** Allow `http:`/`ws:` side URLs (simulator, lab). Without it a non-https side is rejected. */
  allowInsecure?: boolean;
  /** XMPP resource. Never `desktop`: that one belongs to the Finesse desktop. */
  resource?: string;
  policy?: Policy;
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

/**
 * Connection states, and their counterparts in finesse.js's vocabulary
 * (the `status` of the desktop's `finesse.info.connection` hub topic):
 *
 * | finesse-ha     | finesse.js                          | meaning |
 * |----------------|-------------------------------------|---------|
 * | `connecting`   | `connecting`                        | first connection under way |
 * | `connected`    | `connected`, or `recovered` after a failover | notifications flow; the state is re-synced |
 * | `reconnecting` | `reconnecting`                      | lost the connection, reconnecting to the same side |
 * | `failing-over` | `failing`                           | switching to the other side |
 * | `disconnected` | `disconnected`                      | no side usable; still trying on the poll schedule |
 * | `unauthorized` | `unauthorized` (and `conflict`, see below) | stopped: credentials refused (never retried: Finesse locks the account) |
 * | `closed`       | `disconnecting` / `unloading`       | stopped by `close()` |
 *
 * finesse.js's `conflict` (another session took the `desktop` resource) has
 * no state of its own: this client never uses that resource. In a Finesse
 * gadget (gadget/desktop-follower.js) a desktop `conflict` is reported as
 * `unauthorized` with `reason: 'conflict'`, because the desktop stops too.
 */
export type ConnectionState =
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'failing-over'
  | 'disconnected'
  | 'unauthorized'
  | 'closed';

/** `connection` event. */
export interface ConnectionEvent {
  state: ConnectionState;
  /** The side in use (or being tried); `''` when none. */
  side: SideName | '';
  /** Host name of that side. */
  host: string;
  /** Why the state changed, for people (e.g. `'connection refused'`, `'OUT_OF_SERVICE'`). */
  reason: string;
  /** When the client entered this state (ISO 8601). */
  since: string;
  /** Attempt number within this state (reconnects, polls); 0 when not retrying. */
  attempt: number;
  /**
   * On `connected`: the notification transport in use. With `transport: 'websocket'` and the
   * fallback on, `'bosh'` here means the side's WebSocket could not be opened.
   */
  transport?: 'websocket' | 'bosh';
  /** Where this client's Go runtime runs (`options.runtime` as resolved). */
  runtime?: Runtime;
}

/** Finesse agent states; other strings may appear with newer Finesse versions. */
export type AgentState =
  | 'LOGIN'
  | 'LOGOUT'
  | 'NOT_READY'
  | 'READY'
  | 'RESERVED'
  | 'RESERVED_OUTBOUND'
  | 'RESERVED_OUTBOUND_PREVIEW'
  | 'TALKING'
  | 'HOLD'
  | 'WORK'
  | 'WORK_READY'
  | 'UNKNOWN'
  | (string & {});

/** `agent` event, and `snapshot().agent`. */
export interface AgentEvent {
  /** Current state; `''` before the first User is read. */
  state: AgentState | '';
  /** Not Ready / Logout reason code (`'255'`: forced logout); `''` when none. */
  reasonCode: string;
  /**
   * The state before this change. After a failover it is the state held
   * before the failover, so the host can offer "restore Ready" (SPEC §3.5).
   */
  previous: AgentState | '';
  /** True when the change was found by a re-sync after a reconnect, not seen live (SPEC §3.4). */
  synthetic: boolean;
  /** True for a logout the old side forced after a switch (reason code 255). */
  forcedLogout: boolean;
}

/** One party of a call. */
export interface Participant {
  mediaAddress: string;
  mediaAddressType?: string;
  state: string;
  stateCause?: string;
  startTime?: string;
  stateChangeTime?: string;
  /** Actions this agent may take on the call (ANSWER, DROP, ...). */
  actions: string[];
}

/** One call. */
export interface Dialog {
  /** Finesse dialog id (may differ on the other side). */
  id: string;
  /** Stable identity across failovers: the CCE call key when present, else the dialog id. */
  callKey: string;
  /** ALERTING, ACTIVE, HELD, WRAP_UP, DROPPED, FAILED, ... */
  state: string;
  /** mediaProperties callType: ACD_IN, OUT, CONSULT, ... */
  callType: string;
  fromAddress: string;
  toAddress: string;
  /** Caller's number, for screen pops. */
  ani: string;
  dnis: string;
  /** callVariable1..10 and ECC variables (`user.*`), by name. */
  callVariables: Record<string, string>;
  /** True when some call data came from the client's cache because the server's copy lost it after a failover. */
  restored: boolean;
  /** Which fields were restored: call variable names as on the wire (e.g. `'callVariable1'`, `'user.CustomerId'`) and fields such as `'fromAddress'` or `'dnis'`. */
  restoredFields: string[];
  participants: Participant[];
}

/** `dialog` event. A call gets exactly one `added`, across failovers and re-syncs. */
export interface DialogEvent {
  action: 'added' | 'updated' | 'removed';
  dialog: Dialog;
  /** True when found by a re-sync (the call started or ended during a gap). */
  synthetic: boolean;
}

/** `notification` event: every raw Finesse Update. */
export interface NotificationEvent {
  /** The pubsub node, e.g. `/finesse/api/User/1001001/Dialogs`. */
  node: string;
  /** POST, PUT or DELETE. */
  event: string;
  /** The source URI of the update. */
  source: string;
  /** The requestId of the REST request that caused it; `''` when none. */
  requestId: string;
  /** The Update XML as received. */
  xml: string;
}

/** `error` event. */
export interface ErrorEvent {
  message: string;
  /**
   * A short machine-readable code. The wrapper itself emits `'listener'` (a
   * listener threw), `'bad-event'` (malformed event JSON) and
   * `'runtime-exit'` (the Go runtime stopped; fatal).
   */
  code: string;
  /** True when the client stopped and must be recreated. */
  fatal: boolean;
}

/** The state of one configured side, in `snapshot().sides`. */
export interface SideStatus {
  side: SideName;
  host: string;
  /** Last SystemInfo status seen (`IN_SERVICE`, `OUT_OF_SERVICE`, ...); `''` before the first check. */
  status: string;
  /** True for the side in use. */
  active: boolean;
}

/** `client.snapshot()`. */
export interface Snapshot {
  connection: ConnectionEvent;
  /** Where this client's Go runtime runs. */
  runtime: Runtime;
  /** The agent's last known state; null until the first one has arrived after createClient. */
  agent: AgentEvent | null;
  dialogs: Dialog[];
  sides: SideStatus[];
}

/** One entry of the failover timeline. */
export interface HistoryEntry {
  /** ISO 8601 time. */
  at: string;
  /** What happened, e.g. `'failing-over'`, `'connected'`, `'resync'`. */
  what: string;
  side: SideName | '';
  detail: string;
}

/** What `client.request` resolves with. Non-2xx statuses resolve too; transport failures reject. */
export interface RequestResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The requestId the client sent (Finesse echoes it in the resulting notification). */
  requestId: string;
}

/** Event types and their payloads. */
export interface EventMap {
  connection: ConnectionEvent;
  agent: AgentEvent;
  dialog: DialogEvent;
  notification: NotificationEvent;
  error: ErrorEvent;
}

export type EventType = keyof EventMap;

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
   * A Finesse REST request through whichever side is active, with auth and a
   * requestId added. GET and PUT are retried on 503 or during a switch; POST
   * only with `policy.retryPost`. Rejects with an Error on failure.
   * @example client.request('PUT', '/finesse/api/User/1001001', '<User><state>READY</state></User>')
   */
  request(method: string, path: string, body?: string): Promise<RequestResult>;
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
