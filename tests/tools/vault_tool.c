/* vault_tool.c  Puts content and consent records where calls will (issue 5), for the
 * subject and retention tests:
 *
 *   vault_tool put DATA TENANT NUMBER CONSENT PURPOSE DELETE_AFTER_MS TEXT
 *       store TEXT as an artifact of the caller NUMBER ("" withheld) under CONSENT;
 *       prints "subject=REF artifact=ID".
 *   vault_tool given DATA TENANT NUMBER CONSENT
 *       append a complete GIVEN consent record for the caller's subject to the ledger.
 *   vault_tool get DATA TENANT ID
 *       print the artifact's content; exit 1 if it is gone or shredded, 2 if corrupt.
 *   vault_tool list DATA TENANT
 *       one line per artifact: "artifact=ID consent=C purpose=P kind=K size=N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/keyfile.h"
#include "callwarden/receipt.h"
#include "callwarden/vault.h"

static int print_meta(void *ud, const cw_vault_meta *m)
{
    (void)ud;
    printf("artifact=%s consent=%s purpose=%s kind=%s size=%llu\n", m->id, m->consent_id,
           m->purpose, m->kind, (unsigned long long)m->size);
    return 0;
}

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "vault_tool: %s: %s\n", what, err);
    return 2;
}

int main(int argc, char **argv)
{
    char err[512], ref[CW_VAULT_REF_LEN], id[CW_VAULT_REF_LEN], sha[CW_VAULT_SHA256_HEX_LEN];
    if (argc < 4) {
        fprintf(stderr, "usage: vault_tool put|given|get DATA TENANT ...\n");
        return 2;
    }
    const char *data = argv[2], *tenant = argv[3];
    cw_vault *v;
    if (cw_vault_open(data, tenant, &v, err, sizeof err) != 0)
        return fail("open", err);
    int rc = 0;
    int64_t now = cw_now_ms();
    if (strcmp(argv[1], "put") == 0 && argc == 9) {
        cw_vault_item it = { .consent_id = argv[5], .purpose = argv[6], .kind = "text/plain",
                             .created_ms = now, .delete_after_ms = atoll(argv[7]) };
        if (cw_vault_subject(v, argv[4], now, ref, err, sizeof err) != 0)
            rc = fail("subject", err);
        it.subject_ref = ref;
        if (rc == 0 && cw_vault_put(v, &it, argv[8], strlen(argv[8]), id, sha, err,
                                    sizeof err) != 0)
            rc = fail("put", err);
        if (rc == 0)
            printf("subject=%s artifact=%s\n", ref, id);
    } else if (strcmp(argv[1], "given") == 0 && argc == 6) {
        char path[1100];
        cw_ledger_keys *k = cw_ledger_keys_new();
        snprintf(path, sizeof path, "%s/%s/consent.db", data, tenant);
        int found = cw_vault_find_subject(v, argv[4], ref, err, sizeof err);
        if (!k || found != 0 || cw_keyfile_load(data, tenant, k, err, sizeof err) != 0) {
            rc = fail("given", found ? "no such subject" : err);
        } else {
            cw_receipt_purpose p = { "call_handling", "30d", now + 30 * 86400000LL, "" };
            cw_receipt r = {
                .event_type = "GIVEN", .consent_id = argv[5], .subject_ref = ref, .ts_ms = now,
                .jurisdiction = "DE", .language = "de", .controller = "Test GmbH",
                .policy_version = "test", .wording_version = "test",
                .wording_text_sha256 = "00", .level = "basic", .purposes = &p, .npurposes = 1,
                .method = "DTMF", .answer = "1", .confidence = 1,
                .disclosure_sha256 = "00", .disclosed_at_ms = now - 5000, .tenant = tenant,
                .build = "test", .policy_hash = "00", .flow_hash = "00",
                .delete_after_ms = now + 30 * 86400000LL,
                .proof_retain_until_ms = now + 3 * 365 * 86400000LL,
            };
            size_t len;
            char *body = cw_receipt_json(&r, &len, err, sizeof err);
            cw_ledger_event ev = { .ts_ms = now, .event_type = "GIVEN", .consent_id = argv[5],
                                   .body = body, .body_len = len };
            if (!body || cw_ledger_append_now(path, k, &ev, err, sizeof err) != 0)
                rc = fail("given", err);
            free(body);
        }
        cw_ledger_keys_free(k);
    } else if (strcmp(argv[1], "list") == 0 && argc == 4) {
        if (cw_vault_list(v, NULL, NULL, print_meta, NULL, err, sizeof err) != 0)
            rc = fail("list", err);
    } else if (strcmp(argv[1], "get") == 0 && argc == 5) {
        uint8_t *d = NULL;
        size_t len = 0;
        int g = cw_vault_get(v, argv[4], &d, &len, NULL, err, sizeof err);
        if (g == 0)
            fwrite(d, 1, len, stdout);
        else
            fprintf(stderr, "vault_tool: get: %s\n", err);
        cw_vault_free_data(d, len);
        rc = g == 0 ? 0 : g == 1 ? 1 : 2;
    } else {
        rc = fail(argv[1], "bad arguments");
    }
    cw_vault_close(v);
    return rc;
}
