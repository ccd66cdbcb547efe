#!/usr/bin/python3
"""totp.py SECRET [OFFSET_STEPS]: the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32
secret, as an authenticator app shows it; written from the RFC with Python's stdlib
alone, so the tests check the runtime's TOTP against an independent implementation."""
import base64, hmac, struct, sys, time

secret = sys.argv[1].upper()
secret += "=" * (-len(secret) % 8)
key = base64.b32decode(secret)
step = int(time.time()) // 30 + (int(sys.argv[2]) if len(sys.argv) > 2 else 0)
mac = hmac.new(key, struct.pack(">Q", step), "sha1").digest()
off = mac[-1] & 15
code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
print("%06d" % code)
