/* ecdsa.c  P-256 ECDSA for the ledger's signed checkpoints (G4): keys, deterministic
 * signatures, verification with a public key alone.
 *
 * Nonces. Debian's mbedTLS 2.28 defines MBEDTLS_ECDSA_DETERMINISTIC in
 * /usr/include/mbedtls/config.h (and neither MBEDTLS_ECDSA_SIGN_ALT nor _VERIFY_ALT), so
 * mbedtls_ecdsa_write_signature derives the nonce k by RFC 6979 from the private key and
 * the hash, with an HMAC-DRBG; the f_rng we pass is used only to blind the scalar
 * multiplication against side channels, and does not change the signature. Passing NULL
 * there would make 2.28 derive the blinding from the key too (deprecated): we pass
 * cw_random. test_crypto checks the RFC 6979 A.2.5 vector, so a build without
 * MBEDTLS_ECDSA_DETERMINISTIC (random k) fails the test rather than going unnoticed.
 *
 * Const. mbedTLS takes the key non-const because the first multiplication by the base point
 * caches a precomputed table in the key's group (MBEDTLS_ECP_FIXED_POINT_OPTIM). Both
 * constructors here do that multiplication (Q = d*G), so afterwards signing only reads
 * the key, and cw_p256_sign can honestly take a const key. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>

#include "callwarden/crypto.h"

_Static_assert(MBEDTLS_ECDSA_MAX_SIG_LEN(256) == CW_P256_SIG_MAX, "DER size of a P-256 signature");

struct cw_p256_key {
    mbedtls_ecdsa_context ec;           /* group, private scalar d, public point Q */
};

/* The f_rng of mbedTLS on top of cw_random, for key generation and blinding. */
static int p256_rng(void *unused, unsigned char *out, size_t n)
{
    return cw_random(out, n) == 0 ? 0 : MBEDTLS_ERR_ECP_RANDOM_FAILED;
}

cw_p256_key *cw_p256_generate(void)
{
    cw_p256_key *k = calloc(1, sizeof *k);

    if (k == NULL)
        return NULL;
    mbedtls_ecdsa_init(&k->ec);
    if (mbedtls_ecdsa_genkey(&k->ec, MBEDTLS_ECP_DP_SECP256R1, p256_rng, NULL) != 0) {
        cw_p256_free(k);
        return NULL;
    }
    return k;
}

/* mbedtls_ecp_read_key loads the group and checks 1 <= d < n; the public point is then
 * recomputed, which also fills the group's table for G (see the top of the file). */
cw_p256_key *cw_p256_from_private(const uint8_t d[32])
{
    cw_p256_key *k = calloc(1, sizeof *k);

    if (k == NULL)
        return NULL;
    mbedtls_ecdsa_init(&k->ec);
    if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_SECP256R1, &k->ec, d, 32) != 0 ||
        mbedtls_ecp_mul(&k->ec.grp, &k->ec.Q, &k->ec.d, &k->ec.grp.G, p256_rng, NULL) != 0) {
        cw_p256_free(k);
        return NULL;
    }
    return k;
}

/* d < n < 2^256 always fits; on the impossible failure d is left zeroed, not half-written. */
void cw_p256_private(const cw_p256_key *k, uint8_t d[32])
{
    if (mbedtls_mpi_write_binary(&k->ec.d, d, 32) != 0)
        cw_wipe(d, 32);
}

void cw_p256_public(const cw_p256_key *k, uint8_t pub[CW_P256_PUB_LEN])
{
    size_t olen = 0;

    if (mbedtls_ecp_point_write_binary(&k->ec.grp, &k->ec.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                       &olen, pub, CW_P256_PUB_LEN) != 0 ||
        olen != CW_P256_PUB_LEN)
        cw_wipe(pub, CW_P256_PUB_LEN);  /* all zeros is no valid point: verify says 0 */
}

/* The header of mbedtls_ecdsa_write_signature asks for 2 * 32 + 9 = 73 bytes for P-256,
 * one more than a DER P-256 signature can take; we sign into a buffer of the size it asks
 * for and copy, rather than trust the implementation to stay within 72. */
int cw_p256_sign(const cw_p256_key *k, const void *msg, size_t len, uint8_t sig[CW_P256_SIG_MAX],
                 size_t *siglen)
{
    uint8_t hash[CW_SHA256_LEN];
    unsigned char der[MBEDTLS_ECDSA_MAX_LEN];
    size_t n = 0;
    int rc;

    *siglen = 0;
    cw_sha256_of(msg, len, hash);
    /* the cast drops const only for mbedTLS's prototype; see the top of the file */
    rc = mbedtls_ecdsa_write_signature((mbedtls_ecdsa_context *)&k->ec, MBEDTLS_MD_SHA256,
                                       hash, sizeof hash, der, &n, p256_rng, NULL);
    if (rc != 0 || n > CW_P256_SIG_MAX)
        return -1;
    memcpy(sig, der, n);
    *siglen = n;
    return 0;
}

/* Every failure, a malformed key or signature included, is the answer 0: a caller checking a
 * checkpoint has only "valid" or "not valid" to act on. read_signature also rejects trailing
 * bytes after the DER sequence and r or s outside [1, n-1]. */
int cw_p256_verify(const uint8_t pub[CW_P256_PUB_LEN], const void *msg, size_t len,
                   const uint8_t *sig, size_t siglen)
{
    mbedtls_ecdsa_context ec;
    uint8_t hash[CW_SHA256_LEN];
    int ok;

    if (sig == NULL || siglen == 0 || siglen > CW_P256_SIG_MAX)
        return 0;
    cw_sha256_of(msg, len, hash);
    mbedtls_ecdsa_init(&ec);
    ok = mbedtls_ecp_group_load(&ec.grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
         mbedtls_ecp_point_read_binary(&ec.grp, &ec.Q, pub, CW_P256_PUB_LEN) == 0 &&
         mbedtls_ecp_check_pubkey(&ec.grp, &ec.Q) == 0 &&
         mbedtls_ecdsa_read_signature(&ec, hash, sizeof hash, sig, siglen) == 0;
    mbedtls_ecdsa_free(&ec);
    return ok;
}

/* mbedtls_ecdsa_free frees d through mbedtls_mpi_free, which zeroizes its limbs. */
void cw_p256_free(cw_p256_key *k)
{
    if (k == NULL)
        return;
    mbedtls_ecdsa_free(&k->ec);
    cw_wipe(k, sizeof *k);
    free(k);
}
