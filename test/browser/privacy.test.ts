// Privacy (issue 11, defect 10): loading rtc-call and making a real call contacts loopback only,
// and no RTCPeerConnection is ever configured with a server the site did not configure (PeerJS's
// public STUN/TURN defaults), for (a) the one-tag bundle and (b) an app bundled from the npm build
// with the real peerjs (scripts/build-privacy-app.mjs; `npm test` builds it). The pages
// (test/pages/privacy) start with record.js, which records every request and every configuration
// from before any other script runs; the puppeteer log adds the requests that failed.
import { expect } from '@open-wc/testing';
import { command, rtcServer } from './helpers/server.js';
import { uniqueRoom } from './helpers/call.js';
import { closePage, evalIn, inCall, logOf, openPage } from './helpers/pages.js';

interface Report {
  page: string;
  configs: { via: string; config: RTCConfiguration | null }[];
  requests: string[];
  candidates: { type: string; url: string | null; address: string | null }[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const isLoopbackHost = (host: string) => LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);

/** The addresses of the test namespace's own veth pair: 10.213.0.0/24 and its IPv6 link-local ones. */
const isNamespaceAddress = (address: string) => /^10\.213\.0\.\d{1,3}$/.test(address) || /^\[?fe80:/i.test(address);

/** The host of an http(s)/ws(s) URL, or of a stun:/turn: URL (`turn:host:port?transport=udp`). */
function hostOf(url: string): string {
  const ice = /^(?:stuns?|turns?):(\[[^\]]+\]|[^:?/]+)/i.exec(url);
  if (ice) return ice[1]!.toLowerCase();
  const { protocol, hostname } = new URL(url);
  // blob:, data: and the like name no server.
  return /^(https?|wss?):$/.test(protocol) ? hostname : '127.0.0.1';
}

/** Every way `report` (and the failed requests of the page's log) reached beyond loopback. */
function leaks(report: Report, failed: string[]): string[] {
  const found: string[] = [];
  const urls = [...report.requests, ...failed.map((f) => f.slice(f.lastIndexOf(' ') + 1))];
  for (const url of urls) if (!isLoopbackHost(hostOf(url))) found.push(`request to ${url}`);
  for (const { via, config } of report.configs) {
    for (const server of config?.iceServers ?? []) {
      for (const url of [server.urls].flat()) if (!isLoopbackHost(hostOf(url))) found.push(`RTCPeerConnection ${via} with ${url}`);
    }
  }
  for (const c of report.candidates) {
    if (c.url && !isLoopbackHost(hostOf(c.url))) found.push(`ICE ${c.type} candidate from ${c.url}`);
    // Our own addresses too: only loopback and the test namespace's veth pair (scripts/in-netns.sh).
    if (c.address && !isLoopbackHost(c.address) && !isNamespaceAddress(c.address)) found.push(`ICE ${c.type} candidate on ${c.address}`);
  }
  return found;
}

const opened: string[] = [];
afterEach(async () => {
  for (const id of opened.splice(0)) await closePage(id);
});

/** Opens `count` windows of `page` in one room, waits for the call, and checks every window. */
async function callAndCheck(page: (room: string, name: string) => string, count: number, rtc: string) {
  const room = uniqueRoom('privacy');
  for (let i = 0; i < count; i++) opened.push(await openPage(page(room, `P${i}`)));
  await inCall(opened, count).catch(async (error: Error) => {
    const seen = await Promise.all(
      opened.map(async (id) => ({
        call: await evalIn(id, `(() => { const c = document.querySelector('rtc-call'); return { defined: !!customElements.get('rtc-call'), state: c?.state, error: c?.error?.code, participants: c?.participants?.length }; })()`),
        log: await logOf(id),
      })),
    );
    throw new Error(`${error.message}; windows: ${JSON.stringify(seen)}`);
  });
  for (const id of opened) {
    const report = await evalIn<Report>(id, 'window.__privacy.report()');
    const log = await logOf(id);
    expect(log.errors, `page errors in ${report.page}`).to.deep.equal([]);
    expect(leaks(report, log.failed), `beyond loopback from ${report.page}`).to.deep.equal([]);
    // What was recorded is real: PeerJS's load-time probe and the call's own connection(s) at
    // least, and the requests include the join and the signaling socket.
    expect(report.configs.filter((c) => c.via === 'constructor').length, 'RTCPeerConnections seen').to.be.at.least(2);
    expect(report.requests.some((u) => u.startsWith(`${rtc}/api/rooms/`)), 'the join request was seen').to.equal(true);
    expect(report.requests.some((u) => u.startsWith(rtc.replace(/^http/, 'ws'))), 'the signaling socket was seen').to.equal(true);
    const warned = log.console.filter((m) => /rtc-call: PeerJS was evaluated/.test(m.text));
    expect(warned, 'the PeerJS guard saw the probe').to.deep.equal([]);
  }
}

/** A static origin for the pages and an rtc-call server that allows it. */
async function hostAndServer(name: string, dir: string) {
  const port = await command<number>('free-port');
  const rtc = await rtcServer(name, { allowedOrigins: [`http://127.0.0.1:${port}`] });
  // CORS only so this test can read build.json; the pages themselves need none.
  const headers = { 'access-control-allow-origin': '*' };
  const { url } = await command<{ url: string }>('static-server', { dir, port, headers, replace: { __RTC__: rtc } });
  return { rtc, host: url };
}

describe('privacy: only loopback, no third-party STUN/TURN', function () {
  this.timeout(90_000);

  it('(a) the one-tag bundle, at load and in a call', async () => {
    const { rtc, host } = await hostAndServer('privacy-one-tag', 'test/pages/privacy');
    const res = await fetch(`${rtc}/rtc-call.js`, { method: 'HEAD' });
    if (!res.ok) throw new Error(`dist/cdn/rtc-call.js is missing (${res.status}): run \`npm run build\` first (npm test does).`);
    await callAndCheck((room, name) => `${host}/one-tag.html?room=${room}&name=${name}`, 2, rtc);
  });

  it('(b) an app bundled from the npm build with the real PeerJS, at load and in a call', async () => {
    const { rtc, host } = await hostAndServer('privacy-app', '.tmp/privacy-app');
    const res = await fetch(`${host}/build.json`);
    if (!res.ok) throw new Error('.tmp/privacy-app is missing: run `node scripts/build-privacy-app.mjs` after `npm run build` (npm test does).');
    const build = await res.json();
    // The app is what a consumer ships: PeerJS in a chunk of its own, loaded on demand, and
    // with its public defaults in it (nothing stripped them at build time).
    expect(build).to.include({ peerjsLazy: true, webrtcAdapter: true, peerjsDefaults: true });
    await callAndCheck((room, name) => `${host}/app.html?room=${room}&name=${name}&server=${encodeURIComponent(rtc)}`, 2, rtc);
  });
});
