/**
 * Loads PeerJS once, and never lets it build an RTCPeerConnection with servers the site did not
 * configure.
 *
 * PeerJS ships a default configuration with public STUN and TURN servers, and its `util` module
 * builds an RTCPeerConnection with it when the module is evaluated (the `util.supports` probe); a
 * Peer created without `config` would use it too. rtc-call always passes the ICE servers its own
 * server answered (CallSession), and:
 * - the one-tag bundle strips the defaults from PeerJS at build time (rollup.config.mjs,
 *   `stripPeerJsDefaults`) and loads PeerJS through cdn/peerjs-loader.js instead of this module;
 * - the npm build cannot: the consumer's bundler resolves `peerjs`. So PeerJS is imported here,
 *   on first join, while `globalThis.RTCPeerConnection` is guarded: a configuration recognised as
 *   PeerJS's default (by its TURN entry with PeerJS's public username) is passed on with an empty
 *   `iceServers` list; nothing else is touched. The original constructor is restored when the last
 *   load in progress settles (also on failure); two copies of rtc-call on one page share one guard
 *   (a global symbol), so overlapping loads neither stack nor clobber each other. After loading,
 *   `util.defaultConfig` has no ICE servers either — which also applies to the page's own `new
 *   Peer()` without `config`, if it shares rtc-call's PeerJS.
 *
 * The guard can only see the probe if this import is what evaluates PeerJS: a bundle that
 * evaluates every module up front (e.g. rollup's `inlineDynamicImports`) or a page that imports
 * `peerjs` itself runs the probe earlier. That case is detected and reported with one console
 * warning.
 */
import type { Peer, util as peerJsUtil } from 'peerjs';

type Util = typeof peerJsUtil;
type Ctor = typeof RTCPeerConnection;

interface Guard {
  /** The constructor the guard wraps (the browser's, or whatever was the global before). */
  inner: Ctor;
  /** The guard itself: the global while loads are in progress, a pass-through after. */
  ctor: Ctor;
  /** Loads in progress, across every copy of rtc-call on the page. */
  loads: number;
  /** The configurations replaced (PeerJS's default object, once its probe was guarded). */
  stripped: WeakSet<object>;
}

const KEY = Symbol.for('rtc-call.peerjs-guard.v1');
type GuardedGlobal = { RTCPeerConnection?: Ctor; [KEY]?: Guard };

/** PeerJS's default configuration: its TURN entry uses PeerJS's public username. */
function isPeerJsDefault(config: RTCConfiguration | undefined): boolean {
  return !!config?.iceServers?.some((server) => server.username === 'peerjs');
}

/** A constructor over `inner` that gives PeerJS's default configuration no ICE servers while loads are in progress. */
function createGuard(inner: Ctor): Guard {
  const guard: Guard = { inner, ctor: inner, loads: 0, stripped: new WeakSet() };
  guard.ctor = function RTCPeerConnection(config?: RTCConfiguration, ...rest: unknown[]) {
    if (guard.loads > 0 && config && isPeerJsDefault(config)) {
      guard.stripped.add(config);
      config = { ...config, iceServers: [] };
    }
    return new (inner as new (...args: unknown[]) => RTCPeerConnection)(config, ...rest);
  } as unknown as Ctor;
  // Same prototype and statics (generateCertificate): `instanceof` and shims keep working.
  guard.ctor.prototype = inner.prototype;
  Object.setPrototypeOf(guard.ctor, inner);
  return guard;
}

/** One guarded load in progress: see {@link armPeerJsGuard}. */
export interface PeerJsGuard {
  /** PeerJS default configurations the guard has replaced (shared by overlapping loads). */
  readonly stripped: WeakSet<object>;
  /** Ends this load's guard; the last one to end restores the constructor. Idempotent. */
  release(): void;
}

/**
 * Guards RTCPeerConnection against PeerJS's default configuration until `release()` (see the
 * module comment). Exported for tests.
 */
export function armPeerJsGuard(): PeerJsGuard {
  const g = globalThis as GuardedGlobal;
  let guard = g[KEY];
  if (!guard) {
    // Without WebRTC, PeerJS's probe builds nothing.
    if (!g.RTCPeerConnection) return { stripped: new WeakSet(), release() {} };
    g[KEY] = guard = createGuard(g.RTCPeerConnection);
    g.RTCPeerConnection = guard.ctor;
  }
  const armed = guard;
  armed.loads++;
  let released = false;
  return {
    stripped: armed.stripped,
    release() {
      if (released) return;
      released = true;
      if (--armed.loads > 0) return;
      if (g[KEY] === armed) delete g[KEY];
      // A shim that wrapped the guard meanwhile (webrtc-adapter does on some browsers) stays: the
      // guard under it passes everything through from now on.
      if (g.RTCPeerConnection === armed.ctor) g.RTCPeerConnection = armed.inner;
    },
  };
}

/**
 * After the import: warns if PeerJS's probe ran unguarded with its defaults, and takes the ICE
 * servers out of `util.defaultConfig` so no Peer can fall back on them. Exported for tests.
 */
export function neutralisePeerJsDefaults(util: Util, stripped: WeakSet<object>): void {
  const config = util.defaultConfig;
  if (!config.iceServers?.length) return;
  if (!stripped.has(config)) {
    console.warn(
      'rtc-call: PeerJS was evaluated before rtc-call loaded it, so its load-time check may have built an ' +
        'RTCPeerConnection with PeerJS\'s public STUN/TURN servers. Keep `peerjs` in a chunk of its own, ' +
        'loaded on demand, so rtc-call can guard it (README, "No third-party servers").',
    );
  }
  (util as { defaultConfig: RTCConfiguration }).defaultConfig = { ...config, iceServers: [] };
}

let peerModule: Promise<{ Peer: typeof Peer }> | undefined;
/**
 * PeerJS patches globals when imported, so it is loaded on first join, not at page load, and only
 * once (concurrent joins share the promise). Only `Peer` and `util` are taken, in the one shape
 * rollup tree-shakes a dynamic import in (`import(…).then(({ Peer, util }) …)`; an `await` inside
 * `try` defeats it), so bundlers can drop the rest of PeerJS (its MessagePack serializer alone is
 * ≈ 6 KiB gzip).
 */
export function loadPeerJs(): Promise<{ Peer: typeof Peer }> {
  if (!peerModule) {
    const guard = armPeerJsGuard();
    peerModule = import('peerjs')
      .then(({ Peer, util }) => {
        neutralisePeerJsDefaults(util, guard.stripped);
        return { Peer };
      })
      .finally(() => guard.release());
  }
  return peerModule;
}
