// The hold rule (DESIGN, "Signaling and room events"): a call from a peer the server has not
// announced yet is held until its member-joined arrives, then answered — never on trust. One
// server always announces first, so the announcement is delayed or dropped at the boundary: the
// page's WebSocket, as it hands frames to PeerJS.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { HOLD_UNANNOUNCED_MS } from '../../src/core/transport/mesh/mesh-transport.js';
import { framesAdvance } from './helpers/media.js';

type Hold = (frame: { type?: string; payload?: { event?: string; data?: { displayName?: string } } }) => number | 'drop' | 0;
let hold: Hold = () => 0;

const NativeWebSocket = window.WebSocket;
class HoldingWebSocket extends NativeWebSocket {
  override set onmessage(handler: ((this: WebSocket, ev: MessageEvent) => unknown) | null) {
    super.onmessage = handler && ((ev: MessageEvent) => {
      let frame: Parameters<Hold>[0] = {};
      try { frame = JSON.parse(String(ev.data)); } catch { /* not JSON: pass on */ }
      const verdict = this.url.includes('/peerjs/peerjs') ? hold(frame) : 0;
      if (verdict === 'drop') return;
      if (verdict > 0) setTimeout(() => handler.call(this, ev), verdict);
      else handler.call(this, ev);
    });
  }
  override get onmessage() {
    return super.onmessage;
  }
}
window.WebSocket = HoldingWebSocket as typeof WebSocket;

const announcing = (name: string) => (f: Parameters<Hold>[0]) =>
  f.type === 'ROOM' && f.payload?.event === 'member-joined' && f.payload.data?.displayName === name;

describe('<rtc-call> holds a call from a peer not announced yet', () => {
  const made: RtcCall[] = [];
  afterEach(async () => {
    hold = () => 0;
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
  });
  after(() => { window.WebSocket = NativeWebSocket; });

  it('answers only once member-joined arrives (announcement held back 1.5 s), then media flows', async () => {
    const room = uniqueRoom('hold');
    const ann = await createCall({ room, name: 'Ann' });
    made.push(ann);
    await ann.join();
    const isBob = announcing('Bob');
    let announcedAt = 0;
    hold = (f) => {
      if (!isBob(f)) return 0;
      announcedAt = performance.now() + 1500;
      return 1500;
    };
    const joinedAt: number[] = [];
    ann.addEventListener('rtc-participant-joined', () => joinedAt.push(performance.now()));
    const bob = await createCall({ room, name: 'Bob' });
    made.push(bob);
    await bob.join(); // Bob has called Ann: his offer is at Ann's before the announcement
    expect(announcedAt, 'the announcement was held back').to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 700));
    expect(ann.participants.length, 'not answered on trust').to.equal(1);
    await allConnected([ann, bob], 2);
    expect(joinedAt[0]! + 20).to.be.at.least(announcedAt, 'answered after the announcement');
    await framesAdvance(videoOf(await remoteTile(ann, 'Bob')), 3);
    await framesAdvance(videoOf(await remoteTile(bob, 'Ann')), 3);
  });

  it('never answers a caller whose announcement never comes', async () => {
    const room = uniqueRoom('hold');
    const ann = await createCall({ room, name: 'Ann' });
    made.push(ann);
    await ann.join();
    hold = (f) => (announcing('Mallory')(f) ? 'drop' : 0);
    const joined: string[] = [];
    ann.addEventListener('rtc-participant-joined', (e) => joined.push(e.detail.participant.displayName));
    const mallory = await createCall({ room, name: 'Mallory' });
    made.push(mallory);
    await mallory.join();
    // An absence can only be seen over time: watch past the whole hold, so a late answer would show.
    await new Promise((r) => setTimeout(r, HOLD_UNANNOUNCED_MS + 1_000));
    expect(joined).to.deep.equal([]);
    expect(ann.participants.map((p) => p.displayName)).to.deep.equal(['Ann']);
  });
});
