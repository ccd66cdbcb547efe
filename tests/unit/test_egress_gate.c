/* test_egress_gate.c  G6 at its two checkpoints: the policy's egress and ai statements
 * (what loads, what is refused with file:line), and the gate's verdict for every kind
 * of request: allowed, not https, not on the list, a region not permitted, user info
 * in the URL, no purpose, no consent, a withdrawn consent, a level that does not cover
 * the purpose. The transfers themselves are tested against real HTTPS servers in
 * tests/egress. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "callwarden/egress.h"
#include "callwarden/policy.h"
#include "callwarden/redact.h"
#include "check.h"

static char root[] = "/tmp/cw_egress_XXXXXX";
static char tdir[PATH_MAX];
static char err[16384];

/* The lines every test policy has (1-8); a test adds its egress and ai lines (9-). */
static const char base[] =
    "controller { name = \"Muster GmbH\", contact = \"info@muster.example\" }\n"
    "jurisdiction \"DE\"\n"
    "languages { default = \"de\", \"de\" }\n"
    "notice { url = \"https://muster.example/datenschutz\" }\n"
    "disclosure \"de\" { text = \"Sie sprechen mit einer KI.\" }\n"
    "consent \"de\" { question = \"Einverstanden? Dann die 1.\", accepted = \"Danke.\", "
    "refused = \"Gut.\", withdrawn = \"Widerrufen.\" }\n"
    "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"30d\" }\n"
    "level \"extended\" { key = \"2\", purposes = { \"call_handling\", \"ai_improvement\" }, "
    "retention = \"90d\" }\n";

static cw_policy *load(const char *extra)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/policy.lua", tdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fprintf(f, "%s%s", base, extra);
    fclose(f);
    err[0] = 0;
    return cw_policy_load("t", tdir, err, sizeof err);
}

static void refused(const char *extra, const char *want)
{
    cw_policy *p = load(extra);
    int ok = p == NULL && strstr(err, want) != NULL;
    if (!ok)
        fprintf(stderr, "  expected \"%s\" for\n%s\n  got %s:\n%s\n", want, extra,
                p ? "a policy" : "errors", err);
    CHECK(ok);
    cw_policy_free(p);
}

static const char good[] =
    "egress { allow = { [\"ai.muster.eu\"] = \"EU\", [\"10.1.2.3:8443\"] = \"DE\", "
    "[\"us.example\"] = \"US\", [\"[::1]:9443\"] = \"EEA\" }, regions = { \"EU\", \"EEA\", "
    "\"DE\" } }\n"
    "ai { chat = { url = \"https://ai.muster.eu/v1/chat/completions\", model = \"m\", "
    "purpose = \"call_handling\" }, timeout_ms = 3000, silence_ms = 800, retries = 2, "
    "redact = { \"phone\", \"email\" }, wait = { de = \"Einen Moment.\" }, "
    "unavailable = { de = \"Gerade nicht.\" } }\n";

