/**
 * The message catalogue: every label, notice and announcement an element shows comes from here.
 * English is the default; add a language by adding a catalogue with the same keys to `CATALOGUES`.
 * Elements pick the catalogue from their `lang` attribute, else the closest `lang` in the page.
 */
import type { RtcErrorCode } from '../core/errors.js';

export const en = {
  guest: 'Guest',
  you: 'You',
  // <rtc-video-tile>
  videoOf: (name: string) => `Video of ${name}`,
  selfName: (name: string) => `${name} (you)`,
  micOff: 'Microphone off',
  cameraOff: 'Camera off',
  speaking: 'Speaking',
  statusConnecting: 'Connecting…',
  statusReconnecting: 'Reconnecting…',
  statusFailed: 'Connection lost',
  enableSound: 'Click to enable sound',
  pictureInPicture: 'Picture in picture',
  exitPictureInPicture: 'Exit picture in picture',
  fullscreen: 'Full screen',
  exitFullscreen: 'Exit full screen',
  // <rtc-call>
  prejoinTitle: 'Ready to join?',
  yourName: 'Your name',
  join: 'Join',
  joining: 'Joining…',
  leave: 'Leave call',
  rejoin: 'Rejoin',
  tryAgain: 'Try again',
  mic: 'Microphone',
  camera: 'Camera',
  settings: 'Settings',
  controls: 'Call controls',
  participants: 'Participants',
  leftTitle: 'You left the call',
  failedTitle: 'The call could not continue',
  aloneInRoom: 'Waiting for others to join…',
  reconnecting: 'Connection to the server lost. Reconnecting…',
  dismiss: 'Dismiss',
  joined: (name: string) => `${name} joined`,
  left: (name: string) => `${name} left`,
  mutedThem: (name: string) => `${name} muted their microphone`,
  unmutedThem: (name: string) => `${name} turned their microphone on`,
  cameraOffThem: (name: string) => `${name} turned their camera off`,
  cameraOnThem: (name: string) => `${name} turned their camera on`,
  youJoined: 'You joined the call',
  youLeft: 'You left the call',
  replaced: 'You joined this call from another window or device, so it ended here.',
  // <rtc-device-picker>
  devices: 'Devices',
  cameraLabel: 'Camera',
  microphoneLabel: 'Microphone',
  speakerLabel: 'Speaker',
  allowDevices: 'Allow camera and microphone',
  defaultDevice: 'Default',
  deviceN: (kind: string, n: number) => `${kind} ${n}`,
  deviceGone: (label: string) => `${label} was disconnected; using the default device.`,
  micLevel: 'Microphone level',
  cameraPreview: 'Camera preview',
  // errors, by code
  errors: {
    'permission-denied': 'Camera or microphone access was denied. Allow it in the browser to be seen and heard.',
    'device-not-found': 'No camera or microphone was found.',
    'device-in-use': 'Your camera or microphone is in use by another application.',
    'not-supported': 'This browser does not support video calls.',
    'insecure-context': 'Calls need a secure (https) page.',
    'blocked-by-permissions-policy': 'This page is not allowed to use the camera or microphone (iframe permissions).',
    'signaling-unreachable': 'The call server cannot be reached.',
    'unauthorized': 'You are not authorized to join this call.',
    'wrong-room': 'Your invitation is for a different room.',
    'origin-not-allowed': 'This website is not allowed to use this call server.',
    'host-not-allowed': 'The call server refused this address. Its operator needs to set its public URL.',
    'invalid-room': 'The room name is not valid.',
    'invalid-name': 'Please enter a valid name: 1–64 characters, at least one of them visible.',
    'room-full': 'This call is full.',
    'rate-limited': 'Too many attempts. Please wait a minute and try again.',
    'peer-unavailable': 'A participant could not be reached.',
    'ice-failed': 'No connection could be established with a participant.',
    'internal': 'Something went wrong.',
  } satisfies Record<RtcErrorCode, string>,
};

export type Messages = typeof en;

