/* seal.c  How the vault seals things: AES-256-GCM with a random 96-bit nonce stored in
 * front of the ciphertext (nonce || ciphertext || tag), and the per-artifact key.
 *
 * Random nonces are safe here because every artifact has a key of its own: the item key
 * is HKDF-SHA256(ikm = consent key, salt = artifact id, info = "callwarden-vault-item/2"),
 * so a consent key never seals content directly, and one item key seals one artifact.
 * The consent key is the one withdrawal destroys (consent.c); it is wrapped under a key
 * derived from the subject key, which erasure destroys (subject.c). The numbers, subject
 * keys and consent keys sealed under longer-lived keys stay far below the 2^32 messages
 * per key that random 96-bit nonces allow.
 *
 * An artifact's AAD binds its sealed bytes to its whole row: id, subject ref, consent id,
 * purpose and kind, each followed by a NUL (none of them can hold one), then created_ms
 * and delete_after_ms as 8 bytes big-endian each, so that no two different rows give
 * the same bytes. Moving ciphertext to another row, subject, consent or purpose,
 * relabelling its kind or moving its retention date makes it fail to open: whoever can
 * write content.db cannot extend how long an artifact is kept without get saying so.
 */
#include <string.h>

#include "vault_int.h"

int vault_ref_ok(const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[32] == 0;
}

int vault_consent_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
            return 0;
    return n >= 1 && n < CW_VAULT_CONSENT_LEN;
}

int vault_seal(const uint8_t key[CW_AES256_KEY_LEN], const void *aad, size_t aad_len,
               const void *plain, size_t len, uint8_t *out)
{
    if (cw_random(out, CW_GCM_NONCE_LEN) != 0)
        return -1;
    return cw_aead_seal(key, out, aad, aad_len, plain, len, out + CW_GCM_NONCE_LEN);
}

int vault_unseal(const uint8_t key[CW_AES256_KEY_LEN], const void *aad, size_t aad_len,
                 const uint8_t *in, size_t in_len, uint8_t *out)
{
    if (in_len < VAULT_SEAL_OVERHEAD)
        return -1;
    return cw_aead_open(key, in, aad, aad_len, in + CW_GCM_NONCE_LEN,
                        in_len - CW_GCM_NONCE_LEN, out);
}

int vault_item_key(cw_vault *v, const char *id)
{
    return cw_hkdf_sha256(id, strlen(id), v->sec->consent_key, CW_AES256_KEY_LEN,
                          VAULT_INFO_ITEM, sizeof VAULT_INFO_ITEM - 1, v->sec->item_key,
                          CW_AES256_KEY_LEN);
}

/* v as 8 bytes big-endian (two's complement) at p. */
static void put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p[i] = (uint8_t)(u & 0xff);
}

size_t vault_item_aad(uint8_t *out, size_t cap, const cw_store_artifact *a)
{
    const char *parts[5] = { a->id, a->subject_ref, a->consent_id, a->purpose, a->kind };
    size_t n = 0;
    for (int i = 0; i < 5; i++) {
        size_t l = strlen(parts[i]) + 1;      /* with its NUL */
        if (l > cap - n)
            return 0;
        memcpy(out + n, parts[i], l);
        n += l;
    }
    if (cap - n < 16)
        return 0;
    put_be64(out + n, a->created_ms);
    put_be64(out + n + 8, a->delete_after_ms);
    return n + 16;
}

void vault_wipe_scratch(cw_vault *v)
{
    cw_wipe(v->sec->subject_key, CW_AES256_KEY_LEN);
    cw_wipe(v->sec->consent_kek, CW_AES256_KEY_LEN);
    cw_wipe(v->sec->consent_key, CW_AES256_KEY_LEN);
    cw_wipe(v->sec->item_key, CW_AES256_KEY_LEN);
}
