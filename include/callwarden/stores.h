/*
 * stores.h  Each tenant's consent ledger and content vault in the running runtime
 * (runtime/node/stores.c): opened when the tenant appears (its keys made on first
 * start, as sshd makes its host keys), a FLOW_VERSION (and POLICY_VERSION) record
 * whenever a flow (or policy) version goes into force, and the retention sweeper (G7) on a timer, its deletions on a worker
 * thread and one EXPIRED record each. A tenant whose store cannot open still takes
 * calls: nothing can then be consented to durably, so nothing is recorded (G2).
 */
#ifndef CALLWARDEN_STORES_H
#define CALLWARDEN_STORES_H

#include <stdint.h>

#include <uv.h>

#include "callwarden/ledger.h"
#include "callwarden/tenant.h"
#include "callwarden/vault.h"

typedef struct cw_tenant_store {
    char name[CW_TENANT_NAME_LEN];
    char data_dir[CW_PATH_LEN];
    cw_ledger *ledger;              /* NULL if it could not open (logged) */
    cw_vault *vault;                /* used on worker threads, under vault_lock */
    uv_mutex_t vault_lock;
    char flow_logged[CW_SHA256_HEX_LEN];   /* the flow version last logged */
    char policy_logged[CW_SHA256_HEX_LEN]; /* the policy version last logged */
    uv_work_t sweep;
    int sweeping;
    int close_after_sweep;
    cw_vault_meta *expired;         /* the sweep's deletions, for the loop to log */
    size_t nexpired, cap;
    int64_t sweep_now;
    char sweep_err[256];
    struct cw_stores *owner;
    struct cw_tenant_store *next;
} cw_tenant_store;

typedef struct cw_stores {
    uv_loop_t *loop;
    char data_dir[CW_PATH_LEN];
    cw_tenant_store *head;
    uv_timer_t sweep_timer;
    unsigned sweep_ms;
    uint64_t expired_logged;        /* EXPIRED records committed */
    unsigned jobs;                  /* subject look-ups on worker threads */
} cw_stores;

/* Open the stores of every tenant in ts under data_dir and start the sweeper (every
 * sweep_ms). Per-tenant failures are logged, not fatal. */
void cw_stores_open(cw_stores *s, uv_loop_t *loop, const char *data_dir, cw_tenants *ts,
                    unsigned sweep_ms);

/* After a reload: open new tenants' stores, log FLOW_VERSION for changed versions. */
void cw_stores_sync(cw_stores *s, cw_tenants *ts);

/* A tenant's store, or NULL. */
cw_tenant_store *cw_stores_find(cw_stores *s, const char *tenant);

/* The caller's data subject in ts's vault, found or made on a worker thread (the number
 * never leaves it; NULL, "", "anonymous" or a user name that is no number count as
 * withheld: a new subject for this call). Later cb(ud, ref, withheld, NULL) on the
 * loop, or cb(ud, NULL, withheld, why). 0, or -1 if ts has no vault or out of memory
 * (cb never runs then). */
typedef void (*cw_subject_cb)(void *ud, const char *ref, int withheld, const char *err);
int cw_stores_subject(cw_stores *s, cw_tenant_store *ts, const char *number, cw_subject_cb cb,
                      void *ud);

/* Store data (len bytes; the job takes it over, wipes and frees it) as a vault artifact
 * described by item (its strings are copied), on a worker thread; later
 * cb(ud, artifact id, sha256 of its sealed bytes, NULL) on the loop, or cb(ud, NULL,
 * NULL, why). 0, or -1 (no vault, out of memory: data is freed, cb never runs). */
typedef void (*cw_put_cb)(void *ud, const char *id, const char *sha256, const char *err);
int cw_stores_put(cw_stores *s, cw_tenant_store *ts, const cw_vault_item *item, uint8_t *data,
                  size_t len, cw_put_cb cb, void *ud);

/* Withdrawal (G5): crypto-shred consent_id's content in ts's vault on a worker thread;
 * later cb(ud, artifacts erased, NULL) on the loop, or cb(ud, 0, why). 0, or -1 (no
 * vault, out of memory: cb never runs). */
typedef void (*cw_erase_cb)(void *ud, uint64_t n, const char *err);
int cw_stores_erase_consent(cw_stores *s, cw_tenant_store *ts, const char *consent_id,
                            cw_erase_cb cb, void *ud);

/* Stop the sweeper and close every store (a running sweep finishes and logs first);
 * the loop must run on until its handles are closed. */
void cw_stores_close(cw_stores *s);

#endif
