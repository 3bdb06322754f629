/**
 * Prometheus metrics (prom-client), one registry per server so several servers in one process
 * (tests, a site that mounts two) never mix their counts. Served at `<base>/metrics` only when
 * `RTC_METRICS_TOKEN` is set, to `Authorization: Bearer <token>`.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Why the relay did not deliver a frame (`rtc_dropped_messages_total{reason}`). */
/** `waiting`: from or to someone waiting to be let in. */
export type DropReason = 'destination-not-reading' | 'queue-full' | 'queue-expired' | 'rate-limited' | 'waiting' | 'parked';

/** What the relay counts (server/signaling/relay.ts). */
export interface RelayCounters {
  relayed(bytes: number): void;
  dropped(reason: DropReason, bytes: number): void;
}

/** How a webhook delivery ended (`rtc_webhook_deliveries_total{result}`): the receiver answered 2xx; it never did (given up after the retries, or a status not worth retrying); or it was never sent (queue overflow, shutdown). */
export type WebhookResult = 'delivered' | 'failed' | 'dropped';

/** What the webhook sender counts (server/webhooks.ts). */
export interface WebhookCounters {
  webhook(result: WebhookResult): void;
}

export interface ServerMetrics extends RelayCounters, WebhookCounters {
  readonly registry: Registry;
  joined(): void;
  refused(code: string): void;
}

/** What the gauges read at each scrape (the server's `stats()`). */
export type Sizes = () => { rooms: number; participants: number; waiting: number; sockets: number };

export function createMetrics(sizes: Sizes): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'rtc_rooms', help: 'Rooms with at least one participant.', registers: [registry], collect() { this.set(sizes().rooms); } });
  new Gauge({ name: 'rtc_participants', help: 'Participants holding a seat (joined, connected or in their grace period).', registers: [registry], collect() { this.set(sizes().participants); } });
  new Gauge({ name: 'rtc_waiting', help: 'People waiting to be let in (waiting room, locked rooms).', registers: [registry], collect() { this.set(sizes().waiting); } });
  new Gauge({ name: 'rtc_signaling_sockets', help: 'Open signaling websockets.', registers: [registry], collect() { this.set(sizes().sockets); } });
  const joins = new Counter({ name: 'rtc_joins_total', help: 'Joins answered with a seat.', registers: [registry] });
  const refusals = new Counter({ name: 'rtc_refusals_total', help: 'Requests and websocket upgrades refused, by error code.', labelNames: ['code'], registers: [registry] });
  const relayedMessages = new Counter({ name: 'rtc_relayed_messages_total', help: 'Signaling frames relayed to a room-mate (sent, or queued for a socket not open yet).', registers: [registry] });
  const relayedBytes = new Counter({ name: 'rtc_relayed_bytes_total', help: 'Bytes of the frames in rtc_relayed_messages_total.', registers: [registry] });
  const droppedMessages = new Counter({ name: 'rtc_dropped_messages_total', help: 'Signaling frames not delivered, by reason.', labelNames: ['reason'], registers: [registry] });
  const droppedBytes = new Counter({ name: 'rtc_dropped_bytes_total', help: 'Bytes of the frames in rtc_dropped_messages_total.', labelNames: ['reason'], registers: [registry] });
  const webhooks = new Counter({ name: 'rtc_webhook_deliveries_total', help: 'Webhook events by outcome: delivered (2xx), failed (no 2xx after the retries), dropped (never sent: queue full or shutdown).', labelNames: ['result'], registers: [registry] });
  return {
    registry,
    joined: () => joins.inc(),
    refused: (code) => refusals.inc({ code }),
    relayed: (bytes) => {
      relayedMessages.inc();
      relayedBytes.inc(bytes);
    },
    dropped: (reason, bytes) => {
      droppedMessages.inc({ reason });
      droppedBytes.inc({ reason }, bytes);
    },
    webhook: (result) => webhooks.inc({ result }),
  };
}

/** Constant-time check of an `Authorization: Bearer …` header against a configured token (metrics, admin API). */
export function bearerAuthorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  // Hashes of equal length, so neither the token's length nor its bytes leak through timing.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}
