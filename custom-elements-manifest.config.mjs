// @custom-elements-manifest/analyzer configuration: `npm run analyze` regenerates
// custom-elements.json (committed: it is part of the package's public face). Three maintained
// plugins write extra files from the same analysis into dist/ (never into the manifest, which stays
// identical to a plain `cem analyze --litelement`); `npm run build` runs them too:
// - dist/jsx.d.ts (`rtc-call/jsx`): JSX/React typings, `CustomElements` for `IntrinsicElements`;
// - dist/vue.d.ts (`rtc-call/vue`): Vue typings, the elements as `GlobalComponents` for vue-tsc;
// - dist/vscode.html-custom-data.json, dist/vscode.css-custom-data.json: VS Code custom data.
// Each typings file gets a post-fix below (the plugins' output is close, not right for us).
import { readFileSync, writeFileSync } from 'node:fs';
import { customElementJsxPlugin } from 'custom-element-jsx-integration';
import { customElementVsCodePlugin } from 'custom-element-vs-code-integration';
import { customElementVuejsPlugin } from 'custom-element-vuejs-integration';

const JSX_FILE = 'dist/jsx.d.ts';
const VUE_FILE = 'dist/vue.d.ts';

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/** Per element class: its attributes (name → property) and its read-only properties. */
function elementsOf(manifest) {
  const elements = new Map();
  for (const mod of manifest.modules ?? []) {
    for (const d of mod.declarations ?? []) {
      if (!d.tagName) continue;
      elements.set(d.name, {
        attributes: new Map((d.attributes ?? []).filter((a) => a.fieldName).map((a) => [a.name, a.fieldName])),
        readonly: new Set((d.members ?? []).filter((m) => m.kind === 'field' && m.readonly).map((m) => m.name)),
      });
    }
  }
  return elements;
}

/**
 * Rewrites the members of each `<Class>Props = { … }` type the plugins write (one optional member a
 * line, after its doc comment): `edit(element, key, entry)` returns the entries to keep instead.
 */
function editProps(text, elements, edit) {
  return text.replace(/(type (\w+)Props = \{\n)([\s\S]*?)(\n\};)/g, (all, head, name, body, tail) => {
    const element = elements.get(name);
    if (!element) return all;
    const entries = [...body.matchAll(/(?:[ \t]*\/\*\*[\s\S]*?\*\/\n)?[ \t]*("?)([\w-]+)\1\?: [^\n]*;(?:\n|$)/g)].map((m) => ({
      text: m[0].endsWith('\n') ? m[0] : `${m[0]}\n`,
      key: m[2],
    }));
    return head + entries.flatMap((entry) => edit(element, entry.key, entry.text)).join('').replace(/\n$/, '') + tail;
  });
}

/** One `import type { … } from "./index.js"` with every name once (the plugins import a shared event twice). */
function oneImport(text) {
  const names = new Set();
  text = text.replace(/import type \{([^}]*)\} from "\.\/index\.js";\n?/g, (_, list) => {
    for (const n of list.split(',').map((s) => s.trim()).filter(Boolean)) names.add(n);
    return '';
  });
  return `import type { ${[...names].join(', ')} } from "./index.js";\n${text}`;
}

/**
 * Fixes to the JSX plugin's output (React 19 is the one JSX runtime we document):
 * - a handler is typed `CustomEvent<T>` with T the event's manifest type, which for us is the event
 *   class itself (`RtcJoinedEvent`, whose `detail` is typed): the handler gets `RtcJoinedEvent`;
 * - an event two elements share (`RtcErrorEvent`) is imported twice, a duplicate identifier;
 * - React 19 sets a prop as a property when the element has it (`'displayName' in el`), so every
 *   attribute also gets its camelCase property (`displayName`): TypeScript checks plain identifiers
 *   for typos, never hyphenated names (`display-nme` passes, `displayNme` fails). The hyphenated
 *   attributes stay (their values are type-checked when the name is spelt right);
 * - read-only properties (`state`, `participants`, `error`, `speaking`, the picker's `status`) are
 *   not props: React would assign them and the getter-only property throws.
 */
