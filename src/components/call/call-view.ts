/**
 * The in-call parts of `<rtc-call>`: the call view (tile grid or stage and filmstrip), the control
 * bar, the knock banner, the people panel with the waiting list, the chat with its files, the
 * settings panel and the ended view. The element (call.ts, registered with the page) keeps every
 * property, state and public method and renders the pre-join and waiting views itself; it loads
 * this module when a call is near — at the join's pre-warm, at Join (beside the join request), at
 * autojoin — so the first paint does not pay for it (a chunk of its own in the one-tag bundle:
 * rollup.config.mjs), and renders these parts through the functions below once it has arrived.
 */
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { CallController } from '../../controllers/call-controller.js';
import { RtcErrorCode, type RtcError } from '../../core/errors.js';
import { CallState, type ChatMessage, type Participant, type WaitingParticipant } from '../../core/types.js';
import { canShareScreen } from '../../core/media/screen.js';
import { RtcEndRequestEvent } from '../../events/end-request.js';
import { RtcRemoveRequestEvent } from '../../events/remove-request.js';
import { leaveIcon, micOffIcon } from '../icons.js';
import { attachIcon, chatIcon, peopleIcon, screenShareIcon, settingsIcon } from './call-view-icons.js';
import type { FileView, RtcCall } from './call.js';

export { styles } from './call-view.styles.js';

/** The parts of each `<rtc-video-tile>`, re-exported from `<rtc-call>` with a `tile-` prefix. */
const TILE_PARTS = [
  'base', 'video', 'placeholder', 'avatar', 'name', 'mic-indicator', 'status', 'quality', 'quality-reason', 'actions',
  'pip-button', 'fullscreen-button', 'unmute-audio-button',
].map((p) => `${p}:tile-${p}`).join(', ');

/** One tile of the call view: a participant's camera, or their shared screen. */
interface TileItem {
  key: string;
  p: Participant;
  screen: boolean;
}

/** The values of `layout` (anything else counts as `auto`). */
const LAYOUTS: readonly string[] = ['auto', 'grid', 'speaker'];

/** A size in bytes as people read it (KB / MB with one decimal, in the element's language). */
function formatBytes(bytes: number, lang: string): string {
  const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, 'megabyte'] : bytes >= 1e3 ? [bytes / 1e3, 'kilobyte'] : [bytes, 'byte'];
  return new Intl.NumberFormat(lang || undefined, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: unit === 'byte' ? 0 : 1 }).format(value);
}

/** http(s) links in chat text as anchors that open a new tab without referrer or opener; everything else stays text. */
const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
function linkify(text: string) {
  const parts: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    const at = match.index ?? 0;
    parts.push(text.slice(last, at));
    parts.push(html`<a href=${url} target="_blank" rel="noopener noreferrer nofollow">${url}</a>`);
    last = at + url.length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** A short two-tone chime when someone knocks (Web Audio; silent where audio cannot start). */
export function playChime(): void {
  try {
    const ctx = new AudioContext();
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.45);
    gain.connect(ctx.destination);
    for (const [freq, at] of [[880, 0], [660, 0.18]] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.25);
    }
    setTimeout(() => void ctx.close(), 800);
  } catch {
    // No audio here: the announcement still tells.
  }
}

function pickFile(el: RtcCall): void {
  el.shadowRoot?.querySelector<HTMLInputElement>('input[name="file"]')?.click();
}

function onFilePicked(el: RtcCall, e: Event): void {
  const input = e.target as HTMLInputElement;
  for (const file of input.files ?? []) sendPickedFile(el, file);
  input.value = '';
}

function onChatDrop(el: RtcCall, e: DragEvent): void {
  // Files go peer to peer: not through the SFU.
  if (!e.dataTransfer?.files.length || el.controller.mode === 'sfu') return;
  e.preventDefault();
  for (const file of e.dataTransfer.files) sendPickedFile(el, file);
}

function onChatDragOver(e: DragEvent): void {
  if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
}

function sendPickedFile(el: RtcCall, file: File): void {
  const before = el.files.size;
  el.sendFile(file).catch((error: RtcError) => {
    // A file that started shows its failure on its own line; one that never started, as a notice.
    if (el.files.size === before) el.showError(error);
  });
}

