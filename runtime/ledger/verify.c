/* verify.c  Checking a ledger file offline with its key (G4): every record where its
 * header says it is, its leaf as recomputed, its body authentic under the key with its
 * header as associated data; and the tree head over the records as they are. A
 * changed byte anywhere in a record, a deleted or reordered record, or another key
 * shows as a problem naming the record; a cut-off tail shows against the signed
 * checkpoints, and the key chain (chain.c) says which key may seal and sign what.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/checkpoint.h"
#include "callwarden/error.h"
#include "callwarden/merkle.h"
#include "callwarden/store.h"
#include "ledger_int.h"

typedef struct check {
    cw_body_keys *body_keys;
    cw_key_chain chain;
    cw_merkle tree;
    uint64_t expect;                   /* the next position */
    int problems;
    cw_ledger_problem_cb cb;
    void *ud;
    uint8_t *buf;
    size_t cap;
} check;

static void problem(check *c, uint64_t seq, const char *what)
{
    c->problems++;
    if (c->cb)
        c->cb(c->ud, seq, what);
}

/* The header's "seq N" and "event T" lines. */
static int header_says(const cw_store_record *r, uint64_t *seq, char *event, size_t cap)
{
    char h[CW_LEDGER_HEADER_MAX + 1];
    if (r->header_len == 0 || r->header_len > CW_LEDGER_HEADER_MAX)
        return -1;
    memcpy(h, r->header, r->header_len);
    h[r->header_len] = 0;
    const char *s = strstr(h, "\nseq "), *e = strstr(h, "\nevent ");
    if (strncmp(h, "callwarden-ledger/1\n", 20) != 0 || !s || !e ||
        sscanf(s + 5, "%" SCNu64, seq) != 1)
        return -1;
    size_t n = strcspn(e + 7, "\n");
    if (n >= cap)
        return -1;
    memcpy(event, e + 7, n);
    event[n] = 0;
    return 0;
}

static int check_record(void *ud, const cw_store_record *r)
{
    check *c = ud;
    char what[160];
    if (r->seq != c->expect) {
        snprintf(what, sizeof what, "records %" PRIu64 " to %" PRIu64 " are missing",
                 c->expect, r->seq - 1);
        problem(c, r->seq, what);
        c->expect = r->seq;
    }
    c->expect++;
    uint64_t hseq;
    char hevent[32];
    if (header_says(r, &hseq, hevent, sizeof hevent) != 0)
        problem(c, r->seq, "its header is not a ledger header");
    else if (hseq != r->seq)
        problem(c, r->seq, "its header says it is at another position (moved)");
    else if (strcmp(hevent, r->event_type) != 0)
        problem(c, r->seq, "its event type differs from its header's");
    char why[160];
    if (cw_chain_record(&c->chain, r->seq, r->event_type, r->header, r->header_len, why,
                        sizeof why) != 0)
        problem(c, r->seq, why);
    uint8_t leaf[32];
    cw_ledger_leaf(r->header, r->header_len, r->body, r->body_len, leaf);
    if (memcmp(leaf, r->leaf, sizeof leaf) != 0)
        problem(c, r->seq, "its leaf does not match its header and body");
    if (r->body_len > c->cap) {
        free(c->buf);
        c->cap = r->body_len * 2;
        c->buf = malloc(c->cap);
    }
    size_t n;
    const uint8_t *bk = cw_body_keys_for(c->body_keys, r->header, r->header_len);
    if (!bk)
        problem(c, r->seq, "it is sealed under a key the key file does not hold");
    else if (!c->buf || cw_ledger_open_body(bk, r->header, r->header_len, r->body,
                                            r->body_len, c->buf, &n) != 0)
        problem(c, r->seq, "its body does not authenticate (changed, or another key)");
    else
        cw_wipe(c->buf, n);
    if (cw_merkle_append(&c->tree, leaf) != 0)
        return 1;
    return 0;
}

/* One stored checkpoint against the key chain and the records as they are. */
static int check_checkpoint(void *ud, uint64_t size, const char *note)
{
    check *c = ud;
    char why[160], what[256];
    uint64_t csize;
    uint8_t croot[32], root[32];
    if (cw_chain_checkpoint(&c->chain, note, &csize, croot, why, sizeof why) != 0) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 ": %s", size, why);
        problem(c, size, what);
    } else if (csize != size) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 " is filed under another size",
                 size);
        problem(c, size, what);
    } else if (csize > c->tree.n) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 ": records %" PRIu64 " to %"
                 PRIu64 " are missing (cut off)", size, c->tree.n + 1, csize);
        problem(c, size, what);
    } else if (cw_merkle_root(&c->tree, csize, root) != 0 || memcmp(root, croot, 32) != 0) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 ": the records up to it are not "
                 "those it signed", size);
        problem(c, size, what);
    }
    return 0;
}

