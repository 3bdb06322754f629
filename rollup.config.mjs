// The one-tag bundle: dist/cdn/rtc-call.js is ONE self-contained, minified ES module with lit and
// peerjs inlined (no bare imports, no extra chunks). It is built from tsc's output in dist/, so the
// npm build and the bundle come from the same compiled modules.
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';

export default {
  input: 'dist/index.js',
  output: {
    file: 'dist/cdn/rtc-call.js',
    format: 'es',
    inlineDynamicImports: true,
    sourcemap: false,
  },
  plugins: [
    resolve({ browser: true, exportConditions: ['browser', 'import', 'default'] }),
    // peerjs → webrtc-adapter → sdp is CommonJS.
    commonjs({ include: [/node_modules/], strictRequires: false }),
    terser({ ecma: 2020, module: true, format: { comments: false } }),
  ],
  onwarn(warning, warn) {
    // lit and peerjs ship `this` at module top level in a few helper modules; harmless in ESM.
    if (warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
};
