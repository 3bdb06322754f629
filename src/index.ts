/**
 * rtc-call: `import 'rtc-call'` registers every element and exports every class, event class and
 * type. Import `rtc-call/rtc-call.js` (or the tile / device picker module) to register just one.
 */
export * from './events/index.js';
export { RtcError, RtcErrorCode, isRtcErrorCode } from './core/errors.js';
export type { RtcErrorOptions } from './core/errors.js';
export { CallState } from './core/types.js';
export type {
  ConnectionState,
  DeviceChoice,
  DeviceKind,
  LeaveReason,
  Participant,
  ParticipantLeaveReason,
  ParticipantRole,
} from './core/types.js';
export { defineElement } from './utils/define-element.js';
export type { Messages } from './i18n/messages.js';
