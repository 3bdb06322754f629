/**
 * One run of the pre-call check: what `<rtc-precall-check>` loads (a dynamic import) when it is
 * asked to run. Two tracks at once — the person's devices (camera and microphone together, then
 * the speaker, so the test tone is never heard by the microphone check) and the network (the
 * server's answer, then network and relay together) — and a report with the remedies in words.
 */
import type { DeviceChoice } from '../types.js';
import type { Messages } from '../../i18n/messages.js';
import { checkCamera, checkMicrophone, checkSpeaker, type Outcome } from './devices.js';
import { checkNetwork, checkRelay, checkServer } from './network.js';
import {
  emptyFigures,
  overallStatus,
  PRECALL_CHECKS,
  PrecallStatus,
  type PrecallCheckName,
  type PrecallCheckResult,
  type PrecallFiguresMap,
  type PrecallProblem,
  type PrecallReport,
} from './types.js';

/** What the person is asked to do right now: speak (microphone), answer about the tone (speaker). */
export type PrecallPrompt = 'speak' | 'tone' | null;

export interface PrecallRunOptions {
  checks: readonly PrecallCheckName[];
  /** The rtc-call server (`''` = the default server). */
  server: string;
  /** A room token, for servers with RTC_ROOM_SECRET. */
  token?: string;
  devices: DeviceChoice;
  /** The catalogue the remedies are written from. */
  messages: Messages;
  signal: AbortSignal;
  /** A check started (`'running'`) or finished (its result). */
  onUpdate(name: PrecallCheckName, state: 'running' | PrecallCheckResult): void;
  onPrompt(prompt: PrecallPrompt): void;
  /** The microphone's level (0…1) while it is checked. */
  onLevel(level: number): void;
  /** The camera's stream while it is checked (null after). */
  onPreview(stream: MediaStream | null): void;
  /** The person's answer about the tone; SPEAKER_ANSWER_MS without one counts as none. */
  ask(signal: AbortSignal): Promise<boolean>;
}

export async function runPrecall(opts: PrecallRunOptions): Promise<PrecallReport> {
  const startedAt = Date.now();
  const wanted = new Set(opts.checks);
  const results = {} as { [K in PrecallCheckName]: PrecallCheckResult<K> };
  const { signal } = opts;

  const finish = <K extends PrecallCheckName>(name: K, outcome: Outcome<PrecallFiguresMap[K], PrecallProblem<K>>): void => {
    const remedies = opts.messages.precall.remedies[name] as Record<PrecallProblem<K>, string>;
    const result: PrecallCheckResult<K> = {
      status: outcome.status,
      figures: outcome.figures,
      problem: outcome.problem,
      remedy: outcome.problem === null ? null : remedies[outcome.problem],
    };
    (results as Record<PrecallCheckName, PrecallCheckResult>)[name] = result;
    opts.onUpdate(name, result);
  };
  const step = async <K extends PrecallCheckName>(name: K, check: () => Promise<Outcome<PrecallFiguresMap[K], PrecallProblem<K>>>): Promise<void> => {
    if (!wanted.has(name)) return;
    opts.onUpdate(name, 'running');
    finish(name, await check());
  };

  const person = async () => {
    const microphone = async () => {
      if (!wanted.has('microphone')) return;
      opts.onPrompt('speak');
      try {
        await step('microphone', () => checkMicrophone({ deviceId: opts.devices.audioInput, signal, onLevel: opts.onLevel }));
      } finally {
        opts.onPrompt(null);
      }
    };
    await Promise.all([
      step('camera', () => checkCamera({ deviceId: opts.devices.videoInput, signal, onStream: opts.onPreview })),
      microphone(),
    ]);
    if (!wanted.has('speaker') || signal.aborted) return;
    opts.onPrompt('tone');
    try {
      await step('speaker', () => checkSpeaker({ sinkId: opts.devices.audioOutput, signal, ask: opts.ask }));
    } finally {
      opts.onPrompt(null);
    }
  };

  const network = async () => {
    if (!wanted.has('server') && !wanted.has('network') && !wanted.has('relay')) return;
    if (wanted.has('server')) opts.onUpdate('server', 'running');
    const server = await checkServer({ server: opts.server, token: opts.token, signal });
    if (wanted.has('server')) finish('server', server);
    const iceServers = server.answer?.iceServers ?? [];
    await Promise.all([
      step('network', () => checkNetwork({ iceServers, signal })),
      step('relay', () => checkRelay({ answer: server.answer, signal })),
    ]);
  };

  await Promise.all([person(), network()]);

  for (const name of PRECALL_CHECKS) {
    if (results[name]) continue;
    // Not asked for, or not reached before the element was removed.
    const problem = wanted.has(name) ? 'stopped' : 'not-run';
    (results as Record<PrecallCheckName, PrecallCheckResult>)[name] = {
      status: PrecallStatus.Skipped,
      figures: emptyFigures(name),
      problem,
      remedy: problem === 'stopped' ? opts.messages.precall.remedies[name].stopped : null,
    };
  }
  return {
    status: overallStatus(PRECALL_CHECKS.filter((n) => wanted.has(n)).map((n) => results[n].status)),
    checks: results,
    startedAt,
    endedAt: Date.now(),
  };
}
