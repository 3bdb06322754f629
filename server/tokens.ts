import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';
import { RtcHttpError } from './errors.js';

import type { RoomRole } from 'rtc-call/protocol';

export type { RoomRole };

/** Claims of a room token issued by the site's backend (HS256 with RTC_ROOM_SECRET). */
export interface RoomTokenClaims {
  room: string;
  sub?: string;
  name?: string;
  role: RoomRole;
  exp: number;
  /** Issued at (unix seconds), when the token says. */
  iat?: number;
  /** `true`: this person knocks and waits; `false`: walks in; absent: RTC_WAITING_ROOM decides. */
  wait?: boolean;
  /** The `p2p-only` claim: `true` keeps this room peer to peer (end to end encrypted) whatever its size, never through the SFU. */
  p2pOnly?: boolean;
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
  /** Issued to someone waiting: a socket it opens (even after a restart) knocks, never takes a seat. */
  w?: true;
  /**
   * Issued to a pre-warmed join (the page opened signaling before Join was pressed): its socket is
   * parked, never a member's, and no seat is ever rebuilt from it.
   */
  pw?: true;
  exp: number;
}

const PEER_TYP = 'rtc-peer+jwt';
/** Default peer token lifetime (RTC_PEER_TOKEN_TTL): clients refresh it during the call. */
export const PEER_TOKEN_TTL_S = 60 * 60;
/**
 * Lifetime of a pre-warmed join's token, and so of its parked socket (the pre-join view was left
 * open without joining): the page pre-warms again if it is still there.
 */
export const PREWARM_TTL_S = 10 * 60;
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
  /** The `wait` claim: `true` knocks, `false` walks in, absent = the server's waiting-room setting. */
  wait?: boolean;
  /** The `p2p-only` claim: `true` keeps the room peer to peer. */
  p2pOnly?: boolean;
}

/**
 * Sign a room token the way a site's backend would (HS256 JWT with claims
 * `room`, `sub`, `name`, `role`, `exp`). Used by `rtc-call-server token` and tests.
 */
export async function signRoomToken(options: SignRoomTokenOptions): Promise<string> {
  const { secret, room, name, role = 'guest', sub, ttl = 3600, wait, p2pOnly } = options;
  if (!secret) throw new Error('signRoomToken: secret is required (RTC_ROOM_SECRET)');
  if (!room) throw new Error('signRoomToken: room is required');
  if (role !== 'host' && role !== 'guest') throw new Error(`signRoomToken: role must be host or guest, not ${String(role)}`);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ room, role, ...(name !== undefined ? { name } : {}), ...(wait !== undefined ? { wait } : {}), ...(p2pOnly !== undefined ? { 'p2p-only': p2pOnly } : {}) })
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
  const { room, name, role = 'guest', sub, wait, 'p2p-only': p2pOnly } = payload as Record<string, unknown>;
  if (typeof room !== 'string') throw unauthorized('room token claim "room" must be a string');
  if (name !== undefined && typeof name !== 'string') throw unauthorized('room token claim "name" must be a string');
  if (role !== 'host' && role !== 'guest') throw unauthorized('room token claim "role" must be "host" or "guest"');
  if (sub !== undefined && typeof sub !== 'string') throw unauthorized('room token claim "sub" must be a string');
  if (wait !== undefined && typeof wait !== 'boolean') throw unauthorized('room token claim "wait" must be true or false');
  if (p2pOnly !== undefined && typeof p2pOnly !== 'boolean') throw unauthorized('room token claim "p2p-only" must be true or false');
  return {
    room, name, role, sub, exp: payload.exp as number,
    ...(typeof payload.iat === 'number' ? { iat: payload.iat } : {}),
    ...(typeof wait === 'boolean' ? { wait } : {}),
    ...(typeof p2pOnly === 'boolean' ? { p2pOnly } : {}),
  };
}

/**
 * Refuses (`unauthorized`) a room token that lives longer (exp − iat, or exp − now) than the
 * operator allows (RTC_MAX_TOKEN_TTL), however it was signed: a leaked long-lived token would
 * otherwise be a standing key. Returns the claims for chaining.
 */
export function checkRoomTokenLifetime(claims: RoomTokenClaims, maxTokenTtl: number): RoomTokenClaims {
  const lifetime = claims.exp - (claims.iat ?? Math.floor(Date.now() / 1000));
  if (lifetime > maxTokenTtl + CLOCK_TOLERANCE_S) {
    throw unauthorized(`the room token lives ${lifetime} s, longer than this server allows (RTC_MAX_TOKEN_TTL=${maxTokenTtl})`);
  }
  return claims;
}

