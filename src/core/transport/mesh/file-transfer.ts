/**
 * File transfers over one mesh link. Each file travels on a data channel of its own, negotiated
 * (`negotiated: true`, so PeerJS never sees it) with an id agreed on the control channel: the side
 * with the smaller participant id uses even ids, the other odd ones, so two files offered at the
 * same moment never collide. The sender offers (`fo`: name, size, SHA-256, channel id), the
 * receiver opens its end and accepts (`fa`) or refuses (`fx`); only then do 16 KiB chunks flow,
 * with backpressure on the channel's buffer so the control channel (chat, heartbeat) is never stuck
 * behind a file. The receiver checks the size and the hash and confirms (`fd`) or reports
 * `file-corrupt` (`fx`); either side may cancel at any time (`fx` with `file-cancelled`).
 *
 * Pure of PeerJS and of the DOM beyond data-channel-shaped objects, so it is unit-tested with
 * in-memory channels (test/unit/file-transfer.test.ts).
 */
import { RtcError, RtcErrorCode } from '../../errors.js';
import { safeFileName, sha256Hex } from '../../files.js';
import type { FileOffer } from '../transport.js';

/** Bytes per chunk: the size every browser sends and receives as one message. */
export const FILE_CHUNK_BYTES = 16 * 1024;
/** Stop queueing chunks above this much buffered data; go on when it drains below the low mark. */
export const FILE_HIGH_WATER = 1024 * 1024;
export const FILE_LOW_WATER = 256 * 1024;
/** Channel ids for files (the control channel is 512); both browsers allow ids up to 1023. */
export const FIRST_FILE_CHANNEL = 514;
export const LAST_FILE_CHANNEL = 1023;
/** Files one link may be receiving at once (more are refused: memory stays bounded). */
export const MAX_INCOMING_FILES = 4;
/** How long the other side may take to accept or refuse an offer. */
export const FILE_ANSWER_TIMEOUT_MS = 15_000;
/** Progress is reported at most this often per transfer (and always at the end). */
const PROGRESS_EVERY_MS = 100;
/**
 * How long a closed file channel waits for the control channel's word on why (`fx`, `fd`) before
 * it counts as the connection gone: the two are separate streams, so the close may arrive first.
 */
export const FILE_CLOSE_GRACE_MS = 1_000;

/** Why a transfer ended without the file (what an `fx` message carries). */
export type FileFailureCode = typeof RtcErrorCode.FileCancelled | typeof RtcErrorCode.FileCorrupt | typeof RtcErrorCode.FileTooLarge;
const FAILURE_CODES = new Set<string>([RtcErrorCode.FileCancelled, RtcErrorCode.FileCorrupt, RtcErrorCode.FileTooLarge]);

/** The file messages on the control channel. */
export type FileControlMessage =
  /** Offer: the file's id, name, size, MIME type, SHA-256 (hex) and the channel id it will use. */
  | { t: 'fo'; id: string; name: string; size: number; type: string; h: string; ch: number }
  /** Accepted: the receiver's end of the channel exists. */
  | { t: 'fa'; id: string }
  /** Received whole, hash checked. */
  | { t: 'fd'; id: string }
  /** Refused, cancelled or corrupt (either direction); `max` is the receiver's limit when too large. */
  | { t: 'fx'; id: string; code: FileFailureCode; max?: number };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** A MIME type as the offer may carry it (anything else becomes ''). */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i;

