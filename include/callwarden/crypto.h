/* crypto.h  The cryptography callwarden uses, all of it from mbedTLS: hashing today;
 * the ledger's and vault's ciphers and signatures join here (G4). */
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

#endif
