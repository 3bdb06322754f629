/**
 * rtc-call: `import 'rtc-call'` registers every element and exports every class, event class and
 * type. Import `rtc-call/rtc-call.js` (or the tile / device picker / precall check module) to register just one.
 */
import './rtc-call.js';
import './rtc-video-tile.js';
import './rtc-device-picker.js';
import './rtc-precall-check.js';

export * from './events/index.js';
export { RtcCall } from './components/call/call.js';
export { ROOM_PATTERN, NAME_MAX_CODE_POINTS, checkDisplayName, isValidRoom, type NameCheck, type NameProblem } from './protocol/rules.js';
export { RtcVideoTile } from './components/video-tile/video-tile.js';
export type { VideoTileFit } from './components/video-tile/video-tile.js';
export { RtcDevicePicker, DevicePickerStatus } from './components/device-picker/device-picker.js';
export {
  DEVICES_STORAGE_KEY,
  listDevices,
  hasDeviceLabels,
  requestDevicePermission,
  loadStoredDevices,
  storeDevices,
  supportsSpeakerSelection,
  watchDeviceChanges,
} from './core/media/devices.js';
export type { DeviceEntry, DeviceLists } from './core/media/devices.js';
export { RtcPrecallCheck, PrecallCheckState } from './components/precall-check/precall-check.js';
export { PrecallStatus, PRECALL_CHECKS, isPrecallCheckName } from './core/precall/types.js';
export type {
  PrecallReport,
  PrecallCheckResult,
  PrecallCheckName,
  PrecallProblem,
  PrecallProblemMap,
  PrecallFiguresMap,
  CameraFigures,
  MicrophoneFigures,
  SpeakerFigures,
  ServerFigures,
  NetworkFigures,
  RelayFigures,
} from './core/precall/types.js';
export { PRECALL_CREDENTIAL_TTL_S } from './protocol/precall.js';
export type { PrecallRequest, PrecallResponse } from './protocol/precall.js';
export { RtcError, RtcErrorCode, isRtcErrorCode } from './core/errors.js';
export type { RtcErrorOptions } from './core/errors.js';
export { CallState } from './core/types.js';
export { JOIN_TIMEOUT_MS, RECONNECT_TIMEOUT_MS, RECONNECT_WITHOUT_MEDIA_MS } from './core/session/timeouts.js';
export { SIGNALING_OPEN_TIMEOUT_MS } from './core/transport/timeouts.js';
export type { CallConfig } from './core/session/media-session.js';
export type { JoinResponse, RoomMember } from './core/room-client.js';
export type {
  ConnectionState,
  DeviceChoice,
  DeviceKind,
  LeaveReason,
  Participant,
  ParticipantLeaveReason,
  ParticipantRole,
  WaitingParticipant,
  ChatMessage,
} from './core/types.js';
export { defineElement } from './utils/define-element.js';
export type { Messages } from './i18n/messages.js';
