// The security code between real peer-to-peer links: both ends of a link show the same six digits,
// two different links show different codes, and the People panel shows it for a guest too.
import { expect } from '@open-wc/testing';
import { allConnected, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';

describe('<rtc-call> security code', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  it('the same code on both ends of a link, a different one on another link; shown in the People panel', async () => {
    const room = uniqueRoom('verify');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    const c = await calls.call({ room, name: 'Cleo', autojoin: true });
    await allConnected([a, b, c], 3, 30_000);
    const id = (el: typeof a) => el.participants[0]!.id;
    const [ab, ba] = await Promise.all([a.verificationCode(id(b)), b.verificationCode(id(a))]);
    expect(ab).to.match(/^\d{6}$/);
    expect(ba).to.equal(ab);
    // Only one side asks: the other answers on its own.
    const ac = await a.verificationCode(id(c));
    expect(await c.verificationCode(id(a))).to.equal(ac);
    expect(ac, 'another link, another code').to.not.equal(ab);
    const nobody = await a.verificationCode('no-such-peer').then(() => null, (e: { code: string }) => e);
    expect(nobody?.code).to.equal('participant-not-found');

    // Bob (a guest) opens People and asks for Ann's code.
    b.shadowRoot!.querySelector<HTMLElement>('[part~="people-button"]')!.click();
    await b.updateComplete;
    const row = b.shadowRoot!.querySelector<HTMLElement>(`[part~="people"] li[data-id="${id(a)}"]`)!;
    row.querySelector<HTMLElement>('[part~="verify-button"]')!.click();
    const shown = await until(() => row.querySelector('[part~="verification-code"]'), 'the code shown');
    expect(shown!.textContent).to.equal(`Compare this code with Ann: ${ab.slice(0, 3)} ${ab.slice(3)}`);
    expect(b.shadowRoot!.querySelector('[part~="remove-button"]'), 'no host actions for a guest').to.equal(null);
    await expect(b).to.be.accessible();
  });
});
