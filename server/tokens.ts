import { createHash } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';
import { RtcHttpError } from './errors.js';

import type { RoomRole } from '../src/protocol/join.js';

export type { RoomRole };

/** Claims of a room token issued by the site's backend (HS256 with RTC_ROOM_SECRET). */
export interface RoomTokenClaims {
  room: string;
  sub?: string;
  name?: string;
  role: RoomRole;
  exp: number;
}

/** Claims of the server-issued peer token (HS256 with the peer secret). */
export interface PeerTokenClaims {
  /** PeerJS peer id this token is bound to. */
  pid: string;
  room: string;
  name: string;
  role: RoomRole;
  /** `sub` of the room token the peer joined with, if any. */
  sub?: string;
  /** SHA-256 (base64url, 22 chars) of the client's rejoin key, if it sent one. */
  rk?: string;
  exp: number;
}

const PEER_TYP = 'rtc-peer+jwt';
/** Peer tokens stay valid this long: reconnects (and a server restart) during a call reuse them. */
export const PEER_TOKEN_TTL_S = 12 * 60 * 60;
const CLOCK_TOLERANCE_S = 5;

// Imported once per secret: jose would otherwise import the raw bytes into a WebCrypto key on
// every sign and verify, which the capacity benchmark showed as a large share of the upgrade cost.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();
function keyOf(secret: string): Promise<HmacKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

export interface SignRoomTokenOptions {
  /** RTC_ROOM_SECRET. */
  secret: string;
  room: string;
  name?: string;
  role?: RoomRole;
  sub?: string;
  /** Lifetime in seconds (default 3600). Negative values make an already expired token (tests). */
  ttl?: number;
}

/**
 * Sign a room token the way a site's backend would (HS256 JWT with claims
 * `room`, `sub`, `name`, `role`, `exp`). Used by `rtc-call-server token` and tests.
 */
export async function signRoomToken(options: SignRoomTokenOptions): Promise<string> {
  const { secret, room, name, role = 'guest', sub, ttl = 3600 } = options;
  if (!secret) throw new Error('signRoomToken: secret is required (RTC_ROOM_SECRET)');
  if (!room) throw new Error('signRoomToken: room is required');
  if (role !== 'host' && role !== 'guest') throw new Error(`signRoomToken: role must be host or guest, not ${String(role)}`);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ room, role, ...(name !== undefined ? { name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + ttl);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(await keyOf(secret));
}

function unauthorized(message: string, cause?: unknown): RtcHttpError {
  return new RtcHttpError('unauthorized', message, { cause });
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim invalid (${err.claim})`;
  return 'token malformed';
}

/** Verify a room token; throws `unauthorized` (401) — a `wrong-room` check is the caller's. */
export async function verifyRoomToken(token: string, secret: string): Promise<RoomTokenClaims> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw unauthorized('room token malformed', err);
  }
  if (header.typ === PEER_TYP) throw unauthorized('a peer token is not a room token');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'room'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    throw unauthorized(`room ${describeJoseError(err)}`, err);
  }
  const { room, name, role = 'guest', sub } = payload as Record<string, unknown>;
  if (typeof room !== 'string') throw unauthorized('room token claim "room" must be a string');
  if (name !== undefined && typeof name !== 'string') throw unauthorized('room token claim "name" must be a string');
  if (role !== 'host' && role !== 'guest') throw unauthorized('room token claim "role" must be "host" or "guest"');
  if (sub !== undefined && typeof sub !== 'string') throw unauthorized('room token claim "sub" must be a string');
  return { room, name, role, sub, exp: payload.exp as number };
}

/** Hash of a client's rejoin key as stored in peer tokens and the roster. */
export function hashRejoinKey(rejoinKey: string): string {
  return createHash('sha256').update(rejoinKey).digest('base64url').slice(0, 22);
}

export async function signPeerToken(
  claims: Omit<PeerTokenClaims, 'exp'>,
  secret: string,
  ttl = PEER_TOKEN_TTL_S,
): Promise<{ token: string; exp: number }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttl;
  const body: Record<string, unknown> = { pid: claims.pid, room: claims.room, name: claims.name, role: claims.role };
  if (claims.sub !== undefined) body.sub = claims.sub;
  if (claims.rk !== undefined) body.rk = claims.rk;
  const token = await new SignJWT(body)
    .setProtectedHeader({ alg: 'HS256', typ: PEER_TYP })
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(await keyOf(secret));
  return { token, exp };
}

/** Verify a peer token; throws `unauthorized` (401). */
export async function verifyPeerToken(token: string, secret: string): Promise<PeerTokenClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await keyOf(secret), {
      algorithms: ['HS256'],
      typ: PEER_TYP,
      requiredClaims: ['exp', 'pid', 'room'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    throw unauthorized(`peer ${describeJoseError(err)}`, err);
  }
  const p = payload as Record<string, unknown>;
  if (typeof p.pid !== 'string' || typeof p.room !== 'string' || typeof p.name !== 'string' ||
      (p.role !== 'host' && p.role !== 'guest') ||
      (p.sub !== undefined && typeof p.sub !== 'string') || (p.rk !== undefined && typeof p.rk !== 'string')) {
    throw unauthorized('peer token claims malformed');
  }
  return {
    pid: p.pid, room: p.room, name: p.name, role: p.role,
    ...(p.sub !== undefined ? { sub: p.sub as string } : {}),
    ...(p.rk !== undefined ? { rk: p.rk as string } : {}),
    exp: payload.exp as number,
  };
}
