/**
 * The pre-call check's report: what `<rtc-precall-check>`'s `run()` resolves with and
 * `rtc-precall-result` carries. Plain data (JSON-serialisable), so a page can log or send it.
 */

/** How one check (and the whole report) came out: the DESIGN names table's precall `status`. */
export const PrecallStatus = {
  /** Works as a call needs it. */
  Good: 'good',
  /** Works, with a limit the remedy names (a slow relay, UDP blocked, a dim picture…). */
  Fair: 'fair',
  /** Does not work: the remedy says what to do. */
  Poor: 'poor',
  /** Not checked: not asked for (`checks`), nobody answered, or nothing to check. */
  Skipped: 'skipped',
} as const;
export type PrecallStatus = (typeof PrecallStatus)[keyof typeof PrecallStatus];

/** The checks, in the order the checklist shows them. */
export const PRECALL_CHECKS = ['camera', 'microphone', 'speaker', 'server', 'network', 'relay'] as const;
export type PrecallCheckName = (typeof PRECALL_CHECKS)[number];

/** True when `value` names a check. */
export function isPrecallCheckName(value: unknown): value is PrecallCheckName {
  return typeof value === 'string' && (PRECALL_CHECKS as readonly string[]).includes(value);
}

/** Camera: what the first seconds of frames showed. */
export interface CameraFigures {
  /** Frame size in pixels, null without frames. */
  width: number | null;
  height: number | null;
  /** Frames per second measured over about a second of frames. */
  frameRate: number | null;
  /** Mean brightness (luma, 0–255) of the sampled frames: below ~10 is a black picture. */
  brightness: number | null;
  /** The device's label, '' when the browser hides it. */
  label: string;
}

/** Microphone: what it picked up while the person was invited to speak. */
export interface MicrophoneFigures {
  /** Loudest 10 ms level heard, in dBFS (0 = full scale), null when nothing could be measured. */
  peakDb: number | null;
  /** The quietest level heard (its noise floor), in dBFS. */
  noiseFloorDb: number | null;
  label: string;
}

/** Speaker: whether the person said they heard the tone. */
export interface SpeakerFigures {
  /** `true` / `false` as the person answered; null without an answer. */
  heard: boolean | null;
  /** The output the tone played through (`''` = the default). */
  sinkId: string;
}

/** Server: the pre-call endpoint's answer. */
export interface ServerFigures {
  /** The server's base URL as the element resolved it. */
  url: string;
  /** Round trip of `POST <base>/api/precall`, in milliseconds; null without an answer. */
  responseMs: number | null;
  /** Whether the server offered a TURN relay. */
  relayOffered: boolean | null;
}

/** Network: which ICE candidate types gathered with the server's STUN/TURN servers. */
export interface NetworkFigures {
  host: number;
  /** Server-reflexive: what a STUN server saw (a public address behind NAT). */
  srflx: number;
  relay: number;
  /** Time until gathering completed (or gave up), in milliseconds. */
  gatherMs: number;
}

/** Relay: a loopback call between two connections through TURN only. */
export interface RelayFigures {
  /** Candidate types of the selected pair, `relay` / `relay` when the media went through TURN. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** Round-trip time on the relayed path (ICE consent checks), milliseconds. */
  rttMs: number | null;
  /** Packets lost on the way, percent of those sent, over the measured window. */
  lossPercent: number | null;
  /** What arrived (audio + video), kbit/s over the measured window. */
  bitrateKbps: number | null;
  /** The sender's bandwidth estimate on the relayed path at the end (`availableOutgoingBitrate`), kbit/s; null where the browser has none. */
  estimatedKbps: number | null;
  /** Audio jitter at the receiver, milliseconds. */
  jitterMs: number | null;
  /** How long media flowed while being measured, milliseconds. */
  durationMs: number | null;
  /** Time until the two connections were connected, milliseconds. */
  connectMs: number | null;
}

