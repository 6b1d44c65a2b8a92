// Compiled under tsc --strict by TestPackageTypesStrict against the packed
// package: every export of every entry point, used as an integrator would.
// Type errors here are the test failing; nothing runs.

import { createClient, Client } from 'finesse-ha';
import type {
  AgentEvent, ClientOptions, ConnectionEvent, ConnectionState, Dialog, DialogEvent, ErrorEvent,
  EventMap, EventType, HistoryEntry, NotificationEvent, RequestResult, Side, SideName, Snapshot,
} from 'finesse-ha';
import { attachDynamicsCIF, defaultSearch, odataString, waitForCIFInit } from 'finesse-ha/crm/dynamics';
import type { AgentIdentity, CIFramework, DynamicsCIFAdapter, DynamicsSearch } from 'finesse-ha/crm/dynamics';
import { attachSalesforceOpenCTI, defaultScreenPop } from 'finesse-ha/crm/salesforce';
import type { OpenCTI, SalesforceOpenCTIAdapter, ScreenPop } from 'finesse-ha/crm/salesforce';
import { CHANNEL, connectToSoftphone, createPostMessageBridge, normalizeOrigins } from 'finesse-ha/bridge';
import type { PostMessageBridge, Softphone } from 'finesse-ha/bridge';
import finesseHAGadget, { createDesktopFollower, mapDesktopStatus, STATUS_MAP, start } from 'finesse-ha/gadget';
import type { DesktopFollower, FinesseHAGadget } from 'finesse-ha/gadget';

export async function everyExport(password: string, cifLibrary: CIFramework, opencti: OpenCTI, frame: Window): Promise<void> {
  const side: Side = { rest: 'https://fin-a.example.com:8445', websocket: 'wss://fin-a.example.com:8445/ws/' };
  const options: ClientOptions = {
    sides: [side, 'https://fin-b.example.com:8445'],
    agent: { id: '1001001', extension: '1001001' },
    auth: { username: '1001001', password },
    transport: 'websocket',
  };
  const client: Client = await createClient(options);
  const version: string = client.version;
  const stop = client.on('connection', (e: ConnectionEvent) => {
    const state: ConnectionState = e.state;
    const s: SideName | '' = e.side;
    console.log(version, state, s);
  });
  stop();
  client.once('agent', (e: AgentEvent) => console.log(e.state, e.previous));
  const onDialog = (e: DialogEvent) => {
    const d: Dialog = e.dialog;
    console.log(d.callVariables['callVariable1'] ?? '');
  };
  client.on('dialog', onDialog);
  client.off('dialog', onDialog);
  client.on('notification', (e: NotificationEvent) => console.log(e.xml));
  client.on('error', (e: ErrorEvent) => console.log(e.code, e.fatal));
  const types: EventType[] = ['connection', 'agent', 'dialog', 'notification', 'error'];
  const first: EventMap['connection'] = client.snapshot().connection;
  const snap: Snapshot = client.snapshot();
  const history: HistoryEntry[] = client.history();
  const res: RequestResult = await client.request('GET', '/finesse/api/User/1001001');
  console.log(types, first, snap.dialogs.length, history.length, res.status);

  const search: DynamicsSearch | null = defaultSearch(snap.dialogs[0]!, { extension: '1001001' });
  const cif: CIFramework = await Promise.race([waitForCIFInit({ timeoutMs: 1000 }), Promise.resolve(cifLibrary)]);
  const agent: AgentIdentity = { agentId: '1001001', extension: '1001001' };
  const dynamics: DynamicsCIFAdapter = await attachDynamicsCIF({
    client, cif, ...agent,
    search: (dialog) => ({ entity: 'contact', query: '?$filter=telephone1 eq ' + odataString(dialog.ani) }),
  });
  console.log(search, dynamics.stats().pops);
  dynamics.detach();

  const pop: ScreenPop | null = defaultScreenPop(snap.dialogs[0]!, { extension: '1001001' });
  const salesforce: SalesforceOpenCTIAdapter = attachSalesforceOpenCTI({
    client, opencti, agentId: '1001001', extension: '1001001', onError: (err: Error) => console.warn(err.message),
  });
  console.log(pop, salesforce.stats().initialized);
  salesforce.detach();

  const origins: Set<string> = normalizeOrigins(['https://crm.example.com']);
  const bridge: PostMessageBridge = createPostMessageBridge({ client, allowedOrigins: [...origins] });
  console.log(CHANNEL, bridge.stats().ignoredOrigin);
  bridge.close();
  const phone: Softphone = connectToSoftphone({ frame, frameOrigin: 'https://softphone.example.com' });
  phone.on('dialog', (e) => console.log(e.action));
  const remote: Snapshot = await phone.subscribe();
  console.log(remote.connection.state);
  phone.close();

  const g: FinesseHAGadget = finesseHAGadget;
  const state: ConnectionState | '' = mapDesktopStatus('recovered');
  console.log(g === finesseHAGadget, state, STATUS_MAP['failing']);
  const follower: DesktopFollower = start();
  const other: DesktopFollower = createDesktopFollower({
    hub: { subscribe: () => 1, publish: () => {} }, finesse: {}, agentId: '1001001',
  });
  console.log(follower.inFailover(), other.snapshot().sides.length);
  await follower.close();
  await client.close();
}
