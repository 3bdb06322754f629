#!/usr/bin/env node
/**
 * rtc-call-server [--port 8080] [--host 127.0.0.1] [--allowed-origins …] …   serve
 * rtc-call-server token --room R [--name N] [--role host|guest] [--ttl 3600] [--sub S]   print a room token
 *
 * Every flag has an environment variable of the same meaning (docs/server.md); flags win.
 * Logs go to stderr; stdout carries only the listening line or the token.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createRtcServer, optionsFromEnv, signRoomToken, startupWarnings } from './index.js';

const USAGE = `usage:
  rtc-call-server [--port N] [--host H] [--base-path /p] [--allowed-origins a,b|*] [--public-url URL]
                  [--frame-ancestors SOURCES] [--room-secret S]
                  [--peer-secret S] [--turn-urls u,…] [--turn-secret S] [--turn-ttl s] [--stun-urls u,…]
                  [--ice-transport-policy all|relay] [--max-participants N] [--leave-grace-ms N]
                  [--pending-join-ms N] [--join-rate-limit N] [--trust-proxy] [--concurrent-limit N]
                  [--bundle-file F] [--demo-dir D]
  rtc-call-server token --room R [--name N] [--role host|guest] [--ttl SECONDS] [--sub S] [--room-secret S]
Environment: PORT HOST RTC_BASE_PATH RTC_ALLOWED_ORIGINS RTC_PUBLIC_URL RTC_FRAME_ANCESTORS RTC_ROOM_SECRET RTC_PEER_SECRET RTC_TURN_URLS
  RTC_TURN_SECRET RTC_TURN_TTL RTC_STUN_URLS RTC_ICE_TRANSPORT_POLICY RTC_MAX_PARTICIPANTS RTC_LEAVE_GRACE_MS
  RTC_PENDING_JOIN_MS RTC_JOIN_RATE_LIMIT RTC_TRUST_PROXY RTC_CONCURRENT_LIMIT RTC_BUNDLE_FILE RTC_DEMO_DIR`;

function fail(message: string): never {
  process.stderr.write(`rtc-call-server: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      room: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
      ttl: { type: 'string' }, sub: { type: 'string' }, 'room-secret': { type: 'string' },
    },
    strict: true,
  });
  const secret = values['room-secret'] ?? process.env.RTC_ROOM_SECRET;
  if (!secret) fail('token: RTC_ROOM_SECRET (or --room-secret) is required');
  if (!values.room) fail('token: --room is required');
  const role = values.role ?? 'guest';
  if (role !== 'host' && role !== 'guest') fail('token: --role must be host or guest');
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail('token: --ttl must be a positive number of seconds');
  const sub = values.sub ?? randomUUID();
  process.stderr.write(`rtc-call-server: token for room=${values.room} role=${role} sub=${sub} ttl=${ttl}s\n`);
  const jwt = await signRoomToken({ secret, room: values.room, name: values.name, role, sub, ttl });
  process.stdout.write(`${jwt}\n`);
}

async function serve(argv: string[]): Promise<void> {
  let settings;
  try {
    settings = optionsFromEnv(process.env, argv);
  } catch (err) {
    fail((err as Error).message);
  }
  const { port, host, options } = settings;
  let rtc;
  try {
    rtc = createRtcServer(options);
  } catch (err) {
    fail((err as Error).message);
  }
  for (const w of startupWarnings(host, options)) process.stderr.write(`${w}\n`);
  rtc.server.on('error', (err) => {
    process.stderr.write(`rtc-call-server: ${err.message}\n`);
    process.exit(1);
  });
  rtc.server.listen(port, host, () => {
    const addr = rtc.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(`rtc-call listening on http://${shownHost}:${actualPort}/\n`);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`rtc-call-server: ${signal}, closing\n`);
    const hard = setTimeout(() => process.exit(0), 5000);
    hard.unref();
    rtc.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--help' || first === '-h' || first === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else if (first === 'token') {
  token(rest).catch((err: Error) => fail(err.message));
} else {
  serve(process.argv.slice(2)).catch((err: Error) => fail(err.message));
}
