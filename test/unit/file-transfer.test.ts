// The mesh's file transfer between two LinkFiles over in-memory channels: offer / accept / chunks
// with backpressure / hash check / cancel either side, and the parsing of its control messages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { safeFileName, sha256Hex } from '../../src/core/files.js';
import type { RtcError } from '../../src/core/errors.js';
import type { FileOffer } from '../../src/core/transport/transport.js';
import { parseControlMessage } from '../../src/core/transport/mesh/control.js';
import { FILE_CHUNK_BYTES, FILE_HIGH_WATER, LinkFiles, parseFileControl, type FileChannel, type FileControlMessage } from '../../src/core/transport/mesh/file-transfer.js';

/** One end of an in-memory data channel: sends arrive a task later; messages for an id the other side never opened are lost, as on SCTP. */
class MemChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType: BinaryType = 'blob';
  peer: MemChannel | null = null;
  maxBuffered = 0;
  sent = 0;

  send(data: ArrayBuffer): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    const size = data.byteLength;
    this.bufferedAmount += size;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    this.sent += size;
    setTimeout(() => {
      const before = this.bufferedAmount;
      this.bufferedAmount -= size;
      if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.dispatchEvent(new Event('bufferedamountlow'));
      if (this.peer?.readyState === 'open') this.peer.dispatchEvent(new MessageEvent('message', { data }));
    }, 0);
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
    const peer = this.peer;
    if (peer && peer.readyState !== 'closed') setTimeout(() => peer.close(), 0);
  }
}

interface Side {
  files: LinkFiles;
  incoming: FileOffer[];
  received: { offer: FileOffer; data: Blob }[];
  failed: { id: string; error: RtcError }[];
  progress: number[];
  channels: Map<number, MemChannel>;
  /** Control messages this side sent. */
  wire: FileControlMessage[];
  max: number;
}

/** Two linked sides, 'a' (smaller id: even channels) and 'b'; control messages travel as JSON through the control parser. */
function pair() {
  const make = (even: boolean, name: string): Side => {
    const side: Side = { incoming: [], received: [], failed: [], progress: [], channels: new Map(), wire: [], max: 25 * 1024 * 1024 } as unknown as Side;
    side.files = new LinkFiles(
      {
        send: (msg) => {
          side.wire.push(msg);
          const json = JSON.stringify(msg);
          setTimeout(() => {
            const parsed = parseControlMessage(json);
            if (parsed && 'id' in parsed && ['fo', 'fa', 'fd', 'fx'].includes(parsed.t)) other(side).files.receive(parsed as FileControlMessage);
          }, 0);
        },
        openChannel: (id) => {
          if (side.channels.has(id)) return null;
          const ch = new MemChannel();
          side.channels.set(id, ch);
          const theirs = other(side).channels.get(id);
          if (theirs && !theirs.peer) {
            ch.peer = theirs;
            theirs.peer = ch;
          }
          return ch as unknown as FileChannel;
        },
        maxIncoming: () => side.max,
        onIncoming: (offer) => side.incoming.push(offer),
        onProgress: (_id, bytes) => side.progress.push(bytes),
        onReceived: (offer, data) => side.received.push({ offer, data }),
        onFailed: (id, error) => side.failed.push({ id, error }),
      },
      even,
      () => name,
    );
    return side;
  };
  const a = make(true, 'Bob');
  const b = make(false, 'Ann');
  const other = (s: Side) => (s === a ? b : a);
  return { a, b };
}

async function offerOf(id: string, bytes: Uint8Array<ArrayBuffer>, name = 'scan.bin'): Promise<FileOffer> {
  return { id, name, size: bytes.length, type: 'application/octet-stream', sha256: await sha256Hex(new Blob([bytes])) };
}

