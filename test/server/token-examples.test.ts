// The README's backend examples (examples/tokens/: Node with jose, Python and PHP with their
// standard libraries) each run as a child process, as a backend would, and the token each prints
// joins a real server: with the right name and role, and refused (401) when signed with another
// secret. The README shows the same code as the files: a drift fails here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, join, start, type Started } from './helpers.js';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'room-secret-for-the-examples-0123456789abcdef';

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

const examples = [
  { lang: 'js', file: 'node.mjs', cmd: process.execPath, skip: undefined as string | undefined },
  { lang: 'python', file: 'python.py', cmd: 'python3', skip: has('python3') ? undefined : 'python3 is not installed here (apt-get install python3; .ci/run installs it)' },
  { lang: 'php', file: 'php.php', cmd: 'php', skip: has('php') ? undefined : 'php is not installed here (apt-get install php-cli; .ci/run installs it)' },
];

function run(cmd: string, file: string, args: string[], secret: string | undefined) {
  const env = { ...process.env };
  delete env.RTC_ROOM_SECRET;
  if (secret !== undefined) env.RTC_ROOM_SECRET = secret;
  const r = spawnSync(cmd, [joinPath(repoRoot, 'examples', 'tokens', file), ...args], { env, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function mint(cmd: string, file: string, args: string[], secret = SECRET): string {
  const r = run(cmd, file, args, secret);
  assert.equal(r.status, 0, `${file} exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `${file} printed the token alone: ${JSON.stringify(r.stdout)}`);
  return lines[0]!;
}

function claimsOf(token: string): Record<string, unknown> {
  const [header, payload] = token.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')), { alg: 'HS256', typ: 'JWT' });
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
}

describe('backend token examples (examples/tokens/) against a real server', () => {
  let s: Started;
  before(async () => { s = await start({ roomSecret: SECRET }); });
  after(async () => { await s?.close(); });

  for (const ex of examples) {
    describe(ex.file, { skip: ex.skip }, () => {
      test('a host token with name and sub joins with that name and role, and its socket opens', async () => {
        const token = mint(ex.cmd, ex.file, ['visit-4711', 'Zoë Rivera', 'host', `doctor-${ex.lang}`, '600']);
        const claims = claimsOf(token);
        assert.equal(claims.room, 'visit-4711');
        assert.equal(claims.sub, `doctor-${ex.lang}`);
        assert.equal(Number(claims.exp) - Number(claims.iat), 600);
        assert.ok(Math.abs(Number(claims.iat) - Date.now() / 1000) < 30, 'iat is now');
        // The token's name wins over the body's.
        const r = await join(s.base, 'visit-4711', { displayName: 'Someone else', token });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.displayName, 'Zoë Rivera');
        assert.equal(r.body.role, 'host');
        const socket = await connect(s.port, r.body);
        socket.close();
      });

      test('a guest token without name or sub: role guest, the name from the join', async () => {
        const token = mint(ex.cmd, ex.file, ['visit-4712']);
        const claims = claimsOf(token);
        assert.equal(claims.role, 'guest');
        assert.equal('name' in claims, false);
        assert.equal('sub' in claims, false);
        assert.equal(Number(claims.exp) - Number(claims.iat), 3600, 'an hour by default');
        const r = await join(s.base, 'visit-4712', { displayName: 'Pat', token });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.displayName, 'Pat');
        assert.equal(r.body.role, 'guest');
      });

      test('signed with another secret: 401; for another room: 403 wrong-room', async () => {
        const forged = mint(ex.cmd, ex.file, ['visit-4711', 'Mallory', 'host'], 'not-the-servers-secret-0123456789abcdef');
        const r = await join(s.base, 'visit-4711', { token: forged });
        assert.equal(r.status, 401, r.text);
        assert.equal(r.body.error.code, 'unauthorized');
        const other = mint(ex.cmd, ex.file, ['visit-9999', 'Pat']);
        const w = await join(s.base, 'visit-4711', { token: other });
        assert.equal(w.status, 403, w.text);
        assert.equal(w.body.error.code, 'wrong-room');
      });

      test('bad input: a clear message on stderr, exit 2, nothing on stdout', () => {
        const cases: Array<[string[], string | undefined, RegExp]> = [
          [['visit-4711'], undefined, /RTC_ROOM_SECRET is not set/],
          [[], SECRET, /ROOM must be 1–64 of/],
          [['visit 4711'], SECRET, /ROOM must be 1–64 of .*"visit 4711"/],
          [['visit-4711', 'Ann', 'admin'], SECRET, /role must be host or guest, not "admin"/],
          [['visit-4711', 'Ann', 'guest', 'ann', '0'], SECRET, /TTL_SECONDS must be a whole number from 1 to 86400, not "0"/],
          [['visit-4711', 'Ann', 'guest', 'ann', '90000'], SECRET, /TTL_SECONDS must be .*"90000"/],
          [['visit-4711', 'Ann', 'guest', 'ann', '1h'], SECRET, /TTL_SECONDS must be .*"1h"/],
        ];
        for (const [args, secret, message] of cases) {
          const r = run(ex.cmd, ex.file, args, secret);
          assert.equal(r.status, 2, `${JSON.stringify(args)}: exit ${r.status} ${r.stderr}`);
          assert.match(r.stderr, message);
          assert.match(r.stderr, /usage: RTC_ROOM_SECRET=/);
          assert.equal(r.stdout, '', `${JSON.stringify(args)} printed no token`);
        }
      });
    });
  }

  test('the README shows exactly the code of each example (between BEGIN README and END README)', () => {
    const readme = readFileSync(joinPath(repoRoot, 'README.md'), 'utf8');
    for (const ex of examples) {
      const source = readFileSync(joinPath(repoRoot, 'examples', 'tokens', ex.file), 'utf8');
      const m = /^.*BEGIN README.*\n([\s\S]*?)^.*END README.*$/m.exec(source);
      assert.ok(m, `${ex.file} marks its README part`);
      const block = `\`\`\`${ex.lang}\n${m[1]}\`\`\`\n`;
      assert.ok(readme.includes(block), `README.md has this block, as in examples/tokens/${ex.file}:\n${block}`);
    }
  });
});
