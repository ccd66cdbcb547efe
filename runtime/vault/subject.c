/* subject.c  Data subjects (G5): a caller is a random subject ref with a random key of
 * its own, and that key is what erasure destroys. The keys of the subject's consents
 * are wrapped under a key derived from it (consent.c), so with it they are gone too.
 *
 * The phone number is never stored in clear. keys.db holds it twice, for two jobs: as
 * a blind index, HMAC-SHA256 under the index key, to find the subject again when the
 * same number calls; and sealed under the number key (AAD = the subject ref), to give
 * it back in a subject access export. The subject key is wrapped under the KEK with the
 * subject ref as AAD, so a wrapped key copied into another row does not open.
 *
 * A withheld caller cannot be recognised and gets a new subject, with a key of its
 * own, on every call. An erased subject's index is gone, so when its caller rings again
 * a new subject is made: nothing links the new one to the erased one.
 */
#include <string.h>

#include "callwarden/error.h"
#include "vault_int.h"

/* Make a new subject row for a normalised number (NULL: withheld). 0 made; 1 the index
 * was taken meanwhile (look it up again); -1 with err. */
static int make(cw_vault *v, const char *number, const uint8_t *index, int64_t now_ms,
                char ref[CW_VAULT_REF_LEN], char *err, size_t errlen)
{
    cw_store_subject s;
    memset(&s, 0, sizeof s);
    if (cw_random_hex(s.ref, 16) != 0 ||
        cw_random(v->sec->subject_key, CW_AES256_KEY_LEN) != 0)
        return cw_error(err, errlen, "cannot make a subject (no randomness)");
    int rc = vault_seal(v->sec->kek, s.ref, 32, v->sec->subject_key, CW_AES256_KEY_LEN,
                        s.key_wrapped);
    cw_wipe(v->sec->subject_key, CW_AES256_KEY_LEN);
    s.key_wrapped_len = CW_STORE_WRAPPED_KEY_LEN;
    if (rc == 0 && number) {
        size_t nl = strlen(number);
        memcpy(s.index, index, CW_STORE_INDEX_LEN);
        s.has_index = 1;
        rc = vault_seal(v->sec->number_key, s.ref, 32, number, nl, s.number_sealed);
        s.number_sealed_len = nl + VAULT_SEAL_OVERHEAD;
    }
    if (rc != 0)
        return cw_error(err, errlen, "cannot seal a new subject's key");
    s.created_ms = now_ms;
    rc = cw_store_keys_insert(v->keys, &s, err, errlen);
    if (rc == 0)
        memcpy(ref, s.ref, CW_VAULT_REF_LEN);
    return rc;
}

/* The number's index under the index key. */
static void index_of(cw_vault *v, const char *number, uint8_t out[CW_STORE_INDEX_LEN])
{
    cw_hmac_sha256(v->sec->index_key, CW_AES256_KEY_LEN, number, strlen(number), out);
}

int cw_vault_subject(cw_vault *v, const char *number, int64_t now_ms,
                     char ref[CW_VAULT_REF_LEN], char *err, size_t errlen)
{
    char norm[CW_VAULT_NUMBER_LEN];
    int rc = vault_number_normalise(number, norm, err, errlen);
    if (rc < 0) {
        cw_wipe(norm, sizeof norm);
        return -1;
    }
    if (rc == 1)
        return make(v, NULL, NULL, now_ms, ref, err, errlen) == 0 ? 0 : -1;
    uint8_t index[CW_STORE_INDEX_LEN];
    index_of(v, norm, index);
    /* a second handle may make the same subject between our look-up and our insert:
     * then the UNIQUE index refuses ours and the look-up finds theirs */
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = cw_store_keys_find(v->keys, index, ref, err, errlen);
        if (rc == 1)
            rc = make(v, norm, index, now_ms, ref, err, errlen);
        if (rc != 1)
            break;
    }
    cw_wipe(norm, sizeof norm);
    if (rc == 1)
        return cw_error(err, errlen, "subject look-up raced twice; try again");
    return rc;
}

int cw_vault_find_subject(cw_vault *v, const char *number, char ref[CW_VAULT_REF_LEN],
                          char *err, size_t errlen)
{
    char norm[CW_VAULT_NUMBER_LEN];
    int rc = vault_number_normalise(number, norm, err, errlen);
    if (rc < 0) {
        cw_wipe(norm, sizeof norm);
        return -1;
    }
    if (rc == 1) {
        cw_error(err, errlen, "a withheld number has no subject to find");
        return 1;
    }
    uint8_t index[CW_STORE_INDEX_LEN];
    index_of(v, norm, index);
    cw_wipe(norm, sizeof norm);
    rc = cw_store_keys_find(v->keys, index, ref, err, errlen);
    if (rc == 1)
        cw_error(err, errlen, "no subject with that number");
    return rc;
}

int cw_vault_subject_number(cw_vault *v, const char *ref, char *number, size_t cap,
                            char *err, size_t errlen)
{
    if (!vault_ref_ok(ref))
        return cw_error(err, errlen, "bad subject ref \"%.40s\"", ref ? ref : "");
    cw_store_subject s;
    int rc = cw_store_keys_get(v->keys, ref, &s, err, errlen);
    if (rc != 0) {
        if (rc == 1)
            cw_error(err, errlen, "no subject %s", ref);
        return rc;
    }
    if (s.erased || s.number_sealed_len == 0) {
        cw_error(err, errlen, "subject %s: %s", ref, s.erased ? "erased" : "number withheld");
        return 1;
    }
    char plain[CW_VAULT_NUMBER_LEN];
    size_t len = s.number_sealed_len - VAULT_SEAL_OVERHEAD;
    if (s.number_sealed_len <= VAULT_SEAL_OVERHEAD || len >= sizeof plain ||
        vault_unseal(v->sec->number_key, ref, 32, s.number_sealed, s.number_sealed_len,
                     (uint8_t *)plain) != 0)
        return cw_error(err, errlen, "subject %s: the sealed number does not verify "
                        "(keys.db altered, or another tenant's master.key)", ref);
    plain[len] = 0;
    rc = len < cap ? 0 : cw_error(err, errlen, "subject %s: number buffer too small", ref);
    if (rc == 0)
        memcpy(number, plain, len + 1);
    cw_wipe(plain, sizeof plain);
    return rc;
}

int vault_subject_key(cw_vault *v, const char *ref, char *err, size_t errlen)
{
    cw_store_subject s;
    int rc = cw_store_keys_get(v->keys, ref, &s, err, errlen);
    if (rc == 1) {
        cw_error(err, errlen, "subject %s is unknown (its key is not in keys.db)", ref);
        return 1;
    }
    if (rc != 0)
        return -1;
    if (s.erased || s.key_wrapped_len == 0) {
        cw_error(err, errlen, "subject %s was erased: its key is destroyed (crypto-shredded)",
                 ref);
        return 1;
    }
    if (vault_unseal(v->sec->kek, ref, 32, s.key_wrapped, s.key_wrapped_len,
                     v->sec->subject_key) != 0)
        return cw_error(err, errlen, "subject %s: the wrapped key does not verify (keys.db "
                        "altered, or another tenant's master.key)", ref);
    return 0;
}