function toggleChat(el: RtcCall): void {
  el.chatOpen = !el.chatOpen;
  if (el.chatOpen) {
    el.unread = 0;
    el.peopleOpen = false;
    el.settingsOpen = false;
    void el.updateComplete.then(() => el.shadowRoot?.querySelector<HTMLInputElement>('[part~="chat-input"]')?.focus());
  }
}

function onChatSubmit(el: RtcCall, e: Event): void {
  e.preventDefault();
  const input = el.shadowRoot?.querySelector<HTMLInputElement>('[part~="chat-input"]');
  if (!input || !input.value.trim()) return;
  const text = input.value;
  el.sendMessage(text).then(
    () => {
      if (input.value === text) input.value = '';
    },
    (error: RtcError) => el.showError(error),
  );
}

/** A host action from the element's own buttons: failures are shown (and dispatched) by the controller. */
function act(el: RtcCall, request: Parameters<CallController['hostAction']>[0]): void {
  el.controller.hostAction(request).catch((error: RtcError) => el.showError(error));
}

function onEndClick(el: RtcCall): void {
  const request = new RtcEndRequestEvent();
  el.dispatchEvent(request);
  if (request.defaultPrevented) return;
  el.endCall().catch(() => {});
}

function onRemoveClick(el: RtcCall, p: Participant): void {
  const request = new RtcRemoveRequestEvent({ participant: p });
  el.dispatchEvent(request);
  if (request.defaultPrevented) return;
  act(el, { request: 'remove', data: { peerId: p.id } });
}

function onRejoinClick(el: RtcCall): void {
  el.notices = [];
  if (el.autojoin) {
    el.join().catch(() => {});
  } else {
    // Back to the pre-join view with a fresh preview.
    el.controller.restart();
  }
}

/** Hosts, people panel closed: the longest-waiting knock with Admit / Deny, and how many more. */
export function renderKnockBanner(el: RtcCall) {
  const waiting = el.waitingParticipants;
  const first = waiting[0];
  if (!first) return nothing;
  const m = el.labels;
  const name = first.displayName || m.guest;
  return html`<div part="knock-banner" class="knock-banner" role="region" aria-label=${m.waitingList}>
    <span>${m.knocked(name)}${waiting.length > 1 ? ` (+${waiting.length - 1})` : ''}</span>
    <button part="admit-button" type="button" class="join" aria-label=${m.admitName(name)} @click=${() => act(el, { request: 'admit', data: { peerId: first.id } })}>${m.admit}</button>
    <button part="deny-button" type="button" aria-label=${m.denyName(name)} @click=${() => act(el, { request: 'deny', data: { peerId: first.id } })}>${m.deny}</button>
    ${waiting.length > 1 ? html`<button type="button" @click=${() => (el.peopleOpen = true)}>${m.people}</button>` : nothing}
  </div>`;
}

/** Hosts: the waiting list (Admit / Deny, Admit all), everyone in the call (Mute, Remove), lock. */
export function renderPeople(el: RtcCall) {
  const m = el.labels;
  const waiting = el.waitingParticipants;
  const others = el.participants.filter((p) => !p.isLocal);
  const locked = el.locked;
  const host = el.isHost;
  const sfu = el.controller.mode === 'sfu';
  return html`<div part="people" class="people" role="dialog" aria-label=${m.people}>
    ${host ? renderWaitingList(el, waiting) : nothing}
    <h3>${m.inCall} (${others.length + 1})</h3>
    <ul class="people-list">
      ${repeat(others, (p) => p.id, (p) => {
        const name = el.nameOf(p);
        const code = el.codes.get(p.id);
        return html`<li data-id=${p.id}>
          <span class="who">${name}</span>
          ${sfu ? nothing : html`<button part="verify-button" type="button" aria-label=${m.securityCodeOf(name)} title=${m.securityCodeOf(name)} @click=${() => showCode(el, p)}>${m.securityCode}</button>`}
          ${host
            ? html`<button part="mute-participant-button" type="button" aria-label=${m.muteName(name)} title=${m.muteName(name)} ?disabled=${!p.micEnabled} @click=${() => act(el, { request: 'mute', data: { peerId: p.id } })}>${micOffIcon}</button>
                <button part="remove-button" type="button" aria-label=${m.removeName(name)} @click=${() => onRemoveClick(el, p)}>${m.removeName(name)}</button>`
            : nothing}
          ${code ? html`<p class="code" part="verification-code" data-code=${code}>${m.compareCode(name, `${code.slice(0, 3)} ${code.slice(3)}`)}</p>` : nothing}
        </li>`;
      })}
    </ul>
    ${host ? html`<button part="lock-button" type="button" aria-pressed=${locked ? 'true' : 'false'} @click=${() => act(el, { request: locked ? 'unlock' : 'lock' })}>${locked ? m.unlockRoom : m.lockRoom}</button>` : nothing}
    <button type="button" class="close-settings" @click=${() => (el.peopleOpen = false)}>${m.dismiss}</button>
  </div>`;
}

