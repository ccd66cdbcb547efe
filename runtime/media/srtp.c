/* srtp.c  SRTP through libsrtp2 and SDES a=crypto attributes (srtp.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <srtp2/srtp.h>

#include "callwarden/crypto.h"
#include "callwarden/srtp.h"

struct cw_srtp {
    srtp_t tx, rx;
    cw_srtp_stats st;
};

static const struct {
    const char *name;
    size_t key_len;
} suites[CW_SRTP_NSUITES] = {
    [CW_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", SRTP_AES_GCM_256_KEY_LEN_WSALT },
    [CW_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80",
                                          SRTP_AES_ICM_128_KEY_LEN_WSALT },
    [CW_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32",
                                          SRTP_AES_ICM_128_KEY_LEN_WSALT },
};

/* libsrtp2 is initialised once per process, whoever comes first */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ok;
static int available[CW_SRTP_NSUITES];

static void set_policy(srtp_policy_t *p, cw_srtp_suite s)
{
    switch (s) {
    case CW_SRTP_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
        break;
    case CW_SRTP_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        /* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag with this suite */
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    default:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        break;
    }
}

static void init(void)
{
    init_ok = srtp_init() == srtp_err_status_ok;
    /* which suites this build of libsrtp2 has: a session with a throw-away key */
    for (int s = 0; init_ok && s < CW_SRTP_NSUITES; s++) {
        unsigned char key[CW_SRTP_KEY_MAX] = { 1 };
        srtp_policy_t p;
        memset(&p, 0, sizeof p);
        set_policy(&p, (cw_srtp_suite)s);
        p.ssrc.type = ssrc_any_outbound;
        p.key = key;
        p.window_size = 128;
        srtp_t t = NULL;
        available[s] = srtp_create(&t, &p) == srtp_err_status_ok;
        if (t)
            srtp_dealloc(t);
    }
}

static int ready(void)
{
    pthread_once(&init_once, init);
    return init_ok;
}

const char *cw_srtp_suite_name(cw_srtp_suite s)
{
    return s < CW_SRTP_NSUITES ? suites[s].name : "?";
}

int cw_srtp_suite_parse(const char *name, size_t len, cw_srtp_suite *out)
{
    for (int s = 0; s < CW_SRTP_NSUITES; s++)
        if (strlen(suites[s].name) == len && memcmp(suites[s].name, name, len) == 0) {
            *out = (cw_srtp_suite)s;
            return 0;
        }
    return -1;
}

size_t cw_srtp_key_len(cw_srtp_suite s)
{
    return s < CW_SRTP_NSUITES ? suites[s].key_len : 0;
}

int cw_srtp_suite_available(cw_srtp_suite s)
{
    return ready() && s < CW_SRTP_NSUITES && available[s];
}

/* ---- a=crypto (RFC 4568 9.1) ------------------------------------------------------ */

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "a=crypto: %s", msg);
    return -1;
}

/* A lifetime ("2^31" or decimal): refused below 2^20 packets (RFC 4568 6.1). */
static int lifetime_ok(const char *s, size_t n)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    if (n > 2 && buf[0] == '2' && buf[1] == '^') {
        unsigned long e = strtoul(buf + 2, &end, 10);
        return *end == 0 && e >= 20 && e <= 48;
    }
    unsigned long long v = strtoull(buf, &end, 10);
    return *end == 0 && v >= (1ull << 20);
}

