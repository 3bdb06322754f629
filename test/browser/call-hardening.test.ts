// What the hardening issue changed for the page: one seat per room token (the replaced element
// ends with `replaced` and says so) and the display-name rule the server shares with the element.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcError } from '../../src/core/errors.js';
import type { LeaveReason } from '../../src/core/types.js';
import { remoteTile, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

describe('<rtc-call> hardening', () => {
  const { call, cleanup } = trackedCalls();
  afterEach(cleanup);

  it('one seat per token: a second join with the same token ends the first with reason replaced, and it says so', async () => {
    const secret = 'browser-test-room-secret-0123456789';
    const server = await rtcServer('one-seat-tokens', { roomSecret: secret });
    const room = uniqueRoom('seat');
    const patientToken = await command<string>('rtc-sign-room-token', { secret, room, name: 'Pat', role: 'guest', sub: 'patient-1', ttl: 600 });
    const doctorToken = await command<string>('rtc-sign-room-token', { secret, room, name: 'Dr. Rivera', role: 'host', sub: 'doctor-1', ttl: 600 });
    const doctor = await call({ room, server, attrs: { token: doctorToken } });
    const first = await call({ room, server, attrs: { token: patientToken } });
    await doctor.join();
    await first.join();
    await remoteTile(doctor, 'Pat');
    const reasons: LeaveReason[] = [];
    first.addEventListener('rtc-left', (e) => reasons.push(e.detail.reason));
    const states: string[] = [];
    first.addEventListener('rtc-state-change', (e) => states.push(e.detail.state));

    const second = await call({ room, server, attrs: { token: patientToken } });
    await second.join();
    await until(() => reasons.length > 0, 'the first element left');
    expect(reasons).to.deep.equal(['replaced']);
    expect(first.state).to.equal('left');
    expect(states, 'no reconnecting on the way out').to.not.include('reconnecting');
    await first.updateComplete;
    const shown = first.shadowRoot!.querySelector('[part="ended"] .reason[data-code="replaced"]');
    expect(shown?.textContent).to.match(/another window or device/);
    expect(first.shadowRoot!.querySelector('[part="notice"][data-code="reconnecting"]')).to.not.exist;
    await expect(first).to.be.accessible();
    // The doctor talks to the new seat, and only one Pat is in the room.
    await until(() => doctor.participants.filter((p) => p.displayName === 'Pat').length === 1 &&
      doctor.participants.some((p) => p.id === second.participants[0]!.id), 'the doctor sees the new seat only');
    expect(second.state).to.equal('connected');
  });

  it('after Leave no notice of the finished call survives: no "Reconnecting…" above "You left the call"', async () => {
    const room = uniqueRoom('leave');
    const ann = await call({ room, name: 'Ann' });
    const bob = await call({ room, name: 'Bob' });
    await ann.join();
    await bob.join();
    await remoteTile(ann, 'Bob');
    const states: string[] = [];
    ann.addEventListener('rtc-state-change', (e) => states.push(e.detail.state));
    ann.shadowRoot!.querySelector<HTMLButtonElement>('[part="leave-button"]')!.click();
    await until(() => ann.state === 'left', 'Ann left');
    // Whatever the torn-down socket does afterwards must not bring a notice back.
    await new Promise((r) => setTimeout(r, 1000));
    await ann.updateComplete;
    expect(states).to.deep.equal(['left']);
    expect([...ann.shadowRoot!.querySelectorAll('[part="notice"]')].map((n) => n.getAttribute('data-code'))).to.deep.equal([]);
    expect(ann.shadowRoot!.querySelector('[part="ended"] h2')?.textContent).to.equal('You left the call');
  });

  describe('display names: the server rule, applied before any request', () => {
    const invisible = {
      'zero-width space': '\u200B',
      'Hangul filler': '\u3164',
      'word joiner': '\u2060',
      'line separator inside': 'Ann\u2028Lee',
      'right-to-left mark': '\u200FAnn',
      'lone surrogate': 'Ann\uD800',
    };
    for (const [what, name] of Object.entries(invisible)) {
      it(`display-name with a ${what} is refused as invalid-name`, async () => {
        const el = await call({ room: uniqueRoom(), name });
        let rejection: RtcError | undefined;
        await el.join().catch((e: RtcError) => (rejection = e));
        expect(rejection?.code).to.equal('invalid-name');
        expect(rejection?.message).to.match(/^display-name:/, 'refused by the element, not after a round trip');
      });
    }

    it('the pre-join name field refuses a name of only invisible characters and stays in the pre-join view', async () => {
      const el = await call({ room: uniqueRoom(), name: 'Ann' });
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[name="display-name"]')!;
      input.value = '\u3164\u200B';
      input.dispatchEvent(new Event('input'));
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part="join-button"]')!.click();
      await el.updateComplete;
      expect(el.state).to.equal('idle');
      expect(el.shadowRoot!.querySelector('[part="notice"][data-code="invalid-name"]')).to.exist;
    });

    it('a real name with emoji and another script joins', async () => {
      const el = await call({ room: uniqueRoom(), name: 'محمد ❤️' });
      await el.join();
      expect(el.state).to.equal('connected');
      expect(el.participants[0]!.displayName).to.equal('محمد ❤️');
    });
  });
});
