/* totp.c  HOTP/TOTP (RFC 4226, RFC 6238) and base32 (RFC 4648) for the admin API's second
 * factor. The HMAC is mbedTLS's; SHA-1 is what authenticator apps use by default. */
#include <string.h>

#include <mbedtls/md.h>

#include "callwarden/crypto.h"
#include "callwarden/totp.h"

static const long pow10_table[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
                                    10000000, 100000000 };

long cw_hotp(cw_totp_hash h, const uint8_t *key, size_t keylen, uint64_t counter, int digits)
{
    if (digits < 6 || digits > 8 || !key)
        return -1;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(
        h == CW_TOTP_SHA256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA1);
    if (!md)
        return -1;
    uint8_t msg[8], mac[MBEDTLS_MD_MAX_SIZE];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    if (mbedtls_md_hmac(md, key, keylen, msg, sizeof msg, mac) != 0)
        return -1;
    /* Dynamic truncation (RFC 4226 5.3): 31 bits from the offset the last nibble names. */
    size_t maclen = mbedtls_md_get_size(md);
    unsigned off = mac[maclen - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    cw_wipe(mac, sizeof mac);
    return (long)(bin % (uint32_t)pow10_table[digits]);
}

long cw_totp(cw_totp_hash h, const uint8_t *key, size_t keylen, uint64_t now_s,
             unsigned step_s, int digits)
{
    if (step_s == 0)
        return -1;
    return cw_hotp(h, key, keylen, now_s / step_s, digits);
}

int cw_totp_verify(cw_totp_hash h, const uint8_t *key, size_t keylen, const char *code,
                   uint64_t now_s, unsigned step_s, int digits, unsigned window,
                   uint64_t *last_step)
{
    if (!code || step_s == 0 || digits < 6 || digits > 8 || strlen(code) != (size_t)digits)
        return -1;
    long want = 0;
    for (int i = 0; i < digits; i++) {
        if (code[i] < '0' || code[i] > '9')
            return -1;
        want = want * 10 + (code[i] - '0');
    }
    uint64_t now_step = now_s / step_s;
    uint64_t first = now_step >= window ? now_step - window : 0;
    int found = 0;
    uint64_t matched = 0;
    /* Every step of the window is computed even after a match, so the time taken does
     * not tell which step matched. */
    for (uint64_t s = first; s <= now_step + window; s++) {
        long got = cw_hotp(h, key, keylen, s, digits);
        if (got == want && !found && (!last_step || s > *last_step)) {
            found = 1;
            matched = s;
        }
    }
    if (!found)
        return -1;
    if (last_step)
        *last_step = matched;
    return 0;
}

static int base32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

long cw_base32_decode(const char *in, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '=')
            continue;
        int v = base32_value(*p);
        if (v < 0)
            return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
            acc &= (1u << bits) - 1;
        }
    }
    return (long)n;
}

long cw_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if (cap == 0)
        return -1;
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            if (len + 1 >= cap)
                return -1;
            out[len++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0) {
        if (len + 1 >= cap)
            return -1;
        out[len++] = alphabet[(acc << (5 - bits)) & 31];
    }
    out[len] = '\0';
    return (long)len;
}