/** Parses a file message (already JSON-parsed, `t` one of fo/fa/fd/fx); null when malformed. */
export function parseFileControl(msg: Record<string, unknown>): FileControlMessage | null {
  const id = msg['id'];
  if (typeof id !== 'string' || !ID.test(id)) return null;
  switch (msg['t']) {
    case 'fa':
    case 'fd':
      return { t: msg['t'], id };
    case 'fx': {
      const code = msg['code'];
      if (typeof code !== 'string' || !FAILURE_CODES.has(code)) return null;
      const max = msg['max'];
      return { t: 'fx', id, code: code as FileFailureCode, ...(typeof max === 'number' && Number.isSafeInteger(max) && max >= 0 ? { max } : {}) };
    }
    case 'fo': {
      const { name, size, type, h, ch } = msg;
      if (typeof name !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
      if (typeof h !== 'string' || !HEX64.test(h) || typeof ch !== 'number' || !Number.isInteger(ch) || ch < FIRST_FILE_CHANNEL || ch > LAST_FILE_CHANNEL) return null;
      return { t: 'fo', id, name: safeFileName(name), size, type: typeof type === 'string' && MIME.test(type) ? type.toLowerCase() : '', h, ch };
    }
    default:
      return null;
  }
}

/** What a transfer needs of a data channel (an RTCDataChannel; in-memory ones in unit tests). */
export type FileChannel = Pick<
  RTCDataChannel,
  'send' | 'close' | 'readyState' | 'bufferedAmount' | 'bufferedAmountLowThreshold' | 'binaryType' | 'addEventListener' | 'removeEventListener'
>;

export interface LinkFilesHooks {
  /** Puts a message on the link's control channel. */
  send(msg: FileControlMessage): void;
  /** Opens our end of the negotiated channel `id` (null when the connection is gone). */
  openChannel(id: number): FileChannel | null;
  /** The largest file we accept from this participant (bytes). */
  maxIncoming(): number;
  /** An offer we accepted: receiving starts. */
  onIncoming(offer: FileOffer): void;
  onProgress(id: string, bytes: number): void;
  /** The file arrived whole and its hash matched. */
  onReceived(offer: FileOffer, data: Blob): void;
  /** An incoming file will not arrive (cancelled by either side, corrupt, link gone). */
  onFailed(id: string, error: RtcError): void;
}

interface Outgoing {
  offer: FileOffer;
  ch: number;
  channel: FileChannel;
  /** Settles the waits in `send()`: the answer, then the confirmation. */
  wake(): void;
  accepted: boolean;
  done: boolean;
  failure: RtcError | null;
}

interface Incoming {
  offer: FileOffer;
  ch: number;
  channel: FileChannel;
  chunks: ArrayBuffer[];
  bytes: number;
  reported: number;
  finished: boolean;
}

/** Every file going to or coming from one participant. */
export class LinkFiles {
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly incoming = new Map<string, Incoming>();
  private nextChannel: number;
  private closed = false;

  /**
   * @param hooks the link's control channel, data channels and the session's callbacks
   * @param evenIds whether our channel ids are the even ones (the side with the smaller participant id)
   * @param peerName for error messages
   */
  constructor(
    private readonly hooks: LinkFilesHooks,
    private readonly evenIds: boolean,
    private readonly peerName: () => string,
  ) {
    this.nextChannel = FIRST_FILE_CHANNEL + (evenIds ? 0 : 1);
  }

  /** Whether a file is on its way in either direction. */
  get busy(): boolean {
    return this.outgoing.size > 0 || this.incoming.size > 0;
  }

  /**
   * Sends a file (its offer already carries id, size and hash): resolves once the other side has
   * it whole and checked. Rejects with `file-cancelled` (either side cancelled), `file-too-large`
   * (above their limit), `file-corrupt` (their hash check failed) or `peer-unavailable` (no answer,
   * or the link closed).
   */
  async send(offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void> {
    if (this.closed) throw this.gone();
    const ch = this.allocateChannel();
    const channel = ch === null ? null : this.hooks.openChannel(ch);
    if (!channel || ch === null) throw new RtcError(RtcErrorCode.PeerUnavailable, `No free channel to send ${offer.name} to ${this.peerName()}; try again when a transfer has finished.`);
    channel.binaryType = 'arraybuffer';
    let wake!: () => void;
    let waiter = new Promise<void>((r) => (wake = r));
    const t: Outgoing = { offer, ch, channel, accepted: false, done: false, failure: null, wake: () => wake() };
    const next = () => {
      waiter = new Promise<void>((r) => (wake = r));
    };
    this.outgoing.set(offer.id, t);
    const onClose = () => setTimeout(() => this.failOutgoing(t, this.gone()), FILE_CLOSE_GRACE_MS);
    channel.addEventListener('close', onClose);
    try {
      this.hooks.send({ t: 'fo', id: offer.id, name: offer.name, size: offer.size, type: offer.type, h: offer.sha256, ch });
      const timer = setTimeout(() => this.failOutgoing(t, new RtcError(RtcErrorCode.PeerUnavailable, `${this.peerName()} did not answer the offer of ${offer.name}.`)), FILE_ANSWER_TIMEOUT_MS);
      await waiter;
      clearTimeout(timer);
      if (t.failure) throw t.failure;
      next();
      await this.opened(channel, t);
      let last = 0;
      for (let at = 0; at < offer.size; at += FILE_CHUNK_BYTES) {
        if (channel.bufferedAmount > FILE_HIGH_WATER) await this.drained(channel, t);
        if (t.failure) throw t.failure;
        const chunk = await data.slice(at, Math.min(at + FILE_CHUNK_BYTES, offer.size)).arrayBuffer();
        if (t.failure) throw t.failure;
        channel.send(chunk);
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          onProgress(Math.max(0, at + chunk.byteLength - channel.bufferedAmount));
        }
      }
      // Everything is queued; wait for the receiver's check (or a failure).
      if (!t.done && !t.failure) await waiter;
      if (t.failure) throw t.failure;
      onProgress(offer.size);
    } finally {
      channel.removeEventListener('close', onClose);
      this.outgoing.delete(offer.id);
      closeQuietly(channel);
    }
  }

  /** Cancels a transfer of ours or to us with this id; the other side hears `file-cancelled`. */
  cancel(id: string): boolean {
    const out = this.outgoing.get(id);
    if (out && !out.failure) {
      this.hooks.send({ t: 'fx', id, code: RtcErrorCode.FileCancelled });
      this.failOutgoing(out, new RtcError(RtcErrorCode.FileCancelled, `Sending ${out.offer.name} was cancelled.`));
      return true;
    }
    const inc = this.incoming.get(id);
    if (inc && !inc.finished) {
      this.hooks.send({ t: 'fx', id, code: RtcErrorCode.FileCancelled });
      this.failIncoming(inc, new RtcError(RtcErrorCode.FileCancelled, `Receiving ${inc.offer.name} was cancelled.`));
      return true;
    }
    return false;
  }

  /** A file message from the other side. */
  receive(msg: FileControlMessage): void {
    if (this.closed) return;
    if (msg.t === 'fo') {
      this.onOffer(msg);
      return;
    }
    const out = this.outgoing.get(msg.id);
    const inc = this.incoming.get(msg.id);
    if (msg.t === 'fa' && out && !out.accepted) {
      out.accepted = true;
      out.wake();
    } else if (msg.t === 'fd' && out?.accepted) {
      out.done = true;
      out.wake();
    } else if (msg.t === 'fx' && out) {
      const name = out.offer.name;
      const who = this.peerName();
      const text =
        msg.code === RtcErrorCode.FileTooLarge
          ? `${who} accepts files up to ${msg.max ?? '?'} bytes; ${name} has ${out.offer.size}.`
          : msg.code === RtcErrorCode.FileCorrupt
            ? `${name} arrived damaged at ${who}'s side (its SHA-256 did not match).`
            : `${who} cancelled ${name}.`;
      this.failOutgoing(out, new RtcError(msg.code, text));
    } else if (msg.t === 'fx' && inc) {
      const error = new RtcError(msg.code, msg.code === RtcErrorCode.FileCancelled ? `${this.peerName()} cancelled ${inc.offer.name}.` : `${inc.offer.name} did not arrive.`);
      this.failIncoming(inc, error);
    }
  }

  /** The link closed: every transfer on it ends with `peer-unavailable`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const out of this.outgoing.values()) this.failOutgoing(out, this.gone());
    for (const inc of this.incoming.values()) this.failIncoming(inc, this.gone());
  }

  private onOffer(msg: Extract<FileControlMessage, { t: 'fo' }>): void {
    const refuse = (code: FileFailureCode, extra: { max?: number } = {}) => this.hooks.send({ t: 'fx', id: msg.id, code, ...extra });
    const theirParity = this.evenIds ? 1 : 0;
    const busy = [...this.incoming.values()].some((i) => i.ch === msg.ch);
    if (this.incoming.has(msg.id) || this.outgoing.has(msg.id) || msg.ch % 2 !== theirParity || busy) return refuse(RtcErrorCode.FileCancelled);
    const max = this.hooks.maxIncoming();
    if (msg.size > max) return refuse(RtcErrorCode.FileTooLarge, { max });
    if (this.incoming.size >= MAX_INCOMING_FILES) return refuse(RtcErrorCode.FileCancelled);
    const channel = this.hooks.openChannel(msg.ch);
    if (!channel) return refuse(RtcErrorCode.FileCancelled);
    channel.binaryType = 'arraybuffer';
    const offer: FileOffer = { id: msg.id, name: msg.name, size: msg.size, type: msg.type, sha256: msg.h };
    const inc: Incoming = { offer, ch: msg.ch, channel, chunks: [], bytes: 0, reported: 0, finished: false };
    this.incoming.set(msg.id, inc);
    channel.addEventListener('message', (e: MessageEvent) => this.onChunk(inc, e.data));
    channel.addEventListener('close', () => setTimeout(() => this.failIncoming(inc, this.gone()), FILE_CLOSE_GRACE_MS));
    this.hooks.onIncoming(offer);
    this.hooks.send({ t: 'fa', id: msg.id });
    if (msg.size === 0) void this.complete(inc);
  }

  private onChunk(inc: Incoming, data: unknown): void {
    if (inc.finished) return;
    const chunk = data instanceof ArrayBuffer ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer : null;
    if (!chunk || inc.bytes + chunk.byteLength > inc.offer.size) {
      this.hooks.send({ t: 'fx', id: inc.offer.id, code: RtcErrorCode.FileCorrupt });
      this.failIncoming(inc, new RtcError(RtcErrorCode.FileCorrupt, `${inc.offer.name} from ${this.peerName()} was longer than announced; it was discarded.`));
      return;
    }
    inc.chunks.push(chunk);
    inc.bytes += chunk.byteLength;
    const now = performance.now();
    if (inc.bytes === inc.offer.size) void this.complete(inc);
    else if (now - inc.reported >= PROGRESS_EVERY_MS) {
      inc.reported = now;
      this.hooks.onProgress(inc.offer.id, inc.bytes);
    }
  }

  /** The last byte is in: check, confirm. The sender closes the channel (closing it here could overtake `fd`). */
  private async complete(inc: Incoming): Promise<void> {
    inc.finished = true;
    const blob = new Blob(inc.chunks);
    inc.chunks = [];
    const hash = await sha256Hex(blob);
    // Still ours (busy) until the sender has its answer: the link must not be let go while we hash.
    this.incoming.delete(inc.offer.id);
    if (hash !== inc.offer.sha256) {
      this.hooks.send({ t: 'fx', id: inc.offer.id, code: RtcErrorCode.FileCorrupt });
      this.hooks.onFailed(inc.offer.id, new RtcError(RtcErrorCode.FileCorrupt, `${inc.offer.name} from ${this.peerName()} arrived damaged (its SHA-256 did not match); it was discarded.`));
      return;
    }
    this.hooks.send({ t: 'fd', id: inc.offer.id });
    this.hooks.onProgress(inc.offer.id, inc.offer.size);
    this.hooks.onReceived(inc.offer, blob);
  }

  /** Stops receiving (the sender closes the channel once it hears why, or its link goes). */
  private failIncoming(inc: Incoming, error: RtcError): void {
    if (inc.finished) return;
    inc.finished = true;
    inc.chunks = [];
    this.incoming.delete(inc.offer.id);
    this.hooks.onFailed(inc.offer.id, error);
  }

  private failOutgoing(t: Outgoing, error: RtcError): void {
    if (t.failure || t.done) return;
    t.failure = error;
    t.wake();
  }

  private gone(): RtcError {
    return new RtcError(RtcErrorCode.PeerUnavailable, `The connection to ${this.peerName()} closed during the transfer.`);
  }

  /** The next free channel id of our parity, cycling so a just-closed id is not reused at once. */
  private allocateChannel(): number | null {
    const used = new Set([...this.outgoing.values()].map((t) => t.ch));
    const slots = Math.floor((LAST_FILE_CHANNEL - FIRST_FILE_CHANNEL) / 2) + 1;
    for (let i = 0; i < slots; i++) {
      const ch = this.nextChannel;
      this.nextChannel += 2;
      if (this.nextChannel > LAST_FILE_CHANNEL) this.nextChannel = FIRST_FILE_CHANNEL + (this.evenIds ? 0 : 1);
      if (!used.has(ch)) return ch;
    }
    return null;
  }

  private opened(channel: FileChannel, t: Outgoing): Promise<void> {
    if (channel.readyState === 'open') return Promise.resolve();
    return this.until(channel, 'open', t, () => channel.readyState === 'open');
  }

  private drained(channel: FileChannel, t: Outgoing): Promise<void> {
    channel.bufferedAmountLowThreshold = FILE_LOW_WATER;
    return this.until(channel, 'bufferedamountlow', t, () => channel.bufferedAmount <= FILE_LOW_WATER);
  }

  /** Waits for `event` on the channel (or a failure of the transfer). */
  private until(channel: FileChannel, event: 'open' | 'bufferedamountlow', t: Outgoing, ready: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        channel.removeEventListener(event, done);
        clearInterval(poll);
        resolve();
      };
      channel.addEventListener(event, done);
      // A failure wakes the transfer through `wake`; this catches it (and any missed event).
      const poll = setInterval(() => {
        if (t.failure || ready()) done();
      }, 50);
    });
  }
}

function closeQuietly(channel: FileChannel): void {
  try {
    channel.close();
  } catch {
    // Already closed.
  }
}
