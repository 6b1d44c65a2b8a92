// Strict TypeScript over the contract: index.d.ts must accept the JSON the
// Go wire types emit (internal/client/testdata/wire, object literals, so an
// undeclared field is an error), a page that reads every declared field
// (types/usage.ts), and the README's examples as written. typescript is a
// devDependency that `make test-js` installs into web/node_modules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const golden = join(web, '..', 'internal', 'client', 'testdata', 'wire');
const gen = join(here, 'types', '.gen');
const tsc = join(web, 'node_modules', 'typescript', 'bin', 'tsc');
const index = '../../../index.js'; // from gen

/** The golden JSON as typed constants: each must type-check as declared. */
function goldenModule() {
  const read = (name) => readFileSync(join(golden, name), 'utf8');
  const lines = [`import type * as F from '${index}';`, ''];
  JSON.parse(read('events.json')).forEach((e, i) => {
    lines.push(`export const event${i}: F.EventMap['${e.type}'] = ${JSON.stringify(e.event)};`);
  });
  lines.push(`export const snapshot: F.Snapshot = ${read('snapshot.json')};`);
  lines.push(`export const snapshotEmpty: F.Snapshot = ${read('snapshot-empty.json')};`);
  lines.push(`export const history: F.HistoryEntry[] = ${read('history.json')};`);
  lines.push(`export const results: F.Result[] = ${read('result.json')};`);
  lines.push(`export const options: F.ClientOptions = ${read('options.json')};`);
  lines.push(`export const log: F.EventMap['log'][] = ${read('log.json')};`);
  lines.push(`export const diagnostics: F.Diagnostics = ${read('diagnostics.json')};`);
  return lines.join('\n') + '\n';
}

// The host APIs the README's by-hand examples call, as far as they use them.
const CIF = `declare const cif: Promise<{
  setClickToAct(on: boolean): Promise<unknown>;
  addHandler(event: string, handler: (data: string) => unknown): void;
  searchAndOpenRecords(entity: string, query: string, searchOnly: boolean): Promise<string>;
}>;`;
const SFORCE = `declare const sforce: { opencti: {
  notifyInitializationComplete(): void;
  enableClickToDial(o: { callback: () => void }): void;
  onClickToDial(o: { listener: (p: { number: string }) => unknown }): void;
  searchAndScreenPop(o: { searchParams: string; queryParams: string; callType: string; deferred: boolean; callback: () => void }): void;
  CALL_TYPE: { INBOUND: string };
} };`;

/**
 * The README's code blocks marked `<!-- types: checked -->`, each as a
 * module. A ```html block contributes its <script type="module">. Names a
 * block uses but does not define (client, options, sforce, the CIF
 * promise) are declared for it.
 */
function readmeModules() {
  const md = readFileSync(join(web, 'README.md'), 'utf8');
  const re = /<!-- types: checked -->\n```(js|ts|html)\n([\s\S]*?)```/g;
  const out = [];
  for (const [, lang, body] of md.matchAll(re)) {
    let code = body;
    if (lang === 'html') {
      const m = body.match(/<script type="module">([\s\S]*?)<\/script>/);
      assert.ok(m, 'a checked html example holds a module script');
      code = m[1];
    }
    code = code.replaceAll("'./finesse-ha/index.js'", `'${index}'`).replaceAll("'finesse-ha'", `'${index}'`);
    const decls = [`import type { Client, ClientOptions } from '${index}';`];
    const defines = (name) => new RegExp(`(const|let|var)\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b`).test(code);
    if (!defines('client')) decls.push('declare const client: Client;');
    if (!defines('options')) decls.push('declare const options: ClientOptions;');
    if (/\bsforce\b/.test(code)) decls.push(SFORCE);
    if (/\bcif\b/.test(code) && !defines('cif')) decls.push(CIF);
    out.push(decls.join('\n') + '\n' + code + '\nexport {};\n');
  }
  return out;
}

test('index.d.ts accepts the golden JSON, a page reading every field and the README examples under tsc --strict', (t) => {
  if (!existsSync(tsc)) {
    if (process.env.CI === 'true') assert.fail(`typescript is not installed (${tsc}); make test-js installs it`);
    t.skip('typescript not installed: run make test-js (npm install in web/)');
    return;
  }
  rmSync(gen, { recursive: true, force: true });
  mkdirSync(gen, { recursive: true });
  const files = ['../usage.ts', 'golden.ts'];
  writeFileSync(join(gen, 'golden.ts'), goldenModule());
  const readme = readmeModules();
  assert.ok(readme.length >= 3, `README examples checked: ${readme.length}`);
  readme.forEach((code, i) => {
    writeFileSync(join(gen, `readme${i}.ts`), code);
    files.push(`readme${i}.ts`);
  });
  writeFileSync(join(gen, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'es2022', moduleResolution: 'bundler',
      lib: ['es2022', 'dom'], types: [], skipLibCheck: false, exactOptionalPropertyTypes: true,
    },
    files,
  }, null, 2));
  try {
    execFileSync(process.execPath, [tsc, '-p', join(gen, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    assert.fail(`tsc --strict failed:\n${err.stdout}${err.stderr}\n(generated files in ${gen}: ${readdirSync(gen).join(', ')})`);
  }
});
