// The real PeerJS client (node_modules/peerjs) connecting with the join answer's `signaling`
// options. Node has no WebRTC: only the globals PeerJS probes at import are stubbed — its
// signaling socket (the thing under test) is the real client code over a real websocket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { joinOk, start, type Started } from './helpers.js';

const g = globalThis as Record<string, unknown>;
g.window ??= globalThis;
// Like a browser's: a failed handshake is an error *event* followed by close, never a throw.
g.WebSocket ??= class extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => {});
  }
};
g.RTCPeerConnection ??= class {
  close(): void {}
  createDataChannel() { return { ordered: true, close(): void {} }; }
};

type PeerCtor = new (id: string, options: Record<string, unknown>) => {
  on(event: string, cb: (arg: any) => void): void;
  destroy(): void;
  disconnect(): void;
  reconnect(): void;
  open: boolean;
};
let Peer: PeerCtor;
let s: Started;

before(async () => {
  ({ Peer } = (await import('peerjs')) as unknown as { Peer: PeerCtor });
  s = await start({ basePath: '/calls', leaveGraceMs: 2000 });
});
after(() => s.close());

function open(j: Awaited<ReturnType<typeof joinOk>>, extra: Record<string, unknown> = {}) {
  const peer = new Peer(j.peerId, {
    host: '127.0.0.1', port: s.port, secure: false, debug: 0,
    path: j.signaling.path, key: j.signaling.key, token: j.peerToken, ...extra,
  });
  const opened = new Promise<string>((resolve, reject) => {
    peer.on('open', resolve);
    peer.on('error', (e) => reject(new Error(`${e.type}: ${e.message}`)));
  });
  return { peer, opened };
}

test('a PeerJS client opens with { path, key } from the join answer and its peer token', async () => {
  const a = await joinOk(`${s.base}/calls`, 'pj', 'A');
  assert.equal(a.signaling.path, '/calls/peerjs');
  const { peer, opened } = open(a);
  assert.equal(await opened, a.peerId);
  // Reconnect with the same token, as PeerJS does after a signaling blip.
  peer.disconnect();
  const reopened = new Promise((r) => peer.on('open', r));
  peer.reconnect();
  await reopened;
  peer.destroy();
});

test('a PeerJS client with a made-up token is refused', async () => {
  const a = await joinOk(`${s.base}/calls`, 'pj', 'A');
  const { peer, opened } = open(a, { token: 'made-up' });
  await assert.rejects(opened, /socket-error|network|server-error/);
  peer.destroy();
});