static void test_policy(void)
{
    cw_policy *p = load(good);
    if (!p)
        fprintf(stderr, "%s\n", err);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->negress_allow, 4);
        CHECK_EQ_INT(p->negress_regions, 3);
        CHECK_STR(p->ai_chat.url, "https://ai.muster.eu/v1/chat/completions");
        CHECK_STR(p->ai_chat.purpose, "call_handling");
        CHECK_EQ_INT(p->ai_timeout_ms, 3000);
        CHECK_EQ_INT(p->ai_silence_ms, 800);
        CHECK_EQ_INT(p->ai_retries, 2);
        CHECK_EQ_INT(p->ai_redact, CW_REDACT_PHONE | CW_REDACT_EMAIL);
        CHECK_STR(p->langs[0].ai_wait, "Einen Moment.");
        CHECK_STR(p->langs[0].ai_unavailable, "Gerade nicht.");
        const cw_policy_host *h = cw_policy_egress_host(p, "10.1.2.3", 8443);
        CHECK(h && strcmp(h->region, "DE") == 0);
        CHECK(cw_policy_egress_host(p, "10.1.2.3", 443) == NULL);
        CHECK(cw_policy_egress_host(p, "ai.muster.eu", 8080) != NULL);   /* any port */
        CHECK(cw_policy_egress_host(p, "::1", 9443) != NULL);
        cw_policy_free(p);
    }
    /* no egress statement: EU and EEA permitted, nothing allowed */
    p = load("");
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->negress_allow, 0);
        CHECK(cw_policy_region_permitted(p, "EU") && cw_policy_region_permitted(p, "EEA"));
        CHECK(!cw_policy_region_permitted(p, "US"));
        CHECK_EQ_INT(p->ai_redact, CW_REDACT_ALL);
        cw_policy_free(p);
    }

    refused("egress { allow = { [\"ai.muster.eu\"] = \"europe\" } }\n",
            "t/policy.lua:9: egress.allow: host \"ai.muster.eu\" needs the region");
    refused("egress { allow = { [\"https://ai.muster.eu\"] = \"EU\" } }\n",
            "t/policy.lua:9: egress.allow: \"https://ai.muster.eu\" is not a host");
    refused("egress { regions = { \"eu\" } }\n", "t/policy.lua:9: egress.regions: \"eu\"");
    refused("egress { regions = {} }\n", "t/policy.lua:9: egress.regions is empty");
    refused("egress { allowed = {} }\n", "t/policy.lua:9: unknown field \"allowed\"");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"http://ai.muster.eu/v1/chat/completions\", "
            "purpose = \"call_handling\" } }\n",
            "t/policy.lua:10: ai.chat url \"http://ai.muster.eu/v1/chat/completions\": "
            "http:// is not allowed");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://other.example/v1\", purpose = \"call_handling\" } }\n",
            "t/policy.lua:10: ai.chat url \"https://other.example/v1\": host other.example "
            "port 443 is not on the policy's egress.allow list");
    refused("egress { allow = { [\"us.example\"] = \"US\" } }\n"
            "ai { chat = { url = \"https://us.example/v1\", purpose = \"call_handling\" } }\n",
            "t/policy.lua:10: ai.chat url \"https://us.example/v1\": host us.example is in "
            "region US, which the policy does not permit");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://ai.muster.eu/v1\", purpose = \"call_handlign\" } }\n",
            "t/policy.lua:10: ai.chat: unknown purpose \"call_handlign\"");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://ai.muster.eu/v1\" } }\n",
            "t/policy.lua:10: ai.chat has no purpose");
    refused("ai { timeout_ms = 4000 }\n", "t/policy.lua:9: ai names no endpoint");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://ai.muster.eu/v1\", purpose = \"call_handling\" }, "
            "redact = { \"names\" } }\n",
            "t/policy.lua:10: ai.redact: \"names\" is not one of phone, email, iban");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://ai.muster.eu/v1\", purpose = \"call_handling\" }, "
            "timeout_ms = 100 }\n",
            "t/policy.lua:10: ");
    refused("egress { allow = { [\"ai.muster.eu\"] = \"EU\" } }\n"
            "ai { chat = { url = \"https://ai.muster.eu/v1\", purpose = \"call_handling\" }, "
            "wait = { fr = \"Un moment.\" } }\n",
            "t/policy.lua:10: ai wait for \"fr\"");
}

static void verdict(const cw_policy *p, const char *url, const char *purpose,
                    const cw_egress_consent *c, cw_egress_verdict want, const char *why_part)
{
    char why[512] = "";
    cw_egress_verdict v = cw_egress_check(p, url, purpose, c, why, sizeof why);
    int ok = v == want && (!why_part || strstr(why, why_part));
    if (!ok)
        fprintf(stderr, "  %s for %s: got %s (%s), want %s (%s)\n", url, purpose,
                cw_egress_verdict_name(v), why, cw_egress_verdict_name(want),
                why_part ? why_part : "");
    CHECK(ok);
}