function fixJsxTypes() {
  return {
    name: 'rtc-fix-jsx-types',
    packageLinkPhase({ customElementsManifest }) {
      const elements = elementsOf(customElementsManifest);
      let text = readFileSync(JSX_FILE, 'utf8');
      text = text.replace(/CustomEvent<(Rtc\w+Event)>/g, '$1');
      text = editProps(text, elements, (element, key, entry) => {
        if (element.readonly.has(key)) return [];
        const field = element.attributes.get(key);
        if (!field || field === key) return [entry];
        return [entry, entry.replace(`"${key}"?:`, `${field}?:`)];
      });
      writeFileSync(JSX_FILE, oneImport(text));
    },
  };
}

/**
 * Fixes to the Vue plugin's output, so that vue-tsc checks what Vue really does:
 * - vue-tsc normalises a template's `display-name` / `displayName` to the prop `displayName`, and
 *   `@rtc-joined` to `onRtcJoined`: the plugin's keys (`"display-name"`, `"onrtc-joined"`) never
 *   match, so every attribute went unchecked and every handler's `e` was an implicit any;
 * - handlers get the event class, not `CustomEvent<class>` (as in the JSX fix), one import;
 * - read-only properties are dropped: Vue sets a bound name the element has as a property, and a
 *   getter-only property throws;
 * - an element takes every HTML attribute and DOM event as well (`id`, `title`, `@click`), typed
 *   by Vue's own `HTMLAttributes`: without them vue-tsc's `checkUnknownProps` / `checkUnknownEvents`
 *   (which catch typos in our names) would reject those;
 * - its global `JSX.IntrinsicElements` block is dropped: it maps tags to component constructors
 *   (not props), and a global JSX namespace would collide with React's in a mixed project; Vue's
 *   own JSX (`jsxImportSource: "vue"`) does not read it.
 */
function fixVueTypes() {
  return {
    name: 'rtc-fix-vue-types',
    packageLinkPhase({ customElementsManifest }) {
      const elements = elementsOf(customElementsManifest);
      let text = readFileSync(VUE_FILE, 'utf8');
      text = text.replace(/CustomEvent<(Rtc\w+Event)>/g, '$1');
      text = editProps(text, elements, (element, key, entry) => {
        if (element.readonly.has(key)) return [];
        const name = key.startsWith('on') && key.includes('-') ? `on${camel(`-${key.slice(2)}`)}` : (element.attributes.get(key) ?? key);
        return [name === key ? entry : entry.replace(`"${key}"?:`, `${name}?:`)];
      });
      text = text.replace(/\ndeclare global \{[\s\S]*$/, '\n');
      text = text.replace(/DefineComponent<(\w+Props)>/g, 'DefineComponent<$1 & Omit<HTMLAttributes, keyof $1>>');
      text = text.replace('import type { DefineComponent } from "vue";', 'import type { DefineComponent, HTMLAttributes } from "vue";');
      writeFileSync(VUE_FILE, oneImport(text));
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  // The catalogues are data, not API (Messages, their type, is in src/i18n/messages.ts).
  exclude: ['src/**/*.test.ts', 'src/i18n/locales/**'],
  litelement: true,
  dependencies: false,
  // The analyzer would write its --outdir into package.json; `customElements` is set there by hand.
  packagejson: false,
  plugins: [
    customElementJsxPlugin({ outdir: 'dist', fileName: 'jsx.d.ts', globalTypePath: './index.js', hideLogs: true }),
    fixJsxTypes(),
    customElementVuejsPlugin({ outdir: 'dist', fileName: 'vue.d.ts', globalTypePath: './index.js', hideLogs: true }),
    fixVueTypes(),
    customElementVsCodePlugin({
      outdir: 'dist',
      htmlFileName: 'vscode.html-custom-data.json',
      cssFileName: 'vscode.css-custom-data.json',
      hideLogs: true,
    }),
  ],
};
