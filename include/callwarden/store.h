/*
 * store.h  The one storage interface (DESIGN.md): every persistent record goes through
 * it, and no SQL stands outside its back ends. Today's back end is SQLite; the ledger
 * part is what exists so far (issue 4, first step): an append-only log of records,
 * each with a sequence number the store assigns, appended a batch per transaction.
 *
 * A store handle is used by one thread at a time (the ledger's writer thread).
 */
#ifndef CALLWARDEN_STORE_H
#define CALLWARDEN_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cw_store cw_store;

/* One ledger record. The store copies what it writes. */
typedef struct cw_store_record {
    uint64_t seq;                   /* 1, 2, ...: the log position, given by the writer */
    int64_t ts_ms;                  /* UTC milliseconds */
    char event_type[24];            /* "GIVEN", "WITHDRAWN", ... */
    char consent_id[40];            /* UUID text, "" if none */
    const uint8_t *header;          /* the clear, canonical header */
    size_t header_len;
    const uint8_t *body;            /* the body as stored (encrypted by the ledger) */
    size_t body_len;
    uint8_t leaf[32];               /* the record's Merkle leaf hash (set by the ledger) */
} cw_store_record;

/*
 * Open (creating) the ledger database at path: WAL, synchronous=FULL, secure_delete,
 * a busy timeout. Returns 0, or -1 with a reason in err (a corrupt or foreign file is
 * refused, never changed).
 */
int cw_store_ledger_open(const char *path, cw_store **out, char *err, size_t errlen);

/*
 * A write transaction (BEGIN IMMEDIATE: it waits for, and then excludes, every other
 * writer of the file, also in other processes): what is read inside it is the whole
 * log, and the positions appended at are free. Commit returns 0 once the transaction
 * is durable (synchronous=FULL); on -1 nothing of it was written. 0 or -1 with err.
 */
int cw_store_ledger_begin(cw_store *s, char *err, size_t errlen);
int cw_store_ledger_commit(cw_store *s, char *err, size_t errlen);
/* Undo the open transaction (none: nothing happens). */
void cw_store_ledger_rollback(cw_store *s);

/*
 * Append n records at the positions their seq names, with a signed checkpoint of
 * checkpoint_size records if checkpoint_note is not NULL: inside the open transaction,
 * or in one of their own (then durable on return 0). On -1 nothing of it was written
 * (the open transaction is rolled back) and err says why.
 */
int cw_store_ledger_append(cw_store *s, cw_store_record *recs, size_t n,
                           uint64_t checkpoint_size, const char *checkpoint_note, char *err,
                           size_t errlen);

/* The highest sequence number in the ledger (0 if empty), or -1 on error. */
int64_t cw_store_ledger_last_seq(cw_store *s);

/* Call fn for every record with seq >= from, in order, until fn returns non-zero.
 * The record's pointers are valid only during the call. Returns 0, or -1 with err. */
int cw_store_ledger_scan(cw_store *s, uint64_t from,
                         int (*fn)(void *ud, const cw_store_record *r), void *ud,
                         char *err, size_t errlen);

/* Store a signed checkpoint of the first size records, durably. 0, or -1 with err. */
int cw_store_checkpoint_put(cw_store *s, uint64_t size, const char *note, char *err,
                            size_t errlen);

/* Call fn for each stored checkpoint, by size, until fn returns non-zero. 0 or -1. */
int cw_store_checkpoint_scan(cw_store *s, int (*fn)(void *ud, uint64_t size,
                                                    const char *note),
                             void *ud, char *err, size_t errlen);

/* Close the handle. */
void cw_store_close(cw_store *s);

#endif
