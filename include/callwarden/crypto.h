/* crypto.h  The cryptography callwarden uses, all of it from mbedTLS 2.28: hashing, random
 * bytes, HMAC/HKDF, AES-256-GCM and P-256 ECDSA for the consent ledger and the vault (G4).
 * Buffers are the caller's; the one object this header hands out is cw_p256_key, which the
 * caller frees with cw_p256_free. */
#ifndef CALLWARDEN_CRYPTO_H
#define CALLWARDEN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/sha256.h>

#define CW_SHA256_LEN 32
#define CW_SHA256_HEX_LEN 65            /* 64 hex digits and the NUL */

/* A SHA-256 computed piece by piece. */
typedef struct cw_sha256 {
    mbedtls_sha256_context ctx;
} cw_sha256;

/* Start a SHA-256. */
void cw_sha256_init(cw_sha256 *h);
/* Add len bytes of data. */
void cw_sha256_update(cw_sha256 *h, const void *data, size_t len);
/* Finish: the digest as 64 lower-case hex digits in hex; h is freed. */
void cw_sha256_hex(cw_sha256 *h, char hex[CW_SHA256_HEX_LEN]);

/* SHA-256 of one buffer, as hex. */
void cw_sha256_hex_of(const void *data, size_t len, char hex[CW_SHA256_HEX_LEN]);

#define CW_AES256_KEY_LEN 32
#define CW_GCM_NONCE_LEN 12
#define CW_GCM_TAG_LEN 16
#define CW_P256_PUB_LEN 65              /* uncompressed point 04||X||Y */
#define CW_P256_SIG_MAX 72              /* DER ECDSA signature */

/* Fill out with n random bytes from a CTR-DRBG seeded by the OS entropy; 0 or -1. Thread-safe. */
int cw_random(void *out, size_t n);

/* n bytes as 2n lower-case hex digits and a NUL in out (2n + 1 bytes). */
void cw_hex(const uint8_t *b, size_t n, char *out);

/* n random bytes as 2n lower-case hex digits and a NUL in out (n at most 64); 0 or -1. */
int cw_random_hex(char *out, size_t n);

/* SHA-256 of data into out (32 bytes). Named _of because cw_sha256 is the streaming type. */
void cw_sha256_of(const void *data, size_t len, uint8_t out[CW_SHA256_LEN]);
/* HMAC-SHA256(key, data) into out (32 bytes). */
void cw_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                    uint8_t out[CW_SHA256_LEN]);
/* HKDF-SHA256 (RFC 5869): okm_len bytes into okm from ikm, salt (may be NULL/0) and info. 0 or -1. */
int cw_hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
                   const void *info, size_t info_len, uint8_t *okm, size_t okm_len);

/* AES-256-GCM seal: out gets len bytes of ciphertext followed by the 16-byte tag; aad may be NULL/0. 0 or -1. */
int cw_aead_seal(const uint8_t key[CW_AES256_KEY_LEN], const uint8_t nonce[CW_GCM_NONCE_LEN],
                 const void *aad, size_t aad_len, const void *plain, size_t len, uint8_t *out);
/* AES-256-GCM open of in (ciphertext || tag, in_len >= 16) into out (in_len - 16 bytes); -1 if the tag does not verify (out is then zeroed). */
int cw_aead_open(const uint8_t key[CW_AES256_KEY_LEN], const uint8_t nonce[CW_GCM_NONCE_LEN],
                 const void *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);

/* A P-256 key pair for signing checkpoints. */
typedef struct cw_p256_key cw_p256_key;
/* Generate a new key; NULL on failure. */
cw_p256_key *cw_p256_generate(void);
/* Load a private key from its 32-byte big-endian scalar; NULL if invalid. */
cw_p256_key *cw_p256_from_private(const uint8_t d[32]);
/* The 32-byte private scalar (to store it, 0600). */
void cw_p256_private(const cw_p256_key *k, uint8_t d[32]);
/* The uncompressed public key (65 bytes). */
void cw_p256_public(const cw_p256_key *k, uint8_t pub[CW_P256_PUB_LEN]);
/* Deterministic ECDSA (RFC 6979) over SHA-256 of msg; DER signature into sig, its length in *siglen. 0 or -1. */
int cw_p256_sign(const cw_p256_key *k, const void *msg, size_t len, uint8_t sig[CW_P256_SIG_MAX],
                 size_t *siglen);
/* Verify a DER signature over SHA-256 of msg with a public key alone; 1 valid, 0 not (also for a malformed key or signature). */
int cw_p256_verify(const uint8_t pub[CW_P256_PUB_LEN], const void *msg, size_t len,
                   const uint8_t *sig, size_t siglen);
/* Free a key (its private scalar is wiped). */
void cw_p256_free(cw_p256_key *k);

/* Memory for keys: page-aligned, locked in RAM (*locked 1, or 0 when RLIMIT_MEMLOCK is
 * used up), left out of core dumps, zero-filled; NULL if out of memory. */
void *cw_secmem_alloc(size_t n, int *locked);
/* Wipe and release memory from cw_secmem_alloc (n as given there). */
void cw_secmem_free(void *p, size_t n);
/* No core files for this process (RLIMIT_CORE 0); 0 or -1. */
int cw_secmem_no_core_dumps(void);

/* Overwrite n bytes at p with zeros in a way the compiler cannot remove. */
void cw_wipe(void *p, size_t n);

#endif
