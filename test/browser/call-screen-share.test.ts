// Screen sharing between real browsers' calls (Chromium's fake monitor: 800×600, see
// ENVIRONMENT-NOTES): the others see the shared screen and the sharer's camera, a late joiner sees
// a share in progress, the browser's own "Stop sharing" ends it everywhere, a cancelled picker is
// no error, and a share the page may not make is `screen-share-denied` with the call going on.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcVideoTile } from '../../src/components/video-tile/video-tile.js';
import { allConnected, errorsOf, remoteTile, trackedCalls, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';

const screenTiles = (el: RtcCall) => [...el.shadowRoot!.querySelectorAll<RtcVideoTile>('[part~="screen-tile"]')];

describe('<rtc-call> screen share', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  it('the others see the shared screen and the sharer’s camera; a late joiner sees it; the browser’s Stop ends it everywhere', async () => {
    const room = uniqueRoom('share');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2);
    const changes: Array<[string, string, boolean]> = [];
    for (const [who, el] of [['a', a], ['b', b]] as const) {
      el.addEventListener('rtc-screen-share-change', (e) => changes.push([who, e.detail.participantId, e.detail.enabled]));
    }
    const annId = a.participants[0]!.id;
    expect(await a.startScreenShare()).to.equal(true);
    expect(a.screenSharing).to.equal(true);
    await until(() => b.participants.find((p) => p.id === annId)?.screenStream, 'Bob has Ann’s screen');
    await b.updateComplete;
    const shared = await until(() => screenTiles(b)[0], 'a screen tile at Bob’s');
    expect(shared.displayName).to.equal('Screen of Ann');
    const frame = await framesAdvance(videoOf(shared), 5);
    expect(frame).to.be.above(0);
    // The fake monitor (≥ 800 wide, capped at 1920×1080 by our constraints), not the 640×480 camera.
    expect(videoOf(shared).videoWidth).to.be.within(800, 1920);
    expect(videoOf(shared).videoHeight).to.be.at.most(1080);
    // Her camera keeps going beside it.
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
    expect(videoOf(await remoteTile(b, 'Ann')).videoWidth).to.equal(640);
    expect(screenTiles(a).map((t) => t.displayName)).to.deep.equal(['Your screen']);
    expect(part(a, 'screen-share-button')!.getAttribute('aria-pressed')).to.equal('true');
    expect(changes).to.deep.include.members([['a', annId, true], ['b', annId, true]]);
    await expect(b).to.be.accessible();

    // A late joiner sees the share already in progress, once.
    const c = await calls.call({ room, name: 'Cleo', autojoin: true });
    const late: Array<[string, boolean]> = [];
    c.addEventListener('rtc-screen-share-change', (e) => late.push([e.detail.participantId, e.detail.enabled]));
    await allConnected([a, b, c], 3, 30_000);
    const atCleo = await until(() => screenTiles(c)[0], 'a screen tile at Cleo’s');
    await framesAdvance(videoOf(atCleo), 3);
    expect(screenTiles(c)).to.have.length(1);
    expect(late).to.deep.equal([[annId, true]]);

    // The browser's own "Stop sharing": the track ends (a page's stop() fires no `ended`: dispatch it).
    const track = a.participants[0]!.screenStream!.getVideoTracks()[0]!;
    track.stop();
    track.dispatchEvent(new Event('ended'));
    await until(() => !a.screenSharing && [b, c].every((el) => el.participants.every((p) => !p.screenStream)), 'the share gone everywhere');
    await Promise.all([a, b, c].map((el) => el.updateComplete));
    for (const el of [a, b, c]) expect(screenTiles(el), 'no screen tile left').to.have.length(0);
    expect(changes.filter(([, , on]) => !on)).to.deep.include.members([['a', annId, false], ['b', annId, false]]);
    // And the camera is still there.
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
  });

  it('a cancelled picker resolves false (no error); a share the page may not make rejects with screen-share-denied and the call goes on', async () => {
    const room = uniqueRoom('share-no');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2);
    const md = navigator.mediaDevices;
    const real = md.getDisplayMedia;
    md.getDisplayMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    try {
      expect(await a.startScreenShare()).to.equal(false);
      expect(errorsOf(a).filter((e) => e.code === 'screen-share-denied')).to.have.length(0);
    } finally {
      md.getDisplayMedia = real;
    }
    const doc = document as Document & { featurePolicy?: { allowsFeature(f: string): boolean } };
    const policy = doc.featurePolicy;
    const realAllows = policy?.allowsFeature;
    if (policy) policy.allowsFeature = (f: string) => f !== 'display-capture' && realAllows!.call(policy, f);
    try {
      const error = await a.startScreenShare().then(() => null, (e: { code: string }) => e);
      expect(error?.code).to.equal('screen-share-denied');
    } finally {
      if (policy) policy.allowsFeature = realAllows!;
    }
    expect(a.state).to.equal('connected');
    expect(a.screenSharing).to.equal(false);
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="notice"][data-code="screen-share-denied"]'), 'shown only for a UI click').to.equal(null);
    expect(errorsOf(a).some((e) => e.code === 'screen-share-denied' && !e.fatal)).to.equal(true);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
  });
});

function part(el: RtcCall, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}
