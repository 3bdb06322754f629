/**
 * The mesh's control channel (negotiated on every link): state, heartbeat, goodbye and the page's
 * own data (`sendData`), chat, the security code's exchange, and the files' offers and answers
 * (the files themselves have channels of their own).
 * Parsing is pure so it is unit-tested on its own (test/unit/core.test.ts).
 */

import { MAX_APP_DATA_BYTES, MAX_CHAT_CODE_POINTS, type ChatWire } from '../transport.js';
import { parseFileControl, type FileControlMessage } from './file-transfer.js';
import type { VerificationMessage } from './verification.js';

/** Largest control message accepted (UTF-16 units): app data plus its envelope. */
export const MAX_CONTROL_MESSAGE = MAX_APP_DATA_BYTES + 256;

/** Messages on the control channel. Unknown or malformed ones are ignored. */
export type ControlMessage =
  /**
   * `screen`: sharing a screen (its track rides the link's screen transceiver). `hello` (through
   * the server, SFU side): the sender's signaling just opened; answer with your state, which may
   * have expired in the server's queue while it was on its way.
   */
  | { t: 'state'; mic: boolean; cam: boolean; name: string; screen?: boolean; hello?: boolean }
  | { t: 'ping' }
  | { t: 'bye' }
  /** The page's own data (`sendData`): any JSON value. */
  | { t: 'data'; data: unknown }
  /** A chat message, or one replayed as history (`replayOf`). */
  | ({ t: 'chat' } & ChatWire)
  /** A newcomer asks for the chat history. */
  | { t: 'history' }
  /**
   * A room changing course between mesh and SFU (switching-transport.ts): the sender now receives
   * us through `via`, so the path it no longer needs may close once we say the same.
   */
  | { t: 'receiving'; via: 'mesh' | 'sfu' }
  /** The security code's exchange (verification.ts): a commitment, then the nonce. */
  | VerificationMessage
  /** A file's offer, acceptance, confirmation or failure (file-transfer.ts). */
  | FileControlMessage;

/** Parses one control message; null when it is not one we understand. */
export function parseControlMessage(data: unknown): ControlMessage | null {
  if (typeof data !== 'string' || data.length > MAX_CONTROL_MESSAGE) return null;
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object') return null;
  switch (msg['t']) {
    case 'ping':
    case 'bye':
      return { t: msg['t'] };
    case 'data':
      return 'data' in msg ? { t: 'data', data: msg['data'] } : null;
    case 'history':
      return { t: 'history' };
    case 'receiving':
      return msg['via'] === 'mesh' || msg['via'] === 'sfu' ? { t: 'receiving', via: msg['via'] } : null;
    case 'fo':
    case 'fa':
    case 'fd':
    case 'fx':
      return parseFileControl(msg);
    case 'vc':
      return typeof msg['c'] === 'string' && /^[0-9a-f]{64}$/.test(msg['c']) ? { t: 'vc', c: msg['c'] } : null;
    case 'vr':
      return typeof msg['n'] === 'string' && /^[0-9a-f]{64}$/.test(msg['n']) ? { t: 'vr', n: msg['n'] } : null;
    case 'chat': {
      const { id, text, at, replayOf } = msg as Record<string, unknown>;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id) || typeof text !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return null;
      if (!text.trim() || [...text].length > MAX_CHAT_CODE_POINTS) return null;
      const chat: { t: 'chat' } & ChatWire = { t: 'chat', id, text, at };
      if (replayOf !== undefined) {
        const r = replayOf as Record<string, unknown> | null;
        if (!r || typeof r.from !== 'string' || typeof r.name !== 'string') return null;
        chat.replayOf = { from: r.from.slice(0, 64), name: r.name.slice(0, 64) };
      }
      return chat;
    }
    case 'state':
      if (typeof msg['mic'] !== 'boolean' || typeof msg['cam'] !== 'boolean' || typeof msg['name'] !== 'string') return null;
      return { t: 'state', mic: msg['mic'], cam: msg['cam'], name: msg['name'].slice(0, 64), ...(msg['screen'] === true ? { screen: true } : {}), ...(msg['hello'] === true ? { hello: true } : {}) };
    default:
      return null;
  }
}
