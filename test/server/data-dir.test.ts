// The data directory: a server SIGKILLed and restarted with no secret configured accepts the peer
// tokens of running calls (the generated peer secret is kept), and a member who left stays out
// (revocations are kept). Real processes of the CLI, killed for real.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, test } from 'node:test';
import { createRtcServer } from '../../server/index.js';
import { connect, joinOk, refusedStatus, spawnCli, type CliProcess } from './helpers.js';

/** The CLI with its defaults but for the data directory: no RTC_PEER_SECRET. */
function serve(dataDir: string) {
  const env = { ...process.env };
  delete env.RTC_PEER_SECRET;
  return spawnCli(['--port', '0', '--demo-dir', '', '--data-dir', dataDir, '--leave-grace-ms', '0'], env);
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });

describe('data directory (RTC_DATA_DIR)', () => {
  test('SIGKILL and restart without a configured secret: tokens of the running call still open sockets; who left stays out', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-data-'));
    let first: CliProcess | undefined;
    let second: CliProcess | undefined;
    try {
      first = await serve(dir);
      const base1 = `http://127.0.0.1:${first.port}`;
      const ann = await joinOk(base1, 'drill', 'Ann');
      const bob = await joinOk(base1, 'drill', 'Bob');
      const leaver = await joinOk(base1, 'drill', 'Lee');
      const [pa, pb, pl] = await Promise.all([connect(first.port, ann), connect(first.port, bob), connect(first.port, leaver)]);
      pl.send({ type: 'ROOM', payload: { request: 'leave', id: 'r1' } });
      await pa.next((m) => m.type === 'LEAVE' && m.src === leaver.peerId);
      await new Promise((r) => setTimeout(r, 300)); // past the revocation write (100 ms)
      await killed(first.child);
      await Promise.all([pa.closed, pb.closed]);
      const secrets = joinPath(dir, 'secrets.json');
      assert.equal(statSync(secrets).mode & 0o777, 0o600, 'the secret file is private');
      assert.equal(statSync(dir).mode & 0o777, 0o700);

      second = await serve(dir);
      const [ra, rb] = await Promise.all([connect(second.port, ann), connect(second.port, bob)]);
      await ra.next((m) => m.type === 'OPEN');
      await rb.next((m) => m.type === 'OPEN');
      // Ann hears of Bob: in the roster her socket opens with, or as he is rebuilt from his token.
      await ra.next((m) => m.type === 'ROOM' && (
        (m.payload?.event === 'members' && m.payload.data.members.some((x: { peerId: string }) => x.peerId === bob.peerId)) ||
        (m.payload?.event === 'member-joined' && m.payload.data.peerId === bob.peerId)));
      assert.equal(await refusedStatus(connect(second.port, leaver)), 401, 'a member who left does not come back with its old token');
      // A newcomer joins the restarted server and sees both.
      const cleo = await joinOk(`http://127.0.0.1:${second.port}`, 'drill', 'Cleo');
      assert.deepEqual(cleo.members.map((m) => m.displayName).sort(), ['Ann', 'Bob']);
      ra.close();
      rb.close();
    } finally {
      if (first?.child.exitCode === null) first.child.kill('SIGKILL');
      if (second?.child.exitCode === null) second.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the peer secret is generated once and kept; a configured one wins; bad directories are clear errors', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-data-'));
    try {
      const a = createRtcServer({ dataDir: dir, log: () => {} });
      await a.close();
      const stored = JSON.parse(readFileSync(joinPath(dir, 'secrets.json'), 'utf8')).peerSecret;
      assert.ok(typeof stored === 'string' && stored.length >= 43);
      const b = createRtcServer({ dataDir: dir, log: () => {} });
      await b.close();
      assert.equal(JSON.parse(readFileSync(joinPath(dir, 'secrets.json'), 'utf8')).peerSecret, stored, 'kept across restarts');
      writeFileSync(joinPath(dir, 'revoked.json'), '{not json');
      assert.throws(() => createRtcServer({ dataDir: dir, log: () => {} }), /revoked\.json is not valid JSON: fix or delete it/);
      const locked = joinPath(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      if (process.getuid?.() !== 0) {
        assert.throws(() => createRtcServer({ dataDir: joinPath(locked, 'x'), log: () => {} }), /data directory .* \(RTC_DATA_DIR\) is not writable/);
      }
      const file = joinPath(dir, 'a-file');
      writeFileSync(file, '');
      assert.throws(() => createRtcServer({ dataDir: file, log: () => {} }), /data directory .* \(RTC_DATA_DIR\) is not writable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
