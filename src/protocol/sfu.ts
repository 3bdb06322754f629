/**
 * SFU signaling: what a browser in a room whose media goes through Janus (call mode `sfu`) and
 * our server say to each other, as `{ "type": "SFU", "payload" }` frames on the signaling socket.
 * The browser never talks to Janus's API: the server drives the VideoRoom (its own room secret,
 * pin and per-participant tokens) and passes on only the SDP and ICE candidates. Media goes from
 * the browser to Janus.
 *
 * Client → server:
 * - `publish`   our publisher offer, with which source each of its m-lines carries; answered by `answer` (pc `pub`)
 * - `answer`    our answer to the server's subscriber `offer`, with that offer's `seq`
 * - `candidate` one of our ICE candidates (null: gathering is complete) for `pub` or `sub`
 * - `layer`     the simulcast layer we want of one subscribed video (0 low … 2 high)
 * - `stop`      we no longer publish or subscribe (the room went back to the mesh and our
 *               peer-to-peer links carry everything): the server hangs up our Janus handles
 * Server → client:
 * - `answer`    Janus's answer to our publisher offer
 * - `offer`     a (new) subscriber offer, with whose source each m-line carries and a `seq` the
 *               answer repeats (an answer to an earlier offer is ignored); `fresh` when it comes
 *               from a new subscription (the last one went unanswered): it replaces the browser's
 *               subscriber connection instead of renegotiating it, and any earlier offer still
 *               being answered is dropped
 * - `candidate` one of Janus's candidates (it usually puts them in its SDP)
 * - `error`     a request failed (code, message)
 */
import type { ServerErrorCode } from './errors.js';

export const SFU_FRAME = 'SFU';

/** How media travels in a call (DESIGN names): peer to peer, or through the SFU. */
export type CallMode = 'mesh' | 'sfu';

/** Where a published m-line's media comes from (DESIGN's media source names). */
export type SfuSource = 'microphone' | 'camera' | 'screen';

export interface SfuJsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface SfuCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** One m-line of a subscriber offer: whose media it carries. */
export interface SfuStream {
  mid: string;
  peerId: string;
  source: SfuSource;
}

export type SfuClientMessage =
  | { kind: 'publish'; jsep: SfuJsep; sources: Array<{ mid: string; source: SfuSource }> }
  | { kind: 'answer'; jsep: SfuJsep; seq: number }
  | { kind: 'candidate'; pc: 'pub' | 'sub'; candidate: SfuCandidate | null }
  | { kind: 'layer'; mid: string; substream: 0 | 1 | 2 }
  | { kind: 'stop' };

export type SfuServerMessage =
  | { kind: 'answer'; jsep: SfuJsep }
  | { kind: 'offer'; jsep: SfuJsep; streams: SfuStream[]; seq: number; fresh?: boolean }
  | { kind: 'candidate'; pc: 'pub' | 'sub'; candidate: SfuCandidate | null }
  | { kind: 'error'; code: ServerErrorCode; message: string };

/** Largest SDP either side accepts (a subscriber offer for 49 publishers stays well below). */
export const MAX_SDP_CHARS = 60_000;
const SOURCES = new Set<string>(['microphone', 'camera', 'screen']);
const MID = /^[A-Za-z0-9_-]{1,16}$/;
/** A subscriber offer's number: a positive integer. */
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsepOf(v: unknown, type: SfuJsep['type']): SfuJsep | null {
  if (!isObject(v) || v.type !== type || typeof v.sdp !== 'string' || v.sdp.length > MAX_SDP_CHARS) return null;
  return { type, sdp: v.sdp };
}

function candidateOf(v: unknown): SfuCandidate | null | undefined {
  if (v === null) return null;
  if (!isObject(v) || typeof v.candidate !== 'string' || v.candidate.length > 1024) return undefined;
  const c: SfuCandidate = { candidate: v.candidate };
  if (typeof v.sdpMid === 'string' && MID.test(v.sdpMid)) c.sdpMid = v.sdpMid;
  if (typeof v.sdpMLineIndex === 'number' && Number.isInteger(v.sdpMLineIndex) && v.sdpMLineIndex >= 0 && v.sdpMLineIndex < 512) c.sdpMLineIndex = v.sdpMLineIndex;
  return c;
}

