/* record.c  One ledger record as it is stored (G4): a clear canonical header, the body
 * sealed with AES-256-GCM under a key derived from the tenant's ledger key with the
 * header as associated data, and the Merkle leaf over the header and the SHA-256 of
 * the sealed body.
 *
 * The header names only what an auditor needs to order and relate records (position,
 * event type, event and consent ids, time, key id); everything about the caller is in
 * the sealed body. The leaf hashes the ciphertext, never guessable plaintext (a digit,
 * a phone number), so a published tree head reveals nothing. Changing any byte of a
 * header or body makes the body fail to authenticate and the leaf differ.
 */
#define _GNU_SOURCE                  /* memmem */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "callwarden/crypto.h"
#include "callwarden/merkle.h"
#include "ledger_int.h"

#define BODY_INFO "callwarden ledger body v1"

int cw_ledger_body_key(const cw_ledger_key *k, uint8_t out[CW_AES256_KEY_LEN])
{
    return cw_hkdf_sha256(NULL, 0, k->bytes, sizeof k->bytes, BODY_INFO, sizeof BODY_INFO - 1,
                          out, CW_AES256_KEY_LEN);
}

void cw_ledger_uuid(char out[37])
{
    uint8_t b[16];
    if (cw_random(b, sizeof b) != 0)
        abort();                       /* no randomness: no consent ids either */
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

int cw_ledger_header(char *out, size_t cap, uint64_t seq, const char *event_type,
                     const char *event_id, const char *consent_id, const char *refers_to,
                     int64_t ts_ms, const char *key_id, const char *next)
{
    int n = snprintf(out, cap,
                     "callwarden-ledger/1\nseq %" PRIu64 "\nevent %s\nid %s\nconsent %s\n"
                     "refers %s\nts %" PRId64 "\nkey %s\n%s%s%s",
                     seq, event_type, event_id, consent_id[0] ? consent_id : "-",
                     refers_to[0] ? refers_to : "-", ts_ms, key_id, next ? "next " : "",
                     next ? next : "", next ? "\n" : "");
    return n > 0 && (size_t)n < cap ? n : -1;
}

/* The value of the header's line "name VALUE" (name with its space) into out. */
static int header_line(const uint8_t *header, size_t len, const char *name, char *out,
                       size_t cap)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < len;) {
        const uint8_t *e = memchr(header + i, '\n', len - i);
        size_t ll = e ? (size_t)(e - (header + i)) : len - i;
        if (ll > nl && memcmp(header + i, name, nl) == 0) {
            if (ll - nl >= cap)
                return -1;
            memcpy(out, header + i + nl, ll - nl);
            out[ll - nl] = 0;
            return 0;
        }
        i += ll + 1;
    }
    return -1;
}

int cw_ledger_header_key(const uint8_t *header, size_t len, char id[16])
{
    return header_line(header, len, "key ", id, 16);
}

int cw_ledger_header_next(const uint8_t *header, size_t len, char id[16],
                          uint8_t pub[CW_P256_PUB_LEN])
{
    char v[16 + 2 * CW_P256_PUB_LEN + 8];
    if (header_line(header, len, "next ", v, sizeof v) != 0)
        return memmem(header, len, "\nnext ", 6) ? -1 : 0;
    char *sp = strchr(v, ' ');
    if (!sp || (size_t)(sp - v) >= 16 || sp == v || strlen(sp + 1) != 2 * CW_P256_PUB_LEN)
        return -1;
    for (size_t i = 0; i < CW_P256_PUB_LEN; i++) {
        unsigned b;
        if (sscanf(sp + 1 + 2 * i, "%2x", &b) != 1)
            return -1;
        pub[i] = (uint8_t)b;
    }
    memcpy(id, v, (size_t)(sp - v));
    id[sp - v] = 0;
    return 1;
}

void cw_ledger_leaf(const uint8_t *header, size_t header_len, const uint8_t *body,
                    size_t body_len, uint8_t leaf[32])
{
    /* leaf input = header || SHA-256(body); the Merkle leaf hash adds RFC 6962's 0x00 */
    size_t n = header_len + CW_SHA256_LEN;
    uint8_t stackbuf[512];
    uint8_t *in = n <= sizeof stackbuf ? stackbuf : malloc(n);
    if (!in)
        abort();
    memcpy(in, header, header_len);
    cw_sha256_of(body, body_len, in + header_len);
    cw_merkle_leaf_hash(in, n, leaf);
    if (in != stackbuf)
        free(in);
}

uint8_t *cw_ledger_seal(const uint8_t body_key[CW_AES256_KEY_LEN], const uint8_t *header,
                        size_t header_len, const void *plain, size_t len, size_t *out_len)
{
    uint8_t *out = malloc(CW_GCM_NONCE_LEN + len + CW_GCM_TAG_LEN);
    if (!out)
        return NULL;
    if (cw_random(out, CW_GCM_NONCE_LEN) != 0 ||
        cw_aead_seal(body_key, out, header, header_len, plain, len, out + CW_GCM_NONCE_LEN) != 0) {
        free(out);
        return NULL;
    }
    *out_len = CW_GCM_NONCE_LEN + len + CW_GCM_TAG_LEN;
    return out;
}

int cw_ledger_open_body(const uint8_t body_key[CW_AES256_KEY_LEN], const uint8_t *header,
                        size_t header_len, const uint8_t *body, size_t body_len, uint8_t *out,
                        size_t *out_len)
{
    if (body_len < CW_GCM_NONCE_LEN + CW_GCM_TAG_LEN)
        return -1;
    size_t clen = body_len - CW_GCM_NONCE_LEN;
    if (cw_aead_open(body_key, body, header, header_len, body + CW_GCM_NONCE_LEN, clen, out) != 0)
        return -1;
    *out_len = clen - CW_GCM_TAG_LEN;
    return 0;
}

char *cw_ledger_b64(const uint8_t *in, size_t n)
{
    size_t olen;
    mbedtls_base64_encode(NULL, 0, &olen, in, n);
    char *out = malloc(olen + 1);
    if (out && mbedtls_base64_encode((unsigned char *)out, olen + 1, &olen, in, n) != 0) {
        free(out);
        return NULL;
    }
    if (out)
        out[olen] = 0;
    return out;
}

uint8_t *cw_ledger_unb64(const char *s, size_t *n)
{
    size_t len = strlen(s), olen;
    if (mbedtls_base64_decode(NULL, 0, &olen, (const unsigned char *)s, len) ==
        MBEDTLS_ERR_BASE64_INVALID_CHARACTER)
        return NULL;
    uint8_t *out = malloc(olen + 1);
    if (out && mbedtls_base64_decode(out, olen + 1, n, (const unsigned char *)s, len) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
