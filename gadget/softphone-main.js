// The softphone page's entry module (softphone.html loads it with
// <script type="module" src>): no inline script and no import map, so the
// page runs under `script-src 'self'`. Here the npm package sits in
// ./finesse-ha/; build/npm.sh ships this file as the package's
// softphone/softphone-main.js, importing ../index.js.
import { createClient } from './finesse-ha/index.js';
import { mountSoftphone } from './softphone.js';

mountSoftphone({ createClient, document, window });
