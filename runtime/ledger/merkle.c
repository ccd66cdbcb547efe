/* merkle.c  The consent ledger's RFC 6962 Merkle tree: tree heads and proofs (G4).
 *
 * G4 asks that nobody can rewrite or drop a consent record unnoticed. The ledger
 * hashes each record into a leaf of this tree; a signed tree head (size, root) then
 * commits to every record before it, an inclusion proof shows one record is under a
 * head, and a consistency proof shows an older head is a prefix of a newer one, so
 * the log only ever grew. Hashing and proof shapes are exactly RFC 6962 2.1 (0x00 and
 * 0x01 prefixes against second-preimage attacks); the verifiers are RFC 9162's
 * iterative algorithms, so a third party can check our proofs with any CT library.
 *
 * How it stays cheap: RFC 6962 splits a range of leaves at the largest power of two
 * below its length, so the tree of the first s leaves is a right fold of complete
 * subtrees, one per set bit of s, each aligned to its own size. Every subtree the
 * proofs ever ask for has that shape too. So we keep, next to the leaves, the root of
 * every complete aligned subtree (level l: n >> l of them, about n hashes over all
 * levels). An append hashes one node per level it completes (amortised one); a root,
 * for the current size or any older one, folds at most 64 stored hashes; a proof
 * takes at most 64 such folds. Nothing recurses and nothing is O(n) after the append.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "callwarden/merkle.h"

void cw_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
    static const uint8_t prefix = 0x00;
    mbedtls_sha256_context ctx;

    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_starts_ret(&ctx, 0);
    mbedtls_sha256_update_ret(&ctx, &prefix, 1);
    mbedtls_sha256_update_ret(&ctx, data, len);
    mbedtls_sha256_finish_ret(&ctx, out);
    mbedtls_sha256_free(&ctx);
}

void cw_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
    uint8_t buf[1 + 2 * CW_MERKLE_HASH_LEN];

    /* copied first, so out may be left or right */
    buf[0] = 0x01;
    memcpy(buf + 1, left, CW_MERKLE_HASH_LEN);
    memcpy(buf + 1 + CW_MERKLE_HASH_LEN, right, CW_MERKLE_HASH_LEN);
    mbedtls_sha256_ret(buf, sizeof buf, out, 0);
}

void cw_merkle_init(cw_merkle *t)
{
    memset(t, 0, sizeof *t);
}

void cw_merkle_free(cw_merkle *t)
{
    free(t->leaves);
    for (int l = 0; l < CW_MERKLE_LEVELS; l++)
        free(t->node[l]);
    cw_merkle_init(t);
}

void cw_merkle_truncate(cw_merkle *t, uint64_t size)
{
    /* level l's hashes are the first size >> l of node[l - 1]: nothing else to undo */
    if (size < t->n)
        t->n = size;
}

/* The root of the complete subtree at level (0: a leaf) and index: it covers leaves
 * [index << level, (index + 1) << level). */
static const uint8_t *subtree(const cw_merkle *t, unsigned level, uint64_t index)
{
    return level == 0 ? t->leaves[index] : t->node[level - 1][index];
}

/* Make room for need hashes in *arr, doubling; 0 or -1. */
static int grow(uint8_t (**arr)[32], uint64_t *cap, uint64_t need)
{
    uint64_t ncap = *cap ? *cap : 8;
    uint8_t (*p)[32];

    if (need <= *cap)
        return 0;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / CW_MERKLE_HASH_LEN)
        return -1;
    p = realloc(*arr, (size_t)ncap * CW_MERKLE_HASH_LEN);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

int cw_merkle_append(cw_merkle *t, const uint8_t leaf_hash[32])
{
    uint64_t size = t->n + 1;
    unsigned up, l;

    if (size == 0)
        return -1;
    /* The new leaf completes one subtree per trailing zero bit of the new size. Reserve
     * every array first, so that out of memory leaves the tree as it was. */
    up = (unsigned)__builtin_ctzll(size);
    if (grow(&t->leaves, &t->cap, size) < 0)
        return -1;
    for (l = 1; l <= up; l++)
        if (grow(&t->node[l - 1], &t->node_cap[l - 1], size >> l) < 0)
            return -1;

    memcpy(t->leaves[t->n], leaf_hash, CW_MERKLE_HASH_LEN);
    for (l = 1; l <= up; l++) {
        uint64_t i = (size >> l) - 1;
        cw_merkle_node_hash(subtree(t, l - 1, 2 * i), subtree(t, l - 1, 2 * i + 1),
                            t->node[l - 1][i]);
    }
    t->n = size;
    return 0;
}

/* RFC 6962 MTH of the len >= 1 leaves from lo: the complete subtrees for the set bits
 * of len, largest first, folded from the right. It needs lo to be a multiple of the
 * largest power of two <= len, which holds for the whole tree (lo 0) and for both
 * halves of every RFC split, hence for every range a proof names. */
static void range_root(const cw_merkle *t, uint64_t lo, uint64_t len, uint8_t out[32])
{
    const uint8_t *piece[64];
    int count = 0;

    for (int l = 63; l >= 0; l--) {
        if (len & ((uint64_t)1 << l)) {
            piece[count++] = subtree(t, (unsigned)l, lo >> l);
            lo += (uint64_t)1 << l;
        }
    }
    memcpy(out, piece[count - 1], CW_MERKLE_HASH_LEN);
    for (int i = count - 2; i >= 0; i--)
        cw_merkle_node_hash(piece[i], out, out);
}

