/**
 * The mesh's control channel (negotiated on every link): state, heartbeat and goodbye messages.
 * Parsing is pure so it is unit-tested on its own (test/unit/core.test.ts).
 */

/** Largest control message accepted (bytes). */
export const MAX_CONTROL_MESSAGE = 4_096;

/** Messages on the control channel. Unknown or malformed ones are ignored. */
export type ControlMessage =
  /** `screen`: sharing a screen (its track rides the link's screen transceiver). */
  | { t: 'state'; mic: boolean; cam: boolean; name: string; screen?: boolean }
  | { t: 'ping' }
  | { t: 'bye' };

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
    case 'state':
      if (typeof msg['mic'] !== 'boolean' || typeof msg['cam'] !== 'boolean' || typeof msg['name'] !== 'string') return null;
      return { t: 'state', mic: msg['mic'], cam: msg['cam'], name: msg['name'].slice(0, 64), ...(msg['screen'] === true ? { screen: true } : {}) };
    default:
      return null;
  }
}
