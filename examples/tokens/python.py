#!/usr/bin/env python3
"""A room token for <rtc-call token="…">, minted by your backend (Python, standard library only).

  RTC_ROOM_SECRET=… python3 examples/tokens/python.py ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]

prints the token on stdout. test/server/token-examples.test.ts joins a real server with it.
"""
import os
import re
import sys

# BEGIN README
import base64, hashlib, hmac, json, time

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

def room_token(secret, room, name=None, role="guest", sub=None, ttl=3600):
    now = int(time.time())
    claims = {"room": room, "role": role, "iat": now, "exp": now + ttl}  # ttl ≤ RTC_MAX_TOKEN_TTL
    if name:
        claims["name"] = name
    if sub:
        claims["sub"] = sub  # the person: one seat per sub in a room
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"
# END README


def fail(message):
    print(f"python.py: {message}", file=sys.stderr)
    print("usage: RTC_ROOM_SECRET=… python3 python.py ROOM [NAME] [host|guest] [SUB] [TTL_SECONDS]", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    args = sys.argv[1:] + [""] * 5
    room, name, role, sub, ttl_arg = args[:5]
    role = role or "guest"
    ttl_arg = ttl_arg or "3600"
    secret = os.environ.get("RTC_ROOM_SECRET", "")
    if not secret:
        fail("RTC_ROOM_SECRET is not set (the server's room secret)")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", room):
        fail(f"ROOM must be 1–64 of A-Z a-z 0-9 _ -, not {json.dumps(room)}")
    if role not in ("host", "guest"):
        fail(f"the role must be host or guest, not {json.dumps(role)}")
    if not re.fullmatch(r"[0-9]{1,5}", ttl_arg) or not 1 <= int(ttl_arg) <= 86400:
        fail(f"TTL_SECONDS must be a whole number from 1 to 86400, not {json.dumps(ttl_arg)}")
    print(room_token(secret, room, name or None, role, sub or None, int(ttl_arg)))
