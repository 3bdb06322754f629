/**
 * Every failure in rtc-call is an `RtcError` with a string `code`. PeerJS error types, DOMException
 * names and the server's error codes are mapped to codes here, and only here.
 */

/** All error codes, each produced by one real condition. */
export const RtcErrorCode = {
  /** The user or the browser denied camera/microphone access (`NotAllowedError`). */
  PermissionDenied: 'permission-denied',
  /** No camera/microphone, or the chosen one is gone (`NotFoundError`, `OverconstrainedError`). */
  DeviceNotFound: 'device-not-found',
  /** The device exists but cannot be opened, usually another app holds it (`NotReadableError`). */
  DeviceInUse: 'device-in-use',
  /** The browser has no WebRTC or no `navigator.mediaDevices`. */
  NotSupported: 'not-supported',
  /** The page is served over http from a non-localhost origin, so media capture is unavailable. */
  InsecureContext: 'insecure-context',
  /** The page is in an iframe without `allow="camera; microphone"`. */
  BlockedByPermissionsPolicy: 'blocked-by-permissions-policy',
  /** The rtc-call server cannot be reached (down, wrong URL, network). */
  SignalingUnreachable: 'signaling-unreachable',
  /** What answered at the server URL (by default the page's own origin, in a bundled app) is some other web server: set `server`. */
  NotAnRtcCallServer: 'not-an-rtc-call-server',
  /** The room token is missing, invalid or expired. */
  Unauthorized: 'unauthorized',
  /** The room token was issued for another room. */
  WrongRoom: 'wrong-room',
  /** This page's origin is not in the server's allowed origins. */
  OriginNotAllowed: 'origin-not-allowed',
  /** The server was reached under a name it does not serve (not its RTC_PUBLIC_URL): a misconfigured proxy or DNS rebinding. */
  HostNotAllowed: 'host-not-allowed',
  /** The room name is not 1–64 of `[A-Za-z0-9_-]`. */
  InvalidRoom: 'invalid-room',
  /** The display name is empty, too long or has control characters. */
  InvalidName: 'invalid-name',
  /** The room has reached its participant limit. */
  RoomFull: 'room-full',
  /** Too many joins from this address; try again in a minute. */
  RateLimited: 'rate-limited',
  /** A participant vanished before answering. */
  PeerUnavailable: 'peer-unavailable',
  /** No media path could be established with a participant (ICE failed). */
  IceFailed: 'ice-failed',
  /** Only a host may do this (admit, deny, remove, mute, lock, end) — the server says so, whatever the page thinks. */
  NotAllowed: 'not-allowed',
  /** The host action names someone who is not in the room (or not waiting, for admit / deny). */
  ParticipantNotFound: 'participant-not-found',
  /** A host removed this person from the room; they cannot join it again until the call has ended. */
  RemovedByHost: 'removed-by-host',
  /** A host turned this person away a moment ago; they can knock again after the server's cooldown. */
  KnockCooldown: 'knock-cooldown',
  /** Sharing the screen is not allowed here (the page's permissions policy, or the system refused); the call goes on. */
  ScreenShareDenied: 'screen-share-denied',
  /** A chat message is empty or longer than 4,000 characters. */
  MessageTooLong: 'message-too-long',
  /** `sendData` got more than 16 KiB of JSON (UTF-8), or something that is not JSON. */
  MessageTooLarge: 'message-too-large',
  /** A file is larger than the sender's `max-file-size` (25 MiB by default), or than the receiver accepts. */
  FileTooLarge: 'file-too-large',
  /** A received file did not match the SHA-256 its sender announced (or was longer than announced); it was discarded. */
  FileCorrupt: 'file-corrupt',
  /** A file transfer was cancelled, by you or the other side (`cancelFile`), or refused. */
  FileCancelled: 'file-cancelled',
  /** The room's media goes through the clinic's media server (SFU), and it does not answer: the call cannot start, or lost its media. */
  SfuUnavailable: 'sfu-unavailable',
  /** Anything else: a bug or an unexpected browser/server answer. */
  Internal: 'internal',
} as const;

