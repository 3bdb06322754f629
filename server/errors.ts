import { SERVER_ERROR_STATUS, type ServerErrorBody, type ServerErrorCode } from 'rtc-call/protocol';

/** Error codes the server answers with, as `{ error: { code, message } }` (src/protocol/errors.ts). */
export type RtcServerErrorCode = ServerErrorCode;
export type RtcServerErrorBody = ServerErrorBody;

/** An error that becomes an HTTP response with the matching status. */
export class RtcHttpError extends Error {
  readonly code: RtcServerErrorCode;
  readonly status: number;
  constructor(code: RtcServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RtcHttpError';
    this.code = code;
    this.status = SERVER_ERROR_STATUS[code];
  }
  toJSON(): RtcServerErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function statusOf(code: RtcServerErrorCode): number {
  return SERVER_ERROR_STATUS[code];
}
