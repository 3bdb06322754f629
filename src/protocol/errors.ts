/**
 * Error codes the server answers with, as `{ error: { code, message } }` over HTTP and in room
 * event replies. The element maps each onto the `RtcError` code of the same name.
 */
export const SERVER_ERROR_STATUS = {
  /** The room is not 1–64 of `[A-Za-z0-9_-]` (or its `%` escapes are malformed). */
  'invalid-room': 400,
  /** The display name breaks the name rule (see `checkDisplayName`). */
  'invalid-name': 400,
  /** Malformed JSON, body not an object, bad field type, body too large, repeated query parameter. */
  'bad-request': 400,
  /** Room/peer token missing, invalid, expired or unsigned. */
  unauthorized: 401,
  /** The page origin is not in the allowed origins. */
  'origin-not-allowed': 403,
  /** The Host is neither RTC_PUBLIC_URL's nor a loopback name (DNS rebinding, misconfigured proxy). */
  'host-not-allowed': 403,
  /** The token is for another room. */
  'wrong-room': 403,
  /** The request is valid but the sender may not do it (e.g. rename itself under a room token). */
  'not-allowed': 403,
  /** Unknown route; bundle not built. */
  'not-found': 404,
  /** The request names a participant who is not in the room (or not waiting, for admit / deny). */
  'participant-not-found': 404,
  /** A host removed this person (their token `sub`) from the room; they may not come back until the room ends. */
  'removed-by-host': 403,
  /** The room has maxParticipants members. */
  'room-full': 409,
  /** Too many joins (or requests) from this client. */
  'rate-limited': 429,
  /** A host denied this person (token `sub`) a moment ago: no knocking again for RTC_DENY_COOLDOWN seconds. */
  'knock-cooldown': 429,
  /** The room's media goes through an SFU (Janus) and none answers: no call can start, or the one going on lost its media. */
  'sfu-unavailable': 503,
  /** A bug; details only in the server log. */
  internal: 500,
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERROR_STATUS;

/** The body of every error answer. */
export interface ServerErrorBody {
  error: { code: ServerErrorCode; message: string };
}

export function isServerErrorCode(value: unknown): value is ServerErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SERVER_ERROR_STATUS, value);
}
