// The harness itself: fake devices work, and the real rtc-call server started by the test plugin
// answers the join API and accepts a PeerJS signaling socket.
import { expect } from '@open-wc/testing';
import { Peer } from 'peerjs';
import { framesAdvance, peakAudioLevel } from './helpers/media.js';
import { rtcServer } from './helpers/server.js';

describe('test harness', () => {
  it('has a fake camera that renders frames and a fake microphone that beeps', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = stream;
    document.body.append(video);
    await video.play();
    await framesAdvance(video, 5);
    expect(await peakAudioLevel(stream)).to.be.greaterThan(0.01);
    stream.getTracks().forEach((t) => t.stop());
    video.remove();
  });

  it('runs the real rtc-call server on loopback: a PeerJS Peer opens with what the join API hands out', async () => {
    const url = await rtcServer();
    const server = new URL(url);
    expect(server.hostname).to.equal('127.0.0.1');
    const res = await fetch(`${url}/api/rooms/harness/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Harness' }),
    });
    expect(res.status).to.equal(200);
    const info = await res.json();
    const peer = new Peer(info.peerId, {
      host: server.hostname,
      port: Number(server.port),
      secure: false,
      path: info.signaling.path,
      key: info.signaling.key,
      token: info.peerToken,
      config: { iceServers: info.iceServers },
      debug: 0,
    });
    try {
      const opened = await new Promise<string>((resolve, reject) => {
        peer.on('open', resolve);
        peer.on('error', reject);
      });
      expect(opened).to.equal(info.peerId);
    } finally {
      peer.destroy();
    }
  });
});
