// Calls through the SFU: Debian's Janus (VideoRoom) started by the test with a generated
// configuration (test/janus/janus-process.mjs), inside the test namespace with its veth pair, and
// an rtc-call server with RTC_MESH_MAX=0 driving it through janode. The same <rtc-call> elements
// as in the mesh: only the server's configuration differs.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { errorsOf, openPeerConnections, remoteTile, tilesOf, trackedCalls, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

interface Janus {
  id: string;
  url: string;
}

/** A camera at `width`×`height` and `fps` (the fake device scales to what is asked). */
function camera(width: number, height: number, fps: number): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: fps } });
}

/** Width of the camera video a page receives from its subscription (the largest inbound video). */
async function inboundWidths(pc: RTCPeerConnection): Promise<number[]> {
  const widths: number[] = [];
  (await pc.getStats()).forEach((s: { type: string; kind?: string; frameWidth?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.frameWidth) widths.push(s.frameWidth);
  });
  return widths;
}

const connectedPcs = () => openPeerConnections().filter((pc) => pc.connectionState === 'connected');

describe('<rtc-call> through the SFU (Janus)', function () {
  this.timeout(180_000);
  const calls = trackedCalls();
  let janus: Janus;
  let server: string;
  const streams: MediaStream[] = [];

  before(async () => {
    janus = await command<Janus>('janus-start');
    server = await rtcServer('sfu', { janusUrls: [janus.url], meshMax: 0 });
  });
  after(async () => {
    await command('rtc-server-stop', { name: 'sfu' });
    await command('janus-stop', { id: janus.id });
  });
  afterEach(async () => {
    await calls.cleanup();
    streams.splice(0).forEach((s) => s.getTracks().forEach((t) => t.stop()));
  });

  async function joined(room: string, name: string, stream: MediaStream, url = server): Promise<RtcCall> {
    streams.push(stream);
    const el = await calls.call({ room, name, server: url });
    el.localStream = stream;
    await el.join();
    return el;
  }

  it('two participants see each other through Janus; mode is sfu, the page says media is not end to end, no security code', async () => {
    const room = uniqueRoom('sfu');
    const a = await joined(room, 'Ann', await camera(320, 180, 10));
    const b = await joined(room, 'Bob', await camera(320, 180, 10));
    expect(a.mode).to.equal('sfu');
    expect(b.mode).to.equal('sfu');
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5, 30_000);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5, 30_000);
    const notice = a.shadowRoot!.querySelector('[part="mode-notice"]');
    expect(notice?.textContent).to.match(/not end to end/);
    const code = await a.verificationCode(a.participants.find((p) => !p.isLocal)!.id).then(() => 'resolved', (e: { code?: string }) => e.code);
    expect(code).to.equal('not-supported');
    // The refusal is reported like every failed call of the element's API, and nothing else went wrong.
    expect(errorsOf(a).map((e) => e.code)).to.deep.equal(['not-supported']);
    expect(errorsOf(b)).to.deep.equal([]);
    // Two connections each (publish, subscribe), whatever the room's size.
    expect(connectedPcs().length).to.equal(4);
    // Statistics and connection quality read the subscription, per participant, as in the mesh.
    const bobId = a.participants.find((p) => !p.isLocal)!.id;
    await until(() => a.participants.find((p) => p.id === bobId)?.quality?.level, 'a quality level for Bob', 15_000);
    const stats = await a.getStats(bobId);
    expect(stats.width).to.equal(320);
    expect(stats.codec).to.match(/^video\//);
    // Chat and app data go through the server; files cannot (no peer-to-peer link), and the chat offers none.
    const texts: string[] = [];
    const data: unknown[] = [];
    b.addEventListener('rtc-message', (e) => texts.push(e.detail.text));
    b.addEventListener('rtc-data', (e) => data.push(e.detail.data));
    await a.sendMessage('Hello through the server');
    await a.sendData({ step: 2 });
    await until(() => texts.includes('Hello through the server') && data.length === 1, 'chat and data arrived', 10_000);
    expect(data[0]).to.deep.equal({ step: 2 });
    const file = await a.sendFile(new Blob(['x'])).then(() => 'sent', (e: { code?: string }) => e.code);
    expect(file).to.equal('not-supported');
    (a.shadowRoot!.querySelector('[part~="chat-button"]') as HTMLButtonElement | null)?.click();
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="chat"]'), 'the chat panel').to.exist;
    expect(a.shadowRoot!.querySelector('[part="file-button"]'), 'no file button in sfu mode').to.equal(null);
  });

  it('a room of 7 at 320×180, 10 fps: everyone renders everyone with two connections each; mute and leave reach everyone', async () => {
    const room = uniqueRoom('sfu7');
    const names = ['Ann', 'Bob', 'Cy', 'Dee', 'Eve', 'Fay', 'Gus'];
    const els: RtcCall[] = [];
    for (const name of names) els.push(await joined(room, name, await camera(320, 180, 10)));
    await until(
      () => els.every((el) => el.participants.length === 7 && el.participants.every((p) => p.isLocal || (p.connection === 'connected' && p.stream))),
      'seven calls, each with six connected participants',
      60_000,
    );
    // Every tile of every page shows moving video.
    const stalled: string[] = [];
    for (const el of els) {
      for (const name of names) {
        if (name === el.displayName) continue;
        const tile = await remoteTile(el, name);
        tile.scrollIntoView();
        await framesAdvance(videoOf(tile), 3, 15_000).catch(() => {
          const p = el.participants.find((x) => x.displayName === name);
          stalled.push(`${el.displayName} ← ${name}: ${p?.connection}, tracks ${p?.stream?.getTracks().map((t) => `${t.kind}:${t.readyState}${t.muted ? ':muted' : ''}`).join(' ')}`);
        });
      }
    }
    expect(stalled, 'tiles without moving video').to.deep.equal([]);
    // 14 connected RTCPeerConnections in this page for 7 participants: two each (a mesh would hold 42).
    expect(connectedPcs().length).to.equal(14);
    for (const el of els) expect(el.mode).to.equal('sfu');

    // Mute: everyone sees Ann's microphone off.
    await els[0]!.toggleMic(false);
    await until(() => els.slice(1).every((el) => el.participants.find((p) => p.displayName === 'Ann')?.micEnabled === false), 'Ann muted everywhere', 15_000);
    // Leave: Gus is gone from every page, the others' video goes on.
    await els[6]!.leave();
    await until(() => els.slice(0, 6).every((el) => el.participants.length === 6 && !tilesOf(el).some((t) => t.displayName === 'Gus')), 'Gus gone everywhere', 20_000);
    await framesAdvance(videoOf(await remoteTile(els[0]!, 'Fay')), 3, 15_000);
    for (const el of els) expect(errorsOf(el).map((e) => e.code), el.displayName).to.deep.equal([]);
  });

  it('simulcast at 960×540: a large tile gets the high layer, a stage in a small call the middle one, a filmstrip tile the low one, and back up', async () => {
    const room = uniqueRoom('simul');
    await joined(room, 'Ann', await camera(960, 540, 15));
    const box = document.createElement('div');
    box.style.width = '1400px';
    document.body.append(box);
    try {
      streams.push(await camera(160, 90, 10));
      const b = await calls.call({ room, name: 'Bob', server, container: box });
      b.localStream = streams.at(-1)!;
      await b.join();
      await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3, 30_000);
      // Ann sends 960 × 540 in three layers; Bob sends 160 × 90, so the widest video arriving anywhere in this page is Ann's.
      const widest = async () => {
        let w = 0;
        for (const pc of openPeerConnections()) w = Math.max(w, ...(await inboundWidths(pc)));
        return w;
      };
      const seen: number[] = [];
      const layer = async (width: number, what: string) => {
        try {
          await until(async () => {
            seen.push(await widest());
            return seen.at(-1) === width;
          }, what, 40_000);
        } catch (e) {
          const tile = await remoteTile(b, 'Ann');
          throw new Error(`${(e as Error).message}; widths seen: ${seen.slice(-8).join(', ')}; Ann's tile ${Math.round(tile.getBoundingClientRect().width)} px wide`);
        }
      };
      // Large (≈ 1400 px wide): the full 960 × 540 layer, once Ann's encoder has ramped up to it.
      await layer(960, 'the high layer');
      // Narrower (the stage of a small call in a 600 px column, ≈ 584 px): the half layer.
      box.style.width = '600px';
      await layer(480, 'the middle layer');
      // Small (Bob puts himself on the stage: Ann goes to the filmstrip, a tile of ≈ 130 px): the quarter layer.
      b.pin(b.participants.find((p) => p.isLocal)!.id);
      await layer(240, 'the low layer');
      // Large again: back up to the full layer.
      b.unpin();
      box.style.width = '1400px';
      await layer(960, 'the high layer again');
    } finally {
      box.remove();
    }
  });

  it('a subscriber offer answered too late: the server subscribes afresh, the late answer is dropped (and one sent anyway is ignored), media comes through', async () => {
    const url = await rtcServer('sfu-late', { janusUrls: [janus.url], meshMax: 0 });
    const NativeSocket = window.WebSocket;
    const proto = RTCPeerConnection.prototype;
    const nativeSrd = proto.setRemoteDescription as (this: RTCPeerConnection, d: RTCSessionDescriptionInit) => Promise<void>;
    /** The SFU offers the pages received, by SDP. */
    const offers = new Map<string, { seq: number; fresh: boolean }>();
    /** The seq of each answer the pages sent. */
    const answered: number[] = [];
    /** The offer held back (its seq), and whether the stale answer was sent. */
    let held: number | undefined;
    let staleSent = false;
    type SfuFrame = { type?: string; payload?: { kind?: string; seq?: number; fresh?: boolean; jsep?: { type: string; sdp: string } } };
    const parse = (data: unknown): SfuFrame | null => (typeof data === 'string' ? JSON.parse(data) as SfuFrame : null);
    try {
      // Every socket notes the SFU offers it gets and the answers it sends. Just before the answer
      // to the fresh offer it sends one more: the held-back offer's seq with another connection's
      // ICE credentials, as a page catching up would — the server must not start it.
      window.WebSocket = class extends NativeSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          this.addEventListener('message', (e) => {
            const frame = parse(e.data);
            if (frame?.type === 'SFU' && frame.payload?.kind === 'offer' && frame.payload.jsep) offers.set(frame.payload.jsep.sdp, { seq: frame.payload.seq!, fresh: frame.payload.fresh === true });
          });
        }

        override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
          const frame = parse(data);
          if (frame?.type === 'SFU' && frame.payload?.kind === 'answer' && frame.payload.jsep) {
            answered.push(frame.payload.seq!);
            const offer = [...offers.values()].find((o) => o.seq === frame.payload!.seq);
            if (offer?.fresh && held !== undefined && !staleSent) {
              staleSent = true;
              const sdp = frame.payload.jsep.sdp.replace(/a=ice-ufrag:.*/g, 'a=ice-ufrag:stale').replace(/a=ice-pwd:.*/g, 'a=ice-pwd:stalestalestalestale0000');
              super.send(JSON.stringify({ ...frame, payload: { ...frame.payload, seq: held, jsep: { type: 'answer', sdp } } }));
            }
          }
          super.send(data);
        }
      };
      // The first subscriber offer waits 14 s before it is taken: the server waits 10 s for the
      // answer, hangs the subscription up and offers a fresh one 2 s later, while it still waits.
      // Like an operation WebRTC still had under way, it never settles if its connection closes.
      proto.setRemoteDescription = function (this: RTCPeerConnection, desc: RTCSessionDescriptionInit) {
        const offer = desc?.type === 'offer' ? offers.get(desc.sdp ?? '') : undefined;
        if (offer && held === undefined) {
          held = offer.seq;
          return new Promise<void>((resolve, reject) => {
            setTimeout(() => {
              if (this.signalingState !== 'closed') nativeSrd.call(this, desc).then(resolve, reject);
            }, 14_000);
          });
        }
        return nativeSrd.call(this, desc);
      } as typeof proto.setRemoteDescription;

      const room = uniqueRoom('late');
      const ann = await joined(room, 'Ann', await camera(320, 180, 10), url);
      const bob = await joined(room, 'Bob', await camera(320, 180, 10), url);
      await until(() => held !== undefined, 'a subscriber offer held back', 20_000);
      await until(() => staleSent, 'the answer to a fresh offer (the server gave up on the held one)', 30_000);
      await framesAdvance(videoOf(await remoteTile(ann, 'Bob')), 5, 30_000);
      await framesAdvance(videoOf(await remoteTile(bob, 'Ann')), 5, 30_000);
      // Past the end of the hold: what the page does with the offer it was too late for.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(answered, 'the page never answers the offer it was too late for').to.not.include(held);
      const { lines } = await command<{ lines: string[] }>('rtc-server-log', { name: 'sfu-late' });
      expect(lines.some((l) => /subscribe failed: "the browser did not answer the subscriber offer"; subscribing afresh/.test(l)), lines.join('\n')).to.equal(true);
      expect(lines.some((l) => l.includes(`an answer to subscriber offer ${held} ignored`)), lines.join('\n')).to.equal(true);
      expect(connectedPcs().length).to.equal(4);
      expect([...errorsOf(ann), ...errorsOf(bob)]).to.deep.equal([]);
    } finally {
      window.WebSocket = NativeSocket;
      proto.setRemoteDescription = nativeSrd as typeof proto.setRemoteDescription;
      await command('rtc-server-stop', { name: 'sfu-late' });
    }
  });

  it('Janus unreachable at join: the join fails with sfu-unavailable and a notice says so', async () => {
    const port = await command<number>('free-port');
    const url = await rtcServer('sfu-dead', { janusUrls: [`ws://127.0.0.1:${port}`], meshMax: 0 });
    try {
      streams.push(await camera(320, 180, 10));
      const el = await calls.call({ room: uniqueRoom('dead'), name: 'Ann', server: url });
      el.localStream = streams.at(-1)!;
      const started = performance.now();
      const outcome = await el.join().then(() => 'joined', (e: { code?: string }) => e.code);
      expect(outcome).to.equal('sfu-unavailable');
      expect(performance.now() - started).to.be.below(20_000);
      expect(errorsOf(el).map((e) => e.code)).to.include('sfu-unavailable');
      await el.updateComplete;
      const shown = el.shadowRoot!.textContent ?? '';
      expect(shown).to.match(/media server is not answering/);
    } finally {
      await command('rtc-server-stop', { name: 'sfu-dead' });
    }
  });

  it('Janus lost mid-call with a second one configured: the room moves there and every tile has video again within 10 s', async () => {
    const first = await command<Janus>('janus-start');
    const second = await command<Janus>('janus-start');
    // Rooms go to the least loaded Janus that answers: both are empty, so the first listed gets this one.
    const url = await rtcServer('sfu-two', { janusUrls: [first.url, second.url], meshMax: 0 });
    try {
      const room = uniqueRoom('move');
      const els = [await joined(room, 'Ann', await camera(320, 180, 10), url), await joined(room, 'Bob', await camera(320, 180, 10), url), await joined(room, 'Cy', await camera(320, 180, 10), url)];
      await until(() => els.every((el) => el.participants.length === 3 && el.participants.every((p) => p.isLocal || p.connection === 'connected')), 'three connected', 30_000);
      const health = await command<{ rooms: number }>('rtc-server-health', { name: 'sfu-two' });
      expect(health.rooms).to.equal(1);
      await command('janus-kill', { id: first.id });
      const killedAt = performance.now();
      // Everyone's media goes (the server moves the room: every page restarts its connections)…
      await until(() => els.every((el) => el.participants.some((p) => !p.isLocal && p.connection !== 'connected')), 'the loss seen on every page', 10_000);
      // …and comes back through the second Janus, within 10 s of the kill.
      const left = Math.max(1, 10_000 - (performance.now() - killedAt));
      await until(() => els.every((el) => el.participants.every((p) => p.isLocal || (p.connection === 'connected' && p.stream))), 'everyone back', left);
      const backAt = performance.now() - killedAt;
      for (const el of els) {
        for (const other of ['Ann', 'Bob', 'Cy'].filter((n) => n !== el.displayName)) {
          const tile = await remoteTile(el, other);
          tile.scrollIntoView();
          await framesAdvance(videoOf(tile), 3, 5_000);
        }
      }
      console.log(`Janus failover: connected again ${Math.round(backAt)} ms after the kill`);
      for (const el of els) {
        expect(errorsOf(el).map((e) => e.code), el.displayName).to.deep.equal([]);
        expect(el.participants.length).to.equal(3);
      }
    } finally {
      await command('rtc-server-stop', { name: 'sfu-two' });
      await command('janus-stop', { id: first.id });
      await command('janus-stop', { id: second.id });
    }
  });

  it('Janus lost mid-call (no other configured): every page gets rtc-error sfu-unavailable within 20 s, with a notice', async () => {
    const own = await command<Janus>('janus-start');
    const url = await rtcServer('sfu-lost', { janusUrls: [own.url], meshMax: 0 });
    try {
      const room = uniqueRoom('lost');
      const els = [await joined(room, 'Ann', await camera(320, 180, 10), url), await joined(room, 'Bob', await camera(320, 180, 10), url), await joined(room, 'Cy', await camera(320, 180, 10), url)];
      await until(() => els.every((el) => el.participants.length === 3 && el.participants.every((p) => p.isLocal || p.connection === 'connected')), 'three connected', 30_000);
      const killedAt = performance.now();
      await command('janus-kill', { id: own.id });
      await until(() => els.every((el) => errorsOf(el).some((e) => e.code === 'sfu-unavailable')), 'sfu-unavailable on every page', 20_000);
      expect(performance.now() - killedAt).to.be.below(20_000);
      for (const el of els) {
        await el.updateComplete;
        expect(el.shadowRoot!.querySelector('[part="notice"][data-code="sfu-unavailable"]'), `${el.displayName}'s notice`).to.exist;
      }
    } finally {
      await command('rtc-server-stop', { name: 'sfu-lost' });
      await command('janus-stop', { id: own.id });
    }
  });
});
