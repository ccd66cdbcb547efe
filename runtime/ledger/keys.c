/* keys.c  The ledger's key ring in memory: on pages of its own that are locked in RAM
 * and left out of core dumps (cw_secmem), looked up by the key id a header names. The
 * body keys derived from it live the same way. */
#include <string.h>

#include "callwarden/log.h"
#include "ledger_int.h"

cw_ledger_keys *cw_ledger_keys_new(void)
{
    int locked = 0;
    cw_ledger_keys *ks = cw_secmem_alloc(sizeof *ks, &locked);
    if (ks && !locked)
        cw_log(CW_LOG_WARN, "ledger", "cannot lock the key ring in memory (RLIMIT_MEMLOCK); "
               "it is kept out of core dumps but may be swapped");
    return ks;
}

void cw_ledger_keys_free(cw_ledger_keys *ks)
{
    cw_secmem_free(ks, sizeof *ks);
}

const cw_ledger_key *cw_ledger_keys_find(const cw_ledger_keys *ks, const char *id)
{
    for (unsigned i = 0; i < ks->n; i++)
        if (strcmp(ks->key[i].id, id) == 0)
            return &ks->key[i];
    return NULL;
}

int cw_ledger_key_public(const cw_ledger_key *k, uint8_t pub[CW_P256_PUB_LEN])
{
    cw_p256_key *p = cw_p256_from_private(k->sign);
    if (!p)
        return -1;
    cw_p256_public(p, pub);
    cw_p256_free(p);
    return 0;
}

cw_body_keys *cw_body_keys_new(const cw_ledger_keys *ks)
{
    cw_body_keys *bk = cw_secmem_alloc(sizeof *bk, NULL);
    if (!bk)
        return NULL;
    for (unsigned i = 0; i < ks->n; i++) {
        memcpy(bk->id[i], ks->key[i].id, sizeof bk->id[i]);
        if (cw_ledger_body_key(&ks->key[i], bk->key[i]) != 0) {
            cw_body_keys_free(bk);
            return NULL;
        }
    }
    bk->n = ks->n;
    return bk;
}

const uint8_t *cw_body_keys_for(const cw_body_keys *bk, const uint8_t *header, size_t len)
{
    char id[16];
    if (cw_ledger_header_key(header, len, id) != 0)
        return NULL;
    for (unsigned i = 0; i < bk->n; i++)
        if (strcmp(bk->id[i], id) == 0)
            return bk->key[i];
    return NULL;
}

void cw_body_keys_free(cw_body_keys *bk)
{
    cw_secmem_free(bk, sizeof *bk);
}
