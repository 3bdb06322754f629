import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, liveCapturedTracks, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, peakAudioLevel, until } from './helpers/media.js';

describe('<rtc-call> calls', () => {
  let calls: RtcCall[] = [];
  afterEach(async () => {
    await Promise.all(calls.map((c) => c.leave()));
    calls.forEach((c) => c.remove());
    calls = [];
  });

  it('two elements in one page call each other: frames and audio in both directions', async () => {
    const room = uniqueRoom();
    const a = await createCall({ room, name: 'Ann', autojoin: true });
    calls.push(a);
    await until(() => a.state === 'connected', 'Ann connected');
    const b = await createCall({ room, name: 'Bob', autojoin: true });
    calls.push(b);
    await allConnected([a, b], 2);
    const bobAtAnn = await remoteTile(a, 'Bob');
    const annAtBob = await remoteTile(b, 'Ann');
    await framesAdvance(videoOf(bobAtAnn), 5);
    await framesAdvance(videoOf(annAtBob), 5);
    expect(await peakAudioLevel(a.participants[1]!.stream!)).to.be.greaterThan(0.01);
    expect(await peakAudioLevel(b.participants[1]!.stream!)).to.be.greaterThan(0.01);
  });

  it('leave() leaves no live local track and no open RTCPeerConnection', async () => {
    const room = uniqueRoom();
    const a = await createCall({ room, name: 'Ann', autojoin: true });
    const b = await createCall({ room, name: 'Bob', autojoin: true });
    calls.push(a, b);
    await allConnected([a, b], 2);
    await a.leave();
    await b.leave();
    expect(a.state).to.equal('left');
    await until(() => openPeerConnections().length === 0, 'all peer connections closed');
    expect(liveCapturedTracks()).to.have.length(0);
  });
});
