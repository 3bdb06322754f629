/**
 * Rules the server and the element both apply: what a room name and a display name may be.
 * One module imported by both sides, so they can never disagree (the element says "invalid name"
 * before a round trip for exactly the names the server would refuse). DOM-free and Node-free.
 */

/** Room names: 1–64 of `A–Z a–z 0–9 _ -`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest display name, in Unicode code points after trimming. */
export const NAME_MAX_CODE_POINTS = 64;

/**
 * Characters a display name may not contain anywhere: controls (`\p{Cc}`), format characters
 * (`\p{Cf}`: zero-width space and joiners, word joiner, LRM/RLM/ALM, bidirectional overrides and
 * isolates, Unicode tag characters, the BOM), line and paragraph separators (`\p{Zl}`, `\p{Zp}`)
 * and lone surrogates (in a `u` pattern `\p{Cs}` matches only an unpaired half). Each of them
 * either breaks a log line or a layout, or makes two different names look the same.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/**
 * A visible character: not white space, not a control/format/unassigned/private character, not a
 * combining mark on its own, not a default-ignorable code point (U+3164 HANGUL FILLER and its
 * kin, variation selectors) and not U+2800 BRAILLE PATTERN BLANK.
 */
const VISIBLE = /[^\p{White_Space}\p{C}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;
const EDGE_SPACE = /^[\p{White_Space}]+|[\p{White_Space}]+$/gu;

export type NameProblem = 'not-a-string' | 'empty' | 'too-long' | 'forbidden-character' | 'invisible';

/** The result of {@link checkDisplayName}: the trimmed name, or why it is refused. */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: NameProblem; message: string };

const MESSAGES: Record<NameProblem, string> = {
  'not-a-string': 'displayName must be a string',
  empty: 'displayName is empty',
  'too-long': `displayName must be at most ${NAME_MAX_CODE_POINTS} characters`,
  'forbidden-character': 'displayName must not contain control, format or invisible characters (such as zero-width spaces or direction marks), line separators or lone surrogates',
  invisible: 'displayName must contain at least one visible character',
};

/**
 * The display-name rule: trimmed of white space at both ends, then 1–64 code points, no
 * forbidden character anywhere, at least one visible character.
 */
export function checkDisplayName(raw: unknown): NameCheck {
  const fail = (problem: NameProblem): NameCheck => ({ ok: false, problem, message: MESSAGES[problem] });
  if (typeof raw !== 'string') return fail('not-a-string');
  // Lone surrogates first: trimming and code-point counting are undefined on them.
  if (FORBIDDEN.test(raw)) return fail('forbidden-character');
  const name = raw.replace(EDGE_SPACE, '');
  if (name.length === 0) return fail('empty');
  if ([...name].length > NAME_MAX_CODE_POINTS) return fail('too-long');
  if (!VISIBLE.test(name)) return fail('invisible');
  return { ok: true, name };
}

/** True when `room` is a room name the server accepts. */
export function isValidRoom(room: unknown): room is string {
  return typeof room === 'string' && ROOM_PATTERN.test(room);
}

/** Longest host message (a deny reason), in code points after trimming. */
export const HOST_MESSAGE_MAX_CODE_POINTS = 280;
/** Controls and format characters but line feeds: a host's message may have lines, nothing hidden. */
const MESSAGE_FORBIDDEN = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** A host's message to a participant (why they were denied): trimmed, 1–280 code points, no hidden characters; empty = none. */
export function checkHostMessage(raw: unknown): { ok: true; message: string | undefined } | { ok: false; message: string } {
  if (raw === undefined || raw === null) return { ok: true, message: undefined };
  if (typeof raw !== 'string') return { ok: false, message: 'message must be a string' };
  if (MESSAGE_FORBIDDEN.test(raw)) return { ok: false, message: 'message must not contain control or format characters' };
  const text = raw.replace(EDGE_SPACE, '');
  if ([...text].length > HOST_MESSAGE_MAX_CODE_POINTS) return { ok: false, message: `message must be at most ${HOST_MESSAGE_MAX_CODE_POINTS} characters` };
  return { ok: true, message: text || undefined };
}
