/* put.c  Storing an artifact (G7: it must say when it is to be deleted).
 *
 * The bytes are sealed under the artifact's own key, derived from its consent's key,
 * with its whole row (expiry and kind included) as AAD (seal.c), before anything is
 * written; the store never sees plaintext. The first put under a consent makes that
 * consent's key and binds the consent to its subject (consent.c); a put under a
 * withdrawn consent, or under another subject's, is refused.
 *
 * Up to CW_VAULT_INLINE_MAX bytes go into the row; larger ones into a blob file that is
 * durable before the row naming it commits, so a row never names a file that is not
 * there. A crash between the two leaves an orphan blob, which the sweeper removes
 * (sweep.c); a failure after the consent key was made leaves that key without content,
 * which withdrawal destroys like any other. The SHA-256 of the sealed bytes is the
 * evidence reference the caller puts into the consent ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/error.h"
#include "vault_int.h"

/* 1 if s has 1..max characters, each a lower-case letter, a digit or one of extra. */
static int word_ok(const char *s, size_t max, const char *extra)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(extra, c)))
            return 0;
    }
    return n >= 1 && n <= max;
}

static int check_item(const cw_vault_item *it, size_t len, char *err, size_t errlen)
{
    if (!vault_ref_ok(it->subject_ref))
        return cw_error(err, errlen, "bad subject ref \"%.40s\"",
                        it->subject_ref ? it->subject_ref : "");
    if (!vault_consent_ok(it->consent_id))
        return cw_error(err, errlen, "bad consent id \"%.40s\" (expected [A-Za-z0-9-]{1,39})",
                        it->consent_id ? it->consent_id : "");
    if (!word_ok(it->purpose, CW_VAULT_PURPOSE_LEN - 1, "_"))
        return cw_error(err, errlen, "bad purpose \"%.40s\" (expected [a-z0-9_]{1,32})",
                        it->purpose ? it->purpose : "");
    if (!word_ok(it->kind, CW_VAULT_KIND_LEN - 1, "_./+-"))
        return cw_error(err, errlen, "bad kind \"%.70s\" (expected [a-z0-9_./+-]{1,63})",
                        it->kind ? it->kind : "");
    if (it->id && !vault_ref_ok(it->id))
        return cw_error(err, errlen, "bad artifact id \"%.40s\" (expected [0-9a-f]{32})",
                        it->id);
    if (it->delete_after_ms <= 0)
        return cw_error(err, errlen, "an artifact without an expiry is refused "
                        "(delete_after_ms missing; G7)");
    if (it->delete_after_ms <= it->created_ms)
        return cw_error(err, errlen, "delete_after_ms %lld is not after created_ms %lld",
                        (long long)it->delete_after_ms, (long long)it->created_ms);
    if (len > CW_VAULT_ITEM_MAX)
        return cw_error(err, errlen, "artifact of %zu bytes: more than the %zu allowed", len,
                        CW_VAULT_ITEM_MAX);
    return 0;
}

int cw_vault_put(cw_vault *v, const cw_vault_item *item, const void *data, size_t len,
                 char id[CW_VAULT_REF_LEN], char sha256_hex[CW_VAULT_SHA256_HEX_LEN],
                 char *err, size_t errlen)
{
    if (check_item(item, len, err, errlen) != 0)
        return -1;
    if (!data && len > 0)
        return cw_error(err, errlen, "no data");
    int rc = vault_subject_key(v, item->subject_ref, err, errlen);
    if (rc != 0)
        return -1;              /* an erased or unknown subject takes no new content */
    /* the consent's key, made on its first put (created_ms: that of this artifact) */
    if (vault_consent_make(v, item->consent_id, item->subject_ref, item->created_ms, err,
                           errlen) != 0) {
        vault_wipe_scratch(v);
        return -1;
    }

    /* the row first: its metadata is the AAD the bytes are sealed with */
    cw_store_artifact a;
    memset(&a, 0, sizeof a);
    snprintf(a.subject_ref, sizeof a.subject_ref, "%s", item->subject_ref);
    snprintf(a.consent_id, sizeof a.consent_id, "%s", item->consent_id);
    snprintf(a.purpose, sizeof a.purpose, "%s", item->purpose);
    snprintf(a.kind, sizeof a.kind, "%s", item->kind);
    a.created_ms = item->created_ms;
    a.delete_after_ms = item->delete_after_ms;
    a.size = len;
    uint8_t aad[VAULT_ITEM_AAD_MAX];
    size_t aad_len = 0;
    size_t sealed_len = len + VAULT_SEAL_OVERHEAD;
    uint8_t *sealed = malloc(sealed_len);
    if (!sealed)
        rc = cw_error(err, errlen, "out of memory for %zu bytes", sealed_len);
    if (rc == 0 && item->id)
        snprintf(a.id, sizeof a.id, "%s", item->id);
    else if (rc == 0 && cw_random_hex(a.id, 16) != 0)
        rc = cw_error(err, errlen, "no randomness");
    if (rc == 0) {
        aad_len = vault_item_aad(aad, sizeof aad, &a);
        if (vault_item_key(v, a.id) != 0 || aad_len == 0 ||
            vault_seal(v->sec->item_key, aad, aad_len, data, len, sealed) != 0)
            rc = cw_error(err, errlen, "cannot seal the artifact");
    }
    vault_wipe_scratch(v);
    if (rc != 0) {
        free(sealed);
        return -1;
    }

    cw_sha256_hex_of(sealed, sealed_len, a.sha256_hex);
    int in_blob = len > CW_VAULT_INLINE_MAX;
    if (in_blob) {
        rc = vault_blob_write(v, a.id, sealed, sealed_len, err, errlen);
    } else {
        a.sealed = sealed;
        a.sealed_len = sealed_len;
    }
    if (rc == 0 && cw_store_content_insert(v->content, &a, err, errlen) != 0) {
        rc = -1;
        if (in_blob) {
            char path[CW_PATH_LEN];
            if (vault_blob_path(v, a.id, ".bin", path) == 0)
                vault_blob_destroy(path, NULL, 0);
        }
    }
    free(sealed);
    if (rc != 0)
        return -1;
    memcpy(id, a.id, CW_VAULT_REF_LEN);
    memcpy(sha256_hex, a.sha256_hex, CW_VAULT_SHA256_HEX_LEN);
    return 0;
}
