// Chat between real calls: everyone gets every message (the sender too), text stays text, links
// open safely, a late joiner gets the history from the member present longest (marked as relayed),
// the length limit, names kept after someone leaves, the panel's badge, announcements and
// accessibility.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { ChatMessage } from '../../src/core/types.js';
import { allConnected, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';

const q = (el: RtcCall, sel: string) => el.shadowRoot!.querySelector<HTMLElement>(sel);

describe('<rtc-call> chat', function () {
  this.timeout(60_000);
  const calls = trackedCalls();
  afterEach(() => calls.cleanup());

  it('three people chat; HTML stays text, links are safe; a late joiner gets the history, marked; the limit; names outlive a leave', async () => {
    const room = uniqueRoom('chat');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    const c = await calls.call({ room, name: 'Cleo', autojoin: true, attrs: { 'no-chat': true } });
    await allConnected([a, b, c], 3, 30_000);
    const got = new Map<RtcCall, ChatMessage[]>([[a, []], [b, []], [c, []]]);
    for (const [el, list] of got) el.addEventListener('rtc-message', (e) => list.push(e.detail));

    const hostile = 'See <b>this</b> <img src=x onerror="window.__pwned=1"> https://clinic.example/prep?x=1.';
    const sent = await a.sendMessage(hostile);
    expect(sent.isLocal).to.equal(true);
    await b.sendMessage('Thanks, Ann!');
    await c.sendMessage('Hello from Cleo');
    await until(() => [...got.values()].every((l) => l.length === 3), 'everyone has all three');
    // Each sender's messages arrive in order; messages of different senders may interleave.
    const byText = (list: ChatMessage[]) => [...list].sort((x, y) => x.text.localeCompare(y.text));
    for (const [el, list] of got) {
      const sorted = byText(list);
      expect(sorted.map((m) => m.text)).to.deep.equal(['Hello from Cleo', hostile, 'Thanks, Ann!']);
      expect(sorted.map((m) => m.isLocal)).to.deep.equal([el === c, el === a, el === b]);
      expect(list.every((m) => !m.replayed)).to.equal(true);
    }
    const annAtBob = got.get(b)!.find((m) => m.text === hostile)!;
    expect(annAtBob.displayName).to.equal('Ann');
    expect(annAtBob.from).to.equal(a.participants[0]!.id);

    // Bob's panel: unread badge and announcements while closed; text as text, links safe.
    await b.updateComplete;
    expect(q(b, '[part~="chat-button"]')!.getAttribute('aria-label')).to.equal('Chat, 2 unread messages');
    q(b, '[part~="chat-button"]')!.click();
    await b.updateComplete;
    const first = [...b.shadowRoot!.querySelectorAll('[part~="chat-message"]')].find((li) => li.textContent!.includes('See'))!;
    expect(first.querySelector('b, img'), 'no HTML from a message').to.equal(null);
    expect(first.querySelector('.text')!.textContent).to.equal(hostile);
    const link = first.querySelector('a')!;
    expect(link.getAttribute('href')).to.equal('https://clinic.example/prep?x=1');
    expect(link.getAttribute('target')).to.equal('_blank');
    expect(link.getAttribute('rel')).to.equal('noopener noreferrer nofollow');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect(q(b, '[part~="chat-button"]')!.getAttribute('aria-label')).to.equal('Chat');
    await expect(b).to.be.accessible();
    // Typing and Enter sends.
    const input = q(b, '[part~="chat-input"]') as HTMLInputElement;
    input.value = 'typed in the panel';
    input.form!.requestSubmit();
    await until(() => got.get(a)!.some((m) => m.text === 'typed in the panel'), 'the typed message');
    expect(input.value).to.equal('');
    // `no-chat`: no button, the API still works.
    expect(q(c, '[part~="chat-button"]')).to.equal(null);

    // The limit: 4,000 characters (code points) pass, 4,001 do not.
    await a.sendMessage('😀'.repeat(4000));
    const long = await a.sendMessage('x'.repeat(4001)).then(() => null, (e: { code: string }) => e);
    expect(long?.code).to.equal('message-too-long');
    await until(() => got.get(c)!.length === 5, 'the 4,000-character message');

    // A late joiner: the history from Ann (present longest), marked as relayed, in order, once.
    const d = await calls.call({ room, name: 'Dee', autojoin: true });
    await allConnected([a, b, c, d], 4, 30_000);
    await until(() => d.messages.length === 5, 'the history');
    expect(d.messages.map((m) => m.text.slice(0, 20))).to.deep.equal(got.get(a)!.map((m) => m.text.slice(0, 20)));
    expect(d.messages.every((m) => m.replayed && m.relayedBy === a.participants[0]!.id)).to.equal(true);
    expect(d.messages.map((m) => m.displayName)).to.deep.equal(a.messages.map((m) => m.displayName));
    expect([...d.messages.map((m) => m.displayName)].sort()).to.deep.equal(['Ann', 'Ann', 'Bob', 'Bob', 'Cleo']);
    expect(new Set(d.messages.map((m) => m.id)).size).to.equal(5);
    q(d, '[part~="chat-button"]')!.click();
    await d.updateComplete;
    expect(q(d, '.chat-history')!.textContent).to.contain('Earlier messages, relayed by Ann');
    expect(d.shadowRoot!.querySelectorAll('[part~="chat-message"][data-replayed]').length).to.equal(5);
    await expect(d).to.be.accessible();

    // Bob leaves: his messages keep his name.
    await b.leave();
    await until(() => a.participants.length === 3, 'Bob gone');
    expect(a.messages.filter((m) => m.from === b.participants[0]?.id || m.displayName === 'Bob').map((m) => m.displayName)).to.deep.equal(['Bob', 'Bob']);
  });
});
