// The harness itself: fake devices work, and the real rtc-call server started by the test plugin
// answers and accepts a PeerJS signaling socket.
import { expect } from '@open-wc/testing';
import { rtcServer } from './helpers/server.js';
import { framesAdvance, peakAudioLevel } from './helpers/media.js';

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

  it('runs the real rtc-call server on loopback', async () => {
    const url = await rtcServer();
    expect(new URL(url).hostname).to.equal('127.0.0.1');
    const res = await fetch(`${url}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ ok: true });
  });
});
