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
#define _GNU_SOURCE                  /* memmem */
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
    uint64_t *seqs;                    /* the records of the consent, and every rotation */
    size_t n, cap;
    size_t nconsent;                   /* of those, the consent's */
    uint64_t first;                    /* its first record */
    char *newest;                      /* the newest checkpoint's note */
    uint64_t newest_size;
} prover;

static int collect_leaf(void *ud, const cw_store_record *r)
{
    prover *p = ud;
    if (cw_merkle_append(&p->tree, r->leaf) != 0)
        return 1;
    int mine = strcmp(r->consent_id, p->consent_id) == 0;
    if (!mine && strcmp(r->event_type, "KEY_ROTATED") != 0)
        return 0;                      /* rotations let the verifier follow the keys */
    if (mine && p->nconsent++ == 0)
        p->first = r->seq;
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
    cw_ledger_keys *k;
    int rc = cw_audit_open(data_dir, tenant, "audit prove", consent_id, path, sizeof path, &k,
                           out);
    if (rc)
        return rc;
    char origin[sizeof k->origin];
    snprintf(origin, sizeof origin, "%s", k->origin);
    cw_ledger_keys_free(k);
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
    } else if (p.nconsent == 0) {
        fprintf(out, "callwarden audit prove: no record of consent %s\n", consent_id);
        status = 1;
    } else if (!p.newest || p.newest_size < p.first || p.newest_size > p.tree.n) {
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
        rc = cw_store_ledger_scan(s, 1, write_record, &w, err, sizeof err);
        if (fclose(f) != 0 || rc != 0) {
            fprintf(out, "callwarden audit prove: %s\n", rc ? err : "write failed");
            status = 2;
        } else {
            fprintf(out, "proof of %zu records of consent %s (and %zu key rotations) under the "
                    "checkpoint at %" PRIu64 " in %s\n", p.nconsent, consent_id,
                    w.next - p.nconsent, p.newest_size, out_path);
        }
    }
    cw_store_close(s);
    cw_merkle_free(&p.tree);
    free(p.seqs);
    free(p.newest);
    return status;
}

/* ---- checking a proof: the public key alone ------------------------------------ */

/* One proven record as read: its position, leaf and audit path. */
typedef struct proven_rec {
    uint64_t seq;
    uint8_t leaf[32];
    uint8_t path[CW_MERKLE_MAX_PROOF][32];
    size_t np;
} proven_rec;

/*
 * The records come first into the key chain (the rotations among them say which key
 * was in force), then the checkpoint is checked against the chain (a key allowed to
 * sign its size), and then each record's path against the checkpoint's root: so a
 * verifier holding only the log's first public key can check a proof made years and
 * several rotations later.
 */
int cw_audit_verify_proof(FILE *f, const cw_trust *t, const char *proof_path, FILE *out)
{
    char *line = malloc(PROOF_LINE_MAX), origin[CW_CHECKPOINT_NAME_MAX] = "", why[160];
    char *note = NULL;
    cw_key_chain *chain = calloc(1, sizeof *chain);
    proven_rec *recs = NULL;
    size_t nrecs = 0, cap = 0;
    int have_leaf = 0, problems = 0, lineno = 1, bad = !chain;
    while (line && !bad && fgets(line, PROOF_LINE_MAX, f)) {
        lineno++;
        size_t ll = strcspn(line, "\n");
        line[ll] = 0;
        if (strncmp(line, "origin ", 7) == 0 && !origin[0]) {
            snprintf(origin, sizeof origin, "%s", line + 7);
            cw_trust_chain(t, origin, chain);
        } else if (strncmp(line, "checkpoint ", 11) == 0 && !note && origin[0]) {
            size_t nl;
            uint8_t *raw = cw_ledger_unb64(line + 11, &nl);
            note = raw ? realloc(raw, nl + 1) : NULL;
            if (!note) {
                free(raw);
                bad = 1;
                break;
            }
            note[nl] = 0;
        } else if (strncmp(line, "record ", 7) == 0 && note && !have_leaf) {
            uint64_t seq;
            char *h = strchr(line + 7, ' '), *b = h ? strchr(h + 1, ' ') : NULL;
            if (!b || sscanf(line + 7, "%" SCNu64, &seq) != 1) {
                bad = 1;
                break;
            }
            *h++ = 0;
            *b++ = 0;
            if (nrecs == cap) {
                cap = cap ? cap * 2 : 16;
                proven_rec *n = realloc(recs, cap * sizeof *recs);
                if (!n) {
                    bad = 1;
                    break;
                }
                recs = n;
            }
            proven_rec *r = &recs[nrecs];
            r->seq = seq;
            r->np = 0;
            size_t hl, bl;
            uint8_t *hdr = cw_ledger_unb64(h, &hl), *body = cw_ledger_unb64(b, &bl);
            if (hdr && body) {
                cw_ledger_leaf(hdr, hl, body, bl, r->leaf);
                int rot = memmem(hdr, hl, "\nevent KEY_ROTATED\n", 19) != NULL;
                if (cw_chain_record(chain, seq, rot ? "KEY_ROTATED" : "-", hdr, hl, why,
                                    sizeof why) != 0) {
                    fprintf(out, "record %" PRIu64 ": %s\n", seq, why);
                    problems++;
                }
            }
            free(hdr);
            free(body);
            if (!hdr || !body) {
                bad = 1;
                break;
            }
            have_leaf = 1;
        } else if (strncmp(line, "path", 4) == 0 && have_leaf) {
            proven_rec *r = &recs[nrecs];
            for (char *tok = strtok(line + 4, " "); tok && !bad; tok = strtok(NULL, " ")) {
                if (r->np == CW_MERKLE_MAX_PROOF || strlen(tok) != 64) {
                    bad = 1;
                    break;
                }
                for (int j = 0; j < 32; j++) {
                    unsigned v;
                    if (sscanf(tok + 2 * j, "%2x", &v) != 1)
                        bad = 1;
                    r->path[r->np][j] = (uint8_t)v;
                }
                r->np++;
            }
            nrecs++;
            have_leaf = 0;
        } else {
            bad = 1;
        }
    }
    free(line);
    if (bad || !note || have_leaf) {
        fprintf(out, "callwarden audit verify: %s:%d: not a ledger proof line\n", proof_path,
                lineno);
        free(note);
        free(chain);
        free(recs);
        return 2;
    }
    uint64_t size = 0, proven = 0;
    uint8_t root[32];
    const char *signer = "-";
    if (cw_chain_checkpoint(chain, note, &size, root, why, sizeof why) != 0) {
        fprintf(out, "the checkpoint: %s\n", why);
        free(note);
        free(chain);
        free(recs);
        return 1;
    }
    for (unsigned i = 0; i < chain->n; i++)
        if (size >= chain->k[i].from && size <= chain->k[i].to)
            signer = chain->k[i].id;
    for (size_t i = 0; i < nrecs; i++) {
        proven_rec *r = &recs[i];
        if (r->seq == 0 || !cw_merkle_verify_inclusion(r->leaf, r->seq - 1, size,
                                                       (const uint8_t(*)[32])r->path, r->np,
                                                       root)) {
            fprintf(out, "record %" PRIu64 ": not in the signed tree as given\n", r->seq);
            problems++;
        } else {
            proven++;
        }
    }
    fprintf(out, "%s: %" PRIu64 " records proven in the tree of %" PRIu64 " signed by key %s%s\n",
            proof_path, proven, size, signer, problems ? ": PROBLEMS FOUND" : ": ok");
    free(note);
    free(chain);
    free(recs);
    return problems || proven == 0 ? 1 : 0;
}