static void chain_problem(void *ud, uint64_t seq, const char *what)
{
    problem(ud, seq, what);
}

int cw_ledger_verify(const char *path, const cw_ledger_keys *keys, cw_ledger_problem_cb cb,
                     void *ud, uint64_t *size, uint8_t root[32], char *err, size_t errlen)
{
    check c;
    memset(&c, 0, sizeof c);
    c.expect = 1;
    c.cb = cb;
    c.ud = ud;
    cw_chain_init(&c.chain, keys->origin);
    for (unsigned i = 0; i < keys->n; i++) {
        uint8_t pub[CW_P256_PUB_LEN];
        if (cw_ledger_key_public(&keys->key[i], pub) != 0)
            return cw_error(err, errlen, "key %s of the ring is not usable", keys->key[i].id);
        cw_chain_trust(&c.chain, keys->key[i].id, pub);
    }
    c.body_keys = cw_body_keys_new(keys);
    if (!c.body_keys)
        return cw_error(err, errlen, "cannot derive the body keys");
    cw_store *s;
    if (cw_store_ledger_open(path, &s, err, errlen) != 0) {
        cw_body_keys_free(c.body_keys);
        return -1;
    }
    cw_merkle_init(&c.tree);
    int rc = cw_store_ledger_scan(s, 1, check_record, &c, err, errlen);
    if (rc == 0)
        rc = cw_store_checkpoint_scan(s, check_checkpoint, &c, err, errlen);
    if (rc == 0)
        cw_chain_finish(&c.chain, chain_problem, &c);
    cw_store_close(s);
    if (rc == 0) {
        *size = c.tree.n;
        cw_merkle_root(&c.tree, c.tree.n, root);
    }
    cw_merkle_free(&c.tree);
    free(c.buf);
    cw_body_keys_free(c.body_keys);
    return rc == 0 ? c.problems : -1;
}

typedef struct reader {
    cw_body_keys *body_keys;
    int (*fn)(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
              size_t len);
    void *ud;
    uint8_t *buf;
    size_t cap;
} reader;

static int read_record(void *ud, const cw_store_record *r)
{
    reader *rd = ud;
    if (r->body_len > rd->cap) {
        free(rd->buf);
        rd->cap = r->body_len * 2;
        rd->buf = malloc(rd->cap);
        if (!rd->buf)
            return 1;
    }
    size_t n = 0;
    const uint8_t *bk = cw_body_keys_for(rd->body_keys, r->header, r->header_len);
    int ok = bk && cw_ledger_open_body(bk, r->header, r->header_len, r->body, r->body_len,
                                       rd->buf, &n) == 0;
    int stop = rd->fn(rd->ud, r->seq, r->event_type, ok ? rd->buf : NULL, ok ? n : 0);
    if (ok)
        cw_wipe(rd->buf, n);
    return stop;
}

int cw_ledger_read(const char *path, const cw_ledger_keys *keys,
                   int (*fn)(void *ud, uint64_t seq, const char *event_type,
                             const uint8_t *body, size_t len),
                   void *ud, char *err, size_t errlen)
{
    return cw_ledger_read_from(path, keys, 1, fn, ud, err, errlen);
}

int cw_ledger_read_from(const char *path, const cw_ledger_keys *keys, uint64_t from,
                        int (*fn)(void *ud, uint64_t seq, const char *event_type,
                                  const uint8_t *body, size_t len),
                        void *ud, char *err, size_t errlen)
{
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.fn = fn;
    rd.ud = ud;
    rd.body_keys = cw_body_keys_new(keys);
    if (!rd.body_keys)
        return cw_error(err, errlen, "cannot derive the body keys");
    cw_store *s;
    if (cw_store_ledger_open(path, &s, err, errlen) != 0) {
        cw_body_keys_free(rd.body_keys);
        return -1;
    }
    int rc = cw_store_ledger_scan(s, from ? from : 1, read_record, &rd, err, errlen);
    cw_store_close(s);
    free(rd.buf);
    cw_body_keys_free(rd.body_keys);
    return rc;
}
