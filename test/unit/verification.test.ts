// The security code's commit-then-reveal exchange, two sides wired to each other in memory: both
// get the same six digits; a reveal that does not match its commitment is refused; another
// fingerprint (or a fresh exchange) gives another code; nothing is revealed before both committed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VerificationExchange, codeOf, commitmentOf, fingerprintOf, type VerificationMessage } from '../../src/core/transport/mesh/verification.js';

const FP_A = 'sha-256 aa:bb:cc';
const FP_B = 'sha-256 11:22:33';

function pair(fpA = FP_A, fpB = FP_B, tamper?: (m: VerificationMessage) => VerificationMessage) {
  const log: Array<[string, VerificationMessage]> = [];
  let a!: VerificationExchange;
  let b!: VerificationExchange;
  a = new VerificationExchange((m) => { log.push(['a', m]); queueMicrotask(() => void b.receive(tamper ? tamper(m) : m)); }, () => ({ local: fpA, remote: fpB }));
  b = new VerificationExchange((m) => { log.push(['b', m]); queueMicrotask(() => void a.receive(m)); }, () => ({ local: fpB, remote: fpA }));
  return { a, b, log };
}

describe('security code exchange', () => {
  test('both sides get the same six digits; each commits before anyone reveals', async () => {
    const { a, b, log } = pair();
    const [ca, cb] = await Promise.all([a.code(), b.code()]);
    assert.match(ca, /^\d{6}$/);
    assert.equal(ca, cb);
    const firstReveal = log.findIndex(([, m]) => m.t === 'vr');
    assert.deepEqual(log.slice(0, firstReveal).map(([who, m]) => `${who}:${m.t}`).sort(), ['a:vc', 'b:vc']);
    // Only one side asking is enough: the other answers.
    const one = pair();
    assert.match(await one.a.code(), /^\d{6}$/);
  });

  test('a reveal that does not match its commitment is refused', async () => {
    // What a sends is changed on the way: b gets a reveal that is not the nonce a committed to.
    const forged = pair(FP_A, FP_B, (m) => (m.t === 'vr' ? { t: 'vr', n: 'f'.repeat(64) } : m));
    await assert.rejects(forged.b.code(), /does not match its commitment/);
  });

  test('a changed fingerprint changes the code; so do fresh nonces; the code binds both fingerprints in either order', async () => {
    const n1 = '01'.repeat(32);
    const n2 = '02'.repeat(32);
    const base = await codeOf(FP_A, n1, FP_B, n2);
    assert.equal(await codeOf(FP_B, n2, FP_A, n1), base, 'the same from the other side');
    assert.notEqual(await codeOf('sha-256 aa:bb:cd', n1, FP_B, n2), base);
    assert.notEqual(await codeOf(FP_A, n1, 'sha-256 11:22:34', n2), base);
    assert.notEqual(await codeOf(FP_A, n2, FP_B, n1), base, 'nonces are bound to their side');
    assert.equal(await commitmentOf(n1), await commitmentOf(n1));
    assert.notEqual(await commitmentOf(n1), await commitmentOf(n2));
    const x = pair();
    const y = pair();
    const [cx, cy] = await Promise.all([x.a.code(), y.a.code()]);
    assert.ok(/^\d{6}$/.test(cx) && /^\d{6}$/.test(cy));
  });

  test('fingerprints are read from SDP', () => {
    assert.equal(fingerprintOf('v=0\r\na=fingerprint:sha-256 AB:CD:EF\r\na=setup:actpass\r\n'), 'sha-256 ab:cd:ef');
    assert.equal(fingerprintOf('v=0\r\n'), null);
  });
});
