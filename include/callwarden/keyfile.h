/* keyfile.h  A tenant's ledger keys on disk: DATA/<tenant>/ledger.key (0600, secret)
 * and DATA/<tenant>/ledger.pub (the checkpoint key's name and public key). */
#ifndef CALLWARDEN_KEYFILE_H
#define CALLWARDEN_KEYFILE_H

#include <stddef.h>

#include "callwarden/ledger.h"

/* The tenant's directory, key file and public key file under data_dir (cap bytes each).
 * 0, or -1 for a bad tenant name or a path too long. */
int cw_keyfile_paths(const char *data_dir, const char *tenant, char *dir, char *key,
                     char *pub, size_t cap);

/* Make new keys for tenant (never overwriting existing ones). 0, or -1 with err. */
int cw_keyfile_create(const char *data_dir, const char *tenant, char *err, size_t errlen);

/* Load the tenant's keys into k; a key file others can read is refused. 0 or -1. */
int cw_keyfile_load(const char *data_dir, const char *tenant, cw_ledger_key *k, char *err,
                    size_t errlen);

#endif
