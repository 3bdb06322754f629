#!/usr/bin/env node
// Writes the README's API reference (between <!-- api:start --> and <!-- api:end -->) from
// custom-elements.json: attributes, properties, methods, events, slots, parts and custom properties
// of every element. `--check` fails when the README's section is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}custom-elements.json`, 'utf8'));
const START = '<!-- api:start -->';
const END = '<!-- api:end -->';

const cell = (s) => String(s ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();
const code = (s) => (s ? `\`${cell(s)}\`` : '');

function table(headers, rows) {
  if (!rows.length) return '';
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

const out = [];
const elements = manifest.modules.flatMap((m) => (m.declarations ?? []).filter((d) => d.customElement && d.tagName));
for (const el of elements.sort((a, b) => a.tagName.localeCompare(b.tagName))) {
  out.push(`### \`<${el.tagName}>\``, '', cell(el.summary || el.description), '');
  const members = (el.members ?? []).filter((m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.static && !m.name.startsWith('_'));
  const attrs = el.attributes ?? [];
  out.push(
    table(
      ['Attribute', 'Property', 'Type', 'Default', 'Description'],
      attrs.map((a) => [code(a.name), code(a.fieldName), code(a.type?.text), code(a.default), cell(a.description)]),
    ),
  );
  const attrFields = new Set(attrs.map((a) => a.fieldName));
  const props = members.filter((m) => m.kind === 'field' && !attrFields.has(m.name));
  out.push(
    table(
      ['Property (no attribute)', 'Type', 'Description'],
      props.map((p) => [code(p.name) + (p.readonly ? ' (read-only)' : ''), code(p.type?.text), cell(p.description)]),
    ),
  );
  const methods = members.filter((m) => m.kind === 'method');
  out.push(
    table(
      ['Method', 'Description'],
      methods.map((m) => [
        code(`${m.name}(${(m.parameters ?? []).map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type?.text ?? 'unknown'}`).join(', ')}): ${m.return?.type?.text ?? 'void'}`),
        cell(m.description),
      ]),
    ),
  );
  out.push(table(['Event', 'Type', 'Description'], (el.events ?? []).map((e) => [code(e.name), code(e.type?.text), cell(e.description)])));
  out.push(table(['Slot', 'Description'], (el.slots ?? []).map((s) => [s.name ? code(s.name) : '(default)', cell(s.description)])));
  out.push(table(['CSS part', 'Description'], (el.cssParts ?? []).map((p) => [code(p.name), cell(p.description)])));
  out.push(table(['CSS custom property', 'Default', 'Description'], (el.cssProperties ?? []).map((p) => [code(p.name), code(p.default), cell(p.description)])));
}
const section = `${START}\n<!-- Generated from custom-elements.json by \`npm run docs\`; do not edit by hand. -->\n\n${out.filter(Boolean).join('\n')}${END}`;

const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < 0) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
const next = readme.slice(0, a) + section + readme.slice(b + END.length);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md API reference is stale: run `npm run docs` and commit the result.');
    process.exit(1);
  }
  console.log('README.md API reference is up to date');
} else {
  writeFileSync(readmePath, next);
  console.log('README.md API reference written');
}
