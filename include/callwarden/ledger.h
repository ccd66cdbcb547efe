/*
 * ledger.h  The consent ledger's writer: appends from the loop
 * thread, one writer thread that commits them in groups, and a callback on the loop
 * thread that runs only after COMMIT returned. That callback is what "durably
 * committed" means for G2: a consent may open the recording gate only from there.
 *
 * Each record is sealed in the writer thread (runtime/ledger/record.c): a clear
 * canonical header (position, event, ids, time, key id), the body encrypted with
 * AES-256-GCM under a key derived from the tenant's ledger key with the header as
 * associated data, and an RFC 6962 Merkle leaf over the header and the SHA-256 of the
 * sealed body; signed checkpoints of the tree head every so many records.
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

/* What to append; the ledger copies it, and seals the body. */
typedef struct cw_ledger_event {
    int64_t ts_ms;
    const char *event_type;         /* "GIVEN", ...: at most 23 bytes of [A-Z_] */
    const char *consent_id;         /* a UUID, "" or NULL for none */
    const char *refers_to;          /* the event this one refers to, "" or NULL */
    const void *body;               /* the record's content in clear; sealed */
    size_t body_len;
} cw_ledger_event;

/* One ledger key: its id (in every header it seals), the 32 secret bytes bodies are
 * sealed under, and the private scalar of its checkpoint signing key (P-256). */
typedef struct cw_ledger_key {
    char id[16];
    uint8_t bytes[32];
    uint8_t sign[32];
} cw_ledger_key;

#define CW_LEDGER_KEYS_MAX 32

/*
 * A tenant's key ring: the log's origin line ("callwarden/<tenant>/ledger"; a key's
 * name is origin-id) and its keys oldest first. The newest is the one in use; older
 * ones still open the records they sealed. A key is retired by a KEY_ROTATED record,
 * sealed and checkpointed under the old key, that names the new key and its public
 * key in its clear header: the old key may sign tree sizes up to that record, the new
 * one from it on, and a verifier holding only the first public key can follow.
 */
typedef struct cw_ledger_keys {
    char origin[96];
    unsigned n;
    cw_ledger_key key[CW_LEDGER_KEYS_MAX];
} cw_ledger_keys;

/* A random (version 4) UUID as text: event and consent ids. */
void cw_ledger_uuid(char out[37]);

/* A zeroed key ring in locked memory that core dumps leave out; NULL if out of memory. */
cw_ledger_keys *cw_ledger_keys_new(void);
/* Wipe and free a ring from cw_ledger_keys_new (NULL is fine). */
void cw_ledger_keys_free(cw_ledger_keys *ks);

/* Load a fresh copy of the key ring into out (the ledger calls it when another writer
 * rotated to a key it does not hold). 0 or -1. */
typedef int (*cw_ledger_reload_keys)(void *ud, cw_ledger_keys *out);

typedef struct cw_ledger_opts {
    unsigned window_us;             /* gather a group this long after its first append */
    unsigned max_batch;             /* records per transaction at most */
    unsigned checkpoint_leaves;     /* sign a checkpoint after this many new records */
    unsigned checkpoint_ms;         /* ... or this long after the last one, if any new */
    cw_ledger_reload_keys reload_keys;  /* NULL: the ring given at open is all there is */
    void *reload_ud;
} cw_ledger_opts;

/* The commit latency histogram's upper bounds (seconds), from append to callback. */
#define CW_LEDGER_LATENCY_BUCKETS 11
extern const double cw_ledger_latency_bounds[CW_LEDGER_LATENCY_BUCKETS];

typedef struct cw_ledger_stats {
    uint64_t appended, failed, batches, max_batch;
    uint64_t latency_le[CW_LEDGER_LATENCY_BUCKETS + 1];   /* per bucket, the last +Inf */
    double latency_sum_s;
} cw_ledger_stats;

/* Open the ledger file at path, rebuild its Merkle tree, and start its writer thread,
 * sealing and signing with the newest key of keys (copied into locked memory); if that
 * key is not yet the log's, first append the KEY_ROTATED record that hands over to it.
 * opts NULL for defaults (1000 us, 4096, a checkpoint every 1000 records or 60 s, and
 * at close). Several processes may append to one file: a writer that finds its
 * positions taken catches up and seals again. Returns 0, or -1 with err. */
int cw_ledger_open(uv_loop_t *loop, const char *path, const cw_ledger_keys *keys,
                   const cw_ledger_opts *opts, cw_ledger **out, char *err, size_t errlen);

/* The tree head after the last commit: its size (records) and root. */
void cw_ledger_head(cw_ledger *lg, uint64_t *size, uint8_t root[32]);

/* One problem verify found: the record's position and what is wrong with it. */
typedef void (*cw_ledger_problem_cb)(void *ud, uint64_t seq, const char *what);

/*
 * Check the ledger file at path with keys, offline and without changing it: positions
 * without holes, each header's position and event as stored, each stored leaf as
 * recomputed, each body authentic under the key its header names and the header, the
 * key chain (each record under the key in force at its position, each rotation to the
 * key the ring holds and handed over by a checkpoint of the old key), and every signed
 * checkpoint: signed by a key allowed to sign its size, not beyond the records (a
 * cut-off tail), its root that of the records up to its size. Returns the number of problems
 * (each also reported to cb; a checkpoint's problem with seq = its size), or -1 with
 * err when the file cannot be read; *size and root get the tree head as it is.
 */
int cw_ledger_verify(const char *path, const cw_ledger_keys *keys, cw_ledger_problem_cb cb,
                     void *ud, uint64_t *size, uint8_t root[32], char *err, size_t errlen);

/* Queue ev; cb(ud, ...) runs on the loop once it is committed (or failed). Returns 0,
 * or -1 (closing, out of memory, event_type/consent_id too long: cb never runs). */
int cw_ledger_append(cw_ledger *lg, const cw_ledger_event *ev, cw_ledger_cb cb, void *ud);

/* A signed checkpoint of the tree head now (what was appended before it included),
 * for an auditor who wants one at once rather than at the next periodic one: cb(ud,
 * size, note, NULL) on the loop once it is stored, or cb(ud, 0, NULL, err). Returns 0,
 * or -1 (closing, out of memory: cb never runs). */
typedef void (*cw_ledger_checkpoint_cb)(void *ud, uint64_t size, const char *note,
                                        const char *err);
int cw_ledger_checkpoint(cw_ledger *lg, cw_ledger_checkpoint_cb cb, void *ud);

/* Counters, read on the loop thread. */
cw_ledger_stats cw_ledger_get_stats(cw_ledger *lg);

/* Commit what is queued, stop the writer, run the last callbacks, then done(ud) once
 * the ledger is freed. */
void cw_ledger_close(cw_ledger *lg, void (*done)(void *ud), void *ud);

/*
 * Read the ledger file at path with keys: fn(ud, seq, event_type, body, len) for each
 * record in order, body the opened content (NULL if it does not authenticate), until
 * fn returns non-zero. Returns 0, or -1 with err.
 */
int cw_ledger_read(const char *path, const cw_ledger_keys *keys,
                   int (*fn)(void *ud, uint64_t seq, const char *event_type,
                             const uint8_t *body, size_t len),
                   void *ud, char *err, size_t errlen);

/* cw_ledger_read from position from on (1: all). */
int cw_ledger_read_from(const char *path, const cw_ledger_keys *keys, uint64_t from,
                        int (*fn)(void *ud, uint64_t seq, const char *event_type,
                                  const uint8_t *body, size_t len),
                        void *ud, char *err, size_t errlen);

#endif