function showCode(el: RtcCall, p: Participant): void {
  el.verificationCode(p.id).then(
    (code) => {
      el.codes = new Map(el.codes).set(p.id, code);
    },
    (error: RtcError) => el.showError(error),
  );
}

function renderWaitingList(el: RtcCall, waiting: readonly WaitingParticipant[]) {
  const m = el.labels;
  return html`<h3>${m.waitingList} (${waiting.length})</h3>
    <ul class="people-list">
      ${repeat(waiting, (w) => w.id, (w) => {
        const name = w.displayName || m.guest;
        return html`<li data-id=${w.id}>
          <span class="who">${name}</span>
          <button part="admit-button" type="button" class="join" aria-label=${m.admitName(name)} @click=${() => act(el, { request: 'admit', data: { peerId: w.id } })}>${m.admit}</button>
          <button part="deny-button" type="button" aria-label=${m.denyName(name)} @click=${() => act(el, { request: 'deny', data: { peerId: w.id } })}>${m.deny}</button>
        </li>`;
      })}
    </ul>
    ${waiting.length > 1 ? html`<button part="admit-all-button" type="button" @click=${() => act(el, { request: 'admit-all' })}>${m.admitAll}</button>` : nothing}`;
}

/**
 * The call view. `grid`: equal tiles. A stage: one tile large (the pinned participant, a shared
 * screen, the active speaker, or in a 1:1 the other person) and the rest in a filmstrip — in a
 * 1:1 your own view sits small in a corner of the stage.
 */
export function renderCallView(el: RtcCall) {
  const participants = el.participants;
  const m = el.labels;
  const items: TileItem[] = [
    ...participants.filter((p) => p.screenStream).map((p) => ({ key: `screen:${p.id}`, p, screen: true })),
    ...participants.map((p) => ({ key: p.id, p, screen: false })),
  ];
  const onStage = stageItem(el, items);
  const alone = participants.length === 1 && el.inCall;
  const changed = el.modeChanged === el.controller.mode ? el.modeChanged : null;
  const modeText = changed === 'sfu' ? m.nowViaServer : changed === 'mesh' ? m.nowPeerToPeer : el.controller.mode === 'sfu' ? m.sfuMode : null;
  const modeNotice = modeText && el.inCall
    ? html`<p part="mode-notice" class="mode-notice" role="note" data-mode=${el.controller.mode} ?data-changed=${!!changed}>${modeText}</p>`
    : nothing;
  if (!onStage) {
    return html`
      ${modeNotice}
      <div part="grid" class="grid" data-count=${Math.min(items.length, 6)} aria-label=${m.participants} role="list">
        ${repeat(items, (i) => i.key, (i) => renderTile(el, i))}
      </div>
      ${alone ? renderAlone(el) : nothing}
    `;
  }
  const rest = items.filter((i) => i !== onStage);
  const corner = el.layout === 'auto' && rest.length === 1 && !onStage.screen && rest[0]!.p.isLocal && !el.pinned;
  return html`${modeNotice}<div class="layout ${corner ? 'corner' : ''}">
    <div part="stage" class="stage" role="list" aria-label=${m.stage}>${renderTile(el, onStage)}</div>
    <div part="filmstrip" class="filmstrip" role="list" aria-label=${m.participants}>
      ${repeat(rest, (i) => i.key, (i) => renderTile(el, i))}
    </div>
  </div>`;
}

