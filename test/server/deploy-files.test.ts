// The documented systemd unit and coturn configuration (docs/deploy/), checked by the tools that
// will read them: `systemd-analyze verify` accepts the unit without a warning, and coturn started
// with turnserver.conf (only its ports, addresses, certificate, log and secret changed) accepts the
// TURN credentials the rtc-call server hands out, refuses forged ones, and refuses to relay to a
// loopback peer.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { joinOk, start, uclient, type Started } from './helpers.js';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const deploy = (name: string) => readFileSync(joinPath(repoRoot, 'docs', 'deploy', name), 'utf8');
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

describe('docs/deploy/rtc-call.service', { skip: has('systemd-analyze') ? undefined : 'systemd-analyze is not installed here' }, () => {
  test('systemd-analyze verify accepts it without a warning', () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-unit-'));
    try {
      const unit = deploy('rtc-call.service');
      // Only the paths that must exist for verify are pointed at this machine.
      writeFileSync(joinPath(dir, 'server.js'), '');
      writeFileSync(joinPath(dir, 'rtc-call.env'), '');
      let changed = 0;
      const local = unit
        .replace(/^ExecStart=\S+ (\S+)$/m, (_m, script: string) => {
          changed++;
          // The documented script is the server package's bin.
          assert.ok(script.endsWith('/node_modules/rtc-call-server/bin/rtc-call-server.js'), script);
          assert.ok(existsSync(joinPath(repoRoot, 'server', 'bin', 'rtc-call-server.js')));
          return `ExecStart=${process.execPath} ${joinPath(dir, 'server.js')}`;
        })
        .replace(/^EnvironmentFile=.*$/m, () => { changed++; return `EnvironmentFile=${joinPath(dir, 'rtc-call.env')}`; })
        .replace(/^WorkingDirectory=.*$/m, () => { changed++; return `WorkingDirectory=${dir}`; });
      assert.equal(changed, 3);
      const file = joinPath(dir, 'rtc-call.service');
      writeFileSync(file, local);
      const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '', 'no warning (an unknown key or a bad value is only a warning)');
      for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'Restart=on-failure', 'StateDirectory=rtc-call', 'User=rtc-call']) {
        assert.match(unit, new RegExp(`^${line}$`, 'm'));
      }
      assert.match(unit, /^Environment=RTC_DATA_DIR=\/var\/lib\/rtc-call$/m, 'the data directory is the StateDirectory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

const coturnMissing = has('turnserver') && has('turnutils_uclient') && has('openssl') ? undefined : 'coturn (turnserver, turnutils_uclient) or openssl is not installed here (apt-get install coturn; .ci/run installs it)';

describe('docs/deploy/turnserver.conf with coturn', { skip: coturnMissing }, () => {
  const SECRET = 'turn-secret-for-the-deploy-test-0123456789abcdef';
  let dir: string;
  let turn: ChildProcess;
  let port: number;
  let server: Started;
  let out = '';
  const log = () => out + (existsSync(joinPath(dir, 'turn.log')) ? readFileSync(joinPath(dir, 'turn.log'), 'utf8') : '');

  before(async () => {
    dir = mkdtempSync(joinPath(tmpdir(), 'rtc-turnconf-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=turn.example.org', '-keyout', joinPath(dir, 'privkey.pem'), '-out', joinPath(dir, 'fullchain.pem'),
    ], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    port = await freeUdpPort();
    const minPort = 52000 + Math.floor(Math.random() * 50) * 100;
    const documented = deploy('turnserver.conf');
    assert.match(documented, /^use-auth-secret$/m);
    assert.match(documented, /^static-auth-secret=CHANGE-ME/m, 'the secret is a placeholder to replace');
    const replace = (text: string, re: RegExp, by: string) => {
      assert.match(text, re);
      return text.replace(re, by);
    };
    let conf = documented;
    conf = replace(conf, /^listening-port=3478$/m, `listening-port=${port}\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1`);
    conf = replace(conf, /^tls-listening-port=5349$/m, `tls-listening-port=${port + 1}`);
    conf = replace(conf, /^static-auth-secret=.*$/m, `static-auth-secret=${SECRET}`);
    conf = replace(conf, /^cert=.*$/m, `cert=${joinPath(dir, 'fullchain.pem')}`);
    conf = replace(conf, /^pkey=.*$/m, `pkey=${joinPath(dir, 'privkey.pem')}`);
    conf = replace(conf, /^min-port=\d+$/m, `min-port=${minPort}`);
    conf = replace(conf, /^max-port=\d+$/m, `max-port=${minPort + 99}`);
    conf = replace(conf, /^syslog$/m, `log-file=${joinPath(dir, 'turn.log')}\nuserdb=${joinPath(dir, 'turndb')}\npidfile=${joinPath(dir, 'turn.pid')}`);
    assert.doesNotMatch(conf, /^allow-loopback-peers/m);
    writeFileSync(joinPath(dir, 'turnserver.conf'), conf);
    turn = spawn('turnserver', ['-c', joinPath(dir, 'turnserver.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    turn.stdout!.on('data', (d) => (out += d));
    turn.stderr!.on('data', (d) => (out += d));
    const started = Date.now();
    while (!/Total General servers/.test(log())) {
      if (turn.exitCode !== null) throw new Error(`turnserver exited: ${log()}`);
      if (Date.now() - started > 10_000) throw new Error(`turnserver did not start: ${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    server = await start({ turnUrls: [`turn:127.0.0.1:${port}`], turnSecret: SECRET });
  });

  after(async () => {
    if (turn && turn.exitCode === null && turn.signalCode === null) {
      const exited = new Promise((r) => turn.once('exit', r));
      turn.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (turn.exitCode === null && turn.signalCode === null) turn.kill('SIGKILL');
    }
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the credentials of a join allocate a relay; a loopback peer is refused (403 Forbidden IP)', async () => {
    const j = await joinOk(server.base, 'visit-turn');
    const entry = j.iceServers.find((s) => String(s.urls).startsWith('turn:'));
    assert.ok(entry?.username && entry.credential, JSON.stringify(j.iceServers));
    const r = uclient(port, entry.username, entry.credential);
    // The allocation succeeded (the REST secret matched); the relay then refused the peer, which
    // is on loopback like everything in this test: the denied ranges are in force.
    assert.doesNotMatch(r.output, /Cannot complete Allocation/, r.output);
    assert.match(r.output, /allocate response received/);
    assert.match(r.output, /403 \(Forbidden IP\)/, r.output);
    assert.equal(r.ok, false);
  });

  test('forged credentials are refused at allocation', () => {
    const r = uclient(port, `${Math.floor(Date.now() / 1000) + 600}:someone`, 'bm90LXRoZS1yaWdodC1obWFjLXZhbHVl');
    assert.equal(r.ok, false);
    assert.match(r.output, /Cannot complete Allocation/, r.output);
    assert.doesNotMatch(r.output, /Forbidden IP/);
  });
});