static void test_gate(void)
{
    cw_policy *p = load(good);
    CHECK(p != NULL);
    if (!p)
        return;
    cw_egress_consent basic = { .given = 1, .level = "basic", .consent_id = "c1" };
    cw_egress_consent extended = { .given = 1, .level = "extended", .consent_id = "c2" };
    cw_egress_consent none = { 0 };
    cw_egress_consent committing = { .given = 0, .level = "basic" };
    cw_egress_consent withdrawn = { .given = 1, .withdrawn = 1, .level = "basic" };
    const char *chat = "https://ai.muster.eu/v1/chat/completions";

    verdict(p, chat, "call_handling", &basic, CW_EGRESS_ALLOWED, NULL);
    verdict(p, chat, "call_handling", NULL, CW_EGRESS_ALLOWED, NULL);     /* no caller data */
    verdict(p, "https://AI.Muster.EU:443/x?y=1", "call_handling", &basic, CW_EGRESS_ALLOWED,
            NULL);
    verdict(p, "https://10.1.2.3:8443/v1", "call_handling", &basic, CW_EGRESS_ALLOWED, NULL);
    verdict(p, "https://[::1]:9443/v1", "call_handling", &basic, CW_EGRESS_ALLOWED, NULL);
    verdict(p, "http://ai.muster.eu/v1", "call_handling", &basic, CW_EGRESS_NOT_HTTPS,
            "http://");
    verdict(p, "ftp://ai.muster.eu/v1", "call_handling", &basic, CW_EGRESS_NOT_HTTPS, NULL);
    verdict(p, "https://evil.example/v1?d=0301234567", "call_handling", &basic,
            CW_EGRESS_HOST_NOT_ALLOWED, "evil.example");
    verdict(p, "https://ai.muster.eu.evil.example/v1", "call_handling", &basic,
            CW_EGRESS_HOST_NOT_ALLOWED, NULL);
    verdict(p, "https://10.1.2.3/v1", "call_handling", &basic, CW_EGRESS_HOST_NOT_ALLOWED,
            "port 443");
    verdict(p, "https://user:pw@ai.muster.eu/v1", "call_handling", &basic, CW_EGRESS_BAD_URL,
            "user name");
    verdict(p, "https://ai.muster.eu@evil.example/v1", "call_handling", &basic,
            CW_EGRESS_BAD_URL, NULL);
    verdict(p, "ai.muster.eu/v1", "call_handling", &basic, CW_EGRESS_BAD_URL, NULL);
    verdict(p, "https://us.example/v1", "call_handling", &basic, CW_EGRESS_REGION, "US");
    verdict(p, chat, "", &basic, CW_EGRESS_NO_PURPOSE, NULL);
    verdict(p, chat, "telepathy", &basic, CW_EGRESS_NO_PURPOSE, NULL);
    verdict(p, chat, "call_handling", &none, CW_EGRESS_NO_CONSENT, "durably");
    verdict(p, chat, "call_handling", &committing, CW_EGRESS_NO_CONSENT, NULL);
    verdict(p, chat, "call_handling", &withdrawn, CW_EGRESS_WITHDRAWN, "withdrew");
    verdict(p, chat, "ai_improvement", &basic, CW_EGRESS_NOT_COVERED, "level basic");
    verdict(p, chat, "ai_improvement", &extended, CW_EGRESS_ALLOWED, NULL);
    verdict(NULL, chat, "call_handling", NULL, CW_EGRESS_HOST_NOT_ALLOWED, NULL);
    /* the withdrawal code: to an allowed host, never with anything of a call */
    verdict(p, chat, CW_PURPOSE_WITHDRAWAL_CODE, NULL, CW_EGRESS_ALLOWED, NULL);
    verdict(p, chat, CW_PURPOSE_WITHDRAWAL_CODE, &basic, CW_EGRESS_NO_PURPOSE, "nothing");
    verdict(p, "https://evil.example/sms", CW_PURPOSE_WITHDRAWAL_CODE, NULL,
            CW_EGRESS_HOST_NOT_ALLOWED, NULL);
    verdict(p, "http://ai.muster.eu/sms", CW_PURPOSE_WITHDRAWAL_CODE, NULL,
            CW_EGRESS_NOT_HTTPS, NULL);
    /* the consent answer: only while the question is answered, never elsewhere */
    cw_egress_consent answering = { .answering = 1 };
    verdict(p, chat, CW_PURPOSE_CONSENT_ANSWER, &answering, CW_EGRESS_ALLOWED, NULL);
    verdict(p, chat, CW_PURPOSE_CONSENT_ANSWER, &none, CW_EGRESS_NO_CONSENT, "answered");
    verdict(p, chat, CW_PURPOSE_CONSENT_ANSWER, NULL, CW_EGRESS_NO_CONSENT, NULL);
    verdict(p, "https://evil.example/v1", CW_PURPOSE_CONSENT_ANSWER, &answering,
            CW_EGRESS_HOST_NOT_ALLOWED, NULL);
    verdict(p, chat, "call_handling", &answering, CW_EGRESS_NO_CONSENT, NULL);
    cw_policy_free(p);
}

int main(void)
{
    CHECK(mkdtemp(root) != NULL);
    snprintf(tdir, sizeof tdir, "%s/t", root);
    CHECK_EQ_INT(mkdir(tdir, 0700), 0);
    test_policy();
    test_gate();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("test_egress_gate");
}
