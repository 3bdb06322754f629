// Pre-warmed joins (issue 23): while the pre-join view is up, <rtc-call> asks the server for a
// pre-warmed join and opens its signaling socket, parked. That takes no seat, tells the room
// nothing, leaves `state` idle and fires no event; Join then takes that very socket. Released when
// the element goes, or re-done when its room changes.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createdPeerConnections, remoteTile, trackedCalls, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

type Health = { rooms: number; peers: number; sockets: number; waiting: number };
const health = (name: string) => command<Health>('rtc-server-health', { name });

/** Every WebSocket the page opens from now on, by URL. */
const sockets: string[] = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    sockets.push(String(url));
  }
} as typeof WebSocket;

/** Every rtc-* event `el` dispatches. */
function eventsOf(el: RtcCall): string[] {
  const seen: string[] = [];
  const names = ['rtc-state-change', 'rtc-joined', 'rtc-participant-joined', 'rtc-participant-left', 'rtc-error', 'rtc-knock', 'rtc-left', 'rtc-mode-change', 'rtc-message'];
  for (const name of names) el.addEventListener(name, () => seen.push(name));
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('<rtc-call> pre-warmed join', () => {
  const { call, cleanup } = trackedCalls();
  afterEach(cleanup);

  it('the pre-join view pre-warms: a parked socket, no seat, no event on either side; Join takes that socket', async () => {
    const server = await rtcServer('prewarm');
    const room = uniqueRoom('pw');
    const ann = await call({ room, server, name: 'Ann' });
    await ann.join();
    await until(async () => (await health('prewarm')).sockets === 1, "Ann's socket");
    const annSaw = eventsOf(ann);
    const before = sockets.length;
    const ben = await call({ room, server, name: 'Ben' });
    const benFired = eventsOf(ben);
    await until(async () => (await health('prewarm')).sockets === 2, 'the parked socket');
    await sleep(500);
    const parked = await health('prewarm');
    expect(parked.peers, 'no seat').to.equal(1);
    expect(ben.state).to.equal('idle');
    expect(ben.participants.filter((p) => !p.isLocal), 'nothing of the room').to.deep.equal([]);
    expect(benFired, 'no event from the pre-warm').to.deep.equal([]);
    expect(annSaw, 'the room hears nothing').to.deep.equal([]);
    expect(ann.participants).to.have.length(1);
    expect(sockets.length - before).to.equal(1);

    await ben.join();
    await allConnected([ann, ben], 2);
    expect(sockets.length - before, 'Join took the parked socket: no second one').to.equal(1);
    expect((await health('prewarm')).sockets).to.equal(2);
    expect(await framesAdvance(videoOf(await remoteTile(ben, 'Ann')))).to.be.greaterThan(0);
    expect(annSaw).to.include('rtc-participant-joined');
  });

  it('released when the element goes; no-prewarm opens nothing before Join', async () => {
    const server = await rtcServer('prewarm');
    const room = uniqueRoom('pw');
    const idle = await health('prewarm');
    const ben = await call({ room, server, name: 'Ben' });
    await until(async () => (await health('prewarm')).sockets === idle.sockets + 1, 'the parked socket');
    ben.remove();
    await until(async () => (await health('prewarm')).sockets === idle.sockets, 'parked socket closed with the element');

    const before = sockets.length;
    const quiet = await call({ room, server, name: 'Cy', attrs: { 'no-prewarm': true } });
    await sleep(1200);
    expect(sockets.length - before, 'no socket before Join').to.equal(0);
    expect((await health('prewarm')).sockets).to.equal(idle.sockets);
    await quiet.join();
    expect(quiet.state).to.equal('connected');
  });

  it('no-prewarm still loads the code a join needs while the pre-join view is up (the in-call parts, the mesh with PeerJS), asking nothing of the server', async () => {
    const server = await rtcServer('prewarm');
    const room = uniqueRoom('pw');
    const idle = await health('prewarm');
    const requests: string[] = [];
    const nativeFetch = window.fetch;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(String(input instanceof Request ? input.url : input));
      return nativeFetch(input, init);
    };
    try {
      const before = sockets.length;
      const gil = await call({ room, server, name: 'Gil', attrs: { 'no-prewarm': true } });
      const bar = () => gil.shadowRoot!.querySelector('[part~="controls"] [part~="leave-button"]');
      expect(bar(), 'no in-call parts at first paint').to.equal(null);
      // Rendered (hidden) once its code is here: this element loaded it, by itself, while idle.
      await until(() => !!bar(), 'the in-call parts loaded in the pre-join view', 5_000);
      expect(gil.state).to.equal('idle');
      expect((gil.shadowRoot!.querySelector('[part~="controls"]') as HTMLElement).hidden, 'the control bar hidden until the call').to.equal(true);
      expect(requests.filter((url) => url.startsWith(server)), "nothing asked of the server's API").to.deep.equal([]);
      expect(sockets.length - before, 'no socket').to.equal(0);
      expect((await health('prewarm')).sockets).to.equal(idle.sockets);
      await gil.join();
      expect(gil.state).to.equal('connected');
    } finally {
      window.fetch = nativeFetch;
    }
  });

  it('a new room while in the pre-join view pre-warms for it; the join gets the new room', async () => {
    const server = await rtcServer('prewarm');
    const first = uniqueRoom('pw');
    const second = uniqueRoom('pw');
    const idle = await health('prewarm');
    const dee = await call({ room: first, server, name: 'Dee' });
    await until(async () => (await health('prewarm')).sockets === idle.sockets + 1, 'parked for the first room');
    const before = sockets.length;
    dee.room = second;
    await until(() => sockets.length - before === 1, 'a pre-warm for the second room');
    await until(async () => (await health('prewarm')).sockets === idle.sockets + 1, 'only the new one parked');
    const eve = await call({ room: second, server, name: 'Eve', attrs: { 'no-prewarm': true } });
    await eve.join();
    await dee.join();
    await allConnected([dee, eve], 2);
    expect(sockets.length - before, "Dee's join took the second pre-warm").to.equal(2);
  });

  it('a parked socket the server dropped costs nothing: Join opens a new one and connects', async () => {
    const server = await rtcServer('prewarm-restart');
    const room = uniqueRoom('pw');
    const fay = await call({ room, server, name: 'Fay' });
    await until(async () => (await health('prewarm-restart')).sockets === 1, 'parked');
    await command('rtc-server-restart', { name: 'prewarm-restart' });
    await sleep(300);
    const before = sockets.length;
    await fay.join();
    expect(fay.state).to.equal('connected');
    expect(sockets.length - before, 'a fresh socket at Join').to.equal(1);
  });

  it('each end shows the other only once its own offer or answer has left (the render does not hold them up)', async () => {
    const server = await rtcServer('prewarm');
    const room = uniqueRoom('pw');
    const gus = await call({ room, server, name: 'Gus' });
    await gus.join();
    const hal = await call({ room, server, name: 'Hal' });
    await until(async () => (await health('prewarm')).sockets === 2, 'parked');
    const before = createdPeerConnections.length;
    // What each connection made since has set as its own description, when each end shows the other.
    const descriptions = () => createdPeerConnections.slice(before).map((pc) => pc.localDescription?.type ?? null);
    const seen: Record<string, (RTCSdpType | null)[]> = {};
    gus.addEventListener('rtc-participant-joined', () => (seen.gus ??= descriptions()));
    hal.addEventListener('rtc-participant-joined', () => (seen.hal ??= descriptions()));
    hal.addEventListener('rtc-joined', () => (seen.halJoined ??= descriptions()));
    await hal.join();
    await allConnected([gus, hal], 2);
    // Hal (the newcomer) calls Gus: his offer is set before he shows Gus or says he has joined…
    expect(seen.hal?.[0], "Hal's connection when he shows Gus").to.equal('offer');
    expect(seen.halJoined?.[0], "Hal's connection at rtc-joined").to.equal('offer');
    // …and Gus's answer is set (and sent: a task later) before Gus shows Hal.
    expect(seen.gus, "both connections when Gus shows Hal").to.deep.equal(['offer', 'answer']);
  });
});
