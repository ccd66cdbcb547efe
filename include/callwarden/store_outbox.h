/*
 * store_outbox.h  The webhook outbox's storage (runtime/store/sqlite_outbox.c): which
 * consent ledger records are to be posted to the tenant's CRM, and how far each got.
 * The records' contents stay in the ledger (sealed there, G4); the outbox holds only
 * positions, attempts and times, so a crash or restart loses no event and copies
 * none out of the ledger.
 *
 * A handle is used by one thread at a time (the outbox's worker jobs).
 */
#ifndef CALLWARDEN_STORE_OUTBOX_H
#define CALLWARDEN_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct cw_store_outbox cw_store_outbox;

/* One delivery: the ledger record it posts and its state. */
typedef struct cw_outbox_row {
    uint64_t seq;                   /* the ledger position */
    char event[24];
    unsigned attempts;
    int64_t next_ms;                /* not before (UTC ms) */
    int64_t delivered_ms;           /* 0: not yet */
    char last_error[128];
} cw_outbox_row;

/* Open (creating) the outbox at path: WAL, synchronous=FULL. 0, or -1 with err. */
int cw_store_outbox_open(const char *path, cw_store_outbox **out, char *err, size_t errlen);
void cw_store_outbox_close(cw_store_outbox *s);

/* The ledger position scanned up to (0 at first). */
int64_t cw_store_outbox_scanned(cw_store_outbox *s);

/* Durably, in one transaction: rows (n, due now) added, and the scan moved to seq.
 * 0, or -1 with err. */
int cw_store_outbox_add(cw_store_outbox *s, const cw_outbox_row *rows, size_t n,
                        uint64_t scanned_to, char *err, size_t errlen);

/* Up to max undelivered rows due at now_ms, oldest first. Returns how many, or -1. */
int cw_store_outbox_due(cw_store_outbox *s, int64_t now_ms, cw_outbox_row *rows, size_t max,
                        char *err, size_t errlen);

/* Durably: row seq delivered at delivered_ms (non-zero), or tried once more without
 * success (error, next try at next_ms). 0, or -1 with err. */
int cw_store_outbox_mark(cw_store_outbox *s, uint64_t seq, int64_t delivered_ms,
                         int64_t next_ms, const char *error, char *err, size_t errlen);

/* Counts: rows delivered and waiting. 0 or -1. */
int cw_store_outbox_counts(cw_store_outbox *s, uint64_t *delivered, uint64_t *waiting);

#endif
