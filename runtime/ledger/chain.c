/* chain.c  The ledger's key chain, as a verifier follows it (G4, key rotation).
 *
 * The first record names the log's first key, which the verifier must already trust
 * (from the key ring, or ledger.pub for an auditor). A KEY_ROTATED record, sealed under
 * the key in force, names the next key and its public key in its clear header. From
 * then on every record must name the new key; the old key may sign checkpoints only up
 * to the rotation record (a stolen retired key cannot extend the log), the new one
 * only from it; and a checkpoint of exactly the rotation's size signed by the old key
 * must exist, so the hand-over itself is vouched for by the key that was trusted.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "callwarden/checkpoint.h"
#include "ledger_int.h"

void cw_chain_init(cw_key_chain *c, const char *origin)
{
    memset(c, 0, sizeof *c);
    snprintf(c->origin, sizeof c->origin, "%s", origin);
}

int cw_chain_trust(cw_key_chain *c, const char *id, const uint8_t pub[CW_P256_PUB_LEN])
{
    if (c->ntrusted == CW_LEDGER_KEYS_MAX || strlen(id) >= 16)
        return -1;
    snprintf(c->trusted_id[c->ntrusted], 16, "%s", id);
    memcpy(c->trusted_pub[c->ntrusted], pub, CW_P256_PUB_LEN);
    c->ntrusted++;
    return 0;
}

static const uint8_t *trusted(const cw_key_chain *c, const char *id)
{
    for (unsigned i = 0; i < c->ntrusted; i++)
        if (strcmp(c->trusted_id[i], id) == 0)
            return c->trusted_pub[i];
    return NULL;
}

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

int cw_chain_record(cw_key_chain *c, uint64_t seq, const char *event_type,
                    const uint8_t *header, size_t len, char *why, size_t whylen)
{
    char id[16];
    if (cw_ledger_header_key(header, len, id) != 0)
        return refuse(why, whylen, "its header names no key");
    if (c->n == 0) {
        const uint8_t *pub = trusted(c, id);
        if (!pub)
            return refuse(why, whylen, "it is sealed under key %s, which is not trusted "
                          "(the log's first key must be)", id);
        memcpy(c->k[0].id, id, sizeof id);
        memcpy(c->k[0].pub, pub, CW_P256_PUB_LEN);
        c->k[0].from = 0;
        c->k[0].to = UINT64_MAX;
        c->n = 1;
    }
    cw_chain_key *cur = &c->k[c->n - 1];
    if (strcmp(id, cur->id) != 0)
        return refuse(why, whylen, "it names key %s, but key %s was in force", id, cur->id);
    char next[16];
    uint8_t pub[CW_P256_PUB_LEN];
    int hn = cw_ledger_header_next(header, len, next, pub);
    int rotation = strcmp(event_type, "KEY_ROTATED") == 0;
    if (hn < 0 || (rotation && hn == 0))
        return refuse(why, whylen, "a key rotation without a well-formed next key");
    if (!rotation && hn > 0)
        return refuse(why, whylen, "a \"next\" key line in a %s record", event_type);
    if (!rotation)
        return 0;
    for (unsigned i = 0; i < c->n; i++)
        if (strcmp(c->k[i].id, next) == 0)
            return refuse(why, whylen, "a rotation back to the earlier key %s", next);
    const uint8_t *known = trusted(c, next);
    if (known && memcmp(known, pub, CW_P256_PUB_LEN) != 0)
        return refuse(why, whylen, "a rotation to key %s with another public key than the "
                      "trusted one", next);
    if (c->n == CW_LEDGER_KEYS_MAX)
        return refuse(why, whylen, "more than the %d keys a chain may have",
                      CW_LEDGER_KEYS_MAX);
    cur->to = seq;
    cw_chain_key *nk = &c->k[c->n++];
    memset(nk, 0, sizeof *nk);
    memcpy(nk->id, next, sizeof next);
    memcpy(nk->pub, pub, CW_P256_PUB_LEN);
    nk->from = seq;
    nk->to = UINT64_MAX;
    return 0;
}

int cw_chain_checkpoint(cw_key_chain *c, const char *note, uint64_t *size, uint8_t root[32],
                        char *why, size_t whylen)
{
    char origin[CW_CHECKPOINT_NAME_MAX], name[CW_CHECKPOINT_NAME_MAX], w[160];
    for (unsigned i = 0; i < c->n; i++) {
        cw_chain_key *k = &c->k[i];
        snprintf(name, sizeof name, "%s-%s", c->origin, k->id);
        if (!cw_checkpoint_verify(note, name, k->pub, origin, sizeof origin, size, root, w,
                                  sizeof w))
            continue;
        if (strcmp(origin, c->origin) != 0)
            return refuse(why, whylen, "it is of another log (%s)", origin);
        if (*size < k->from || *size > k->to) {
            if (k->to == UINT64_MAX)
                snprintf(why, whylen, "it is signed by key %s, which may sign only from "
                         "size %" PRIu64 " on", k->id, k->from);
            else
                snprintf(why, whylen, "it is signed by the retired key %s, which may sign "
                         "only sizes %" PRIu64 " to %" PRIu64, k->id, k->from, k->to);
            return -1;
        }
        if (*size == k->to)
            k->handed_over = 1;
        return 0;
    }
    /* no key of the chain signed it: say why for the key in force */
    if (c->n == 0)
        return refuse(why, whylen, "there are no records, so no key is in force");
    snprintf(name, sizeof name, "%s-%s", c->origin, c->k[c->n - 1].id);
    cw_checkpoint_verify(note, name, c->k[c->n - 1].pub, origin, sizeof origin, size, root, w,
                         sizeof w);
    snprintf(why, whylen, "no key of the log's chain signed it (%s)", w);
    return -1;
}

int cw_chain_finish(cw_key_chain *c, void (*fn)(void *ud, uint64_t seq, const char *what),
                    void *ud)
{
    int n = 0;
    char what[160];
    for (unsigned i = 0; i + 1 < c->n; i++) {
        if (c->k[i].handed_over)
            continue;
        snprintf(what, sizeof what, "the rotation from key %s to %s is not covered by a "
                 "checkpoint of %s", c->k[i].id, c->k[i + 1].id, c->k[i].id);
        fn(ud, c->k[i].to, what);
        n++;
    }
    return n;
}
