// node build/npm-version.mjs DIR: fails unless DIR/finesse-ha.wasm reports
// DIR/package.json's version. The Go side's version (client.version) is
// stamped at build time (-ldflags -X main.version, from web/package.json); a
// build that missed the stamp says 0.0.0-dev and must not be packed. Runs the
// .wasm under Node with the wasm_exec.js built with it: main only registers
// the factory (globalThis.__finesseHA, web/BRIDGE.md), so nothing connects.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? '.');
const want = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
await import(pathToFileURL(join(dir, 'wasm_exec.js')).href);
const go = new globalThis.Go();
const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'finesse-ha.wasm')), go.importObject);
go.run(instance);
const got = globalThis.__finesseHA && globalThis.__finesseHA.version;
if (got !== want) {
  console.error(`npm: ${join(dir, 'finesse-ha.wasm')} reports version ${JSON.stringify(got)}, package.json says ${JSON.stringify(want)} (build it with -ldflags -X main.version=${want}: make wasm)`);
  process.exit(1);
}
console.log(`npm: finesse-ha.wasm reports version ${got}`);
process.exit(0);
