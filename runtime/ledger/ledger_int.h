/* ledger_int.h  What stays inside the ledger part: the record format (record.c). */
#ifndef CW_LEDGER_INT_H
#define CW_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "callwarden/crypto.h"
#include "callwarden/ledger.h"

#define CW_LEDGER_HEADER_MAX 384

/* The key the bodies are sealed with, derived from the tenant's ledger key. 0 or -1. */
int cw_ledger_body_key(const cw_ledger_key *k, uint8_t out[CW_AES256_KEY_LEN]);

/* A random (version 4) UUID as text. */
void cw_ledger_uuid(char out[37]);

/* The canonical clear header of a record; its length, or -1 if cap is too small. */
int cw_ledger_header(char *out, size_t cap, uint64_t seq, const char *event_type,
                     const char *event_id, const char *consent_id, const char *refers_to,
                     int64_t ts_ms, const char *key_id);

/* The record's Merkle leaf hash: RFC 6962 leaf of header || SHA-256(body). */
void cw_ledger_leaf(const uint8_t *header, size_t header_len, const uint8_t *body,
                    size_t body_len, uint8_t leaf[32]);

/* Seal plain (len bytes) with header as associated data: nonce || ciphertext || tag, in
 * a new allocation of *out_len bytes; NULL on failure. */
uint8_t *cw_ledger_seal(const uint8_t body_key[CW_AES256_KEY_LEN], const uint8_t *header,
                        size_t header_len, const void *plain, size_t len, size_t *out_len);

/* Open a sealed body into out (body_len bytes are enough); 0, or -1 if it does not
 * authenticate (a changed header or body, another key). */
int cw_ledger_open_body(const uint8_t body_key[CW_AES256_KEY_LEN], const uint8_t *header,
                        size_t header_len, const uint8_t *body, size_t body_len, uint8_t *out,
                        size_t *out_len);

/* Standard base64 of n bytes, in a new NUL-terminated string; NULL if out of memory. */
char *cw_ledger_b64(const uint8_t *in, size_t n);

/* Decode base64 text into a new buffer of *n bytes; NULL if it is not base64. */
uint8_t *cw_ledger_unb64(const char *s, size_t *n);

/* Append an ACCESSED record for a reading of the ledger at path (access: the command,
 * what: what it read), durably, before anything is shown. 0, or -1 with err. */
int cw_audit_log_access(const char *path, const cw_ledger_key *k, const char *access,
                        const char *what, char *err, size_t errlen);

/* What every audit command does first: the tenant's ledger path (it must exist: no
 * command creates one) and keys into k; with access_what, the reading is logged as
 * ACCESSED (access = cmd). 0, or the exit status (2) after printing why to out. */
int cw_audit_open(const char *data_dir, const char *tenant, const char *cmd,
                  const char *access_what, char *path, size_t cap, cw_ledger_key *k,
                  FILE *out);

/* Check a proof file (f is past its first line) with the trusted key name and public
 * key; prints to out, returns the exit status (0 ok, 1 not proven, 2 not a proof). */
int cw_audit_verify_proof(FILE *f, const char *name, const uint8_t pub[CW_P256_PUB_LEN],
                          const char *proof_path, FILE *out);

#endif
