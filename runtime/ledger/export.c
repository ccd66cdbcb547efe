#define _GNU_SOURCE                  /* memmem */
/* export.c  `callwarden audit export` and the auditor's `audit verify EXPORT --trust
 * PUB`: the ledger as a text file anyone can check with the public key alone (G4).
 *
 *     callwarden-ledger-export/1
 *     origin callwarden/acme/ledger
 *     record 1 <base64 header> <base64 sealed body>
 *     ...
 *     checkpoint <base64 signed note>
 *
 * The verifier never decrypts: it recomputes every leaf from the header and the sealed
 * body, checks positions, the tree, the key chain from the trusted first key through
 * every KEY_ROTATED record (chain.c), and that every checkpoint is signed by a key
 * allowed to sign its size and has the root of the records up to it; records after
 * the newest checkpoint are reported as not yet covered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/checkpoint.h"
#include "callwarden/keyfile.h"
#include "callwarden/merkle.h"
#include "callwarden/store.h"
#include "ledger_int.h"

#define LINE_MAX_BYTES (1 << 20)

static void print_chain_problem(void *ud, uint64_t seq, const char *what)
{
    fprintf(ud, "record %" PRIu64 ": %s\n", seq, what);
}

typedef struct exporter {
    FILE *f;
    int failed;
} exporter;

static int export_record(void *ud, const cw_store_record *r)
{
    exporter *e = ud;
    char *h = cw_ledger_b64(r->header, r->header_len);
    char *b = cw_ledger_b64(r->body, r->body_len);
    if (!h || !b || fprintf(e->f, "record %" PRIu64 " %s %s\n", r->seq, h, b) < 0)
        e->failed = 1;
    free(h);
    free(b);
    return e->failed;
}

static int export_checkpoint(void *ud, uint64_t size, const char *note)
{
    exporter *e = ud;
    (void)size;
    char *n = cw_ledger_b64((const uint8_t *)note, strlen(note));
    if (!n || fprintf(e->f, "checkpoint %s\n", n) < 0)
        e->failed = 1;
    free(n);
    return e->failed;
}

int cw_audit_export(const char *data_dir, const char *tenant, const char *out_path, FILE *out)
{
    char path[1100], err[512];
    cw_ledger_keys *k;
    int rc = cw_audit_open(data_dir, tenant, "audit export", out_path, path, sizeof path, &k,
                           out);
    if (rc)
        return rc;
    char origin[sizeof k->origin];
    snprintf(origin, sizeof origin, "%s", k->origin);
    cw_ledger_keys_free(k);
    cw_store *s;
    if (cw_store_ledger_open(path, &s, err, sizeof err) != 0) {
        fprintf(out, "callwarden audit export: %s\n", err);
        return 2;
    }
    exporter e = { fopen(out_path, "w"), 0 };
    if (!e.f) {
        fprintf(out, "callwarden audit export: cannot write %s\n", out_path);
        cw_store_close(s);
        return 2;
    }
    fprintf(e.f, "callwarden-ledger-export/1\norigin %s\n", origin);
    rc = cw_store_ledger_scan(s, 1, export_record, &e, err, sizeof err);
    if (rc == 0)
        rc = cw_store_checkpoint_scan(s, export_checkpoint, &e, err, sizeof err);
    cw_store_close(s);
    if (fclose(e.f) != 0 || rc != 0 || e.failed) {
        fprintf(out, "callwarden audit export: %s\n", rc ? err : "write failed");
        return 2;
    }
    fprintf(out, "exported the ledger of %s to %s\n", tenant, out_path);
    return 0;
}

/* ---- the auditor's side: the export and the public key alone --------------------- */

int cw_trust_read(const char *path, cw_trust *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    memset(t, 0, sizeof *t);
    char line[512];
    int ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        char n[128], hex[2 * CW_P256_PUB_LEN + 2];
        if (line[0] == '#' || line[0] == '\n')
            continue;
        ok = t->n < CW_LEDGER_KEYS_MAX && sscanf(line, "%127s %131s", n, hex) == 2 &&
             strlen(hex) == 2 * CW_P256_PUB_LEN;
        for (int i = 0; ok && i < CW_P256_PUB_LEN; i++) {
            unsigned v;
            ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
            t->pub[t->n][i] = (uint8_t)v;
        }
        if (ok)
            snprintf(t->name[t->n++], sizeof t->name[0], "%s", n);
    }
    fclose(f);
    return ok && t->n ? 0 : -1;
}

void cw_trust_chain(const cw_trust *t, const char *origin, cw_key_chain *c)
{
    cw_chain_init(c, origin);
    size_t ol = strlen(origin);
    for (unsigned i = 0; i < t->n; i++)
        if (strncmp(t->name[i], origin, ol) == 0 && t->name[i][ol] == '-')
            cw_chain_trust(c, t->name[i] + ol + 1, t->pub[i]);
}

