/**
 * Which rooms send media peer to peer (`mesh`) and which through Janus (`sfu`), and how many
 * each holds. A room's mode is set when it opens and kept while anyone is in it: `sfu` when Janus
 * is configured and RTC_MESH_MAX is 0, otherwise `mesh` (switching between the two as a room
 * grows and shrinks is issue 22's). A room kept peer to peer — by RTC_P2P_ONLY or by a room
 * token's `p2p-only` claim — never goes through the SFU and holds at most the mesh size.
 */
import type { CallMode } from 'rtc-call/protocol';
import { MESH_LIMIT, type ResolvedConfig } from '../config.js';
import { RtcHttpError } from '../errors.js';

interface RoomMode {
  mode: CallMode;
  /** Kept peer to peer (end to end) whatever its size. */
  p2p: boolean;
}

export class CallModes {
  private readonly rooms = new Map<string, RoomMode>();

  constructor(private readonly cfg: Pick<ResolvedConfig, 'janusUrls' | 'meshMax' | 'maxParticipants' | 'p2pOnly'>) {}

  /** The mode a newcomer with (or without) a `p2p-only` claim gets; `not-allowed` when that claim meets a room already on the SFU. */
  /** Whether `room` stays peer to peer: by RTC_P2P_ONLY, a claim it was opened or joined with, or this newcomer's. */
  private p2p(room: string, p2pClaim: boolean): boolean {
    return p2pClaim || this.cfg.p2pOnly(room) || this.rooms.get(room)?.p2p === true;
  }

  modeFor(room: string, p2pClaim: boolean): CallMode {
    const current = this.rooms.get(room);
    const p2p = this.p2p(room, p2pClaim);
    if (current) {
      if (p2p && current.mode === 'sfu') {
        throw new RtcHttpError('not-allowed', 'this room already sends its media through the media server; a p2p-only room token cannot join it');
      }
      return current.mode;
    }
    return !p2p && this.cfg.janusUrls.length > 0 && this.cfg.meshMax === 0 ? 'sfu' : 'mesh';
  }

  /** A newcomer was let in with `mode` (the first one opens the room). */
  commit(room: string, mode: CallMode, p2pClaim: boolean): void {
    this.rooms.set(room, { mode: this.rooms.get(room)?.mode ?? mode, p2p: this.p2p(room, p2pClaim) });
  }

  mode(room: string): CallMode {
    return this.rooms.get(room)?.mode ?? 'mesh';
  }

  /**
   * Seats in `room` (with `p2pClaim`: as it would be once a newcomer with that claim is in).
   * Without Janus: RTC_MAX_PARTICIPANTS, as ever. With Janus: RTC_MAX_PARTICIPANTS on the SFU; a
   * mesh at most 6, and at most the mesh size (RTC_MESH_MAX) when kept peer to peer.
   */
  capacity(room: string, p2pClaim = false): number {
    if (this.cfg.janusUrls.length === 0) return this.cfg.maxParticipants;
    const current = this.rooms.get(room);
    if (current?.mode === 'sfu') return this.cfg.maxParticipants;
    const meshSize = this.p2p(room, p2pClaim) && this.cfg.meshMax > 0 ? this.cfg.meshMax : MESH_LIMIT;
    return Math.min(this.cfg.maxParticipants, meshSize);
  }

  ended(room: string): void {
    this.rooms.delete(room);
  }
}
