// finesse-ha.xml: well-formed XML (checked by the small parser below: node
// has no XML parser and the package takes no dependencies) and a gadget
// spec with what the Finesse desktop needs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const gadgetDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(gadgetDir, 'finesse-ha.xml'), 'utf8');

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITY = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/g;

function checkText(text, where) {
  if (text.replace(ENTITY, '').includes('&')) throw new Error('bare & in ' + where);
}

/**
 * Parses XML 1.0 well enough to reject what is not well-formed: unbalanced
 * or crossed tags, bad names, unquoted or duplicate attributes, bare & or <,
 * "--" in comments, text or a second root outside the root element. Returns
 * the element tree as {name, attrs, children, text, cdata}. No DTDs.
 */
function parseXML(xml) {
  let i = 0;
  const root = { name: '#document', attrs: {}, children: [], text: '', cdata: [] };
  const stack = [root];
  let rootCount = 0;
  const fail = (msg) => { throw new Error(msg + ' at offset ' + i + ': ' + JSON.stringify(xml.slice(i, i + 40))); };
  if (xml.startsWith('\uFEFF')) i = 1;
  if (xml.startsWith('<?xml', i)) {
    const end = xml.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml\s+version="1\.[0-9]"(\s+encoding="[A-Za-z][A-Za-z0-9._-]*")?(\s+standalone="(yes|no)")?\s*\?>$/.test(xml.slice(i, end + 2))) fail('bad XML declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    const top = stack[stack.length - 1];
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      if (xml.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (top === root) fail('CDATA outside the root element');
      const end = xml.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA section');
      top.cdata.push(xml.slice(i + 9, end));
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      fail('DTDs and declarations are not expected');
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(xml.slice(i));
      if (!m) fail('bad end tag name');
      i += m[0].length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') fail('bad end tag');
      i++;
      if (top === root || top.name !== m[0]) fail('end tag </' + m[0] + '> does not close <' + top.name + '>');
      stack.pop();
    } else if (xml[i] === '<') {
      i++;
      const m = NAME.exec(xml.slice(i));
      if (!m) fail('bad start tag name');
      i += m[0].length;
      const el = { name: m[0], attrs: {}, children: [], text: '', cdata: [] };
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))[0].length;
        i += ws;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (ws === 0) fail('attributes must be separated by white space');
        const a = NAME.exec(xml.slice(i));
        if (!a) fail('bad attribute name');
        i += a[0].length;
        const eq = /^\s*=\s*/.exec(xml.slice(i));
        if (!eq) fail('attribute ' + a[0] + ' has no value');
        i += eq[0].length;
        const q = xml[i];
        if (q !== '"' && q !== "'") fail('attribute ' + a[0] + ' is not quoted');
        const end = xml.indexOf(q, i + 1);
        if (end < 0) fail('unterminated attribute value');
        const value = xml.slice(i + 1, end);
        if (value.includes('<')) fail('< in attribute ' + a[0]);
        checkText(value, 'attribute ' + a[0]);
        if (Object.hasOwn(el.attrs, a[0])) fail('duplicate attribute ' + a[0]);
        el.attrs[a[0]] = value;
        i = end + 1;
      }
      if (top === root && ++rootCount > 1) fail('more than one root element');
      top.children.push(el);
      if (xml.startsWith('/>', i)) {
        i += 2;
      } else {
        i++;
        stack.push(el);
      }
    } else {
      const end = xml.indexOf('<', i);
      const text = xml.slice(i, end < 0 ? xml.length : end);
      if (top === root && text.trim() !== '') fail('text outside the root element');
      if (text.includes(']]>')) fail('"]]>" in text');
      checkText(text, '<' + top.name + '>');
      top.text += text;
      i += text.length;
    }
  }
  if (stack.length !== 1) throw new Error('unclosed element <' + stack[stack.length - 1].name + '>');
  if (rootCount !== 1) throw new Error('no root element');
  return root.children[0];
}

test('the checker rejects what is not well-formed', () => {
  const bad = [
    '<a><b></a></b>',
    '<a>',
    '<a></a><b/>',
    '<a x=1/>',
    '<a x="1" x="2"/>',
    '<a>fish & chips</a>',
    '<a><!-- a -- b --></a>',
    '<a><![CDATA[x</a>',
    'text<a/>',
    '<a b="<"/>',
    '<1a/>',
    '<a x="1"y="2"/>',
  ];
  for (const xml of bad) assert.throws(() => parseXML(xml), Error, xml);
  const ok = parseXML('<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1 &amp; 2"><b/><![CDATA[<i>&</i>]]>t&lt;</a>\n');
  assert.equal(ok.name, 'a');
  assert.equal(ok.attrs.x, '1 &amp; 2');
  assert.deepEqual(ok.cdata, ['<i>&</i>']);
});

test('finesse-ha.xml is well-formed', () => {
  assert.doesNotThrow(() => parseXML(source));
});

test('finesse-ha.xml is a Finesse gadget spec that follows the desktop', () => {
  const module = parseXML(source);
  assert.equal(module.name, 'Module');
  const prefs = module.children.find((c) => c.name === 'ModulePrefs');
  assert.ok(prefs && prefs.attrs.title, 'ModulePrefs with a title');
  const features = prefs.children.filter((c) => c.name === 'Require').map((c) => c.attrs.feature);
  for (const f of ['pubsub-2', 'setprefs']) assert.ok(features.includes(f), 'Require feature="' + f + '"');
  const userPrefs = module.children.filter((c) => c.name === 'UserPref');
  assert.deepEqual(userPrefs.map((p) => [p.attrs.name, p.attrs.datatype]), [['scheme', 'hidden'], ['host', 'hidden'], ['hostPort', 'hidden']]);

  const content = module.children.find((c) => c.name === 'Content');
  assert.equal(content.attrs.type, 'html');
  assert.equal(content.cdata.length, 1, 'the HTML is one CDATA section');
  const html = content.cdata[0];
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts, ['/desktop/assets/js/jquery.min.js', '/desktop/assets/js/finesse.js', 'desktop-follower.js', 'gadget.js']);
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script: gadget.js starts itself, so the gadget runs under script-src \'self\'');
  assert.doesNotMatch(html, /type="module"/, 'classic scripts only: the container may rewrite URLs');
  assert.doesNotMatch(html, /finesse-ha\.wasm|createClient/, 'the gadget opens no session of its own');
  for (const local of [...scripts.filter((s) => !s.startsWith('/')), 'gadget.css']) {
    assert.ok(existsSync(join(gadgetDir, local)), local + ' exists next to the gadget');
  }
  for (const id of ['fha-connection', 'fha-agent', 'fha-calls']) assert.match(html, new RegExp('id="' + id + '"'));
});
