/**
 * The data directory (`RTC_DATA_DIR`): what must outlive the process so that a restart — a deploy,
 * a crash, a SIGKILL — never ends a call. The generated secrets (the peer secret, so peer tokens of
 * running calls stay valid), the revocations (a member who left stays out, whatever its unexpired
 * token says) and the rooms' own state (waiting lists, locks, removed and denied people). Small JSON files, written atomically (temp file + rename), mode 0600
 * in a 0700 directory: they hold a secret.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRETS = 'secrets.json';
const REVOKED = 'revoked.json';
const ROOMS = 'rooms.json';
/** Changes are written at most this often (a SIGKILL may lose the last ones this late). */
export const REVOCATION_FLUSH_MS = 100;

export class DataDir {
  private flushTimer: NodeJS.Timeout | null = null;
  /** File → what to write there, read when the write happens. */
  private readonly pending = new Map<string, () => unknown>();

  constructor(readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Writable, or fail now with the directory's name rather than at the first leave.
      this.write('.probe', '');
    } catch (err) {
      throw new Error(`data directory ${dir} (RTC_DATA_DIR) is not writable: ${(err as Error).message}`);
    }
  }

  /** The secret stored under `name`, generated (32 random bytes) and stored on first use. */
  secret(name: string): string {
    const secrets = this.read<Record<string, unknown>>(SECRETS) ?? {};
    const existing = secrets[name];
    if (typeof existing === 'string' && existing.length >= 32) return existing;
    const secret = randomBytes(32).toString('base64url');
    this.write(SECRETS, JSON.stringify({ ...secrets, [name]: secret }, null, 2));
    return secret;
  }

  /** Revocations stored by the previous process: peer id → token expiry (unix s), expired ones dropped. */
  revocations(): Map<string, number> {
    const stored = this.read<Record<string, unknown>>(REVOKED) ?? {};
    const now = Date.now() / 1000;
    const map = new Map<string, number>();
    for (const [id, exp] of Object.entries(stored)) if (typeof exp === 'number' && exp > now) map.set(id, exp);
    return map;
  }

  /** Store the revocations soon (coalesced): `current` is read when the write happens. */
  saveRevocations(current: () => Map<string, number>): void {
    this.later(REVOKED, () => Object.fromEntries(current()));
  }

  /** The rooms' state the previous process stored (see server/rooms/roster.ts), or undefined. */
  rooms(): unknown {
    return this.read<unknown>(ROOMS);
  }

  /** Store the rooms' state soon (coalesced). */
  saveRooms(current: () => unknown): void {
    this.later(ROOMS, current);
  }

  /** Write what is pending now (on close). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const pending = [...this.pending];
    this.pending.clear();
    for (const [file, current] of pending) this.write(file, JSON.stringify(current()));
  }

  private later(file: string, current: () => unknown): void {
    this.pending.set(file, current);
    this.flushTimer ??= setTimeout(() => this.flush(), REVOCATION_FLUSH_MS);
  }

  private read<T>(file: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${join(this.dir, file)} is not valid JSON: fix or delete it`);
    }
  }

  private write(file: string, text: string): void {
    const target = join(this.dir, file);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, target);
  }
}