/** What the stage shows, or null for the grid. */
function stageItem(el: RtcCall, items: TileItem[]): TileItem | null {
  const layout = LAYOUTS.includes(el.layout) ? el.layout : 'auto';
  const pinned = el.pinned ? items.find((i) => i.p.id === el.pinned && i.screen) ?? items.find((i) => i.key === el.pinned) : undefined;
  if (pinned) return pinned;
  if (layout === 'grid' || items.length < 2) return null;
  const share = items.find((i) => i.screen && !i.p.isLocal) ?? items.find((i) => i.screen);
  if (layout === 'speaker') {
    const speaker = el.controller.activeSpeaker;
    return share ?? items.find((i) => !i.screen && i.p.id === speaker && !i.p.isLocal) ?? items.find((i) => !i.screen && !i.p.isLocal) ?? null;
  }
  // auto: a share takes the stage; a 1:1 puts the other person there; three and more: the grid.
  if (share) return share;
  const remote = items.filter((i) => !i.p.isLocal);
  return items.length === 2 && remote.length === 1 ? remote[0]! : null;
}

function renderTile(el: RtcCall, i: TileItem) {
  const m = el.labels;
  const p = i.p;
  if (i.screen) {
    return html`<rtc-video-tile
      part="screen-tile"
      class="screen"
      exportparts=${TILE_PARTS}
      role="listitem"
      fit="contain"
      .stream=${p.screenStream}
      display-name=${p.isLocal ? m.yourScreen : m.screenOf(el.nameOf(p))}
      status="connected"
      lang=${el.localize.lang}
    ></rtc-video-tile>`;
  }
  return html`<rtc-video-tile
    part="tile"
    exportparts=${TILE_PARTS}
    role="listitem"
    data-id=${p.id}
    .stream=${p.stream}
    display-name=${el.nameOf(p)}
    ?local=${p.isLocal}
    ?mic-off=${!p.micEnabled}
    ?camera-off=${!p.cameraEnabled || el.audioOnly}
    ?active-speaker=${!p.isLocal && el.controller.activeSpeaker === p.id}
    status=${p.isLocal ? 'connected' : p.connection}
    quality=${p.quality?.level ?? ''}
    quality-reason=${p.quality?.reason ?? ''}
    sink-id=${el.devices.audioOutput ?? ''}
    lang=${el.localize.lang}
  ></rtc-video-tile>`;
}

/** Alone in the call: say so, and offer the invite link when the page gave one. */
function renderAlone(el: RtcCall) {
  const m = el.labels;
  return html`<div class="alone">
    <p>${m.aloneInRoom}</p>
    ${el.inviteUrl
      ? html`<button part="invite-button" type="button" title=${m.copyInvite} @click=${() => onCopyInvite(el)}>${el.inviteCopied ? m.inviteCopied : m.copyInvite}</button>`
      : nothing}
  </div>`;
}

function onCopyInvite(el: RtcCall): void {
  const url = el.inviteUrl;
  navigator.clipboard?.writeText(url).then(
    () => {
      el.inviteCopied = true;
      el.announce(el.labels.inviteCopied);
      setTimeout(() => (el.inviteCopied = false), 3000);
    },
    () => el.pushNotice('invite', el.labels.inviteCopyFailed(url), true),
  );
}

export function renderBar(el: RtcCall) {
  const m = el.labels;
  return html`
    ${el.renderMicButton()} ${el.audioOnly ? nothing : el.renderCameraButton()}
    ${customElements.get('rtc-device-picker')
      ? html`<button
          part="settings-button"
          type="button"
          class="toggle"
          aria-label=${m.settings}
          title=${m.settings}
          aria-expanded=${el.settingsOpen ? 'true' : 'false'}
          @click=${() => (el.settingsOpen = !el.settingsOpen)}
        >${settingsIcon}</button>`
      : nothing}
    ${canShareScreen() && !el.noScreenShare ? renderShareButton(el) : nothing}
    ${el.noChat ? nothing : renderChatButton(el)}
    ${renderPeopleButtons(el)}
    <button part="leave-button" type="button" class="leave" aria-label=${m.leave} title=${m.leave} @click=${() => el.onLeaveClick()}>${leaveIcon}</button>
  `;
}

function renderChatButton(el: RtcCall) {
  const m = el.labels;
  const label = el.unread ? m.chatCount(el.unread) : m.chat;
  return html`<button
    part="chat-button"
    type="button"
    class="toggle people-button"
    aria-label=${label}
    title=${label}
    aria-expanded=${el.chatOpen ? 'true' : 'false'}
    @click=${() => toggleChat(el)}
  >${chatIcon}${el.unread ? html`<span class="badge" aria-hidden="true">${el.unread}</span>` : nothing}</button>`;
}

