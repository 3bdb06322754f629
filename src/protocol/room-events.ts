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
 * The waiting room and host controls are events (knock, admitted, denied, …) and requests (admit,
 * deny, remove, …) of the same unions; the server checks every host request's role itself.
 */
import type { ServerErrorCode } from './errors.js';
import type { CallMode } from './sfu.js';
import { isPublicMember, isWaitingMember, type IceServer, type PublicMember, type WaitingMember } from './join.js';

/** The PeerJS frame type of room events. */
export const ROOM_FRAME = 'ROOM';

/**
 * A frame the relay passes from one seated member to another in the same room, exactly like
 * PeerJS's OFFER / ANSWER / CANDIDATE (`{ type, dst, payload }`, `src` set by the server): the
 * mesh's own messages PeerJS cannot carry (an ICE restart's offer and answer), and in SFU mode the
 * messages the mesh sends on its data channels (state, chat, app data). `dst` `*` (SIGNAL only)
 * is everyone else seated in the room.
 */
export const SIGNAL_FRAME = 'SIGNAL';
/** The `dst` of a SIGNAL frame for everyone else seated in the sender's room. */
export const EVERYONE = '*';

/** Why a member left, as room-mates are told. */
export type MemberLeftReason = 'left' | 'disconnected' | 'removed-by-host';
/** Why the server took this participant's own seat away. */
export type RemovedReason = 'replaced' | 'removed-by-host';
/** Why someone is no longer on the waiting list, as hosts are told. */
export type KnockWithdrawnReason = 'admitted' | 'denied' | 'left';

export type RoomEvent =
  /**
   * The whole roster, the receiver included; sent on every (re)opened socket of a seated member.
   * Hosts also get the waiting list; everyone gets whether the room is locked.
   */
  | { event: 'members'; data: { members: PublicMember[]; waiting?: WaitingMember[]; locked?: boolean } }
  /** To someone waiting: whether a host is in the room (sent on every (re)opened socket and on each change). */
  | { event: 'waiting'; data: { hostPresent: boolean } }
  /** To hosts: someone knocked. */
  | { event: 'knock'; data: { participant: WaitingMember } }
  /** To hosts: someone is no longer waiting. */
  | { event: 'knock-withdrawn'; data: { peerId: string; reason: KnockWithdrawnReason } }
  /**
   * To someone waiting: a host let them in; with what the join answer held back, a new peer token,
   * and the room's call mode now (it may have changed while they waited; absent: `mesh`).
   */
  | { event: 'admitted'; data: CredentialsRefresh & { members: PublicMember[]; mode?: CallMode } }
  /** To someone waiting: a host said no (their socket closes next). */
  | { event: 'denied'; data: { message?: string } }
  /** To one participant: a host (`by`, their name; absent: the site's backend) asks them to mute (their microphone goes off; they may turn it on again). */
  | { event: 'mute-requested'; data: { by?: string } }
  /** The room was locked or unlocked (while locked, newcomers knock). */
  | { event: 'locked'; data: { locked: boolean; by?: string } }
  /** A host (or the site's backend) ended the call for everyone; every socket closes next. */
  | { event: 'ended'; data: { by?: string } }
  /** Someone took a seat (sent when they join, before they can call anyone). */
  | { event: 'member-joined'; data: PublicMember }
  /** Someone's seat is gone: said goodbye (`left`), vanished (`disconnected`) or was removed. */
  | { event: 'member-left'; data: { peerId: string; reason: MemberLeftReason } }
  /** Someone changed what others see of them. */
  | { event: 'member-updated'; data: { peerId: string; displayName?: string } }
  /** This participant's own seat was taken away; its socket closes next. */
  | { event: 'removed'; data: { reason: RemovedReason } }
  /** SFU mode: the room's media server (Janus) stopped answering; its media is gone until it is back. */
  | { event: 'sfu-unavailable'; data: { message?: string } }
  /** SFU mode: the room's media server was lost and another took the room over: publish and subscribe again there. */
  | { event: 'sfu-moved'; data: Record<string, never> }
  /**
   * The room's media changes course (rooms whose join answer said `switchable`): `sfu` when it grew
   * past RTC_MESH_MAX (publish to the SFU, then close the peer-to-peer links), `mesh` when it has
   * been at two or fewer for 10 s, or its only media server was lost (call everyone again, then
   * stop publishing to the SFU).
   */
  | { event: 'mode-changed'; data: { mode: CallMode } };

