/**
 * Error codes the server answers with, as `{ error: { code, message } }`.
 * The element maps these onto its own `RtcError` codes.
 */
export type RtcServerErrorCode =
  | 'invalid-room'        // 400: room is not 1–64 of [A-Za-z0-9_-]
  | 'invalid-name'        // 400: display name empty, longer than 64 or with control characters
  | 'bad-request'         // 400: malformed JSON, body not an object, bad field type, body too large
  | 'unauthorized'        // 401: room/peer token missing, invalid, expired or unsigned
  | 'origin-not-allowed'  // 403: page origin is not in the allowed origins
  | 'wrong-room'          // 403: token is for another room
  | 'not-found'           // 404: unknown route / bundle not built
  | 'room-full'           // 409: room has maxParticipants members
  | 'rate-limited'        // 429: too many joins from this client IP
  | 'internal';           // 500: a bug; details only in the server log

export interface RtcServerErrorBody {
  error: { code: RtcServerErrorCode; message: string };
}

const STATUS: Record<RtcServerErrorCode, number> = {
  'invalid-room': 400,
  'invalid-name': 400,
  'bad-request': 400,
  unauthorized: 401,
  'origin-not-allowed': 403,
  'wrong-room': 403,
  'not-found': 404,
  'room-full': 409,
  'rate-limited': 429,
  internal: 500,
};

/** An error that becomes an HTTP response with the matching status. */
export class RtcHttpError extends Error {
  readonly code: RtcServerErrorCode;
  readonly status: number;
  constructor(code: RtcServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RtcHttpError';
    this.code = code;
    this.status = STATUS[code];
  }
  toJSON(): RtcServerErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function statusOf(code: RtcServerErrorCode): number {
  return STATUS[code];
}
