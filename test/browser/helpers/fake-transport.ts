/**
 * An in-memory Transport for tests of the session: transports joined to one FakeNetwork see each
 * other, their state, tracks and goodbyes; the test can cut and restore signaling and take a
 * seat away, as the server would.
 */
import type { JoinResponse } from '../../../src/protocol/join.js';
import type { RemovedReason, RoomEvent, RoomRequest } from '../../../src/protocol/room-events.js';
import { TypedEmitter } from '../../../src/core/emitter.js';
import { RtcError, RtcErrorCode } from '../../../src/core/errors.js';
import type { ConnectionState, ParticipantLeaveReason, ParticipantRole } from '../../../src/core/types.js';
import type { ChatWire, ConnectOptions, FileOffer, LocalState, MediaSource, RemotePeer, Transport, TransportEvents } from '../../../src/core/transport/transport.js';

class FakePeer implements RemotePeer {
  micEnabled = true;
  cameraEnabled = true;
  connection: ConnectionState = 'connected';
  stream: MediaStream | null = new MediaStream();
  screenStream: MediaStream | null = null;
  constructor(readonly id: string, public displayName: string, readonly role: ParticipantRole) {}
}

export class FakeNetwork {
  readonly transports = new Map<string, FakeTransport>();

  transport(): FakeTransport {
    return new FakeTransport(this);
  }

  /** Cut (or restore) one participant's signaling. */
  setSignaling(id: string, up: boolean): void {
    this.transports.get(id)?.signaling(up);
  }

  /** The server takes a seat away (e.g. `replaced`). */
  remove(id: string, reason: RemovedReason): void {
    this.transports.get(id)?.removedBy(reason);
  }

  /** A room event from the server to one participant (knock, locked, mute-requested, ended, …). */
  roomEvent(id: string, event: RoomEvent): void {
    this.transports.get(id)?.roomEvent(event);
  }
}

export class FakeTransport extends TypedEmitter<TransportEvents> implements Transport {
  id = '';
  name = '';
  role: ParticipantRole = 'guest';
  state: LocalState = { mic: false, cam: false, name: '' };
  readonly published = new Map<MediaSource, MediaStreamTrack | null>();
  readonly requests: RoomRequest[] = [];
  closed = false;
  private readonly remote = new Map<string, FakePeer>();
  private maxIncomingFile: (from: string) => number = () => 0;
  /** Files on their way (ids), cancelled by either side when taken out. */
  readonly filesInFlight = new Set<string>();

  constructor(private readonly net: FakeNetwork) {
    super();
  }

  get peers(): readonly RemotePeer[] {
    return [...this.remote.values()];
  }

  get peerConnections(): RTCPeerConnection[] {
    return [];
  }

  /** Media "flows" with every fake peer unless a test cuts it (`mediaDown`). */
  mediaDown = false;

  get mediaFlowing(): boolean {
    return !this.mediaDown && this.remote.size > 0;
  }

  async connect(join: JoinResponse, options: ConnectOptions): Promise<void> {
    await Promise.resolve();
    if (options.signal.aborted) return;
    this.id = join.peerId;
    this.name = join.displayName;
    this.role = join.role;
    this.state = options.state;
    this.maxIncomingFile = options.maxIncomingFile;
    this.published.set('microphone', options.tracks.microphone);
    this.published.set('camera', options.tracks.camera);
    this.net.transports.set(this.id, this);
    for (const other of this.net.transports.values()) {
      if (other === this) continue;
      this.meet(other);
      other.meet(this);
    }
  }

  async publish(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    this.published.set(source, track);
  }

  sendState(state: LocalState): void {
    this.state = state;
    for (const other of this.others()) other.update(this.id, state);
  }

  request(request: RoomRequest): void {
    this.requests.push(request);
  }

  sendChat(message: ChatWire, to?: readonly string[]): void {
    for (const other of this.others()) if (!to || to.includes(other.id)) other.emit('chat', this.id, message);
  }

  async verificationCode(): Promise<string> {
    throw new RtcError(RtcErrorCode.NotSupported, 'The fake transport has no DTLS: no security code.');
  }

