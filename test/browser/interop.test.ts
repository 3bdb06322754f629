// The unmodified `peerjs` client from npm — no rtc-call code, only a join answer from our server —
// in a media call with <rtc-call> participants through our relay, video both ways.
import { expect } from '@open-wc/testing';
import { Peer, type MediaConnection } from 'peerjs';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { rtcServer } from './helpers/server.js';

function playing(stream: MediaStream): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  document.body.append(video);
  void video.play();
  return video;
}

describe('interop with the plain PeerJS client', () => {
  const cleanup: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('a plain peerjs client given a join answer calls and answers <rtc-call> participants: video both ways', async () => {
    const server = await rtcServer();
    const room = uniqueRoom('interop');
    const ann = await createCall({ room, name: 'Ann', server });
    cleanup.push(async () => { await ann.leave(); ann.remove(); });
    await ann.join();

    // The plain client: a join answer, then PeerJS with exactly its options.
    const camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const res = await fetch(`${server}/api/rooms/${room}/join`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'Plain' }),
    });
    const join = await res.json();
    const url = new URL(server);
    const peer = new Peer(join.peerId, {
      host: url.hostname, port: Number(url.port), secure: false,
      path: join.signaling.path, key: join.signaling.key, token: join.peerToken,
      config: { iceServers: join.iceServers, iceTransportPolicy: join.iceTransportPolicy },
      debug: 0,
    });
    cleanup.push(() => { peer.destroy(); camera.getTracks().forEach((t) => t.stop()); });
    await new Promise<void>((resolve, reject) => { peer.on('open', () => resolve()); peer.on('error', reject); });

    const answered: MediaConnection[] = [];
    peer.on('call', (call) => { call.answer(camera); answered.push(call); });

    // Plain → rtc-call: the newcomer calls the member it was told about.
    const toAnn = peer.call(join.members[0].peerId, camera);
    const annStream = await new Promise<MediaStream>((resolve) => toAnn.on('stream', resolve));
    await framesAdvance(playing(annStream), 5);

    await framesAdvance(videoOf(await remoteTile(ann, 'Plain')), 5);

    // rtc-call → plain: a newcomer element calls the plain client, which answers.
    const bob = await createCall({ room, name: 'Bob', server });
    cleanup.push(async () => { await bob.leave(); bob.remove(); });
    await bob.join();

    await allConnected([bob], 3);
    await framesAdvance(videoOf(await remoteTile(bob, 'Plain')), 5);
    const fromBob = (await until(() => answered.find((c) => c.peer === bob.participants[0]!.id), 'Bob called the plain client'))!;
    const bobStream = fromBob.remoteStream ?? (await new Promise<MediaStream>((resolve) => fromBob.on('stream', resolve)));
    await framesAdvance(playing(bobStream), 5);
    expect(ann.participants.map((p) => p.displayName).sort()).to.deep.equal(['Ann', 'Bob', 'Plain']);
  });
});
