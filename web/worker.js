// finesse-ha: the worker host script, shipped next to finesse-ha.wasm.
//
// index.js starts it as a module SharedWorker (runtime 'shared-worker': one
// Host for every tab and frame of the origin) or as a module Dedicated
// Worker per page (runtime 'worker': a Relay that leads or follows, see
// relay.js). Timers in workers are not throttled in hidden tabs
// (research/browser-runtime.md §1), which is the other reason the Go
// runtime lives here and not in the page.

import './wasm_exec.js';
import { createLoader } from './loader.js';
import { Host } from './host.js';
import { Relay } from './relay.js';

const loader = createLoader();

if (typeof SharedWorkerGlobalScope === 'function' && globalThis instanceof SharedWorkerGlobalScope) {
  const host = new Host({ loader });
  globalThis.onconnect = (e) => host.serve(e.ports[0]);
} else {
  let host = null;
  const getHost = () => (host ??= new Host({ loader }));
  globalThis.onmessage = (e) => {
    if (e.data && e.data.op === 'connect' && e.ports && e.ports[0]) new Relay(e.ports[0], getHost).start();
  };
}
