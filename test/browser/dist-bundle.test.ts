// The one-tag bundle as a CMS page uses it (issue 7): dist/cdn/rtc-call.js served by the rtc-call
// server and loaded into plain pages on ANOTHER origin (a static server the test starts, listed in
// allowedOrigins), driven in windows of a separate Chromium. These pages run the real bundle, so
// they also prove what the bundle leaves out (webrtc-adapter, BinaryPack) is not needed for calls.
import { expect } from '@open-wc/testing';
import { command, rtcServer } from './helpers/server.js';
import { uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { CALL_STATUS, type CallStatus, closePage as close, evalIn, inCall, logOf, openPage as open } from './helpers/pages.js';

/** A static host origin (its own port), and an rtc-call server that allows exactly that origin. */
async function hostAndServer(name: string, headers: (rtc: string) => Record<string, string> = () => ({}), room = uniqueRoom('dist'), replace: Record<string, string> = {}) {
  const port = await command<number>('free-port');
  const hostOrigin = `http://127.0.0.1:${port}`;
  const rtc = await rtcServer(name, { allowedOrigins: [hostOrigin] });
  const res = await fetch(`${rtc}/rtc-call.js`, { method: 'HEAD' });
  if (!res.ok) {
    throw new Error(`dist/cdn/rtc-call.js is missing (the server answers ${res.status} for /rtc-call.js): run \`npm run build\` first (npm test does).`);
  }
  const { url } = await command<{ url: string }>('static-server', {
    dir: 'test/pages/host',
    port,
    headers: headers(rtc),
    replace: { __RTC__: rtc, __ROOM__: room, ...replace },
  });
  expect(new URL(url).origin).to.equal(hostOrigin);
  expect(new URL(url).origin).to.not.equal(new URL(rtc).origin);
  expect(new URL(url).origin).to.not.equal(location.origin);
  return { rtc, host: url, room };
}

const opened: string[] = [];
afterEach(async () => {
  for (const id of opened.splice(0)) await close(id);
});

/**
 * The one-tag page (autojoin, as Ann) from a server whose copy of dist/cdn lacks the chunks whose
 * names start with `prefix` (`copy.held`; `cdn-restore` with `copy.dir` puts them back).
 */
async function withoutChunk(name: string, prefix: string) {
  const port = await command<number>('free-port');
  const copy = await command<{ dir: string; bundleFile: string; held: string[] }>('cdn-copy', { without: prefix });
  const rtc = await rtcServer(name, { allowedOrigins: [`http://127.0.0.1:${port}`], bundleFile: copy.bundleFile });
  const room = uniqueRoom('dist');
  const { url } = await command<{ url: string }>('static-server', { dir: 'test/pages/host', port, replace: { __RTC__: rtc, __ROOM__: room } });
  const id = await open(`${url}/one-tag.html?room=${room}&name=Ann`);
  opened.push(id);
  return { rtc, id, copy };
}

describe('one-tag bundle (dist/cdn/rtc-call.js)', function () {
  this.timeout(60_000);

  /** How many scripts of the page's resources match `pattern` (a regular expression's source). */
  const loaded = (id: string, pattern: string) =>
    evalIn<number>(id, `performance.getEntriesByType('resource').filter((e) => new RegExp(${JSON.stringify(pattern)}).test(e.name)).length`);

  it('loaded cross-origin into a plain page, joins a call with a second window', async () => {
    const { rtc, host, room } = await hostAndServer('dist-cross-origin');
    opened.push(await open(`${host}/one-tag.html?room=${room}&name=Ann`));
    opened.push(await open(`${host}/one-tag.html?room=${room}&name=Ben`));
    await inCall(opened, 2);
    for (const id of opened) {
      // The mesh chunk (PeerJS) came from the rtc-call server, at join, across origins.
      expect(await loaded(id, `^${rtc}/chunks/mesh-[\\w-]+\\.js$`), 'mesh chunks fetched').to.equal(1);
      const log = await logOf(id);
      expect(log.errors, 'page errors').to.deep.equal([]);
      expect(log.console.filter((m) => m.type === 'error'), 'console errors').to.deep.equal([]);
    }
  });

  it('a language costs nothing until used: its chunk (chunks/lang-<tag>-*.js) comes from the rtc-call server when the page switches to it', async () => {
    const { rtc, host, room } = await hostAndServer('dist-languages');
    const id = await open(`${host}/one-tag.html?room=${room}&name=Ann`);
    opened.push(id);
    await until(async () => (await evalIn<string>(id, `document.querySelector('rtc-call')?.state`)) === 'connected', 'Ann alone in the call');
    const label = () => evalIn<string | null>(id, `document.querySelector('rtc-call').shadowRoot.querySelector('[part~="controls"]').getAttribute('aria-label')`);
    expect(await label()).to.equal('Call controls');
    expect(await loaded(id, '/chunks/lang-'), 'no language chunk for an English page').to.equal(0);
    await evalIn(id, `document.documentElement.lang = 'ja-JP'`);
    await until(async () => (await label()) === '通話の操作', 'the call speaks Japanese');
    expect(await loaded(id, `^${rtc}/chunks/lang-ja-[\\w-]+\\.js$`), 'the Japanese chunk, from the rtc-call server').to.equal(1);
    await evalIn(id, `document.documentElement.lang = 'ar'`);
    await until(async () => (await label()) === 'عناصر التحكم في المكالمة', 'the call speaks Arabic');
    expect(await evalIn<string>(id, `document.querySelector('rtc-call').shadowRoot.querySelector('[part="base"]').getAttribute('dir')`)).to.equal('rtl');
    expect(await loaded(id, '/chunks/lang-'), 'only the two languages used').to.equal(2);
    const log = await logOf(id);
    expect(log.errors, 'page errors').to.deep.equal([]);
    expect(log.console.filter((m) => m.type === 'error' || m.type === 'warn' || m.type === 'warning'), 'console errors and warnings').to.deep.equal([]);
  });

  it('the in-call view\'s chunk missing on the server: signaling-unreachable, visibly; the call goes on, and the view comes once the chunk is back', async () => {
    const { rtc, id, copy } = await withoutChunk('dist-missing-chunk', 'call-view-');
    expect(copy.held, 'the call view is a chunk of its own').to.have.length(1);
    const status = () => evalIn<{ state: string; code?: string; notice: boolean; leave: boolean }>(id, `(() => {
      const c = document.querySelector('rtc-call');
      const root = c?.shadowRoot;
      return { state: c?.state, code: c?.error?.code, notice: !!root?.querySelector('[part~="notice"][data-code="signaling-unreachable"]'), leave: !!root?.querySelector('[part~="controls"] [part~="leave-button"]') };
    })()`);
    // The join itself works (the session is in the entry's chunks); the element says what is missing.
    const failed = await until(async () => {
      const s = await status();
      return s.state === 'connected' && s.code === 'signaling-unreachable' && s.notice ? s : undefined;
    }, 'connected, with a signaling-unreachable notice');
    expect(failed?.leave, 'no control bar without its chunk').to.equal(false);
    // Back on the server: the element tries again by itself and shows the call.
    await command('cdn-restore', { dir: copy.dir });
    await until(async () => (await status()).leave, 'the control bar once the chunk loads', 20_000);
    expect((await status()).state).to.equal('connected');
    expect(await loaded(id, `^${rtc}/chunks/call-view-[\\w-]+\\.js$`), 'call-view requests (failed, then loaded)').to.be.at.least(2);
  });

  it('the call session\'s chunk missing on the server: the autojoin is signaling-unreachable, visibly, and the element stays idle; once the chunk is back it joins by itself', async () => {
    const { rtc, id, copy } = await withoutChunk('dist-missing-session', 'call-session-');
    expect(copy.held, 'the call session is a chunk of its own').to.have.length(1);
    const status = () => evalIn<{ state: string; code?: string; fatal?: boolean; notice: boolean }>(id, `(() => {
      const c = document.querySelector('rtc-call');
      return { state: c?.state, code: c?.error?.code, fatal: c?.error?.fatal, notice: !!c?.shadowRoot?.querySelector('[part~="notice"][data-code="signaling-unreachable"]') };
    })()`);
    const failed = await until(async () => {
      const s = await status();
      return s.code === 'signaling-unreachable' && s.notice ? s : undefined;
    }, 'a signaling-unreachable notice');
    expect(failed).to.include({ state: 'idle', fatal: false });
    await command('cdn-restore', { dir: copy.dir });
    await until(async () => (await status()).state === 'connected', 'connected once the chunk is back', 20_000);
    expect(await loaded(id, `^${rtc}/chunks/call-session-[\\w-]+\\.js$`), 'call-session requests (failed, then loaded)').to.be.at.least(2);
  });

  it('a page on an origin the server does not allow gets origin-not-allowed, visibly', async () => {
    // The same page, but the server allows another origin only.
    const port = await command<number>('free-port');
    const rtc = await rtcServer('dist-other-origin', { allowedOrigins: ['https://clinic.example'] });
    const { url } = await command<{ url: string }>('static-server', { dir: 'test/pages/host', port, replace: { __RTC__: rtc } });
    const id = await open(`${url}/one-tag.html?room=${uniqueRoom('deny')}`);
    opened.push(id);
    const status = await until(
      () => evalIn<{ state: string; code?: string }>(id, `(() => { const c = document.querySelector('rtc-call'); return { state: c?.state, code: c?.error?.code }; })()`).then((s) => (s.state === 'failed' ? s : undefined)),
      'the call to fail',
      20_000,
    );
    expect(status?.code).to.equal('origin-not-allowed');
  });

  it('joins under the strict Content-Security-Policy with no securitypolicyviolation', async () => {
    const csp = (rtc: string) => {
      const ws = rtc.replace(/^http/, 'ws');
      return {
        'content-security-policy':
          `default-src 'none'; script-src ${rtc}; connect-src ${rtc} ${ws}; style-src 'self'; ` +
          "img-src data: blob:; media-src blob: mediastream:; base-uri 'none'; object-src 'none'",
      };
    };
    const { host } = await hostAndServer('dist-csp', csp);
    opened.push(await open(`${host}/strict-csp.html`));
    opened.push(await open(`${host}/strict-csp.html`));
    // The CSP really is in force: an inline script in this page would be refused.
    const blocked = await evalIn<boolean>(
      opened[0]!,
      `(() => { window.__inlineRan = false; const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.head.append(s); return !window.__inlineRan; })()`,
    );
    expect(blocked, 'an inline script is blocked by the page CSP').to.equal(true);
    await until(async () => (await evalIn<unknown[]>(opened[0]!, 'window.__cspViolations')).length > 0, 'the probe violation to be reported');
    await evalIn(opened[0]!, 'window.__cspViolations.length = 0');
    const probeLog = (await logOf(opened[0]!)).console.length;

    await inCall(opened, 2);
    // Open the settings panel and toggle mic/camera too: every view the call renders.
    await evalIn(opened[0]!, `(async () => { const c = document.querySelector('rtc-call'); await c.toggleMic(false); await c.toggleCamera(false); await c.toggleMic(true); await c.toggleCamera(true); c.shadowRoot.querySelector('[part~="settings-button"]')?.click(); await c.updateComplete; })()`);
    await until(async () => (await evalIn<CallStatus>(opened[1]!, CALL_STATUS())).frames! >= 3, 'video again after the camera came back');
    for (const id of opened) {
      expect(await evalIn<unknown[]>(id, 'window.__cspViolations'), `securitypolicyviolation events in window ${id}`).to.deep.equal([]);
      const log = await logOf(id);
      expect(log.errors).to.deep.equal([]);
      const since = id === opened[0] ? probeLog : 0;
      expect(log.console.slice(since).filter((m) => /Content Security Policy|Refused to/i.test(m.text))).to.deep.equal([]);
    }
  });

  it('loaded twice on one page (once with a query, as a CMS adds a version), shares one implementation and still works', async () => {
    const { host } = await hostAndServer('dist-double');
    const id = await open(`${host}/double.html`);
    opened.push(id);
    await until(() => evalIn<boolean>(id, `!!customElements.get('rtc-call') && !!document.querySelector('rtc-call').shadowRoot`), 'the elements to render');
    // Both copies have run: wait until the second module script finished.
    await until(async () => (await loaded(id, '/rtc-call\\.js')) === 2, 'both copies loaded');
    // Both entries import the same core chunk (no chunk imports the entry, rollup.config.mjs), so
    // the query makes no second copy of the elements: nothing to warn about.
    expect(await loaded(id, '/chunks/core-[\\w-]+\\.js$'), 'core chunks fetched').to.equal(1);
    const log = await logOf(id);
    expect(log.errors, 'page errors').to.deep.equal([]);
    expect(log.console.filter((m) => m.type === 'warn' || m.type === 'warning' || m.type === 'error').map((m) => m.text)).to.deep.equal([]);
    // Both blocks show their pre-join view — before anything of a call is loaded (first paint
    // without PeerJS: the mesh chunk comes with the join's pre-warm, after the view is up).
    const prejoins = await evalIn<number>(id, `[...document.querySelectorAll('rtc-call')].filter((c) => c.shadowRoot.querySelector('[part~="prejoin"]')).length`);
    expect(prejoins).to.equal(2);
    // The paint entry can come a moment after the view is in the DOM on a loaded machine.
    await until(() => evalIn<boolean>(id, `performance.getEntriesByName('first-contentful-paint').length > 0`), 'the first contentful paint');
    const beforePaint = await evalIn<number>(
      id,
      `(() => { const paint = performance.getEntriesByName('first-contentful-paint')[0]; return paint ? performance.getEntriesByType('resource').filter((e) => /\\/chunks\\/(mesh|transport-common|sfu|switching|precall)-/.test(e.name) && e.startTime < paint.startTime).length : -1; })()`,
    );
    expect(beforePaint, 'call chunks fetched before the first paint').to.equal(0);
  });

  it('copies from two servers on one page: the second warns once and the first one\'s elements work', async () => {
    const port2 = await command<number>('free-port');
    const rtc2 = await rtcServer('dist-double-other', { allowedOrigins: [`http://127.0.0.1:${port2}`] });
    const { host } = await hostAndServer('dist-double-first', undefined, uniqueRoom('dist'), { __RTC2__: rtc2 });
    const id = await open(`${host}/two-servers.html`);
    opened.push(id);
    await until(() => evalIn<boolean>(id, `!!customElements.get('rtc-call') && !!document.querySelector('rtc-call').shadowRoot`), 'the elements to render');
    await until(async () => (await loaded(id, '/rtc-call\\.js')) === 2, 'both copies loaded');
    expect(await loaded(id, '/chunks/core-[\\w-]+\\.js$'), 'one core chunk per server').to.equal(2);
    const log = await logOf(id);
    expect(log.errors, 'page errors').to.deep.equal([]);
    const warnings = log.console.filter((m) => m.type === 'warn' || m.type === 'warning');
    expect(warnings.map((w) => w.text)).to.have.length(1);
    expect(warnings[0]!.text).to.match(/another copy of rtc-call/);
    expect(log.console.filter((m) => m.type === 'error')).to.deep.equal([]);
    const prejoins = await evalIn<number>(id, `[...document.querySelectorAll('rtc-call')].filter((c) => c.shadowRoot.querySelector('[part~="prejoin"]')).length`);
    expect(prejoins).to.equal(2);
  });
});
