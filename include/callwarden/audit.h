/* audit.h  The ledger's command-line side (`callwarden keys`, `callwarden audit`): each
 * takes the data directory and tenant as `callwarden run` does, prints to out, and
 * returns the process exit status (0 ok, 1 a problem found, 2 cannot run). */
#ifndef CALLWARDEN_AUDIT_H
#define CALLWARDEN_AUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "callwarden/ledger.h"

/* The time now, UTC milliseconds. */
int64_t cw_now_ms(void);

/* Append ev to the ledger at path with keys k, durably, from a command-line tool (a
 * loop and writer of its own for the one record). 0, or -1 with err. */
int cw_ledger_append_now(const char *path, const cw_ledger_keys *k, const cw_ledger_event *ev,
                         char *err, size_t errlen);

/* Append an ACCESSED record for a reading of the ledger at path (access: the command,
 * what: what it read), durably, before anything is shown. 0, or -1 with err. */
int cw_audit_log_access(const char *path, const cw_ledger_keys *k, const char *access,
                        const char *what, char *err, size_t errlen);

/* Who the ACCESSED records of this thread name as the reader ("by"): an admin API job
 * sets its user ("api:alice (dpo)") around the command and clears it (NULL) after;
 * otherwise the login name ("cli:root"). cw_audit_actor gives it (buf: for the login). */
void cw_audit_set_actor(const char *who);
const char *cw_audit_actor(char *buf, size_t cap);

/* What every command on a tenant's consent data does first: the tenant's ledger path
 * (it must exist: no command creates one) and key ring into *k (free it with
 * cw_ledger_keys_free); with access_what, the reading is logged as ACCESSED (access =
 * cmd). 0, or the exit status (2) after printing why to out. */
int cw_audit_open(const char *data_dir, const char *tenant, const char *cmd,
                  const char *access_what, char *path, size_t cap, cw_ledger_keys **k,
                  FILE *out);

/* keys init: new ledger keys for the tenant; refuses to overwrite. */
int cw_audit_keys_init(const char *data_dir, const char *tenant, FILE *out);

/* keys rotate: a new key in the tenant's ring, handed over to in the ledger (a
 * KEY_ROTATED record the old key seals and checkpoints). */
int cw_audit_keys_rotate(const char *data_dir, const char *tenant, FILE *out);

/* audit verify: check the tenant's ledger with its keys; name every problem. */
int cw_audit_verify(const char *data_dir, const char *tenant, FILE *out);

/* audit show: every record, opened, one line each starting with its event type
 * (only those of consent_id, if not NULL). The access itself is logged (ACCESSED). */
int cw_audit_show(const char *data_dir, const char *tenant, const char *consent_id,
                  FILE *out);

/* audit export: the ledger (records as stored, checkpoints) to out_path, for an
 * auditor; logged as ACCESSED first. */
int cw_audit_export(const char *data_dir, const char *tenant, const char *out_path, FILE *out);

/* audit prove: the records of consent_id with their inclusion proofs under the newest
 * signed checkpoint, to out_path; logged as ACCESSED first. */
int cw_audit_prove(const char *data_dir, const char *tenant, const char *consent_id,
                   const char *out_path, FILE *out);

/* audit verify FILE --trust PUB: check an export or a proof with the public key file
 * alone. */
int cw_audit_verify_export(const char *export_path, const char *trust_path, FILE *out);

#endif
