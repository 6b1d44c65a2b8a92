// node build/npm-softphone.mjs DIR: rewrites the imports of the CRM softphone
// that build/npm.sh copied into DIR/softphone/ from the repository's layout
// (gadget/ beside the package folder at ./finesse-ha/) to the package's, then
// checks that the page's whole module graph resolves to files of DIR.
// A specifier the map below does not know fails the build: a new import in
// gadget/softphone*.js must be placed here, not shipped broken.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// Repository specifier (in gadget/softphone*.js) → specifier in softphone/.
const IMPORTS = {
  './finesse-ha/index.js': '../index.js',
  './softphone.js': './softphone.js',
  './postmessage-bridge.js': '../postmessage-bridge.js',
  './adapters/common.js': '../crm/common.js',
  './adapters/dynamics-cif.js': '../crm/dynamics-cif.js',
  './adapters/salesforce-opencti.js': '../crm/salesforce-opencti.js',
};
const REWRITTEN = ['softphone-main.js', 'softphone.js'];

// A module's imports (static at the start of a line, with or without `from`;
// dynamic of a literal) and its module-relative URLs (`new URL('…',
// import.meta.url)`: the worker and the .wasm, which move with the module).
const IMPORT = [
  /^(\s*(?:import|export)\b[^;'"]*?\bfrom\s*)(['"])([^'"\n]+)\2/gm,
  /^(\s*import\s*)(['"])([^'"\n]+)\2/gm,
  /(\bimport\(\s*)(['"])([^'"\n]+)\2(?=\s*\))/g,
];
const MODULE_URL = /(\bnew URL\(\s*)(['"])([^'"\n]+)\2(?=\s*,\s*import\.meta\.url)/g;
// The page's own references: <script src>, <link href>.
const HTML_REF = /\b(?:src|href)="([^"]+)"/g;

const dir = resolve(process.argv[2] ?? '.');
const softphone = join(dir, 'softphone');
const problems = [];

for (const name of REWRITTEN) {
  const file = join(softphone, name);
  let src = readFileSync(file, 'utf8');
  for (const re of IMPORT) {
    src = src.replace(re, (all, pre, q, spec) => {
      if (!Object.hasOwn(IMPORTS, spec)) {
        problems.push(`gadget/${name} imports ${JSON.stringify(spec)}, which build/npm-softphone.mjs does not map to the package`);
        return all;
      }
      return pre + q + IMPORTS[spec] + q;
    });
  }
  writeFileSync(file, src);
}

// Every module the page loads, and every file those load, is in DIR.
const seen = new Set();
const visit = (file, from) => {
  if (seen.has(file)) return;
  seen.add(file);
  if (!file.startsWith(dir + '/') || !existsSync(file)) {
    problems.push(`${from} refers to ${relative(dir, file)}, which is not in the package`);
    return;
  }
  if (!file.endsWith('.js')) return;
  const src = readFileSync(file, 'utf8');
  for (const m of [...IMPORT, MODULE_URL].flatMap((re) => [...src.matchAll(re)])) {
    const spec = m[3];
    const where = relative(dir, file);
    if (!spec.startsWith('./') && !spec.startsWith('../')) {
      problems.push(`${where} imports ${JSON.stringify(spec)}: the softphone page has no import map, so only relative imports load`);
      continue;
    }
    visit(resolve(dirname(file), spec), where);
  }
};
const html = join(softphone, 'softphone.html');
for (const m of readFileSync(html, 'utf8').matchAll(HTML_REF)) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(m[1])) continue; // a CRM's library on its own origin
  visit(resolve(softphone, m[1]), 'softphone/softphone.html');
}
for (const name of REWRITTEN) {
  if (!seen.has(join(softphone, name))) problems.push(`softphone/softphone.html does not load softphone/${name}`);
}

if (problems.length) {
  for (const p of problems) console.error(`npm: softphone: ${p}`);
  process.exit(1);
}
console.log(`npm: softphone/ loads ${seen.size} files of the package, all present`);
