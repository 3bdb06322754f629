// The one-tag bundle: dist/cdn/rtc-call.js is the entry of minified ES modules with lit and peerjs
// inlined (no bare imports); it loads its chunks, dist/cdn/chunks/*-[hash].js, relative to its own
// URL (the default export at the end says how they are cut). It is built from tsc's output in dist/, so the
// npm build and the bundle come from the same compiled modules. `cdnPlugins()` is shared with
// scripts/size.mjs, which bundles lit + peerjs "the same way" as the floor to compare against.
import { fileURLToPath } from 'node:url';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';

/**
 * Modules PeerJS imports that the bundle replaces with small local ones; the npm build keeps the
 * real packages. webrtc-adapter (+ sdp, ≈ 12 KiB gzip): its shims target browsers older than the
 * ones rtc-call supports (README, "Browser support") and PeerJS reads only its `browserDetails`
 * (cdn/adapter-lite.js). peerjs-js-binarypack (≈ 2 KiB): only PeerJS DataConnections with
 * "binary" serialization use it, and rtc-call opens none (cdn/binarypack-stub.js throws a clear
 * error if anything tries). PeerJS's MessagePack serializer needs no stand-in: rtc-call imports
 * only `Peer`, so rollup drops it.
 */
export const CDN_ALIASES = {
  'webrtc-adapter': fileURLToPath(new URL('cdn/adapter-lite.js', import.meta.url)),
  'peerjs-js-binarypack': fileURLToPath(new URL('cdn/binarypack-stub.js', import.meta.url)),
};

/**
 * PeerJS's public defaults out of the bundle: its DEFAULT_CONFIG lists public STUN and TURN
 * servers (with shared credentials), which its `util.supports` probe hands to an RTCPeerConnection
 * when the module is evaluated, and CLOUD_HOST is the public PeerServer a Peer without `host` would
 * dial. DEFAULT_CONFIG's `iceServers` become `[]` and CLOUD_HOST `""` (a URL without a host: no
 * request can be made to it); the e-mail address in one error message goes too. The build fails if
 * an edit finds nothing to change, or if any public host is left in PeerJS or in the output, so a
 * PeerJS upgrade cannot bring them back silently. (The npm build, which the consumer's bundler
 * builds, is guarded at run time instead: src/core/transport/mesh/peerjs-loader.ts.)
 */
