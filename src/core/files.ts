/**
 * What every transport's file transfer and the session share: the file's hash and the name it may
 * be shown and saved under.
 */

/** The largest file sent or accepted unless the page says otherwise (`max-file-size`): 25 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 25 * 1024 * 1024;

/**
 * A name that is safe to show and to offer as a download: no path, no control or bidi-override
 * characters, at most 200 code points, never empty.
 */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').split(/[\\/]/).pop()!.trim();
  const cut = [...cleaned].slice(0, 200).join('');
  return cut && cut !== '.' && cut !== '..' ? cut : 'file';
}

/** SHA-256 of a blob, as hex. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
