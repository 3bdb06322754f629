<?php
// A room token for <rtc-call token="…">, minted by your backend (PHP, no library needed).
//   RTC_ROOM_SECRET=… php examples/tokens/php.php ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]
// prints the token on stdout. test/server/token-examples.test.ts joins a real server with it.
declare(strict_types=1);

// BEGIN README
function b64url(string $data): string {
    return rtrim(strtr(base64_encode($data), '+/', '-_'), '=');
}

function room_token(string $secret, string $room, ?string $name = null, string $role = 'guest', ?string $sub = null, int $ttl = 3600): string {
    $now = time();
    $claims = ['room' => $room, 'role' => $role, 'iat' => $now, 'exp' => $now + $ttl]; // ttl ≤ RTC_MAX_TOKEN_TTL
    if ($name !== null && $name !== '') $claims['name'] = $name;
    if ($sub !== null && $sub !== '') $claims['sub'] = $sub; // the person: one seat per sub in a room
    $header = b64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT']));
    $payload = b64url(json_encode($claims, JSON_THROW_ON_ERROR));
    return "$header.$payload." . b64url(hash_hmac('sha256', "$header.$payload", $secret, true));
}
// END README

function fail(string $message): never {
    fwrite(STDERR, "php.php: $message\n");
    fwrite(STDERR, "usage: RTC_ROOM_SECRET=… php php.php ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]\n");
    exit(2);
}

if (PHP_SAPI === 'cli' && realpath($argv[0] ?? '') === __FILE__) {
    [$room, $name, $role, $sub, $ttlArg] = array_pad(array_slice($argv, 1), 5, '');
    $role = $role === '' ? 'guest' : $role;
    $ttlArg = $ttlArg === '' ? '3600' : $ttlArg;
    $secret = getenv('RTC_ROOM_SECRET');
    if ($secret === false || $secret === '') fail("RTC_ROOM_SECRET is not set (the server's room secret)");
    if (!preg_match('/^[A-Za-z0-9_-]{1,64}$/D', $room)) fail('ROOM must be 1–64 of A-Z a-z 0-9 _ -, not ' . json_encode($room));
    if ($role !== 'host' && $role !== 'guest') fail('the role must be host or guest, not ' . json_encode($role));
    if (!preg_match('/^[0-9]{1,5}$/D', $ttlArg) || (int) $ttlArg < 1 || (int) $ttlArg > 86400) fail('TTL_SECONDS must be a whole number from 1 to 86400, not ' . json_encode($ttlArg));
    echo room_token($secret, $room, $name, $role, $sub, (int) $ttlArg), "\n";
}