/** The figures of each check. */
export interface PrecallFiguresMap {
  camera: CameraFigures;
  microphone: MicrophoneFigures;
  speaker: SpeakerFigures;
  server: ServerFigures;
  network: NetworkFigures;
  relay: RelayFigures;
}

/**
 * Why a check is not `good`, as a stable token for scripts (the `remedy` is the same in words, in
 * the element's language). `not-run`: not in `checks`; `stopped`: the element was removed mid-check.
 */
export interface PrecallProblemMap {
  camera: DeviceProblem | 'no-frames' | 'black' | 'low-frame-rate' | 'low-resolution';
  microphone: DeviceProblem | 'silent' | 'noisy' | 'audio-blocked';
  speaker: 'not-heard' | 'no-answer' | 'playback-blocked' | 'output-not-found' | 'not-supported' | CommonProblem;
  server: 'signaling-unreachable' | 'not-an-rtc-call-server' | 'origin-not-allowed' | 'host-not-allowed' | 'unauthorized' | 'rate-limited' | 'internal' | 'slow' | CommonProblem;
  network: 'no-candidates' | 'udp-blocked' | 'relay-unreachable' | 'no-ice-servers' | 'not-supported' | CommonProblem;
  relay: 'no-relay-configured' | 'no-credentials' | 'relay-unreachable' | 'high-loss' | 'high-rtt' | 'low-bitrate' | 'not-supported' | CommonProblem;
}

/** Problems of the camera and microphone that come from opening the device (the `RtcError` codes). */
export type DeviceProblem = 'permission-denied' | 'device-in-use' | 'device-not-found' | 'not-supported' | 'insecure-context' | 'blocked-by-permissions-policy' | 'internal' | CommonProblem;
type CommonProblem = 'not-run' | 'stopped';

export type PrecallProblem<K extends PrecallCheckName = PrecallCheckName> = PrecallProblemMap[K];

/** One check's outcome. */
export interface PrecallCheckResult<K extends PrecallCheckName = PrecallCheckName> {
  status: PrecallStatus;
  /** Measurements (all fields present; null where nothing was measured). */
  figures: PrecallFiguresMap[K];
  /** What to do about it, in words in the element's language; null when `good` (or not run). */
  remedy: string | null;
  /** Why it is not `good`, as a token; null when `good`. */
  problem: PrecallProblem<K> | null;
}

/** What `run()` resolves with and `rtc-precall-result` carries. */
export interface PrecallReport {
  /** The worst status of the checks that ran (`poor` > `fair` > `good`); `skipped` when none did. */
  status: PrecallStatus;
  checks: { [K in PrecallCheckName]: PrecallCheckResult<K> };
  /** When the run started and ended (unix milliseconds). */
  startedAt: number;
  endedAt: number;
}

/** Figures of a check that did not measure anything. */
export function emptyFigures<K extends PrecallCheckName>(name: K): PrecallFiguresMap[K] {
  const empty: PrecallFiguresMap = {
    camera: { width: null, height: null, frameRate: null, brightness: null, label: '' },
    microphone: { peakDb: null, noiseFloorDb: null, label: '' },
    speaker: { heard: null, sinkId: '' },
    server: { url: '', responseMs: null, relayOffered: null },
    network: { host: 0, srflx: 0, relay: 0, gatherMs: 0 },
    relay: { localCandidateType: null, remoteCandidateType: null, rttMs: null, lossPercent: null, bitrateKbps: null, estimatedKbps: null, jitterMs: null, durationMs: null, connectMs: null },
  };
  return empty[name];
}

const RANK: Record<PrecallStatus, number> = { skipped: 0, good: 1, fair: 2, poor: 3 };

/** The report's status: the worst of those that ran, `skipped` when none ran. */
export function overallStatus(statuses: readonly PrecallStatus[]): PrecallStatus {
  let worst: PrecallStatus = PrecallStatus.Skipped;
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}
