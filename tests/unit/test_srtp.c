/* test_srtp.c  SRTP through libsrtp2 and SDES (issue 10): a=crypto lines parsed and
 * written (RFC 4568 9.1, with what is refused and why), fresh random keys, and two
 * real sessions facing each other for every suite: RTP and RTCP pass, a flipped byte
 * fails authentication and a replayed packet is refused, both counted and dropped. */
#include <stdio.h>
#include <string.h>

#include "callwarden/srtp.h"
#include "check.h"

static size_t rtp_packet(uint8_t *b, uint16_t seq, uint32_t ts)
{
    b[0] = 0x80;
    b[1] = 0;                           /* PCMU */
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[4] = (uint8_t)(ts >> 24);
    b[5] = (uint8_t)(ts >> 16);
    b[6] = (uint8_t)(ts >> 8);
    b[7] = (uint8_t)ts;
    b[8] = 0x12; b[9] = 0x34; b[10] = 0x56; b[11] = 0x78;
    for (int i = 0; i < 160; i++)
        b[12 + i] = (uint8_t)(i * 7 + seq);
    return 172;
}

static size_t rtcp_packet(uint8_t *b)
{
    static const uint8_t sr[28] = { 0x80, 200, 0, 6, 0x12, 0x34, 0x56, 0x78 };
    memcpy(b, sr, sizeof sr);
    return sizeof sr;
}

