/*
 * ledger.h  The consent ledger's writer (issue 4, first step): appends from the loop
 * thread, one writer thread that commits them in groups, and a callback on the loop
 * thread that runs only after COMMIT returned. That callback is what "durably
 * committed" means for G2: a consent may open the recording gate only from there.
 *
 * Encryption of the bodies, the Merkle tree and signed checkpoints (G4) build on this
 * in the next steps of issue 4; the records are opaque bytes here.
 */
#ifndef CALLWARDEN_LEDGER_H
#define CALLWARDEN_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct cw_ledger cw_ledger;

/* ok 1: durable at log position seq; ok 0: not written, err says why. Runs on the
 * loop thread, exactly once per accepted append (also when the ledger closes). */
typedef void (*cw_ledger_cb)(void *ud, int ok, uint64_t seq, const char *err);

/* What to append; the ledger copies it. */
typedef struct cw_ledger_event {
    int64_t ts_ms;
    const char *event_type;         /* "GIVEN", ...: at most 23 bytes */
    const char *consent_id;         /* at most 39 bytes, "" or NULL for none */
    const void *header;
    size_t header_len;
    const void *body;
    size_t body_len;
} cw_ledger_event;

typedef struct cw_ledger_opts {
    unsigned window_us;             /* gather a group this long after its first append */
    unsigned max_batch;             /* records per transaction at most */
} cw_ledger_opts;

typedef struct cw_ledger_stats {
    uint64_t appended, failed, batches, max_batch;
} cw_ledger_stats;

/* Open the ledger file at path and start its writer thread; opts NULL for defaults
 * (1000 us, 4096). Returns 0, or -1 with a reason in err. */
int cw_ledger_open(uv_loop_t *loop, const char *path, const cw_ledger_opts *opts,
                   cw_ledger **out, char *err, size_t errlen);

/* Queue ev; cb(ud, ...) runs on the loop once it is committed (or failed). Returns 0,
 * or -1 (closing, out of memory, event_type/consent_id too long: cb never runs). */
int cw_ledger_append(cw_ledger *lg, const cw_ledger_event *ev, cw_ledger_cb cb, void *ud);

/* Counters, read on the loop thread. */
cw_ledger_stats cw_ledger_get_stats(cw_ledger *lg);

/* Commit what is queued, stop the writer, run the last callbacks, then done(ud) once
 * the ledger is freed. */
void cw_ledger_close(cw_ledger *lg, void (*done)(void *ud), void *ud);

#endif
