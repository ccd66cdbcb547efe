/*
 * outbox.h  The CRM webhooks (issue 7): every consent event of a tenant whose policy has
 * a webhook (GIVEN, REFUSED, WITHDRAWN, ERASED by default) is posted to its CRM as JSON,
 * signed with HMAC-SHA256, with an idempotency key, through the egress gate (G6,
 * purpose crm_sync), at least once.
 *
 * The ledger is the source: a worker job reads the records committed since the last
 * scan and notes them in the tenant's outbox.db (store_outbox.h), durably, with the
 * position reached; due deliveries are read back with their records, posted, and
 * their outcome noted by the next job. A delivery that fails (the CRM is down, slow,
 * answers 5xx) is tried again after 1 s, 2 s, 4 s ... up to 5 minutes between tries,
 * across restarts. A crash between a post and its note posts it again: the same
 * Idempotency-Key tells the CRM it is the same event.
 *
 * On the wire (POST webhook.url, application/json):
 *   X-Callwarden-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *   Idempotency-Key: <32 hex: SHA-256 of the ledger's origin and the record's position>
 *   X-Callwarden-Event: GIVEN
 *   body: { "event", "seq", "tenant", "delivery_id", "record": <the ledger record's body> }
 * The record names the caller by the vault's pseudonymous subject reference, never by
 * number. The secret is the config's webhook_secret for the tenant; without one
 * nothing is posted (an unsigned webhook could be forged by anyone).
 */
#ifndef CALLWARDEN_OUTBOX_H
#define CALLWARDEN_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct cw_runtime cw_runtime;
typedef struct cw_outbox cw_outbox;

/* Start the outbox of every tenant of rt that has a webhook, looking for work every
 * rt->cfg.outbox_poll_ms. 0, or -1 with err. */
int cw_outbox_start(cw_runtime *rt, cw_outbox **out, char *err, size_t errlen);

/* Stop: no new work; what is being posted is cancelled (and posted again at the next
 * start); the outbox is freed once its worker job and timer are done. */
void cw_outbox_stop(cw_outbox *ob);

/* The signature header of a post of body (len bytes) at unix time ts with the
 * tenant's secret, "X-Callwarden-Signature: t=<ts>,v1=<hex>", into out (cap bytes,
 * 128 are enough); also the admin API's withdrawal codes are signed so. 0 or -1. */
int cw_webhook_sign(const char *secret, const void *body, size_t len, int64_t ts, char *out,
                    size_t cap);

/* Deliveries so far in this process: posted (2xx), failed tries. */
void cw_outbox_counts(const cw_outbox *ob, uint64_t *delivered, uint64_t *failed);

#endif
