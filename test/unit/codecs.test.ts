// Codec preferences: the attribute's names, and the first offer's payload types reordered.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCodecList, preferInSdp } from '../../src/core/transport/codecs.js';

const SDP = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:63 red/48000/2',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=rtpmap:98 VP9/90000',
  'a=rtpmap:99 rtx/90000',
  'a=rtpmap:102 H264/90000',
  'a=rtpmap:103 rtx/90000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  '',
].join('\r\n');

describe('codec preferences', () => {
  test('names: known ones once, in order; the rest reported', () => {
    assert.deepEqual(parseCodecList('video', 'VP9, vp8 h264 vp9 mpeg2'), { names: ['vp9', 'vp8', 'h264'], unknown: ['mpeg2'] });
    assert.deepEqual(parseCodecList('audio', 'opus'), { names: ['opus'], unknown: [] });
    assert.deepEqual(parseCodecList('video', ''), { names: [], unknown: [] });
  });

  test('the offer lists the preferred codecs first, keeps every other payload type, changes nothing else', () => {
    const out = preferInSdp(SDP, { video: ['h264', 'vp9'], audio: ['pcmu'] });
    const lines = out.split('\r\n');
    assert.equal(lines[1], 'm=audio 9 UDP/TLS/RTP/SAVPF 0 111 63 9 8');
    assert.equal(lines[7], 'm=video 9 UDP/TLS/RTP/SAVPF 102 98 96 97 99 103');
    assert.equal(lines[14], 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel');
    assert.equal(lines.length, SDP.split('\r\n').length);
    assert.equal(preferInSdp(SDP, {}), SDP);
  });
});
