#!/usr/bin/env node
// Builds the app of the privacy browser test (test/browser/privacy.test.ts): test/pages/privacy/app.js
// bundled the way a consumer's bundler would bundle rtc-call from npm: `rtc-call` is the npm build
// (dist/index.js, so run `npm run build` first), node-resolve + commonjs, the REAL peerjs and
// webrtc-adapter (none of the one-tag bundle's stand-ins or its strip of PeerJS's defaults), code
// splitting. Writes app.js, its chunks, app.html and record.js, and build.json (which
// chunk holds PeerJS, and that it still has PeerJS's defaults: the test checks it tests the real
// thing) into the folder given (default .tmp/privacy-app). `npm test` runs it before the browser tests.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pages = join(root, 'test/pages/privacy');
const out = resolvePath(root, process.argv[2] ?? '.tmp/privacy-app');
const npmBuild = join(root, 'dist/index.js');
if (!existsSync(npmBuild)) {
  console.error('build-privacy-app: dist/index.js is missing; run `npm run build` first.');
  process.exit(1);
}

const build = await rollup({
  input: join(pages, 'app.js'),
  plugins: [
    {
      name: 'rtc-call-from-npm',
      resolveId(id, importer) {
        if (id === 'rtc-call') return npmBuild;
        // The page code: this repository's package.json lists its own side effects (dist/ only),
        // which would let rollup drop it.
        if (importer === join(pages, 'app.js') && id === './call.js') return { id: join(pages, 'call.js'), moduleSideEffects: true };
        return null;
      },
    },
    resolve({ browser: true }),
    commonjs(),
  ],
  onwarn(warning, warn) {
    if (warning.code === 'THIS_IS_UNDEFINED') return; // lit and peerjs helpers; harmless in ESM
    warn(warning);
  },
});
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const { output } = await build.write({ dir: out, format: 'es', entryFileNames: 'app.js', chunkFileNames: 'chunk-[hash].js' });
await build.close();
for (const file of ['app.html', 'record.js']) copyFileSync(join(pages, file), join(out, file));

const chunks = output.filter((o) => o.type === 'chunk');
const peerjs = chunks.find((c) => c.moduleIds.some((id) => /[\\/]node_modules[\\/]peerjs[\\/]/.test(id)));
const info = {
  chunks: chunks.map((c) => c.fileName),
  peerjsChunk: peerjs?.fileName ?? null,
  peerjsLazy: !!peerjs && !peerjs.isEntry,
  webrtcAdapter: chunks.some((c) => c.moduleIds.some((id) => /[\\/]node_modules[\\/]webrtc-adapter[\\/]/.test(id))),
  peerjsDefaults: !!peerjs && /peerjs\.com/.test(peerjs.code) && /username:\s*"peerjs"/.test(peerjs.code),
};
writeFileSync(join(out, 'build.json'), `${JSON.stringify(info, null, 2)}\n`);
console.log(`build-privacy-app: ${chunks.length} chunks in ${out} (PeerJS in ${info.peerjsChunk})`);
