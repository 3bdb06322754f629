// src/core/transport/mesh/peerjs-loader.ts in a real browser: PeerJS (the real module, through the dev server)
// loads once without its load-time probe ever getting PeerJS's public STUN/TURN defaults, the
// guard is narrow (only PeerJS's default configuration, only while a load is in progress), two
// copies of rtc-call share it, and the page's RTCPeerConnection is given back afterwards.
// Configurations here name loopback only: nothing gathers, and nothing is contacted.
import { expect } from '@open-wc/testing';
import { armPeerJsGuard, loadPeerJs, neutralisePeerJsDefaults } from '../../src/core/transport/mesh/peerjs-loader.js';

type Ctor = typeof RTCPeerConnection;
const original = window.RTCPeerConnection;
/** PeerJS's default configuration's shape (its TURN entry's public username), on loopback. */
const peerJsLike = (): RTCConfiguration => ({
  iceServers: [{ urls: 'stun:127.0.0.1:3478' }, { urls: ['turn:127.0.0.1:3478'], username: 'peerjs', credential: 'peerjsp' }],
});
const sites = (): RTCConfiguration => ({ iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'site-user', credential: 'secret' }] });

/** The ICE servers a connection built by the current global constructor really got. */
function iceServersOf(config: RTCConfiguration): RTCIceServer[] {
  const pc = new window.RTCPeerConnection(config);
  try {
    return pc.getConfiguration().iceServers ?? [];
  } finally {
    pc.close();
  }
}

afterEach(() => {
  window.RTCPeerConnection = original;
});

describe('PeerJS loader (privacy)', () => {
  it('loads PeerJS once; its load-time probe gets no ICE servers; the constructor is given back; util.defaultConfig is empty', async () => {
    const seen: (RTCConfiguration | undefined)[] = [];
    const Recorder = function (config?: RTCConfiguration) {
      seen.push(config && JSON.parse(JSON.stringify(config)));
      return new original(config);
    } as unknown as Ctor;
    Recorder.prototype = original.prototype;
    Object.setPrototypeOf(Recorder, original);
    window.RTCPeerConnection = Recorder;
    const warn = console.warn;
    const warnings: unknown[][] = [];
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const first = loadPeerJs();
      expect(loadPeerJs(), 'concurrent loads share one promise').to.equal(first);
      const { Peer } = await first;
      expect(Peer).to.be.a('function');
      expect(loadPeerJs(), 'loaded once').to.equal(first);
    } finally {
      console.warn = warn;
    }
    // PeerJS's probe ran during this load (its config carries sdpSemantics), with no ICE servers.
    const probes = seen.filter((c) => (c as { sdpSemantics?: string } | undefined)?.sdpSemantics === 'unified-plan');
    expect(probes, `configurations seen: ${JSON.stringify(seen)}`).to.have.length.at.least(1);
    for (const config of seen) expect(config?.iceServers ?? [], JSON.stringify(config)).to.deep.equal([]);
    expect(window.RTCPeerConnection, 'the page\'s constructor is back').to.equal(Recorder);
    expect(warnings, 'no warning: the guard saw the probe').to.deep.equal([]);
    const { util } = await import('peerjs');
    expect(util.defaultConfig.iceServers).to.deep.equal([]);
  });

  it('is narrow: only PeerJS\'s default configuration loses its servers, only while a load is in progress', () => {
    const guard = armPeerJsGuard();
    expect(window.RTCPeerConnection).to.not.equal(original);
    const defaults = peerJsLike();
    expect(iceServersOf(defaults), 'PeerJS-shaped').to.deep.equal([]);
    expect(guard.stripped.has(defaults)).to.equal(true);
    expect(iceServersOf(sites()).map((s) => s.username), 'the site\'s own servers').to.deep.equal(['site-user']);
    const pc = new window.RTCPeerConnection();
    expect(pc, 'instanceof still works').to.be.instanceOf(original);
    expect(pc).to.be.instanceOf(window.RTCPeerConnection);
    pc.close();
    expect(window.RTCPeerConnection.generateCertificate, 'statics').to.equal(original.generateCertificate);
    guard.release();
    expect(window.RTCPeerConnection).to.equal(original);
    expect(iceServersOf(peerJsLike()), 'after the load, nothing is touched').to.have.length(2);
  });

  it('two copies of rtc-call loading at once share one guard; the last release gives the constructor back', () => {
    const a = armPeerJsGuard();
    const guardCtor = window.RTCPeerConnection;
    const b = armPeerJsGuard();
    expect(window.RTCPeerConnection, 'not wrapped twice').to.equal(guardCtor);
    expect(b.stripped).to.equal(a.stripped);
    a.release();
    a.release(); // idempotent: does not end b's load
    expect(window.RTCPeerConnection, 'b still loading').to.equal(guardCtor);
    expect(iceServersOf(peerJsLike())).to.deep.equal([]);
    b.release();
    expect(window.RTCPeerConnection).to.equal(original);
  });

  it('keeps a shim that wrapped the guard during the load (the guard under it passes through afterwards)', () => {
    const guard = armPeerJsGuard();
    const guardCtor = window.RTCPeerConnection;
    const Shim = function (config?: RTCConfiguration) {
      return new guardCtor(config);
    } as unknown as Ctor;
    Shim.prototype = guardCtor.prototype;
    window.RTCPeerConnection = Shim;
    expect(iceServersOf(peerJsLike()), 'through the shim, during the load').to.deep.equal([]);
    guard.release();
    expect(window.RTCPeerConnection, 'the shim stays').to.equal(Shim);
    expect(iceServersOf(peerJsLike()), 'passes through after the load').to.have.length(2);
    // A later load guards the shim in turn.
    const next = armPeerJsGuard();
    expect(iceServersOf(peerJsLike())).to.deep.equal([]);
    next.release();
    expect(window.RTCPeerConnection).to.equal(Shim);
  });

  it('empties util.defaultConfig after a load, and warns once if PeerJS\'s probe ran before the guard', () => {
    const warn = console.warn;
    const warnings: unknown[][] = [];
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const guarded = peerJsLike();
      const stripped = new WeakSet<object>([guarded]);
      const util1 = { defaultConfig: guarded } as unknown as Parameters<typeof neutralisePeerJsDefaults>[0];
      neutralisePeerJsDefaults(util1, stripped);
      expect(util1.defaultConfig.iceServers).to.deep.equal([]);
      expect(warnings, 'the probe was guarded').to.deep.equal([]);

      const util2 = { defaultConfig: peerJsLike() } as unknown as Parameters<typeof neutralisePeerJsDefaults>[0];
      neutralisePeerJsDefaults(util2, stripped);
      expect(util2.defaultConfig.iceServers).to.deep.equal([]);
      expect(warnings).to.have.length(1);
      expect(String(warnings[0]![0])).to.match(/PeerJS was evaluated before rtc-call loaded it/);

      // Already empty (the one-tag bundle's stripped PeerJS, or a second load): nothing to say.
      neutralisePeerJsDefaults(util2, new WeakSet());
      expect(warnings).to.have.length(1);
    } finally {
      console.warn = warn;
    }
  });
});
