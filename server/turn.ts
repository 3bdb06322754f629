import { createHmac } from 'node:crypto';

/** One entry of RTCConfiguration.iceServers. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * TURN REST API credentials as coturn's `use-auth-secret` expects:
 * username `"<unix expiry>:<peerId>"`, credential `base64(HMAC-SHA1(secret, username))`.
 */
export function turnCredentials(
  secret: string,
  peerId: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): { username: string; credential: string; expires: number } {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expires}:${peerId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expires };
}

/** ICE servers for one joining peer: the STUN entry (if any) then the TURN entry (if any). Never a public default. */
export function iceServersFor(
  peerId: string,
  opts: { stunUrls: string[]; turnUrls: string[]; turnSecret?: string; turnTtl: number },
): IceServer[] {
  const servers: IceServer[] = [];
  if (opts.stunUrls.length) servers.push({ urls: opts.stunUrls });
  if (opts.turnUrls.length && opts.turnSecret) {
    const { username, credential } = turnCredentials(opts.turnSecret, peerId, opts.turnTtl);
    servers.push({ urls: opts.turnUrls, username, credential });
  }
  return servers;
}