const until = async (ok: () => boolean, what: string, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('file transfer over a link', () => {
  test('a 3 MB file arrives whole in 16 KiB chunks, the buffer bounded, progress rising to the size on both sides', async () => {
    const { a, b } = pair();
    const bytes = new Uint8Array(3 * 1024 * 1024 + 123);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const sent: number[] = [];
    await a.files.send(await offerOf('f1', bytes), new Blob([bytes]), (n) => sent.push(n));
    assert.equal(b.received.length, 1);
    assert.deepEqual(new Uint8Array(await b.received[0]!.data.arrayBuffer()), bytes);
    assert.equal(b.incoming[0]!.name, 'scan.bin');
    assert.equal(sent.at(-1), bytes.length, 'the sender ends at the size');
    assert.equal(b.progress.at(-1), bytes.length, 'the receiver ends at the size');
    for (const list of [sent, b.progress]) assert.deepEqual([...list].sort((x, y) => x - y), list, 'progress only rises');
    const channel = a.channels.values().next().value as MemChannel;
    assert.ok(channel.maxBuffered <= FILE_HIGH_WATER + FILE_CHUNK_BYTES, `buffered at most ${channel.maxBuffered}`);
    assert.equal(channel.readyState, 'closed', 'the sender closes its channel');
    assert.deepEqual(b.wire.map((m) => m.t), ['fa', 'fd']);
  });

  test('both sides send at once on channels that never collide (even ids for the smaller participant id)', async () => {
    const { a, b } = pair();
    const x = new Uint8Array(100_000).fill(1);
    const y = new Uint8Array(70_000).fill(2);
    await Promise.all([a.files.send(await offerOf('x', x), new Blob([x]), () => {}), b.files.send(await offerOf('y', y), new Blob([y]), () => {})]);
    assert.equal(b.received[0]!.data.size, x.length);
    assert.equal(a.received[0]!.data.size, y.length);
    const fo = (s: Side) => s.wire.find((m) => m.t === 'fo') as Extract<FileControlMessage, { t: 'fo' }>;
    assert.equal(fo(a).ch % 2, 0);
    assert.equal(fo(b).ch % 2, 1);
  });

  test('a hash that does not match is file-corrupt at both ends, and the data is discarded', async () => {
    const { a, b } = pair();
    const bytes = new Uint8Array(50_000).fill(7);
    const offer = { ...(await offerOf('c1', bytes)), sha256: '0'.repeat(64) };
    await assert.rejects(a.files.send(offer, new Blob([bytes]), () => {}), { code: 'file-corrupt' });
    assert.equal(b.received.length, 0);
    assert.equal(b.failed[0]!.error.code, 'file-corrupt');
  });

  test('more bytes than announced are file-corrupt', async () => {
    const { a, b } = pair();
    // A sender that lies: offers 10 bytes, then sends 20 on the channel.
    const channel = new MemChannel();
    a.channels.set(514, channel);
    b.files.receive({ t: 'fo', id: 'lie', name: 'x', size: 10, type: '', h: 'a'.repeat(64), ch: 514 });
    await until(() => b.channels.has(514), 'b opened the channel');
    channel.peer = b.channels.get(514)!;
    b.channels.get(514)!.peer = channel;
    channel.send(new Uint8Array(20).buffer);
    await until(() => b.failed.length === 1, 'b refused');
    assert.equal(b.failed[0]!.error.code, 'file-corrupt');
    assert.deepEqual(b.wire.map((m) => m.t), ['fa', 'fx']);
  });

  test('above the receiver\'s limit the offer is refused with file-too-large and nothing is sent', async () => {
    const { a, b } = pair();
    b.max = 1000;
    const bytes = new Uint8Array(1001);
    await assert.rejects(a.files.send(await offerOf('big', bytes), new Blob([bytes]), () => {}), (e: RtcError) => e.code === 'file-too-large' && /1000/.test(e.message));
    assert.equal(b.incoming.length, 0);
    assert.equal((a.channels.values().next().value as MemChannel).sent, 0);
  });

  test('the sender cancels mid-way: both ends hear file-cancelled', async () => {
    const { a, b } = pair();
    const bytes = new Uint8Array(4 * 1024 * 1024);
    const sending = a.files.send(await offerOf('k1', bytes), new Blob([bytes]), () => {});
    await until(() => b.progress.length > 0, 'some bytes arrived');
    assert.equal(a.files.cancel('k1'), true);
    await assert.rejects(sending, { code: 'file-cancelled' });
    await until(() => b.failed.length === 1, 'b hears it');
    assert.equal(b.failed[0]!.error.code, 'file-cancelled');
    assert.equal(b.received.length, 0);
    assert.equal(a.files.cancel('k1'), false, 'nothing left to cancel');
  });

  test('the receiver cancels mid-way: the sender\'s promise ends with file-cancelled', async () => {
    const { a, b } = pair();
    const bytes = new Uint8Array(4 * 1024 * 1024);
    const sending = a.files.send(await offerOf('k2', bytes), new Blob([bytes]), () => {});
    await until(() => b.progress.length > 0, 'some bytes arrived');
    assert.equal(b.files.cancel('k2'), true);
    await assert.rejects(sending, (e: RtcError) => e.code === 'file-cancelled' && /Bob cancelled/.test(e.message));
    assert.equal(b.failed[0]!.error.code, 'file-cancelled');
  });

  test('the link closing ends every transfer with peer-unavailable', async () => {
    const { a, b } = pair();
    const bytes = new Uint8Array(4 * 1024 * 1024);
    const sending = a.files.send(await offerOf('g1', bytes), new Blob([bytes]), () => {});
    await until(() => b.progress.length > 0, 'some bytes arrived');
    a.files.close();
    b.files.close();
    await assert.rejects(sending, { code: 'peer-unavailable' });
    assert.equal(b.failed[0]!.error.code, 'peer-unavailable');
  });

  test('an empty file arrives too', async () => {
    const { a, b } = pair();
    await a.files.send(await offerOf('e', new Uint8Array()), new Blob([]), () => {});
    assert.equal(b.received[0]!.data.size, 0);
  });
});

describe('file control messages', () => {
  test('offers are checked; names lose paths and control characters', () => {
    const good = { t: 'fo', id: 'f1', name: '../../etc/pass\u202ewd', size: 10, type: 'Image/PNG', h: 'a'.repeat(64), ch: 514 };
    assert.deepEqual(parseFileControl(good), { t: 'fo', id: 'f1', name: 'passwd', size: 10, type: 'image/png', h: 'a'.repeat(64), ch: 514 });
    assert.equal((parseFileControl({ ...good, type: 'text/html; charset=x' }) as { type: string }).type, '');
    for (const bad of [{ ...good, ch: 512 }, { ...good, ch: 1024 }, { ...good, size: -1 }, { ...good, size: 1.5 }, { ...good, h: 'xyz' }, { ...good, id: 'a b' }, { ...good, name: 5 }]) {
      assert.equal(parseFileControl(bad), null, JSON.stringify(bad).slice(0, 80));
    }
    assert.deepEqual(parseFileControl({ t: 'fx', id: 'f1', code: 'file-too-large', max: 100 }), { t: 'fx', id: 'f1', code: 'file-too-large', max: 100 });
    assert.equal(parseFileControl({ t: 'fx', id: 'f1', code: 'internal' }), null);
    assert.deepEqual(parseControlMessage('{"t":"fd","id":"f1"}'), { t: 'fd', id: 'f1' });
  });

  test('safe names', () => {
    assert.equal(safeFileName('C:\\Users\\pat\\report.pdf'), 'report.pdf');
    assert.equal(safeFileName('..'), 'file');
    assert.equal(safeFileName(''), 'file');
    assert.equal([...safeFileName('é'.repeat(300))].length, 200);
  });
});
