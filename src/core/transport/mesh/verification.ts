/**
 * The security code of one peer-to-peer link: a six-digit number both people can read to each
 * other. It is derived from both DTLS fingerprints (as each browser verified them: the certificate
 * of the DTLS handshake must match the fingerprint in the SDP it got) and from two random nonces
 * that each side commits to (SHA-256 of the nonce) before it learns the other's. Someone in the
 * middle runs two DTLS sessions with different fingerprints, so the two codes differ unless it
 * guesses — and because it must commit to its nonce towards each side before that side reveals
 * its own, it cannot search for nonces that make them collide: its chance is one in a million per
 * attempt, and every attempt shows as a mismatch. (ZRTP's hash commitment, RFC 6189 §4.4.1.1.)
 */

const enc = new TextEncoder();

async function sha256(...parts: (string | Uint8Array)[]): Promise<Uint8Array> {
  const chunks = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length + 4, 0));
  let at = 0;
  for (const c of chunks) {
    // Length-prefixed, so no two different inputs concatenate to the same bytes.
    new DataView(all.buffer).setUint32(at, c.length);
    all.set(c, at + 4);
    at += c.length + 4;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((x) => parseInt(x, 16)));
const HEX64 = /^[0-9a-f]{64}$/;

/** The commitment to a nonce (hex). */
export async function commitmentOf(nonce: string): Promise<string> {
  return hex(await sha256('rtc-call verification commitment', unhex(nonce)));
}

/**
 * The code: SHA-256 over both fingerprints and both nonces, each side's nonce next to its own
 * fingerprint and the pairs in a fixed order (so both ends compute the same), as six digits.
 */
export async function codeOf(fingerprintA: string, nonceA: string, fingerprintB: string, nonceB: string): Promise<string> {
  const [first, second] = [[normalise(fingerprintA), nonceA], [normalise(fingerprintB), nonceB]].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)) as [string[], string[]];
  const digest = await sha256('rtc-call verification code', first[0]!, unhex(first[1]!), second[0]!, unhex(second[1]!));
  const n = new DataView(digest.buffer).getUint32(0) % 1_000_000;
  return String(n).padStart(6, '0');
}

function normalise(fingerprint: string): string {
  return fingerprint.trim().toLowerCase();
}

/** `a=fingerprint:<alg> <hex>` of an SDP (the first; every m-section of a bundle has the same), or null. */
export function fingerprintOf(sdp: string | undefined): string | null {
  const m = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m.exec(sdp ?? '');
  return m ? `${m[1]!.toLowerCase()} ${m[2]!.toLowerCase()}` : null;
}

/** Why an exchange failed. */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
}

/** Messages of the exchange (carried on the control channel). */
export type VerificationMessage = { t: 'vc'; c: string } | { t: 'vr'; n: string };

/**
 * One side of the commit-then-reveal exchange. `start()` (or the other side's commitment) sends
 * our commitment; once we have theirs we reveal; their reveal must match their commitment.
 */
export class VerificationExchange {
  private readonly nonce: string;
  private readonly ownCommitment: Promise<string>;
  private theirCommitment: string | null = null;
  private starting: Promise<void> | null = null;
  private committed = false;
  private revealed = false;
  private inbox: Promise<void> = Promise.resolve();
  private result: Promise<string> | null = null;
  private settle!: { resolve(code: string): void; reject(error: Error): void };

  /**
   * @param send puts a message on the control channel
   * @param fingerprints ours and theirs, read when the code is computed
   */
  constructor(
    private readonly send: (msg: VerificationMessage) => void,
    private readonly fingerprints: () => { local: string | null; remote: string | null },
  ) {
    this.nonce = hex(crypto.getRandomValues(new Uint8Array(32)));
    this.ownCommitment = commitmentOf(this.nonce);
  }

  /** The code, once both sides revealed (starts the exchange if nobody has). */
  code(): Promise<string> {
    if (!this.result) {
      this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
      void this.start();
    }
    return this.result;
  }

  /** A message from the other side (handled one at a time, in order). */
  receive(msg: VerificationMessage): Promise<void> {
    this.inbox = this.inbox.then(() => this.handle(msg));
    return this.inbox;
  }

  private async handle(msg: VerificationMessage): Promise<void> {
    if (msg.t === 'vc') {
      if (!HEX64.test(msg.c) || this.theirCommitment !== null) return this.fail('a second or malformed commitment');
      this.theirCommitment = msg.c;
      void this.code(); // they started: so do we
      await this.start();
      this.reveal();
      return;
    }
    if (this.theirCommitment === null) return this.fail('a reveal before its commitment');
    if (!HEX64.test(msg.n) || (await commitmentOf(msg.n)) !== this.theirCommitment) return this.fail('the reveal does not match its commitment');
    const { local, remote } = this.fingerprints();
    if (!local || !remote) return this.fail('no DTLS fingerprints');
    this.settle.resolve(await codeOf(local, this.nonce, remote, msg.n));
  }

  private start(): Promise<void> {
    this.starting ??= this.ownCommitment.then((c) => {
      this.send({ t: 'vc', c });
      this.committed = true;
      this.reveal();
    });
    return this.starting;
  }

  /** Our nonce goes out only after our commitment did and theirs arrived. */
  private reveal(): void {
    if (this.revealed || !this.committed || this.theirCommitment === null) return;
    this.revealed = true;
    this.send({ t: 'vr', n: this.nonce });
  }

  private fail(why: string): void {
    void this.code();
    this.settle.reject(new VerificationError(`The security code could not be agreed: ${why}.`));
  }
}