static void parse_cases(void)
{
    cw_sdes_crypto c;
    char err[256];
    const char *ok = "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20";
    CHECK_EQ_INT(cw_sdes_parse(ok, strlen(ok), &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.tag, 1);
    CHECK_EQ_INT(c.suite, CW_SRTP_AES_CM_128_HMAC_SHA1_80);
    CHECK_EQ_INT(c.key_len, 30);
    CHECK(memcmp(c.key, "YS___semctl () {\t220;}\n}\nunles", 30) == 0);
    char line[128];
    CHECK(cw_sdes_format(&c, line, sizeof line) > 0);
    CHECK_STR(line, "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
    const char *c32 = "7 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    CHECK_EQ_INT(cw_sdes_parse(c32, strlen(c32), &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.tag, 7);
    CHECK_EQ_INT(c.suite, CW_SRTP_AES_CM_128_HMAC_SHA1_32);
    static const struct { const char *line; int rc; const char *why; } bad[] = {
        { "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
          -1, "an MKI is not supported" },
        { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^10",
          -1, "2^20 packets or more" },
        { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz "
          "UNENCRYPTED_SRTP", -1, "session parameters" },
        { "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz;"
          "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", -1, "more than one key" },
        { "1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=", -1, "needs a key of 30 bytes" },
        { "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!", -1, "not base64" },
        { "1 AES_CM_128_HMAC_SHA1_80 key:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", -1,
          "inline:" },
        { "1 F8_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz", -2,
          "not supported" },
        { "x AES_CM_128_HMAC_SHA1_80 inline:WVNf", -1, "a tag" },
        { "0 AES_CM_128_HMAC_SHA1_80 inline:WVNf", -1, "must not be 0" },
        { "", -1, "a tag" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = cw_sdes_parse(bad[i].line, strlen(bad[i].line), &c, err, sizeof err);
        if (rc != bad[i].rc || !strstr(err, bad[i].why))
            fprintf(stderr, "  \"%s\": %d %s\n", bad[i].line, rc, err);
        CHECK(rc == bad[i].rc && strstr(err, bad[i].why));
        CHECK_EQ_INT(c.key_len, 0);      /* nothing of a refused key stays */
    }
}

static void sessions(cw_srtp_suite suite)
{
    char err[256];
    cw_sdes_crypto ka, kb;
    CHECK_EQ_INT(cw_sdes_new_key(&ka, suite, 1), 0);
    CHECK_EQ_INT(cw_sdes_new_key(&kb, suite, 1), 0);
    CHECK(memcmp(ka.key, kb.key, ka.key_len) != 0);
    /* the line we would send, read back, is the same key */
    char line[160];
    cw_sdes_crypto back;
    CHECK(cw_sdes_format(&ka, line, sizeof line) > 0);
    CHECK_EQ_INT(cw_sdes_parse(line, strlen(line), &back, err, sizeof err), 0);
    CHECK(back.key_len == ka.key_len && memcmp(back.key, ka.key, ka.key_len) == 0);
    cw_srtp *a, *b;
    CHECK_EQ_INT(cw_srtp_open(&a, &ka, &kb, err, sizeof err), 0);
    CHECK_EQ_INT(cw_srtp_open(&b, &kb, &ka, err, sizeof err), 0);
    uint8_t pkt[512], plain[512], kept[512];
    for (uint16_t seq = 100; seq < 110; seq++) {
        size_t len = rtp_packet(pkt, seq, seq * 160u);
        memcpy(plain, pkt, len);
        size_t plain_len = len;
        CHECK_EQ_INT(cw_srtp_protect(a, pkt, &len, sizeof pkt), 0);
        CHECK(len > plain_len);
        CHECK(memcmp(pkt + 12, plain + 12, 160) != 0);   /* the payload is encrypted */
        if (seq == 105)
            memcpy(kept, pkt, len);
        size_t kept_len = len;
        CHECK_EQ_INT(cw_srtp_unprotect(b, pkt, &len), 0);
        CHECK(len == plain_len && memcmp(pkt, plain, len) == 0);
        if (seq == 105) {
            /* the same packet again: a replay, dropped */
            memcpy(pkt, kept, kept_len);
            len = kept_len;
            CHECK_EQ_INT(cw_srtp_unprotect(b, pkt, &len), -1);
        }
    }
    /* a flipped byte in the payload, and one in the tag: not authentic, dropped */
    for (int where = 0; where < 2; where++) {
        size_t len = rtp_packet(pkt, 200 + (uint16_t)where, 0);
        CHECK_EQ_INT(cw_srtp_protect(a, pkt, &len, sizeof pkt), 0);
        pkt[where ? len - 1 : 40] ^= 0x01;
        CHECK_EQ_INT(cw_srtp_unprotect(b, pkt, &len), -1);
    }
    /* with the wrong key: nothing gets through */
    cw_srtp *c;
    CHECK_EQ_INT(cw_srtp_open(&c, &kb, &kb, err, sizeof err), 0);
    size_t len = rtp_packet(pkt, 300, 0);
    CHECK_EQ_INT(cw_srtp_protect(a, pkt, &len, sizeof pkt), 0);
    CHECK_EQ_INT(cw_srtp_unprotect(c, pkt, &len), -1);
    /* SRTCP both ways */
    len = rtcp_packet(pkt);
    CHECK_EQ_INT(cw_srtp_protect_rtcp(b, pkt, &len, sizeof pkt), 0);
    CHECK(len > 28);
    CHECK_EQ_INT(cw_srtp_unprotect_rtcp(a, pkt, &len), 0);
    CHECK_EQ_INT(len, 28);
    len = rtcp_packet(pkt);
    CHECK_EQ_INT(cw_srtp_protect_rtcp(b, pkt, &len, sizeof pkt), 0);
    pkt[10] ^= 0x80;
    CHECK_EQ_INT(cw_srtp_unprotect_rtcp(a, pkt, &len), -1);
    /* no room for the trailer: refused, not overrun */
    len = rtp_packet(pkt, 400, 0);
    CHECK_EQ_INT(cw_srtp_protect(a, pkt, &len, len + 4), -1);
    cw_srtp_stats sb = cw_srtp_get_stats(b), sa = cw_srtp_get_stats(a);
    CHECK_EQ_INT(sb.unprotected_pkts, 10);
    CHECK_EQ_INT(sb.replayed, 1);
    CHECK_EQ_INT(sb.auth_failed, 2);
    CHECK_EQ_INT(sa.unprotected_pkts, 1);
    CHECK_EQ_INT(sa.auth_failed, 1);
    CHECK_EQ_INT(cw_srtp_get_stats(c).auth_failed, 1);
    printf("srtp %s: 10 packets both ways, 1 replay, 3 forgeries dropped\n",
           cw_srtp_suite_name(suite));
    cw_srtp_close(a);
    cw_srtp_close(b);
    cw_srtp_close(c);
    cw_sdes_wipe(&ka);
    cw_sdes_wipe(&kb);
    cw_sdes_wipe(&back);
    static const uint8_t zero[CW_SRTP_KEY_MAX];
    CHECK(memcmp(ka.key, zero, sizeof zero) == 0);
}

int main(void)
{
    parse_cases();
    CHECK(cw_srtp_suite_available(CW_SRTP_AES_CM_128_HMAC_SHA1_80));
    CHECK(cw_srtp_suite_available(CW_SRTP_AES_CM_128_HMAC_SHA1_32));
    sessions(CW_SRTP_AES_CM_128_HMAC_SHA1_80);
    sessions(CW_SRTP_AES_CM_128_HMAC_SHA1_32);
    if (cw_srtp_suite_available(CW_SRTP_AEAD_AES_256_GCM))
        sessions(CW_SRTP_AEAD_AES_256_GCM);
    else
        printf("srtp: this libsrtp2 has no AEAD_AES_256_GCM\n");
    cw_sdes_crypto c;
    CHECK_EQ_INT(cw_sdes_new_key(&c, CW_SRTP_AES_CM_128_HMAC_SHA1_80, 0), -1);
    cw_srtp_close(NULL);
    return check_summary("srtp");
}
