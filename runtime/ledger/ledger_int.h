/* ledger_int.h  What stays inside the ledger part: the record format (record.c), the
 * key ring in memory (keys.c) and the key chain a verifier follows (chain.c). */
#ifndef CW_LEDGER_INT_H
#define CW_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "callwarden/crypto.h"
#include "callwarden/ledger.h"

#define CW_LEDGER_HEADER_MAX 512

/* The key the bodies are sealed with, derived from a ledger key. 0 or -1. */
int cw_ledger_body_key(const cw_ledger_key *k, uint8_t out[CW_AES256_KEY_LEN]);


/* The canonical clear header of a record; next (a KEY_ROTATED record's "ID PUBHEX",
 * else NULL) adds its "next" line. Its length, or -1 if cap is too small. */
int cw_ledger_header(char *out, size_t cap, uint64_t seq, const char *event_type,
                     const char *event_id, const char *consent_id, const char *refers_to,
                     int64_t ts_ms, const char *key_id, const char *next);

/* The key id a header names ("key" line). 0, or -1 if it names none. */
int cw_ledger_header_key(const uint8_t *header, size_t len, char id[16]);

/* A KEY_ROTATED header's "next" line: the new key's id and public key. 1, 0 if there is
 * no such line, -1 if it is malformed. */
int cw_ledger_header_next(const uint8_t *header, size_t len, char id[16],
                          uint8_t pub[CW_P256_PUB_LEN]);

/* ---- the key ring in memory (keys.c) ---- */

/* The key with this id, or NULL. */
const cw_ledger_key *cw_ledger_keys_find(const cw_ledger_keys *ks, const char *id);
/* The public key of k's signing key. 0, or -1 if its scalar is not a P-256 key. */
int cw_ledger_key_public(const cw_ledger_key *k, uint8_t pub[CW_P256_PUB_LEN]);
/* The body keys of a ring, derived once per key and looked up by a header's key id. */
typedef struct cw_body_keys {
    unsigned n;
    char id[CW_LEDGER_KEYS_MAX][16];
    uint8_t key[CW_LEDGER_KEYS_MAX][CW_AES256_KEY_LEN];
} cw_body_keys;
/* Every body key of ks, derived into a new table in locked memory; NULL on failure. */
cw_body_keys *cw_body_keys_new(const cw_ledger_keys *ks);
/* The body key for the record with this header, or NULL if its key is not in the ring. */
const uint8_t *cw_body_keys_for(const cw_body_keys *bk, const uint8_t *header, size_t len);
/* Wipe and free. */
void cw_body_keys_free(cw_body_keys *bk);

/* ---- the key chain (chain.c): which key may seal which record and sign which size ---- */

typedef struct cw_chain_key {
    char id[16];
    uint8_t pub[CW_P256_PUB_LEN];
    uint64_t from, to;              /* the tree sizes it may sign; to UINT64_MAX: in use */
    int handed_over;                /* its retirement is covered by its own checkpoint */
} cw_chain_key;

typedef struct cw_key_chain {
    char origin[96];
    unsigned n;                     /* keys in force so far, oldest first */
    cw_chain_key k[CW_LEDGER_KEYS_MAX];
    unsigned ntrusted;              /* keys known beforehand (a key ring or ledger.pub) */
    char trusted_id[CW_LEDGER_KEYS_MAX][16];
    uint8_t trusted_pub[CW_LEDGER_KEYS_MAX][CW_P256_PUB_LEN];
} cw_key_chain;

/* Start a chain for the log origin. */
void cw_chain_init(cw_key_chain *c, const char *origin);
/* A key known beforehand: the first record's key must be one, and a rotation to a
 * known id must name the same public key. 0, or -1 when full. */
int cw_chain_trust(cw_key_chain *c, const char *id, const uint8_t pub[CW_P256_PUB_LEN]);
/* The next record, in order: its key must be the one in force; a KEY_ROTATED record
 * hands over to the key it names. 0, or -1 with why (the chain is unchanged then). */
int cw_chain_record(cw_key_chain *c, uint64_t seq, const char *event_type,
                    const uint8_t *header, size_t len, char *why, size_t whylen);
/* A signed checkpoint (after all records): signed by a key of the chain allowed to
 * sign its size. 0 with *size and root, or -1 with why. */
int cw_chain_checkpoint(cw_key_chain *c, const char *note, uint64_t *size, uint8_t root[32],
                        char *why, size_t whylen);
/* After the checkpoints: report each rotation that no checkpoint of the old key covers
 * to fn; returns how many. */
int cw_chain_finish(cw_key_chain *c, void (*fn)(void *ud, uint64_t seq, const char *what),
                    void *ud);

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

/* The keys an auditor trusts: the lines of a ledger.pub ("ORIGIN-ID HEX"). */
typedef struct cw_trust {
    unsigned n;
    char name[CW_LEDGER_KEYS_MAX][128];
    uint8_t pub[CW_LEDGER_KEYS_MAX][CW_P256_PUB_LEN];
} cw_trust;

/* Read a ledger.pub into t. 0, or -1 if it is none. */
int cw_trust_read(const char *path, cw_trust *t);
/* Start chain c for origin, trusting the keys of t named origin-ID. */
void cw_trust_chain(const cw_trust *t, const char *origin, cw_key_chain *c);

/* Check a proof file (f is past its first line) with the trusted keys; prints to out,
 * returns the exit status (0 ok, 1 not proven, 2 not a proof). */
int cw_audit_verify_proof(FILE *f, const cw_trust *t, const char *proof_path, FILE *out);

#endif
