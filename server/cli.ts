#!/usr/bin/env node
/**
 * rtc-call-server [--port 8080] [--host 127.0.0.1] [--allowed-origins …] …   serve
 * rtc-call-server token --room R [--name N] [--role host|guest] [--ttl 3600] [--sub S]   print a room token
 *
 * Every flag has an environment variable of the same meaning (README, Server); flags win.
 * Logs go to stderr; stdout carries only the listening line or the token.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { checkDisplayName, isValidRoom } from 'rtc-call/protocol';
import { isLoopbackHost, MIN_SECRET_BYTES, serverVersion } from './config.js';
import { createRtcServer, optionsFromEnv, signRoomToken, startupWarnings } from './index.js';

const SERVE_USAGE = `usage: rtc-call-server [serve] [options]     run the signaling server
  --port N  --host H  --base-path /p  --allowed-origins a,b|*  --public-url URL
  --frame-ancestors SOURCES  --room-secret S  --peer-secret S  --metrics-token T  --waiting-room off|guests
  --deny-cooldown s  --admin-token T  --webhook-url URL  --webhook-secret S  --turn-urls u,…  --turn-secret S
  --turn-ttl s  --peer-token-ttl s  --max-token-ttl s  --stun-urls u,…  --ice-transport-policy all|relay  --max-participants N
  --janus-urls u,…  --mesh-max N  --p2p-only rooms,prefix*,…
  --leave-grace-ms N  --pending-join-ms N  --join-rate-limit N  --precall-rate-limit N  --trust-proxy  --concurrent-limit N
  --bundle-file F  --demo-dir D  --data-dir D (default ./.rtc-call; '' = in memory)
  --redis-url redis://host:6379   cluster mode: nodes share rooms through Redis (needs --peer-secret)
  --demo-tokens    the bundled demo's token endpoint (loopback HOST only; npm start turns it on)
Environment (flags win): PORT HOST RTC_BASE_PATH RTC_ALLOWED_ORIGINS RTC_PUBLIC_URL RTC_FRAME_ANCESTORS
  RTC_ROOM_SECRET RTC_PEER_SECRET RTC_METRICS_TOKEN RTC_WAITING_ROOM RTC_DENY_COOLDOWN RTC_ADMIN_TOKEN
  RTC_WEBHOOK_URL RTC_WEBHOOK_SECRET RTC_DEMO_TOKENS RTC_TURN_URLS RTC_TURN_SECRET RTC_TURN_TTL RTC_PEER_TOKEN_TTL RTC_MAX_TOKEN_TTL RTC_STUN_URLS
  RTC_ICE_TRANSPORT_POLICY RTC_MAX_PARTICIPANTS RTC_JANUS_URLS RTC_MESH_MAX RTC_P2P_ONLY RTC_LEAVE_GRACE_MS RTC_PENDING_JOIN_MS
  RTC_JOIN_RATE_LIMIT RTC_PRECALL_RATE_LIMIT RTC_TRUST_PROXY RTC_CONCURRENT_LIMIT RTC_BUNDLE_FILE RTC_DEMO_DIR RTC_DATA_DIR RTC_REDIS_URL`;

const TOKEN_USAGE = `usage: rtc-call-server token --room R [options]     print a room token (HS256 JWT) on stdout
  --room R             the room it admits to (1–64 of A–Z a–z 0–9 _ -, as the server requires)
  --name N             the display name the server will use (optional)
  --role host|guest    default guest
  --ttl SECONDS        lifetime, default 3600
  --sub S              the person's stable id (default: a random UUID); one seat per sub
  --wait true|false    knock and wait (true) or walk in (false) whatever RTC_WAITING_ROOM says
  --p2p-only true|false  keep the room peer to peer (end to end), never through the SFU
  --room-secret S      default $RTC_ROOM_SECRET; at least ${MIN_SECRET_BYTES} bytes recommended`;

const USAGE = `usage:
  rtc-call-server [serve] [options]   run the signaling server   (rtc-call-server serve --help)
  rtc-call-server token --room R …    print a room token         (rtc-call-server token --help)
  rtc-call-server --version           print the version
  rtc-call-server --help              print this help`;

function fail(message: string, usage = USAGE): never {
  process.stderr.write(`rtc-call-server: ${message}\n${usage}\n`);
  process.exit(2);
}

const wantsHelp = (argv: string[]) => argv.includes('--help') || argv.includes('-h');

async function token(argv: string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        room: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
        ttl: { type: 'string' }, sub: { type: 'string' }, 'room-secret': { type: 'string' }, wait: { type: 'string' }, 'p2p-only': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`token: ${(err as Error).message}`, TOKEN_USAGE);
  }
  const secret = values['room-secret'] ?? process.env.RTC_ROOM_SECRET;
  if (!secret) fail('token: RTC_ROOM_SECRET (or --room-secret) is required', TOKEN_USAGE);
  if (!values.room) fail('token: --room is required', TOKEN_USAGE);
  // The server would refuse the join with invalid-room: refuse the token instead.
  if (!isValidRoom(values.room)) fail(`token: --room "${values.room}" is not a room name the server accepts (1–64 of A–Z a–z 0–9 _ -)`, TOKEN_USAGE);
  const role = values.role ?? 'guest';
  if (role !== 'host' && role !== 'guest') fail('token: --role must be host or guest', TOKEN_USAGE);
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) fail('token: --ttl must be a positive number of seconds', TOKEN_USAGE);
  if (values.name !== undefined) {
    const named = checkDisplayName(values.name);
    if (!named.ok) fail(`token: --name: ${named.message}`, TOKEN_USAGE);
  }
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    process.stderr.write(`rtc-call-server: warning: the room secret is ${Buffer.byteLength(secret)} bytes; use at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 32) — a short HS256 secret can be guessed offline from any token\n`);
  }
  if (values.wait !== undefined && values.wait !== 'true' && values.wait !== 'false') fail('token: --wait must be true or false', TOKEN_USAGE);
  const wait = values.wait === undefined ? undefined : values.wait === 'true';
  const p2p = values['p2p-only'];
  if (p2p !== undefined && p2p !== 'true' && p2p !== 'false') fail('token: --p2p-only must be true or false', TOKEN_USAGE);
  const p2pOnly = p2p === undefined ? undefined : p2p === 'true';
  const sub = values.sub ?? randomUUID();
  process.stderr.write(`rtc-call-server: token for room=${values.room} role=${role} sub=${sub} ttl=${ttl}s\n`);
  const jwt = await signRoomToken({ secret, room: values.room, name: values.name, role, sub, ttl, wait, p2pOnly });
  process.stdout.write(`${jwt}\n`);
}

async function serve(argv: string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }
  let settings;
  try {
    settings = optionsFromEnv(process.env, argv);
  } catch (err) {
    fail((err as Error).message, SERVE_USAGE);
  }
  const { port, host, options } = settings;
  if (options.demoTokens && !isLoopbackHost(host)) {
    fail(`--demo-tokens / RTC_DEMO_TOKENS hand a host token to anyone: only with a loopback HOST, not ${host}`);
  }
  let rtc;
  try {
    rtc = createRtcServer(options);
  } catch (err) {
    fail((err as Error).message);
  }
  for (const w of startupWarnings(host, options)) process.stderr.write(`${w}\n`);
  try {
    await rtc.ready;
  } catch (err) {
    await rtc.close().catch(() => {});
    process.stderr.write(`rtc-call-server: ${(err as Error).message}\n`);
    process.exit(1);
  }
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
if (first === '--version' || first === '-v' || first === 'version') {
  process.stdout.write(`${serverVersion()}\n`);
} else if (first === '--help' || first === '-h' || first === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else if (first === 'token') {
  token(rest).catch((err: Error) => fail(err.message, TOKEN_USAGE));
} else if (first === 'serve') {
  serve(rest).catch((err: Error) => fail(err.message, SERVE_USAGE));
} else {
  serve(process.argv.slice(2)).catch((err: Error) => fail(err.message, SERVE_USAGE));
}
