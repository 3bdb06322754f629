// Calls through the SFU: Debian's Janus (VideoRoom) started by the test with a generated
// configuration (test/janus/janus-process.mjs), an rtc-call server with RTC_MESH_MAX=0 driving it
// through janode. The same <rtc-call> elements as in the mesh: only the server's configuration differs.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { errorsOf, remoteTile, trackedCalls, uniqueRoom, videoOf, openPeerConnections } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

describe('<rtc-call> through the SFU (Janus)', function () {
  this.timeout(120_000);
  const calls = trackedCalls();
  let janus: { id: string; url: string };
  let server: string;

  before(async () => {
    janus = await command<{ id: string; url: string }>('janus-start');
    server = await rtcServer('sfu', { janusUrls: [janus.url], meshMax: 0 });
  });
  after(async () => {
    await command('rtc-server-stop', { name: 'sfu' });
    await command('janus-stop', { id: janus.id });
  });
  afterEach(() => calls.cleanup());

  /** A camera at 320×180, 10 fps (the small capture of the room tests). */
  async function smallCamera(): Promise<MediaStream> {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 180, frameRate: 10 } });
  }

  async function joined(room: string, name: string, stream?: MediaStream): Promise<RtcCall> {
    const el = await calls.call({ room, name, server });
    if (stream) el.localStream = stream;
    await el.join();
    return el;
  }

  it('two participants see each other through Janus; mode is sfu and the page says media is not end to end', async () => {
    const room = uniqueRoom('sfu');
    const modes: string[] = [];
    const a = await joined(room, 'Ann', await smallCamera());
    a.addEventListener('rtc-mode-change', (e) => modes.push(e.detail.mode));
    const b = await joined(room, 'Bob', await smallCamera());
    expect(a.mode).to.equal('sfu');
    expect(b.mode).to.equal('sfu');
    const tileOfBob = await remoteTile(a, 'Bob');
    const tileOfAnn = await remoteTile(b, 'Ann');
    await framesAdvance(videoOf(tileOfBob), 5, 30_000);
    await framesAdvance(videoOf(tileOfAnn), 5, 30_000);
    const notice = a.shadowRoot!.querySelector('[part="mode-notice"]');
    expect(notice?.textContent).to.match(/not end to end/);
    const code = await a.verificationCode(a.participants.find((p) => !p.isLocal)!.id).then(() => 'resolved', (e: { code?: string }) => e.code);
    expect(code).to.equal('not-supported');
    // The refusal is reported like every failed call of the element's API, and nothing else went wrong.
    expect(errorsOf(a).map((e) => e.code)).to.deep.equal(['not-supported']);
    expect(a.shadowRoot!.querySelector('[part="verify-button"]')).to.equal(null);
    expect(openPeerConnections().filter((pc) => pc.connectionState === 'connected').length).to.be.at.most(4);
  });
});
