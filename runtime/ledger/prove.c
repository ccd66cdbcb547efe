/* prove.c  `callwarden audit prove` and checking a proof (G4): the records of one
 * consent, each with its RFC 6962 inclusion proof in the tree of the newest signed
 * checkpoint, so that a third party holding ledger.pub can see that these records are
 * in the log the business signed, unchanged, without seeing any other record.
 *
 *     callwarden-ledger-proof/1
 *     origin callwarden/acme/ledger
 *     checkpoint <base64 signed note>
 *     record <seq> <base64 header> <base64 sealed body>
 *     path <hex hash> ...                     (the audit path of the record above)
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

#define PROOF_LINE_MAX (1 << 20)

typedef struct prover {
    cw_merkle tree;
    const char *consent_id;
    uint64_t *seqs;                    /* the records of the consent */
    size_t n, cap;
    char *newest;                      /* the newest checkpoint's note */
    uint64_t newest_size;
} prover;

static int collect_leaf(void *ud, const cw_store_record *r)
{
    prover *p = ud;
    if (cw_merkle_append(&p->tree, r->leaf) != 0)
        return 1;
    if (strcmp(r->consent_id, p->consent_id) != 0)
        return 0;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        uint64_t *s = realloc(p->seqs, p->cap * sizeof *s);
        if (!s)
            return 1;
        p->seqs = s;
    }
    p->seqs[p->n++] = r->seq;
    return 0;
}

static int newest_checkpoint(void *ud, uint64_t size, const char *note)
{
    prover *p = ud;
    if (size >= p->newest_size) {
        free(p->newest);
        p->newest = strdup(note);
        p->newest_size = size;
    }
    return 0;
}

static void put_b64(FILE *f, const uint8_t *b, size_t n)
{
    char *s = cw_ledger_b64(b, n);
    if (s)
        fputs(s, f);
    free(s);
}

typedef struct writer_ctx {
    prover *p;
    FILE *f;
    size_t next;
} writer_ctx;

static int write_record(void *ud, const cw_store_record *r)
{
    writer_ctx *w = ud;
    if (w->next >= w->p->n || r->seq != w->p->seqs[w->next] || r->seq > w->p->newest_size)
        return 0;
    w->next++;
    fprintf(w->f, "record %" PRIu64 " ", r->seq);
    put_b64(w->f, r->header, r->header_len);
    fputc(' ', w->f);
    put_b64(w->f, r->body, r->body_len);
    fputs("\npath", w->f);
    uint8_t path[CW_MERKLE_MAX_PROOF][32];
    size_t np = 0;
    cw_merkle_inclusion_proof(&w->p->tree, r->seq - 1, w->p->newest_size, path, &np);
    for (size_t i = 0; i < np; i++) {
        fputc(' ', w->f);
        for (int j = 0; j < 32; j++)
            fprintf(w->f, "%02x", path[i][j]);
    }
    fputc('\n', w->f);
    return 0;
}

int cw_audit_prove(const char *data_dir, const char *tenant, const char *consent_id,
                   const char *out_path, FILE *out)
{
    char path[1100], err[512];
    if (!consent_id || strlen(consent_id) >= 40 || strpbrk(consent_id, " \n\"")) {
        fprintf(out, "callwarden audit prove: a consent id is needed\n");
        return 2;
    }
    cw_ledger_key k;
    int rc = cw_audit_open(data_dir, tenant, "audit prove", consent_id, path, sizeof path, &k,
                           out);
    if (rc)
        return rc;
    char origin[sizeof k.origin];
    snprintf(origin, sizeof origin, "%s", k.origin);
    cw_wipe(&k, sizeof k);
    cw_store *s = NULL;
    if (cw_store_ledger_open(path, &s, err, sizeof err) != 0) {
        fprintf(out, "callwarden audit prove: %s\n", err);
        return 2;
    }
    prover p;
    memset(&p, 0, sizeof p);
    p.consent_id = consent_id;
    cw_merkle_init(&p.tree);
    rc = cw_store_ledger_scan(s, 1, collect_leaf, &p, err, sizeof err);
    if (rc == 0)
        rc = cw_store_checkpoint_scan(s, newest_checkpoint, &p, err, sizeof err);
    int status = 0;
    if (rc != 0) {
        fprintf(out, "callwarden audit prove: %s\n", err);
        status = 2;
    } else if (p.n == 0) {
        fprintf(out, "callwarden audit prove: no record of consent %s\n", consent_id);
        status = 1;
    } else if (!p.newest || p.newest_size < p.seqs[0] || p.newest_size > p.tree.n) {
        fprintf(out, "callwarden audit prove: no signed checkpoint covers the records yet\n");
        status = 1;
    }
    FILE *f = status == 0 ? fopen(out_path, "w") : NULL;
    if (status == 0 && !f) {
        fprintf(out, "callwarden audit prove: cannot write %s\n", out_path);
        status = 2;
    }
    if (f) {
        fprintf(f, "callwarden-ledger-proof/1\norigin %s\ncheckpoint ", origin);
        put_b64(f, (const uint8_t *)p.newest, strlen(p.newest));
        fputc('\n', f);
        writer_ctx w = { &p, f, 0 };
        rc = cw_store_ledger_scan(s, p.seqs[0], write_record, &w, err, sizeof err);
        if (fclose(f) != 0 || rc != 0) {
            fprintf(out, "callwarden audit prove: %s\n", rc ? err : "write failed");
            status = 2;
        } else {
            fprintf(out, "proof of %zu records of consent %s under the checkpoint at %" PRIu64
                    " in %s\n", w.next, consent_id, p.newest_size, out_path);
        }
    }
    cw_store_close(s);
    cw_merkle_free(&p.tree);
    free(p.seqs);
    free(p.newest);
    return status;
}

