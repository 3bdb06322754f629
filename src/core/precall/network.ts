/**
 * The network checks of the pre-call check: server (the pre-call endpoint answers this page),
 * network (which ICE candidate types gather with the server's STUN/TURN) and relay (a loopback
 * call between two RTCPeerConnections in this page, forced through TURN with
 * `iceTransportPolicy: 'relay'`: media over a relay/relay pair for about 5 s, measured with
 * getStats). Every connection, track and timer is closed before a check resolves, or when
 * `signal` aborts. Never rejects.
 */
import { RtcError, RtcErrorCode } from '../errors.js';
import { ServerClient } from '../room-client.js';
import type { IceServer, PrecallResponse } from '../../protocol/index.js';
import { acquireAudioContext, countStreamNode, releaseAudioContext } from '../media/audio.js';
import { sleep, type Outcome } from './devices.js';
import { PrecallStatus, type NetworkFigures, type PrecallProblem, type RelayFigures, type ServerFigures } from './types.js';

/** A server answer slower than this is `fair` (`slow`). */
const SLOW_SERVER_MS = 1_500;
/** How long candidate gathering may take. */
export const GATHER_TIMEOUT_MS = 6_000;
/** How long the relayed loopback call may take to connect. */
export const RELAY_CONNECT_TIMEOUT_MS = 10_000;
/** How long media is measured once connected. */
export const RELAY_MEASURE_MS = 5_000;

/**
 * Relay thresholds: `good` needs all three, `fair` the looser ones; else `poor`. The bitrate is
 * the larger of what arrived and the sender's bandwidth estimate.
 */
export const RELAY_LIMITS = {
  good: { lossPercent: 3, rttMs: 300, bitrateKbps: 500 },
  fair: { lossPercent: 10, rttMs: 600, bitrateKbps: 150 },
} as const;

const SERVER_PROBLEMS = new Set<string>([
  RtcErrorCode.SignalingUnreachable, RtcErrorCode.NotAnRtcCallServer, RtcErrorCode.OriginNotAllowed,
  RtcErrorCode.HostNotAllowed, RtcErrorCode.Unauthorized, RtcErrorCode.RateLimited,
]);

const isTurn = (s: IceServer) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u));
const isStun = (s: IceServer) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^stuns?:/i.test(u));

/**
 * Asks the server for the check's ICE servers (`POST <base>/api/precall`): `good` when it answers
 * this page, `poor` with the server's refusal (`origin-not-allowed`, `unauthorized`,
 * `rate-limited`) or when it cannot be reached. The answer is what the network and relay checks use.
 */
export async function checkServer(
  opts: { server: string; token?: string; signal: AbortSignal },
): Promise<Outcome<ServerFigures, PrecallProblem<'server'>> & { answer: PrecallResponse | null }> {
  const figures: ServerFigures = { url: '', responseMs: null, relayOffered: null };
  let client: ServerClient;
  try {
    client = new ServerClient(opts.server);
  } catch {
    figures.url = opts.server;
    return { status: PrecallStatus.Poor, figures, problem: 'signaling-unreachable', answer: null };
  }
  figures.url = client.baseUrl;
  const t0 = performance.now();
  try {
    const answer = await client.precall(opts.token, opts.signal);
    figures.responseMs = Math.round(performance.now() - t0);
    figures.relayOffered = answer.iceServers.some(isTurn);
    const slow = figures.responseMs > SLOW_SERVER_MS;
    return { status: slow ? PrecallStatus.Fair : PrecallStatus.Good, figures, problem: slow ? 'slow' : null, answer };
  } catch (error) {
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped', answer: null };
    const code = error instanceof RtcError ? error.code : RtcErrorCode.Internal;
    return { status: PrecallStatus.Poor, figures, problem: SERVER_PROBLEMS.has(code) ? (code as PrecallProblem<'server'>) : 'internal', answer: null };
  }
}

