/**
 * Every server log line passes through `safeLogger`: a line is one line, whatever a client sent.
 * Characters that could start a new line or disguise one (controls, format characters such as
 * bidirectional overrides, line/paragraph separators, lone surrogates) become `\uXXXX`, and a
 * line is cut at 2,000 characters. Values are also quoted with `q()` where they are interpolated,
 * so a space in an origin or an id cannot fake a `key=value` field.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const MAX_LINE = 2000;

function escapeUnsafe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Wrap a line sink so that nothing a client controls can break or forge a log line. */
export function safeLogger(sink: (line: string) => void): (line: string) => void {
  return (line) => {
    const safe = escapeUnsafe(line);
    sink(safe.length > MAX_LINE ? `${safe.slice(0, MAX_LINE)}…` : safe);
  };
}

/** A client-controlled value for a log line: JSON-quoted, at most 200 characters. */
export function q(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);
}