export const de: Messages = {
  guest: 'Gast',
  you: 'Du',
  videoOf: (name) => `Video von ${name}`,
  selfName: (name) => `${name} (du)`,
  micOff: 'Mikrofon aus',
  cameraOff: 'Kamera aus',
  speaking: 'Spricht',
  statusConnecting: 'Verbinde…',
  statusReconnecting: 'Verbindung wird wiederhergestellt…',
  statusFailed: 'Verbindung verloren',
  enableSound: 'Klicken, um den Ton einzuschalten',
  pictureInPicture: 'Bild im Bild',
  exitPictureInPicture: 'Bild im Bild beenden',
  fullscreen: 'Vollbild',
  exitFullscreen: 'Vollbild beenden',
  prejoinTitle: 'Bereit?',
  yourName: 'Dein Name',
  join: 'Teilnehmen',
  joining: 'Trete bei…',
  leave: 'Anruf verlassen',
  rejoin: 'Wieder teilnehmen',
  tryAgain: 'Erneut versuchen',
  mic: 'Mikrofon',
  camera: 'Kamera',
  settings: 'Einstellungen',
  controls: 'Anrufsteuerung',
  participants: 'Teilnehmende',
  leftTitle: 'Du hast den Anruf verlassen',
  failedTitle: 'Der Anruf konnte nicht fortgesetzt werden',
  aloneInRoom: 'Warte auf weitere Teilnehmende…',
  reconnecting: 'Verbindung zum Server verloren. Verbinde erneut…',
  dismiss: 'Schließen',
  joined: (name) => `${name} ist beigetreten`,
  left: (name) => `${name} hat den Anruf verlassen`,
  mutedThem: (name) => `${name} hat das Mikrofon ausgeschaltet`,
  unmutedThem: (name) => `${name} hat das Mikrofon eingeschaltet`,
  cameraOffThem: (name) => `${name} hat die Kamera ausgeschaltet`,
  cameraOnThem: (name) => `${name} hat die Kamera eingeschaltet`,
  youJoined: 'Du bist dem Anruf beigetreten',
  youLeft: 'Du hast den Anruf verlassen',
  replaced: 'Du bist diesem Anruf in einem anderen Fenster oder auf einem anderen Gerät beigetreten, deshalb wurde er hier beendet.',
  devices: 'Geräte',
  cameraLabel: 'Kamera',
  microphoneLabel: 'Mikrofon',
  speakerLabel: 'Lautsprecher',
  allowDevices: 'Kamera und Mikrofon erlauben',
  defaultDevice: 'Standard',
  deviceN: (kind, n) => `${kind} ${n}`,
  deviceGone: (label) => `${label} wurde getrennt; das Standardgerät wird verwendet.`,
  micLevel: 'Mikrofonpegel',
  cameraPreview: 'Kameravorschau',
  errors: {
    'permission-denied': 'Der Zugriff auf Kamera oder Mikrofon wurde verweigert. Erlaube ihn im Browser, um gesehen und gehört zu werden.',
    'device-not-found': 'Keine Kamera und kein Mikrofon gefunden.',
    'device-in-use': 'Kamera oder Mikrofon wird von einer anderen Anwendung verwendet.',
    'not-supported': 'Dieser Browser unterstützt keine Videoanrufe.',
    'insecure-context': 'Anrufe brauchen eine sichere (https-)Seite.',
    'blocked-by-permissions-policy': 'Diese Seite darf Kamera und Mikrofon nicht verwenden (iframe-Berechtigungen).',
    'signaling-unreachable': 'Der Anrufserver ist nicht erreichbar.',
    'unauthorized': 'Du bist nicht berechtigt, diesem Anruf beizutreten.',
    'wrong-room': 'Deine Einladung gilt für einen anderen Raum.',
    'origin-not-allowed': 'Diese Website darf diesen Anrufserver nicht verwenden.',
    'host-not-allowed': 'Der Anrufserver hat diese Adresse abgelehnt. Sein Betreiber muss seine öffentliche URL einstellen.',
    'invalid-room': 'Der Raumname ist ungültig.',
    'invalid-name': 'Bitte gib einen gültigen Namen ein: 1–64 Zeichen, mindestens eines davon sichtbar.',
    'room-full': 'Dieser Anruf ist voll.',
    'rate-limited': 'Zu viele Versuche. Bitte warte eine Minute.',
    'peer-unavailable': 'Eine Person konnte nicht erreicht werden.',
    'ice-failed': 'Zu einer Person konnte keine Verbindung aufgebaut werden.',
    'internal': 'Etwas ist schiefgelaufen.',
  },
};

export const CATALOGUES: Record<string, Messages> = { en, de };

/** The catalogue for a BCP 47 language tag (`de-AT` → `de`), English when there is none. */
export function messagesFor(lang: string | null | undefined): Messages {
  if (!lang) return en;
  const lower = lang.toLowerCase();
  return CATALOGUES[lower] ?? CATALOGUES[lower.split('-')[0]!] ?? en;
}

/** The language an element should speak: its own `lang`, else the nearest ancestor's, else the document's. */
export function langOf(el: Element): string {
  const host = el.closest('[lang]');
  return host?.getAttribute('lang') || document.documentElement.lang || 'en';
}
