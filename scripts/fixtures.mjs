#!/usr/bin/env node
// Fixtures from the packed tarballs — what a new user gets from npm, checked the way they use it.
// Packs `rtc-call` and `rtc-call-server` (after a build), then in fresh directories outside this
// repository:
//   react   React 19 + Vite + TypeScript: tsc type-checks the README's snippet with rtc-call/jsx, vite
//           builds it with no warning; `npm ls` has no express, ws, jose or peer (the widget package
//           carries no server weight);
//   vue     Vue 3 + Vite: vue-tsc type-checks the README's <script setup lang="ts"> snippet with
//           rtc-call/vue, vite builds it with no warning;
//   plain   a plain HTML page with the one-tag script, served by rtc-call-server installed from its
//           tarball (with rtc-call as its peer dependency): `--version`, /healthz, /rtc-call.js and its core chunk,
//           the page, and a join answered.
// Needs the npm registry (run by .ci/run before `npm test`, outside the test namespace); not part
// of `npm test`. `node scripts/fixtures.mjs [react] [vue] [plain] [--keep]`. Exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = new Set(args.filter((a) => !a.startsWith('-')));
const want = (name) => only.size === 0 || only.has(name);
const work = mkdtempSync(join(tmpdir(), 'rtc-fixtures-'));
const results = [];

// Versions a `create-vite` app gets today, pinned so a run is reproducible.
const VERSIONS = {
  vite: '^8.0.0',
  '@vitejs/plugin-react': '^6.0.0',
  '@vitejs/plugin-vue': '^6.0.0',
  react: '^19.2.0',
  'react-dom': '^19.2.0',
  '@types/react': '^19.2.0',
  '@types/react-dom': '^19.2.0',
  vue: '^3.5.0',
  'vue-tsc': '^3.1.0',
  typescript: '~5.9.3',
};
const pick = (...names) => Object.fromEntries(names.map((n) => [n, VERSIONS[n]]));

