// The waiting room and host controls as people use them: a provider (host) and patients (guests)
// in windows of their own, against a server with RTC_WAITING_ROOM=guests. The server decides who is
// in; these tests check what each person sees and hears.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createdPeerConnections, errorsOf, remoteTile, trackedCalls, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, peakAudioLevel, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

const SECRET = 'waiting-room-secret-0123456789abcdef0123';
const part = (el: RtcCall, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const parts = (el: RtcCall, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const visible = (node: HTMLElement | null) => !!node && !node.closest('[hidden]') && node.getClientRects().length > 0;

describe('<rtc-call> waiting room and host controls', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  let server: string;
  before(async () => {
    server = await rtcServer('waiting-room', { roomSecret: SECRET, waitingRoom: 'guests', denyCooldown: 1 });
  });
  afterEach(() => calls.cleanup());

  async function person(room: string, name: string, role: 'host' | 'guest', attrs: Record<string, string | boolean> = {}): Promise<RtcCall> {
    const token = await command<string>('rtc-sign-room-token', { secret: SECRET, room, name, role, sub: `${name}-${room}`, ttl: 600 });
    return calls.call({ room, server, name, autojoin: true, attrs: { token, ...attrs } });
  }

  it('a guest waits with a self-preview and no connection to anyone; the host sees the knock; admit → they see and hear each other', async () => {
    const room = uniqueRoom('wait');
    const host = await person(room, 'Dr. Rivera', 'host', { 'no-knock-sound': true });
    await until(() => host.state === 'connected', 'host connected');
    const knocks: string[] = [];
    host.addEventListener('rtc-knock', (e) => knocks.push(e.detail.participant.displayName));
    const guest = await person(room, 'Pat', 'guest');
    await until(() => guest.state === 'waiting', 'guest waiting');
    await until(() => knocks.length === 1, 'the host was told');
    expect(knocks).to.deep.equal(['Pat']);
    expect(host.waitingParticipants.map((w) => w.displayName)).to.deep.equal(['Pat']);
    expect(host.waitingParticipants[0]!.since).to.be.instanceOf(Date);

    // The guest: the waiting view, its own camera, nothing of the room.
    await guest.updateComplete;
    expect(visible(part(guest, 'waiting'))).to.equal(true);
    expect(part(guest, 'waiting')!.textContent).to.contain('Waiting for the host to let you in');
    await until(() => guest.shadowRoot!.querySelector('.hint')?.getAttribute('data-host-present') === 'true', 'told a host is there');
    const preview = part(guest, 'waiting')!.querySelector('rtc-video-tile')!;
    await framesAdvance(preview.shadowRoot!.querySelector('video')!, 3);
    expect(guest.participants.length).to.equal(1);
    expect(createdPeerConnections.filter((pc) => pc.remoteDescription), 'no RTCPeerConnection with a remote description').to.have.length(0);
    expect(visible(part(guest, 'controls'))).to.equal(false);
    await expect(guest).to.be.accessible();

    // The host: the banner, the badge.
    await host.updateComplete;
    expect(part(host, 'knock-banner')!.textContent).to.contain('Pat is waiting to join');
    expect(part(host, 'people-button')!.getAttribute('aria-label')).to.equal('People, 1 person waiting');
    await expect(host).to.be.accessible();

    // The host wrote something before letting the patient in: it reaches them as history.
    await host.sendMessage('Welcome — I will be with you in a moment.');
    const joined = new Promise((resolve) => guest.addEventListener('rtc-joined', resolve, { once: true }));
    parts(host, 'admit-button')[0]!.click();
    await joined;
    await allConnected([host, guest], 2);
    await until(() => guest.messages.length === 1, 'the history after admission');
    expect(guest.messages[0]!.replayed).to.equal(true);
    expect(guest.messages[0]!.displayName).to.equal('Dr. Rivera');
    await framesAdvance(videoOf(await remoteTile(host, 'Pat')), 3);
    await framesAdvance(videoOf(await remoteTile(guest, 'Dr. Rivera')), 3);
    const heard = await peakAudioLevel((await remoteTile(guest, 'Dr. Rivera')).stream!);
    expect(heard, 'the guest hears the host').to.be.above(0.01);
    expect(await peakAudioLevel((await remoteTile(host, 'Pat')).stream!), 'the host hears the guest').to.be.above(0.01);
    expect(host.waitingParticipants).to.have.length(0);
    expect(part(host, 'knock-banner')).to.equal(null);
  });

  it('two knockers at once are both listed in the people panel (accessible); Admit all lets both in', async () => {
    const room = uniqueRoom('two');
    const host = await person(room, 'Dr. Rivera', 'host', { 'no-knock-sound': true });
    await until(() => host.state === 'connected', 'host connected');
    const [a, b] = await Promise.all([person(room, 'Pat', 'guest'), person(room, 'Sam', 'guest')]);
    await until(() => host.waitingParticipants.length === 2, 'both listed');
    await host.updateComplete;
    part(host, 'people-button')!.click();
    await host.updateComplete;
    const panel = part(host, 'people')!;
    expect([...panel.querySelectorAll('.who')].map((n) => n.textContent).slice(0, 2).sort()).to.deep.equal(['Pat', 'Sam']);
    expect(part(host, 'people-button')!.getAttribute('aria-label')).to.equal('People, 2 people waiting');
    await expect(host).to.be.accessible();
    part(host, 'admit-all-button')!.click();
    await allConnected([host, a, b], 3, 30_000);
  });

  it('deny with a message: the guest is turned away and sees why; the host stays in the call', async () => {
    const room = uniqueRoom('deny');
    const host = await person(room, 'Dr. Rivera', 'host', { 'no-knock-sound': true });
    await until(() => host.state === 'connected', 'host connected');
    const guest = await person(room, 'Pat', 'guest');
    await until(() => host.waitingParticipants.length === 1, 'knock');
    const left = new Promise<string>((resolve) => guest.addEventListener('rtc-left', (e) => resolve(e.detail.reason), { once: true }));
    await host.deny(host.waitingParticipants[0]!.id, 'Please use the link from your appointment e-mail.');
    expect(await left).to.equal('denied');
    await guest.updateComplete;
    const ended = part(guest, 'ended')!;
    expect(ended.textContent).to.contain('You were not let in');
    expect(ended.querySelector('.host-message')!.textContent).to.contain('Please use the link from your appointment e-mail.');
    await expect(guest).to.be.accessible();
    expect(host.state).to.equal('connected');
  });

  it('remove: the guest leaves with removed-by-host and cannot rejoin; the host sees them go; a guest cannot use host actions', async () => {
    const room = uniqueRoom('remove');
    const host = await person(room, 'Dr. Rivera', 'host', { 'no-knock-sound': true });
    await until(() => host.state === 'connected', 'host connected');
    const guest = await person(room, 'Pat', 'guest');
    await until(() => host.waitingParticipants.length === 1, 'knock');
    await host.admit(host.waitingParticipants[0]!.id);
    await allConnected([host, guest], 2);
    // The guest tries host actions: the server refuses, whatever the page does.
    for (const attempt of [() => guest.endCall(), () => guest.removeParticipant(host.participants[0]!.id), () => guest.lock()]) {
      const error = await attempt().then(() => null, (e: { code: string }) => e);
      expect(error?.code).to.equal('not-allowed');
    }
    expect(errorsOf(guest).some((e) => e.code === 'not-allowed' && !e.fatal)).to.equal(true);
    expect(guest.state).to.equal('connected');

    // Mute first: the guest's microphone goes off with a notice.
    const pat = host.participants.find((p) => p.displayName === 'Pat')!;
    await host.requestMute(pat.id);
    await until(() => guest.participants[0]!.micEnabled === false, 'guest muted');
    await guest.updateComplete;
    expect(guest.shadowRoot!.querySelector('[part="notice"][data-code="mute-requested"]')!.textContent).to.contain('The host muted your microphone');

    const gone = new Promise<string>((resolve) => host.addEventListener('rtc-participant-left', (e) => resolve(e.detail.reason), { once: true }));
    const left = new Promise<string>((resolve) => guest.addEventListener('rtc-left', (e) => resolve(e.detail.reason), { once: true }));
    // The UI's Remove asks the page first; a page that cancels keeps the participant.
    host.addEventListener('rtc-remove-request', (e) => e.preventDefault(), { once: true });
    part(host, 'people-button')!.click();
    await host.updateComplete;
    part(host, 'remove-button')!.click();
    await new Promise((r) => setTimeout(r, 300));
    expect(guest.state).to.equal('connected');
    part(host, 'remove-button')!.click();
    expect(await left).to.equal('removed-by-host');
    expect(await gone).to.equal('removed-by-host');
    await guest.updateComplete;
    expect(part(guest, 'ended')!.textContent).to.contain('The host removed you from the call.');
    expect(part(guest, 'rejoin-button'), 'no Rejoin that can only fail').to.equal(null);
    const again = await guest.join().then(() => null, (e: { code: string }) => e);
    expect(again?.code).to.equal('removed-by-host');
  });

  it('end for everyone: the one in the call and the one waiting both leave with ended-by-host', async () => {
    const room = uniqueRoom('end');
    const host = await person(room, 'Dr. Rivera', 'host', { 'no-knock-sound': true });
    await until(() => host.state === 'connected', 'host connected');
    const inCall = await person(room, 'Pat', 'guest');
    await until(() => host.waitingParticipants.length === 1, 'knock');
    await host.admit(host.waitingParticipants[0]!.id);
    await allConnected([host, inCall], 2);
    const waiting = await person(room, 'Sam', 'guest');
    await until(() => waiting.state === 'waiting', 'Sam waiting');
    const reasons = new Map<RtcCall, string>();
    for (const el of [host, inCall, waiting]) el.addEventListener('rtc-left', (e) => reasons.set(el, e.detail.reason), { once: true });
    let asked = 0;
    host.addEventListener('rtc-end-request', () => asked++, { once: true });
    part(host, 'end-button')!.click();
    await until(() => reasons.size === 3, 'everyone left');
    expect(asked).to.equal(1);
    expect([...reasons.values()]).to.deep.equal(['ended-by-host', 'ended-by-host', 'ended-by-host']);
    await inCall.updateComplete;
    expect(part(inCall, 'ended')!.textContent).to.contain('The host ended the call.');
    await until(() => createdPeerConnections.every((pc) => pc.connectionState === 'closed' || pc.signalingState === 'closed'), 'every link closed');
  });

  it('waiting ⇄ reconnecting: a server restart mid-wait brings the guest back to waiting, and the host still sees the knock', async () => {
    const restartable = await rtcServer('waiting-restart', { roomSecret: SECRET, waitingRoom: 'guests' });
    const room = uniqueRoom('wait-restart');
    const sign = (name: string, role: 'host' | 'guest') => command<string>('rtc-sign-room-token', { secret: SECRET, room, name, role, sub: name, ttl: 600 });
    const host = await calls.call({ room, server: restartable, name: 'Dr. Rivera', autojoin: true, attrs: { token: await sign('Dr. Rivera', 'host'), 'no-knock-sound': true } });
    await until(() => host.state === 'connected', 'host connected');
    const guest = await calls.call({ room, server: restartable, name: 'Pat', autojoin: true, attrs: { token: await sign('Pat', 'guest') } });
    await until(() => guest.state === 'waiting' && host.waitingParticipants.length === 1, 'guest waiting, host told');
    const states: string[] = [];
    guest.addEventListener('rtc-state-change', (e) => states.push(e.detail.state));
    await command('rtc-server-restart', { name: 'waiting-restart', downMs: 500 });
    await until(() => states.includes('reconnecting') && guest.state === 'waiting' && host.state === 'connected', 'back to waiting', 20_000);
    expect(states).to.deep.equal(['reconnecting', 'waiting']);
    await until(() => host.waitingParticipants.length === 1, 'the knock is listed again');
    await host.admit(host.waitingParticipants[0]!.id);
    await allConnected([host, guest], 2);
  });
});
