import type http from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Allowed page origins: a list (the server's own origin is always added), `'*'`, or undefined (own origin + localhost). */
export type AllowedOrigins = string[] | '*' | undefined;

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const LOOPBACK_HOSTNAME = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** Canonical `scheme://host[:port]` of an origin string, or null if it is not a http(s) origin. */
export function normalizeOrigin(origin: string): string | null {
  return memo(originCache, origin, parseOrigin);
}

// Every request and upgrade asks the same few questions about the same few strings (its Host, its
// Origin): parsing them with URL each time was a visible share of a join's CPU (bench:server).
// Bounded, because the strings come from clients.
const originCache = new Map<string, string | null>();
const hostnameCache = new Map<string, string | null>();
const MEMO_MAX = 512;
function memo(cache: Map<string, string | null>, key: string, compute: (key: string) => string | null): string | null {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute(key);
    if (cache.size >= MEMO_MAX) cache.clear();
    cache.set(key, value);
  }
  return value;
}

function parseOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Validate and canonicalise configured origins; throws on an entry that is not an origin. */
export function parseAllowedOrigins(value: string[] | '*' | undefined): AllowedOrigins {
  if (value === undefined || value === '*') return value;
  return value.map((entry) => {
    const trimmed = entry.trim();
    if (trimmed === '*') throw new Error('allowed origins: use "*" alone, not inside a list');
    const o = normalizeOrigin(trimmed);
    if (!o || o === 'null') throw new Error(`allowed origins: "${entry}" is not an origin like https://example.org`);
    return o;
  });
}

/** `RTC_PUBLIC_URL` → its origin; throws on anything but an http(s) URL. */
export function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const o = normalizeOrigin(value.trim());
  if (!o || o === 'null') throw new Error(`public URL "${value}" must be an http(s) URL like https://calls.example.org`);
  return o;
}

/**
 * The value the trusted proxy set: the LAST entry of a comma-separated forwarding header (a proxy
 * appends its own hop; whatever a client sent comes before it). One rule for host, proto and
 * client IP, so they always describe the same hop.
 */
function lastHop(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  const parts = s?.split(',');
  return parts?.[parts.length - 1]?.trim() || undefined;
}

/** What a request says about where it came from, read the same way for HTTP and websockets. */
export interface RequestSite {
  /** `https` or `http`: the proxy's `X-Forwarded-Proto` (trusted) or the socket's own. */
  proto: string;
  /** Host header value (`host[:port]`), from `X-Forwarded-Host` when trusted; undefined when missing. */
  host: string | undefined;
  /** Client address: the proxy's last `X-Forwarded-For` entry (trusted) or the socket peer. */
  ip: string;
}

/** Read proto, host and client IP; forwarded headers only when `trustProxy` (one proxy hop). */
export function siteOf(req: http.IncomingMessage, trustProxy: boolean): RequestSite {
  const encrypted = Boolean((req.socket as TLSSocket).encrypted);
  let proto = encrypted ? 'https' : 'http';
  let host = typeof req.headers.host === 'string' ? req.headers.host : undefined;
  let ip = req.socket.remoteAddress ?? '?';
  if (trustProxy) {
    const p = lastHop(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (p === 'http' || p === 'https') proto = p;
    host = lastHop(req.headers['x-forwarded-host']) ?? host;
    ip = lastHop(req.headers['x-forwarded-for']) ?? ip;
  }
  return { proto, host, ip };
}

/** Hostname part of a Host header value (lower case, brackets kept for IPv6), or null if malformed. */
function hostnameOf(host: string): string | null {
  return memo(hostnameCache, host, parseHostname);
}

function parseHostname(host: string): string | null {
  if (/[\s/\\@?#]/.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** True when a Host header names this machine's loopback (localhost, 127.x.x.x, [::1]). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = hostnameOf(host);
  return name !== null && LOOPBACK_HOSTNAME.test(name);
}

/**
 * Which Host names this server answers to. A loopback name always (a page can only make a browser
 * send `Host: 127.0.0.1` from 127.0.0.1 itself, so DNS rebinding cannot use it); otherwise only the
 * host of `RTC_PUBLIC_URL`. Any other Host is a DNS-rebinding page or a misconfigured proxy.
 */
export function isHostAllowed(site: RequestSite, publicOrigin: string | undefined): boolean {
  if (isLoopbackHost(site.host)) return true;
  if (!publicOrigin || !site.host) return false;
  return normalizeOrigin(`${new URL(publicOrigin).protocol}//${site.host}`) === publicOrigin;
}

/** The server's own origins for this request: `RTC_PUBLIC_URL`, and the loopback origin it is reached on. */
export function ownOriginsOf(site: RequestSite, publicOrigin: string | undefined): string[] {
  const own: string[] = [];
  if (publicOrigin) own.push(publicOrigin);
  if (site.host && isLoopbackHost(site.host)) {
    const o = normalizeOrigin(`${site.proto}://${site.host}`);
    if (o) own.push(o);
  }
  return own;
}

/**
 * Is a request with this `Origin` header allowed? A missing Origin (non-browser client) is
 * allowed here; callers that must refuse it do so themselves.
 */
export function isOriginAllowed(origin: string | undefined, ownOrigins: string[], allowed: AllowedOrigins): boolean {
  if (origin === undefined) return true;
  if (allowed === '*') return true;
  const o = normalizeOrigin(origin);
  if (!o || o === 'null') return false;
  if (ownOrigins.includes(o)) return true;
  if (allowed === undefined) return LOCAL_HOSTNAMES.has(new URL(o).hostname);
  return allowed.includes(o);
}
