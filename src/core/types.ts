import type { RtcError } from './errors.js';

/** The call's one state value, reflected on `<rtc-call state>`. */
export const CallState = {
  Idle: 'idle',
  Joining: 'joining',
  /** Knocked; waiting for a host to let us in (waiting room, or a locked room). */
  Waiting: 'waiting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Left: 'left',
  Failed: 'failed',
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

/** The media link to one participant. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed';

/** A participant's role, from the room token (`guest` without tokens). */
export type ParticipantRole = 'host' | 'guest';

/** Everyone in a call, the local participant first. Immutable snapshots: a change makes a new object. */
export interface Participant {
  /** The participant's peer id, unique in the room. */
  readonly id: string;
  /** The name the server has for them (from the room token when tokens are used). */
  readonly displayName: string;
  readonly role: ParticipantRole;
  readonly isLocal: boolean;
  readonly micEnabled: boolean;
  readonly cameraEnabled: boolean;
  readonly connection: ConnectionState;
  /** Their media (remote) or what we send (local); null until there is one. */
  readonly stream: MediaStream | null;
  /** Their shared screen (ours, for the local participant) while they share, else null. */
  readonly screenStream: MediaStream | null;
  /**
   * Their connection's quality as we receive it (for the local participant: our uplink, as the
   * others report it); null until measured.
   */
  readonly quality: NetworkQuality | null;
}

/** A participant's connection quality (session/quality.ts has the thresholds). */
export type { NetworkQuality, QualityLevel, QualityReason } from './session/quality.js';
import type { NetworkQuality } from './session/quality.js';

/** What `getStats(participantId)` gives support staff about the media from that participant. */
export interface CallStats {
  /** Inbound video codec (`video/VP8`), else the audio one; null when nothing arrives. */
  readonly codec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
  /** Inbound bits per second over the last reading. */
  readonly bitrate: number | null;
  /** Round trip in milliseconds. */
  readonly rtt: number | null;
  /** Inbound packet loss over the last readings, 0–1. */
  readonly loss: number | null;
}

/**
 * Why the local participant left: `user` (leave() or the button), `removed` (element removed),
 * `reconfigured` (room/server/token changed), `error`, `replaced` (the same room token joined
 * elsewhere: one seat per person), `denied` (a host did not let us in), `removed-by-host`,
 * `ended-by-host` (a host ended the call for everyone).
 */
export type LeaveReason = 'user' | 'removed' | 'reconfigured' | 'error' | 'replaced' | 'denied' | 'removed-by-host' | 'ended-by-host';

/**
 * Why a remote participant is gone: they said goodbye, their browser or signaling went away, a host
 * removed them, or their media link could not be recovered within 30 s (`ice-failed`).
 */
export type ParticipantLeaveReason = 'left' | 'disconnected' | 'removed-by-host' | 'ice-failed';

/** A chat message in the call (ours included). */
export interface ChatMessage {
  readonly id: string;
  /** The sender's participant id. */
  readonly from: string;
  /** The sender's name when the message arrived (kept after they leave). */
  readonly displayName: string;
  /** The text, exactly as sent: render it as text, never as HTML. */
  readonly text: string;
  /** When the sender sent it (their clock). */
  readonly sentAt: Date;
  readonly isLocal: boolean;
  /** History relayed to us when we joined: its sender cannot be verified. */
  readonly replayed: boolean;
  /** Who relayed it (a replayed message only). */
  readonly relayedBy?: string;
}

/** Where a file transfer stands, per file and other participant (`rtc-file-progress`). */
export interface FileProgress {
  /** The file's id (`cancelFile(id)`), the same on both sides. */
  readonly id: string;
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Bytes delivered so far (`size` when complete). */
  readonly bytes: number;
  readonly direction: 'send' | 'receive';
  /** The other side: the recipient when sending, the sender when receiving. */
  readonly participantId: string;
  /** `active` until it ends: `complete` (checked at the receiver), or `failed` with `error`. */
  readonly status: 'active' | 'complete' | 'failed';
  /** Why it failed: `file-cancelled`, `file-too-large`, `file-corrupt`, `peer-unavailable`. */
  readonly error?: RtcError;
}

/** A file that arrived whole, its SHA-256 checked (`rtc-file`). */
export interface ReceivedFile {
  readonly id: string;
  /** The sender's name for it (no path; control characters removed). */
  readonly name: string;
  readonly size: number;
  /** The MIME type the sender's browser gave ('' when unknown); informative only. */
  readonly type: string;
  /** The sender's participant id. */
  readonly from: string;
  /**
   * A blob URL of the file, typed `application/octet-stream` so opening it downloads rather than
   * renders it (use it with `<a download>`); valid until the next join.
   */
  readonly url: string;
}

/** What `sendFile` resolves with. */
export interface SentFile {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  /** The participants who have it, checked. */
  readonly deliveredTo: readonly string[];
}

/** Someone waiting to be let in, as hosts see them. */
export interface WaitingParticipant {
  /** Their participant id (`admit(id)`, `deny(id)`). */
  readonly id: string;
  readonly displayName: string;
  /** When they knocked. */
  readonly since: Date;
}

/** Device kinds a picker handles. */
export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

/** Device choice, by deviceId; undefined/empty = the browser's default. */
export interface DeviceChoice {
  videoInput?: string;
  audioInput?: string;
  audioOutput?: string;
}
