/* test_crypto.c  The crypto wrappers against published vectors (FIPS 180-2, RFC 4231,
 * RFC 5869, the GCM spec, RFC 6979), and attacks: every flipped bit of a sealed message,
 * every flipped bit of a signature, malformed keys; the DRBG across threads and fork. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callwarden/crypto.h"
#include "check.h"

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode a hex string into out (room for cap bytes); the byte count. A typo in a vector
 * is a bug in this file, so it stops the test. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] != '\0'; hex += 2) {
        int hi = nibble(hex[0]), lo = hex[1] ? nibble(hex[1]) : -1;
        if (hi < 0 || lo < 0 || n == cap) {
            fprintf(stderr, "bad test vector near \"%s\"\n", hex);
            exit(2);
        }
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    return n;
}

/* 1 if the n bytes at p equal the hex string, else 0 (and both are printed). */
static int same_hex(const uint8_t *p, size_t n, const char *hex)
{
    uint8_t want[256];
    size_t wn = unhex(hex, want, sizeof want);
    if (wn == n && memcmp(p, want, n) == 0)
        return 1;
    fprintf(stderr, "  want %s\n  got  ", hex);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x", p[i]);
    fprintf(stderr, "\n");
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* FIPS 180-2, appendix B.1 */
static void test_sha256(void)
{
    uint8_t d[CW_SHA256_LEN];
    cw_sha256_of("abc", 3, d);
    CHECK(same_hex(d, sizeof d,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    cw_sha256_of(NULL, 0, d);
    CHECK(same_hex(d, sizeof d,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

/* RFC 4231, test cases 1 and 2 */
static void test_hmac(void)
{
    uint8_t key[20], mac[CW_SHA256_LEN];

    memset(key, 0x0b, sizeof key);
    cw_hmac_sha256(key, sizeof key, "Hi There", 8, mac);
    CHECK(same_hex(mac, sizeof mac,
                   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));

    cw_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
    CHECK(same_hex(mac, sizeof mac,
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
}

/* RFC 5869, test cases 1 and 3 (3: no salt, no info), and the length limit 255 * 32 */
static void test_hkdf(void)
{
    uint8_t ikm[22], salt[13], info[10], okm[42];
    static uint8_t big[255 * 32 + 1];

    memset(ikm, 0x0b, sizeof ikm);
    unhex("000102030405060708090a0b0c", salt, sizeof salt);
    unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof info);
    CHECK_EQ_INT(cw_hkdf_sha256(salt, sizeof salt, ikm, sizeof ikm, info, sizeof info,
                                okm, sizeof okm), 0);
    CHECK(same_hex(okm, sizeof okm,
                   "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c"
                   "5db02d56ecc4c5bf34007208d5b887185865"));

    CHECK_EQ_INT(cw_hkdf_sha256(NULL, 0, ikm, sizeof ikm, NULL, 0, okm, sizeof okm), 0);
    CHECK(same_hex(okm, sizeof okm,
                   "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879e"
                   "c3454e5f3c738d2d9d201395faa4b61a96c8"));

    CHECK_EQ_INT(cw_hkdf_sha256(NULL, 0, ikm, sizeof ikm, NULL, 0, big, sizeof big - 1), 0);
    CHECK_EQ_INT(cw_hkdf_sha256(NULL, 0, ikm, sizeof ikm, NULL, 0, big, sizeof big), -1);
    CHECK(all_zero(big, sizeof big));
}

/* The GCM spec (McGrew and Viega), test case 16: 256-bit key, 96-bit IV, 60 bytes of
 * plaintext, 20 bytes of AAD. */
static const char GCM_KEY[] =
    "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char GCM_IV[] = "cafebabefacedbaddecaf888";
static const char GCM_AAD[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
static const char GCM_PLAIN[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char GCM_SEALED[] =        /* C || T */
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    "76fc6ece0f4e1768cddf8853bb2d551b";

static void test_gcm_vector(void)
{
    uint8_t key[32], iv[12], aad[20], plain[60], sealed[76], out[76];

    unhex(GCM_KEY, key, sizeof key);
    unhex(GCM_IV, iv, sizeof iv);
    unhex(GCM_AAD, aad, sizeof aad);
    CHECK_EQ_INT(unhex(GCM_PLAIN, plain, sizeof plain), 60);
    CHECK_EQ_INT(unhex(GCM_SEALED, sealed, sizeof sealed), 76);

    CHECK_EQ_INT(cw_aead_seal(key, iv, aad, sizeof aad, plain, sizeof plain, out), 0);
    CHECK(same_hex(out, sizeof out, GCM_SEALED));

    memset(out, 0xA5, sizeof out);
    CHECK_EQ_INT(cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed, out), 0);
    CHECK(same_hex(out, 60, GCM_PLAIN));
}

/* Every single flipped bit, in the ciphertext, the tag, the AAD or the nonce, and a wrong
 * key make open fail with a zeroed output. */
static void test_gcm_tamper(void)
{
    uint8_t key[32], iv[12], aad[20], sealed[76], bad[76], out[60];
    int rejected = 1, zeroed = 1;

    unhex(GCM_KEY, key, sizeof key);
    unhex(GCM_IV, iv, sizeof iv);
    unhex(GCM_AAD, aad, sizeof aad);
    unhex(GCM_SEALED, sealed, sizeof sealed);

    for (size_t i = 0; i < sizeof sealed; i++) {
        memcpy(bad, sealed, sizeof bad);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        memset(out, 0xA5, sizeof out);
        rejected &= cw_aead_open(key, iv, aad, sizeof aad, bad, sizeof bad, out) == -1;
        zeroed &= all_zero(out, sizeof out);
    }
    CHECK(rejected);
    CHECK(zeroed);

    for (size_t i = 0; i < sizeof aad; i++) {
        aad[i] ^= 0x80;
        memset(out, 0xA5, sizeof out);
        rejected &= cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed, out) == -1;
        zeroed &= all_zero(out, sizeof out);
        aad[i] ^= 0x80;
    }
    CHECK(rejected);
    CHECK(zeroed);
    CHECK_EQ_INT(cw_aead_open(key, iv, NULL, 0, sealed, sizeof sealed, out), -1);

    for (size_t i = 0; i < sizeof iv; i++) {
        iv[i] ^= 0x01;
        memset(out, 0xA5, sizeof out);
        rejected &= cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed, out) == -1;
        zeroed &= all_zero(out, sizeof out);
        iv[i] ^= 0x01;
    }
    CHECK(rejected);
    CHECK(zeroed);

    key[31] ^= 0x01;
    memset(out, 0xA5, sizeof out);
    CHECK_EQ_INT(cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed, out), -1);
    CHECK(all_zero(out, sizeof out));
    key[31] ^= 0x01;

    /* shorter than a tag: nothing to open */
    CHECK_EQ_INT(cw_aead_open(key, iv, aad, sizeof aad, sealed, CW_GCM_TAG_LEN - 1, out), -1);
    /* a truncated message: its last 16 bytes are not the tag */
    CHECK_EQ_INT(cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed - 1, out), -1);
    /* the untouched message still opens */
    CHECK_EQ_INT(cw_aead_open(key, iv, aad, sizeof aad, sealed, sizeof sealed, out), 0);
}

/* Empty plaintext without AAD (a tag alone), and a large buffer sealed and opened in place. */
static void test_gcm_round_trip(void)
{
    uint8_t key[32], iv[12], tag[CW_GCM_TAG_LEN], none[1];
    size_t len = 100000;
    uint8_t *plain = malloc(len), *buf = malloc(len + CW_GCM_TAG_LEN);

    CHECK_EQ_INT(cw_random(key, sizeof key), 0);
    CHECK_EQ_INT(cw_random(iv, sizeof iv), 0);

    CHECK_EQ_INT(cw_aead_seal(key, iv, NULL, 0, NULL, 0, tag), 0);
    CHECK_EQ_INT(cw_aead_open(key, iv, NULL, 0, tag, sizeof tag, none), 0);
    tag[0] ^= 1;
    CHECK_EQ_INT(cw_aead_open(key, iv, NULL, 0, tag, sizeof tag, none), -1);

    CHECK(plain != NULL && buf != NULL);
    if (plain == NULL || buf == NULL) {
        free(plain);
        free(buf);
        return;
    }
    CHECK_EQ_INT(cw_random(plain, len), 0);
    memcpy(buf, plain, len);
    CHECK_EQ_INT(cw_aead_seal(key, iv, "hdr", 3, buf, len, buf), 0);
    CHECK(memcmp(buf, plain, len) != 0);
    CHECK_EQ_INT(cw_aead_open(key, iv, "hdr", 3, buf, len + CW_GCM_TAG_LEN, buf), 0);
    CHECK(memcmp(buf, plain, len) == 0);
    free(plain);
    free(buf);
}

/* DER of an ECDSA signature from 32-byte r and s, written apart from mbedTLS's encoder. */
static size_t der_int(const uint8_t v[32], uint8_t *out)
{
    size_t skip = 0, n = 0;
    while (skip < 31 && v[skip] == 0 && !(v[skip + 1] & 0x80))
        skip++;
    out[n++] = 0x02;
    out[n++] = (uint8_t)(32 - skip + (v[skip] & 0x80 ? 1 : 0));
    if (v[skip] & 0x80)
        out[n++] = 0x00;
    memcpy(out + n, v + skip, 32 - skip);
    return n + 32 - skip;
}

static size_t der_sig(const char *r_hex, const char *s_hex, uint8_t out[CW_P256_SIG_MAX])
{
    uint8_t r[32], s[32];
    size_t n;
    unhex(r_hex, r, sizeof r);
    unhex(s_hex, s, sizeof s);
    n = der_int(r, out + 2);
    n += der_int(s, out + 2 + n);
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    return n + 2;
}

/* RFC 6979, A.2.5 (P-256, SHA-256): the signatures are fixed by the key and the message,
 * which holds only if this mbedTLS really computes k deterministically. */
static void test_ecdsa_rfc6979(void)
{
    uint8_t d[32], d2[32], pub[CW_P256_PUB_LEN], sig[CW_P256_SIG_MAX], want[CW_P256_SIG_MAX];
    size_t siglen = 0, wantlen;
    cw_p256_key *k;

    unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", d, sizeof d);
    k = cw_p256_from_private(d);
    CHECK(k != NULL);
    if (k == NULL)
        return;
    cw_p256_public(k, pub);
    CHECK(same_hex(pub, sizeof pub,
                   "04"
                   "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
                   "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"));
    cw_p256_private(k, d2);
    CHECK(memcmp(d, d2, sizeof d) == 0);

    wantlen = der_sig("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
                      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8", want);
    CHECK_EQ_INT(wantlen, 72);
    CHECK_EQ_INT(cw_p256_sign(k, "sample", 6, sig, &siglen), 0);
    CHECK_EQ_INT(siglen, wantlen);
    CHECK(siglen == wantlen && memcmp(sig, want, wantlen) == 0);
    CHECK_EQ_INT(cw_p256_verify(pub, "sample", 6, want, wantlen), 1);

    wantlen = der_sig("f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
                      "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083", want);
    CHECK_EQ_INT(wantlen, 71);
    CHECK_EQ_INT(cw_p256_sign(k, "test", 4, sig, &siglen), 0);
    CHECK_EQ_INT(siglen, wantlen);
    CHECK(siglen == wantlen && memcmp(sig, want, wantlen) == 0);
    CHECK_EQ_INT(cw_p256_verify(pub, "test", 4, want, wantlen), 1);
    cw_p256_free(k);
}

/* A fresh key: round trip, determinism, a reloaded key signs the same, and everything that
 * is not exactly the signed message under exactly this key is rejected. */
static void test_ecdsa_keys(void)
{
    static const char msg[] = "checkpoint 17 tenant=acme head=9f86d081884c7d65";
    uint8_t pub[CW_P256_PUB_LEN], pub2[CW_P256_PUB_LEN], other_pub[CW_P256_PUB_LEN];
    uint8_t sig[CW_P256_SIG_MAX], sig2[CW_P256_SIG_MAX], bad[CW_P256_SIG_MAX + 1], d[32];
    size_t siglen = 0, siglen2 = 0;
    cw_p256_key *k = cw_p256_generate(), *other = cw_p256_generate(), *again;
    int rejected = 1;

    CHECK(k != NULL && other != NULL);
    if (k == NULL || other == NULL) {
        cw_p256_free(k);
        cw_p256_free(other);
        return;
    }
    cw_p256_public(k, pub);
    cw_p256_public(other, other_pub);
    CHECK_EQ_INT(pub[0], 0x04);
    CHECK(memcmp(pub, other_pub, sizeof pub) != 0);

    CHECK_EQ_INT(cw_p256_sign(k, msg, strlen(msg), sig, &siglen), 0);
    CHECK(siglen >= 8 && siglen <= CW_P256_SIG_MAX);
    CHECK_EQ_INT(sig[0], 0x30);
    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg), sig, siglen), 1);

    CHECK_EQ_INT(cw_p256_sign(k, msg, strlen(msg), sig2, &siglen2), 0);
    CHECK(siglen2 == siglen && memcmp(sig, sig2, siglen) == 0);

    /* the stored scalar gives back the same key, the same signatures */
    cw_p256_private(k, d);
    again = cw_p256_from_private(d);
    CHECK(again != NULL);
    if (again != NULL) {
        cw_p256_public(again, pub2);
        CHECK(memcmp(pub, pub2, sizeof pub) == 0);
        CHECK_EQ_INT(cw_p256_sign(again, msg, strlen(msg), sig2, &siglen2), 0);
        CHECK(siglen2 == siglen && memcmp(sig, sig2, siglen) == 0);
        cw_p256_free(again);
    }
    cw_wipe(d, sizeof d);

    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg) - 1, sig, siglen), 0);
    CHECK_EQ_INT(cw_p256_verify(pub, "checkpoint 18", 13, sig, siglen), 0);
    CHECK_EQ_INT(cw_p256_verify(other_pub, msg, strlen(msg), sig, siglen), 0);
    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg), sig, siglen - 1), 0);
    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg), sig, 0), 0);
    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg), NULL, 0), 0);
    memcpy(bad, sig, siglen);
    bad[siglen] = 0x00;                 /* trailing garbage after the DER sequence */
    CHECK_EQ_INT(cw_p256_verify(pub, msg, strlen(msg), bad, siglen + 1), 0);
    for (size_t i = 0; i < siglen; i++) {
        memcpy(bad, sig, siglen);
        bad[i] ^= (uint8_t)(1u << (i % 8));
        rejected &= cw_p256_verify(pub, msg, strlen(msg), bad, siglen) == 0;
    }
    CHECK(rejected);

    /* malformed public keys */
    memcpy(pub2, pub, sizeof pub2);
    pub2[0] = 0x02;                     /* claims compressed, with 64 bytes after */
    CHECK_EQ_INT(cw_p256_verify(pub2, msg, strlen(msg), sig, siglen), 0);
    memcpy(pub2, pub, sizeof pub2);
    pub2[64] ^= 0x01;                   /* Y no longer on the curve */
    CHECK_EQ_INT(cw_p256_verify(pub2, msg, strlen(msg), sig, siglen), 0);
    memset(pub2, 0, sizeof pub2);       /* what cw_p256_public gives on failure */
    CHECK_EQ_INT(cw_p256_verify(pub2, msg, strlen(msg), sig, siglen), 0);
    memset(pub2, 0xFF, sizeof pub2);
    pub2[0] = 0x04;                     /* coordinates above the field prime */
    CHECK_EQ_INT(cw_p256_verify(pub2, msg, strlen(msg), sig, siglen), 0);

    cw_p256_free(k);
    cw_p256_free(other);
    cw_p256_free(NULL);
}

