// The softphone page's entry module (softphone.html loads it with
// <script type="module" src>): no inline script and no import map, so the
// page runs under `script-src 'self'`. The npm package sits in ./finesse-ha/.
import { createClient } from './finesse-ha/index.js';
import { mountSoftphone } from './softphone.js';

mountSoftphone({ createClient, document, window });