/** The chat: messages as text (links clickable, never HTML), history marked, files with progress, a field that sends on Enter. */
export function renderChat(el: RtcCall) {
  const m = el.labels;
  const all = el.controller.messages;
  const relayer = all.find((x) => x.replayed)?.relayedBy;
  const relayerName = relayer ? el.participants.find((p) => p.id === relayer)?.displayName ?? m.guest : '';
  const files = [...el.files.values()];
  const items: ({ msg: ChatMessage; i: number } | { file: FileView })[] = [];
  for (let i = 0, f = 0; i <= all.length; i++) {
    while (f < files.length && files[f]!.after <= i) items.push({ file: files[f++]! });
    if (i < all.length) items.push({ msg: all[i]!, i });
  }
  return html`<div part="chat" class="chat people" role="dialog" aria-label=${m.chat} @dragover=${(e: DragEvent) => onChatDragOver(e)} @drop=${(e: DragEvent) => onChatDrop(el, e)}>
    <div class="chat-log" role="log" aria-label=${m.chat}><ol class="chat-list">
      ${items.length ? nothing : html`<li class="chat-empty">${m.chatEmpty}</li>`}
      ${repeat(items, (x) => ('msg' in x ? x.msg.id : `file ${x.file.id}`), (x) => {
        if ('file' in x) return renderFile(el, x.file);
        const { msg, i } = x;
        return html`
        ${msg.replayed && !all[i - 1]?.replayed ? html`<li class="chat-history">${m.earlierMessages(relayerName)}</li>` : nothing}
        <li part="chat-message" class="chat-message ${msg.isLocal ? 'local' : ''}" ?data-replayed=${msg.replayed}>
          <span class="who">${msg.isLocal ? m.you : msg.displayName || m.guest}</span>
          ${renderTime(el, msg.sentAt)}
          <p class="text">${linkify(msg.text)}</p>
        </li>`;
      })}
    </ol></div>
    <form class="chat-form" @submit=${(e: Event) => onChatSubmit(el, e)}>
      ${el.controller.mode === 'sfu' ? nothing : html`<button part="file-button" type="button" class="icon-button" aria-label=${m.sendFile} title=${m.sendFile} @click=${() => pickFile(el)}>${attachIcon}</button>`}
      <input type="file" name="file" hidden multiple @change=${(e: Event) => onFilePicked(el, e)} />
      <input part="chat-input" name="chat" autocomplete="off" maxlength="4000" aria-label=${m.chatPlaceholder} placeholder=${m.chatPlaceholder} />
      <button type="submit" class="join">${m.send}</button>
    </form>
    <button type="button" class="close-settings" @click=${() => (el.chatOpen = false)}>${m.dismiss}</button>
  </div>`;
}

function renderTime(el: RtcCall, at: Date) {
  return html`<time datetime=${at.toISOString()}>${at.toLocaleTimeString(el.localize.lang || undefined, { hour: '2-digit', minute: '2-digit' })}</time>`;
}

/** A file in the chat: its name and size, progress with Cancel while on its way, then a download link (received) or its outcome. */
function renderFile(el: RtcCall, f: FileView) {
  const m = el.labels;
  const legs = [...f.legs.values()];
  const active = legs.some((l) => l.status === 'active');
  const complete = !active && legs.some((l) => l.status === 'complete');
  const status = active ? 'active' : complete ? 'complete' : 'failed';
  const bytes = legs.reduce((n, l) => n + (l.status === 'failed' ? 0 : l.bytes), 0);
  const total = f.size * Math.max(1, legs.filter((l) => l.status !== 'failed').length);
  const size = formatBytes(f.size, el.localize.lang);
  const sender = f.from ? el.participants.find((p) => p.id === f.from) : undefined;
  const who = f.direction === 'send' ? m.you : sender ? el.nameOf(sender) : m.guest;
  const cancelled = legs.every((l) => l.code === RtcErrorCode.FileCancelled);
  return html`<li part="chat-message chat-file" class="chat-message chat-file ${f.direction === 'send' ? 'local' : ''}" data-direction=${f.direction} data-status=${status} data-file-id=${f.id}>
    <span class="who">${who}</span>
    ${renderTime(el, f.at)}
    <p class="text file-line">${attachIcon}<span class="file-name">${f.name}</span> <span class="file-size">${size}</span></p>
    ${active
      ? html`<div class="file-progress">
          <progress max=${total || 1} value=${total ? bytes : 0} aria-label=${f.direction === 'send' ? m.fileSending(f.name) : m.fileReceiving(f.name)}></progress>
          <button part="file-cancel-button" type="button" class="link-button" aria-label=${m.cancelFile(f.name)} @click=${() => el.cancelFile(f.id)}>${m.cancel}</button>
        </div>`
      : status === 'complete'
        ? f.direction === 'receive' && f.url
          ? html`<a part="file-download" class="file-download" href=${f.url} download=${f.name}>${m.downloadFile(f.name, size)}</a>`
          : html`<span class="file-status">${m.fileDelivered}</span>`
        : html`<span class="file-status" role="status">${cancelled ? m.fileCancelled : m.fileFailed}</span>`}
  </li>`;
}