export type RtcErrorCode = (typeof RtcErrorCode)[keyof typeof RtcErrorCode];

const CODES = new Set<string>(Object.values(RtcErrorCode));

/** True when `value` is one of the documented error codes. */
export function isRtcErrorCode(value: unknown): value is RtcErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

export interface RtcErrorOptions {
  /** The original error (DOMException, PeerJS error, fetch failure…). */
  cause?: unknown;
  /** True when the call cannot go on because of this error. */
  fatal?: boolean;
}

/** The one error class of rtc-call. `rtc-error` events carry the same object in `detail`. */
export class RtcError extends Error {
  override readonly name = 'RtcError';
  readonly code: RtcErrorCode;
  readonly fatal: boolean;

  constructor(code: RtcErrorCode, message: string, options: RtcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fatal = options.fatal ?? false;
  }

  /** A copy of this error with another `fatal` flag. */
  withFatal(fatal: boolean): RtcError {
    return new RtcError(this.code, this.message, { cause: this.cause, fatal });
  }
}

const DOM_EXCEPTION_CODES: Record<string, RtcErrorCode> = {
  NotAllowedError: RtcErrorCode.PermissionDenied,
  SecurityError: RtcErrorCode.PermissionDenied,
  PermissionDeniedError: RtcErrorCode.PermissionDenied,
  NotFoundError: RtcErrorCode.DeviceNotFound,
  DevicesNotFoundError: RtcErrorCode.DeviceNotFound,
  OverconstrainedError: RtcErrorCode.DeviceNotFound,
  NotReadableError: RtcErrorCode.DeviceInUse,
  TrackStartError: RtcErrorCode.DeviceInUse,
  AbortError: RtcErrorCode.DeviceInUse,
  NotSupportedError: RtcErrorCode.NotSupported,
  TypeError: RtcErrorCode.NotSupported,
};

/** Maps a getUserMedia / getDisplayMedia failure to an RtcError. */
export function mediaError(error: unknown, what: string): RtcError {
  if (error instanceof RtcError) return error;
  const name = (error as { name?: string } | null)?.name ?? '';
  const code = DOM_EXCEPTION_CODES[name] ?? RtcErrorCode.Internal;
  const detail = (error as { message?: string } | null)?.message;
  return new RtcError(code, `${what}: ${name || 'error'}${detail ? ` (${detail})` : ''}`, { cause: error });
}

const PEERJS_CODES: Record<string, RtcErrorCode> = {
  'browser-incompatible': RtcErrorCode.NotSupported,
  'peer-unavailable': RtcErrorCode.PeerUnavailable,
  'network': RtcErrorCode.SignalingUnreachable,
  'server-error': RtcErrorCode.SignalingUnreachable,
  'socket-error': RtcErrorCode.SignalingUnreachable,
  'socket-closed': RtcErrorCode.SignalingUnreachable,
  'disconnected': RtcErrorCode.SignalingUnreachable,
  'unavailable-id': RtcErrorCode.Unauthorized,
  'invalid-id': RtcErrorCode.Internal,
  'invalid-key': RtcErrorCode.Internal,
  'ssl-unavailable': RtcErrorCode.SignalingUnreachable,
  'webrtc': RtcErrorCode.IceFailed,
};

/** Maps a PeerJS `error` (which carries a `type`) to an RtcError. */
export function peerError(error: unknown): RtcError {
  if (error instanceof RtcError) return error;
  const type = (error as { type?: string } | null)?.type ?? '';
  const message = (error as { message?: string } | null)?.message ?? String(error);
  return new RtcError(PEERJS_CODES[type] ?? RtcErrorCode.Internal, message, { cause: error });
}

/** Wraps anything thrown into an RtcError (code `internal` unless it already is one). */
export function toRtcError(error: unknown, fallbackMessage = 'Unexpected error'): RtcError {
  if (error instanceof RtcError) return error;
  const message = (error as { message?: string } | null)?.message;
  return new RtcError(RtcErrorCode.Internal, message || fallbackMessage, { cause: error });
}