const PUBLIC_HOSTS = /peerjs\.com|google\.com|\b(?:stun|turn)s?:(?!\/\/)[\w[]/i;

export function stripPeerJsDefaults() {
  const isPeerJs = (id) => /[\\/]node_modules[\\/]peerjs[\\/]/.test(id);
  let edited;
  const edits = {
    'DEFAULT_CONFIG.iceServers': (code) => {
      const start = /\bDEFAULT_CONFIG\s*=\s*\{\s*iceServers\s*:\s*\[/.exec(code);
      if (!start) return code;
      // From the `[` to its matching `]` (the entries hold nested arrays, and no brackets in strings).
      let depth = 0;
      let i = start.index + start[0].length - 1;
      for (; i < code.length; i++) {
        if (code[i] === '[') depth++;
        else if (code[i] === ']' && --depth === 0) break;
      }
      return `${code.slice(0, start.index + start[0].length - 1)}[]${code.slice(i + 1)}`;
    },
    CLOUD_HOST: (code) => code.replace(/(\bCLOUD_HOST\s*=\s*)(["'])[^"']+\2/, '$1""'),
    'team@peerjs.com': (code) => code.replace(/team@peerjs\.com/g, 'the PeerJS team'),
  };
  return {
    name: 'rtc-strip-peerjs-defaults',
    buildStart() {
      edited = new Set();
    },
    transform(code, id) {
      if (!isPeerJs(id)) return null;
      let next = code;
      for (const [name, edit] of Object.entries(edits)) {
        const after = edit(next);
        if (after !== next) edited.add(name);
        next = after;
      }
      const left = PUBLIC_HOSTS.exec(next);
      if (left) this.error(`${id} still names a public host after stripping PeerJS's defaults: …${next.slice(Math.max(0, left.index - 60), left.index + 60)}…`);
      return next === code ? null : { code: next, map: null };
    },
    buildEnd(error) {
      if (error) return;
      const peerjs = [...this.getModuleIds()].some(isPeerJs);
      const missing = Object.keys(edits).filter((name) => !edited.has(name));
      if (peerjs && missing.length) {
        this.error(`PeerJS's code changed: found nothing to strip for ${missing.join(', ')}. Update stripPeerJsDefaults() in rollup.config.mjs.`);
      }
    },
    renderChunk(code, chunk) {
      const left = PUBLIC_HOSTS.exec(code);
      if (left) this.error(`${chunk.fileName} names a public host: …${code.slice(Math.max(0, left.index - 60), left.index + 60)}…`);
      return null;
    },
  };
}

/**
 * Modules of the npm build that the one-tag bundle replaces with its own (cdn/), each for a reason
 * that holds only in the bundle:
 * - peerjs-loader: the defaults are stripped at build time, so the run-time guard of
 *   src/core/transport/mesh/peerjs-loader.ts has nothing to do here, and cdn/peerjs-loader.js
 *   (a static import, so PeerJS shares the mesh transport's chunk: one request at join) takes
 *   the module's place.
 * - default-server: the bundle is served by the rtc-call server, so its default `server` is the
 *   script's own folder (`import.meta.url`); the npm build uses the page's origin, and has no
 *   `new URL(…, import.meta.url)` for app bundlers to warn about.
 * The build fails if a module is not found, so a move in src/ cannot silently drop a replacement.
 */
const DEFAULT_SERVER = fileURLToPath(new URL('dist/core/default-server.js', import.meta.url));
const CDN_MODULES = Object.fromEntries(
  ['core/transport/mesh/peerjs-loader.js', 'core/default-server.js'].map((path) => [
    fileURLToPath(new URL(`dist/${path}`, import.meta.url)),
    fileURLToPath(new URL(`cdn/${path.split('/').pop()}`, import.meta.url)),
  ]),
);

function cdnModules() {
  let used;
  return {
    name: 'rtc-cdn-modules',
    buildStart() {
      used = new Set();
    },
    async resolveId(source, importer, options) {
      if (!importer || !source.startsWith('.')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const replacement = resolved && CDN_MODULES[resolved.id];
      if (!replacement) return null;
      used.add(resolved.id);
      return replacement;
    },
    buildEnd(error) {
      const missing = Object.keys(CDN_MODULES).filter((id) => !used.has(id));
      if (!error && missing.length) this.error(`${missing.join(', ')} not part of the bundle: update CDN_MODULES in rollup.config.mjs.`);
    },
  };
}

function aliases(map) {
  return { name: 'rtc-cdn-aliases', resolveId: (id) => map[id] ?? null };
}

/**
 * Minifies the CSS inside css`…` in our *.styles.js modules (terser leaves template text alone):
 * drops comments, collapses whitespace and removes it around `{ } ; : ,` (never before `:`,
 * where a space is a descendant combinator in selectors). The styles hold no `${…}`; a module
 * with one is left untouched rather than risk mangling an expression.
 */
export function minifyCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim();
}

function cssTemplates() {
  return {
    name: 'rtc-css-minify',
    transform(code, id) {
      if (!/\.styles\.js$/.test(id)) return null;
      const next = code.replace(/\bcss\s*`([^`\\$]*)`/g, (_, text) => `css\`${minifyCss(text)}\``);
      return next === code ? null : { code: next, map: null };
    },
  };
}

export function cdnPlugins() {
  return [
    aliases(CDN_ALIASES),
    stripPeerJsDefaults(),
    cssTemplates(),
    resolve({ browser: true, exportConditions: ['browser', 'import', 'default'] }),
    // peerjs → peerjs-js-binarypack (and, without the alias, webrtc-adapter → sdp) is CommonJS.
    commonjs({ include: [/node_modules/], strictRequires: false }),
    terser({
      ecma: 2020,
      module: true,
      compress: { passes: 2 },
      format: { comments: false },
    }),
  ];
}

export function onwarn(warning, warn) {
  // lit and peerjs ship `this` at module top level in a few helper modules; harmless in ESM.
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  warn(warning);
}

/**
 * The entry (dist/cdn/rtc-call.js) and its chunks. The entry holds the registrations (dist/index.js
 * and the dist/rtc-*.js modules it imports: every tag is defined when the entry has loaded) and
 * nothing any chunk needs: everything else it imports statically is the `core` chunk, and what is
 * loaded at run time (the transports with PeerJS, the pre-call checks, `<rtc-call>`'s in-call parts
 * and `<rtc-precall-check>`'s rendering) are chunks of their own.
 * So no chunk imports the entry: a page that loads `rtc-call.js?v=2` (a CMS adding a version) gets
 * one copy of the core whatever the entry's URL, and two copies on a page share it (DESIGN,
 * "Distribution"). The build fails if a chunk imports the entry.
 */
const ENTRY = fileURLToPath(new URL('dist/index.js', import.meta.url));
const isRegistration = (id) => id === ENTRY || /[\\/]dist[\\/]rtc-[\w-]+\.js$/.test(id);

function coreChunk() {
  let staticImports;
  return (id, { getModuleInfo }) => {
    if (!staticImports) {
      // Everything the entry imports statically, however deep: loaded with the page anyway.
      staticImports = new Set();
      const queue = [ENTRY];
      while (queue.length) {
        const next = queue.pop();
        if (staticImports.has(next)) continue;
        staticImports.add(next);
        queue.push(...(getModuleInfo(next)?.importedIds ?? []));
      }
    }
    if (isRegistration(id)) return undefined;
    return staticImports.has(id) ? 'core' : undefined;
  };
}

/** Chunk names (rollup names a chunk after its first module) that say what the chunk is. */
const CHUNK_NAMES = {
  'mesh-transport': 'mesh', // the PeerJS mesh, PeerJS included
  'sfu-transport': 'sfu',
  'switching-transport': 'switching',
  control: 'transport-common', // what the mesh and the SFU transports share
  run: 'precall', // the pre-call checks
  'call-view': 'call-view', // <rtc-call>'s in-call parts (call view, bar, panels, ended view), loaded at pre-warm / Join
  'call-session': 'call-session', // the call's session (core/session/call-session.js), loaded at pre-warm / code preload / Join
  screen: 'screen', // screen capture, shared by the call session and the in-call view
  'room-client': 'room-client', // the join API's client, shared by the call session and the pre-call checks
  'precall-check-view': 'precall-check-view', // <rtc-precall-check>'s rendering, loaded when one is connected
};

/** A language's catalogue (src/i18n/locales/<tag>.ts), loaded on first use: chunks/lang-<tag>-<hash>.js, the tag in lower case (the server serves only lower-case names). */
const LOCALE = /[\\/]dist[\\/]i18n[\\/]locales[\\/]([\w-]+)\.js$/;

function chunkName(chunk) {
  const locale = chunk.facadeModuleId && LOCALE.exec(chunk.facadeModuleId);
  if (locale) return `lang-${locale[1].toLowerCase()}`;
  return CHUNK_NAMES[chunk.name] ?? chunk.name;
}

/** Each language is a chunk of its own holding only its catalogue, so a page pays for the languages it speaks and no others. */
function languagesAreChunks() {
  return {
    name: 'rtc-languages-are-chunks',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const locales = Object.keys(chunk.modules).filter((id) => LOCALE.test(id));
        if (locales.length && (locales.length > 1 || Object.keys(chunk.modules).length > 1 || !chunk.fileName.startsWith('chunks/lang-'))) {
          this.error(`${chunk.fileName} holds ${Object.keys(chunk.modules).join(', ')}: each catalogue of src/i18n/locales/ must be a chunk of its own (a static import of one would put it in the core).`);
        }
      }
    },
  };
}

function entryImportedByNoChunk() {
  return {
    name: 'rtc-entry-imported-by-no-chunk',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        if ([...chunk.imports, ...chunk.dynamicImports].includes(entry.fileName)) {
          this.error(`${chunk.fileName} imports the entry ${entry.fileName}: move what it needs out of the entry (coreChunk() in rollup.config.mjs).`);
        }
      }
      // Each registration module is named for its tag (dist/rtc-call.js registers <rtc-call>).
      const tags = Object.keys(entry.modules).filter((id) => id !== ENTRY && isRegistration(id)).map((id) => id.replace(/^.*[\\/]|\.js$/g, ''));
      const missing = ['rtc-call', ...tags].filter((tag) => !entry.code.includes(`"${tag}"`));
      if (missing.length) this.error(`${entry.fileName} does not register ${missing.join(', ')}: the registrations belong in the entry.`);
      // cdn/default-server.js finds the server as its own chunk's parent folder (`..`).
      const server = Object.values(bundle).find((c) => c.type === 'chunk' && Object.keys(c.modules).includes(CDN_MODULES[DEFAULT_SERVER]));
      if (!server || !/^chunks\/[^/]+$/.test(server.fileName)) {
        this.error(`cdn/default-server.js is in ${server?.fileName ?? 'no chunk'}, not in chunks/ one folder below the entry: its \`new URL('..', import.meta.url)\` would not be the server.`);
      }
    },
  };
}

export default {
  input: 'dist/index.js',
  // The entry's exports are exactly dist/index.js's (no internals added for the chunks).
  preserveEntrySignatures: 'strict',
  output: {
    dir: 'dist/cdn',
    entryFileNames: 'rtc-call.js',
    // Content-hashed: the server caches them as immutable (server/index.ts, /chunks/).
    chunkFileNames: (chunk) => `chunks/${chunkName(chunk)}-[hash].js`,
    manualChunks: coreChunk(),
    format: 'es',
    sourcemap: false,
  },
  plugins: [cdnModules(), ...cdnPlugins(), entryImportedByNoChunk(), languagesAreChunks()],
  onwarn,
};
