/* get.c  Reading artifacts back: the content of one (for the caller's own request, an
 * export, the AI egress), or the metadata of many.
 *
 * Opening takes three keys (the subject's, its consent's, the artifact's) and checks
 * two things and names which failed: the SHA-256 of the sealed bytes against the one in
 * the row (and in the ledger), then the GCM tag, which also covers the row's id,
 * subject, consent, purpose, kind, created_ms and delete_after_ms (seal.c). An artifact
 * whose subject was erased or whose consent was withdrawn is reported as shredded (1),
 * not as an error: that is erasure working, also when the row or blob came back from a
 * backup. A row that names a consent keys.db does not know, or one of another subject,
 * was altered (or keys.db is older than it): -1.
 */
#include <stdlib.h>
#include <string.h>

#include "callwarden/error.h"
#include "vault_int.h"

void vault_meta_of(const cw_store_artifact *a, cw_vault_meta *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->id, a->id, sizeof m->id);
    memcpy(m->subject_ref, a->subject_ref, sizeof m->subject_ref);
    memcpy(m->consent_id, a->consent_id, sizeof m->consent_id);
    memcpy(m->purpose, a->purpose, sizeof m->purpose);
    memcpy(m->kind, a->kind, sizeof m->kind);
    m->created_ms = a->created_ms;
    m->delete_after_ms = a->delete_after_ms;
    m->size = a->size;
    memcpy(m->sha256_hex, a->sha256_hex, sizeof m->sha256_hex);
    m->in_blob = a->sealed_len == 0;          /* inline sealed bytes are never empty */
}

int cw_vault_get(cw_vault *v, const char *id, uint8_t **data, size_t *len,
                 cw_vault_meta *meta, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    if (!vault_ref_ok(id))
        return cw_error(err, errlen, "bad artifact id \"%.40s\"", id ? id : "");
    cw_store_artifact a;
    uint8_t *sealed = NULL;
    int rc = cw_store_content_get(v->content, id, &a, &sealed, err, errlen);
    if (rc == 1) {
        cw_error(err, errlen, "no artifact %s (never stored, expired or erased)", id);
        return 1;
    }
    if (rc != 0)
        return -1;
    if (meta) {
        vault_meta_of(&a, meta);
        meta->in_blob = sealed == NULL;
    }
    if (a.size > CW_VAULT_ITEM_MAX) {
        free(sealed);
        return cw_error(err, errlen, "artifact %s: size %llu in its row is impossible (the "
                        "row was altered)", id, (unsigned long long)a.size);
    }
    rc = vault_subject_key(v, a.subject_ref, err, errlen);
    if (rc != 0) {
        free(sealed);
        if (rc == 1)
            cw_error(err, errlen, "artifact %s: its subject's key is destroyed "
                     "(crypto-shredded): the content cannot be read", id);
        return rc;
    }
    char why[768];
    rc = vault_consent_open(v, a.consent_id, a.subject_ref, why, sizeof why);
    if (rc != 0) {
        vault_wipe_scratch(v);
        free(sealed);
        if (rc == 1) {
            cw_error(err, errlen, "artifact %s: %s: the content cannot be read", id, why);
            return 1;
        }
        return cw_error(err, errlen, "artifact %s: %s", id, why);
    }
    size_t sealed_len = (size_t)a.size + VAULT_SEAL_OVERHEAD;
    if (sealed && a.sealed_len != sealed_len)
        rc = cw_error(err, errlen, "artifact %s: %zu sealed bytes in its row, its size says "
                      "%zu (the row was altered)", id, a.sealed_len, sealed_len);
    if (rc == 0 && !sealed)
        rc = vault_blob_read(v, id, sealed_len, &sealed, err, errlen);
    char hex[CW_SHA256_HEX_LEN];
    if (rc == 0) {
        cw_sha256_hex_of(sealed, sealed_len, hex);
        if (strcmp(hex, a.sha256_hex) != 0)
            rc = cw_error(err, errlen, "artifact %s: corrupt: its sealed bytes do not match "
                          "their SHA-256 (stored content altered or damaged)", id);
    }
    uint8_t *plain = NULL;
    if (rc == 0 && !(plain = malloc(a.size ? (size_t)a.size : 1)))
        rc = cw_error(err, errlen, "artifact %s: out of memory", id);
    if (rc == 0) {
        uint8_t aad[VAULT_ITEM_AAD_MAX];
        size_t aad_len = vault_item_aad(aad, sizeof aad, &a);
        if (aad_len == 0 || vault_item_key(v, a.id) != 0 ||
            vault_unseal(v->sec->item_key, aad, aad_len, sealed, sealed_len, plain) != 0)
            rc = cw_error(err, errlen, "artifact %s: corrupt: authentication failed (GCM "
                          "tag): the sealed bytes or the row's subject, consent, purpose, "
                          "kind, created_ms or delete_after_ms were altered", id);
    }
    vault_wipe_scratch(v);
    free(sealed);
    if (rc != 0) {
        cw_vault_free_data(plain, a.size);
        return -1;
    }
    *data = plain;
    *len = (size_t)a.size;
    return 0;
}

typedef struct lister {
    int (*fn)(void *ud, const cw_vault_meta *m);
    void *ud;
} lister;

static int list_one(void *ud, const cw_store_artifact *a)
{
    lister *l = ud;
    cw_vault_meta m;
    vault_meta_of(a, &m);
    return l->fn(l->ud, &m);
}

int cw_vault_list(cw_vault *v, const char *subject_ref, const char *consent_id,
                  int (*fn)(void *ud, const cw_vault_meta *m), void *ud, char *err,
                  size_t errlen)
{
    cw_store_filter f = { subject_ref, consent_id, 0, 0, 0 };
    lister l = { fn, ud };
    return cw_store_content_select(v->content, &f, list_one, &l, err, errlen);
}
