/**
 * The seam between the call session (state machine, roster, local media) and how media and
 * signaling travel. The PeerJS mesh (`mesh/`) is the first implementation; an SFU is the next.
 * A transport knows nothing of the DOM beyond media APIs, and nothing of the elements.
 */
import type { JoinResponse, PrewarmResponse } from '../../protocol/join.js';
import type { CallMode } from '../../protocol/sfu.js';
import type { RemovedReason, RoomEvent, RoomRequest } from '../../protocol/room-events.js';
import type { TypedEmitter } from '../emitter.js';
import type { RtcError } from '../errors.js';
import type { ConnectionState, ParticipantLeaveReason, ParticipantRole } from '../types.js';
import type { LinkSample } from './stats.js';

/** Largest app data (`sendData`) a participant may send, as UTF-8 JSON, whatever the transport. */
export const MAX_APP_DATA_BYTES = 16 * 1024;

/** Longest chat message, in code points. */
export const MAX_CHAT_CODE_POINTS = 4_000;

/**
 * A chat message as it travels: its own id (for deduplication), text and send time; a replayed
 * one (history for a newcomer) also names its original sender, as the relaying participant saw them.
 */
export interface ChatWire {
  id: string;
  text: string;
  /** Sent at (unix ms, the sender's clock). */
  at: number;
  replayOf?: { from: string; name: string };
}

/** A file as it is offered: its id (for progress and `cancelFile`), name, size in bytes, MIME type and SHA-256 (hex). */
export interface FileOffer {
  id: string;
  name: string;
  size: number;
  /** As the sender's browser named it ('' when unknown); the receiver never opens the file by it. */
  type: string;
  sha256: string;
}

/** Preferred codec names per kind, lower case (`vp9`, `h264`, `opus`), most preferred first. */
export type CodecPreferences = Partial<Record<'audio' | 'video', readonly string[]>>;

/** Where a local track comes from (DESIGN's names table). */
export type MediaSource = 'microphone' | 'camera' | 'screen';

/** What a transport knows of one remote participant (live object; the session snapshots it). */
export interface RemotePeer {
  readonly id: string;
  readonly displayName: string;
  readonly role: ParticipantRole;
  readonly micEnabled: boolean;
  readonly cameraEnabled: boolean;
  readonly connection: ConnectionState;
  readonly stream: MediaStream | null;
  /** Their shared screen while they share, else null. */
  readonly screenStream: MediaStream | null;
}

/** What the others see of us, sent whenever it changes. */
export interface LocalState {
  mic: boolean;
  cam: boolean;
  name: string;
  /** Sharing a screen. */
  screen?: boolean;
}

export type TransportEvents = {
  /** A remote participant became part of the call (their name and role come from the server). */
  'participant-joined': (peer: RemotePeer) => void;
  /** Their mic, camera, name, stream or connection changed. */
  'participant-updated': (peer: RemotePeer) => void;
  /** They are gone; `peer` is their last state. */
  'participant-left': (peer: RemotePeer, reason: ParticipantLeaveReason) => void;
  /** The signaling connection dropped (media may still flow); `reconnectSignaling()` retries. */
  'signaling-lost': () => void;
  /** The signaling connection is back. */
  'signaling-restored': () => void;
  /** The server took our seat away. */
  removed: (reason: RemovedReason) => void;
  /**
   * A room event the session acts on (the roster with its waiting list, the wait, knocks, admitted,
   * denied, mute requests, lock, end), after the transport has taken what it needs from it (an
   * `admitted` one's credentials and roster: by then every member is being called).
   */
  'room-event': (event: RoomEvent) => void;
  /** Something went wrong that does not end the call by itself. */
  error: (error: RtcError) => void;
  /** The call's media changes course (a room that switches between mesh and SFU as it grows and shrinks). */
  'mode-change': (mode: CallMode) => void;
  /** The page's own data from a participant (ordered and reliable per sender). */
  data: (from: string, data: unknown) => void;
  /** A chat message from a participant (or one they replay as history). */
  chat: (from: string, message: ChatWire) => void;
  /** A newcomer asks us for the chat history. */
  'history-asked': (from: string) => void;
  /** A participant's file is on its way to us (we accepted the offer). */
  'file-incoming': (from: string, offer: FileOffer) => void;
  /** Bytes of an incoming file received so far. */
  'file-progress': (from: string, id: string, bytes: number) => void;
  /** An incoming file arrived whole, its SHA-256 checked. */
  'file-received': (from: string, offer: FileOffer, data: Blob) => void;
  /** An incoming file will not arrive: `file-cancelled`, `file-corrupt` or `peer-unavailable`. */
  'file-failed': (from: string, id: string, error: RtcError) => void;
};

/** Where to reach the server's signaling socket. */
export interface SignalingEndpoint {
  host: string;
  port: number;
  secure: boolean;
}

