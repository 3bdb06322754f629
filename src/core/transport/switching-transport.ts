/**
 * A room that changes course (the join answer's `switchable`): peer to peer while it is small,
 * through the SFU while it holds more than the server's RTC_MESH_MAX, and peer to peer again once
 * it has been at two or fewer for 10 s. The server decides (room event `mode-changed`); this
 * transport carries the call across without a frozen tile or a lost message.
 *
 * Both transports run side by side on one signaling socket: the mesh owns it (PeerJS's; the relay
 * has one socket per participant id) and the SFU transport rides it (FrameChannel), its media on
 * only while the room is on the SFU. The SFU transport's roster is the server's word on who is in
 * the call, and its messages (through the server) reach everyone whatever path their media takes.
 *
 * Each switch is make-before-break, per participant:
 * - to the SFU: we publish there at once and subscribe to everyone; a participant's tile moves to
 *   the SFU's stream when their media arrives through it (their camera's frames, their screen if
 *   they share), and we tell them so over our link (`receiving`); the link closes once both ends
 *   receive each other through the SFU — later if a file is still on its way on it;
 * - to the mesh: the smaller id of each pair calls the other; a tile moves to the link's stream
 *   when its media arrives, we tell them, and we stop publishing to the SFU once every participant
 *   has said they receive us peer to peer.
 * SWITCH_DEADLINE_MS bounds either: after it the old path closes whatever is left.
 *
 * Messages: chat, app data and history go over a participant's link while the room is peer to
 * peer and the link is up (end to end), and through the server otherwise; each message goes one
 * way only (chat also carries an id the session deduplicates by). Files need a link: refused with
 * `not-supported` while the room is on the SFU; one in flight at the switch keeps its link open
 * until it is done (at most FILE_GRACE_MS). The security code too is peer to peer only.
 */
import type { JoinResponse, PrewarmResponse } from '../../protocol/join.js';
import { parseRoomPayload, ROOM_FRAME } from '../../protocol/room-events.js';
import type { CallMode } from '../../protocol/sfu.js';
import { TypedEmitter } from '../emitter.js';
import { RtcError, RtcErrorCode } from '../errors.js';
import type { BitratePolicy } from '../session/policies.js';
import type { ConnectionState, ParticipantRole } from '../types.js';
import { MeshTransport, type SignalingFrame } from './mesh/mesh-transport.js';
import { SfuTransport } from './sfu/sfu-transport.js';
import type { LinkSample } from './stats.js';
import type { ChatWire, ConnectOptions, FileOffer, LocalState, MediaSource, RemotePeer, Transport, TransportEvents } from './transport.js';

/** How long a switch may take before the old path closes anyway. */
export const SWITCH_DEADLINE_MS = 15_000;
/** How often a switch in progress looks at which path carries each participant. */
const SWITCH_POLL_MS = 100;
/** How often it asks a connection whether a participant's first frames were decoded. */
const DECODE_CHECK_MS = 250;
/** How long a link carrying a file stays open once the room is on the SFU, for the file to finish. */
export const FILE_GRACE_MS = 120_000;

interface DecodeState {
  decoding: string;
  checking: boolean;
  at: number;
  key: string;
  frames: number;
}
const newDecodeState = (): DecodeState => ({ decoding: '', checking: false, at: 0, key: '', frames: 0 });

/** One remote participant, whichever path their media takes. */
class SwitchPeer implements RemotePeer {
  mesh: RemotePeer | null = null;
  sfu: RemotePeer | null = null;
  /** The path their tile shows now. */
  via: CallMode = 'mesh';
  /** Through which path they say they receive us, since the last switch. */
  heard: CallMode | null = null;
  /** What we told them. */
  told: CallMode | null = null;
  /** Off the list: their link failed for good while the room was peer to peer (until a path is up again). */
  failed = false;
  /** Per path, what decoded() knows: the tracks seen decoding, the last check (when, of which tracks, how many frames), one under way. */
  readonly decode: Record<CallMode, DecodeState> = { mesh: newDecodeState(), sfu: newDecodeState() };

  constructor(readonly id: string) {}

  private get leg(): RemotePeer {
    return (this.via === 'sfu' ? this.sfu ?? this.mesh : this.mesh ?? this.sfu)!;
  }

