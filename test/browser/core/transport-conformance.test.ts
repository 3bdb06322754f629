// One set of tests every Transport must pass, run against the fake (in memory), the PeerJS mesh
// (through the real server) and the SFU transport (the real server driving a real Janus).
import { expect } from '@open-wc/testing';
import type { JoinResponse } from '../../../src/protocol/join.js';
import { MeshTransport } from '../../../src/core/transport/mesh/mesh-transport.js';
import { SfuTransport } from '../../../src/core/transport/sfu/sfu-transport.js';
import { SwitchingTransport } from '../../../src/core/transport/switching-transport.js';
import type { RemotePeer, SignalingEndpoint, Transport } from '../../../src/core/transport/transport.js';
import type { ParticipantLeaveReason } from '../../../src/core/types.js';
import { FakeNetwork } from '../helpers/fake-transport.js';
import { sha256Hex } from '../../../src/core/files.js';
import { uniqueRoom } from '../helpers/call.js';
import { until } from '../helpers/media.js';
import { command, rtcServer } from '../helpers/server.js';

async function joinAnswer(server: string, room: string, displayName: string): Promise<JoinResponse> {
  const res = await fetch(`${server}/api/rooms/${room}/join`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName }),
  });
  if (!res.ok) throw new Error(`join ${res.status}`);
  return res.json();
}

interface Member {
  t: Transport;
  joined: RemotePeer[];
  left: Array<[string, ParticipantLeaveReason]>;
  close(sayBye: boolean): Promise<void>;
}

interface Setup {
  /** The server to join (default: the test run's own). */
  server?: () => Promise<string>;
  after?: () => Promise<void>;
  /** Files travel peer to peer: a transport without such links refuses them as not-supported. */
  files?: boolean;
}