export interface ConnectOptions {
  endpoint: SignalingEndpoint;
  /** The tracks to send from the first offer (null = nothing yet: a placeholder stands in). */
  tracks: { microphone: MediaStreamTrack | null; camera: MediaStreamTrack | null };
  state: LocalState;
  signal: AbortSignal;
  /** Codecs to prefer on every connection (the browser's order otherwise). */
  codecs?: CodecPreferences;
  /** The largest file we accept from `from` (bytes), asked at each offer; above it the offer is refused with `file-too-large`. */
  maxIncomingFile(from: string): number;
}

/**
 * Every transport: connect with the join answer, publish tracks by source, send our state and
 * room requests, reconnect signaling on request, close. Events as in TransportEvents.
 */
export interface Transport extends Pick<TypedEmitter<TransportEvents>, 'on' | 'off'> {
  /**
   * Opens signaling and reaches everyone in `join.members`; resolves when signaling is open. After
   * {@link prewarm}, a join answer with the pre-warmed id takes the open socket as it is.
   */
  connect(join: JoinResponse, options: ConnectOptions): Promise<void>;
  /**
   * Optional: opens signaling with a pre-warmed join's parked token, before the join (the pre-join
   * view is up). Emits nothing; frames the socket gets once seated wait for `connect`. Resolves
   * false when it could not (the page then joins as if nothing happened).
   */
  prewarm?(info: PrewarmResponse, options: Pick<ConnectOptions, 'endpoint' | 'signal'>): Promise<boolean>;
  /** The id of a pre-warm whose socket is open, ready for `connect` (else undefined). */
  readonly prewarmedId?: string | undefined;
  /** Sends `track` as `source` to everyone (null: stop sending it), without renegotiation. */
  publish(source: MediaSource, track: MediaStreamTrack | null): Promise<void>;
  /** Tells everyone our mic/camera/name state. */
  sendState(state: LocalState): void;
  /** The page's own data (a JSON value, already size-checked) to everyone, or to the ids in `to`; ordered and reliable. */
  sendData(data: unknown, to?: readonly string[]): void;
  /** A chat message (already checked) to everyone, or to the ids in `to`; ordered and reliable. */
  sendChat(message: ChatWire, to?: readonly string[]): void;
  /** Asks one participant for the chat history (they answer with replayed `chat` messages). */
  askHistory(from: string): void;
  /**
   * Sends a file to one participant (`offer` already carries its id, size and SHA-256): resolves
   * once they have it whole and checked; `onProgress` hears the bytes delivered so far. Rejects with
   * `file-cancelled`, `file-too-large` (above their limit), `file-corrupt`, `peer-unavailable` or
   * `participant-not-found`.
   */
  sendFile(to: string, offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void>;
  /** Cancels every transfer (ours or to us) with this id; false when there is none. */
  cancelFile(id: string): boolean;
  /**
   * The security code of the media link to a participant, the same on both ends, bound to both
   * DTLS fingerprints; rejects with `not-supported` where media is not peer to peer.
   */
  verificationCode(participantId: string): Promise<string>;
  /** A room request to the server (leave, update, …), not waiting for an answer. */
  request(request: RoomRequest): void;
  /**
   * A room request whose answer matters (host actions): resolves with the reply's data, rejects
   * with an RtcError carrying the server's code (`not-allowed`, `participant-not-found`, …), or
   * `signaling-unreachable` when signaling is down or no reply comes.
   */
  ask(request: RoomRequest): Promise<unknown>;
  /** Retry the signaling connection after `signaling-lost`. */
  reconnectSignaling(): void;
  /**
   * New credentials for the same participant id (a re-join after the server refused our peer
   * token): take them, then retry signaling with them. Connections stay up.
   */
  resume(join: JoinResponse): void;
  /** The peer token signaling currently opens with (it changes with each refresh). */
  readonly peerToken: string | null;
  /** Ends everything; `sayBye` first tells the server and every participant. */
  close(sayBye: boolean): Promise<void>;
  /** The remote participants currently in the call. */
  readonly peers: readonly RemotePeer[];
  /**
   * Steps our camera down for a limited uplink: 0 full, 1 half the resolution at 20 fps, 2 a
   * quarter at 10 fps (a shared screen is left alone); without renegotiation.
   */
  adaptVideo(step: number): Promise<void>;
  /**
   * How wide (device pixels) we show a participant's camera: a transport that can choose what it
   * receives (the SFU's simulcast layers) takes the smallest that fills it; the mesh cannot.
   */
  receiveVideoSize(participantId: string, width: number): void;
  /** A getStats reading of the media from and to one participant (null: none, or not connected). */
  linkSample(participantId: string): Promise<LinkSample | null>;
  /** The RTCPeerConnections (for stats and tests). */
  readonly peerConnections: RTCPeerConnection[];
  /** True while media flows with at least one participant (a link is connected), signaling or not. */
  readonly mediaFlowing: boolean;
}
