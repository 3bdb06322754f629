// Asking Janus itself about its VideoRooms (a janode session of the test's own), for the SFU tests.
import Janode from 'janode';
import VideoRoomPlugin from 'janode/plugins/videoroom';

export interface JanusProbe {
  exists(videoRoom: number): Promise<boolean>;
  /** The display names (our peer ids) of who is in it. */
  participants(videoRoom: number): Promise<string[]>;
}

export async function probe<T>(url: string, ask: (p: JanusProbe) => Promise<T>): Promise<T> {
  const conn = await Janode.connect({ address: { url } });
  try {
    const session = await conn.create();
    const handle = (await session.attach(VideoRoomPlugin)) as unknown as {
      exists(p: { room: number }): Promise<{ exists: boolean }>;
      listParticipants(p: { room: number }): Promise<{ participants: Array<{ display?: string }> }>;
    };
    return await ask({
      exists: async (room) => (await handle.exists({ room })).exists,
      participants: async (room) => (await handle.listParticipants({ room })).participants.map((x) => x.display ?? ''),
    });
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Resolves once `cond()` resolves true, polling every 100 ms; throws after `timeoutMs`. */
export async function untilAsync(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
