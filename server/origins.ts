import type http from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Allowed page origins: a list (the server's own origin is always added), `'*'`, or undefined (own origin + localhost). */
export type AllowedOrigins = string[] | '*' | undefined;

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Canonical `scheme://host[:port]` of an origin string, or null if it is not a http(s) origin. */
export function normalizeOrigin(origin: string): string | null {
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

function firstHeader(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/** The server's own origin as the client addressed it (forwarded headers only when trustProxy). */
export function ownOriginOf(req: http.IncomingMessage, trustProxy: boolean): string | null {
  const encrypted = Boolean((req.socket as TLSSocket).encrypted);
  let proto = encrypted ? 'https' : 'http';
  let host = req.headers.host;
  if (trustProxy) {
    proto = firstHeader(req.headers['x-forwarded-proto']) ?? proto;
    host = firstHeader(req.headers['x-forwarded-host']) ?? host;
  }
  if (!host) return null;
  return normalizeOrigin(`${proto}://${host}`);
}

/**
 * Is a request with this `Origin` header allowed? A missing Origin (non-browser client) is
 * allowed here; callers that must refuse it do so themselves.
 */
export function isOriginAllowed(origin: string | undefined, ownOrigin: string | null, allowed: AllowedOrigins): boolean {
  if (origin === undefined) return true;
  if (allowed === '*') return true;
  const o = normalizeOrigin(origin);
  if (!o || o === 'null') return false;
  if (ownOrigin && o === ownOrigin) return true;
  if (allowed === undefined) return LOCAL_HOSTNAMES.has(new URL(o).hostname);
  return allowed.includes(o);
}
