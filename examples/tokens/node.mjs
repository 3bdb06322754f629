// A room token for <rtc-call token="…">, minted by your backend (Node, with jose).
//   RTC_ROOM_SECRET=… node examples/tokens/node.mjs ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]
// prints the token on stdout. test/server/token-examples.test.ts joins a real server with it.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// BEGIN README
import { SignJWT } from 'jose';

export async function roomToken(secret, { room, name, role = 'guest', sub, ttl = 3600 }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ room, role, ...(name ? { name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + ttl); // at most RTC_MAX_TOKEN_TTL (a day) after iat
  if (sub) jwt.setSubject(sub); // the person: one seat per sub in a room
  return jwt.sign(new TextEncoder().encode(secret));
}
// END README

function fail(message) {
  console.error(`node.mjs: ${message}`);
  console.error('usage: RTC_ROOM_SECRET=… node node.mjs ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]');
  process.exit(2);
}

// Run as a script (not imported): read the arguments and print the token.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [room, name, role = 'guest', sub, ttlArg = '3600'] = process.argv.slice(2);
  const secret = process.env.RTC_ROOM_SECRET;
  const ttl = Number(ttlArg);
  if (!secret) fail('RTC_ROOM_SECRET is not set (the server\'s room secret)');
  if (!room || !/^[A-Za-z0-9_-]{1,64}$/.test(room)) fail(`ROOM must be 1–64 of A-Z a-z 0-9 _ -, not ${JSON.stringify(room ?? '')}`);
  if (role !== 'host' && role !== 'guest') fail(`the role must be host or guest, not ${JSON.stringify(role)}`);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400) fail(`TTL_SECONDS must be a whole number from 1 to 86400, not ${JSON.stringify(ttlArg)}`);
  console.log(await roomToken(secret, { room, name: name || undefined, role, sub: sub || undefined, ttl }));
}
