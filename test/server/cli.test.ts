import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join as joinPath } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRtcServer, findPackageRoot, optionsFromEnv, startupWarnings, verifyRoomToken } from '../../server/index.js';
import { connect, joinOk, request, spawnCli, start } from './helpers.js';

const root = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = joinPath(root, 'server', 'cli.ts');
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20000 });

describe('configuration', () => {
  test('environment variables, and flags winning over them', () => {
    const env = {
      PORT: '9000', HOST: '::1', RTC_ALLOWED_ORIGINS: 'https://a.example, https://b.example', RTC_ROOM_SECRET: 'rs',
      RTC_TURN_URLS: 'turn:t1:3478,turns:t2:5349', RTC_TURN_SECRET: 'ts', RTC_TURN_TTL: '600', RTC_STUN_URLS: 'stun:s:3478',
      RTC_ICE_TRANSPORT_POLICY: 'relay', RTC_MAX_PARTICIPANTS: '4', RTC_LEAVE_GRACE_MS: '1500', RTC_JOIN_RATE_LIMIT: '0',
      RTC_TRUST_PROXY: 'true', RTC_BASE_PATH: '/calls', RTC_PEER_SECRET: 'ps', RTC_CONCURRENT_LIMIT: '100', RTC_DEMO_DIR: '', RTC_DATA_DIR: '/var/lib/rtc-call',
    };
    const { port, host, options } = optionsFromEnv(env);
    assert.equal(port, 9000);
    assert.equal(host, '::1');
    assert.deepEqual(options, {
      basePath: '/calls', allowedOrigins: ['https://a.example', 'https://b.example'], roomSecret: 'rs', peerSecret: 'ps',
      turnUrls: ['turn:t1:3478', 'turns:t2:5349'], turnSecret: 'ts', turnTtl: 600, stunUrls: ['stun:s:3478'],
      iceTransportPolicy: 'relay', maxParticipants: 4, leaveGraceMs: 1500, joinRateLimit: 0, trustProxy: true, concurrentLimit: 100,
      dataDir: '/var/lib/rtc-call',
    });
    const flagged = optionsFromEnv(env, ['--port', '7000', '--max-participants=2', '--allowed-origins', '*', '--no-trust-proxy', '--host', '127.0.0.1']);
    assert.equal(flagged.port, 7000);
    assert.equal(flagged.host, '127.0.0.1');
    assert.equal(flagged.options.maxParticipants, 2);
    assert.equal(flagged.options.allowedOrigins, '*');
    assert.equal(flagged.options.trustProxy, false);
    const hardened = optionsFromEnv({ RTC_PUBLIC_URL: 'https://calls.example.org', RTC_FRAME_ANCESTORS: "'self' https://cms.example.org" }, ['--demo-dir', '']);
    assert.equal(hardened.options.publicUrl, 'https://calls.example.org');
    assert.equal(hardened.options.frameAncestors, "'self' https://cms.example.org");
    assert.equal(optionsFromEnv({}, ['--public-url', 'https://x.example', '--demo-dir', '']).options.publicUrl, 'https://x.example');
    const defaults = optionsFromEnv({}, ['--demo-dir', '']);
    assert.equal(defaults.port, 8080);
    assert.equal(defaults.host, '127.0.0.1');
    assert.deepEqual(defaults.options, { dataDir: joinPath(process.cwd(), '.rtc-call') }, 'the CLI keeps its state in ./.rtc-call');
    assert.deepEqual(optionsFromEnv({ RTC_DATA_DIR: '' }, ['--demo-dir', '']).options, {}, "RTC_DATA_DIR='' keeps it in memory");
    assert.equal(optionsFromEnv({ RTC_DATA_DIR: '/a' }, ['--data-dir', '/b', '--demo-dir', '']).options.dataDir, '/b');
  });

  test('bad values and unknown flags are errors that name the setting', () => {
    assert.throws(() => optionsFromEnv({ RTC_MAX_PARTICIPANTS: 'six' }), /RTC_MAX_PARTICIPANTS/);
    assert.throws(() => optionsFromEnv({ RTC_ICE_TRANSPORT_POLICY: 'none' }), /RTC_ICE_TRANSPORT_POLICY/);
    assert.throws(() => optionsFromEnv({ RTC_TRUST_PROXY: 'maybe' }), /RTC_TRUST_PROXY/);
    assert.throws(() => optionsFromEnv({}, ['--nope']), /nope/);
    assert.throws(() => createRtcServer({ allowedOrigins: ['not an origin'] }), /origin/);
    assert.throws(() => createRtcServer({ basePath: 'no-slash' }), /basePath/);
  });

  test('the package root is found from server/ (and a demo dir there is served by default)', () => {
    assert.equal(findPackageRoot(), root);
  });

  test('start-up warning when HOST is not loopback and no STUN/TURN is configured', () => {
    assert.equal(startupWarnings('127.0.0.1', {}).length, 0);
    assert.equal(startupWarnings('::1', {}).length, 0);
    assert.ok(startupWarnings('0.0.0.0', {}).some((w) => /STUN\/TURN/.test(w)));
    const withPublic = { publicUrl: 'https://calls.example.org' };
    assert.equal(startupWarnings('0.0.0.0', { ...withPublic, turnUrls: ['turn:x'] }).length, 0);
    assert.ok(startupWarnings('0.0.0.0', { turnUrls: ['turn:x'] }).some((w) => /RTC_PUBLIC_URL/.test(w)), 'a public HOST without RTC_PUBLIC_URL is warned about');
  });
});