function run(cwd, cmd, cmdArgs, { allowFail = false } = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${cmdArgs.join(' ')} (in ${cwd}) exited ${r.status}:\n${output}`);
  return { status: r.status, output };
}

function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(() => { results.push([name, true]); console.log(`✓ ${name}`); })
    .catch((e) => { results.push([name, false]); console.log(`✗ ${name}\n${String(e.message ?? e).replace(/^/gm, '    ')}`); });
}

/** Fails on any warning in a Vite build's output (Vite prints them as `(!) …` or `warning`). */
function viteBuild(dir) {
  const { output } = run(dir, 'npx', ['--no-install', 'vite', 'build', '--logLevel', 'warn']);
  const warnings = output.split('\n').filter((l) => /\(!\)|warn/i.test(l));
  if (warnings.length) throw new Error(`vite build warned:\n${warnings.join('\n')}`);
}

function app(name, pkg, files) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `fixture-${name}`, private: true, type: 'module', ...pkg }, null, 2));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  run(dir, 'npm', ['install', '--no-audit', '--no-fund', '--loglevel', 'error']);
  return dir;
}

// ---- pack ----------------------------------------------------------------------------------------
console.log(`fixtures in ${work}`);
run(root, process.execPath, ['scripts/build.mjs']);
const packs = join(work, 'packs');
mkdirSync(packs);
run(root, 'npm', ['pack', '--pack-destination', packs, '--loglevel', 'error']);
run(root, 'npm', ['pack', '--workspace', 'server', '--pack-destination', packs, '--loglevel', 'error']);
const tarball = (prefix) => join(packs, readdirSync(packs).find((f) => new RegExp(`^${prefix}-\\d`).test(f)));
const widget = tarball('rtc-call');
const serverPkg = tarball('rtc-call-server');

const tsconfig = (extra = {}, top = {}) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true, noEmit: true, skipLibCheck: false, isolatedModules: true, ...extra,
  },
  include: ['src/**/*.ts', 'src/**/*.tsx', 'src/**/*.vue'],
  ...top,
}, null, 2);

const indexHtml = (entry) => `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>fixture</title></head>\n<body><div id="app"></div><script type="module" src="${entry}"></script></body></html>\n`;

// ---- React 19 ----------------------------------------------------------------------------------
if (want('react')) {
  await check('react: install, tsc, vite build, no server packages', () => {
    const dir = app('react', {
      dependencies: { 'rtc-call': `file:${widget}`, ...pick('react', 'react-dom') },
      devDependencies: pick('vite', '@vitejs/plugin-react', '@types/react', '@types/react-dom', 'typescript'),
    }, {
      'tsconfig.json': tsconfig({ jsx: 'react-jsx', types: [] }),
      'vite.config.ts': "import { defineConfig } from 'vite';\nimport react from '@vitejs/plugin-react';\nexport default defineConfig({ plugins: [react()] });\n",
      'index.html': indexHtml('/src/main.tsx'),
      // The README's React snippet, as written there.
      'src/custom-elements.d.ts': "import type { CustomElements } from 'rtc-call/jsx';\ndeclare module 'react' {\n  namespace JSX {\n    interface IntrinsicElements extends CustomElements {}\n  }\n}\n",
      'src/main.tsx': `import { createRoot } from 'react-dom/client';
import 'rtc-call';

export function Visit({ room, token }: { room: string; token: string }) {
  return (
    <rtc-call
      room={room}
      token={token}
      server="https://calls.example-clinic.org"
      display-name="Dr. Rivera"
      onrtc-joined={(e) => console.log('joined as', e.detail.participantId)}
      onrtc-error={(e) => console.warn(e.detail.code)}
    />
  );
}

createRoot(document.getElementById('app')!).render(<Visit room="visit-4711" token="t" />);
`,
    });
    run(dir, 'npx', ['--no-install', 'tsc', '-p', '.']);
    viteBuild(dir);
    // A mistake TypeScript can see must fail: a wrong detail property in a typed handler.
    writeFileSync(join(dir, 'src/wrong.tsx'), "import 'rtc-call';\nexport const W = () => <rtc-call room=\"r\" onrtc-joined={(e) => e.detail.nosuch} />;\n");
    const wrong = run(dir, 'npx', ['--no-install', 'tsc', '-p', '.'], { allowFail: true });
    if (wrong.status === 0 || !/nosuch/.test(wrong.output)) throw new Error(`a wrong event detail property type-checked:\n${wrong.output}`);
    rmSync(join(dir, 'src/wrong.tsx'));
    const ls = run(dir, 'npm', ['ls', '--all', '--parseable', 'express', 'ws', 'jose', 'peer'], { allowFail: true });
    const found = ls.output.split('\n').filter((l) => /node_modules[\\/](express|ws|jose|peer)$/.test(l.trim()));
    if (found.length) throw new Error(`the React app installed server packages:\n${found.join('\n')}`);
  });
}

// ---- Vue 3 -----------------------------------------------------------------------------------------
if (want('vue')) {
  await check('vue: install, vue-tsc, vite build', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // The README's Vue single-file component, as written there (the first ```vue block).
    const sfc = /```vue\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!sfc) throw new Error('README.md has no ```vue block');
    const dir = app('vue', {
      dependencies: { 'rtc-call': `file:${widget}`, ...pick('vue') },
      devDependencies: pick('vite', '@vitejs/plugin-vue', 'vue-tsc', 'typescript'),
    }, {
      // As the README says: the typings in `types`, the strict name checks on.
      'tsconfig.json': tsconfig({ jsx: 'preserve', types: ['vite/client', 'rtc-call/vue'] }, { vueCompilerOptions: { checkUnknownProps: true, checkUnknownEvents: true } }),
      'vite.config.ts': "import { defineConfig } from 'vite';\nimport vue from '@vitejs/plugin-vue';\nexport default defineConfig({\n  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('rtc-') } } })],\n});\n",
      'index.html': indexHtml('/src/main.ts'),
      'src/Visit.vue': sfc,
      'src/main.ts': "import { createApp } from 'vue';\nimport Visit from './Visit.vue';\ncreateApp(Visit, { room: 'visit-4711' }).mount('#app');\n",
    });
    run(dir, 'npx', ['--no-install', 'vue-tsc', '--noEmit', '-p', '.']);
    viteBuild(dir);
  });
}

