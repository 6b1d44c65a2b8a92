// Vite: nothing to configure for `vite build`; the .wasm is emitted as an
// asset from index.js's new URL('./finesse-ha.wasm', import.meta.url).
import { createClient } from 'finesse-ha';
import { attachSalesforceOpenCTI } from 'finesse-ha/crm/salesforce';
import { createPostMessageBridge } from 'finesse-ha/bridge';
import { exposeForTest } from '../../pkg-test.js';

exposeForTest(createClient, { attachSalesforceOpenCTI: typeof attachSalesforceOpenCTI, createPostMessageBridge: typeof createPostMessageBridge });
