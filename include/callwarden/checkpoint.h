/*
 * checkpoint.h  Signed tree heads of the consent ledger (G4), in the C2SP
 * tlog-checkpoint format as a C2SP signed note with an ECDSA P-256 signature
 * (signature type 0x02, key ID = the first 4 bytes of SHA-256 of the key's DER SPKI):
 *
 *     callwarden.example/acme/ledger        the origin: which log
 *     1042                                  its size
 *     V2s2pnA1i1vC9h...=                    the root, base64
 *
 *     — callwarden.example/acme/ledger-k1 AAECA...=
 *
 * An auditor needs only the public key to check one offline, and one checkpoint
 * commits to every record before it (RFC 6962 root).
 */
#ifndef CALLWARDEN_CHECKPOINT_H
#define CALLWARDEN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/crypto.h"

#define CW_CHECKPOINT_MAX 1024          /* bytes of a signed checkpoint */
#define CW_CHECKPOINT_NAME_MAX 128      /* origin and key name */

/* The C2SP key ID of a P-256 public key (4 bytes, big-endian as a number). */
uint32_t cw_checkpoint_key_id(const uint8_t pub[CW_P256_PUB_LEN]);

/*
 * Sign the checkpoint (origin, size, root) with key, naming the key key_name: the
 * signed note goes to out (NUL-terminated). Returns its length, or -1 (a name with
 * spaces, newlines or "+", too long, or signing failed).
 */
int cw_checkpoint_sign(const cw_p256_key *key, const char *key_name, const char *origin,
                       uint64_t size, const uint8_t root[32], char *out, size_t cap);

/*
 * Verify the signed note against the trusted key (key_name + its public key): the note
 * must be well formed and carry a valid signature of that key. On 1, *size and root
 * hold the checkpoint's and origin (originlen bytes) its origin; 0 otherwise, with why.
 */
int cw_checkpoint_verify(const char *note, const char *key_name,
                         const uint8_t pub[CW_P256_PUB_LEN], char *origin, size_t originlen,
                         uint64_t *size, uint8_t root[32], char *why, size_t whylen);

#endif
