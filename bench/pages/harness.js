// In-page side of the browser benchmarks (a classic script: window.bench). Each arm takes the
// same steps in the same order; Node (bench/*.mjs) opens one fresh window per trial and calls one
// function. Times are performance.now() milliseconds; a remote frame counts when the <video>
// showing it fires requestVideoFrameCallback.
(() => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const media = () => navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const rand = () => Math.random().toString(36).slice(2, 10);

  function withTimeout(promise, ms, what) {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what} after ${ms} ms`)), ms); }),
    ]).finally(() => clearTimeout(timer));
  }

  function addVideo(stream, muted = true) {
    const v = document.createElement('video');
    v.autoplay = true;
    v.muted = muted;
    v.playsInline = true;
    v.width = 320;
    v.height = 240;
    v.srcObject = stream;
    document.body.append(v);
    v.play().catch(() => {});
    return v;
  }

  /** Resolves with performance.now() at the first presented frame of `video`. */
  const firstFrame = (video) => new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now())));

  /** The <video> elements of an <rtc-call>'s remote tiles (what the person sees). */
  function remoteTileVideos(call) {
    const out = [];
    for (const tile of call.shadowRoot?.querySelectorAll('rtc-video-tile') ?? []) {
      if (tile.hasAttribute('local') || tile.classList.contains('preview')) continue;
      const v = tile.shadowRoot?.querySelector('video');
      if (v) out.push(v);
    }
    return out;
  }

  /** Calls `onVideo(video)` once for every remote tile video of `call` as soon as it exists (polled every 2 ms). */
  function watchRemoteVideos(call, onVideo) {
    const seen = new WeakSet();
    let stopped = false;
    (function poll() {
      if (stopped) return;
      for (const v of remoteTileVideos(call)) {
        if (!seen.has(v)) { seen.add(v); onVideo(v); }
      }
      setTimeout(poll, 2);
    })();
    return () => { stopped = true; };
  }

  function makeCall({ server, room, name, stream, autojoin = false, prewarm = false }) {
    const el = document.createElement('rtc-call');
    el.server = server;
    el.room = room;
    el.displayName = name;
    if (stream) el.localStream = stream;
    el.autojoin = autojoin;
    // Cold joins unless asked: the element pre-warms while its pre-join view is up.
    el.noPrewarm = !prewarm;
    document.body.append(el);
    return el;
  }

  /**
   * Calls `onFrame(msg)` for every signaling frame any page websocket receives from now on (the
   * bench's view of what reaches a participant: room events, offers). Installed by the join
   * benchmark only, before the first participant's socket opens.
   */
  const frameHooks = new Set();
  function observeSockets(onFrame) {
    if (!window.__observedWebSocket) {
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(...a) {
          super(...a);
          this.addEventListener('message', (e) => {
            if (!frameHooks.size || typeof e.data !== 'string') return;
            let msg;
            try { msg = JSON.parse(e.data); } catch { return; }
            for (const h of frameHooks) h(msg);
          });
        }

        send(data) {
          if (frameHooks.size && typeof data === 'string') {
            let msg;
            try { msg = JSON.parse(data); } catch { msg = null; }
            if (msg) for (const h of frameHooks) h(msg, true);
          }
          return super.send(data);
        }
      };
      window.__observedWebSocket = true;
    }
    frameHooks.add(onFrame);
    return () => frameHooks.delete(onFrame);
  }

  const once = (emitter, event) => new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    if (event !== 'error') emitter.once('error', reject);
  });

  /** The joiner's own steps, from its events (bench:join's step table). */
  function markJoinerSteps(b, mark) {
    b.addEventListener('rtc-joined', () => mark('bJoined'));
    b.addEventListener('rtc-participant-joined', () => mark('bLinkAdded'));
    b.addEventListener('rtc-participant-updated', (e) => { const p = e.detail.participant; if (p.stream) mark('bRemoteStream'); if (p.connection === 'connected') mark('bConnected'); });
  }
  /** When the join API request after `t0` was sent and answered (resource timing), into `phases`. */
  function joinApiSteps(t0, phases) {
    const e = performance.getEntriesByType('resource').find((r) => r.startTime >= t0 && /\/api\/rooms\/[^/]+\/join$/.test(r.name));
    if (e) {
      phases.joinApiStart = e.startTime - t0;
      phases.joinApiEnd = e.responseEnd - t0;
    }
  }

  // ── join → first remote frame ─────────────────────────────────────────────────────────────
  async function joinRtcCall({ server, room, prewarm = false, profile = false }) {
    const [sa, sb] = [await media(), await media()];
    // What reaches A's signaling socket: B's member-joined room event, then B's offer.
    let onFrame = () => {};
    const unobserve = observeSockets((msg, sent) => onFrame(msg, sent));
    const a = makeCall({ server, room, name: 'A', stream: sa });
    await withTimeout(a.join(), 15_000, 'A joins');
    const aId = a.participants.find((p) => p.isLocal)?.id;
    const b = makeCall({ server, room, name: 'B', stream: sb, prewarm });
    await b.updateComplete;
    // B's pre-join preview of the given stream is up: nothing left to acquire. Pre-warmed: Join is
    // pressed after the view has been open for 2 s (issue 23), time enough to pre-warm.
    await sleep(prewarm ? 2000 : 300);
    let stop;
    const frame = new Promise((resolve) => { stop = watchRemoteVideos(b, (v) => firstFrame(v).then(resolve)); });
    // bench:join --profile: a CPU profile of t0 → t1 (the bench listens for it over CDP).
    if (profile) { console.profile('join'); performance.mark('join-t0'); }
    const t0 = performance.now();
    b.join().catch(() => {});
    // Where the time goes: B's events, what reaches A's socket, A's answer, and the join API (resource timing).
    const phases = {};
    const mark = (name) => { phases[name] ??= performance.now() - t0; };
    onFrame = (msg, sent) => {
      if (sent) {
        if (msg.type === 'OFFER' && msg.dst === aId) mark('bOfferSent');
        else if (msg.type === 'ANSWER') mark('aAnswerSent');
      } else if (msg.type === 'ROOM' && msg.payload?.event === 'member-joined' && msg.payload.data?.displayName === 'B') mark('aMemberJoined');
      else if (msg.type === 'OFFER' && msg.dst === aId) mark('aOffer');
      else if (msg.type === 'ANSWER' && msg.src === aId) mark('bAnswer');
    };
    markJoinerSteps(b, mark);
    a.addEventListener('rtc-participant-joined', () => mark('aLinkAdded'));
    const t1 = await withTimeout(frame, 20_000, 'first remote frame (rtc-call)');
    if (profile) { console.profileEnd('join'); performance.mark('join-t1'); }
    stop();
    unobserve();
    const ms = t1 - t0;
    joinApiSteps(t0, phases);
    await Promise.all([a.leave(), b.leave()]).catch(() => {});
    return { ms, phases };
  }

  /**
   * B's half of a PeerJS join: a new Peer that calls `hostId` with `stream` once open. `frame`
   * resolves with the time of the first frame of the answer's video; `openMs` is set at open.
   */
  function peerJsCaller(opts, hostId, stream) {
    const out = { peer: null, openMs: undefined, frame: null };
    out.frame = new Promise((resolve) => {
      const t = performance.now();
      out.peer = new peerjs.Peer(`b${rand()}`, opts);
      out.peer.once('open', () => {
        out.openMs = performance.now() - t;
        const call = out.peer.call(hostId, stream);
        let got = false;
        call.on('stream', (s) => {
          if (got || !s.getVideoTracks().length) return;
          got = true;
          firstFrame(addVideo(s)).then(resolve);
        });
      });
    });
    return out;
  }
  const peerJsOptions = ({ host, port, path, iceServers, iceTransportPolicy }) =>
    ({ host, port, path, key: 'peerjs', secure: false, debug: 0, config: { iceServers, iceTransportPolicy } });

  async function joinPeerJs(args) {
    const [sa, sb] = [await media(), await media()];
    const opts = peerJsOptions(args);
    const pa = new peerjs.Peer(`a${rand()}`, opts);
    await withTimeout(once(pa, 'open'), 10_000, 'peer A open');
    pa.on('call', (call) => call.answer(sa));
    const b = peerJsCaller(opts, pa.id, sb);
    const t0 = performance.now();
    const t1 = await withTimeout(b.frame, 20_000, 'first remote frame (PeerJS)');
    const ms = t1 - t0;
    pa.destroy();
    b.peer.destroy();
    return { ms, open: b.openMs };
  }

  // ── the same joins on two pages (bench:join's "2 pages" arms) ──────────────────────────────
  // A (already in the room) in one window, B (the joiner) in another, as on two devices: each
  // page's rendering and script has its own renderer main thread, as it would on two machines,
  // instead of the one both share above. t0 and t1 are B's, as above.
  let host = null;
  /** Wall-clock ms (timeOrigin-based, comparable across pages) of A's steps, for the guest's t0. */
  const hostMarks = {};
  const wall = () => performance.timeOrigin + performance.now();
  async function hostRtcCall({ server, room }) {
    let joined = false;
    const mark = (name) => { if (joined) hostMarks[name] ??= wall(); };
    // Before the element, so that its socket is observed.
    observeSockets((msg, sent) => {
      if (sent && msg.type === 'ANSWER') mark('aAnswerSent');
      else if (!sent && msg.type === 'ROOM' && msg.payload?.event === 'member-joined') mark('aMemberJoined');
      else if (!sent && msg.type === 'OFFER') mark('aOffer');
    });
    // A's answer, step by step: the connection made, the offer applied, the answer made and applied.
    const P = RTCPeerConnection.prototype;
    if (!P.__benchTimed) {
      P.__benchTimed = true;
      for (const [method, done] of [['setRemoteDescription', 'aOfferApplied'], ['createAnswer', 'aAnswerMade'], ['setLocalDescription', 'aAnswerApplied']]) {
        const native = P[method];
        P[method] = function (...args) {
          const result = native.apply(this, args);
          if (method !== 'setLocalDescription' || this.signalingState === 'have-remote-offer') result.then(() => mark(done), () => {});
          return result;
        };
      }
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends Native {
        constructor(...args) {
          mark('aAnswerStart');
          super(...args);
          mark('aConnectionMade');
        }
      };
    }
    const a = makeCall({ server, room, name: 'A', stream: await media() });
    await withTimeout(a.join(), 15_000, 'A joins');
    joined = true;
    a.addEventListener('rtc-participant-joined', () => mark('aLinkAdded'));
    host = { leave: () => a.leave() };
    return true;
  }
  /** A's steps in ms after the guest's t0 (wall clock). */
  function hostPhases(t0Wall) {
    return Object.fromEntries(Object.entries(hostMarks).map(([k, v]) => [k, v - t0Wall]));
  }
  async function guestRtcCall({ server, room, prewarm = false }) {
    // Before the element: a pre-warmed socket opens during the pre-join view.
    let onFrame = () => {};
    const unobserve = observeSockets((msg, sent) => onFrame(msg, sent));
    const b = makeCall({ server, room, name: 'B', stream: await media(), prewarm });
    await b.updateComplete;
    await sleep(prewarm ? 2000 : 300);
    let stop;
    const frame = new Promise((resolve) => { stop = watchRemoteVideos(b, (v) => firstFrame(v).then(resolve)); });
    const phases = {};
    let t0 = 0;
    const mark = (name) => { phases[name] ??= performance.now() - t0; };
    onFrame = (msg, sent) => {
      if (sent && msg.type === 'OFFER') mark('bOfferSent');
      else if (!sent && msg.type === 'ANSWER') mark('bAnswer');
    };
    markJoinerSteps(b, mark);
    t0 = performance.now();
    performance.mark('join-t0');
    b.join().catch(() => {});
    const t1 = await withTimeout(frame, 20_000, 'first remote frame (rtc-call, two pages)');
    performance.mark('join-t1');
    stop();
    unobserve();
    joinApiSteps(t0, phases);
    await b.leave().catch(() => {});
    return { ms: t1 - t0, phases, t0Wall: performance.timeOrigin + t0 };
  }
  async function hostPeerJs(args) {
    const sa = await media();
    const pa = new peerjs.Peer(`a${rand()}`, peerJsOptions(args));
    await withTimeout(once(pa, 'open'), 10_000, 'peer A open');
    pa.on('call', (call) => call.answer(sa));
    host = { leave: () => pa.destroy() };
    return pa.id;
  }
  async function guestPeerJs(args) {
    const b = peerJsCaller(peerJsOptions(args), args.hostId, await media());
    const t0 = performance.now();
    const t1 = await withTimeout(b.frame, 20_000, 'first remote frame (PeerJS, two pages)');
    b.peer.destroy();
    return { ms: t1 - t0 };
  }
  async function leaveHost() {
    await host?.leave();
    host = null;
  }

  /** Two RTCPeerConnections signalled in the page; B (the joiner) offers, as in rtc-call. */
  async function rawPair(sa, sb, config, onRemoteAtB, onRemoteAtA, { recvAudio = false } = {}) {
    const a = new RTCPeerConnection(config);
    const b = new RTCPeerConnection(config);
    a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate).catch(() => {}); };
    b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate).catch(() => {}); };
    let gotB = false;
    let gotA = false;
    b.ontrack = (e) => { if (!gotB && e.track.kind === 'video') { gotB = true; onRemoteAtB?.(e.streams[0] ?? new MediaStream([e.track])); } };
    a.ontrack = (e) => { if (!gotA && e.track.kind === 'video') { gotA = true; onRemoteAtA?.(e.streams[0] ?? new MediaStream([e.track])); } };
    for (const t of sb?.getTracks() ?? []) b.addTrack(t, sb);
    for (const t of sa?.getTracks() ?? []) a.addTrack(t, sa);
    if (!sb) b.addTransceiver('video', { direction: 'recvonly' });
    if (!sb && recvAudio) b.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await b.createOffer();
    await b.setLocalDescription(offer);
    await a.setRemoteDescription(offer);
    const answer = await a.createAnswer();
    await a.setLocalDescription(answer);
    await b.setRemoteDescription(answer);
    return [a, b];
  }

  async function joinRaw({ iceServers = [], iceTransportPolicy = 'all' }) {
    const [sa, sb] = [await media(), await media()];
    let pcs;
    const t0 = performance.now();
    const frame = new Promise((resolve) => {
      rawPair(sa, sb, { iceServers, iceTransportPolicy }, (s) => firstFrame(addVideo(s)).then(resolve)).then((p) => (pcs = p));
    });
    const t1 = await withTimeout(frame, 20_000, 'first remote frame (raw)');
    const ms = t1 - t0;
    for (const pc of pcs ?? []) pc.close();
    return { ms };
  }

  // ── glass-to-glass ────────────────────────────────────────────────────────────────────────
  // The counter (12 bits) and its complement as 24 black/white blocks (6 × 4) over 640 × 480:
  // robust to compression; a frame whose halves do not match is counted as unreadable.
  const COLS = 6;
  const ROWS = 4;
  function counterCanvas(fps = 30) {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext('2d');
    const painted = new Map();
    let n = 0;
    const paint = () => {
      n = (n + 1) & 0xfff;
      const bits = n | ((~n & 0xfff) << 12);
      for (let i = 0; i < COLS * ROWS; i++) {
        ctx.fillStyle = (bits >> i) & 1 ? '#fff' : '#000';
        ctx.fillRect(((i % COLS) * canvas.width) / COLS, (Math.floor(i / COLS) * canvas.height) / ROWS, canvas.width / COLS + 1, canvas.height / ROWS + 1);
      }
      painted.set(n, performance.now());
    };
    paint();
    const timer = setInterval(paint, 1000 / fps);
    const stream = canvas.captureStream();
    return { stream, painted, stop: () => { clearInterval(timer); stream.getTracks().forEach((t) => t.stop()); } };
  }

  /** Reads the counter of every presented frame of `video` for `ms`; returns per-frame latencies. */
  function readCounter(video, painted, ms) {
    const c = document.createElement('canvas');
    c.width = COLS * 10;
    c.height = ROWS * 10;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    const latencies = [];
    let unreadable = 0;
    let started = false;
    return new Promise((resolve) => {
      let end = Infinity;
      const onFrame = () => {
        const now = performance.now();
        ctx.drawImage(video, 0, 0, c.width, c.height);
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let bits = 0;
        for (let i = 0; i < COLS * ROWS; i++) {
          const x = (i % COLS) * 10 + 5;
          const y = Math.floor(i / COLS) * 10 + 5;
          const o = (y * c.width + x) * 4;
          if (px[o] + px[o + 1] + px[o + 2] > 384) bits |= 1 << i;
        }
        const value = bits & 0xfff;
        const check = (bits >> 12) & 0xfff;
        if ((value ^ check) === 0xfff && painted.has(value)) {
          if (!started) { started = true; end = now + ms; }
          latencies.push(now - painted.get(value));
        } else if (started) unreadable++;
        if (now < end) video.requestVideoFrameCallback(onFrame);
        else resolve({ latencies, unreadable });
      };
      video.requestVideoFrameCallback(onFrame);
    });
  }

  const q = (v, p) => { const s = [...v].sort((a, b) => a - b); const i = (s.length - 1) * p; const lo = Math.floor(i); return s.length ? s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo) : NaN; };
  const frameStats = ({ latencies, unreadable }) => ({ median: q(latencies, 0.5), p90: q(latencies, 0.9), frames: latencies.length, unreadable });

  /**
   * A sends `src.stream` through <rtc-call> to B (who has the fake camera): resolves with B's
   * remote tile <video> of A and `end()`, which leaves both and stops the sources.
   */
  async function sendThroughRtcCall({ server, room, src }) {
    const a = makeCall({ server, room, name: 'A', stream: src.stream });
    await withTimeout(a.join(), 15_000, 'A joins');
    const sb = await media();
    const b = makeCall({ server, room, name: 'B', stream: sb });
    const video = new Promise((resolve) => { const stop = watchRemoteVideos(b, (v) => { stop(); resolve(v); }); });
    await withTimeout(b.join(), 15_000, 'B joins');
    const v = await withTimeout(video, 15_000, 'remote tile');
    const end = async () => {
      await Promise.all([a.leave(), b.leave()]).catch(() => {});
      src.stop();
      sb.getTracks().forEach((t) => t.stop());
    };
    return { b, v, end };
  }

  async function glassRtcCall({ server, room, ms = 3000 }) {
    const src = counterCanvas();
    const { v, end } = await sendThroughRtcCall({ server, room, src });
    const r = await withTimeout(readCounter(v, src.painted, ms), ms + 20_000, 'counter frames (rtc-call)');
    await end();
    return frameStats(r);
  }

  async function glassRaw({ ms = 3000 }) {
    const src = counterCanvas();
    const video = new Promise((resolve) => {
      rawPair(src.stream, null, {}, (s) => resolve(addVideo(s))).then((p) => (window.__pcs = p));
    });
    const v = await withTimeout(video, 15_000, 'remote video (raw)');
    const r = await withTimeout(readCounter(v, src.painted, ms), ms + 20_000, 'counter frames (raw)');
    for (const pc of window.__pcs ?? []) pc.close();
    src.stop();
    return frameStats(r);
  }

  // ── a 3-person call in one page (main-thread cost) ───────────────────────────────────────
  /** Resolves when each of `videos` has presented `frames` frames. */
  function framesOn(videos, frames = 10) {
    return Promise.all(videos.map((v) => new Promise((resolve) => {
      let n = 0;
      const cb = () => (++n >= frames ? resolve() : v.requestVideoFrameCallback(cb));
      v.requestVideoFrameCallback(cb);
    })));
  }

  /** `n` <rtc-call> elements in one room on the page's default camera (bench:mainthread). */
  async function partyRtcCall({ server, room, n = 2 }) {
    const calls = [];
    for (let i = 0; i < n; i++) {
      const el = makeCall({ server, room, name: String.fromCharCode(65 + i) });
      await withTimeout(el.join(), 15_000, `${el.displayName} joins`);
      calls.push(el);
    }
    const want = n * (n - 1);
    const deadline = performance.now() + 20_000;
    let videos = [];
    while (performance.now() < deadline) {
      videos = calls.flatMap(remoteTileVideos);
      if (videos.length === want) break;
      await sleep(50);
    }
    if (videos.length !== want) throw new Error(`expected ${want} remote tiles, found ${videos.length}`);
    await withTimeout(framesOn(videos), 20_000, `frames on ${want} remote tiles`);
    window.__end = () => Promise.all(calls.map((c) => c.leave()));
    return { videos: videos.length };
  }

  /**
   * `n` <rtc-call> elements in one room, each with a camera of its own at the same capture
   * (`width`×`height`, `fps`), until every remote tile shows frames (bench:sfu).
   */
  async function nRtcCall({ server, room, n, width = 640, height = 360, fps = 15 }) {
    const calls = [];
    for (let i = 0; i < n; i++) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: fps } });
      const el = makeCall({ server, room, name: `P${i + 1}`, stream });
      await withTimeout(el.join(), 20_000, `P${i + 1} joins`);
      calls.push({ el, stream });
    }
    const want = n * (n - 1);
    const deadline = performance.now() + 30_000;
    let videos = [];
    while (performance.now() < deadline) {
      videos = calls.flatMap((c) => remoteTileVideos(c.el));
      if (videos.length === want) break;
      await sleep(100);
    }
    if (videos.length !== want) throw new Error(`expected ${want} remote tiles, found ${videos.length}`);
    // How many tiles show frames within 60 s (a page holding a whole mesh of six may not get there).
    let moving = 0;
    await Promise.race([
      Promise.all(videos.map((v) => framesOn([v], 3).then(() => moving++))),
      sleep(60_000),
    ]);
    window.__end = async () => {
      await Promise.all(calls.map((c) => c.el.leave()));
      for (const c of calls) c.stream.getTracks().forEach((t) => t.stop());
    };
    return { videos: videos.length, moving, mode: calls[0].el.mode };
  }

  /** The same call without rtc-call: 3 cameras, 3 RTCPeerConnection pairs, 3 local + 6 remote videos. */
  /** The same as raw RTCPeerConnections: `n` cameras, a pair per two of them, a video per stream. */
  async function partyRaw({ n = 2 }) {
    const streams = [];
    for (let i = 0; i < n; i++) streams.push(await media());
    for (const s of streams) addVideo(s);
    const remote = [];
    const pcs = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        pcs.push(...(await rawPair(streams[i], streams[j], {}, (s) => remote.push(addVideo(s, false)), (s) => remote.push(addVideo(s, false)))));
      }
    }
    const want = n * (n - 1);
    const deadline = performance.now() + 20_000;
    while (remote.length < want && performance.now() < deadline) await sleep(50);
    if (remote.length !== want) throw new Error(`expected ${want} remote videos, found ${remote.length}`);
    await withTimeout(framesOn(remote), 20_000, `frames on ${want} remote videos`);
    window.__end = async () => { pcs.forEach((pc) => pc.close()); streams.forEach((s) => s.getTracks().forEach((t) => t.stop())); };
    return { videos: remote.length };
  }

  function observeLongTasks() {
    const tasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: false });
    window.__longtasks = tasks;
  }

  // ── teardown and leaks ────────────────────────────────────────────────────────────────────
  /** Waits until `call` has a remote participant whose link is connected. */
  async function linked(call, ms = 15_000) {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      if (call.participants.some((p) => !p.isLocal && p.connection === 'connected')) return;
      await sleep(20);
    }
    throw new Error('no connected remote participant');
  }

  // ── audio/video sync ───────────────────────────────────────────────────────────────────────
  // The sender's stream: a canvas that is black except for a white flash, and a WebAudio tone that
  // is silent except for a 1 kHz beep; flash and beep start in the same task, every `period` ms.
  // The receiver times the first bright frame (requestVideoFrameCallback, expectedDisplayTime)
  // and the first loud sample (an AnalyserNode read every 2 ms, the onset placed by its index in
  // the analyser's window). skew = audio onset − video onset: positive means the sound is late.
  function flashBeepSource({ period = 700, flashMs = 150 } = {}) {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    const g = canvas.getContext('2d');
    const video = canvas.captureStream(30);
    const ac = new AudioContext();
    const osc = ac.createOscillator();
    osc.frequency.value = 1000;
    const gain = ac.createGain();
    gain.gain.value = 0;
    const dest = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    let bright = false;
    const paint = () => { g.fillStyle = bright ? '#fff' : '#000'; g.fillRect(0, 0, canvas.width, canvas.height); };
    paint();
    const frames = setInterval(paint, 33);
    const flashes = setInterval(() => {
      bright = true;
      paint();
      gain.gain.setValueAtTime(0.5, ac.currentTime);
      setTimeout(() => { bright = false; paint(); gain.gain.setValueAtTime(0, ac.currentTime); }, flashMs);
    }, period);
    return {
      stream: new MediaStream([...video.getVideoTracks(), ...dest.stream.getAudioTracks()]),
      stop() { clearInterval(frames); clearInterval(flashes); osc.stop(); void ac.close(); video.getTracks().forEach((t) => t.stop()); },
    };
  }

  /** Onsets of flashes in `video` and of beeps in `audioStream`, for `ms`; then pairs them. */
  async function flashBeepOnsets(video, audioStream, ms) {
    const videoOnsets = [];
    const audioOnsets = [];
    const probe = document.createElement('canvas');
    probe.width = 16;
    probe.height = 9;
    const pg = probe.getContext('2d', { willReadFrequently: true });
    let wasBright = false;
    let stopped = false;
    const onFrame = (_now, meta) => {
      if (stopped) return;
      pg.drawImage(video, 0, 0, 16, 9);
      const px = pg.getImageData(0, 0, 16, 9).data;
      let sum = 0;
      for (let i = 0; i < px.length; i += 4) sum += px[i];
      const mean = sum / (px.length / 4);
      const bright = mean > 128;
      if (bright && !wasBright) videoOnsets.push(meta.expectedDisplayTime ?? performance.now());
      wasBright = bright;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    const ac = new AudioContext();
    const source = ac.createMediaStreamSource(audioStream);
    const analyser = ac.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    let wasLoud = false;
    let quietSince = 0;
    const poll = setInterval(() => {
      const now = performance.now();
      analyser.getFloatTimeDomainData(buf);
      let first = -1;
      for (let i = 0; i < buf.length; i++) if (Math.abs(buf[i]) > 0.1) { first = i; break; }
      if (first >= 0 && !wasLoud) {
        audioOnsets.push(now - ((buf.length - first) / ac.sampleRate) * 1000);
        wasLoud = true;
      } else if (first < 0 && wasLoud) {
        if (!quietSince) quietSince = now;
        if (now - quietSince > 100) { wasLoud = false; quietSince = 0; }
      } else quietSince = 0;
    }, 2);
    await sleep(ms);
    stopped = true;
    clearInterval(poll);
    await ac.close();
    // Each flash with the beep closest to it (within 400 ms); the first flash seen may be cut short.
    const skews = [];
    for (const v of videoOnsets.slice(1)) {
      let best = null;
      for (const a of audioOnsets) if (best === null || Math.abs(a - v) < Math.abs(best - v)) best = a;
      if (best !== null && Math.abs(best - v) < 400) skews.push(best - v);
    }
    return { skews, flashes: videoOnsets.length, beeps: audioOnsets.length };
  }

  /** The remote participant's stream in `call` (with audio), once it has one. */
  async function remoteStreamOf(call, ms = 15_000) {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      const p = call.participants.find((x) => !x.isLocal && x.stream?.getAudioTracks().length);
      if (p) return p.stream;
      await sleep(20);
    }
    throw new Error('no remote stream with audio');
  }

  async function syncRtcCall({ server, room, ms = 8000 }) {
    const src = flashBeepSource();
    const { b, v, end } = await sendThroughRtcCall({ server, room, src });
    const stream = await remoteStreamOf(b);
    const r = await flashBeepOnsets(v, new MediaStream(stream.getAudioTracks()), ms);
    await end();
    return r;
  }

  async function syncRaw({ ms = 8000, iceServers = [], iceTransportPolicy = 'all' }) {
    const src = flashBeepSource();
    const remote = new Promise((resolve) => {
      rawPair(src.stream, null, { iceServers, iceTransportPolicy }, (s) => resolve(s), undefined, { recvAudio: true }).then((p) => (window.__pcs = p));
    });
    const stream = await withTimeout(remote, 15_000, 'remote stream (raw)');
    // Chromium feeds a remote track to WebAudio only while a media element plays it.
    const v = addVideo(stream, true);
    await withTimeout(firstFrame(v), 15_000, 'first frame (raw)');
    const r = await flashBeepOnsets(v, new MediaStream(stream.getAudioTracks()), ms);
    for (const pc of window.__pcs ?? []) pc.close();
    src.stop();
    return r;
  }

  /** The same detectors on the sender's own stream (no network): what the measurement itself adds. */
  async function syncLocal({ ms = 8000 }) {
    const src = flashBeepSource();
    const v = addVideo(src.stream, true);
    await withTimeout(firstFrame(v), 15_000, 'first frame (local)');
    const r = await flashBeepOnsets(v, new MediaStream(src.stream.getAudioTracks()), ms);
    src.stop();
    return r;
  }

  window.bench = {
    sleep, media, addVideo, firstFrame, remoteTileVideos, watchRemoteVideos, makeCall, linked, observeLongTasks,
    joinRtcCall, joinPeerJs, joinRaw, hostRtcCall, guestRtcCall, hostPeerJs, guestPeerJs, leaveHost, hostPhases, glassRtcCall, glassRaw, partyRtcCall, partyRaw, nRtcCall,
    syncRtcCall, syncRaw, syncLocal,
  };
})();
