/* test_totp.c  The admin API's second factor (runtime/admin/totp.c): the HOTP values of
 * RFC 4226 Appendix D, the TOTP values of RFC 6238 Appendix B (SHA-1 and SHA-256, 8
 * digits), the verification window, a code that works only once, malformed codes, and
 * base32 round trips with the RFC 4648 test vectors. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "callwarden/totp.h"
#include "check.h"

static const uint8_t seed20[] = "12345678901234567890";
static const uint8_t seed32[] = "12345678901234567890123456789012";

static void test_hotp_rfc4226(void)
{
    static const long want[] = { 755224, 287082, 359152, 969429, 338314,
                                 254676, 287922, 162583, 399871, 520489 };
    for (uint64_t c = 0; c < 10; c++)
        CHECK_EQ_INT(cw_hotp(CW_TOTP_SHA1, seed20, 20, c, 6), want[c]);
    CHECK_EQ_INT(cw_hotp(CW_TOTP_SHA1, seed20, 20, 0, 5), -1);
    CHECK_EQ_INT(cw_hotp(CW_TOTP_SHA1, seed20, 20, 0, 9), -1);
}

static void test_totp_rfc6238(void)
{
    static const struct { uint64_t t; long sha1, sha256; } v[] = {
        { 59ULL, 94287082, 46119246 },
        { 1111111109ULL, 7081804, 68084774 },
        { 1111111111ULL, 14050471, 67062674 },
        { 1234567890ULL, 89005924, 91819424 },
        { 2000000000ULL, 69279037, 90698825 },
        { 20000000000ULL, 65353130, 77737706 },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        CHECK_EQ_INT(cw_totp(CW_TOTP_SHA1, seed20, 20, v[i].t, 30, 8), v[i].sha1);
        CHECK_EQ_INT(cw_totp(CW_TOTP_SHA256, seed32, 32, v[i].t, 30, 8), v[i].sha256);
    }
    CHECK_EQ_INT(cw_totp(CW_TOTP_SHA1, seed20, 20, 59, 0, 8), -1);
}

static void code_at(uint64_t t, char out[7])
{
    long c = cw_totp(CW_TOTP_SHA1, seed20, 20, t, 30, 6);
    snprintf(out, 7, "%06ld", c);
}

static void test_verify(void)
{
    uint64_t now = 1700000000ULL, last = 0;
    char code[7], before[7], after[7], far[7];
    code_at(now, code);
    code_at(now - 30, before);
    code_at(now + 30, after);
    code_at(now - 90, far);

    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, code, now, 30, 6, 1, &last), 0);
    CHECK_EQ_INT(last, now / 30);
    /* the same code again: refused (used), and so is the previous step's */
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, code, now, 30, 6, 1, &last), -1);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, before, now, 30, 6, 1, &last), -1);
    /* the next step's code (a clock 30 s ahead) still works once */
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, after, now, 30, 6, 1, &last), 0);
    CHECK_EQ_INT(last, now / 30 + 1);

    uint64_t fresh = 0;
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, before, now, 30, 6, 1, &fresh), 0);
    fresh = 0;
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, far, now, 30, 6, 1, &fresh), -1);
    CHECK_EQ_INT(fresh, 0);

    /* malformed: wrong length, not digits, empty, NULL; a wrong key */
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, "12345", now, 30, 6, 1, NULL), -1);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, "1234567", now, 30, 6, 1, NULL), -1);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, "12a456", now, 30, 6, 1, NULL), -1);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, "", now, 30, 6, 1, NULL), -1);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed20, 20, NULL, now, 30, 6, 1, NULL), -1);
    code_at(now, code);
    CHECK_EQ_INT(cw_totp_verify(CW_TOTP_SHA1, seed32, 32, code, now, 30, 6, 1, NULL), -1);
}

static void test_base32(void)
{
    /* RFC 4648 section 10 */
    static const struct { const char *plain, *enc; } v[] = {
        { "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
        { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
    };
    char enc[64];
    uint8_t dec[64];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].plain);
        CHECK_EQ_INT(cw_base32_encode((const uint8_t *)v[i].plain, n, enc, sizeof enc),
                     (long)strlen(v[i].enc));
        CHECK(strcmp(enc, v[i].enc) == 0);
        CHECK_EQ_INT(cw_base32_decode(v[i].enc, dec, sizeof dec), (long)n);
        CHECK(memcmp(dec, v[i].plain, n) == 0);
    }
    /* what apps show: lower case, groups, padding */
    CHECK_EQ_INT(cw_base32_decode("mzxw 6ytb-oi======", dec, sizeof dec), 6);
    CHECK(memcmp(dec, "foobar", 6) == 0);
    CHECK_EQ_INT(cw_base32_decode("MZXW1", dec, sizeof dec), -1);   /* 1 is not base32 */
    CHECK_EQ_INT(cw_base32_decode("MZXW6YTBOI", dec, 3), -1);       /* does not fit */
    CHECK_EQ_INT(cw_base32_encode((const uint8_t *)"foobar", 6, enc, 10), -1);
    /* the RFC 6238 seed as an app would be given it */
    CHECK_EQ_INT(cw_base32_encode(seed20, 20, enc, sizeof enc), 32);
    CHECK(strcmp(enc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") == 0);
}

int main(void)
{
    test_hotp_rfc4226();
    test_totp_rfc6238();
    test_verify();
    test_base32();
    return check_summary("totp");
}
