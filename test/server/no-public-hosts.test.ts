// Privacy (issue 11, defect 10): nothing `npm run build` ships names a third-party server. PeerJS
// brings public STUN/TURN servers and a public PeerServer as defaults; the one-tag bundle strips
// them at build time (rollup.config.mjs) and the npm build never contained them. This scans every
// file under dist/ (run after the build: `npm test` does) for public host names, STUN/TURN URLs
// and http(s)/ws(s) URLs whose host is not loopback or a reserved documentation name.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');

/** Hosts nobody can be contacted on: loopback, and the names RFC 2606 / RFC 6761 reserve. */
function isHarmless(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)) return true;
  if (!h.includes('.') && !h.includes(':')) return true; // a single label (a placeholder like `host`): no public name
  return /(^|\.)(example|invalid|test)$/.test(h) || /(^|\.)example\.(com|net|org)$/.test(h);
}

/** Where a file may name a public host, and why. */
const ALLOWED: { file: RegExp; url: RegExp; why: string }[] = [
  {
    file: /^vscode\.(html|css)-custom-data\.json$/,
    url: /^https:\/\/raw\.githubusercontent\.com\/microsoft\/vscode-(html|css)-languageservice\//,
    why: 'the "$schema" an editor validates the file against; neither the widget nor the server loads it',
  },
];

/** Public TLDs a bare host name in a string literal would end in (e.g. PeerJS's "0.peerjs.com"). */
const PUBLIC_TLD = /\.(com|net|org|io|dev|app|cloud|co|me|info|biz|xyz|us|eu|de|uk|fr|nl|ru|cn|jp)$/i;

/** Every public host `text` names, as `what: match`. */
function findPublicHosts(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/[\w.-]*(?:peerjs\.com|google\.com)\b/gi)) found.push(`named host: ${m[0]}`);
  // stun:host[:port][?…] and turn(s):… — a host with a dot or in brackets (not `stun:` alone).
  for (const m of text.matchAll(/\b(stuns?|turns?):(\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi)) {
    if (!isHarmless(m[2]!)) found.push(`${m[1]} URL: ${m[0]}`);
  }
  for (const m of text.matchAll(/\b(?:https?|wss?):\/\/([^\s"'`<>()\\,;]+)/gi)) {
    if (m[1]!.includes('${')) continue; // a template: the host is computed
    let host: string;
    try {
      host = new URL(m[0]).hostname;
    } catch {
      continue;
    }
    if (!isHarmless(host)) found.push(`URL: ${m[0]}`);
  }
  for (const m of text.matchAll(/["'`]([a-z0-9-]+(?:\.[a-z0-9-]+)+)["'`]/gi)) {
    if (PUBLIC_TLD.test(m[1]!) && !isHarmless(m[1]!)) found.push(`host name: ${m[1]}`);
  }
  return [...new Set(found)];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('no third-party hosts in what the build ships', () => {
  test('the scanner finds what it must (PeerJS 1.5 defaults, other public hosts) and lets loopback and examples pass', () => {
    const peerjsDefaults = `const DEFAULT_CONFIG={iceServers:[{urls:"stun:stun.l.google.com:19302"},{urls:["turn:eu-0.turn.peerjs.com:3478"],username:"peerjs",credential:"peerjsp"}]};this.CLOUD_HOST="0.peerjs.com"`;
    const found = findPublicHosts(peerjsDefaults);
    assert.ok(found.includes('stun URL: stun:stun.l.google.com'), found.join('\n'));
    assert.ok(found.includes('turn URL: turn:eu-0.turn.peerjs.com'), found.join('\n'));
    assert.ok(found.includes('host name: 0.peerjs.com'), found.join('\n'));
    assert.deepEqual(findPublicHosts('{urls:"turns:[2001:db8::1]:5349"}'), ['turns URL: turns:[2001:db8::1]']);
    assert.deepEqual(findPublicHosts('fetch("https://telemetry.vendor.io/x")'), ["URL: https://telemetry.vendor.io/x"]);
    assert.deepEqual(findPublicHosts('new WebSocket("wss://relay.somewhere.net:443/peerjs")'), ['URL: wss://relay.somewhere.net:443/peerjs']);
    assert.deepEqual(
      findPublicHosts(
        '"turn:127.0.0.1:3478?transport=udp" "stun:localhost:3478" "stun:[::1]:3478" `http://${host}:${port}/` ' +
          '"https://calls.example.org" "https://host/rtc-call.js" /^turns?:/ "stun:" "wss://" "rtc-call.js" "custom-elements.json"',
      ),
      [],
    );
  });

  test('no file in dist/ (npm build, server, one-tag bundle) names a public host', () => {
    assert.ok(existsSync(join(dist, 'cdn', 'rtc-call.js')), 'dist/cdn/rtc-call.js is missing: run `npm run build` first (npm test does)');
    const files = filesUnder(dist).filter((f) => /\.(m?js|cjs|d\.ts|json|map|html|css|txt)$/.test(f));
    assert.ok(files.some((f) => f.endsWith(join('dist', 'index.js'))), 'dist/index.js (the npm build) is missing');
    // The one-tag bundle's chunks too: PeerJS, its defaults stripped, is in the mesh chunk.
    const chunks = files.filter((f) => f.startsWith(join(dist, 'cdn', 'chunks') + '/'));
    assert.ok(chunks.some((f) => /[\\/]mesh-[\w-]+\.js$/.test(f) && /\bCLOUD_HOST\b|peerjs/i.test(readFileSync(f, 'utf8'))), `PeerJS's chunk (dist/cdn/chunks/mesh-*.js) is not among ${chunks.map((f) => relative(dist, f)).join(', ')}`);
    assert.ok(files.length > 20, `only ${files.length} files under dist/`);
    const problems: string[] = [];
    for (const file of files) {
      const name = relative(dist, file);
      const allowed = ALLOWED.filter((a) => a.file.test(name));
      const hits = findPublicHosts(readFileSync(file, 'utf8')).filter((hit) => !allowed.some((a) => a.url.test(hit.replace(/^URL: /, ''))));
      for (const hit of hits) problems.push(`dist/${name}: ${hit}`);
    }
    assert.deepEqual(problems, []);
  });
});
