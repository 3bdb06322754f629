// Firefox and Chromium in one call through the one-tag bundle (dist/cdn/rtc-call.js on a plain
// page of another origin): each sees the other's video and receives the other's audio. Both
// participants are windows of extra browsers the test plugin launches with puppeteer-core (the
// page running this file only drives them), so it runs once, from the Chromium group.
import { expect } from '@open-wc/testing';
import { command, rtcServer } from './helpers/server.js';
import { uniqueRoom } from './helpers/call.js';
import { closePage, evalIn, inCall, logOf, openPage } from './helpers/pages.js';
import { type InboundMedia, inboundMedia, mediaFlowing } from './helpers/stats.js';

const opened: string[] = [];
afterEach(async () => {
  for (const id of opened.splice(0)) await closePage(id);
});

/** getStats of every connection in a window of test/pages/host/cross-browser.html (pcs.js keeps them). */
const inboundIn = (id: string) => () => evalIn<InboundMedia>(id, `(${inboundMedia.toString()})(window.__pcs)`);

describe('Firefox ↔ Chromium through the one-tag bundle', function () {
  this.timeout(90_000);

  it('a Firefox and a Chromium participant see each other’s video and receive each other’s audio', async () => {
    const port = await command<number>('free-port');
    const host = `http://127.0.0.1:${port}`;
    const rtc = await rtcServer('cross-browser', { allowedOrigins: [host] });
    const res = await fetch(`${rtc}/rtc-call.js`, { method: 'HEAD' });
    if (!res.ok) throw new Error(`dist/cdn/rtc-call.js is missing (${res.status}): run \`npm run build\` first (npm test does).`);
    await command('static-server', { dir: 'test/pages/host', port, replace: { __RTC__: rtc } });
    const room = uniqueRoom('xb');
    const firefox = await openPage(`${host}/cross-browser.html?room=${room}&name=Fay`, 'firefox');
    opened.push(firefox);
    const chromium = await openPage(`${host}/cross-browser.html?room=${room}&name=Chris`, 'chromium');
    opened.push(chromium);

    const agents = await Promise.all(opened.map((id) => evalIn<string>(id, 'navigator.userAgent')));
    expect(agents[0]).to.match(/Firefox\//);
    expect(agents[1]).to.match(/Chrome\//);

    // Connected, two participants, the remote tile's video advancing — in both windows.
    await inCall(opened, 2);
    for (const id of opened) {
      const { before, after } = await mediaFlowing(inboundIn(id));
      expect(after.audio.packetsReceived, 'audio packets').to.be.greaterThan(before.audio.packetsReceived);
      expect(after.audio.totalAudioEnergy, 'audio energy (not silence)').to.be.greaterThan(before.audio.totalAudioEnergy);
      expect(after.codecs.some((c) => /^video\//i.test(c)), `a video codec in ${JSON.stringify(after.codecs)}`).to.equal(true);
      const log = await logOf(id);
      expect(log.errors, 'page errors').to.deep.equal([]);
    }
    const names = await Promise.all(opened.map((id) => evalIn<string[]>(id, `document.querySelector('rtc-call').participants.map((p) => p.displayName).sort()`)));
    expect(names).to.deep.equal([['Chris', 'Fay'], ['Chris', 'Fay']]);
  });
});