int cw_sdes_parse(const char *value, size_t len, cw_sdes_crypto *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = value, *end = value + len;
    size_t n = 0;
    while (p + n < end && p[n] >= '0' && p[n] <= '9')
        n++;
    if (n == 0 || n > 9 || p + n >= end || p[n] != ' ')
        return fail(err, errlen, "a tag of 1 to 9 digits comes first");
    out->tag = (unsigned)strtoul(p, NULL, 10);
    if (out->tag == 0)
        return fail(err, errlen, "the tag must not be 0");
    p += n;
    while (p < end && *p == ' ')
        p++;
    n = 0;
    while (p + n < end && p[n] != ' ')
        n++;
    if (cw_srtp_suite_parse(p, n, &out->suite) != 0) {
        char name[41];                 /* from the network: printable only in messages */
        size_t k = 0;
        for (; k < n && k < sizeof name - 1; k++)
            name[k] = p[k] > 0x20 && p[k] < 0x7f && p[k] != '"' && p[k] != '\\' ? p[k] : '?';
        name[k] = 0;
        snprintf(err, errlen, "a=crypto: suite %s is not supported (AEAD_AES_256_GCM, "
                 "AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32)", name);
        return -2;
    }
    p += n;
    while (p < end && *p == ' ')
        p++;
    if (end - p < 7 || memcmp(p, "inline:", 7) != 0)
        return fail(err, errlen, "the key must be inline: then base64");
    p += 7;
    const char *kend = p;
    while (kend < end && *kend != ' ')
        kend++;
    if (memchr(p, ';', (size_t)(kend - p)))
        return fail(err, errlen, "more than one key is not supported");
    const char *bar = memchr(p, '|', (size_t)(kend - p));
    const char *b64end = bar ? bar : kend;
    uint8_t key[64];
    size_t klen = 0;
    if (mbedtls_base64_decode(key, sizeof key, &klen, (const unsigned char *)p,
                              (size_t)(b64end - p)) != 0)
        return fail(err, errlen, "the key is not base64");
    if (klen != cw_srtp_key_len(out->suite)) {
        cw_wipe(key, sizeof key);
        snprintf(err, errlen, "a=crypto: %s needs a key of %zu bytes (key and salt), not %zu",
                 cw_srtp_suite_name(out->suite), cw_srtp_key_len(out->suite), klen);
        return -1;
    }
    memcpy(out->key, key, klen);
    out->key_len = klen;
    cw_wipe(key, sizeof key);
    /* |lifetime and |MKI:length, in that order, both optional */
    while (bar && bar < kend) {
        const char *f = bar + 1, *next = memchr(f, '|', (size_t)(kend - f));
        const char *fend = next ? next : kend;
        if (memchr(f, ':', (size_t)(fend - f))) {
            cw_sdes_wipe(out);
            return fail(err, errlen, "an MKI is not supported");
        }
        if (!lifetime_ok(f, (size_t)(fend - f))) {
            cw_sdes_wipe(out);
            return fail(err, errlen, "the key lifetime must be 2^20 packets or more");
        }
        bar = next;
    }
    p = kend;
    while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
        p++;
    if (p < end) {
        cw_sdes_wipe(out);
        return fail(err, errlen, "session parameters (UNENCRYPTED_SRTP, KDR, ...) are not "
                    "supported");
    }
    return 0;
}

int cw_sdes_format(const cw_sdes_crypto *c, char *out, size_t cap)
{
    unsigned char b64[80];
    size_t blen = 0;
    if (c->suite >= CW_SRTP_NSUITES || c->key_len != cw_srtp_key_len(c->suite) ||
        mbedtls_base64_encode(b64, sizeof b64, &blen, c->key, c->key_len) != 0)
        return -1;
    int n = snprintf(out, cap, "%u %s inline:%.*s", c->tag, cw_srtp_suite_name(c->suite),
                     (int)blen, (const char *)b64);
    cw_wipe(b64, sizeof b64);
    return n > 0 && (size_t)n < cap ? n : -1;
}

int cw_sdes_new_key(cw_sdes_crypto *c, cw_srtp_suite suite, unsigned tag)
{
    memset(c, 0, sizeof *c);
    if (suite >= CW_SRTP_NSUITES || tag == 0)
        return -1;
    c->tag = tag;
    c->suite = suite;
    c->key_len = cw_srtp_key_len(suite);
    return cw_random(c->key, c->key_len);
}

void cw_sdes_wipe(cw_sdes_crypto *c)
{
    cw_wipe(c->key, sizeof c->key);
    c->key_len = 0;
}

