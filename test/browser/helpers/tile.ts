/**
 * Media sources for the video tile tests: a real remote track (an in-page RTCPeerConnection pair on
 * loopback), a silent audio stream, and a listener counter for leak checks.
 */

/**
 * A real WebRTC loopback: `remote` is what a receiving peer sees of `stream`. `renegotiate()`
 * runs another offer/answer, e.g. after setting a transceiver's direction to `inactive` (the
 * remote track then goes muted but stays live, as when a remote camera is turned off).
 */
export async function loopback(stream: MediaStream): Promise<{
  remote: MediaStream;
  transceivers: RTCRtpTransceiver[];
  renegotiate(): Promise<void>;
  close(): void;
}> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  const transceivers = stream.getTracks().map((t) => a.addTransceiver(t, { direction: 'sendonly', streams: [stream] }));
  const remote = new Promise<MediaStream>((resolve) => {
    b.ontrack = (e) => resolve(e.streams[0]!);
  });
  const renegotiate = async () => {
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
  };
  await renegotiate();
  return {
    remote: await remote,
    transceivers,
    renegotiate,
    close() {
      a.close();
      b.close();
    },
  };
}

/** An audio stream that is pure digital silence: an oscillator through a gain of 0. */
export function silentStream(): { stream: MediaStream; close(): Promise<void> } {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  gain.gain.value = 0;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  return {
    stream: dest.stream,
    async close() {
      osc.stop();
      dest.stream.getTracks().forEach((t) => t.stop());
      await ctx.close();
    },
  };
}

/**
 * Counts the event listeners currently registered on `targets` (instance-level wrappers of
 * add/removeEventListener), so a test can check that everything added was removed again.
 */
export function countListeners(...targets: EventTarget[]): { active(): number; restore(): void } {
  const live = new Set<string>();
  const restores: Array<() => void> = [];
  targets.forEach((target, i) => {
    const add = target.addEventListener;
    const remove = target.removeEventListener;
    const ids = new WeakMap<object, number>();
    let next = 0;
    const key = (type: string, fn: unknown) => {
      const f = fn as object;
      if (!ids.has(f)) ids.set(f, next++);
      return `${i}:${type}:${ids.get(f)}`;
    };
    target.addEventListener = function (type: string, fn: EventListenerOrEventListenerObject | null, opts?: boolean | AddEventListenerOptions) {
      if (fn) live.add(key(type, fn));
      return add.call(this, type, fn, opts);
    };
    target.removeEventListener = function (type: string, fn: EventListenerOrEventListenerObject | null, opts?: boolean | EventListenerOptions) {
      if (fn) live.delete(key(type, fn));
      return remove.call(this, type, fn, opts);
    };
    restores.push(() => {
      delete (target as Partial<EventTarget>).addEventListener;
      delete (target as Partial<EventTarget>).removeEventListener;
    });
  });
  return { active: () => live.size, restore: () => restores.forEach((r) => r()) };
}

/** The centre of an element in viewport CSS pixels, for sendMouse. */
export function centreOf(el: Element): [number, number] {
  const r = el.getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
}
