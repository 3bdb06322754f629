import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, turnCredentials } from '../../server/index.js';
import { joinOk, start, startCoturn, uclient, type Coturn } from './helpers.js';

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

describe('TURN credentials against coturn (use-auth-secret) on loopback', () => {
  let coturn: Coturn;
  let port = 0;

  before(async () => {
    coturn = await startCoturn(TURN_SECRET);
    port = coturn.port;
  });

  after(async () => {
    await coturn?.stop();
  });

  test('a real allocation succeeds with join credentials and is refused when they expired', async () => {
    const s = await start({ turnUrls: [`turn:127.0.0.1:${port}?transport=udp`], turnSecret: TURN_SECRET, turnTtl: 300 });
    try {
      const j = await joinOk(s.base, 'coturn', 'A');
      const { username, credential } = j.iceServers.find((i) => i.username)!;
      const good = uclient(port, username!, credential!);
      assert.ok(good.ok, `allocation with valid credentials failed:\n${good.output}\n--- turnserver:\n${coturn.log().slice(-2000)}`);
      assert.match(good.output, /tot_recv_msgs=[1-9]/, 'data went through the relay');

      // The same formula with an expiry in the past: coturn answers 401 and no allocation is made.
      const expired = turnCredentials(TURN_SECRET, j.peerId, -60);
      const bad = uclient(port, expired.username, expired.credential);
      assert.equal(bad.ok, false, bad.output);
      assert.match(bad.output, /Cannot complete Allocation/);
      assert.match(bad.output, /allocate response received/, 'coturn answered (and refused), it was not unreachable');
      // coturn's own log names the refusal (its 401 path for use-auth-secret).
      const logFile = coturn.logFile;
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
