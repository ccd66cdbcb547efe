/* hash.c  SHA-256, HMAC-SHA256 and HKDF-SHA256 over one buffer, through mbedTLS's md layer:
 * the ledger's chain hashes, its record MACs and the derivation of per-purpose keys (G4). */
#include <stdlib.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "callwarden/crypto.h"

/* SHA-256 is compiled into every mbedTLS build; NULL here means a broken install. */
static const mbedtls_md_info_t *sha256_info(void)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (md == NULL)
        abort();
    return md;
}

/* These two return void, so a failure cannot be reported: SHA-256 itself cannot fail, and
 * mbedtls_md_hmac fails only when its malloc does. A digest or MAC that silently came out as
 * garbage would corrupt the ledger's chain, so we stop instead. */
void cw_sha256_of(const void *data, size_t len, uint8_t out[CW_SHA256_LEN])
{
    if (mbedtls_md(sha256_info(), data, len, out) != 0)
        abort();
}

void cw_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                    uint8_t out[CW_SHA256_LEN])
{
    if (mbedtls_md_hmac(sha256_info(), key, keylen, data, len, out) != 0)
        abort();
}

/* mbedtls_hkdf accepts salt NULL/0 (RFC 5869: a string of HashLen zeros) and rejects
 * okm_len > 255 * 32; on any error the partial output is wiped. */
int cw_hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
                   const void *info, size_t info_len, uint8_t *okm, size_t okm_len)
{
    if (mbedtls_hkdf(sha256_info(), salt, salt_len, ikm, ikm_len, info, info_len,
                     okm, okm_len) != 0) {
        cw_wipe(okm, okm_len);
        return -1;
    }
    return 0;
}
