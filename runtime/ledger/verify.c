/* verify.c  Checking a ledger file offline with its key (G4): every record where its
 * header says it is, its leaf as recomputed, its body authentic under the key with its
 * header as associated data; and the tree head over the records as they are. A
 * changed byte anywhere in a record, a deleted or reordered record, or another key
 * shows as a problem naming the record. (A cut-off tail needs a signed checkpoint to
 * show: the next step of issue 4.)
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
    uint8_t body_key[CW_AES256_KEY_LEN];
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
    if (!c->buf || cw_ledger_open_body(c->body_key, r->header, r->header_len, r->body,
                                       r->body_len, c->buf, &n) != 0)
        problem(c, r->seq, "its body does not authenticate (changed, or another key)");
    else
        cw_wipe(c->buf, n);
    if (cw_merkle_append(&c->tree, leaf) != 0)
        return 1;
    return 0;
}

typedef struct cp_check {
    check *c;
    uint8_t pub[CW_P256_PUB_LEN];
    char key_name[CW_CHECKPOINT_NAME_MAX];
    const char *origin;
    uint64_t count;
} cp_check;

/* One stored checkpoint against the records as they are. */
static int check_checkpoint(void *ud, uint64_t size, const char *note)
{
    cp_check *cc = ud;
    check *c = cc->c;
    char origin[CW_CHECKPOINT_NAME_MAX], why[160], what[256];
    uint64_t csize;
    uint8_t croot[32], root[32];
    cc->count++;
    if (!cw_checkpoint_verify(note, cc->key_name, cc->pub, origin, sizeof origin, &csize,
                              croot, why, sizeof why)) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 ": %s", size, why);
        problem(c, size, what);
    } else if (csize != size || strcmp(origin, cc->origin) != 0) {
        snprintf(what, sizeof what, "checkpoint at %" PRIu64 " is filed under another size "
                 "or log", size);
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

int cw_ledger_verify(const char *path, const cw_ledger_key *key, cw_ledger_problem_cb cb,
                     void *ud, uint64_t *size, uint8_t root[32], char *err, size_t errlen)
{
    check c;
    memset(&c, 0, sizeof c);
    c.expect = 1;
    c.cb = cb;
    c.ud = ud;
    if (cw_ledger_body_key(key, c.body_key) != 0)
        return cw_error(err, errlen, "cannot derive the body key");
    cw_store *s;
    if (cw_store_ledger_open(path, &s, err, errlen) != 0)
        return -1;
    cw_merkle_init(&c.tree);
    int rc = cw_store_ledger_scan(s, 1, check_record, &c, err, errlen);
    cp_check cc = { .c = &c, .origin = key->origin };
    cw_p256_key *signer = cw_p256_from_private(key->sign);
    if (rc == 0 && !signer)
        rc = cw_error(err, errlen, "the ledger's signing key is not usable");
    if (rc == 0) {
        cw_p256_public(signer, cc.pub);
        snprintf(cc.key_name, sizeof cc.key_name, "%s-%s", key->origin, key->id);
        rc = cw_store_checkpoint_scan(s, check_checkpoint, &cc, err, errlen);
    }
    cw_p256_free(signer);
    cw_store_close(s);
    if (rc == 0) {
        *size = c.tree.n;
        cw_merkle_root(&c.tree, c.tree.n, root);
    }
    cw_merkle_free(&c.tree);
    free(c.buf);
    cw_wipe(c.body_key, sizeof c.body_key);
    return rc == 0 ? c.problems : -1;
}

typedef struct reader {
    uint8_t body_key[CW_AES256_KEY_LEN];
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
    int ok = cw_ledger_open_body(rd->body_key, r->header, r->header_len, r->body,
                                 r->body_len, rd->buf, &n) == 0;
    int stop = rd->fn(rd->ud, r->seq, r->event_type, ok ? rd->buf : NULL, ok ? n : 0);
    if (ok)
        cw_wipe(rd->buf, n);
    return stop;
}

int cw_ledger_read(const char *path, const cw_ledger_key *key,
                   int (*fn)(void *ud, uint64_t seq, const char *event_type,
                             const uint8_t *body, size_t len),
                   void *ud, char *err, size_t errlen)
{
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.fn = fn;
    rd.ud = ud;
    if (cw_ledger_body_key(key, rd.body_key) != 0)
        return cw_error(err, errlen, "cannot derive the body key");
    cw_store *s;
    if (cw_store_ledger_open(path, &s, err, errlen) != 0)
        return -1;
    int rc = cw_store_ledger_scan(s, 1, read_record, &rd, err, errlen);
    cw_store_close(s);
    free(rd.buf);
    cw_wipe(rd.body_key, sizeof rd.body_key);
    return rc;
}
