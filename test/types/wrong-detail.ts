// Must NOT type-check where marked: `tsc` fails if a marked line stops being an error
// (@ts-expect-error is then unused), so these prove the event map is really typed.
import 'rtc-call';

const call = document.querySelector('rtc-call')!;
// @ts-expect-error rtc-joined's detail has participantId, not peerId
call.addEventListener('rtc-joined', (e) => e.detail.peerId);
// @ts-expect-error rtc-error's detail is the RtcError: code is a string union, not a number
call.addEventListener('rtc-error', (e) => e.detail.code.toFixed());
// @ts-expect-error room is a string
call.room = 4711;
// @ts-expect-error state is read-only
call.state = 'connected';
