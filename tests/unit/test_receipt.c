/* test_receipt.c  Consent record bodies (G4, G3): a complete GIVEN becomes JSON with
 * every field; each field a proof needs, left out, is refused by name; a refusal that
 * would keep audio evidence is refused; the JSON writer escapes what it must and the
 * reader gets the fields back, also past nested values and escapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/json.h"
#include "callwarden/receipt.h"
#include "check.h"

static const cw_receipt_purpose purposes[] = {
    { "call_handling", "30d", 1700002592000, "" },
    { "ai_improvement", "90d", 1707776000000, "Beispiel KI GmbH" },
};

static cw_receipt given(void)
{
    cw_receipt r = {
        .event_type = "GIVEN", .consent_id = "4f1c2a7e-1b2c-4d3e-8f40-0123456789ab",
        .subject_ref = "9a3b00c1d2e3f4a5b6c7d8e9f0a1b2c3", .ts_ms = 1700000000000,
        .jurisdiction = "DE", .language = "de",
        .controller = "Praxis Dr. Beispiel, Hauptstr. 1, 10115 Berlin, dsb@praxis.example",
        .policy_url = "https://praxis.example/datenschutz", .policy_version = "2026-11",
        .wording_version = "consent-short-v2/B", .wording_text_sha256 = "aa11",
        .wording_audio_sha256 = "bb22", .level = "extended", .purposes = purposes,
        .npurposes = 2, .method = "DTMF", .answer = "1", .confidence = 1,
        .disclosure_sha256 = "cc33", .disclosed_at_ms = 1699999990000,
        .recording_notice_ms = 1699999995000, .call_id_hash = "dd44", .tenant = "praxis",
        .build = "0.1.0", .policy_hash = "ee55", .flow_hash = "ff66",
        .delete_after_ms = 1707776000000, .proof_retain_until_ms = 1857000000000,
    };
    return r;
}

static void refused_without(const char *what, cw_receipt r, const char *want)
{
    char err[256] = "";
    size_t len;
    char *j = cw_receipt_json(&r, &len, err, sizeof err);
    if (j || !strstr(err, want))
        fprintf(stderr, "without %s: got \"%s\"\n", what, err);
    CHECK(j == NULL);
    CHECK(strstr(err, want) != NULL);
    free(j);
}

int main(void)
{
    char err[256], v[256];
    size_t len;
    cw_receipt r = given();
    char *j = cw_receipt_json(&r, &len, err, sizeof err);
    CHECK(j != NULL);
    CHECK_EQ_INT((int)strlen(j), (int)len);
    CHECK_EQ_INT(cw_json_get_str(j, len, "schema", v, sizeof v), 0);
    CHECK_STR(v, "callwarden-consent/1");
    CHECK_EQ_INT(cw_json_get_str(j, len, "consent_id", v, sizeof v), 0);
    CHECK_STR(v, r.consent_id);
    CHECK_EQ_INT(cw_json_get_str(j, len, "cli_status", v, sizeof v), 0);
    CHECK_STR(v, "present");
    /* past the nested wording, purposes and method objects */
    CHECK_EQ_INT(cw_json_get_str(j, len, "flow_hash", v, sizeof v), 0);
    CHECK_STR(v, "ff66");
    CHECK(strstr(j, "\"purposes\":[{\"purpose\":\"call_handling\",\"retention\":\"30d\"") != NULL);
    CHECK(strstr(j, "\"method\":{\"kind\":\"DTMF\",\"answer\":\"1\"}") != NULL);
    CHECK(strstr(j, "\"recipients\":\"Beispiel KI GmbH\"") != NULL);
    CHECK_EQ_INT(cw_json_get_str(j, len, "nonexistent", v, sizeof v), 1);
    /* a nested member of that name is not a top-level one */
    CHECK_EQ_INT(cw_json_get_str(j, len, "kind", v, sizeof v), 1);
    free(j);

    /* each field a GIVEN's proof needs */
    cw_receipt t;
    t = given(); t.subject_ref = NULL; refused_without("subject", t, "needs subject_ref");
    t = given(); t.controller = ""; refused_without("controller", t, "needs controller");
    t = given(); t.jurisdiction = NULL; refused_without("jurisdiction", t, "jurisdiction");
    t = given(); t.language = NULL; refused_without("language", t, "language");
    t = given(); t.policy_hash = NULL; refused_without("policy hash", t, "policy_hash");
    t = given(); t.flow_hash = NULL; refused_without("flow hash", t, "flow_hash");
    t = given(); t.level = NULL; refused_without("level", t, "GIVEN needs level");
    t = given(); t.npurposes = 0; refused_without("purposes", t, "GIVEN needs purposes");
    t = given(); t.wording_text_sha256 = NULL; refused_without("wording hash", t, "wording");
    t = given(); t.answer = NULL; refused_without("answer", t, "method and answer");
    t = given(); t.consent_id = NULL; refused_without("consent id", t, "consent_id");
    t = given(); t.disclosed_at_ms = t.ts_ms + 1;
    refused_without("disclosure first", t, "disclosure comes before");
    t = given(); t.proof_retain_until_ms = 0; refused_without("proof retention", t, "proof_retain");
    t = given(); t.delete_after_ms = 0; refused_without("delete_after", t, "delete_after_ms");
    cw_receipt_purpose bad[] = { { "call_handling", "", 1700002592000, "" } };
    t = given(); t.purposes = bad; t.npurposes = 1;
    refused_without("a purpose's retention", t, "every purpose");
    t = given(); t.event_type = "KEY_ROTATED"; refused_without("own event", t, "known event");
    t = given(); t.tenant = NULL; refused_without("tenant", t, "tenant");

    /* G3: a refusal never keeps its audio */
    t = given(); t.event_type = "REFUSED"; t.answer = "2"; t.evidence_ref = "a1b2";
    refused_without("refusal evidence", t, "REFUSED must not keep evidence");
    t.evidence_ref = NULL;
    j = cw_receipt_json(&t, &len, err, sizeof err);
    CHECK(j != NULL);
    free(j);
    /* a withdrawal names the consent it ends */
    cw_receipt w = { .event_type = "WITHDRAWN", .consent_id = r.consent_id,
                     .subject_ref = r.subject_ref, .ts_ms = r.ts_ms + 5000,
                     .jurisdiction = "DE", .language = "de", .controller = r.controller,
                     .policy_version = "2026-11", .policy_hash = "ee55", .method = "DTMF",
                     .answer = "0", .tenant = "praxis", .build = "0.1.0" };
    refused_without("refers_to", w, "refers_to");
    w.refers_to = "7d6c5b4a-0000-4000-8000-000000000001";
    j = cw_receipt_json(&w, &len, err, sizeof err);
    CHECK(j != NULL);
    free(j);

    /* the writer escapes; the reader unescapes */
    cw_json jw;
    cw_json_init(&jw);
    cw_json_object(&jw, NULL);
    cw_json_str(&jw, "text", "Sag \"ja\"\\nein\n\x01");
    cw_json_array(&jw, "list");
    cw_json_int(&jw, NULL, -5);
    cw_json_bool(&jw, NULL, 1);
    cw_json_str(&jw, NULL, NULL);
    cw_json_end_array(&jw);
    cw_json_str(&jw, "after", "x");
    cw_json_end_object(&jw);
    j = cw_json_finish(&jw, &len);
    CHECK_STR(j, "{\"text\":\"Sag \\\"ja\\\"\\\\nein\\u000a\\u0001\",\"list\":[-5,true,null],"
                 "\"after\":\"x\"}");
    CHECK_EQ_INT(cw_json_get_str(j, len, "text", v, sizeof v), 0);
    CHECK_STR(v, "Sag \"ja\"\\nein\n\x01");
    CHECK_EQ_INT(cw_json_get_str(j, len, "after", v, sizeof v), 0);
    CHECK_STR(v, "x");
    CHECK_EQ_INT(cw_json_get_str(j, len, "text", v, 4), -1);   /* does not fit */
    CHECK_EQ_INT(cw_json_get_str("not json", 8, "text", v, sizeof v), -1);
    CHECK_EQ_INT(cw_json_get_str("{\"a\":", 5, "b", v, sizeof v), -1);
    free(j);
    return check_summary("receipt");
}