  get displayName(): string {
    return this.leg.displayName;
  }

  get role(): ParticipantRole {
    return this.leg.role;
  }

  get micEnabled(): boolean {
    return this.leg.micEnabled;
  }

  get cameraEnabled(): boolean {
    return this.leg.cameraEnabled;
  }

  get connection(): ConnectionState {
    return this.leg.connection;
  }

  get stream(): MediaStream | null {
    return this.leg.stream;
  }

  get screenStream(): MediaStream | null {
    return this.leg.screenStream;
  }
}

/** Whether a participant's media arrives on the link: connected, camera frames coming when it is on, their screen when they share. */
function meshReceiving(peer: RemotePeer | null): boolean {
  if (!peer || peer.connection !== 'connected' || !peer.stream) return false;
  const live = (t: MediaStreamTrack | undefined) => !!t && t.readyState === 'live' && !t.muted;
  if (peer.cameraEnabled && !live(peer.stream.getVideoTracks()[0])) return false;
  if (peer.screenStream && !live(peer.screenStream.getVideoTracks()[0])) return false;
  return true;
}

/** The video a tile of `peer` shows: their camera when it is on, their screen when they share. */
function shownVideo(peer: RemotePeer | null): MediaStreamTrack[] {
  if (!peer) return [];
  const camera = peer.cameraEnabled ? peer.stream?.getVideoTracks()[0] : undefined;
  const screen = peer.screenStream?.getVideoTracks()[0];
  return [camera, screen].filter((t): t is MediaStreamTrack => !!t);
}

/**
 * The fewest frames `pc` has decoded of any of `tracks` (0: one has none yet — a packet is not yet
 * a picture, the first keyframe is); Infinity without tracks.
 */
async function framesDecoded(pc: RTCPeerConnection, tracks: MediaStreamTrack[]): Promise<number> {
  let fewest = Infinity;
  for (const track of tracks) {
    let decoded = 0;
    (await pc.getStats(track)).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') decoded = Math.max(decoded, s.framesDecoded ?? 0);
    });
    fewest = Math.min(fewest, decoded);
  }
  return fewest;
}

export class SwitchingTransport extends TypedEmitter<TransportEvents> implements Transport {
  private readonly mesh: MeshTransport;
  private readonly sfu: SfuTransport;
  private mode: CallMode = 'mesh';
  private readonly people = new Map<string, SwitchPeer>();
  private switching: { poll: ReturnType<typeof setInterval>; deadline: ReturnType<typeof setTimeout>; lastCall: ReturnType<typeof setTimeout> } | null = null;
  /** The deadline passed: the old path closes whatever is left (files excepted, until the last call). */
  private overdue = false;
  private lastCall = false;
  private state: LocalState = { mic: false, cam: false, name: '' };
  private closing = false;

  constructor(bitrate?: BitratePolicy) {
    super();
    this.mesh = new MeshTransport(bitrate, { frame: (f) => this.onFrame(f), receiving: (id, via) => this.onReceiving(id, via) });
    const mesh = this.mesh;
    this.sfu = new SfuTransport({
      channel: {
        get open() {
          return mesh.signalingOpen;
        },
        send: (frame) => mesh.sendFrame({ ...frame, type: frame.type ?? '' }),
      },
      media: false,
    });
    this.watch(this.mesh, 'mesh');
    this.watch(this.sfu, 'sfu');
  }

  /** Where the call's media goes now. */
  get currentMode(): CallMode {
    return this.mode;
  }

  /** The mesh's socket is the only one: pre-warming it pre-warms both. */
  prewarm(info: PrewarmResponse, options: Pick<ConnectOptions, 'endpoint' | 'signal'>): Promise<boolean> {
    return this.mesh.prewarm(info, options);
  }

  get prewarmedId(): string | undefined {
    return this.mesh.prewarmedId;
  }

  async connect(join: JoinResponse, options: ConnectOptions): Promise<void> {
    this.state = options.state;
    this.mode = join.mode === 'sfu' ? 'sfu' : 'mesh';
    this.mesh.setMediaActive(this.mode === 'mesh');
    // Riding the mesh's socket: this only takes the roster (it opens nothing).
    void this.sfu.connect(join, options);
    await this.mesh.connect(join, options);
    if (options.signal.aborted || this.closing) return;
    // What it said meanwhile (our state to everyone, a history request) goes now.
    this.sfu.signalingOpened();
    if (this.mode === 'sfu') this.sfu.startMedia();
  }

