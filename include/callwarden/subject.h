/* subject.h  A data subject's rights from the command line (`callwarden subject`,
 * `callwarden vault`): access (Art. 15), erasure (Art. 17), retention (G7) and the
 * repair after a key store restore. Each takes the data directory and tenant as
 * `callwarden run` does, prints to out, and returns the exit status (0 done, 1 nothing
 * to do or a problem found, 2 cannot run). Every one is itself in the ledger: ACCESSED
 * for a reading, ERASED and EXPIRED for what it deleted. The phone number never goes
 * into the ledger or a log line: the subject's random reference does. */
#ifndef CALLWARDEN_SUBJECT_H
#define CALLWARDEN_SUBJECT_H

#include <stdint.h>
#include <stdio.h>

#include "callwarden/ledger.h"
#include "callwarden/vault.h"

/* subject export NUMBER --out DIR: DIR/subject.json (the number, the subject's consent
 * records, its artifacts' metadata) and DIR/<artifact>.bin (their content, decrypted). */
int cw_subject_export(const char *data_dir, const char *tenant, const char *number,
                      const char *out_dir, FILE *out);

/* subject erase NUMBER: destroy the subject's key and content, log ERASED; the consent
 * proof stays in the ledger (Art. 17(3)(e)). */
int cw_subject_erase(const char *data_dir, const char *tenant, const char *number, FILE *out);

/* export training --out FILE [--now MS]: the transcripts whose consent covers
 * ai_improvement and is neither withdrawn nor expired, redacted, the callers as
 * pseudonyms of this export only, one JSON object a line (training.c). The file must
 * not exist. */
int cw_training_export(const char *data_dir, const char *tenant, const char *out_path,
                       int64_t now_ms, FILE *out);

/* vault reconcile: after keys.db was restored from a backup, erase again every subject
 * and consent the ledger's ERASED records name. */
int cw_vault_reconcile_cmd(const char *data_dir, const char *tenant, FILE *out);

/* vault sweep [--now MS]: delete what expired by now_ms, one EXPIRED record each. */
int cw_vault_sweep_cmd(const char *data_dir, const char *tenant, int64_t now_ms, FILE *out);

/* The body of the EXPIRED record for an artifact the sweeper deleted (a new JSON text,
 * *len bytes; the caller frees it), or NULL if out of memory. */
char *cw_expired_body(const cw_vault_meta *m, const char *tenant, int64_t now_ms,
                      size_t *len);

#endif