/* A private scalar must be in [1, n-1]. */
static void test_p256_bad_private(void)
{
    static const char *bad[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", /* n */
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552", /* n + 1 */
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    uint8_t d[32], d2[32];
    cw_p256_key *k;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unhex(bad[i], d, sizeof d);
        k = cw_p256_from_private(d);
        CHECK(k == NULL);
        cw_p256_free(k);
    }
    unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550", d, sizeof d);
    k = cw_p256_from_private(d);        /* n - 1 */
    CHECK(k != NULL);
    if (k != NULL) {
        cw_p256_private(k, d2);
        CHECK(memcmp(d, d2, sizeof d) == 0);
    }
    cw_p256_free(k);
    memset(d, 0, sizeof d);
    d[31] = 1;
    k = cw_p256_from_private(d);        /* 1: the public key is G itself */
    CHECK(k != NULL);
    cw_p256_free(k);
}

static void *draw_many(void *arg)
{
    uint8_t buf[64];
    int *ok = arg;
    for (int i = 0; i < 500; i++)
        if (cw_random(buf, sizeof buf) != 0)
            *ok = 0;
    return NULL;
}

/* Two draws differ; 0 bytes and far more than one DRBG request (1024) work; threads draw at
 * once; a forked child does not repeat its parent's bytes. */
