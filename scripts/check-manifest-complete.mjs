#!/usr/bin/env node
// Fails when an element dispatches an event, renders a part or reads a custom property that
// custom-elements.json does not document, or when anything documented lacks a description.
// A static scan of src/: for each element module src/components/<x>/<x>.ts it reads
//   - events: `new Rtc…Event(` in the element and the controllers it imports (src/controllers/),
//     mapped to names through `static readonly eventName = 'rtc-…'` in src/events/;
//   - parts: every token of `part="…"` and the outer names of `exportparts` in the element's
//     templates (a token with `${…}` must match at least one documented part, as a pattern);
//   - custom properties: every `var(--rtc-…)` in the element and its *.styles.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (p) => readFileSync(join(root, p), 'utf8');
// An argument names another manifest (used to check this check against a broken copy).
const manifest = JSON.parse(readFileSync(process.argv[2] ?? join(root, 'custom-elements.json'), 'utf8'));
const problems = [];

const eventNames = new Map();
for (const f of readdirSync(join(root, 'src/events'))) {
  const text = read(`src/events/${f}`);
  for (const m of text.matchAll(/class (Rtc\w+Event)\b[\s\S]*?static readonly eventName = '([^']+)'/g)) eventNames.set(m[1], m[2]);
}

function constantStrings(text) {
  // `const TILE_PARTS = '…'` / [...].join(', ') style constants used in templates: name → text.
  const map = new Map();
  for (const m of text.matchAll(/const (\w+)\s*=\s*([\s\S]*?);\n/g)) map.set(m[1], m[2]);
  return map;
}

for (const mod of manifest.modules) {
  for (const el of (mod.declarations ?? []).filter((d) => d.customElement && d.tagName)) {
    const where = `<${el.tagName}> (${mod.path})`;
    const source = read(mod.path);
    const dir = mod.path.replace(/\/[^/]+$/, '');
    const styles = readdirSync(join(root, dir)).filter((f) => f.endsWith('.styles.ts')).map((f) => read(`${dir}/${f}`)).join('\n');
    const controllers = [...source.matchAll(/from '\.\.\/\.\.\/controllers\/([\w-]+)\.js'/g)].map((m) => read(`src/controllers/${m[1]}.ts`));

    // Descriptions for everything documented.
    const members = (el.members ?? []).filter((m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.static && !m.name.startsWith('#') && !m.name.startsWith('_'));
    const groups = { attribute: el.attributes ?? [], member: members, event: el.events ?? [], slot: el.slots ?? [], part: el.cssParts ?? [], 'custom property': el.cssProperties ?? [] };
    for (const [kind, list] of Object.entries(groups)) {
      for (const item of list) if (!item.description?.trim()) problems.push(`${where}: ${kind} ${item.name || '(default slot)'} has no description`);
    }
    for (const ev of el.events ?? []) if (!ev.type?.text) problems.push(`${where}: event ${ev.name} has no type`);

    // Events dispatched.
    const documentedEvents = new Set((el.events ?? []).map((e) => e.name));
    for (const text of [source, ...controllers]) {
      for (const m of text.matchAll(/new (Rtc\w+Event)\(/g)) {
        const name = eventNames.get(m[1]);
        if (!name) problems.push(`${where}: dispatches ${m[1]}, which has no eventName in src/events/`);
        else if (!documentedEvents.has(name)) problems.push(`${where}: dispatches ${name} (${m[1]}) but the manifest does not list it (@fires)`);
      }
    }

    // Parts rendered.
    const documentedParts = (el.cssParts ?? []).map((p) => p.name);
    const partOk = (token) => {
      if (!token.includes('${')) return documentedParts.includes(token);
      const re = new RegExp(`^${token.split(/\$\{[^}]*\}/).map((s) => s.replace(/[.*+?^()|[\]\\]/g, '\\$&')).join('[\\w-]+')}$`);
      return documentedParts.some((p) => re.test(p));
    };
    for (const m of source.matchAll(/\spart="([^"]*)"/g)) {
      for (const token of m[1].match(/(?:\$\{[^}]*\}|[^\s$])+/g) ?? []) if (!partOk(token)) problems.push(`${where}: renders part "${token}" that the manifest does not list (@csspart)`);
    }
    const consts = constantStrings(source);
    for (const m of source.matchAll(/exportparts=(?:"([^"]*)"|\$\{(\w+)\})/g)) {
      const text = m[1] ?? consts.get(m[2]) ?? '';
      let outer = [...text.matchAll(/[\w-]+\s*:\s*([\w-]+)/g)].map((x) => x[1]);
      // ['a', 'b'].map((p) => `${p}:prefix-${p}`) → prefix-a, prefix-b
      const mapped = text.match(/`\$\{(\w+)\}:([\w-]*)\$\{\1\}`/);
      if (mapped) outer = [...text.matchAll(/'([\w-]+)'/g)].map((x) => `${mapped[2]}${x[1]}`);
      if (m[2] && !outer.length) problems.push(`${where}: cannot read the part names of exportparts=\${${m[2]}}`);
      const described = (el.cssParts ?? []).map((p) => `${p.name} ${p.description ?? ''}`).join('\n');
      for (const name of outer) if (!documentedParts.includes(name) && !described.includes(name)) problems.push(`${where}: re-exports part "${name}" that the manifest does not mention`);
      if (m[2] && !consts.has(m[2])) problems.push(`${where}: exportparts=\${${m[2]}} is not a constant this check can read`);
    }

    // Custom properties read.
    const documentedProps = new Set((el.cssProperties ?? []).map((p) => p.name));
    const used = new Set([...`${source}\n${styles}`.matchAll(/var\(\s*(--rtc-[\w-]+)/g)].map((m) => m[1]));
    for (const name of used) if (!documentedProps.has(name)) problems.push(`${where}: reads ${name} but the manifest does not list it (@cssproperty)`);
  }
}

if (problems.length) {
  console.error(`custom-elements.json is incomplete:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('custom-elements.json documents every event, part and custom property the elements use');
