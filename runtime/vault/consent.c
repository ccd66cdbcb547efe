/* consent.c  Consent keys (G5): every consent has a random key of its own, and
 * withdrawing the consent destroys that key.
 *
 * An artifact's key is derived from its consent's key (seal.c), not from its subject's,
 * so a withdrawal crypto-shreds exactly that consent's content: a backup of content.db
 * or blobs/ taken before the withdrawal no longer opens with the keys that are left,
 * while the subject's other consents keep theirs. The key is made on the first put
 * under the consent and lives only in keys.db, wrapped (AES-256-GCM) under the
 * subject's consent-wrapping key, HKDF-SHA256(ikm = subject key, info =
 * "callwarden-vault-consent-kek"), with AAD consent_id || NUL || subject_ref || NUL. So
 * destroying the subject's key alone already shreds all of its consents (erasure also
 * destroys their wrapped keys, in the same transaction), and a wrapped key copied into
 * the row of another consent or subject does not open.
 *
 * A consent belongs to one subject, the one of its first put: a put under the same
 * consent id for another subject is refused, and so is one under a withdrawn consent.
 */
#include <stdio.h>
#include <string.h>

#include "callwarden/error.h"
#include "vault_int.h"

#define CONSENT_AAD_MAX (CW_VAULT_CONSENT_LEN + CW_VAULT_REF_LEN)

/* The consent-wrapping key of the subject in v->sec->subject_key into v->sec->consent_kek. */
static int wrapping_key(cw_vault *v)
{
    return cw_hkdf_sha256(NULL, 0, v->sec->subject_key, CW_AES256_KEY_LEN,
                          VAULT_INFO_CONSENT_KEK, sizeof VAULT_INFO_CONSENT_KEK - 1,
                          v->sec->consent_kek, CW_AES256_KEY_LEN);
}

/* consent_id || NUL || subject_ref || NUL into aad; its length (both were checked). */
static size_t consent_aad(uint8_t aad[CONSENT_AAD_MAX], const char *consent_id,
                          const char *subject_ref)
{
    size_t cl = strlen(consent_id) + 1, sl = strlen(subject_ref) + 1;
    memcpy(aad, consent_id, cl);
    memcpy(aad + cl, subject_ref, sl);
    return cl + sl;
}

/* Unwrap row c's key into v->sec->consent_key. 0, or -1 with err. */
static int unwrap(cw_vault *v, const cw_store_consent *c, char *err, size_t errlen)
{
    uint8_t aad[CONSENT_AAD_MAX];
    size_t aad_len = consent_aad(aad, c->consent_id, c->subject_ref);
    int rc = wrapping_key(v) == 0 &&
             vault_unseal(v->sec->consent_kek, aad, aad_len, c->key_wrapped,
                          c->key_wrapped_len, v->sec->consent_key) == 0 ? 0 : -1;
    cw_wipe(v->sec->consent_kek, CW_AES256_KEY_LEN);
    if (rc != 0) {
        cw_wipe(v->sec->consent_key, CW_AES256_KEY_LEN);
        return cw_error(err, errlen, "consent %s: the wrapped key does not verify (keys.db "
                        "altered, or another tenant's master.key)", c->consent_id);
    }
    return 0;
}

/* A new consent row: a random key into v->sec->consent_key, wrapped, inserted durably.
 * 0 made; 1 the consent id was taken meanwhile (read it again); -1 with err. */
static int make(cw_vault *v, const char *consent_id, const char *subject_ref,
                int64_t now_ms, char *err, size_t errlen)
{
    cw_store_consent c;
    memset(&c, 0, sizeof c);
    snprintf(c.consent_id, sizeof c.consent_id, "%s", consent_id);
    snprintf(c.subject_ref, sizeof c.subject_ref, "%s", subject_ref);
    uint8_t aad[CONSENT_AAD_MAX];
    size_t aad_len = consent_aad(aad, consent_id, subject_ref);
    int rc = cw_random(v->sec->consent_key, CW_AES256_KEY_LEN) == 0 && wrapping_key(v) == 0 &&
             vault_seal(v->sec->consent_kek, aad, aad_len, v->sec->consent_key,
                        CW_AES256_KEY_LEN, c.key_wrapped) == 0 ? 0 : -1;
    cw_wipe(v->sec->consent_kek, CW_AES256_KEY_LEN);
    if (rc != 0) {
        cw_wipe(v->sec->consent_key, CW_AES256_KEY_LEN);
        return cw_error(err, errlen, "consent %s: cannot make its key", consent_id);
    }
    c.key_wrapped_len = CW_STORE_WRAPPED_KEY_LEN;
    c.created_ms = now_ms;
    rc = cw_store_keys_consent_insert(v->keys, &c, err, errlen);
    if (rc != 0)
        cw_wipe(v->sec->consent_key, CW_AES256_KEY_LEN);
    return rc;
}

/* An existing row c for subject_ref: its key into v->sec->consent_key. 0; 1 destroyed
 * (err says so); -1 another subject's consent, or a key that does not verify. */
static int use(cw_vault *v, const cw_store_consent *c, const char *subject_ref, char *err,
               size_t errlen)
{
    if (strcmp(c->subject_ref, subject_ref) != 0)
        return cw_error(err, errlen, "consent %s belongs to another data subject (a consent "
                        "is given by one subject; its artifacts are sealed under its "
                        "subject's keys)", c->consent_id);
    if (c->erased || c->key_wrapped_len == 0) {
        cw_error(err, errlen, "consent %s was withdrawn: its key is destroyed "
                 "(crypto-shredded)", c->consent_id);
        return 1;
    }
    return unwrap(v, c, err, errlen);
}

int vault_consent_make(cw_vault *v, const char *consent_id, const char *subject_ref,
                       int64_t now_ms, char *err, size_t errlen)
{
    cw_store_consent c;
    int rc = 1;
    /* a second handle may make the same consent between our read and our insert: then
     * the PRIMARY KEY refuses ours and the read finds theirs */
    for (int attempt = 0; rc == 1 && attempt < 2; attempt++) {
        rc = cw_store_keys_consent_get(v->keys, consent_id, &c, err, errlen);
        if (rc == 1) {
            rc = make(v, consent_id, subject_ref, now_ms, err, errlen);
        } else if (rc == 0) {
            rc = use(v, &c, subject_ref, err, errlen);
            if (rc == 1)
                return cw_error(err, errlen, "consent %s was withdrawn (its key is "
                                "destroyed): it takes no new content", consent_id);
        }
    }
    if (rc == 1)
        return cw_error(err, errlen, "consent look-up raced twice; try again");
    return rc;
}

int vault_consent_open(cw_vault *v, const char *consent_id, const char *subject_ref,
                       char *err, size_t errlen)
{
    cw_store_consent c;
    int rc = cw_store_keys_consent_get(v->keys, consent_id, &c, err, errlen);
    if (rc == 1)
        return cw_error(err, errlen, "corrupt: authentication failed: its row names consent "
                        "%s, which has no key in keys.db (the row's consent was altered, or "
                        "keys.db is older than the artifact)", consent_id);
    if (rc != 0)
        return -1;
    if (strcmp(c.subject_ref, subject_ref) != 0)
        return cw_error(err, errlen, "corrupt: authentication failed: its row names consent "
                        "%s of another subject (the row's subject or consent was altered)",
                        consent_id);
    return use(v, &c, subject_ref, err, errlen);
}
