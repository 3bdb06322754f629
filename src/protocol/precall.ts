/** The pre-call check's endpoint: `POST <base>/api/precall`, shared by the server and the element. */
import type { IceServer } from './join.js';

/** How long the relay credentials of a pre-call check live, in seconds: the check, and no call. */
export const PRECALL_CREDENTIAL_TTL_S = 120;

/** Body of `POST <base>/api/precall` (an empty body is the same as `{}`). */
export interface PrecallRequest {
  /** A room token of any room; required when the server has RTC_ROOM_SECRET. The room is not looked at. */
  token?: string;
}

/** 200 answer of `POST <base>/api/precall`. Nothing in it is about a room or its people. */
export interface PrecallResponse {
  /** STUN entries, then one TURN entry with REST credentials living `PRECALL_CREDENTIAL_TTL_S` seconds; empty without STUN/TURN. */
  iceServers: IceServer[];
  /** Unix seconds when the TURN credentials end; absent when the server has no TURN. */
  expires?: number;
}
