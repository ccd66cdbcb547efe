/*
 * merkle.h  The consent ledger's Merkle tree (G4's tamper evidence): RFC 6962
 * (Certificate Transparency) hashing, tree heads, inclusion and consistency proofs,
 * and the offline verification of both (RFC 9162 2.1.3.2 and 2.1.4.2).
 *
 * The caller allocates the cw_merkle and owns it; cw_merkle_free releases what the
 * tree allocated, never the struct itself. Proof arrays are the caller's too: give
 * room for CW_MERKLE_MAX_PROOF hashes and any proof fits.
 */
#ifndef CALLWARDEN_MERKLE_H
#define CALLWARDEN_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CW_MERKLE_HASH_LEN 32
/* Hashes in the longest proof of a tree of fewer than 2^64 leaves: an inclusion
 * proof has at most 64, a consistency proof at most 65. */
#define CW_MERKLE_MAX_PROOF 65
/* Levels above the leaves: a perfect subtree of 2^63 leaves is the largest there is. */
#define CW_MERKLE_LEVELS 63

/* The leaf hash: SHA-256(0x00 || data). */
void cw_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);
/* The interior node hash: SHA-256(0x01 || left || right). */
void cw_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);

/* An append-only tree of leaf hashes, held in memory (the ledger rebuilds it from its
 * file at start). Besides the leaves it keeps the root of every complete, aligned
 * subtree: node[l - 1][i] is the root of leaves [i * 2^l, (i + 1) * 2^l), so level l
 * holds n >> l hashes and the tree costs about twice its leaves. With them every root
 * and every proof, for the current size or an older one, takes O(log n) hashes. */
typedef struct cw_merkle {
    uint8_t (*leaves)[32];          /* leaf hashes, n of them */
    uint64_t n, cap;
    uint8_t (*node[CW_MERKLE_LEVELS])[32];
    uint64_t node_cap[CW_MERKLE_LEVELS];
} cw_merkle;

/* Start an empty tree in t (caller-allocated). */
void cw_merkle_init(cw_merkle *t);
/* Append leaf_hash (copied) to t; 0, or -1 when out of memory (t is unchanged then). */
int cw_merkle_append(cw_merkle *t, const uint8_t leaf_hash[32]);
/* Forget the leaves after the first size (a record that did not reach the file);
 * nothing is freed, later appends overwrite them. */
void cw_merkle_truncate(cw_merkle *t, uint64_t size);
/* The root of t's first size leaves into out (RFC 6962 MTH; the empty tree's root is
 * SHA-256 of ""). 0, or -1 if size > n. */
int cw_merkle_root(const cw_merkle *t, uint64_t size, uint8_t out[32]);
/* The audit path (RFC 6962 2.1.1 PATH) of leaf index in the tree of t's first size
 * leaves: up to 64 hashes into path, leaf end first, their count in *n. 0, or -1 if
 * index >= size or size > t->n. */
int cw_merkle_inclusion_proof(const cw_merkle *t, uint64_t index, uint64_t size,
                              uint8_t path[][32], size_t *n);
/* The consistency proof (RFC 6962 2.1.2 PROOF) between t's sizes old_size and
 * new_size: up to 65 hashes into path, their count in *n; empty when old_size is 0 or
 * equals new_size. 0, or -1 if old_size > new_size or new_size > t->n. */
int cw_merkle_consistency_proof(const cw_merkle *t, uint64_t old_size, uint64_t new_size,
                                uint8_t path[][32], size_t *n);
/* Verify an inclusion proof offline (RFC 9162 2.1.3.2 algorithm): the n hashes in
 * path. 1 if leaf_hash at index is in the tree of size with root, else 0. */
int cw_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                               const uint8_t path[][32], size_t n, const uint8_t root[32]);
/* Verify a consistency proof offline (RFC 9162 2.1.4.2): the n hashes in path. 1 if
 * the tree of old_size with old_root is a prefix of the tree of new_size with
 * new_root, else 0. Equal sizes need an empty proof and equal roots; old_size 0 needs
 * an empty proof and old_root the empty tree's root. */
int cw_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                 const uint8_t old_root[32], const uint8_t new_root[32],
                                 const uint8_t path[][32], size_t n);
/* Free what t allocated (not t itself); t is an empty tree afterwards. */
void cw_merkle_free(cw_merkle *t);

#endif