  /** Delivers a file in 64 KiB steps (one task each, so a cancel can come between), as the mesh would. */
  async sendFile(to: string, offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void> {
    const other = this.net.transports.get(to);
    if (!other || !this.remote.has(to)) throw new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${to} in this call.`);
    const max = other.maxIncomingFile(this.id);
    if (offer.size > max) throw new RtcError(RtcErrorCode.FileTooLarge, `${to} accepts files up to ${max} bytes.`);
    other.emit('file-incoming', this.id, offer);
    this.filesInFlight.add(offer.id);
    other.filesInFlight.add(offer.id);
    for (let at = 0; at < offer.size; at += 64 * 1024) {
      await new Promise((r) => setTimeout(r, 0));
      if (!this.filesInFlight.has(offer.id) || !other.filesInFlight.has(offer.id)) {
        this.filesInFlight.delete(offer.id);
        other.filesInFlight.delete(offer.id);
        other.emit('file-failed', this.id, offer.id, new RtcError(RtcErrorCode.FileCancelled, 'cancelled'));
        throw new RtcError(RtcErrorCode.FileCancelled, 'cancelled');
      }
      onProgress(Math.min(offer.size, at + 64 * 1024));
      other.emit('file-progress', this.id, offer.id, Math.min(offer.size, at + 64 * 1024));
    }
    this.filesInFlight.delete(offer.id);
    other.filesInFlight.delete(offer.id);
    other.emit('file-received', this.id, offer, data);
  }

  videoStep = 0;

  async adaptVideo(step: number): Promise<void> {
    this.videoStep = step;
  }

  /** No media: nothing to choose. */
  receiveVideoSize(): void {}

  /** No media, no stats: quality stays unknown on the fake. */
  async linkSample(): Promise<null> {
    return null;
  }

  cancelFile(id: string): boolean {
    return this.filesInFlight.delete(id);
  }

  askHistory(from: string): void {
    this.net.transports.get(from)?.emit('history-asked', this.id);
  }

  sendData(data: unknown, to?: readonly string[]): void {
    for (const other of this.others()) if (!to || to.includes(other.id)) other.emit('data', this.id, data);
  }

  async ask(request: RoomRequest): Promise<unknown> {
    this.requests.push(request);
    return undefined;
  }

  reconnectSignaling(): void {}

  readonly peerToken = 'fake-peer-token';

  resume(): void {}

  async close(sayBye: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.net.transports.delete(this.id);
    for (const other of this.others(true)) other.gone(this.id, sayBye ? 'left' : 'disconnected');
    this.removeAllListeners();
  }

  // ── what the "network" does ──
  signaling(up: boolean): void {
    this.emit(up ? 'signaling-restored' : 'signaling-lost');
  }

  removedBy(reason: RemovedReason): void {
    this.emit('removed', reason);
  }

  roomEvent(event: RoomEvent): void {
    this.emit('room-event', event);
  }

  private others(includeGone = false): FakeTransport[] {
    return [...(includeGone ? [...this.net.transports.values()] : this.net.transports.values())].filter((t) => t !== this);
  }

  private meet(other: FakeTransport): void {
    const peer = new FakePeer(other.id, other.name, other.role);
    peer.micEnabled = other.state.mic;
    peer.cameraEnabled = other.state.cam;
    this.remote.set(other.id, peer);
    this.emit('participant-joined', peer);
  }

  private update(id: string, state: LocalState): void {
    const peer = this.remote.get(id);
    if (!peer) return;
    peer.micEnabled = state.mic;
    peer.cameraEnabled = state.cam;
    // Their screen, as the mesh shows it: while their state says they share and a track is published.
    const track = this.net.transports.get(id)?.published.get('screen') ?? null;
    peer.screenStream = state.screen && track ? (peer.screenStream ?? new MediaStream([track])) : null;
    this.emit('participant-updated', peer);
  }

  private gone(id: string, reason: ParticipantLeaveReason): void {
    const peer = this.remote.get(id);
    if (!peer) return;
    this.remote.delete(id);
    this.emit('participant-left', peer, reason);
  }
}
