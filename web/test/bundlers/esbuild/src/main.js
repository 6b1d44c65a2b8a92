// esbuild does not emit files for new URL(..., import.meta.url): import the
// .wasm (--loader:.wasm=file copies it to outdir and gives its path relative
// to the bundle) and pass it, resolved against the bundle, as wasmURL; build
// the package's worker.js as a second entry point and pass it as workerURL,
// or 'auto' finds no worker and runs the client in the page.
import { createClient } from 'finesse-ha';
import wasmURL from 'finesse-ha/finesse-ha.wasm';
import { attachSalesforceOpenCTI } from 'finesse-ha/crm/salesforce';
import { createPostMessageBridge } from 'finesse-ha/bridge';
import { exposeForTest } from '../../pkg-test.js';

exposeForTest(createClient, { attachSalesforceOpenCTI: typeof attachSalesforceOpenCTI, createPostMessageBridge: typeof createPostMessageBridge },
  { wasmURL: new URL(wasmURL, import.meta.url), workerURL: new URL('./worker.js', import.meta.url) });