  // ── the two paths ────────────────────────────────────────────────────────────────────────────

  private watch(leg: MeshTransport | SfuTransport, which: CallMode): void {
    leg.on('participant-joined', (p) => this.onLegPeer(p, which));
    leg.on('participant-updated', (p) => this.onLegPeer(p, which));
    leg.on('participant-left', (p, reason) => {
      const person = this.people.get(p.id);
      if (!person) return;
      if (which === 'sfu') {
        // The server's word (member-left, LEAVE): gone, whatever the link does.
        this.people.delete(p.id);
        if (!person.failed) this.emit('participant-left', person, reason);
        return;
      }
      person.mesh = null;
      if (!person.sfu) {
        this.people.delete(p.id);
        if (!person.failed) this.emit('participant-left', person, reason);
        return;
      }
      if (this.mode === 'mesh' && reason === 'ice-failed' && !this.sfu.receiving(p.id)) {
        // As in a plain mesh: no connection could be kept with them.
        person.failed = true;
        this.emit('participant-left', person, reason);
        return;
      }
      this.evaluate(person, false);
      if (!person.failed) this.emit('participant-updated', person);
    });
    leg.on('data', (from, data) => this.emit('data', from, data));
    leg.on('chat', (from, message) => this.emit('chat', from, message));
    leg.on('history-asked', (from) => this.emit('history-asked', from));
    leg.on('error', (error) => this.emit('error', error));
    if (which === 'sfu') return;
    // The socket is the mesh's: signaling, room events and our seat are its to report.
    leg.on('signaling-lost', () => this.emit('signaling-lost'));
    leg.on('signaling-restored', () => {
      // They may have missed a change of ours meanwhile.
      this.sfu.sendState(this.state);
      this.emit('signaling-restored');
    });
    leg.on('removed', (reason) => this.emit('removed', reason));
    leg.on('room-event', (event) => {
      if (event.event !== 'mode-changed') this.emit('room-event', event);
    });
    leg.on('file-incoming', (from, offer) => this.emit('file-incoming', from, offer));
    leg.on('file-progress', (from, id, bytes) => this.emit('file-progress', from, id, bytes));
    leg.on('file-received', (from, offer, data) => this.emit('file-received', from, offer, data));
    leg.on('file-failed', (from, id, error) => this.emit('file-failed', from, id, error));
  }

  private onLegPeer(p: RemotePeer, which: CallMode): void {
    if (this.closing) return;
    let person = this.people.get(p.id);
    const fresh = !person || person.failed;
    if (!person) {
      person = new SwitchPeer(p.id);
      person.via = this.mode;
      this.people.set(p.id, person);
    }
    person[which] = p;
    person.failed = false;
    this.evaluate(person, false);
    this.emit(fresh ? 'participant-joined' : 'participant-updated', person);
  }

  /**
   * Frames on the shared socket, before the mesh acts on them: a change of course (also one the
   * `admitted` event brings to someone who waited) is taken first, so the mesh calls, or does not,
   * by the new one; then the SFU transport reads them.
   */
  private onFrame(frame: SignalingFrame): void {
    if (frame.type === ROOM_FRAME) {
      const event = parseRoomPayload(frame.payload);
      if (event && 'event' in event) {
        if (event.event === 'mode-changed') this.switchTo(event.data.mode);
        else if (event.event === 'admitted' && event.data.mode && event.data.mode !== this.mode) this.switchTo(event.data.mode);
      }
    }
    this.sfu.receiveFrame(frame);
  }

