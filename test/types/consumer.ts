// Must type-check: the element API and typed events as an npm consumer uses them.
import 'rtc-call';
import { RtcCall, RtcJoinedEvent, RtcErrorEvent, type RtcJoinedDetail, type Participant } from 'rtc-call';

const call = document.querySelector('rtc-call')!;
call.addEventListener('rtc-joined', (e) => e.detail.participantId);
call.addEventListener('rtc-error', (e) => console.warn(e.detail.code, e.detail.message, e.detail.fatal));
call.addEventListener('rtc-participant-joined', (e) => e.detail.participant.displayName);
call.addEventListener('rtc-leave-request', (e) => e.preventDefault());
document.querySelector('rtc-device-picker')?.addEventListener('rtc-device-change', (e) => e.detail.deviceId);
document.querySelector('rtc-video-tile')?.addEventListener('rtc-speaking-change', (e) => e.detail.speaking);

const created: RtcCall = document.createElement('rtc-call');
created.room = 'visit-4711';
created.displayName = 'Dr. Rivera';
created.autojoin = true;
const state: 'idle' | 'joining' | 'waiting' | 'connected' | 'reconnecting' | 'left' | 'failed' = created.state;
const people: readonly Participant[] = created.participants;
void created.join().then(() => created.toggleMic(false));

const joined = (e: RtcJoinedEvent): RtcJoinedDetail => e.detail;
const isError = (e: Event): e is RtcErrorEvent => e instanceof RtcErrorEvent;
export { state, people, joined, isError };

// <rtc-precall-check>: run() and the event carry the same typed report.
const check = document.createElement('rtc-precall-check');
check.checks = 'camera microphone relay';
void check.run().then((report) => {
  const relay: 'good' | 'fair' | 'poor' | 'skipped' = report.checks.relay.status;
  const rtt: number | null = report.checks.relay.figures.rttMs;
  const remedy: string | null = report.checks.camera.remedy;
  return [relay, rtt, remedy];
});
check.addEventListener('rtc-precall-result', (e) => e.detail.checks.network.figures.relay);