/* ---- checking a proof: the public key alone ------------------------------------ */

int cw_audit_verify_proof(FILE *f, const char *name, const uint8_t pub[CW_P256_PUB_LEN],
                          const char *proof_path, FILE *out)
{
    char *line = malloc(PROOF_LINE_MAX), origin[CW_CHECKPOINT_NAME_MAX] = "";
    char corigin[CW_CHECKPOINT_NAME_MAX], why[160];
    uint64_t size = 0, seq = 0, proven = 0;
    uint8_t root[32], leaf[32];
    int have_cp = 0, have_leaf = 0, problems = 0, lineno = 1, bad = 0;
    while (line && !bad && fgets(line, PROOF_LINE_MAX, f)) {
        lineno++;
        size_t ll = strcspn(line, "\n");
        line[ll] = 0;
        if (strncmp(line, "origin ", 7) == 0) {
            snprintf(origin, sizeof origin, "%s", line + 7);
        } else if (strncmp(line, "checkpoint ", 11) == 0 && !have_cp) {
            size_t nl;
            uint8_t *note = cw_ledger_unb64(line + 11, &nl);
            char *text = note ? realloc(note, nl + 1) : NULL;
            if (!text) {
                free(note);
                bad = 1;
                break;
            }
            text[nl] = 0;
            have_cp = cw_checkpoint_verify(text, name, pub, corigin, sizeof corigin, &size,
                                           root, why, sizeof why);
            free(text);
            if (!have_cp || strcmp(corigin, origin) != 0) {
                fprintf(out, "the checkpoint: %s\n", have_cp ? "of another log" : why);
                free(line);
                return 1;
            }
        } else if (strncmp(line, "record ", 7) == 0 && have_cp) {
            char *h = strchr(line + 7, ' '), *b = h ? strchr(h + 1, ' ') : NULL;
            if (!b || sscanf(line + 7, "%" SCNu64, &seq) != 1) {
                bad = 1;
                break;
            }
            *h++ = 0;
            *b++ = 0;
            size_t hl, bl;
            uint8_t *hdr = cw_ledger_unb64(h, &hl), *body = cw_ledger_unb64(b, &bl);
            if (hdr && body)
                cw_ledger_leaf(hdr, hl, body, bl, leaf);
            free(hdr);
            free(body);
            if (!hdr || !body) {
                bad = 1;
                break;
            }
            have_leaf = 1;
        } else if (strncmp(line, "path", 4) == 0 && have_leaf) {
            uint8_t path[CW_MERKLE_MAX_PROOF][32];
            size_t np = 0;
            for (char *t = strtok(line + 4, " "); t && !bad; t = strtok(NULL, " ")) {
                if (np == CW_MERKLE_MAX_PROOF || strlen(t) != 64) {
                    bad = 1;
                    break;
                }
                for (int j = 0; j < 32; j++) {
                    unsigned v;
                    if (sscanf(t + 2 * j, "%2x", &v) != 1)
                        bad = 1;
                    path[np][j] = (uint8_t)v;
                }
                np++;
            }
            if (bad)
                break;
            if (seq == 0 || !cw_merkle_verify_inclusion(leaf, seq - 1, size,
                                                        (const uint8_t(*)[32])path, np, root)) {
                fprintf(out, "record %" PRIu64 ": not in the signed tree as given\n", seq);
                problems++;
            } else {
                proven++;
            }
            have_leaf = 0;
        } else {
            bad = 1;
        }
    }
    free(line);
    if (bad || !have_cp) {
        fprintf(out, "callwarden audit verify: %s:%d: not a ledger proof line\n", proof_path,
                lineno);
        return 2;
    }
    fprintf(out, "%s: %" PRIu64 " records proven in the tree of %" PRIu64 " signed by %s%s\n",
            proof_path, proven, size, name, problems ? ": PROBLEMS FOUND" : ": ok");
    return problems || proven == 0 ? 1 : 0;
}