export type RoomEventName = RoomEvent['event'];

export type RoomRequest =
  /** Rename yourself (only without room tokens: with them the token's name is final). */
  | { request: 'update'; id?: string; data: { displayName: string } }
  /** Leave now: room-mates are told `left` at once, without the grace period. */
  | { request: 'leave'; id?: string }
  /** A new peer token (and TURN credentials) before the current one ends; the reply's data is a {@link CredentialsRefresh}. */
  | { request: 'refresh'; id?: string }
  // Host actions: the server checks the role first (`not-allowed`), then the id (`participant-not-found`).
  /** Let someone waiting in. */
  | { request: 'admit'; id?: string; data: { peerId: string } }
  /** Turn someone waiting away, with an optional message (1–280 characters). */
  | { request: 'deny'; id?: string; data: { peerId: string; message?: string } }
  /** Let everyone waiting in (as many as the room has seats for, longest waiting first). */
  | { request: 'admit-all'; id?: string }
  /** Take someone's seat away; their token `sub` may not come back until the room ends. */
  | { request: 'remove'; id?: string; data: { peerId: string } }
  /** Ask someone to mute. */
  | { request: 'mute'; id?: string; data: { peerId: string } }
  /** While locked, newcomers knock even without a waiting room. */
  | { request: 'lock'; id?: string }
  | { request: 'unlock'; id?: string }
  /** End the call for everyone, those waiting included. */
  | { request: 'end'; id?: string };

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
const WITHDRAWN_REASONS = new Set<string>(['admitted', 'denied', 'left']);
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

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
        if (data.waiting !== undefined) data.waiting = Array.isArray(data.waiting) ? data.waiting.filter(isWaitingMember) : [];
        if (data.locked !== undefined && typeof data.locked !== 'boolean') delete data.locked;
        return true;
      case 'waiting':
        return typeof data.hostPresent === 'boolean';
      case 'knock':
        return isWaitingMember(data.participant);
      case 'knock-withdrawn':
        return typeof data.peerId === 'string' && WITHDRAWN_REASONS.has(data.reason as string);
      case 'admitted':
        if (typeof data.peerToken !== 'string' || typeof data.peerTokenExpires !== 'number' || !Array.isArray(data.iceServers) || !Array.isArray(data.members)) return false;
        data.members = data.members.filter(isPublicMember);
        if (data.mode !== undefined && data.mode !== 'mesh' && data.mode !== 'sfu') delete data.mode;
        return true;
      case 'denied':
        return optionalString(data.message);
      case 'mute-requested':
        return optionalString(data.by);
      case 'locked':
        return typeof data.locked === 'boolean' && optionalString(data.by);
      case 'ended':
        return optionalString(data.by);
      case 'member-joined':
        return isPublicMember(data);
      case 'member-left':
        return typeof data.peerId === 'string' && LEFT_REASONS.has(data.reason as string);
      case 'member-updated':
        return typeof data.peerId === 'string' && (data.displayName === undefined || typeof data.displayName === 'string');
      case 'removed':
        return REMOVED_REASONS.has(data.reason as string);
      case 'sfu-unavailable':
        return optionalString(data.message);
      case 'sfu-moved':
        return true;
      case 'mode-changed':
        return data.mode === 'mesh' || data.mode === 'sfu';
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
    case 'admit-all':
    case 'lock':
    case 'unlock':
    case 'end':
      return { ok: true, request: { request: payload.request, ...withId } };
    case 'admit':
    case 'remove':
    case 'mute': {
      const data = payload.data;
      if (!isObject(data) || typeof data.peerId !== 'string') return { ok: false, ...withId, message: `${payload.request} needs data.peerId (a string)` };
      return { ok: true, request: { request: payload.request, ...withId, data: { peerId: data.peerId } } };
    }
    case 'deny': {
      const data = payload.data;
      if (!isObject(data) || typeof data.peerId !== 'string') return { ok: false, ...withId, message: 'deny needs data.peerId (a string)' };
      if (data.message !== undefined && typeof data.message !== 'string') return { ok: false, ...withId, message: 'deny: data.message must be a string' };
      return { ok: true, request: { request: 'deny', ...withId, data: { peerId: data.peerId, ...(data.message !== undefined ? { message: data.message } : {}) } } };
    }
    default:
      return { ok: false, ...withId, message: `unknown request ${JSON.stringify(String(payload.request)).slice(0, 40)}` };
  }
}