// ---- plain HTML, served by the server from its tarball ------------------------------------------------------
if (want('plain')) {
  await check('plain: rtc-call-server from its tarball serves the page, the bundle and a join', async () => {
    const dir = app('plain', {
      dependencies: { 'rtc-call-server': `file:${serverPkg}`, 'rtc-call': `file:${widget}` },
    }, {
      'public/index.html': '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>visit</title>\n<script type="module" src="/rtc-call.js"></script></head>\n<body><rtc-call room="visit-4711"></rtc-call></body></html>\n',
    });
    const version = run(dir, 'npx', ['--no-install', 'rtc-call-server', '--version']).output.trim();
    const expected = JSON.parse(readFileSync(join(root, 'server', 'package.json'), 'utf8')).version;
    if (version !== expected) throw new Error(`--version printed ${version}, expected ${expected}`);
    const child = spawn(join(dir, 'node_modules', '.bin', 'rtc-call-server'), ['--port', '0', '--demo-dir', join(dir, 'public')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no listening line in 20 s:\n${out}${err}`)), 20_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/\S+?)\/?\s/.exec(out);
          if (m) { clearTimeout(timer); resolve(m[1]); }
        });
        child.stderr.on('data', (d) => (err += d));
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}${err}`)); });
      });
      const health = await (await fetch(`${base}/healthz`)).json();
      if (health.ok !== true) throw new Error(`/healthz: ${JSON.stringify(health)}`);
      const bundle = await fetch(`${base}/rtc-call.js`);
      const text = await bundle.text();
      if (bundle.status !== 200 || !text.includes('rtc-call')) throw new Error(`/rtc-call.js: ${bundle.status}, ${text.length} bytes`);
      const shipped = readFileSync(join(dir, 'node_modules', 'rtc-call', 'dist', 'cdn', 'rtc-call.js'), 'utf8');
      if (text !== shipped) throw new Error('/rtc-call.js is not the bundle of the installed rtc-call package');
      // Its chunks come from the installed package too (dist/cdn/chunks/, next to the entry).
      const core = /"\.\/(chunks\/core-[\w-]+\.js)"/.exec(text)?.[1];
      if (!core) throw new Error('/rtc-call.js imports no chunks/core-*.js');
      const chunk = await fetch(`${base}/${core}`);
      if (chunk.status !== 200 || (await chunk.text()) !== readFileSync(join(dir, 'node_modules', 'rtc-call', 'dist', 'cdn', core), 'utf8')) {
        throw new Error(`/${core}: ${chunk.status}, not the installed package's chunk`);
      }
      const page = await (await fetch(`${base}/`)).text();
      if (!page.includes('<rtc-call room="visit-4711">')) throw new Error('the page was not served');
      const joined = await fetch(`${base}/api/rooms/visit-4711/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"displayName":"Ada"}' });
      const answer = await joined.json();
      if (joined.status !== 200 || typeof answer.peerToken !== 'string') throw new Error(`join: ${joined.status} ${JSON.stringify(answer)}`);
    } finally {
      child.kill('SIGTERM');
    }
  });
}

if (!keep) rmSync(work, { recursive: true, force: true });
const failed = results.filter(([, ok]) => !ok).length;
console.log(`\nfixtures: ${results.length - failed} passed, ${failed} failed${keep ? ` (kept in ${work})` : ''}`);
process.exit(failed ? 1 : 0);
