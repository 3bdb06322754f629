// The demo pages (demo/, what `npm start` serves at /) with the real one-tag bundle: each loads
// and does its job without a console error or page error, and the quick start joins a call
// across two windows.
import { expect } from '@open-wc/testing';
import { rtcServer } from './helpers/server.js';
import { uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { closePage, evalIn, inCall, logOf, openPage } from './helpers/pages.js';

const opened: string[] = [];
afterEach(async () => {
  viewport = undefined;
  for (const id of opened.splice(0)) await closePage(id);
});

async function demoServer(): Promise<string> {
  const url = await rtcServer('demo', { staticDirs: { '/': 'demo' }, demoTokens: true });
  const res = await fetch(`${url}/rtc-call.js`, { method: 'HEAD' });
  if (!res.ok) throw new Error(`dist/cdn/rtc-call.js is missing (${res.status}): run \`npm run build\` first (npm test does).`);
  return url;
}

async function openReady(id: string): Promise<void> {
  await until(() => evalIn<boolean>(id, RENDERED), 'the page to render');
}

let viewport: { width: number; height: number } | undefined;
async function open(url: string): Promise<string> {
  const id = await openPage(url, 'chromium', viewport);
  opened.push(id);
  return id;
}

/** Every rtc-* element on the page is defined and rendered. */
const RENDERED = `[...document.querySelectorAll('rtc-call, rtc-video-tile, rtc-device-picker')].every((el) => customElements.get(el.localName) && el.shadowRoot?.childElementCount)`;

async function expectClean(id: string, page: string) {
  const log = await logOf(id);
  expect(log.errors, `page errors on ${page}`).to.deep.equal([]);
  expect(log.console.filter((m) => m.type === 'error'), `console errors on ${page} (failed requests: ${log.failed.join(', ') || 'none'})`).to.deep.equal([]);
}

describe('demo pages', function () {
  this.timeout(60_000);

  it('quick start: two windows with the same room join one call', async () => {
    const server = await demoServer();
    const room = uniqueRoom('quick');
    const a = await open(`${server}/?room=${room}`);
    const b = await open(`${server}/?room=${room}`);
    for (const id of [a, b]) {
      await until(() => evalIn<boolean>(id, RENDERED), 'the quick start to render');
      // What a person does: press Join in the pre-join view.
      await evalIn(id, `document.querySelector('rtc-call').shadowRoot.querySelector('[part~="join-button"]').click()`);
    }
    await inCall([a, b], 2);
    expect(await evalIn<string>(a, `document.getElementById('share').href`)).to.include(`room=${room}`);
    await expectClean(a, 'index.html');
    await expectClean(b, 'index.html');
  });

  it('device check: lists devices with a live preview and remembers the choice for the call', async () => {
    const server = await demoServer();
    const id = await open(`${server}/device-check.html?room=r1`);
    await until(() => evalIn<boolean>(id, `document.getElementById('picker').status === 'ready'`), 'the picker to list devices');
    await until(() => evalIn<boolean>(id, `!!document.getElementById('picker').shadowRoot.querySelector('video')?.srcObject`), 'the preview');
    // Choose the second camera as a user would, then the choice is stored for <rtc-call>.
    const stored = await evalIn<string | null>(
      id,
      `(async () => {
        const sel = document.getElementById('picker').shadowRoot.querySelector('[part~="camera-select"]');
        sel.selectedIndex = sel.options.length - 1;
        sel.dispatchEvent(new Event('change', { bubbles: true }));
        await new Promise((r) => setTimeout(r, 50));
        return localStorage.getItem('rtc-call:devices');
      })()`,
    );
    expect(stored).to.be.a('string');
    expect(await evalIn<string>(id, `document.getElementById('continue').getAttribute('href')`)).to.equal('./?room=r1');
    await expectClean(id, 'device-check.html');
  });

  it('telehealth: the patient runs the connection check from Start (one-tag bundle) and gets a report; leaving the check for the visit releases its devices', async () => {
    const server = await demoServer();
    const visit = uniqueRoom('check');
    const patient = await open(`${server}/telehealth.html?role=patient&visit=${visit}`);
    await until(() => evalIn<boolean>(patient, `document.getElementById('precall')?.shadowRoot?.querySelector('[part~="start-button"]') != null`), 'the connection check');
    await evalIn(patient, `window.__report = new Promise((r) => document.getElementById('precall').addEventListener('rtc-precall-result', (e) => r(e.detail), { once: true }));
      document.getElementById('precall').shadowRoot.querySelector('[part~="start-button"]').click()`);
    await until(() => evalIn<boolean>(patient, `!!document.getElementById('precall').shadowRoot.querySelector('[part~="prompt"]:not([hidden]) [part~="yes-button"]')`), 'the tone question', 20_000);
    await evalIn(patient, `document.getElementById('precall').shadowRoot.querySelector('[part~="yes-button"]').click()`);
    const report = await evalIn<{ status: string; checks: Record<string, { status: string; problem: string | null }> }>(patient, `window.__report`);
    const statuses = Object.fromEntries(Object.entries(report.checks).map(([k, v]) => [k, v.status]));
    // The demo server has no TURN: the relay is skipped with its reason, the rest works.
    expect(statuses).to.deep.equal({ camera: 'good', microphone: 'good', speaker: 'good', server: 'good', network: 'fair', relay: 'skipped' });
    expect(report.checks.relay!.problem).to.equal('no-relay-configured');
    expect(report.checks.network!.problem).to.equal('no-ice-servers');
    expect(await evalIn<boolean>(patient, `document.getElementById('precall-advice').hidden`)).to.equal(true);
    await expectClean(patient, 'telehealth patient check');
  });

  it('telehealth: the patient checks devices and waits; the provider lets them in; "End for everyone" ends the visit for both', async () => {
    const server = await demoServer();
    const visit = uniqueRoom('visit');
    const provider = await open(`${server}/telehealth.html?role=provider&visit=${visit}`);
    const patient = await open(`${server}/telehealth.html?role=patient&visit=${visit}`);
    await until(() => evalIn<boolean>(patient, `document.getElementById('picker').status === 'ready'`), 'the patient device check');
    await evalIn(patient, `document.getElementById('patient-name').value = 'Pat Doe'; document.querySelector('#enter-form button').click()`);
    // The patient waits (the device picker in the waiting view); the provider is told.
    await until(() => evalIn<boolean>(patient, `document.getElementById('call').state === 'waiting'`), 'the patient waiting');
    await until(() => evalIn<boolean>(patient, `document.getElementById('waiting-picker').status === 'ready'`), 'the device check while waiting');
    await until(() => evalIn<boolean>(provider, `document.getElementById('role-line').textContent.includes('Pat Doe is in the waiting room')`), 'the knock');
    await evalIn(provider, `document.getElementById('call').shadowRoot.querySelector('[part~="knock-banner"] [part~="admit-button"]').click()`);
    await inCall([provider, patient], 2);
    expect(await evalIn<string>(provider, `document.getElementById('role-line').textContent`)).to.include('Pat Doe is here');
    // "End the visit": the page confirms (rtc-end-request), then both leave with ended-by-host.
    await evalIn(provider, `window.confirm = () => true; document.getElementById('call').shadowRoot.querySelector('[part~="end-button"]').click()`);
    for (const id of [provider, patient]) {
      await until(() => evalIn<boolean>(id, `document.getElementById('call').state === 'left'`), 'the visit ended');
    }
    expect(await evalIn<string>(patient, `document.getElementById('call').shadowRoot.querySelector('[part="ended"]').textContent`)).to.include('The host ended the call.');
    await expectClean(provider, 'telehealth provider');
    await expectClean(patient, 'telehealth patient');
  });

  for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    it(`quick start and telehealth at ${size.width}×${size.height}: Join and the call's control bar are in view without scrolling`, async () => {
      viewport = size;
      const server = await demoServer();
      const room = uniqueRoom('fit');
      const inView = (selector: string) => `(() => {
        const call = document.querySelector('rtc-call');
        const node = call.shadowRoot.querySelector('${selector}');
        if (!node || scrollY !== 0) return false;
        const r = node.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
      })()`;
      const quick = await open(`${server}/?room=${room}`);
      await openReady(quick);
      await until(() => evalIn<boolean>(quick, inView('[part~="join-button"]')), 'the quick start’s Join button in view');
      await evalIn(quick, `document.querySelector('rtc-call').shadowRoot.querySelector('[part~="join-button"]').click()`);
      await until(() => evalIn<boolean>(quick, `document.querySelector('rtc-call').state === 'connected'`), 'joined');
      await until(() => evalIn<boolean>(quick, inView('[part="controls"]')), 'the quick start’s control bar in view');
      const provider = await open(`${server}/telehealth.html?role=provider&visit=${room}-v`);
      viewport = undefined;
      await until(() => evalIn<boolean>(provider, `document.querySelector('rtc-call').state === 'connected'`), 'the provider in the visit');
      await until(() => evalIn<boolean>(provider, inView('[part="controls"]')), 'the telehealth control bar in view');
    });
  }

  it('support desk: the bubble expands into an audio-only call with the agent', async () => {
    const server = await demoServer();
    const visitor = await open(`${server}/support.html`);
    await until(() => evalIn<boolean>(visitor, `!!customElements.get('rtc-call')`), 'the script to load');
    expect(await evalIn<boolean>(visitor, `document.getElementById('panel').hidden`)).to.equal(true);
    await evalIn(visitor, `document.getElementById('talk').click()`);
    const agentHref = await evalIn<string>(visitor, `document.getElementById('agent-link').href`);
    const agent = await open(agentHref);
    await evalIn(agent, `document.getElementById('talk').click()`);
    await inCall([visitor, agent], 2, { video: false });
    expect(await evalIn<boolean>(visitor, `document.getElementById('call').audioOnly`)).to.equal(true);
    expect(await evalIn<string>(visitor, `document.getElementById('talk').textContent`)).to.match(/on a call/i);
    await expectClean(visitor, 'support.html (visitor)');
    await expectClean(agent, 'support.html (agent)');
  });

  it('theming: lists every custom property and the rendered parts, and applies edits live', async () => {
    const server = await demoServer();
    const id = await open(`${server}/theming.html`);
    await until(() => evalIn<boolean>(id, `document.querySelectorAll('#props .prop').length > 0 && document.getElementById('part').options.length > 0`), 'the editor lists');
    const manifest = await (await fetch(new URL('/custom-elements.json', location.href))).json();
    const documented = new Set<string>(
      manifest.modules.flatMap((m: { declarations?: { cssProperties?: { name: string }[] }[] }) => (m.declarations ?? []).flatMap((d) => (d.cssProperties ?? []).map((p) => p.name))),
    );
    const listed = await evalIn<string[]>(id, `[...document.querySelectorAll('#props .prop code')].map((c) => c.textContent)`);
    expect([...documented].sort()).to.deep.equal([...new Set(listed)].sort());
    // Edit the accent colour and a part: both reach the element's shadow DOM.
    const applied = await evalIn<{ accent: string; radius: string }>(
      id,
      `(async () => {
        const input = document.querySelector('#props input[aria-label="--rtc-accent"]');
        input.value = 'rgb(255, 0, 128)';
        input.dispatchEvent(new Event('input'));
        const part = document.getElementById('part');
        part.value = 'rtc-call::part(join-button)';
        part.dispatchEvent(new Event('change'));
        const css = document.getElementById('part-css');
        css.value = 'border-radius: 3px';
        css.dispatchEvent(new Event('input'));
        const join = document.getElementById('call').shadowRoot.querySelector('[part~="join-button"]');
        return { accent: getComputedStyle(join).backgroundColor, radius: getComputedStyle(join).borderTopLeftRadius };
      })()`,
    );
    expect(applied).to.deep.equal({ accent: 'rgb(255, 0, 128)', radius: '3px' });
    await expectClean(id, 'theming.html');
  });
});
