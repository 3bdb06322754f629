// The page's own data between real calls (sendData / rtc-data): to everyone or to one, in order,
// JSON only and at most 16 KiB.
import { expect } from '@open-wc/testing';
import { allConnected, errorsOf, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';

describe('<rtc-call> sendData', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  it('reaches everyone, or only the one named in `to`, in order; too large or not JSON is message-too-large', async () => {
    const room = uniqueRoom('data');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    const c = await calls.call({ room, name: 'Cleo', autojoin: true });
    await allConnected([a, b, c], 3, 30_000);
    const got = { b: [] as Array<[string, unknown]>, c: [] as Array<[string, unknown]> };
    b.addEventListener('rtc-data', (e) => got.b.push([e.detail.from, e.detail.data]));
    c.addEventListener('rtc-data', (e) => got.c.push([e.detail.from, e.detail.data]));
    const annId = a.participants[0]!.id;
    const bobId = b.participants[0]!.id;
    for (let i = 0; i < 20; i++) await a.sendData({ seq: i, note: 'ü✓' });
    await a.sendData({ secret: 'for Bob' }, { to: bobId });
    await until(() => got.b.length === 21 && got.c.length === 20, 'all delivered');
    expect(got.b.slice(0, 20).map(([, d]) => (d as { seq: number }).seq)).to.deep.equal([...Array(20).keys()]);
    expect(got.b.every(([from]) => from === annId)).to.equal(true);
    expect(got.b[20]).to.deep.equal([annId, { secret: 'for Bob' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.c.some(([, d]) => JSON.stringify(d).includes('secret')), 'Cleo never gets what was for Bob').to.equal(false);

    // Exactly 16 KiB of UTF-8 JSON passes; one byte more does not.
    const fits = 'x'.repeat(16 * 1024 - 2); // plus the two quotes of the JSON string
    await a.sendData(fits);
    await until(() => got.c.length === 21, 'the 16 KiB message');
    expect(got.c[20]![1]).to.equal(fits);
    for (const bad of [`${fits}x`, { f: () => 1, self: undefined as unknown }.f, BigInt(1)]) {
      const error = await a.sendData(bad).then(() => null, (e: { code: string }) => e);
      expect(error?.code, String(typeof bad)).to.equal('message-too-large');
    }
    const nobody = await a.sendData(1, { to: 'no-such-participant' }).then(() => null, (e: { code: string }) => e);
    expect(nobody?.code).to.equal('participant-not-found');
    expect(errorsOf(a).filter((e) => e.code === 'message-too-large').every((e) => !e.fatal)).to.equal(true);
    expect(a.state).to.equal('connected');
  });
});