  private switchTo(mode: CallMode): void {
    if (this.closing || mode === this.mode) return;
    this.mode = mode;
    for (const person of this.people.values()) {
      person.heard = null;
      person.told = null;
    }
    if (mode === 'sfu') {
      this.mesh.setMediaActive(false);
      this.sfu.startMedia();
    } else this.mesh.setMediaActive(true);
    this.emit('mode-change', mode);
    this.stopSwitching();
    this.overdue = false;
    this.lastCall = false;
    this.switching = {
      poll: setInterval(() => this.step(), SWITCH_POLL_MS),
      deadline: setTimeout(() => {
        this.overdue = true;
        this.step();
      }, SWITCH_DEADLINE_MS),
      lastCall: setTimeout(() => {
        this.lastCall = true;
        this.step();
      }, FILE_GRACE_MS),
    };
    this.step();
  }

  private stopSwitching(): void {
    if (!this.switching) return;
    clearInterval(this.switching.poll);
    clearTimeout(this.switching.deadline);
    clearTimeout(this.switching.lastCall);
    this.switching = null;
  }

  /** One look at every participant during a switch; the switch ends when the old path is closed. */
  private step(): void {
    if (this.closing) return;
    for (const person of this.people.values()) this.evaluate(person, true);
    if (this.mode === 'sfu') {
      if (this.mesh.peers.length === 0) this.stopSwitching();
      return;
    }
    const everyone = [...this.people.values()].filter((p) => !p.failed);
    if (this.overdue || everyone.every((p) => p.via === 'mesh' && p.heard === 'mesh')) {
      this.sfu.stopMedia();
      this.stopSwitching();
    }
  }

  /**
   * Whether `person`'s video on `path` is being decoded — frames decoded, and more than at the
   * check before (a tile moved there shows a moving picture at once, not one keyframe): known for
   * these tracks, or asked now (the answer comes at a later evaluate()).
   */
  private decoded(person: SwitchPeer, path: CallMode): boolean {
    const tracks = shownVideo(path === 'mesh' ? person.mesh : person.sfu);
    const key = tracks.map((t) => t.id).join(' ');
    const state = person.decode[path];
    if (state.decoding === key) return true;
    const pc = path === 'mesh' ? this.mesh.peerConnectionOf(person.id) : this.sfu.subscriber;
    // getStats is not free: at most every DECODE_CHECK_MS per participant and path.
    if (!pc || state.checking || performance.now() - state.at < DECODE_CHECK_MS) return false;
    state.checking = true;
    state.at = performance.now();
    framesDecoded(pc, tracks).then((frames) => {
      if (frames === Infinity || (state.key === key && frames > state.frames && state.frames > 0)) state.decoding = key;
      state.key = key;
      state.frames = frames;
    }, () => {}).finally(() => {
      state.checking = false;
    });
    return false;
  }

  /** Which path shows `person`, what we tell them, and whether their link may close. */
  private evaluate(person: SwitchPeer, emitChange: boolean): void {
    // Pictures on the new path before a tile moves to it (checked only while a switch is under way).
    const settling = !!this.switching;
    const onMesh = meshReceiving(person.mesh) && (!settling || this.mode !== 'mesh' || this.decoded(person, 'mesh'));
    const onSfu = this.sfu.receiving(person.id) && (!settling || this.mode !== 'sfu' || this.decoded(person, 'sfu'));
    const via: CallMode = this.mode === 'sfu'
      ? onSfu || !person.mesh || this.overdue ? 'sfu' : 'mesh'
      : onMesh || !onSfu ? 'mesh' : 'sfu';
    if (via !== person.via) {
      person.via = via;
      if (emitChange && !person.failed) this.emit('participant-updated', person);
    }
    const receiving = this.mode === 'sfu' ? (onSfu ? 'sfu' : null) : onMesh ? 'mesh' : null;
    if (receiving && person.told !== receiving && person.mesh) {
      person.told = receiving;
      this.mesh.sendReceiving(person.id, receiving);
    }
    if (this.mode === 'sfu' && person.mesh && ((via === 'sfu' && person.heard === 'sfu') || this.overdue)) {
      if (!this.mesh.transferring(person.id) || this.lastCall) this.mesh.releaseLink(person.id);
    }
  }

  private onReceiving(id: string, via: CallMode): void {
    const person = this.people.get(id);
    if (!person) return;
    person.heard = via;
    this.evaluate(person, true);
  }

  /** Whether messages to `id` go over our link (peer to peer, end to end) rather than through the server. */
  private overLink(id: string): boolean {
    return this.mode === 'mesh' && this.people.get(id)?.mesh?.connection === 'connected';
  }

