// Files between real calls: a 5 MB file with progress both sides, hash-checked, offered as a
// download link (never opened), to one participant only, cancelled by either side, refused when
// too large for the receiver, and the chat panel's file button and accessibility.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { FileProgress, ReceivedFile } from '../../src/core/types.js';
import { allConnected, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';

const q = (el: RtcCall, sel: string) => el.shadowRoot!.querySelector<HTMLElement>(sel);

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

async function sha256(blob: Blob): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
}

function record(el: RtcCall) {
  const progress: FileProgress[] = [];
  const files: ReceivedFile[] = [];
  el.addEventListener('rtc-file-progress', (e) => progress.push(e.detail));
  el.addEventListener('rtc-file', (e) => files.push(e.detail));
  return { progress, files };
}

describe('<rtc-call> files', function () {
  this.timeout(90_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  it('a 5 MB file reaches the one it is sent to, whole, with progress both sides, as a download link; the others get nothing', async () => {
    const room = uniqueRoom('files');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    const c = await calls.call({ room, name: 'Cleo', autojoin: true });
    await allConnected([a, b, c], 3, 30_000);
    const [ra, rb, rc] = [record(a), record(b), record(c)];
    const bytes = randomBytes(5 * 1000 * 1000);
    const file = new File([bytes], 'lab results <b>.pdf', { type: 'application/pdf' });
    const bobId = a.participants.find((p) => p.displayName === 'Bob')!.id;

    const started = performance.now();
    const sending = a.sendFile(file, { to: bobId });
    // The id is known before sendFile returns (bytes 0), for cancelFile.
    expect(ra.progress).to.have.length(1);
    expect(ra.progress[0]).to.include({ bytes: 0, direction: 'send', participantId: bobId, status: 'active', size: bytes.length, name: 'lab results <b>.pdf' });
    const sent = await sending;
    const seconds = (performance.now() - started) / 1000;
    expect(sent).to.include({ id: ra.progress[0]!.id, size: bytes.length });
    expect(sent.deliveredTo).to.deep.equal([bobId]);

    await until(() => rb.files.length === 1, 'Bob has the file');
    const got = rb.files[0]!;
    expect(got).to.include({ id: sent.id, name: 'lab results <b>.pdf', size: bytes.length, type: 'application/pdf', from: a.participants[0]!.id });
    const blob = await (await fetch(got.url)).blob();
    expect(blob.type, 'served as bytes, never rendered').to.equal('application/octet-stream');
    expect(await sha256(blob)).to.equal(await sha256(file));
    // Progress rose on both sides and ended complete.
    for (const [list, direction] of [[ra.progress, 'send'], [rb.progress.filter((p) => p.id === sent.id), 'receive']] as const) {
      const values = list.map((p) => p.bytes);
      expect(values.length, `${direction}: several progress events`).to.be.greaterThan(2);
      expect([...values].sort((x, y) => x - y)).to.deep.equal(values);
      expect(list.at(-1)).to.include({ status: 'complete', bytes: bytes.length, direction });
    }
    expect(rc.progress.length + rc.files.length, 'Cleo gets nothing').to.equal(0);
    console.log(`5 MB file in ${seconds.toFixed(2)} s (${((bytes.length * 8) / seconds / 1e6).toFixed(1)} Mbit/s)`);

    // Bob's chat: the file with its name (as text) and size, a download link; never opened by itself.
    q(b, '[part~="chat-button"]')!.click();
    await b.updateComplete;
    const line = q(b, '[part~="chat-file"]')!;
    expect(line.dataset.status).to.equal('complete');
    expect(line.querySelector('.file-name')!.textContent).to.equal('lab results <b>.pdf');
    expect(line.querySelector('b')).to.equal(null);
    const link = line.querySelector<HTMLAnchorElement>('[part~="file-download"]')!;
    expect(link.getAttribute('download')).to.equal('lab results <b>.pdf');
    expect(link.href).to.equal(got.url);
    expect(line.textContent).to.match(/5 MB/);
    await expect(b).to.be.accessible();
    // Ann's line says delivered.
    q(a, '[part~="chat-button"]')!.click();
    await a.updateComplete;
    expect(q(a, '[part~="chat-file"]')!.dataset.status).to.equal('complete');
    expect(q(a, '[part~="chat-file"] .file-status')!.textContent).to.equal('Delivered');
  });

  it('cancel from either side ends both with file-cancelled; chat still flows during a transfer; too large is refused on each side', async () => {
    const room = uniqueRoom('files');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true, attrs: { 'max-file-size': '2000000' } });
    await allConnected([a, b], 2, 30_000);
    const [ra, rb] = [record(a), record(b)];
    const bobId = a.participants.find((p) => p.displayName === 'Bob')!.id;
    // Chat is not stuck behind a file (its own channel, bounded buffer).
    const bytes = randomBytes(1_900_000);
    const texts: string[] = [];
    b.addEventListener('rtc-message', (e) => texts.push(e.detail.text));
    const first = a.sendFile(new File([bytes], 'one.bin'));
    await a.sendMessage('sent during the file');
    await first;
    expect(texts).to.deep.equal(['sent during the file']);

    // Whoever cancels, both ends finish with file-cancelled. Cancelled at Bob's first received
    // bytes, so the transfer is surely under way.
    const big = randomBytes(1_990_000);
    const cancelAtFirstBytes = (by: RtcCall) => {
      const listener = (e: Event) => {
        const p = (e as CustomEvent<FileProgress>).detail;
        if (p.direction !== 'receive' || p.bytes === 0 || p.status !== 'active') return;
        b.removeEventListener('rtc-file-progress', listener);
        expect(by.cancelFile(p.id)).to.equal(true);
      };
      b.addEventListener('rtc-file-progress', listener);
    };
    for (const by of [a, b]) {
      cancelAtFirstBytes(by);
      const outcome = await a.sendFile(new File([big], `by-${by === a ? 'sender' : 'receiver'}.bin`)).then(() => 'delivered', (e: { code: string }) => e.code);
      expect(outcome, by === a ? 'the sender cancels' : 'the receiver cancels').to.equal('file-cancelled');
      const id = ra.progress.at(-1)!.id;
      expect(ra.progress.at(-1)).to.include({ status: 'failed' });
      expect(ra.progress.at(-1)!.error!.code).to.equal('file-cancelled');
      await until(() => rb.progress.some((p) => p.id === id && p.status === 'failed'), 'Bob hears of it');
      expect(rb.progress.find((p) => p.id === id && p.status === 'failed')!.error!.code).to.equal('file-cancelled');
      expect(rb.files.some((f) => f.id === id)).to.equal(false);
    }
    // Both panels show it cancelled.
    q(b, '[part~="chat-button"]')!.click();
    await b.updateComplete;
    const lines = [...b.shadowRoot!.querySelectorAll<HTMLElement>('[part~="chat-file"]')];
    expect(lines.map((l) => l.dataset.status)).to.deep.equal(['complete', 'failed', 'failed']);
    expect(lines[2]!.querySelector('.file-status')!.textContent).to.equal('Cancelled');
    await expect(b).to.be.accessible();

    // The Cancel button on the sender's line, at once (before the offer is even answered).
    q(a, '[part~="chat-button"]')!.click();
    const pressed = a.sendFile(new File([big], 'pressed.bin')).then(() => 'delivered', (e: { code: string }) => e.code);
    await a.updateComplete;
    const line = [...a.shadowRoot!.querySelectorAll<HTMLElement>('[part~="chat-file"]')].at(-1)!;
    expect(line.dataset.status).to.equal('active');
    expect(line.querySelector('progress')).to.not.equal(null);
    await expect(a).to.be.accessible();
    line.querySelector<HTMLButtonElement>('[part~="file-cancel-button"]')!.click();
    expect(await pressed).to.equal('file-cancelled');

    // Too large: Bob accepts 2,000,000 bytes; Ann's own limit is the default 25 MiB.
    const tooBig = await a.sendFile(new File([randomBytes(2_000_001)], 'four.bin')).then(() => null, (e: { code: string; message: string }) => e);
    expect(tooBig?.code).to.equal('file-too-large');
    expect(tooBig?.message).to.match(/2000000/);
    const ownLimit = await b.sendFile(new File([randomBytes(2_000_001)], 'five.bin')).then(() => null, (e: { code: string }) => e.code);
    expect(ownLimit).to.equal('file-too-large');
    expect(await a.sendFile('not a file' as unknown as Blob).catch((e: { code: string }) => e.code)).to.equal('not-supported');
    expect(await a.sendFile(new Blob(['x']), { to: 'nobody' }).catch((e: { code: string }) => e.code)).to.equal('participant-not-found');
    expect(rb.files.map((f) => f.name)).to.deep.equal(['one.bin']);
  });
});
