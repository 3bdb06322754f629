/**
 * Talks to the rtc-call server's HTTP API: join a room (→ peer id, signed peer token, ICE servers,
 * members, signaling options). Everything after the join arrives as room events on the socket.
 */
import { defaultServer } from './default-server.js';
import { isServerErrorCode } from '../protocol/errors.js';
import { isPublicMember, type JoinResponse, type PrewarmResponse, type PublicMember } from '../protocol/join.js';
import type { PrecallResponse } from '../protocol/precall.js';
import { RtcError, RtcErrorCode, isRtcErrorCode } from './errors.js';
import { JOIN_TIMEOUT_MS } from './session/timeouts.js';

/** A member of the room as the server knows them. */
export type RoomMember = PublicMember;
export type { JoinResponse, PrewarmResponse };

/** What the element sends to join (the protocol's JoinRequest, plus cancellation). */
export interface JoinRequest {
  displayName: string;
  token?: string;
  /** Kept per tab so a reload replaces our old membership instead of counting twice. */
  rejoinKey?: string;
  /** Keep this participant id (a re-join after the server refused our peer token). */
  peerId?: string;
  /** The peer token of this tab's pre-warmed join: the join takes its id and its parked socket. */
  prewarmToken?: string;
  signal?: AbortSignal;
}

/** What the server says of a peer token: `refused` = 401 (unknown secret, expired, left). */
export type PeerTokenVerdict = 'valid' | 'refused' | 'unreachable';

/** The rtc-call server's HTTP API, for what needs no room: the pre-call check's credentials. */
export class ServerClient {
  readonly baseUrl: string;

  /**
   * @param server Base URL of the rtc-call server, e.g. `https://calls.example.org` or `/calls`;
   * `''` = the default server. Throws a `TypeError` for a string that is no URL.
   */
  constructor(server: string) {
    const base = new URL(server || defaultServer(), location.href);
    this.baseUrl = base.href.replace(/\/+$/, '');
  }

  /**
   * POST /api/precall: STUN/TURN servers with relay credentials for a pre-call check (2 minutes).
   * `token` is a room token of any room (needed when the server has RTC_ROOM_SECRET). Rejects with
   * an RtcError carrying the server's code (`origin-not-allowed`, `unauthorized`, `rate-limited`, …).
   */
  async precall(token?: string, signal?: AbortSignal): Promise<PrecallResponse> {
    const data = await this.request<PrecallResponse>('POST', '/api/precall', { body: JSON.stringify(token ? { token } : {}), signal });
    if (!data || !Array.isArray(data.iceServers)) throw this.notOurs('answered the pre-call check with JSON that is not an rtc-call answer');
    return data;
  }

  protected async request<T>(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  ): Promise<T> {
    const timeout = AbortSignal.timeout(JOIN_TIMEOUT_MS);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
        body: init.body,
        signal,
        credentials: 'omit',
        mode: 'cors',
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      throw new RtcError(
        RtcErrorCode.SignalingUnreachable,
        `The call server at ${this.baseUrl} cannot be reached${timeout.aborted ? ` (no answer in ${JOIN_TIMEOUT_MS / 1000} s)` : ''}.`,
        { cause: error, fatal: true },
      );
    }
    let data: unknown;
    try {
      data = await res.json();
    } catch (error) {
      // Aborted while the answer was still arriving: by the page, or by our deadline.
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      if (timeout.aborted) {
        throw new RtcError(RtcErrorCode.SignalingUnreachable, `The call server at ${this.baseUrl} did not finish its answer within ${JOIN_TIMEOUT_MS / 1000} s.`, { cause: error, fatal: true });
      }
      // A gateway's error page: the server behind it is down. Anything else without JSON (an app's
      // index.html, a static host's 404 or 405) is some other web server.
      if (res.status >= 502 && res.status <= 504) {
        throw new RtcError(RtcErrorCode.SignalingUnreachable, `The call server at ${this.baseUrl} is not answering (${res.status} from its proxy).`, { cause: error, fatal: true });
      }
      throw this.notOurs(`answered ${method} ${path} with ${res.status} ${res.headers.get('content-type') ?? 'and no content type'}`, error);
    }
    const err = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (!res.ok) {
      // Every answer of ours that is not 2xx is { error: { code, message } } with a server code.
      if (!isServerErrorCode(err?.code)) throw this.notOurs(`answered ${res.status} with JSON that is not an rtc-call error`);
      const message = typeof err.message === 'string' ? err.message : `The call server answered ${res.status}.`;
      throw new RtcError(isRtcErrorCode(err.code) ? err.code : RtcErrorCode.Internal, message, { fatal: true });
    }
    return data as T;
  }

  /** `not-an-rtc-call-server`, also on the console: the fix is in the page's markup, for its developer. */
  protected notOurs(what: string, cause?: unknown): RtcError {
    const message = `${this.baseUrl} is not an rtc-call server: it ${what}. Set the element's \`server\` attribute to your rtc-call server's URL, e.g. <rtc-call server="https://calls.example.org">.`;
    console.error(`rtc-call: ${message}`);
    return new RtcError(RtcErrorCode.NotAnRtcCallServer, message, { cause, fatal: true });
  }
}