static void test_random(void)
{
    uint8_t a[32], b[32];
    size_t big = 1 << 20, zeros = 0;
    uint8_t *buf = malloc(big), odd[1025];

    CHECK_EQ_INT(cw_random(a, sizeof a), 0);
    CHECK_EQ_INT(cw_random(b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(!all_zero(a, sizeof a));

    CHECK_EQ_INT(cw_random(NULL, 0), 0);
    CHECK_EQ_INT(cw_random(a, 0), 0);

    CHECK(buf != NULL);
    if (buf != NULL) {
        memset(buf, 0, big);
        CHECK_EQ_INT(cw_random(buf, big), 0);
        for (size_t i = 0; i < big; i++)
            zeros += buf[i] == 0;
        CHECK(zeros < 2 * big / 256);   /* about big / 256 expected */
        CHECK(!all_zero(buf + big - 1024, 1024));
        CHECK(memcmp(buf, buf + big / 2, big / 2) != 0);
        free(buf);
    }
    memset(odd, 0, sizeof odd);
    CHECK_EQ_INT(cw_random(odd, sizeof odd), 0);   /* one full request and one byte */
    CHECK(!all_zero(odd + 1016, 9));
}

static void test_random_threads_fork(void)
{
    pthread_t t[4];
    int ok[4] = { 1, 1, 1, 1 };
    uint8_t mine[32], child[32];
    int fds[2], status = 0;
    pid_t pid;

    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(pthread_create(&t[i], NULL, draw_many, &ok[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(ok[i]);
    }

    CHECK_EQ_INT(pipe(fds), 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        uint8_t r[32];
        int good = cw_random(r, sizeof r) == 0 && write(fds[1], r, sizeof r) == sizeof r;
        _exit(good ? 0 : 1);
    }
    close(fds[1]);
    CHECK_EQ_INT(cw_random(mine, sizeof mine), 0);
    CHECK_EQ_INT(read(fds[0], child, sizeof child), sizeof child);
    close(fds[0]);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(memcmp(mine, child, sizeof mine) != 0);
}

static void test_wipe(void)
{
    uint8_t s[40];
    memset(s, 0x5A, sizeof s);
    cw_wipe(s, sizeof s);
    CHECK(all_zero(s, sizeof s));
    cw_wipe(NULL, 0);
}

int main(void)
{
    test_sha256();
    test_hmac();
    test_hkdf();
    test_gcm_vector();
    test_gcm_tamper();
    test_gcm_round_trip();
    test_ecdsa_rfc6979();
    test_ecdsa_keys();
    test_p256_bad_private();
    test_random();
    test_random_threads_fork();
    test_wipe();
    return check_summary("crypto");
}