/**
 * A peer id bound to the client's rejoin key: 8 hex of `nonce`, then 16 hex of
 * SHA-256(room, nonce, rejoin key). Whoever holds the rejoin key (only its tab) can show that an id
 * is theirs without the server keeping anything: after a restart that lost its state, a re-join
 * that names its old id keeps it. Without a rejoin key ids are random.
 */
export function peerIdFor(room: string, rejoinKey: string, nonce: string = randomBytes(4).toString('hex')): string {
  return nonce + createHash('sha256').update(`rtc-call peer id\0${room}\0${nonce}\0${rejoinKey}`).digest('hex').slice(0, 16);
}

/** Whether `peerId` was made by {@link peerIdFor} from this room and rejoin key. */
export function isPeerIdOf(peerId: string, room: string, rejoinKey: string): boolean {
  if (!/^[0-9a-f]{24}$/.test(peerId)) return false;
  const expected = Buffer.from(peerIdFor(room, rejoinKey, peerId.slice(0, 8)));
  return timingSafeEqual(expected, Buffer.from(peerId));
}

/** Hash of a client's rejoin key as stored in peer tokens and the roster. */
export function hashRejoinKey(rejoinKey: string): string {
  return createHash('sha256').update(rejoinKey).digest('base64url').slice(0, 22);
}

// Peer tokens are our own: issued and read only by this server (or its siblings with the same
// secret). They are standard HS256 JWTs, signed and checked here with node:crypto's synchronous
// HMAC rather than jose: jose 6 signs through WebCrypto, whose HMAC runs as a thread-pool job per
// token — a promise round trip and an allocation on another thread for every join, which
// bench:server showed as the largest share of the join's CPU and of the memory that grows once.
// The check is stricter than a general JWT verifier: the header must be exactly this one.
const PEER_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: PEER_TYP })).toString('base64url');
const hmacKeys = new Map<string, Buffer>();
function peerMac(secret: string, signingInput: string): Buffer {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = Buffer.from(secret, 'utf8');
    if (hmacKeys.size > 16) hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return createHmac('sha256', key).update(signingInput).digest();
}

export function signPeerToken(
  claims: Omit<PeerTokenClaims, 'exp'>,
  secret: string,
  ttl = PEER_TOKEN_TTL_S,
): { token: string; exp: number } {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttl;
  const body: Record<string, unknown> = { pid: claims.pid, room: claims.room, name: claims.name, role: claims.role };
  if (claims.sub !== undefined) body.sub = claims.sub;
  if (claims.rk !== undefined) body.rk = claims.rk;
  if (claims.w) body.w = true;
  if (claims.pw) body.pw = true;
  body.iat = now;
  body.exp = exp;
  const input = `${PEER_HEADER}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  return { token: `${input}.${peerMac(secret, input).toString('base64url')}`, exp };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Verify a peer token; throws `unauthorized` (401). */
export function verifyPeerToken(token: string, secret: string): PeerTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => B64URL.test(part))) throw unauthorized('peer token malformed');
  const [head, body, sig] = parts as [string, string, string];
  if (head !== PEER_HEADER) {
    let typ: unknown;
    try {
      typ = (JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { typ?: unknown }).typ;
    } catch {
      throw unauthorized('peer token malformed');
    }
    throw unauthorized(typ === PEER_TYP ? 'peer token algorithm not allowed' : 'peer token claim invalid (typ)');
  }
  const expected = peerMac(secret, `${head}.${body}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('peer token signature invalid');
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw unauthorized('peer token malformed');
  }
  if (typeof p !== 'object' || p === null) throw unauthorized('peer token malformed');
  if (typeof p.exp !== 'number' || !Number.isFinite(p.exp)) throw unauthorized('peer token claim invalid (exp)');
  if (p.exp <= Date.now() / 1000 - CLOCK_TOLERANCE_S) throw unauthorized('peer token expired');
  if (typeof p.pid !== 'string' || typeof p.room !== 'string' || typeof p.name !== 'string' ||
      (p.role !== 'host' && p.role !== 'guest') ||
      (p.sub !== undefined && typeof p.sub !== 'string') || (p.rk !== undefined && typeof p.rk !== 'string') ||
      (p.w !== undefined && p.w !== true) || (p.pw !== undefined && p.pw !== true)) {
    throw unauthorized('peer token claims malformed');
  }
  return {
    pid: p.pid, room: p.room, name: p.name, role: p.role,
    ...(p.sub !== undefined ? { sub: p.sub as string } : {}),
    ...(p.rk !== undefined ? { rk: p.rk as string } : {}),
    ...(p.w === true ? { w: true as const } : {}),
    ...(p.pw === true ? { pw: true as const } : {}),
    exp: p.exp,
  };
}