/** Gathers candidates on a connection with a data channel; resolves with the candidates seen. */
async function gather(pc: RTCPeerConnection, signal: AbortSignal): Promise<RTCIceCandidate[]> {
  const seen: RTCIceCandidate[] = [];
  const complete = new Promise<void>((resolve) => {
    pc.addEventListener('icecandidate', (e) => (e.candidate && e.candidate.candidate ? seen.push(e.candidate) : resolve()));
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  pc.createDataChannel('precall');
  await pc.setLocalDescription(await pc.createOffer());
  await Promise.race([complete, sleep(GATHER_TIMEOUT_MS, signal)]);
  return seen;
}

/**
 * Which candidate types gather with the server's ICE servers: `good` when every offered kind
 * arrives (host always; srflx with STUN; relay with TURN). `fair`: no srflx though STUN was offered
 * but a relay works (`udp-blocked`: calls will use the relay), or no relay with srflx (strict
 * networks will fail: `relay-unreachable`), or the server offered no STUN/TURN (`no-ice-servers`).
 * `poor`: nothing gathered, or neither srflx nor relay when TURN was offered.
 */
export async function checkNetwork(
  opts: { iceServers: IceServer[]; signal: AbortSignal },
): Promise<Outcome<NetworkFigures, PrecallProblem<'network'>>> {
  const figures: NetworkFigures = { host: 0, srflx: 0, relay: 0, gatherMs: 0 };
  if (typeof RTCPeerConnection === 'undefined') return { status: PrecallStatus.Poor, figures, problem: 'not-supported' };
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
  const t0 = performance.now();
  try {
    const candidates = await gather(pc, opts.signal);
    figures.gatherMs = Math.round(performance.now() - t0);
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    for (const c of candidates) {
      const type = c.type ?? /\btyp (\w+)/.exec(c.candidate)?.[1];
      if (type === 'host' || type === 'srflx' || type === 'relay') figures[type]++;
    }
  } catch {
    return { status: PrecallStatus.Poor, figures, problem: 'not-supported' };
  } finally {
    pc.close();
  }
  const stun = opts.iceServers.some(isStun);
  const turn = opts.iceServers.some(isTurn);
  const { host, srflx, relay } = figures;
  if (host + srflx + relay === 0) return { status: PrecallStatus.Poor, figures, problem: 'no-candidates' };
  if (turn && relay === 0) return { status: srflx > 0 ? PrecallStatus.Fair : PrecallStatus.Poor, figures, problem: 'relay-unreachable' };
  if (stun && srflx === 0) return { status: relay > 0 ? PrecallStatus.Fair : PrecallStatus.Poor, figures, problem: 'udp-blocked' };
  if (!stun && !turn) return { status: PrecallStatus.Fair, figures, problem: 'no-ice-servers' };
  return { status: PrecallStatus.Good, figures, problem: null };
}

/** Moving noise on a canvas plus a tone: media the encoders must work for (a black frame costs nothing). */
function syntheticMedia(): { stream: MediaStream; stop(): void } {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d')!;
  let n = 0;
  const draw = () => {
    n++;
    for (let i = 0; i < 24; i++) {
      ctx.fillStyle = `hsl(${(n * 37 + i * 53) % 360} 70% ${30 + ((n + i) % 5) * 10}%)`;
      ctx.fillRect(((n * 13 + i * 97) % 16) * 40, ((n * 7 + i * 31) % 9) * 40, 40 + (i % 3) * 40, 40 + (i % 2) * 40);
    }
  };
  draw();
  const timer = setInterval(draw, 1000 / 15);
  const stream = canvas.captureStream(15);
  const audio = acquireAudioContext();
  const osc = audio.createOscillator();
  const dest = audio.createMediaStreamDestination();
  countStreamNode(audio);
  osc.frequency.value = 330;
  osc.connect(dest);
  osc.start();
  for (const t of dest.stream.getAudioTracks()) stream.addTrack(t);
  return {
    stream,
    stop() {
      clearInterval(timer);
      for (const t of stream.getTracks()) t.stop();
      osc.stop();
      osc.disconnect();
      releaseAudioContext(audio);
    },
  };
}

interface Sample {
  at: number;
  bytes: number;
  received: number;
  lost: number;
  jitter: number | null;
  rtt: number | null;
  /** The sender's bandwidth estimate on the selected pair, bit/s (Chromium). */
  estimate: number | null;
  local: string | null;
  remote: string | null;
}

/** Receiver's totals (inbound-rtp) and the sender's selected pair (candidate types, RTT). */
async function sample(sender: RTCPeerConnection, receiver: RTCPeerConnection): Promise<Sample> {
  const out: Sample = { at: performance.now(), bytes: 0, received: 0, lost: 0, jitter: null, rtt: null, estimate: null, local: null, remote: null };
  const rx = await receiver.getStats();
  rx.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    out.bytes += s.bytesReceived ?? 0;
    out.received += s.packetsReceived ?? 0;
    out.lost += Math.max(0, s.packetsLost ?? 0);
    if (s.kind === 'audio' && typeof s.jitter === 'number') out.jitter = s.jitter;
  });
  const tx = await sender.getStats();
  let pair: { localCandidateId?: string; remoteCandidateId?: string; currentRoundTripTime?: number; availableOutgoingBitrate?: number } | undefined;
  tx.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = tx.get(s.selectedCandidatePairId);
  });
  // Firefox has no transport stats: its selected pair says so itself.
  if (!pair) tx.forEach((s) => { if (s.type === 'candidate-pair' && (s.selected || s.nominated) && s.state === 'succeeded') pair = s; });
  if (pair) {
    out.rtt = typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null;
    out.estimate = typeof pair.availableOutgoingBitrate === 'number' ? pair.availableOutgoingBitrate : null;
    out.local = tx.get(pair.localCandidateId ?? '')?.candidateType ?? null;
    out.remote = tx.get(pair.remoteCandidateId ?? '')?.candidateType ?? null;
  }
  if (out.rtt === null) tx.forEach((s) => { if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') out.rtt = s.roundTripTime; });
  return out;
}

/**
 * A short loopback call through the TURN relay only: two connections in this page with
 * `iceTransportPolicy: 'relay'`, audio and video from one to the other for RELAY_MEASURE_MS, then
 * RTT, loss, bitrate and jitter from getStats. `poor` when no relayed connection comes up
 * (`relay-unreachable`) or a figure is past RELAY_LIMITS.fair; `fair` past RELAY_LIMITS.good.
 * `skipped` without TURN (`no-relay-configured`) or without the server's answer (`no-credentials`).
 */
export async function checkRelay(
  opts: { answer: PrecallResponse | null; signal: AbortSignal },
): Promise<Outcome<RelayFigures, PrecallProblem<'relay'>>> {
  const figures: RelayFigures = { localCandidateType: null, remoteCandidateType: null, rttMs: null, lossPercent: null, bitrateKbps: null, estimatedKbps: null, jitterMs: null, durationMs: null, connectMs: null };
  if (!opts.answer) return { status: PrecallStatus.Skipped, figures, problem: 'no-credentials' };
  const iceServers = opts.answer.iceServers.filter(isTurn);
  if (!iceServers.length) return { status: PrecallStatus.Skipped, figures, problem: 'no-relay-configured' };
  if (typeof RTCPeerConnection === 'undefined') return { status: PrecallStatus.Poor, figures, problem: 'not-supported' };
  const config: RTCConfiguration = { iceServers, iceTransportPolicy: 'relay', bundlePolicy: 'max-bundle' };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  let media: ReturnType<typeof syntheticMedia> | undefined;
  try {
    a.addEventListener('icecandidate', (e) => { if (e.candidate) b.addIceCandidate(e.candidate).catch(() => {}); });
    b.addEventListener('icecandidate', (e) => { if (e.candidate) a.addIceCandidate(e.candidate).catch(() => {}); });
    media = syntheticMedia();
    for (const track of media.stream.getTracks()) a.addTrack(track, media.stream);
    const t0 = performance.now();
    const connected = new Promise<boolean>((resolve) => {
      const check = () => {
        const states = [a.connectionState, b.connectionState];
        if (states.every((s) => s === 'connected')) resolve(true);
        else if (states.some((s) => s === 'failed' || s === 'closed')) resolve(false);
      };
      a.addEventListener('connectionstatechange', check);
      b.addEventListener('connectionstatechange', check);
    });
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const up = await Promise.race([connected, sleep(RELAY_CONNECT_TIMEOUT_MS, opts.signal).then(() => false)]);
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    if (!up) return { status: PrecallStatus.Poor, figures, problem: 'relay-unreachable' };
    figures.connectMs = Math.round(performance.now() - t0);
    // Measure from the first packets on, so the window is media flowing, not the handshake.
    const first = await sample(a, b);
    const rtts: number[] = [];
    let last = first;
    const end = first.at + RELAY_MEASURE_MS;
    while (performance.now() < end && !opts.signal.aborted) {
      await sleep(Math.min(1_000, end - performance.now()), opts.signal);
      last = await sample(a, b);
      if (last.rtt !== null) rtts.push(last.rtt);
    }
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    const seconds = (last.at - first.at) / 1000;
    const received = last.received - first.received;
    const lost = last.lost - first.lost;
    figures.localCandidateType = last.local;
    figures.remoteCandidateType = last.remote;
    figures.durationMs = Math.round(seconds * 1000);
    figures.bitrateKbps = seconds > 0 ? Math.round(((last.bytes - first.bytes) * 8) / seconds / 1000) : null;
    figures.lossPercent = received + lost > 0 ? Math.round((lost / (received + lost)) * 1000) / 10 : null;
    figures.rttMs = rtts.length ? Math.round((rtts.reduce((x, y) => x + y, 0) / rtts.length) * 1000 * 10) / 10 : null;
    figures.jitterMs = last.jitter !== null ? Math.round(last.jitter * 1000 * 10) / 10 : null;
    figures.estimatedKbps = last.estimate !== null ? Math.round(last.estimate / 1000) : null;
    if (received === 0) return { status: PrecallStatus.Poor, figures, problem: 'relay-unreachable' };
    return judge(figures);
  } catch {
    return { status: PrecallStatus.Poor, figures, problem: 'relay-unreachable' };
  } finally {
    media?.stop();
    a.close();
    b.close();
  }
}

/** The relay's status from its figures: the worst measure names the problem. */
export function judge(figures: RelayFigures): Outcome<RelayFigures, PrecallProblem<'relay'>> {
  const measures = [
    ['high-loss', figures.lossPercent ?? 100, RELAY_LIMITS.good.lossPercent, RELAY_LIMITS.fair.lossPercent, true],
    ['high-rtt', figures.rttMs ?? 0, RELAY_LIMITS.good.rttMs, RELAY_LIMITS.fair.rttMs, true],
    // Five seconds are too short for an encoder to ramp up to what the path carries: the sender's
    // bandwidth estimate (probed at the start) says more where the browser gives it.
    ['low-bitrate', Math.max(figures.bitrateKbps ?? 0, figures.estimatedKbps ?? 0), RELAY_LIMITS.good.bitrateKbps, RELAY_LIMITS.fair.bitrateKbps, false],
  ] as const;
  let status: typeof PrecallStatus[keyof typeof PrecallStatus] = PrecallStatus.Good;
  let problem: PrecallProblem<'relay'> | null = null;
  for (const [name, value, good, fair, higherIsWorse] of measures) {
    const past = (limit: number) => (higherIsWorse ? value >= limit : value < limit);
    if (past(fair)) return { status: PrecallStatus.Poor, figures, problem: name };
    if (past(good) && status === PrecallStatus.Good) {
      status = PrecallStatus.Fair;
      problem = name;
    }
  }
  return { status, figures, problem };
}
