/**
 * Room events: what the server pushes to everyone in a room, and what a participant asks of it.
 * They ride the signaling socket as frames PeerJS does not know (`{ "type": "ROOM", "payload" }`),
 * which the PeerJS client ignores, so the unmodified client keeps working beside them.
 *
 * Envelope (the `payload` of a ROOM frame):
 * - server → client, an event:    `{ event, data }`
 * - client → server, a request:   `{ request, id?, data? }` — `id` (1–64 of `[A-Za-z0-9_-]`) asks for a reply
 * - server → client, its reply:   `{ reply: id, ok: true, data? }` | `{ reply: id, ok: false, error: { code, message } }`
 *
 * Later issues add events (knock, admitted, …) and requests (admit, remove, …) to the same unions.
 */
import type { ServerErrorCode } from './errors.js';
import { isPublicMember, type IceServer, type PublicMember } from './join.js';

/** The PeerJS frame type of room events. */
export const ROOM_FRAME = 'ROOM';

/** Why a member left, as room-mates are told. */
export type MemberLeftReason = 'left' | 'disconnected' | 'removed-by-host';
/** Why the server took this participant's own seat away. */
export type RemovedReason = 'replaced' | 'removed-by-host';

export type RoomEvent =
  /** The whole roster, the receiver included; sent on every (re)opened socket. */
  | { event: 'members'; data: { members: PublicMember[] } }
  /** Someone took a seat (sent when they join, before they can call anyone). */
  | { event: 'member-joined'; data: PublicMember }
  /** Someone's seat is gone: said goodbye (`left`), vanished (`disconnected`) or was removed. */
  | { event: 'member-left'; data: { peerId: string; reason: MemberLeftReason } }
  /** Someone changed what others see of them. */
  | { event: 'member-updated'; data: { peerId: string; displayName?: string } }
  /** This participant's own seat was taken away; its socket closes next. */
  | { event: 'removed'; data: { reason: RemovedReason } };

export type RoomEventName = RoomEvent['event'];

export type RoomRequest =
  /** Rename yourself (only without room tokens: with them the token's name is final). */
  | { request: 'update'; id?: string; data: { displayName: string } }
  /** Leave now: room-mates are told `left` at once, without the grace period. */
  | { request: 'leave'; id?: string }
  /** A new peer token (and TURN credentials) before the current one ends; the reply's data is a {@link CredentialsRefresh}. */
  | { request: 'refresh'; id?: string };

export type RoomRequestName = RoomRequest['request'];

/** The reply data of a `refresh` request: what the join answer's credentials become. */
export interface CredentialsRefresh {
  peerToken: string;
  /** Unix seconds. */
  peerTokenExpires: number;
  iceServers: IceServer[];
}

export type RoomReply =
  | { reply: string; ok: true; data?: unknown }
  | { reply: string; ok: false; error: { code: ServerErrorCode; message: string } };

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LEFT_REASONS = new Set<string>(['left', 'disconnected', 'removed-by-host']);
const REMOVED_REASONS = new Set<string>(['replaced', 'removed-by-host']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A ROOM frame as it goes on the wire. */
export function roomFrame(payload: RoomEvent | RoomReply | RoomRequest): string {
  return JSON.stringify({ type: ROOM_FRAME, payload });
}

/** Client side: a server payload as an event or a reply, or null when it is neither (ignored). */
export function parseRoomPayload(payload: unknown): RoomEvent | RoomReply | null {
  if (!isObject(payload)) return null;
  if (typeof payload.reply === 'string') {
    if (payload.ok === true) return { reply: payload.reply, ok: true, data: payload.data };
    const error = payload.error;
    if (payload.ok === false && isObject(error) && typeof error.code === 'string' && typeof error.message === 'string') {
      return { reply: payload.reply, ok: false, error: { code: error.code as ServerErrorCode, message: error.message } };
    }
    return null;
  }
  const data = payload.data;
  if (!isObject(data)) return null;
  // Validated in place; fields we do not know are left alone (and never read).
  const ok = (() => {
    switch (payload.event) {
      case 'members':
        if (!Array.isArray(data.members)) return false;
        data.members = data.members.filter(isPublicMember);
        return true;
      case 'member-joined':
        return isPublicMember(data);
      case 'member-left':
        return typeof data.peerId === 'string' && LEFT_REASONS.has(data.reason as string);
      case 'member-updated':
        return typeof data.peerId === 'string' && (data.displayName === undefined || typeof data.displayName === 'string');
      case 'removed':
        return REMOVED_REASONS.has(data.reason as string);
      default:
        return false;
    }
  })();
  return ok ? ({ event: payload.event, data } as RoomEvent) : null;
}

/** Server side: a client payload as a request, or why it is refused (`bad-request`). */
export function parseRoomRequest(payload: unknown): { ok: true; request: RoomRequest } | { ok: false; id?: string; message: string } {
  if (!isObject(payload)) return { ok: false, message: 'a ROOM frame needs an object payload' };
  const id = payload.id;
  if (id !== undefined && (typeof id !== 'string' || !REQUEST_ID.test(id))) return { ok: false, message: 'id must be 1–64 of A–Z a–z 0–9 _ -' };
  const withId = id === undefined ? {} : { id };
  switch (payload.request) {
    case 'update': {
      const data = payload.data;
      if (!isObject(data) || typeof data.displayName !== 'string') return { ok: false, ...withId, message: 'update needs data.displayName (a string)' };
      return { ok: true, request: { request: 'update', ...withId, data: { displayName: data.displayName } } };
    }
    case 'leave':
      return { ok: true, request: { request: 'leave', ...withId } };
    case 'refresh':
      return { ok: true, request: { request: 'refresh', ...withId } };
    default:
      return { ok: false, ...withId, message: `unknown request ${JSON.stringify(String(payload.request)).slice(0, 40)}` };
  }
}
