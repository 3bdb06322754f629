import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, turnCredentials } from '../../server/index.js';
import { joinOk, start } from './helpers.js';

const TURN_SECRET = 'coturn-shared-secret';

describe('TURN credentials', () => {
  test('username "<unix expiry>:<peerId>", credential base64(HMAC-SHA1(secret, username))', async () => {
    const s = await start({ turnUrls: ['turn:127.0.0.1:3478?transport=udp'], turnSecret: TURN_SECRET, turnTtl: 600, stunUrls: ['stun:127.0.0.1:3478'] });
    try {
      const before = Math.floor(Date.now() / 1000);
      const j = await joinOk(s.base, 'turn', 'A');
      assert.equal(j.iceServers.length, 2);
      assert.deepEqual(j.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
      const turn = j.iceServers[1]!;
      assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp']);
      const [expiry, peerId, ...rest] = turn.username!.split(':');
      assert.equal(rest.length, 0);
      assert.equal(peerId, j.peerId);
      const exp = Number(expiry);
      assert.ok(exp >= before + 600 && exp <= before + 602, `expiry ${exp} ≈ now + ttl`);
      const expected = createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64');
      assert.equal(turn.credential, expected);
      // A known vector, so the formula cannot drift together with its test.
      assert.equal(turnCredentials('secret', 'peer', 0, 1_000_000_000_000).credential, createHmac('sha1', 'secret').update('1000000000:peer').digest('base64'));
      assert.equal(turnCredentials('secret', 'peer', 0, 1_000_000_000_000).credential, '8cnEIsDf+RnPQKbS8O1k/eDU470=' /* printf 1000000000:peer | openssl dgst -sha1 -hmac secret -binary | base64 */);
    } finally {
      await s.close();
    }
  });

  test('relay policy is passed on; relay without TURN and TURN without secret are configuration errors', async () => {
    const s = await start({ turnUrls: ['turn:127.0.0.1:3478'], turnSecret: TURN_SECRET, iceTransportPolicy: 'relay' });
    try {
      assert.equal((await joinOk(s.base, 'relay', 'A')).iceTransportPolicy, 'relay');
    } finally {
      await s.close();
    }
    assert.throws(() => createRtcServer({ iceTransportPolicy: 'relay' }), /TURN/);
    assert.throws(() => createRtcServer({ turnUrls: ['turn:127.0.0.1:3478'] }), /TURN secret/);
    assert.throws(() => createRtcServer({ turnUrls: ['https://x'], turnSecret: 's' }), /turn:/);
  });
});

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

function uclient(port: number, username: string, credential: string): { ok: boolean; output: string } {
  // -y: two allocations send to each other through their relays; -c: no RTCP; -n 1: one message.
  const r = spawnSync('turnutils_uclient', ['-v', '-y', '-c', '-n', '1', '-m', '1', '-u', username, '-w', credential, '-p', String(port), '127.0.0.1'], {
    encoding: 'utf8',
    timeout: 15000,
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('TURN credentials against coturn (use-auth-secret) on loopback', () => {
  let turn: ChildProcess | undefined;
  let turnLog = '';
  let port = 0;
  let dir = '';

  before(async () => {
    const which = spawnSync('sh', ['-c', 'command -v turnserver && command -v turnutils_uclient']);
    if (which.status !== 0) {
      throw new Error('coturn is not installed: `apt-get install coturn` (turnserver and turnutils_uclient are needed for this test)');
    }
    dir = mkdtempSync(joinPath(tmpdir(), 'rtc-turn-'));
    port = await freeUdpPort();
    const minPort = 49152 + Math.floor(Math.random() * 150) * 100;
    turn = spawn('turnserver', [
      '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      `--min-port=${minPort}`, `--max-port=${minPort + 99}`, '--realm=test', '--fingerprint',
      '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--no-multicast-peers',
      '--use-auth-secret', `--static-auth-secret=${TURN_SECRET}`, `--userdb=${joinPath(dir, 'turndb')}`,
      `--log-file=${joinPath(dir, 'turn.log')}`, '--simple-log', `--pidfile=${joinPath(dir, 'turn.pid')}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    turn.stdout!.on('data', (d) => (turnLog += d));
    turn.stderr!.on('data', (d) => (turnLog += d));
    const started = Date.now();
    const logFile = joinPath(dir, 'turn.log');
    const ready = () => /Total General servers/.test(turnLog + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''));
    while (!ready()) {
      if (turn.exitCode !== null) throw new Error(`turnserver exited: ${turnLog}`);
      if (Date.now() - started > 10000) throw new Error(`turnserver did not start: ${turnLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    if (turn && turn.exitCode === null) {
      const exited = new Promise((r) => turn!.once('exit', r));
      turn.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (turn.exitCode === null) turn.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a real allocation succeeds with join credentials and is refused when they expired', async () => {
    const s = await start({ turnUrls: [`turn:127.0.0.1:${port}?transport=udp`], turnSecret: TURN_SECRET, turnTtl: 300 });
    try {
      const j = await joinOk(s.base, 'coturn', 'A');
      const { username, credential } = j.iceServers.find((i) => i.username)!;
      const good = uclient(port, username!, credential!);
      assert.ok(good.ok, `allocation with valid credentials failed:\n${good.output}\n--- turnserver:\n${turnLog.slice(-2000)}`);
      assert.match(good.output, /tot_recv_msgs=[1-9]/, 'data went through the relay');

      // The same formula with an expiry in the past: coturn answers 401 and no allocation is made.
      const expired = turnCredentials(TURN_SECRET, j.peerId, -60);
      const bad = uclient(port, expired.username, expired.credential);
      assert.equal(bad.ok, false, bad.output);
      assert.match(bad.output, /Cannot complete Allocation/);
      assert.match(bad.output, /allocate response received/, 'coturn answered (and refused), it was not unreachable');
      // coturn's own log names the refusal (its 401 path for use-auth-secret).
      const logFile = joinPath(dir, 'turn.log');
      const refusal = `credentials of user <${expired.username}>`;
      const t0 = Date.now();
      while (!(existsSync(logFile) && readFileSync(logFile, 'utf8').includes(refusal)) && Date.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(readFileSync(logFile, 'utf8').includes(refusal), `coturn log does not show the refusal:\n${readFileSync(logFile, 'utf8').slice(-1500)}`);

      // Wrong secret: refused as well.
      const forged = createHmac('sha1', 'not-the-secret').update(username!).digest('base64');
      assert.equal(uclient(port, username!, forged).ok, false);
    } finally {
      await s.close();
    }
  });
});
