/* test_merkle.c  The ledger's RFC 6962 Merkle tree: CT's published vectors, and every
 * root and proof against a reference written straight from the RFC's recursive
 * definitions, with each proof altered to show that verification notices. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "callwarden/merkle.h"
#include "check.h"

/* --- the reference: RFC 6962 2.1, recursion and all, sharing no code with the module */

static void ref_leaf(const void *data, size_t len, uint8_t out[32])
{
    uint8_t *buf = malloc(len + 1);
    buf[0] = 0x00;
    if (len)
        memcpy(buf + 1, data, len);
    mbedtls_sha256_ret(buf, len + 1, out, 0);
    free(buf);
}

static void ref_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    mbedtls_sha256_ret(buf, sizeof buf, out, 0);
}

/* The largest power of two less than n (n >= 2). */
static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[n]) */
static void ref_mth(const uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
    uint8_t l[32], r[32];
    uint64_t k;

    if (n == 0) {
        mbedtls_sha256_ret((const unsigned char *)"", 0, out, 0);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    k = ref_k(n);
    ref_mth(d, k, l);
    ref_mth(d + k, n - k, r);
    ref_node(l, r, out);
}

/* PATH(m, D[n]) into out; returns its length. */
static size_t ref_path(uint64_t m, const uint8_t (*d)[32], uint64_t n, uint8_t out[][32])
{
    uint64_t k;
    size_t c;

    if (n == 1)
        return 0;
    k = ref_k(n);
    if (m < k) {
        c = ref_path(m, d, k, out);
        ref_mth(d + k, n - k, out[c]);
    } else {
        c = ref_path(m - k, d + k, n - k, out);
        ref_mth(d, k, out[c]);
    }
    return c + 1;
}

/* SUBPROOF(m, D[n], b) into out; returns its length. */
static size_t ref_subproof(uint64_t m, const uint8_t (*d)[32], uint64_t n, int b,
                           uint8_t out[][32])
{
    uint64_t k;
    size_t c;

    if (m == n) {
        if (b)
            return 0;
        ref_mth(d, n, out[0]);
        return 1;
    }
    k = ref_k(n);
    if (m <= k) {
        c = ref_subproof(m, d, k, b, out);
        ref_mth(d + k, n - k, out[c]);
    } else {
        c = ref_subproof(m - k, d + k, n - k, 0, out);
        ref_mth(d, k, out[c]);
    }
    return c + 1;
}

/* PROOF(m, D[n]); empty for m 0 or m == n (RFC 9162 2.1.4.1 allows 0 < m < n only). */
static size_t ref_proof(uint64_t m, const uint8_t (*d)[32], uint64_t n, uint8_t out[][32])
{
    if (m == 0 || m == n)
        return 0;
    return ref_subproof(m, d, n, 1, out);
}

/* --- helpers */

static void unhex(const char *hex, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static int eq_hex(const uint8_t h[32], const char *hex)
{
    uint8_t want[32];
    unhex(hex, want);
    return memcmp(h, want, 32) == 0;
}

/* The leaf data of the published CT test vectors. */
static const struct {
    const char *data;
    size_t len;
} ct_leaves[8] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

static const char *ct_empty_root =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* ct_roots[i]: the root of the first i + 1 leaves */
static const char *ct_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static const struct {
    uint64_t index, size;
    size_t n;
    const char *path[3];
} ct_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct {
    uint64_t old_size, new_size;
    size_t n;
    const char *path[3];
} ct_consistency[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* --- the published vectors */

static void test_vectors(void)
{
    cw_merkle t;
    uint8_t leaves[8][32], h[32], path[CW_MERKLE_MAX_PROOF][32], want[3][32];
    size_t n;

    cw_merkle_init(&t);
    CHECK_EQ_INT(cw_merkle_root(&t, 0, h), 0);
    CHECK(eq_hex(h, ct_empty_root));
    ref_mth(NULL, 0, h);
    CHECK(eq_hex(h, ct_empty_root));

    for (int i = 0; i < 8; i++) {
        cw_merkle_leaf_hash(ct_leaves[i].data, ct_leaves[i].len, leaves[i]);
        ref_leaf(ct_leaves[i].data, ct_leaves[i].len, h);
        CHECK(memcmp(leaves[i], h, 32) == 0);
        CHECK_EQ_INT(cw_merkle_append(&t, leaves[i]), 0);
        CHECK_EQ_INT(cw_merkle_root(&t, (uint64_t)i + 1, h), 0);
        CHECK(eq_hex(h, ct_roots[i]));
        ref_mth((const uint8_t(*)[32])leaves, (uint64_t)i + 1, h);
        CHECK(eq_hex(h, ct_roots[i]));
    }
    /* older sizes, asked after the tree grew past them */
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(cw_merkle_root(&t, (uint64_t)i + 1, h), 0);
        CHECK(eq_hex(h, ct_roots[i]));
    }
    CHECK_EQ_INT(cw_merkle_root(&t, 9, h), -1);

    /* the node hash on its own: the root of two leaves */
    cw_merkle_node_hash(leaves[0], leaves[1], h);
    CHECK(eq_hex(h, ct_roots[1]));

    for (size_t v = 0; v < sizeof ct_inclusion / sizeof ct_inclusion[0]; v++) {
        uint64_t idx = ct_inclusion[v].index, size = ct_inclusion[v].size;
        uint8_t root[32];
        CHECK_EQ_INT(cw_merkle_inclusion_proof(&t, idx, size, path, &n), 0);
        CHECK_EQ_INT(n, ct_inclusion[v].n);
        for (size_t i = 0; i < n && i < ct_inclusion[v].n; i++) {
            CHECK(eq_hex(path[i], ct_inclusion[v].path[i]));
            unhex(ct_inclusion[v].path[i], want[i]);
        }
        unhex(ct_roots[size - 1], root);
        CHECK_EQ_INT(cw_merkle_verify_inclusion(leaves[idx], idx, size,
                                                (const uint8_t(*)[32])want,
                                                ct_inclusion[v].n, root), 1);
    }

    for (size_t v = 0; v < sizeof ct_consistency / sizeof ct_consistency[0]; v++) {
        uint64_t m = ct_consistency[v].old_size, s = ct_consistency[v].new_size;
        uint8_t r1[32], r2[32];
        CHECK_EQ_INT(cw_merkle_consistency_proof(&t, m, s, path, &n), 0);
        CHECK_EQ_INT(n, ct_consistency[v].n);
        for (size_t i = 0; i < n && i < ct_consistency[v].n; i++) {
            CHECK(eq_hex(path[i], ct_consistency[v].path[i]));
            unhex(ct_consistency[v].path[i], want[i]);
        }
        unhex(ct_roots[m - 1], r1);
        unhex(ct_roots[s - 1], r2);
        CHECK_EQ_INT(cw_merkle_verify_consistency(m, s, r1, r2, (const uint8_t(*)[32])want,
                                                  ct_consistency[v].n), 1);
    }
    cw_merkle_free(&t);
}

/* --- against the reference */

#define BIG 300

static uint8_t data_leaves[BIG][32];

static void make_leaves(void)
{
    for (uint32_t i = 0; i < BIG; i++) {
        uint8_t d[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        cw_merkle_leaf_hash(d, sizeof d, data_leaves[i]);
    }
}

#define D ((const uint8_t(*)[32])data_leaves)
#define CP(p) ((const uint8_t(*)[32])(p))

static void test_roots(cw_merkle *t)
{
    uint8_t h[32], want[32];
    int bad = 0;

    /* the current root after every append, then every older one */
    for (uint64_t s = 0; s <= BIG; s++) {
        if (s > 0)
            CHECK_EQ_INT(cw_merkle_append(t, data_leaves[s - 1]), 0);
        CHECK_EQ_INT(t->n, s);
        CHECK_EQ_INT(cw_merkle_root(t, s, h), 0);
        ref_mth(D, s, want);
        bad += memcmp(h, want, 32) != 0;
    }
    for (uint64_t s = 0; s <= BIG; s++) {
        CHECK_EQ_INT(cw_merkle_root(t, s, h), 0);
        ref_mth(D, s, want);
        bad += memcmp(h, want, 32) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(cw_merkle_root(t, BIG + 1, h), -1);
}

/* One inclusion proof: equal to the reference, verifies, and fails when altered.
 * Returns the number of failures, so that the tally stays readable. */
static int one_inclusion(const cw_merkle *t, uint64_t idx, uint64_t size, int all_indexes)
{
    uint8_t path[CW_MERKLE_MAX_PROOF][32], want[CW_MERKLE_MAX_PROOF][32], root[32], x[32];
    size_t n, wn;
    int bad = 0;

    if (cw_merkle_inclusion_proof(t, idx, size, path, &n) != 0)
        return 1;
    wn = ref_path(idx, D, size, want);
    ref_mth(D, size, root);
    bad += n != wn || memcmp(path, want, n * 32) != 0;
    bad += cw_merkle_verify_inclusion(data_leaves[idx], idx, size, CP(path), n, root) != 1;

    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 256; bit += 85) {
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            bad += cw_merkle_verify_inclusion(data_leaves[idx], idx, size, CP(path), n,
                                              root) != 0;
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    memcpy(x, data_leaves[idx], 32);
    x[31] ^= 1;
    bad += cw_merkle_verify_inclusion(x, idx, size, CP(path), n, root) != 0;
    memcpy(x, root, 32);
    x[0] ^= 0x80;
    bad += cw_merkle_verify_inclusion(data_leaves[idx], idx, size, CP(path), n, x) != 0;
    /* a proof cut short, or with a hash too many */
    if (n > 0)
        bad += cw_merkle_verify_inclusion(data_leaves[idx], idx, size, CP(path), n - 1,
                                          root) != 0;
    memcpy(path[n], root, 32);
    bad += cw_merkle_verify_inclusion(data_leaves[idx], idx, size, CP(path), n + 1,
                                      root) != 0;
    /* the same proof for another index: the leaf's own hash there, or the moved one */
    for (uint64_t j = 0; j < size + 2; j++) {
        if (j == idx || (!all_indexes && j > idx + 2 && j + 2 < size))
            continue;
        bad += cw_merkle_verify_inclusion(data_leaves[idx], j, size, CP(path), n, root) != 0;
        if (j < size)
            bad += cw_merkle_verify_inclusion(data_leaves[j], j, size, CP(path), n,
                                              root) != 0;
    }
    return bad;
}

static void test_inclusion(const cw_merkle *t)
{
    uint8_t path[CW_MERKLE_MAX_PROOF][32], root[32];
    size_t n;
    int bad = 0, pairs = 0;

    /* every pair up to 64 leaves, with every other index tried; beyond, a spread */
    for (uint64_t size = 1; size <= 64; size++)
        for (uint64_t idx = 0; idx < size; idx++, pairs++)
            bad += one_inclusion(t, idx, size, 1);
    for (uint64_t size = 65; size <= BIG; size++) {
        for (uint64_t idx = 0; idx < size; idx += (idx < 3 || idx + 4 > size) ? 1 : 13) {
            bad += one_inclusion(t, idx, size, 0);
            pairs++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(pairs > 5000);

    CHECK_EQ_INT(cw_merkle_inclusion_proof(t, 0, 0, path, &n), -1);
    CHECK_EQ_INT(cw_merkle_inclusion_proof(t, 5, 5, path, &n), -1);
    CHECK_EQ_INT(cw_merkle_inclusion_proof(t, 0, BIG + 1, path, &n), -1);
    ref_mth(D, 0, root);
    CHECK_EQ_INT(cw_merkle_verify_inclusion(data_leaves[0], 0, 0, CP(path), 0, root), 0);
    /* the single leaf: its hash is the root, the proof is empty */
    CHECK_EQ_INT(cw_merkle_inclusion_proof(t, 0, 1, path, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(cw_merkle_verify_inclusion(data_leaves[0], 0, 1, CP(path), 0,
                                            data_leaves[0]), 1);
    /* an interior node passed off as a leaf: the hashes add up to the root, but the
     * proof is shorter than the tree is deep */
    ref_mth(D, 2, path[1]);
    ref_mth(D + 2, 2, path[0]);
    ref_mth(D, 4, root);
    CHECK_EQ_INT(cw_merkle_verify_inclusion(path[1], 0, 4, CP(path), 1, root), 0);
}

/* One consistency proof: equal to the reference, verifies, and fails when altered. */
static int one_consistency(const cw_merkle *t, uint64_t m, uint64_t s)
{
    uint8_t path[CW_MERKLE_MAX_PROOF + 1][32], want[CW_MERKLE_MAX_PROOF][32];
    uint8_t r1[32], r2[32], x[32];
    size_t n, wn;
    int bad = 0;

    if (cw_merkle_consistency_proof(t, m, s, path, &n) != 0)
        return 1;
    wn = ref_proof(m, D, s, want);
    ref_mth(D, m, r1);
    ref_mth(D, s, r2);
    bad += n != wn || memcmp(path, want, n * 32) != 0;
    bad += cw_merkle_verify_consistency(m, s, r1, r2, CP(path), n) != 1;

    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 256; bit += 85) {
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            bad += cw_merkle_verify_consistency(m, s, r1, r2, CP(path), n) != 0;
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    memcpy(x, r1, 32);
    x[7] ^= 4;
    bad += cw_merkle_verify_consistency(m, s, x, r2, CP(path), n) != 0;
    if (m > 0 && m < s) {
        /* with equal sizes the new root is the old root: altering it is the case above;
         * the empty tree is a prefix of any tree, so there is no new root to check */
        memcpy(x, r2, 32);
        x[7] ^= 4;
        bad += cw_merkle_verify_consistency(m, s, r1, x, CP(path), n) != 0;
    }
    if (n > 0)
        bad += cw_merkle_verify_consistency(m, s, r1, r2, CP(path), n - 1) != 0;
    memcpy(path[n], r2, 32);
    bad += cw_merkle_verify_consistency(m, s, r1, r2, CP(path), n + 1) != 0;
    /* the old and new roots swapped (a shrinking log), or the new size off by one */
    if (m < s) {
        bad += cw_merkle_verify_consistency(s, m, r2, r1, CP(path), n) != 0;
        bad += cw_merkle_verify_consistency(m, s, r2, r1, CP(path), n) != 0;
    }
    /* the old tree claimed to be one leaf shorter or longer */
    if (m > 1 && m < s)
        bad += cw_merkle_verify_consistency(m - 1, s, r1, r2, CP(path), n) != 0;
    if (m + 1 < s)
        bad += cw_merkle_verify_consistency(m + 1, s, r1, r2, CP(path), n) != 0;
    return bad;
}

static void test_consistency(const cw_merkle *t)
{
    uint8_t path[CW_MERKLE_MAX_PROOF][32], r[32];
    size_t n;
    int bad = 0, pairs = 0;

    for (uint64_t s = 0; s <= 64; s++)
        for (uint64_t m = 0; m <= s; m++, pairs++)
            bad += one_consistency(t, m, s);
    for (uint64_t s = 65; s <= BIG; s += 7)
        for (uint64_t m = 0; m <= s; m += (m < 3 || m + 4 > s) ? 1 : 11, pairs++)
            bad += one_consistency(t, m, s);
    CHECK_EQ_INT(bad, 0);
    CHECK(pairs > 2500);

    CHECK_EQ_INT(cw_merkle_consistency_proof(t, 5, 4, path, &n), -1);
    CHECK_EQ_INT(cw_merkle_consistency_proof(t, 4, BIG + 1, path, &n), -1);
    /* the empty tree is a prefix of everything, but only under its own root */
    ref_mth(D, 0, r);
    CHECK_EQ_INT(cw_merkle_verify_consistency(0, 9, r, data_leaves[3], CP(path), 0), 1);
    CHECK_EQ_INT(cw_merkle_verify_consistency(0, 9, data_leaves[3], data_leaves[3],
                                              CP(path), 0), 0);
}

/* A tree larger than the exhaustive range, against the reference at a few sizes, and
 * free/reuse. */
static void test_large(void)
{
    enum { N = 70000 };
    uint8_t (*lv)[32] = malloc((size_t)N * 32);
    uint8_t path[CW_MERKLE_MAX_PROOF][32], h[32], want[32], r1[32];
    static const uint64_t sizes[] = {1, 2, 4096, 65536, 65537, 69999, N};
    cw_merkle t;
    size_t n;

    cw_merkle_init(&t);
    for (uint32_t i = 0; i < N; i++) {
        cw_merkle_leaf_hash(&i, sizeof i, lv[i]);
        CHECK_EQ_INT(cw_merkle_append(&t, lv[i]), 0);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t s = sizes[i];
        CHECK_EQ_INT(cw_merkle_root(&t, s, h), 0);
        ref_mth(CP(lv), s, want);
        CHECK(memcmp(h, want, 32) == 0);
        CHECK_EQ_INT(cw_merkle_inclusion_proof(&t, s - 1, s, path, &n), 0);
        CHECK_EQ_INT(cw_merkle_verify_inclusion(lv[s - 1], s - 1, s, CP(path), n, h), 1);
        CHECK_EQ_INT(cw_merkle_inclusion_proof(&t, s / 3, s, path, &n), 0);
        CHECK_EQ_INT(cw_merkle_verify_inclusion(lv[s / 3], s / 3, s, CP(path), n, h), 1);
        if (i > 0) {
            uint64_t m = sizes[i - 1];
            CHECK_EQ_INT(cw_merkle_root(&t, m, r1), 0);
            CHECK_EQ_INT(cw_merkle_consistency_proof(&t, m, s, path, &n), 0);
            CHECK_EQ_INT(cw_merkle_verify_consistency(m, s, r1, h, CP(path), n), 1);
        }
    }
    cw_merkle_free(&t);
    CHECK_EQ_INT(t.n, 0);
    CHECK_EQ_INT(cw_merkle_root(&t, 1, h), -1);
    CHECK_EQ_INT(cw_merkle_append(&t, lv[0]), 0);
    CHECK_EQ_INT(cw_merkle_root(&t, 1, h), 0);
    CHECK(memcmp(h, lv[0], 32) == 0);
    cw_merkle_free(&t);
    free(lv);
}

int main(void)
{
    cw_merkle t;

    test_vectors();
    make_leaves();
    cw_merkle_init(&t);
    test_roots(&t);
    test_inclusion(&t);
    test_consistency(&t);
    cw_merkle_free(&t);
    test_large();
    return check_summary("merkle");
}
