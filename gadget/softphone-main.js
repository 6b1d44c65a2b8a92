// The softphone page's entry module (softphone.html loads it with
// <script type="module" src>): no inline script and no import map, so the
// page runs under `script-src 'self'`. In the repository (gadget/) the npm
// package folder sits in ./finesse-ha/; the package ships this file as
// softphone/softphone-main.js, importing ../index.js (build/npm.sh rewrites it).
import { createClient } from './finesse-ha/index.js';
import { mountSoftphone } from './softphone.js';

mountSoftphone({ createClient, document, window });