function conformance(name: string, makeTransport: () => Transport, setup: Setup = {}) {
  describe(`Transport conformance: ${name}`, function () {
    this.timeout(60_000);
    let server: string;
    let endpoint: SignalingEndpoint;
    const open: Member[] = [];
    after(async () => setup.after?.());
    before(async () => {
      server = await (setup.server ?? (() => rtcServer()))();
      const url = new URL(server);
      endpoint = { host: url.hostname, port: Number(url.port), secure: false };
    });
    afterEach(async () => { await Promise.all(open.splice(0).map((m) => m.close(false))); });

    async function member(room: string, displayName: string): Promise<Member> {
      const t = makeTransport();
      const m: Member = { t, joined: [], left: [], close: (sayBye) => t.close(sayBye) };
      t.on('participant-joined', (p) => m.joined.push(p));
      t.on('participant-left', (p, reason) => m.left.push([p.displayName, reason]));
      open.push(m);
      const join = await joinAnswer(server, room, displayName);
      await t.connect(join, {
        endpoint,
        tracks: { microphone: null, camera: null },
        state: { mic: true, cam: true, name: displayName },
        signal: new AbortController().signal,
        maxIncomingFile: () => 1024 * 1024,
      });
      return m;
    }
    const peerNamed = (m: Member, name: string) => m.t.peers.find((p) => p.displayName === name);

    it('join two: each sees the other, with the name the server gave', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      await until(() => peerNamed(a, 'Bob') && peerNamed(b, 'Ann'), 'both see each other', 15_000);
      expect(a.joined.map((p) => p.displayName)).to.deep.equal(['Bob']);
      await until(() => peerNamed(a, 'Bob')!.connection === 'connected' && peerNamed(b, 'Ann')!.connection === 'connected', 'connected', 15_000);
    });

    it('state both ways: mic and camera reach the other side', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      await until(() => peerNamed(a, 'Bob') && peerNamed(b, 'Ann'), 'both see each other', 15_000);
      a.t.sendState({ mic: false, cam: true, name: 'Ann' });
      b.t.sendState({ mic: true, cam: false, name: 'Bob' });
      await until(() => peerNamed(b, 'Ann')?.micEnabled === false && peerNamed(a, 'Bob')?.cameraEnabled === false, 'state arrived', 15_000);
    });

    it('publish and unpublish each source; a source the transport cannot carry is refused as not-supported', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      await until(() => peerNamed(a, 'Bob') && peerNamed(b, 'Ann'), 'both see each other', 15_000);
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      try {
        await a.t.publish('microphone', media.getAudioTracks()[0]!);
        await a.t.publish('camera', media.getVideoTracks()[0]!);
        await a.t.publish('camera', null);
        await a.t.publish('microphone', null);
        const screen = a.t.publish('screen', media.getVideoTracks()[0]!).then(() => 'ok', (e: { code?: string }) => e.code);
        expect(['ok', 'not-supported']).to.include(await screen);
        if ((await screen) === 'ok') {
          // A published screen with the state saying so reaches the others as their screenStream, and goes again.
          a.t.sendState({ mic: false, cam: false, name: 'Ann', screen: true });
          await until(() => peerNamed(b, 'Ann')?.screenStream?.getVideoTracks().length, 'the screen arrived', 15_000);
          await a.t.publish('screen', null);
          a.t.sendState({ mic: false, cam: false, name: 'Ann', screen: false });
          await until(() => peerNamed(b, 'Ann')?.screenStream === null, 'the screen gone', 15_000);
        }
      } finally {
        media.getTracks().forEach((t) => t.stop());
      }
    });

    if (setup.files === false) {
      it('a file is refused as not-supported (no peer-to-peer link to carry it)', async () => {
        const room = uniqueRoom('conf');
        const a = await member(room, 'Ann');
        const b = await member(room, 'Bob');
        await until(() => peerNamed(a, 'Bob') && peerNamed(b, 'Ann'), 'both see each other', 15_000);
        const data = new Blob([new Uint8Array(1000)]);
        const outcome = await a.t.sendFile(peerNamed(a, 'Bob')!.id, { id: 'f0', name: 'a.bin', size: data.size, type: '', sha256: await sha256Hex(data) }, data, () => {}).then(() => 'delivered', (e: { code?: string }) => e.code);
        expect(outcome).to.equal('not-supported');
        expect(a.t.cancelFile('f0')).to.equal(false);
      });
    }

    if (setup.files !== false) it('a file reaches one participant whole, with progress; above their limit it is refused as file-too-large', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      await until(() => peerNamed(a, 'Bob')?.connection === 'connected' && peerNamed(b, 'Ann')?.connection === 'connected', 'connected', 15_000);
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
      const received: Blob[] = [];
      const progress: number[] = [];
      b.t.on('file-received', (_from, _offer, data) => received.push(data));
      b.t.on('file-progress', (_from, _id, n) => progress.push(n));
      const offer = { id: 'f1', name: 'scan.bin', size: bytes.length, type: 'application/octet-stream', sha256: await sha256Hex(new Blob([bytes])) };
      await a.t.sendFile(peerNamed(a, 'Bob')!.id, offer, new Blob([bytes]), () => {});
      await until(() => received.length === 1, 'Bob has the file', 15_000);
      expect(new Uint8Array(await received[0]!.arrayBuffer())).to.deep.equal(bytes);
      expect(progress.at(-1)).to.equal(bytes.length);
      const big = new Blob([new Uint8Array(1024 * 1024 + 1)]);
      const refused = await a.t.sendFile(peerNamed(a, 'Bob')!.id, { ...offer, id: 'f2', size: big.size, sha256: await sha256Hex(big) }, big, () => {}).catch((e: { code?: string }) => e.code);
      expect(refused).to.equal('file-too-large');
    });

    if (setup.files !== false) it('a file cancelled by its receiver ends with file-cancelled on both sides', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      await until(() => peerNamed(a, 'Bob')?.connection === 'connected' && peerNamed(b, 'Ann')?.connection === 'connected', 'connected', 15_000);
      const failed: string[] = [];
      b.t.on('file-failed', (_from, _id, error) => failed.push(error.code));
      b.t.on('file-progress', (_from, id) => b.t.cancelFile(id));
      const data = new Blob([new Uint8Array(1024 * 1024)]);
      const outcome = await a.t.sendFile(peerNamed(a, 'Bob')!.id, { id: 'f3', name: 'big.bin', size: data.size, type: '', sha256: await sha256Hex(data) }, data, () => {}).then(() => 'delivered', (e: { code?: string }) => e.code);
      expect(outcome).to.equal('file-cancelled');
      await until(() => failed.length === 1, 'Bob hears the end', 5_000);
      expect(failed).to.deep.equal(['file-cancelled']);
    });

    it('a goodbye reaches the others as left; a vanished participant as disconnected', async () => {
      const room = uniqueRoom('conf');
      const a = await member(room, 'Ann');
      const b = await member(room, 'Bob');
      const c = await member(room, 'Cy');
      await until(() => a.t.peers.length === 2, 'Ann sees both', 15_000);
      await b.close(true);
      await until(() => a.left.length === 1, 'Ann sees Bob leave', 15_000);
      expect(a.left).to.deep.equal([['Bob', 'left']]);
      await c.close(false);
      await until(() => a.left.length === 2, 'Ann sees Cy vanish', 15_000);
      expect(a.left[1]).to.deep.equal(['Cy', 'disconnected']);
      expect(a.t.peers).to.have.length(0);
    });
  });
}

const net = new FakeNetwork();
conformance('fake (in memory)', () => net.transport());
conformance('PeerJS mesh', () => new MeshTransport());
/** A Setup whose server `name` drives a Janus of its own (started before, stopped after). */
function withJanus(name: string, options: Record<string, unknown>): Pick<Setup, 'server' | 'after'> {
  let janus: { id: string; url: string } | undefined;
  return {
    server: async () => {
      janus = await command<{ id: string; url: string }>('janus-start');
      return rtcServer(name, { janusUrls: [janus.url], ...options });
    },
    after: async () => {
      await command('rtc-server-stop', { name });
      if (janus) await command('janus-stop', { id: janus.id });
    },
  };
}

conformance('SFU (Janus)', () => new SfuTransport(), { files: false, ...withJanus('conformance-sfu', { meshMax: 0 }) });
// A room that may switch (Janus configured, RTC_MESH_MAX 4), while it stays small: peer to peer,
// files included, with the SFU transport riding the mesh's socket for roster and messages.
conformance('switching (mesh ⇄ SFU), as a mesh', () => new SwitchingTransport(), withJanus('conformance-switch', { meshMax: 4 }));