/* The RFC's k for a range of len >= 2: the largest power of two below len. */
static uint64_t split(uint64_t len)
{
    return (uint64_t)1 << (63 - __builtin_clzll(len - 1));
}

static void empty_root(uint8_t out[32])
{
    mbedtls_sha256_ret((const unsigned char *)"", 0, out, 0);
}

int cw_merkle_root(const cw_merkle *t, uint64_t size, uint8_t out[32])
{
    if (size > t->n)
        return -1;
    if (size == 0)
        empty_root(out);
    else
        range_root(t, 0, size, out);
    return 0;
}

/* RFC 6962 PATH, unrolled: walk from the root down to the leaf, taking the sibling
 * subtree at each split; the RFC lists them leaf end first, so they are reversed. */
int cw_merkle_inclusion_proof(const cw_merkle *t, uint64_t index, uint64_t size,
                              uint8_t path[][32], size_t *n)
{
    uint8_t down[64][32];
    uint64_t lo = 0, len = size;
    size_t count = 0;

    if (size > t->n || index >= size)
        return -1;
    while (len > 1) {
        uint64_t k = split(len);
        if (index < lo + k) {
            range_root(t, lo + k, len - k, down[count++]);
            len = k;
        } else {
            range_root(t, lo, k, down[count++]);
            lo += k;
            len -= k;
        }
    }
    for (size_t i = 0; i < count; i++)
        memcpy(path[i], down[count - 1 - i], CW_MERKLE_HASH_LEN);
    *n = count;
    return 0;
}

/* RFC 6962 SUBPROOF(m, D[n], b), unrolled the same way. m is the old size relative to
 * the range [lo, lo + len); complete says b, i.e. the range still starts at leaf 0
 * and the verifier knows its root already. Where m reaches the range's length, a
 * range that does not start at 0 contributes its own root, first in the proof. */
int cw_merkle_consistency_proof(const cw_merkle *t, uint64_t old_size, uint64_t new_size,
                                uint8_t path[][32], size_t *n)
{
    uint8_t down[64][32];
    uint64_t lo = 0, len = new_size, m = old_size;
    size_t count = 0, out = 0;
    int complete = 1;

    if (old_size > new_size || new_size > t->n)
        return -1;
    *n = 0;
    if (old_size == 0 || old_size == new_size)
        return 0;
    while (m != len) {
        uint64_t k = split(len);
        if (m <= k) {
            range_root(t, lo + k, len - k, down[count++]);
            len = k;
        } else {
            range_root(t, lo, k, down[count++]);
            lo += k;
            len -= k;
            m -= k;
            complete = 0;
        }
    }
    if (!complete)
        range_root(t, lo, len, path[out++]);
    for (size_t i = 0; i < count; i++)
        memcpy(path[out++], down[count - 1 - i], CW_MERKLE_HASH_LEN);
    *n = out;
    return 0;
}

int cw_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                               const uint8_t path[][32], size_t n, const uint8_t root[32])
{
    uint64_t fn = index, sn;
    uint8_t r[32];

    if (index >= size)
        return 0;
    sn = size - 1;
    memcpy(r, leaf_hash, CW_MERKLE_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return 0;               /* more hashes than the tree is deep */
        if ((fn & 1) || fn == sn) {
            cw_merkle_node_hash(path[i], r, r);
            /* the right edge of an unbalanced tree: skip the levels with no sibling */
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cw_merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, CW_MERKLE_HASH_LEN) == 0;
}

/* RFC 9162 2.1.4.2. fr rebuilds the old root and sr the new one from the same hashes;
 * when old_size is a power of two the old tree is one complete subtree and the proof
 * leaves its root out, so old_root stands in as the proof's first hash. */
int cw_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                 const uint8_t old_root[32], const uint8_t new_root[32],
                                 const uint8_t path[][32], size_t n)
{
    uint8_t fr[32], sr[32];
    uint64_t fn, sn;
    size_t i;

    if (old_size > new_size)
        return 0;
    if (old_size == new_size)
        return n == 0 && memcmp(old_root, new_root, CW_MERKLE_HASH_LEN) == 0;
    if (old_size == 0) {
        /* the empty tree is a prefix of every tree; only its root can be wrong */
        empty_root(fr);
        return n == 0 && memcmp(old_root, fr, CW_MERKLE_HASH_LEN) == 0;
    }
    if (n == 0)
        return 0;

    if ((old_size & (old_size - 1)) == 0) {
        memcpy(fr, old_root, CW_MERKLE_HASH_LEN);
        i = 0;
    } else {
        memcpy(fr, path[0], CW_MERKLE_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, CW_MERKLE_HASH_LEN);
    fn = old_size - 1;
    sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        if (sn == 0)
            return 0;
        if ((fn & 1) || fn == sn) {
            cw_merkle_node_hash(path[i], fr, fr);
            cw_merkle_node_hash(path[i], sr, sr);
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cw_merkle_node_hash(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, old_root, CW_MERKLE_HASH_LEN) == 0 &&
           memcmp(sr, new_root, CW_MERKLE_HASH_LEN) == 0;
}
