// @custom-elements-manifest/analyzer configuration: `npm run analyze` regenerates
// custom-elements.json (committed: it is part of the package's public face). Two maintained
// plugins write extra files from the same analysis into dist/ (never into the manifest, which stays
// identical to a plain `cem analyze --litelement`); `npm run build` runs them too:
// - dist/jsx.d.ts (`rtc-call/jsx`): JSX/React typings, `CustomElements` for `IntrinsicElements`;
// - dist/vscode.html-custom-data.json, dist/vscode.css-custom-data.json: VS Code custom data.
import { readFileSync, writeFileSync } from 'node:fs';
import { customElementJsxPlugin } from 'custom-element-jsx-integration';
import { customElementVsCodePlugin } from 'custom-element-vs-code-integration';

const JSX_FILE = 'dist/jsx.d.ts';

/**
 * Two fixes to the JSX plugin's output. It types a handler as `CustomEvent<T>` with T the event's
 * manifest type, which for us is the event class itself (`RtcJoinedEvent`, whose `detail` is
 * typed): the handler gets `RtcJoinedEvent`. And it imports an event two elements share
 * (`RtcErrorEvent`) twice, a duplicate identifier.
 */
function fixJsxTypes() {
  return {
    name: 'rtc-fix-jsx-types',
    packageLinkPhase() {
      let text = readFileSync(JSX_FILE, 'utf8');
      text = text.replace(/CustomEvent<(Rtc\w+Event)>/g, '$1');
      const names = new Set();
      text = text.replace(/import type \{([^}]*)\} from "\.\/index\.js";\n?/g, (_, list) => {
        for (const n of list.split(',').map((s) => s.trim()).filter(Boolean)) names.add(n);
        return '';
      });
      text = `import type { ${[...names].join(', ')} } from "./index.js";\n${text}`;
      writeFileSync(JSX_FILE, text);
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  litelement: true,
  dependencies: false,
  // The analyzer would write its --outdir into package.json; `customElements` is set there by hand.
  packagejson: false,
  plugins: [
    customElementJsxPlugin({ outdir: 'dist', fileName: 'jsx.d.ts', globalTypePath: './index.js', hideLogs: true }),
    fixJsxTypes(),
    customElementVsCodePlugin({
      outdir: 'dist',
      htmlFileName: 'vscode.html-custom-data.json',
      cssFileName: 'vscode.css-custom-data.json',
      hideLogs: true,
    }),
  ],
};
