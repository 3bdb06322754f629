/** The join API: `POST <base>/api/rooms/:room/join`, shared by the server and the element. */

import type { CallMode } from './sfu.js';

/** A participant's role in a room. Without room tokens everyone is a `guest`. */
export type RoomRole = 'host' | 'guest';

/** What a client sees of a member of its room. */
export interface PublicMember {
  peerId: string;
  displayName: string;
  role: RoomRole;
}

/** Body of `POST <base>/api/rooms/:room/join`. */
export interface JoinRequest {
  /** Shown to the others; a room token's `name` wins over it. */
  displayName?: string;
  /** Room token (JWT) from the site's backend; required when RTC_ROOM_SECRET is set. */
  token?: string;
  /** Random value the client keeps per tab (8–128 of [A-Za-z0-9_-]): a rejoin replaces the old member. */
  rejoinKey?: string;
  /**
   * The participant id this tab had, to keep it: sent when its peer token is refused (a server
   * restart that lost its data directory). Accepted only with the `rejoinKey` of the join that got
   * it, and refused (`unauthorized`) for a participant who left or was removed.
   */
  peerId?: string;
  /**
   * True: a pre-warmed join. The server checks the token and the name as for a join, seats no
   * one and tells nothing of the room: the answer ({@link PrewarmResponse}) only lets the page open
   * its signaling socket, which stays parked (only heartbeats) until the real join names it.
   */
  prewarm?: boolean;
  /** The `peerToken` of this tab's pre-warmed join: the join takes its participant id and its parked socket. */
  prewarmToken?: string;
}

/** 200 answer of a pre-warmed join (`prewarm: true`): enough to open the signaling socket, nothing of the room. */
export interface PrewarmResponse {
  prewarm: true;
  peerId: string;
  /** Opens a parked socket only: it relays nothing and no seat is rebuilt from it. */
  peerToken: string;
  /** Unix seconds: the parked socket is closed then (close code 4002) unless the join came first. */
  peerTokenExpires: number;
  signaling: { path: string; key: string };
  /**
   * The transport a join will use, from the server's settings and the token alone (never the
   * room's state): `mesh` (PeerJS), `switching` (mesh that may move to the SFU) or `sfu`.
   */
  transport: 'mesh' | 'switching' | 'sfu';
}

/** One entry of RTCConfiguration.iceServers. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Someone waiting to be let in, as hosts see them. */
export interface WaitingMember {
  peerId: string;
  displayName: string;
  /** When they knocked (unix milliseconds). */
  since: number;
}

/** True when `value` has the shape of a waiting member. */
export function isWaitingMember(value: unknown): value is WaitingMember {
  const m = value as WaitingMember | null;
  return !!m && typeof m.peerId === 'string' && typeof m.displayName === 'string' && typeof m.since === 'number';
}

/** 200 answer of the join endpoint. */
export interface JoinResponse {
  peerId: string;
  peerToken: string;
  /** Unix seconds after which `peerToken` no longer opens a socket. */
  peerTokenExpires: number;
  displayName: string;
  role: RoomRole;
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
  /** The others already in the room (including joined-but-not-yet-connected); never the joiner. */
  members: PublicMember[];
  /** PeerJS client options `path` and `key`: the socket is `<path>/peerjs?key=…&id=…&token=…`. */
  signaling: { path: string; key: string };
  maxParticipants: number;
  /**
   * How the call's media travels: `mesh` (peer to peer, end to end encrypted) or `sfu` (through
   * the server's Janus: encrypted to the server, not end to end). Absent from older servers: `mesh`.
   */
  mode?: CallMode;
  /**
   * True: the room may change mode during the call (the `mode-changed` room event): it starts peer
   * to peer and goes through the SFU while it holds more than the server's RTC_MESH_MAX.
   */
  switchable?: boolean;
  /**
   * True: this participant knocked and waits for a host (waiting room, or a locked room). Then
   * `members` and `iceServers` are empty; the `admitted` room event brings them (and a new peer
   * token), `denied` / `ended` end the wait.
   */
  waiting?: boolean;
}

/** 200 answer of `GET <base>/api/rooms/:room/members`: everyone in the room, the caller included. */
export interface MembersResponse {
  members: PublicMember[];
}

/** True when `value` has the shape of a member. */
export function isPublicMember(value: unknown): value is PublicMember {
  const m = value as PublicMember | null;
  return !!m && typeof m.peerId === 'string' && typeof m.displayName === 'string' && (m.role === 'host' || m.role === 'guest');
}
