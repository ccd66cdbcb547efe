/* sha256.c  SHA-256 through mbedTLS, with a hex digest: the version of a tenant's
 * files, the cache key of rendered speech. */
#include <stdio.h>

#include "callwarden/crypto.h"

void cw_sha256_init(cw_sha256 *h)
{
    mbedtls_sha256_init(&h->ctx);
    mbedtls_sha256_starts_ret(&h->ctx, 0);
}

void cw_sha256_update(cw_sha256 *h, const void *data, size_t len)
{
    mbedtls_sha256_update_ret(&h->ctx, data, len);
}

void cw_sha256_hex(cw_sha256 *h, char hex[CW_SHA256_HEX_LEN])
{
    unsigned char d[CW_SHA256_LEN];
    mbedtls_sha256_finish_ret(&h->ctx, d);
    mbedtls_sha256_free(&h->ctx);
    cw_hex(d, CW_SHA256_LEN, hex);
}

void cw_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

void cw_sha256_hex_of(const void *data, size_t len, char hex[CW_SHA256_HEX_LEN])
{
    cw_sha256 h;
    cw_sha256_init(&h);
    cw_sha256_update(&h, data, len);
    cw_sha256_hex(&h, hex);
}