  /** Splits recipients (everyone when `to` is absent) between the link and the server. */
  private route(to: readonly string[] | undefined, mesh: (ids: string[]) => void, server: (ids: readonly string[] | undefined) => void): void {
    const ids = to ?? [...this.people.keys()];
    const linked = ids.filter((id) => this.overLink(id));
    const rest = ids.filter((id) => !this.overLink(id));
    if (linked.length) mesh(linked);
    // Everyone through the server: one frame to the whole room (it also reaches those we do not know yet).
    if (rest.length || (!to && linked.length === 0)) server(!to && linked.length === 0 ? undefined : rest);
  }

  // ── Transport ────────────────────────────────────────────────────────────────────────────────

  get peers(): readonly RemotePeer[] {
    return [...this.people.values()].filter((p) => !p.failed);
  }

  get peerConnections(): RTCPeerConnection[] {
    return [...this.mesh.peerConnections, ...this.sfu.peerConnections];
  }

  get mediaFlowing(): boolean {
    return this.mesh.mediaFlowing || this.sfu.mediaFlowing;
  }

  get peerToken(): string | null {
    return this.mesh.peerToken;
  }

  async publish(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    // Both keep it: the SFU side publishes it at the next switch (a screen share carries over).
    await Promise.all([this.mesh.publish(source, track), this.sfu.publish(source, track)]);
  }

  sendState(state: LocalState): void {
    this.state = state;
    this.mesh.sendState(state);
    this.sfu.sendState(state);
  }

  sendData(data: unknown, to?: readonly string[]): void {
    this.route(to, (ids) => this.mesh.sendData(data, ids), (ids) => this.sfu.sendData(data, ids));
  }

  sendChat(message: ChatWire, to?: readonly string[]): void {
    this.route(to, (ids) => this.mesh.sendChat(message, ids), (ids) => this.sfu.sendChat(message, ids));
  }

  askHistory(from: string): void {
    if (this.overLink(from)) this.mesh.askHistory(from);
    else this.sfu.askHistory(from);
  }

  sendFile(to: string, offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void> {
    // The session refuses new files on the SFU; one it took while peer to peer (hashed meanwhile)
    // still goes over the link while it is there, which then stays until the file is done.
    const linked = this.mesh.peers.some((p) => p.id === to);
    if (this.mode === 'sfu' && !linked) return this.sfu.sendFile(to, offer, data, onProgress);
    if (this.people.has(to) && !this.mesh.peers.some((p) => p.id === to)) {
      return Promise.reject(new RtcError(RtcErrorCode.PeerUnavailable, `Not connected peer to peer to ${this.people.get(to)!.displayName || 'this participant'} yet.`));
    }
    return this.mesh.sendFile(to, offer, data, onProgress);
  }

  cancelFile(id: string): boolean {
    return this.mesh.cancelFile(id);
  }

  verificationCode(participantId: string): Promise<string> {
    return this.mode === 'sfu' ? this.sfu.verificationCode(participantId) : this.mesh.verificationCode(participantId);
  }

  request(request: Parameters<Transport['request']>[0]): void {
    this.mesh.request(request);
  }

  ask(request: Parameters<Transport['ask']>[0]): Promise<unknown> {
    return this.mesh.ask(request);
  }

  reconnectSignaling(): void {
    this.mesh.reconnectSignaling();
  }

  resume(join: JoinResponse): void {
    this.sfu.resume(join);
    this.mesh.resume(join);
  }

  async adaptVideo(step: number): Promise<void> {
    await Promise.all([this.mesh.adaptVideo(step), this.sfu.adaptVideo(step)]);
  }

  receiveVideoSize(participantId: string, width: number): void {
    this.sfu.receiveVideoSize(participantId, width);
  }

  linkSample(participantId: string): Promise<LinkSample | null> {
    const person = this.people.get(participantId);
    return person?.via === 'sfu' ? this.sfu.linkSample(participantId) : this.mesh.linkSample(participantId);
  }

  async close(sayBye: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopSwitching();
    await this.sfu.close(false);
    await this.mesh.close(sayBye);
    this.people.clear();
    this.removeAllListeners();
  }
}
