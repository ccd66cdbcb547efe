/* totp.h  One-time codes for the admin API's second factor: HOTP (RFC 4226) and TOTP
 * (RFC 6238) over HMAC from mbedTLS, and the base32 secrets authenticator apps use. */
#ifndef CALLWARDEN_TOTP_H
#define CALLWARDEN_TOTP_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CW_TOTP_SHA1, CW_TOTP_SHA256 } cw_totp_hash;

#define CW_TOTP_STEP_S 30       /* RFC 6238's default time step */
#define CW_TOTP_DIGITS 6

/* The RFC 4226 code for counter as a number below 10^digits (digits 6..8); -1 on a bad
 * argument. */
long cw_hotp(cw_totp_hash h, const uint8_t *key, size_t keylen, uint64_t counter, int digits);

/* The RFC 6238 code at unix time now_s with a step of step_s seconds. */
long cw_totp(cw_totp_hash h, const uint8_t *key, size_t keylen, uint64_t now_s,
             unsigned step_s, int digits);

/* Checks a code typed by a person against the steps now-window .. now+window (clock
 * skew). A step at or below *last_step was used already and is refused (a code works
 * once); on success *last_step becomes the matched step. The code must be exactly
 * `digits` decimal digits. Returns 0 on a match, -1 otherwise. */
int cw_totp_verify(cw_totp_hash h, const uint8_t *key, size_t keylen, const char *code,
                   uint64_t now_s, unsigned step_s, int digits, unsigned window,
                   uint64_t *last_step);

/* Decodes RFC 4648 base32 (either case; spaces, dashes and '=' padding ignored) into
 * out; returns the byte count, or -1 on a character outside the alphabet or when it
 * does not fit in cap. */
long cw_base32_decode(const char *in, uint8_t *out, size_t cap);

/* Encodes n bytes as unpadded upper-case base32 into out (cap bytes, NUL-terminated);
 * returns the length, or -1 when it does not fit. */
long cw_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap);

#endif