describe('rtc-call.js', () => {
  test('served with a JavaScript type, validators and CORS *; 404 with a clear message when not built', async () => {
    const file = joinPath(root, 'test', 'server', 'fixtures', 'close-exits.ts');
    const s = await start({ bundleFile: file, basePath: '/calls' });
    const missing = await start({ bundleFile: joinPath(root, 'nope', 'rtc-call.js') });
    try {
      const r = await request(`${s.base}/calls/rtc-call.js`, { headers: { origin: 'https://elsewhere.example' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      const etag = r.headers.get('etag');
      assert.ok(etag && r.headers.get('last-modified'));
      // Plain http.get: fetch() adds Cache-Control: no-cache to conditional requests (fetch spec).
      const revalidated = await new Promise<number>((resolve, reject) => {
        http.get(`${s.base}/calls/rtc-call.js`, { headers: { 'if-none-match': etag } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
      });
      assert.equal(revalidated, 304);
      const m = await request(`${missing.base}/rtc-call.js`);
      assert.equal(m.status, 404);
      assert.equal(m.body.error.code, 'not-found');
      assert.match(m.body.error.message, /npm run build/);
    } finally {
      await Promise.all([s.close(), missing.close()]);
    }
  });
});

describe('shutdown', () => {
  test('close() ends sockets and timers: the process exits on its own', () => {
    const t0 = Date.now();
    const r = node([joinPath(root, 'test', 'server', 'fixtures', 'close-exits.ts')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /closed \d+/);
    assert.ok(Date.now() - t0 < 10000, `took ${Date.now() - t0} ms`);
    assert.ok(Number(/closed (\d+)/.exec(r.stdout)![1]) < 5000);
  });
});

describe('CLI', () => {
  test('token prints a JWT alone on the last stdout line that the server accepts', async () => {
    const r = node([cli, 'token', '--room', 'cli-room', '--name', 'Dr. Rivera', '--role', 'host', '--ttl', '3600', '--sub', 'doc-1'], { RTC_ROOM_SECRET: 'cli-secret' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const jwt = lines.at(-1)!;
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const s = await start({ roomSecret: 'cli-secret' });
    try {
      const j = await joinOk(s.base, 'cli-room', 'ignored', { token: jwt });
      assert.equal(j.role, 'host');
      assert.equal(j.displayName, 'Dr. Rivera');
    } finally {
      await s.close();
    }
    const noSecret = node([cli, 'token', '--room', 'x'], { RTC_ROOM_SECRET: '' });
    assert.notEqual(noSecret.status, 0);
    assert.match(noSecret.stderr, /RTC_ROOM_SECRET/);
  });

  test('--version, and --help on every command', () => {
    const version = node([cli, '--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(joinPath(root, 'server', 'package.json'), 'utf8')).version);
    const help = node([cli, '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /rtc-call-server token --room R/);
    const tokenHelp = node([cli, 'token', '--help'], { RTC_ROOM_SECRET: '' });
    assert.equal(tokenHelp.status, 0, tokenHelp.stderr);
    assert.match(tokenHelp.stdout, /--role host\|guest/);
    const serveHelp = node([cli, 'serve', '--help']);
    assert.equal(serveHelp.status, 0, serveHelp.stderr);
    assert.match(serveHelp.stdout, /--allowed-origins/);
    const unknown = node([cli, 'token', '--rom', 'x'], { RTC_ROOM_SECRET: 'x'.repeat(32) });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--rom'/);
  });

  test('token refuses what the server would refuse, and warns on a secret under 32 bytes', () => {
    const long = 'x'.repeat(32);
    for (const room of ['bad room', 'a'.repeat(65), 'visit/1', '']) {
      const r = node([cli, 'token', '--room', room], { RTC_ROOM_SECRET: long });
      assert.equal(r.status, 2, room);
      assert.equal(r.stdout, '', 'no token printed');
      assert.match(r.stderr, room ? /not a room name the server accepts/ : /--room is required/);
    }
    const badName = node([cli, 'token', '--room', 'ok', '--name', 'a\u200bb'], { RTC_ROOM_SECRET: long });
    assert.equal(badName.status, 2);
    assert.match(badName.stderr, /--name: displayName must not contain/);
    const short = node([cli, 'token', '--room', 'ok'], { RTC_ROOM_SECRET: 'short' });
    assert.equal(short.status, 0, short.stderr);
    assert.match(short.stderr, /warning: the room secret is 5 bytes; use at least 32/);
    const fine = node([cli, 'token', '--room', 'ok'], { RTC_ROOM_SECRET: long });
    assert.doesNotMatch(fine.stderr, /warning/);
    assert.ok(startupWarnings('127.0.0.1', { roomSecret: 'short', peerSecret: long }).some((w) => /RTC_ROOM_SECRET is 5 bytes/.test(w)));
    assert.equal(startupWarnings('127.0.0.1', { roomSecret: long, peerSecret: long }).length, 0);
  });

  test('a configuration the server refuses stops it at start: non-zero exit, a one-line reason, nothing listening', async () => {
    const base = { RTC_DATA_DIR: '', RTC_DEMO_DIR: '', RTC_ROOM_SECRET: '', RTC_WEBHOOK_URL: '', RTC_WEBHOOK_SECRET: '', PORT: '0' };
    for (const [env, reason] of [
      [{ RTC_WAITING_ROOM: 'guests' }, /^rtc-call-server: the waiting room \(RTC_WAITING_ROOM=guests\) needs room tokens \(RTC_ROOM_SECRET\)[^\n]*$/m],
      [{ RTC_WEBHOOK_URL: 'https://backend.example/rtc' }, /^rtc-call-server: RTC_WEBHOOK_URL is set but RTC_WEBHOOK_SECRET is not: webhooks are always signed$/m],
      [{ RTC_WEBHOOK_URL: 'ftp://backend.example/rtc', RTC_WEBHOOK_SECRET: 'x'.repeat(32) }, /^rtc-call-server: RTC_WEBHOOK_URL "ftp:\/\/backend\.example\/rtc" must be http: or https:$/m],
    ] as const) {
      const r = node([cli], { ...base, ...env });
      assert.notEqual(r.status, 0, JSON.stringify(env));
      assert.notEqual(r.status, null, `${JSON.stringify(env)}: it started instead (killed by the timeout)`);
      assert.equal(r.stdout, '', 'no listening line');
      assert.match(r.stderr.split('\n')[0]!, reason);
    }
    // With what they lack, the same settings start: the refusals were about the missing pieces.
    const ok = await spawnCli(['--demo-dir', ''], {
      ...process.env, ...base, RTC_WAITING_ROOM: 'guests', RTC_ROOM_SECRET: 'x'.repeat(32),
      RTC_WEBHOOK_URL: 'http://127.0.0.1:9/rtc', RTC_WEBHOOK_SECRET: 'y'.repeat(32),
    });
    ok.child.kill('SIGTERM');
    assert.equal(await ok.exited, 0);
  });

  test('token --wait true|false puts the wait claim in the token: the server makes that person knock, or not', async () => {
    const secret = 'cli-wait-secret-0123456789abcdef0123';
    const mint = (wait: string) => node([cli, 'token', '--room', 'cli-wait', '--wait', wait], { RTC_ROOM_SECRET: secret });
    const knocks = mint('true');
    const walks = mint('false');
    assert.equal(knocks.status, 0, knocks.stderr);
    assert.equal(walks.status, 0, walks.stderr);
    const bad = mint('maybe');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--wait must be true or false/);
    const s = await start({ roomSecret: secret, waitingRoom: 'guests' });
    try {
      assert.equal((await joinOk(s.base, 'cli-wait', 'x', { token: knocks.stdout.trim().split('\n').at(-1) })).waiting, true);
      assert.equal((await joinOk(s.base, 'cli-wait', 'x', { token: walks.stdout.trim().split('\n').at(-1) })).waiting, undefined);
    } finally {
      await s.close();
    }
  });

  test('token --p2p-only true|false puts the p2p-only claim in the token; anything else exits 2', async () => {
    const secret = 'cli-p2p-secret-0123456789abcdef0123';
    const mint = (value: string) => node([cli, 'token', '--room', 'cli-p2p', '--p2p-only', value], { RTC_ROOM_SECRET: secret });
    for (const value of ['true', 'false']) {
      const r = mint(value);
      assert.equal(r.status, 0, r.stderr);
      const claims = await verifyRoomToken(r.stdout.trim().split('\n').at(-1)!, secret);
      assert.equal(claims.p2pOnly, value === 'true', value);
    }
    const without = node([cli, 'token', '--room', 'cli-p2p'], { RTC_ROOM_SECRET: secret });
    assert.equal((await verifyRoomToken(without.stdout.trim().split('\n').at(-1)!, secret)).p2pOnly, undefined, 'no claim unless asked');
    for (const value of ['maybe', '']) {
      const bad = mint(value);
      assert.equal(bad.status, 2, `--p2p-only ${JSON.stringify(value)}: ${bad.stderr}`);
      assert.equal(bad.stdout, '', 'no token printed');
      assert.match(bad.stderr, /--p2p-only must be true or false/);
    }
    const help = node([cli, 'token', '--help'], { RTC_ROOM_SECRET: '' });
    assert.match(help.stdout, /--p2p-only true\|false/);
    assert.match(node([cli, 'serve', '--help']).stdout, /--janus-urls u,…  --mesh-max N  --p2p-only/);
  });

  test('a bad SFU setting stops the server at start with a one-line reason naming it', () => {
    const base = { RTC_DATA_DIR: '', RTC_DEMO_DIR: '', RTC_ROOM_SECRET: '', PORT: '0' };
    for (const [env, reason] of [
      [{ RTC_JANUS_URLS: 'http://janus:8088' }, /RTC_JANUS_URLS/],
      [{ RTC_MESH_MAX: '7' }, /RTC_MESH_MAX/],
      [{ RTC_MESH_MAX: 'many' }, /RTC_MESH_MAX/],
      [{ RTC_P2P_ONLY: 'visit 1' }, /RTC_P2P_ONLY/],
    ] as const) {
      const r = node([cli], { ...base, ...env });
      assert.notEqual(r.status, 0, JSON.stringify(env));
      assert.notEqual(r.status, null, `${JSON.stringify(env)}: it started instead (killed by the timeout)`);
      assert.equal(r.stdout, '', 'no listening line');
      assert.match(r.stderr.split('\n')[0]!, reason);
    }
  });

  test('serves, prints the listening line, and exits 0 within 5 s on SIGTERM with peers connected', async () => {
    const cli = await spawnCli(['--port', '0', '--host', '127.0.0.1', '--demo-dir', ''], { ...process.env, RTC_PEER_SECRET: 'p' });
    const { child } = cli;
    try {
      const m = /^rtc-call listening on (http:\/\/127\.0\.0\.1:(\d+)\/)$/m.exec(cli.out());
      assert.ok(m, cli.out());
      const port = Number(m[2]);
      const a = await joinOk(`http://127.0.0.1:${port}`, 'cli', 'A');
      const pa = await connect(port, a);
      assert.match(cli.err(), /rtc-call: join room=cli peer=/);
      assert.ok(!cli.err().includes(a.peerToken) && !cli.err().includes('"A"'), 'no tokens or names in the log');
      const t1 = Date.now();
      child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
      assert.ok(Date.now() - t1 < 5000, `exit took ${Date.now() - t1} ms`);
      await pa.closed;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