/* ---- sessions ---------------------------------------------------------------------- */

static int session(srtp_t *t, const cw_sdes_crypto *c, srtp_ssrc_type_t dir)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    unsigned char key[CW_SRTP_KEY_MAX];
    memcpy(key, c->key, c->key_len);
    set_policy(&p, c->suite);
    p.ssrc.type = dir;
    p.key = key;
    p.window_size = 128;
    p.allow_repeat_tx = 0;
    int rc = srtp_create(t, &p) == srtp_err_status_ok ? 0 : -1;
    cw_wipe(key, sizeof key);
    return rc;
}

int cw_srtp_open(cw_srtp **out, const cw_sdes_crypto *tx, const cw_sdes_crypto *rx,
                 char *err, size_t errlen)
{
    *out = NULL;
    if (!ready())
        return fail(err, errlen, "libsrtp2 cannot be initialised");
    if (tx->key_len != cw_srtp_key_len(tx->suite) || rx->key_len != cw_srtp_key_len(rx->suite))
        return fail(err, errlen, "a key of the wrong length");
    if (!available[tx->suite] || !available[rx->suite]) {
        snprintf(err, errlen, "SRTP: this libsrtp2 lacks %s",
                 cw_srtp_suite_name(available[tx->suite] ? rx->suite : tx->suite));
        return -1;
    }
    cw_srtp *s = calloc(1, sizeof *s);
    if (!s)
        return fail(err, errlen, "out of memory");
    if (session(&s->tx, tx, ssrc_any_outbound) != 0 || session(&s->rx, rx, ssrc_any_inbound) != 0) {
        cw_srtp_close(s);
        snprintf(err, errlen, "SRTP: libsrtp2 refused the keys");
        return -1;
    }
    *out = s;
    return 0;
}

static int protect(cw_srtp *s, uint8_t *pkt, size_t *len, size_t cap, int rtcp)
{
    if (*len + CW_SRTP_TRAILER_MAX > cap || *len > 65000)
        return -1;
    int n = (int)*len;
    srtp_err_status_t rc = rtcp ? srtp_protect_rtcp(s->tx, pkt, &n) : srtp_protect(s->tx, pkt, &n);
    if (rc != srtp_err_status_ok)
        return -1;
    *len = (size_t)n;
    s->st.protected_pkts++;
    return 0;
}

static int unprotect(cw_srtp *s, uint8_t *pkt, size_t *len, int rtcp)
{
    int n = (int)*len;
    srtp_err_status_t rc = *len > 65000 ? srtp_err_status_bad_param
                         : rtcp ? srtp_unprotect_rtcp(s->rx, pkt, &n)
                                : srtp_unprotect(s->rx, pkt, &n);
    if (rc == srtp_err_status_ok) {
        *len = (size_t)n;
        s->st.unprotected_pkts++;
        return 0;
    }
    if (rc == srtp_err_status_auth_fail)
        s->st.auth_failed++;
    else if (rc == srtp_err_status_replay_fail || rc == srtp_err_status_replay_old)
        s->st.replayed++;
    else
        s->st.other_failed++;
    return -1;
}

int cw_srtp_protect(cw_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, pkt, len, cap, 0);
}

int cw_srtp_protect_rtcp(cw_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, pkt, len, cap, 1);
}

int cw_srtp_unprotect(cw_srtp *s, uint8_t *pkt, size_t *len)
{
    return unprotect(s, pkt, len, 0);
}

int cw_srtp_unprotect_rtcp(cw_srtp *s, uint8_t *pkt, size_t *len)
{
    return unprotect(s, pkt, len, 1);
}

cw_srtp_stats cw_srtp_get_stats(const cw_srtp *s)
{
    return s->st;
}

void cw_srtp_close(cw_srtp *s)
{
    if (!s)
        return;
    /* srtp_dealloc zeroes the session keys it derived before freeing them */
    if (s->tx)
        srtp_dealloc(s->tx);
    if (s->rx)
        srtp_dealloc(s->rx);
    free(s);
}