function renderShareButton(el: RtcCall) {
  const sharing = el.screenSharing;
  const m = el.labels;
  return html`<button
    part="screen-share-button"
    type="button"
    class="toggle ${sharing ? 'sharing' : ''}"
    aria-label=${sharing ? m.stopSharing : m.shareScreen}
    title=${sharing ? m.stopSharing : m.shareScreen}
    aria-pressed=${sharing ? 'true' : 'false'}
    @click=${() => onShareClick(el)}
  >${screenShareIcon}</button>`;
}

function onShareClick(el: RtcCall): void {
  const done = el.screenSharing ? el.stopScreenShare() : el.startScreenShare();
  done.then(() => el.requestUpdate(), (error: RtcError) => el.showError(error));
}

/** The People button for everyone (the security codes; for hosts also the waiting list and actions); End for hosts. */
function renderPeopleButtons(el: RtcCall) {
  const m = el.labels;
  const count = el.waitingParticipants.length;
  return html`<button
      part="people-button"
      type="button"
      class="toggle people-button"
      aria-label=${count ? m.peopleCount(count) : m.people}
      title=${count ? m.peopleCount(count) : m.people}
      aria-expanded=${el.peopleOpen ? 'true' : 'false'}
      @click=${() => (el.peopleOpen = !el.peopleOpen)}
    >${peopleIcon}${count ? html`<span class="badge" aria-hidden="true">${count}</span>` : nothing}</button>
    ${el.isHost ? html`<button part="end-button" type="button" class="leave end" title=${m.endForAll} @click=${() => onEndClick(el)}>${m.endForAll}</button>` : nothing}`;
}

export function renderSettings(el: RtcCall) {
  const m = el.labels;
  return html`<div part="settings" class="settings" role="dialog" aria-label=${m.settings}>
    ${el.renderDevicePicker()}
    <button type="button" class="close-settings" @click=${() => (el.settingsOpen = false)}>${m.dismiss}</button>
  </div>`;
}

export function renderEnded(el: RtcCall, state: CallState) {
  const m = el.labels;
  const error = el.error;
  const failed = state === CallState.Failed;
  const reasonText = el.leftText(el.leftReason);
  // A removed person cannot come back into this call: no Rejoin that can only fail.
  const canRejoin = !(el.leftReason === 'removed-by-host' || error?.code === RtcErrorCode.RemovedByHost);
  return html`<div part="ended" class="ended" role="alert">
    <h2>${failed ? m.failedTitle : el.leftReason === 'denied' ? m.deniedTitle : m.leftTitle}</h2>
    ${!failed && reasonText ? html`<p class="reason" data-code=${el.leftReason!}>${reasonText}</p>` : nothing}
    ${!failed && el.leftReason === 'denied' && el.controller.hostMessage
      ? html`<blockquote class="host-message"><span>${m.hostMessage}</span> <q>${el.controller.hostMessage}</q></blockquote>`
      : nothing}
    ${failed && error ? html`<p class="reason" data-code=${error.code}>${m.errors[error.code] ?? error.message}</p>` : nothing}
    ${canRejoin ? html`<button part="rejoin-button" type="button" class="join" @click=${() => onRejoinClick(el)}>${failed ? m.tryAgain : m.rejoin}</button>` : nothing}
  </div>`;
}
