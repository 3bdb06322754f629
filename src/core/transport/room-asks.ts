/**
 * What every transport does with room requests on its signaling socket: `ask()`s waiting for
 * the server's reply (by request id, with a deadline), and the peer token's refresh before it
 * ends (a `refresh` request at 75 % of its life, asked again while unanswered).
 */
import { parseRoomPayload, type RoomEvent, type RoomReply, type RoomRequest } from '../../protocol/room-events.js';
import { RtcError, RtcErrorCode, isRtcErrorCode } from '../errors.js';

/** How long an `ask()` waits for the server's reply. */
const ASK_TIMEOUT_MS = 10_000;
/** The id of our `refresh` requests (one at a time). */
export const REFRESH_ID = 'refresh';
/** Refresh once this share of the remaining lifetime has passed… */
const REFRESH_AT = 0.75;
/** …but not sooner than this; and ask again this long after an unanswered request. */
const REFRESH_MIN_MS = 1_000;
const REFRESH_RETRY_MS = 5_000;

export class PendingAsks {
  private readonly pending = new Map<string, { resolve(data: unknown): void; reject(error: RtcError): void; timer: ReturnType<typeof setTimeout> }>();
  private next = 1;

  /** Sends `request` with an id of its own through `send`; settles with the reply. */
  ask(request: RoomRequest, send: (request: RoomRequest) => void): Promise<unknown> {
    const id = `a${this.next++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RtcError(RtcErrorCode.SignalingUnreachable, `The call server did not answer within ${ASK_TIMEOUT_MS / 1000} s.`));
      }, ASK_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      send({ ...request, id });
    });
  }

  /** The server's reply to one of ours. */
  settle(reply: RoomReply): void {
    const pending = this.pending.get(reply.reply);
    if (!pending) return;
    this.pending.delete(reply.reply);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.data);
    else pending.reject(new RtcError(isRtcErrorCode(reply.error.code) ? reply.error.code : RtcErrorCode.Internal, reply.error.message));
  }

  rejectAll(message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new RtcError(RtcErrorCode.SignalingUnreachable, message));
      this.pending.delete(id);
    }
  }
}

/**
 * A ROOM frame's payload from the server: a reply settles its `ask()` (the one to our refresh
 * goes to `onRefreshed`, with undefined when refused); an event is returned for the transport.
 */
export function takeRoomPayload(payload: unknown, asks: PendingAsks, onRefreshed: (data: unknown) => void): RoomEvent | null {
  const parsed = parseRoomPayload(payload);
  if (!parsed || !('reply' in parsed)) return parsed;
  if (parsed.reply === REFRESH_ID) onRefreshed(parsed.ok ? parsed.data : undefined);
  else asks.settle(parsed);
  return null;
}

/** The refresh of the peer token (and TURN credentials) before they end. */
export class CredentialsTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Due while signaling was down: asked as soon as it is back. */
  due = false;

  /** `open()`: signaling is up; `send()`: the refresh request. */
  constructor(private readonly open: () => boolean, private readonly send: (request: RoomRequest) => void) {}

  /** Plans the next refresh for credentials ending at `expires` (unix s). */
  schedule(expires: number): void {
    clearTimeout(this.timer);
    const remainingMs = expires * 1000 - Date.now();
    this.timer = setTimeout(() => this.refresh(), Math.max(REFRESH_MIN_MS, remainingMs * REFRESH_AT));
  }

  refresh(): void {
    clearTimeout(this.timer);
    this.due = !this.open();
    if (this.due) return;
    this.send({ request: 'refresh', id: REFRESH_ID });
    this.timer = setTimeout(() => this.refresh(), REFRESH_RETRY_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