int cw_audit_verify_export(const char *export_path, const char *trust_path, FILE *out)
{
    char origin[CW_CHECKPOINT_NAME_MAX] = "";
    cw_trust trust;
    if (cw_trust_read(trust_path, &trust) != 0) {
        fprintf(out, "callwarden audit verify: %s is not a ledger.pub (\"NAME HEX\" lines)\n",
                trust_path);
        return 2;
    }
    FILE *f = fopen(export_path, "r");
    if (!f) {
        fprintf(out, "callwarden audit verify: cannot read %s\n", export_path);
        return 2;
    }
    char first[64] = "";
    if (fgets(first, sizeof first, f) && strcmp(first, "callwarden-ledger-proof/1\n") == 0) {
        int rc = cw_audit_verify_proof(f, &trust, export_path, out);
        fclose(f);
        return rc;
    }
    rewind(f);
    char *line = malloc(LINE_MAX_BYTES);
    cw_key_chain *chain = calloc(1, sizeof *chain);
    cw_merkle tree;
    cw_merkle_init(&tree);
    int problems = 0, lineno = 0, bad_format = !chain;
    uint64_t checkpoints = 0, covered = 0;
    while (line && !bad_format && fgets(line, LINE_MAX_BYTES, f)) {
        lineno++;
        size_t ll = strcspn(line, "\n");
        if (line[ll] != '\n') {
            bad_format = 1;
            break;
        }
        line[ll] = 0;
        if (lineno == 1) {
            bad_format = strcmp(line, "callwarden-ledger-export/1") != 0;
            continue;
        }
        if (strncmp(line, "origin ", 7) == 0 && !origin[0]) {
            snprintf(origin, sizeof origin, "%s", line + 7);
            cw_trust_chain(&trust, origin, chain);
            continue;
        }
        if (strncmp(line, "record ", 7) == 0 && origin[0]) {
            uint64_t seq;
            char *h = strchr(line + 7, ' '), *b = h ? strchr(h + 1, ' ') : NULL;
            if (!b || sscanf(line + 7, "%" SCNu64, &seq) != 1) {
                bad_format = 1;
                break;
            }
            *h++ = 0;
            *b++ = 0;
            size_t hl, bl;
            uint8_t *hdr = cw_ledger_unb64(h, &hl), *body = cw_ledger_unb64(b, &bl);
            if (!hdr || !body) {
                free(hdr);
                free(body);
                bad_format = 1;
                break;
            }
            char want[48], event[32] = "", why[160];
            int wl = snprintf(want, sizeof want, "\nseq %" PRIu64 "\n", seq);
            const char *ev = memmem(hdr, hl, "\nevent ", 7);
            if (ev) {
                size_t el = 0;
                ev += 7;
                while (ev + el < (const char *)hdr + hl && ev[el] != '\n' && el < 31)
                    el++;
                memcpy(event, ev, el);
            }
            if (seq != tree.n + 1) {
                fprintf(out, "record %" PRIu64 ": out of order or records missing before it\n",
                        seq);
                problems++;
            } else if (!memmem(hdr, hl, want, (size_t)wl)) {
                fprintf(out, "record %" PRIu64 ": its header says another position\n", seq);
                problems++;
            }
            if (cw_chain_record(chain, seq, event, hdr, hl, why, sizeof why) != 0) {
                fprintf(out, "record %" PRIu64 ": %s\n", seq, why);
                problems++;
            }
            uint8_t leaf[32];
            cw_ledger_leaf(hdr, hl, body, bl, leaf);
            free(hdr);
            free(body);
            if (cw_merkle_append(&tree, leaf) != 0) {
                bad_format = 1;
                break;
            }
            continue;
        }
        if (strncmp(line, "checkpoint ", 11) == 0 && origin[0]) {
            size_t nl;
            uint8_t *note = cw_ledger_unb64(line + 11, &nl);
            char *text = note ? realloc(note, nl + 1) : NULL;
            if (!text) {
                free(note);
                bad_format = 1;
                break;
            }
            text[nl] = 0;
            char why[160];
            uint64_t size;
            uint8_t root[32], mine[32];
            checkpoints++;
            if (cw_chain_checkpoint(chain, text, &size, root, why, sizeof why) != 0) {
                fprintf(out, "checkpoint %" PRIu64 ": %s\n", checkpoints, why);
                problems++;
            } else if (size > tree.n) {
                fprintf(out, "checkpoint at %" PRIu64 ": records %" PRIu64 " to %" PRIu64
                        " are missing (cut off)\n", size, tree.n + 1, size);
                problems++;
            } else if (cw_merkle_root(&tree, size, mine) != 0 || memcmp(mine, root, 32) != 0) {
                fprintf(out, "checkpoint at %" PRIu64 ": the records up to it are not those "
                        "it signed\n", size);
                problems++;
            } else if (size > covered) {
                covered = size;
            }
            free(text);
            continue;
        }
        bad_format = 1;
    }
    fclose(f);
    free(line);
    if (bad_format) {
        fprintf(out, "callwarden audit verify: %s:%d: not a ledger export line\n", export_path,
                lineno);
        cw_merkle_free(&tree);
        free(chain);
        return 2;
    }
    problems += cw_chain_finish(chain, print_chain_problem, out);
    if (checkpoints == 0) {
        fprintf(out, "no signed checkpoint: nothing is proven\n");
        problems++;
    } else if (covered < tree.n) {
        fprintf(out, "records %" PRIu64 " to %" PRIu64 " are not yet covered by a checkpoint\n",
                covered + 1, tree.n);
    }
    uint8_t root[32];
    char hex[65], keys[256] = "";
    for (unsigned i = 0; i < chain->n; i++)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", i ? "," : "",
                 chain->k[i].id);
    cw_merkle_root(&tree, tree.n, root);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", root[i]);
    fprintf(out, "%s: %" PRIu64 " records, %" PRIu64 " checkpoints, keys %s, root %s: %s\n",
            export_path, tree.n, checkpoints, keys[0] ? keys : "-", hex,
            problems ? "PROBLEMS FOUND" : "ok");
    cw_merkle_free(&tree);
    free(chain);
    return problems ? 1 : 0;
}