/** Server side: a client's SFU payload, or why it is refused. */
export function parseSfuClientMessage(payload: unknown): { ok: true; message: SfuClientMessage } | { ok: false; message: string } {
  if (!isObject(payload)) return { ok: false, message: 'an SFU frame needs an object payload' };
  switch (payload.kind) {
    case 'publish': {
      const jsep = jsepOf(payload.jsep, 'offer');
      if (!jsep) return { ok: false, message: 'publish needs jsep: { type: "offer", sdp } (at most 60,000 characters)' };
      const raw = payload.sources;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > 3) return { ok: false, message: 'publish needs 1–3 sources' };
      const sources: Array<{ mid: string; source: SfuSource }> = [];
      for (const s of raw) {
        if (!isObject(s) || typeof s.mid !== 'string' || !MID.test(s.mid) || !SOURCES.has(s.source as string)) return { ok: false, message: 'each source is { mid, source: microphone | camera | screen }' };
        if (sources.some((o) => o.mid === s.mid || o.source === s.source)) return { ok: false, message: 'sources repeat a mid or a source' };
        sources.push({ mid: s.mid, source: s.source as SfuSource });
      }
      return { ok: true, message: { kind: 'publish', jsep, sources } };
    }
    case 'answer': {
      const jsep = jsepOf(payload.jsep, 'answer');
      if (!jsep || !isSeq(payload.seq)) return { ok: false, message: 'answer needs jsep: { type: "answer", sdp } and the seq of the offer it answers' };
      return { ok: true, message: { kind: 'answer', jsep, seq: payload.seq } };
    }
    case 'candidate': {
      const candidate = candidateOf(payload.candidate);
      if (candidate === undefined || (payload.pc !== 'pub' && payload.pc !== 'sub')) return { ok: false, message: 'candidate needs pc (pub | sub) and candidate ({ candidate, sdpMid?, sdpMLineIndex? } or null)' };
      return { ok: true, message: { kind: 'candidate', pc: payload.pc, candidate } };
    }
    case 'layer': {
      const { mid, substream } = payload;
      if (typeof mid !== 'string' || !MID.test(mid) || (substream !== 0 && substream !== 1 && substream !== 2)) return { ok: false, message: 'layer needs mid and substream 0, 1 or 2' };
      return { ok: true, message: { kind: 'layer', mid, substream } };
    }
    case 'stop':
      return { ok: true, message: { kind: 'stop' } };
    default:
      return { ok: false, message: `unknown SFU message ${JSON.stringify(String(payload.kind)).slice(0, 40)}` };
  }
}

/** Client side: a server's SFU payload, or null (ignored). */
export function parseSfuServerMessage(payload: unknown): SfuServerMessage | null {
  if (!isObject(payload)) return null;
  switch (payload.kind) {
    case 'answer': {
      const jsep = jsepOf(payload.jsep, 'answer');
      return jsep ? { kind: 'answer', jsep } : null;
    }
    case 'offer': {
      const jsep = jsepOf(payload.jsep, 'offer');
      if (!jsep || !Array.isArray(payload.streams) || !isSeq(payload.seq)) return null;
      const streams = payload.streams.filter(
        (s): s is SfuStream => isObject(s) && typeof s.mid === 'string' && typeof s.peerId === 'string' && SOURCES.has(s.source as string),
      ).map((s) => ({ mid: s.mid, peerId: s.peerId, source: s.source }));
      return { kind: 'offer', jsep, streams, seq: payload.seq, ...(payload.fresh === true ? { fresh: true } : {}) };
    }
    case 'candidate': {
      const candidate = candidateOf(payload.candidate);
      if (candidate === undefined || (payload.pc !== 'pub' && payload.pc !== 'sub')) return null;
      return { kind: 'candidate', pc: payload.pc, candidate };
    }
    case 'error':
      return typeof payload.code === 'string' && typeof payload.message === 'string' ? { kind: 'error', code: payload.code as ServerErrorCode, message: payload.message } : null;
    default:
      return null;
  }
}
