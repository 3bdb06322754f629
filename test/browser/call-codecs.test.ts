// Codec preferences (`video-codecs`, `audio-codecs`): the negotiated codecs follow them, skipping
// what this browser lacks (Firefox here has no H.264), in Chromium and in Firefox.
import { expect } from '@open-wc/testing';
import { allConnected, openPeerConnections, trackedCalls, uniqueRoom } from './helpers/call.js';
import { inboundMedia, mediaFlowing } from './helpers/stats.js';

/** The first of `names` this browser can both send and receive (what the preference should give). */
function firstAvailable(kind: 'audio' | 'video', names: string[]): string {
  const has = (caps: RTCRtpCapabilities | null) => new Set((caps?.codecs ?? []).map((c) => c.mimeType.toLowerCase()));
  const send = has(RTCRtpSender.getCapabilities(kind));
  const receive = has(RTCRtpReceiver.getCapabilities(kind));
  const name = names.find((n) => send.has(`${kind}/${n}`) && receive.has(`${kind}/${n}`));
  if (!name) throw new Error(`none of ${names.join(', ')} here`);
  return `${kind}/${name}`;
}

describe('<rtc-call> codec preferences', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  for (const [video, audio] of [
    ['vp9 vp8', 'pcmu opus'],
    ['h264 vp9 vp8', 'opus'],
  ] as const) {
    it(`video-codecs="${video}" audio-codecs="${audio}": both directions use the first this browser has`, async () => {
      const room = uniqueRoom('codec');
      const attrs = { 'video-codecs': video, 'audio-codecs': audio };
      const a = await calls.call({ room, name: 'Ann', autojoin: true, attrs });
      const b = await calls.call({ room, name: 'Bob', autojoin: true, attrs });
      await allConnected([a, b], 2, 30_000);
      const { after } = await mediaFlowing(() => inboundMedia(openPeerConnections()));
      const wantVideo = firstAvailable('video', video.split(' '));
      const wantAudio = firstAvailable('audio', audio.split(' '));
      const codecs = after.codecs.map((c) => c.toLowerCase());
      console.log(`${navigator.userAgent.includes('Firefox') ? 'Firefox' : 'Chromium'}: ${video} / ${audio} → ${codecs.join(', ')}`);
      expect(codecs.filter((c) => c.startsWith('video/'))).to.deep.equal([wantVideo]);
      expect(codecs.filter((c) => c.startsWith('audio/'))).to.deep.equal([wantAudio]);
    });
  }

  it('without preferences the browser\'s order stays (VP8 and Opus first here)', async () => {
    const room = uniqueRoom('codec');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2, 30_000);
    const { after } = await mediaFlowing(() => inboundMedia(openPeerConnections()));
    expect(after.codecs.map((c) => c.toLowerCase()).sort()).to.deep.equal(['audio/opus', 'video/vp8']);
  });
});
