/** Helpers for tests of <rtc-call>: create calls against the test server, find tiles, wait for states. */
import '../../../src/rtc-call.js';
import type { RtcCall } from '../../../src/components/call/call.js';
import type { RtcVideoTile } from '../../../src/components/video-tile/video-tile.js';
import type { RtcError } from '../../../src/core/errors.js';
import { rtcServer } from './server.js';
import { until } from './media.js';

let roomCounter = 0;
/** A room name unique to this test run. */
export function uniqueRoom(prefix = 'r'): string {
  return `${prefix}-${Date.now().toString(36)}-${++roomCounter}`;
}

export interface CallOptions {
  room: string;
  name?: string;
  server?: string;
  autojoin?: boolean;
  attrs?: Record<string, string | boolean>;
  container?: HTMLElement;
}

/** Creates an <rtc-call> in the page (not joined unless `autojoin`). */
export async function createCall(options: CallOptions): Promise<RtcCall> {
  const el = document.createElement('rtc-call');
  el.server = options.server ?? (await rtcServer());
  el.room = options.room;
  el.displayName = options.name ?? 'Guest';
  for (const [k, v] of Object.entries(options.attrs ?? {})) {
    if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  if (options.autojoin) el.autojoin = true;
  const errors: RtcError[] = [];
  seenErrors.set(el, errors);
  el.addEventListener('rtc-error', (e) => errors.push(e.detail));
  (options.container ?? document.body).append(el);
  await el.updateComplete;
  return el;
}

/**
 * `call()` creates an element like createCall and remembers it; `cleanup()` (an afterEach) leaves
 * and removes every one made since.
 */
export function trackedCalls(): { call(options: CallOptions): Promise<RtcCall>; cleanup(): Promise<void> } {
  const made: RtcCall[] = [];
  return {
    async call(options) {
      const el = await createCall(options);
      made.push(el);
      return el;
    },
    async cleanup() {
      await Promise.all(made.map((c) => c.leave()));
      made.splice(0).forEach((c) => c.remove());
    },
  };
}

const seenErrors = new WeakMap<RtcCall, RtcError[]>();
/** Every rtc-error an element made by createCall dispatched, from before it was on the page. */
export function errorsOf(el: RtcCall): RtcError[] {
  return seenErrors.get(el) ?? [];
}

/** The tiles an <rtc-call> renders in its grid. */
export function tilesOf(el: RtcCall): RtcVideoTile[] {
  return [...(el.shadowRoot?.querySelectorAll<RtcVideoTile>('rtc-video-tile[part~="tile"]') ?? [])];
}

/** The tile showing a given participant (matched by their stream or name). */
export async function remoteTile(el: RtcCall, name: string): Promise<RtcVideoTile> {
  return (await until(() => tilesOf(el).find((t) => !t.local && t.displayName === name), `a tile for ${name}`))!;
}

/** The <video> inside a tile. */
export function videoOf(tile: RtcVideoTile): HTMLVideoElement {
  const v = tile.shadowRoot?.querySelector('video');
  if (!v) throw new Error('tile has no video');
  return v;
}

/** Waits until every call sees `count` participants, all remote links connected. */
export async function allConnected(calls: RtcCall[], count: number, timeoutMs = 20_000): Promise<void> {
  await until(
    () =>
      calls.every(
        (c) =>
          c.state === 'connected' &&
          c.participants.length === count &&
          c.participants.every((p) => p.isLocal || (p.connection === 'connected' && p.stream)),
      ),
    `${calls.length} calls with ${count} connected participants each`,
    timeoutMs,
  );
}

/** Every RTCPeerConnection ever created in the page, to check none stays open after teardown. */
export const createdPeerConnections: RTCPeerConnection[] = [];
const Native = window.RTCPeerConnection;
if (!(Native as unknown as { __tracked?: boolean }).__tracked) {
  const Tracked = function (this: unknown, ...args: ConstructorParameters<typeof RTCPeerConnection>) {
    const pc = new Native(...args);
    createdPeerConnections.push(pc);
    return pc;
  } as unknown as typeof RTCPeerConnection;
  Tracked.prototype = Native.prototype;
  Object.setPrototypeOf(Tracked, Native);
  (Tracked as unknown as { __tracked: boolean }).__tracked = true;
  window.RTCPeerConnection = Tracked;
}

/** Open (not closed) peer connections created so far. */
export function openPeerConnections(): RTCPeerConnection[] {
  return createdPeerConnections.filter((pc) => pc.connectionState !== 'closed' && pc.signalingState !== 'closed');
}

/** Every MediaStreamTrack getUserMedia handed out, to check none stays live. */
export const capturedTracks: MediaStreamTrack[] = [];
const nativeGum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
if (!(navigator.mediaDevices as unknown as { __tracked?: boolean }).__tracked) {
  (navigator.mediaDevices as unknown as { __tracked: boolean }).__tracked = true;
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const stream = await nativeGum(constraints);
    capturedTracks.push(...stream.getTracks());
    return stream;
  };
}

export function liveCapturedTracks(): MediaStreamTrack[] {
  return capturedTracks.filter((t) => t.readyState === 'live');
}
