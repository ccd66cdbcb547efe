/* aead.c  AES-256-GCM for the vault and the ledger's sealed fields (G4). The key schedule
 * lives only for one call: each call sets up a GCM context and frees (wipes) it.
 * A nonce must never repeat under one key; choosing nonces is the caller's job. */
#include <stdint.h>

#include <mbedtls/gcm.h>

#include "callwarden/crypto.h"

int cw_aead_seal(const uint8_t key[CW_AES256_KEY_LEN], const uint8_t nonce[CW_GCM_NONCE_LEN],
                 const void *aad, size_t aad_len, const void *plain, size_t len, uint8_t *out)
{
    mbedtls_gcm_context gcm;
    int rc;

    /* out holds len + 16 bytes: that sum must not wrap. mbedTLS itself rejects a
     * plaintext above GCM's limit of 2^36 - 32 bytes. */
    if (len > SIZE_MAX - CW_GCM_TAG_LEN)
        return -1;
    mbedtls_gcm_init(&gcm);
    rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, CW_AES256_KEY_LEN * 8);
    if (rc == 0)
        rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, nonce, CW_GCM_NONCE_LEN,
                                       aad, aad_len, plain, out, CW_GCM_TAG_LEN, out + len);
    mbedtls_gcm_free(&gcm);
    if (rc != 0) {
        cw_wipe(out, len + CW_GCM_TAG_LEN);
        return -1;
    }
    return 0;
}

/* mbedtls_gcm_auth_decrypt compares the tag in constant time and zeroes out when it does not
 * match; we zero out on every other error as well, so a caller never sees unverified bytes. */
int cw_aead_open(const uint8_t key[CW_AES256_KEY_LEN], const uint8_t nonce[CW_GCM_NONCE_LEN],
                 const void *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
    mbedtls_gcm_context gcm;
    size_t len;
    int rc;

    if (in_len < CW_GCM_TAG_LEN)
        return -1;
    len = in_len - CW_GCM_TAG_LEN;
    mbedtls_gcm_init(&gcm);
    rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, CW_AES256_KEY_LEN * 8);
    if (rc == 0)
        rc = mbedtls_gcm_auth_decrypt(&gcm, len, nonce, CW_GCM_NONCE_LEN, aad, aad_len,
                                      in + len, CW_GCM_TAG_LEN, in, out);
    mbedtls_gcm_free(&gcm);
    if (rc != 0) {
        cw_wipe(out, len);
        return -1;
    }
    return 0;
}