export class RoomClient extends ServerClient {
  readonly room: string;

  /** @param server Base URL of the rtc-call server, e.g. `https://calls.example.org` or `/calls`. */
  constructor(server: string, room: string) {
    super(server);
    this.room = room;
  }

  /** Where the PeerJS websocket lives, as PeerJS's `host`/`port`/`secure` options. */
  get signalingHost(): { host: string; port: number; secure: boolean } {
    const url = new URL(this.baseUrl);
    const secure = url.protocol === 'https:';
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (secure ? 443 : 80), secure };
  }

  /** POST /api/rooms/:room/join. Rejects with an RtcError carrying the server's code. */
  async join(request: JoinRequest): Promise<JoinResponse> {
    const body = JSON.stringify({
      displayName: request.displayName,
      ...(request.token ? { token: request.token } : {}),
      ...(request.rejoinKey ? { rejoinKey: request.rejoinKey } : {}),
      ...(request.peerId ? { peerId: request.peerId } : {}),
      ...(request.prewarmToken ? { prewarmToken: request.prewarmToken } : {}),
    });
    const data = await this.request<JoinResponse>('POST', `/api/rooms/${encodeURIComponent(this.room)}/join`, {
      body,
      signal: request.signal,
    });
    if (!data || typeof data.peerId !== 'string' || typeof data.peerToken !== 'string' || !data.signaling) {
      throw this.notOurs('answered the join with JSON that is not an rtc-call join answer');
    }
    data.members = Array.isArray(data.members) ? data.members.filter(isPublicMember) : [];
    data.iceServers = Array.isArray(data.iceServers) ? data.iceServers : [];
    return data;
  }

  /**
   * POST /api/rooms/:room/join with `prewarm: true`: checked like a join, it seats no one and
   * tells nothing of the room; its token opens a parked signaling socket. Rejects like `join`.
   */
  async prewarm(request: Omit<JoinRequest, 'peerId' | 'prewarmToken'>): Promise<PrewarmResponse> {
    const body = JSON.stringify({
      displayName: request.displayName,
      prewarm: true,
      ...(request.token ? { token: request.token } : {}),
      ...(request.rejoinKey ? { rejoinKey: request.rejoinKey } : {}),
    });
    const data = await this.request<PrewarmResponse>('POST', `/api/rooms/${encodeURIComponent(this.room)}/join`, { body, signal: request.signal });
    // A server from before pre-warmed joins seats us instead (the seat goes when no socket opens for it).
    if (data && (data as unknown as JoinResponse).members !== undefined && data.prewarm !== true) {
      throw new RtcError(RtcErrorCode.NotSupported, 'This call server does not know pre-warmed joins.');
    }
    if (!data || data.prewarm !== true || typeof data.peerId !== 'string' || typeof data.peerToken !== 'string' || !data.signaling) {
      throw this.notOurs('answered a pre-warmed join with JSON that is not an rtc-call answer');
    }
    return data;
  }

  /**
   * Whether the server still accepts `peerToken` (GET /api/rooms/:room/members with it): asked when
   * the signaling socket keeps failing to reopen, which a browser cannot tell apart from a server
   * that is down.
   */
  async checkPeerToken(peerToken: string, signal?: AbortSignal): Promise<PeerTokenVerdict> {
    try {
      await this.request('GET', `/api/rooms/${encodeURIComponent(this.room)}/members`, { headers: { authorization: `Bearer ${peerToken}` }, signal });
      return 'valid';
    } catch (error) {
      if (error instanceof RtcError && (error.code === RtcErrorCode.Unauthorized || error.code === RtcErrorCode.WrongRoom)) return 'refused';
      if (signal?.aborted) throw error;
      return 'unreachable';
    }
  }
}
