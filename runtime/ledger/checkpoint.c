/* checkpoint.c  Signed tree heads: C2SP tlog-checkpoint text in a C2SP signed note,
 * signed with deterministic ECDSA P-256 (G4). Parsing is strict: exactly the lines the
 * format has, a decimal size without leading zeros, a 32-byte base64 root, one blank
 * line, signature lines; a note with a control character or a line too long is
 * refused before any signature is looked at.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "callwarden/checkpoint.h"

#define EM_DASH "\xe2\x80\x94"
#define SIG_TYPE_ECDSA 0x02

/* DER SubjectPublicKeyInfo of a P-256 key: this prefix, then the 65-byte point. */
static const uint8_t spki_prefix[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};

uint32_t cw_checkpoint_key_id(const uint8_t pub[CW_P256_PUB_LEN])
{
    uint8_t spki[sizeof spki_prefix + CW_P256_PUB_LEN], h[CW_SHA256_LEN];
    memcpy(spki, spki_prefix, sizeof spki_prefix);
    memcpy(spki + sizeof spki_prefix, pub, CW_P256_PUB_LEN);
    cw_sha256_of(spki, sizeof spki, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CW_CHECKPOINT_NAME_MAX)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == '+')
            return 0;
    return 1;
}

/* The note text: origin, size, root, each on its line. */
static int body_text(char *out, size_t cap, const char *origin, uint64_t size,
                     const uint8_t root[32])
{
    unsigned char b64[64];
    size_t blen;
    if (mbedtls_base64_encode(b64, sizeof b64, &blen, root, 32) != 0)
        return -1;
    int n = snprintf(out, cap, "%s\n%" PRIu64 "\n%.*s\n", origin, size, (int)blen, b64);
    return n > 0 && (size_t)n < cap ? n : -1;
}

int cw_checkpoint_sign(const cw_p256_key *key, const char *key_name, const char *origin,
                       uint64_t size, const uint8_t root[32], char *out, size_t cap)
{
    if (!name_ok(key_name) || !name_ok(origin))
        return -1;
    int tl = body_text(out, cap, origin, size, root);
    if (tl < 0)
        return -1;
    uint8_t sig[4 + CW_P256_SIG_MAX], pub[CW_P256_PUB_LEN];
    size_t slen;
    cw_p256_public(key, pub);
    uint32_t id = cw_checkpoint_key_id(pub);
    sig[0] = (uint8_t)(id >> 24);
    sig[1] = (uint8_t)(id >> 16);
    sig[2] = (uint8_t)(id >> 8);
    sig[3] = (uint8_t)id;
    if (cw_p256_sign(key, out, (size_t)tl, sig + 4, &slen) != 0)
        return -1;
    unsigned char b64[2 * sizeof sig];
    size_t blen;
    if (mbedtls_base64_encode(b64, sizeof b64, &blen, sig, 4 + slen) != 0)
        return -1;
    int n = snprintf(out + tl, cap - (size_t)tl, "\n" EM_DASH " %s %.*s\n", key_name,
                     (int)blen, b64);
    if (n < 0 || (size_t)n >= cap - (size_t)tl)
        return -1;
    return tl + n;
}

static int refuse(char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s", what);
    return 0;
}

int cw_checkpoint_verify(const char *note, const char *key_name,
                         const uint8_t pub[CW_P256_PUB_LEN], char *origin, size_t originlen,
                         uint64_t *size, uint8_t root[32], char *why, size_t whylen)
{
    size_t len = strlen(note);
    if (len == 0 || len > CW_CHECKPOINT_MAX)
        return refuse(why, whylen, "not a checkpoint (empty or too long)");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)note[i] < 0x20 && note[i] != '\n')
            return refuse(why, whylen, "a control character in the note");
    const char *sep = strstr(note, "\n\n");
    if (!sep)
        return refuse(why, whylen, "no blank line before the signatures");
    size_t tl = (size_t)(sep - note) + 1;         /* the text with its last newline */

    /* the text: origin, size, root */
    char text[CW_CHECKPOINT_MAX + 1];
    memcpy(text, note, tl);
    text[tl] = 0;
    char *l1 = text, *l2 = strchr(l1, '\n');
    char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    char *end = l3 ? strchr(l3 + 1, '\n') : NULL;
    if (!l2 || !l3 || !end)
        return refuse(why, whylen, "the text is not origin, size and root lines");
    *l2++ = 0;
    *l3++ = 0;
    *end = 0;
    if (!name_ok(l1) || strlen(l1) >= originlen)
        return refuse(why, whylen, "a bad origin line");
    if (!l2[0] || (l2[0] == '0' && l2[1]) || strspn(l2, "0123456789") != strlen(l2) ||
        strlen(l2) > 20)
        return refuse(why, whylen, "a bad size line");
    errno = 0;
    uint64_t sz = strtoull(l2, NULL, 10);
    if (errno == ERANGE)
        return refuse(why, whylen, "a bad size line");
    uint8_t r[64];
    size_t rlen;
    if (mbedtls_base64_decode(r, sizeof r, &rlen, (const unsigned char *)l3, strlen(l3)) != 0 ||
        rlen != 32)
        return refuse(why, whylen, "a bad root line");
    unsigned char rcanon[64];
    size_t rclen;
    if (mbedtls_base64_encode(rcanon, sizeof rcanon, &rclen, r, 32) != 0 || rclen != strlen(l3) ||
        memcmp(rcanon, l3, rclen) != 0)
        return refuse(why, whylen, "a bad root line (not canonical base64)");

    /* the signatures: the one of our key must be there and valid */
    uint32_t want = cw_checkpoint_key_id(pub);
    int found = 0;
    const char *p = sep + 2;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            return refuse(why, whylen, "a signature line without its newline");
        size_t ll = (size_t)(nl - p);
        char line[CW_CHECKPOINT_MAX + 1];
        memcpy(line, p, ll);
        line[ll] = 0;
        p = nl + 1;
        if (strncmp(line, EM_DASH " ", 4) != 0)
            return refuse(why, whylen, "a line after the blank line is no signature");
        char *name = line + 4, *sp = strchr(name, ' ');
        if (!sp)
            return refuse(why, whylen, "a signature line without a signature");
        *sp = 0;
        uint8_t sig[4 + CW_P256_SIG_MAX + 8];
        size_t slen;
        if (mbedtls_base64_decode(sig, sizeof sig, &slen, (const unsigned char *)sp + 1,
                                  strlen(sp + 1)) != 0 || slen < 5)
            continue;                  /* not ours to judge: some other signer */
        uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 |
                      (uint32_t)sig[2] << 8 | sig[3];
        if (strcmp(name, key_name) != 0 || id != want)
            continue;                  /* another key: ignored, as the spec says */
        /* base64 leaves spare bits in its last digit: only the canonical spelling of
         * the signature counts, so that no second note verifies with the same bytes */
        unsigned char canon[2 * sizeof sig];
        size_t clen;
        if (mbedtls_base64_encode(canon, sizeof canon, &clen, sig, slen) != 0 ||
            clen != strlen(sp + 1) || memcmp(canon, sp + 1, clen) != 0)
            return refuse(why, whylen, "the signature is not in canonical base64");
        if (!cw_p256_verify(pub, note, tl, sig + 4, slen - 4))
            return refuse(why, whylen, "the signature of the trusted key does not verify");
        found = 1;
    }
    if (!found)
        return refuse(why, whylen, "no signature of the trusted key");
    memcpy(root, r, 32);
    *size = sz;
    snprintf(origin, originlen, "%s", l1);
    why[0] = 0;
    return 1;
}
