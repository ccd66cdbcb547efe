/* keyfile.h  A tenant's ledger keys on disk: DATA/<tenant>/ledger.key (0600, secret)
 * and DATA/<tenant>/ledger.pub (each key's name and public key, oldest first). */
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

/* Load the tenant's key ring into ks (locked memory, from the ledger's own allocator in
 * the callers); a key file others can read is refused. 0 or -1 with err. */
int cw_keyfile_load(const char *data_dir, const char *tenant, cw_ledger_keys *ks, char *err,
                    size_t errlen);

/* Add a new key to the tenant's ring (its public key to ledger.pub), its id to new_id;
 * the next writer to open the ledger hands over to it. 0 or -1 with err. */
int cw_keyfile_rotate(const char *data_dir, const char *tenant, char *new_id, size_t idlen,
                      char *err, size_t errlen);

#endif
