/* test_policy.c  Policies (issue 5): the two demo policies load as written; every
 * validation rule refuses a small policy with the right message on the right line; a
 * policy cannot escape or exhaust its sandbox; languages by caller prefix; retention
 * parsing; `callwarden check` over policies. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "callwarden/check.h"
#include "callwarden/policy.h"
#include "callwarden/tenant.h"
#include "check.h"

#define ERR_LEN 32768

static char err[ERR_LEN];
static char root[] = "/tmp/cw_policy_XXXXXX";
static char tdir[PATH_MAX];                 /* root/t: the test tenant's policy dir */

static const char *source_dir(void)
{
    const char *s = getenv("CW_SOURCE_DIR");
    return s && *s ? s : CW_SOURCE_DIR;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

/* ---- a small valid policy, one statement a line, and variations of it ------------ */

static const char *const base[] = {
    /*  1 */ "controller { name = \"Muster GmbH\", contact = \"info@muster.example\" }",
    /*  2 */ "jurisdiction \"DE\"",
    /*  3 */ "languages { default = \"de\", \"de\", \"en\", prefixes = { [\"+44\"] = \"en\" } }",
    /*  4 */ "notice { url = \"https://muster.example/datenschutz\" }",
    /*  5 */ "disclosure \"de\" { text = \"Sie sprechen mit einer KI.\" }",
    /*  6 */ "disclosure \"en\" { text = \"You are talking to an AI.\" }",
    /*  7 */ "consent \"de\" { question = \"Einverstanden? Dann die 1.\", more = \"Mehr.\", "
             "accepted = \"Danke.\", refused = \"Gut.\", withdrawn = \"Widerrufen.\" }",
    /*  8 */ "consent \"en\" { question = \"Agree? Press 1.\", more = \"More.\", "
             "accepted = \"Thanks.\", refused = \"Fine.\", withdrawn = \"Withdrawn.\" }",
    /*  9 */ "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"30d\" }",
    /* 10 */ "keys { more = \"9\", withdraw = \"0\", human = \"#\" }",
    /* 11 */ "handover { target = \"sip:team@muster.example\", "
             "notice = { de = \"Ich verbinde.\", en = \"Connecting.\" } }",
    NULL
};
#define BASE_LINES 11

/* Write root/t/policy.lua: the base with line k1 replaced by r1 and k2 by r2 (0:
 * none), then extra (lines 12 and on). */
static void write_policy2(int k1, const char *r1, int k2, const char *r2, const char *extra)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/policy.lua", tdir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; base[i]; i++)
        fprintf(f, "%s\n", i + 1 == k1 ? r1 : i + 1 == k2 ? r2 : base[i]);
    if (extra)
        fprintf(f, "%s\n", extra);
    fclose(f);
}

static void write_policy(int k, const char *repl, const char *extra)
{
    write_policy2(k, repl, 0, NULL, extra);
}

static cw_policy *load_t(void)
{
    err[0] = 0;
    return cw_policy_load("t", tdir, err, sizeof err);
}

/* The variation must be refused, with want (a "t/policy.lua:LINE: message" prefix or
 * part) among its lines. Returns 1 if it was. */
static int refused_at(int line, int k, const char *repl, const char *extra, const char *want)
{
    write_policy(k, repl, extra);
    cw_policy *p = load_t();
    char full[1024];
    if (line > 0)
        snprintf(full, sizeof full, "t/policy.lua:%d: %s", line, want);
    else
        snprintf(full, sizeof full, "t/policy.lua: %s", want);
    int ok = p == NULL && strstr(err, full) != NULL;
    if (!ok)
        fprintf(stderr, "  expected \"%s\"\n  for line %d = %s\n  extra %s\n  got %s:\n%s\n",
                full, k, repl ? repl : "-", extra ? extra : "-", p ? "a policy" : "errors",
                err);
    CHECK(ok);
    cw_policy_free(p);
    return ok;
}

/* refused with a change of line k, the problem on line k */
#define REFUSED(k, repl, want) refused_at(k, k, repl, NULL, want)
/* refused with extra lines from 12 on, the problem on line */
#define REFUSED_EXTRA(line, extra, want) refused_at(line, 0, NULL, extra, want)

static int loads(int k, const char *repl, const char *extra)
{
    write_policy(k, repl, extra);
    cw_policy *p = load_t();
    if (!p)
        fprintf(stderr, "  expected to load (line %d = %s, extra %s):\n%s\n", k,
                repl ? repl : "-", extra ? extra : "-", err);
    CHECK(p != NULL);
    cw_policy_free(p);
    return p != NULL;
}

/* ---- the demo policies ---------------------------------------------------------- */

static void test_demo(void)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/policies/demo", source_dir());
    cw_policy *p = cw_policy_load("demo", dir, err, sizeof err);
    if (!p)
        fprintf(stderr, "demo policy: %s\n", err);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_STR(err, "");
    CHECK_STR(p->tenant, "demo");
    CHECK_STR(p->controller_name, "Tischlerei Holzmann GmbH");
    CHECK_STR(p->controller_contact, "kontakt@tischlerei-holzmann.example");
    CHECK(p->controller_address && strstr(p->controller_address, "Musterstadt"));
    CHECK(p->dpo == NULL);
    CHECK_STR(p->jurisdiction, "DE");
    CHECK_STR(p->notice_url, "https://tischlerei-holzmann.example/datenschutz");
    CHECK_STR(p->notice_email, "datenschutz@tischlerei-holzmann.example");
    CHECK_STR(p->default_lang, "de");
    CHECK_EQ_INT(p->nlangs, 2);
    CHECK_STR(p->langs[0].lang, "de");
    CHECK_STR(p->langs[1].lang, "en");
    CHECK_EQ_INT(p->nprefixes, 3);

    const cw_policy_lang *de = cw_policy_lang_get(p, "de"), *en = cw_policy_lang_get(p, "en");
    CHECK(de && en);
    if (de && en) {
        CHECK(strstr(de->disclosure, "KI-Assistenten") != NULL);
        CHECK(strstr(en->disclosure, "AI assistant") != NULL);
        CHECK(de->disclosure_audio == NULL);
        CHECK(strstr(de->question, "sagen Sie bitte 'Ja' oder drücken Sie die 1") != NULL);
        CHECK(strstr(de->question, "menschlichen Mitarbeiter") != NULL);
        CHECK(de->more && strstr(de->more, "mit der 0 widerrufen") != NULL);
        CHECK(de->accepted && de->refused && de->withdrawn && de->timeout);
        CHECK(en->accepted && en->refused && en->withdrawn && en->timeout && en->more);
        CHECK(de->simple == NULL);
        CHECK_EQ_INT(de->nvariants, 0);
        CHECK_EQ_INT(de->nyes, 4);
        CHECK_STR(de->yes[0], "ja");
        CHECK_EQ_INT(de->nno, 3);
        CHECK_STR(en->no[1], "no thanks");
        CHECK(de->handover_notice && strstr(de->handover_notice, "Mitarbeiter") != NULL);
        CHECK(en->goodbye && strstr(en->goodbye, "Goodbye") != NULL);
        /* the disclosure is short: well under ten seconds at ~15 characters a second */
        CHECK(strlen(de->disclosure) < 150);
        CHECK(strlen(en->disclosure) < 150);
    }

    CHECK_EQ_INT(p->nlevels, 3);
    const cw_policy_level *basic = cw_policy_level_get(p, "basic"),
                          *ext = cw_policy_level_get(p, "extended"),
                          *prem = cw_policy_level_get(p, "premium");
    CHECK(basic && ext && prem);
    if (basic && ext && prem) {
        CHECK_EQ_INT(basic->key, '1');
        CHECK_EQ_INT(ext->key, '2');
        CHECK_EQ_INT(prem->key, '3');
        CHECK_STR(basic->retention, "30d");
        CHECK_EQ_INT(basic->retention_ms, 30LL * 86400000);
        CHECK_EQ_INT(ext->retention_ms, 90LL * 86400000);
        CHECK_EQ_INT(prem->retention_ms, 365LL * 86400000);
        CHECK_EQ_INT(basic->min_age, 0);
        CHECK_EQ_INT(ext->min_age, 16);
        CHECK_EQ_INT(prem->min_age, 18);
        /* levels with a minimum age: the core can ask it in both languages */
        CHECK(p->langs[0].age_question && strstr(p->langs[0].age_question, "Alter"));
        CHECK(p->langs[1].age_question && strstr(p->langs[1].age_question, "age"));
        CHECK_EQ_INT(basic->npurposes, 1);
        CHECK(cw_policy_level_covers(basic, "call_handling"));
        CHECK(!cw_policy_level_covers(basic, "ai_improvement"));
        CHECK(cw_policy_level_covers(ext, "ai_improvement"));
        CHECK(!cw_policy_level_covers(ext, "personalised_offers"));
        CHECK(cw_policy_level_covers(prem, "personalised_offers"));
        CHECK_STR(basic->recipients, "");
        CHECK_STR(ext->recipients, "Beispiel KI GmbH (Auftragsverarbeiter in der EU)");
        CHECK(basic->line > 0 && basic->line < ext->line && ext->line < prem->line);
    }
    CHECK(cw_policy_level_get(p, "gold") == NULL);
    CHECK_EQ_INT(p->key_more, '9');
    CHECK_EQ_INT(p->key_withdraw, '0');
    CHECK_EQ_INT(p->key_human, '#');
    CHECK_EQ_INT(p->answer_timeout_ms, 6000);
    CHECK_EQ_INT(p->retries, 2);
    CHECK_STR(p->handover_target, "sip:werkstatt@tischlerei-holzmann.example");
    CHECK_EQ_INT(p->handover_carries_over, 1);

    /* the version is the directory's hash, as a flow's */
    char hex[CW_SHA256_HEX_LEN], why[256];
    CHECK_EQ_INT(cw_tenant_hash_dir(dir, hex, why, sizeof why), 0);
    CHECK_STR(p->hash, hex);
    CHECK_EQ_INT(strlen(p->hash), 64);

    /* callers' languages */
    CHECK_STR(cw_policy_lang_for(p, "+44 20 7946 0000")->lang, "en");
    CHECK_STR(cw_policy_lang_for(p, "0044 20 7946 0000")->lang, "en");
    CHECK_STR(cw_policy_lang_for(p, "+353 1 555 0100")->lang, "en");
    CHECK_STR(cw_policy_lang_for(p, "+1 (555) 010-0199")->lang, "en");
    CHECK_STR(cw_policy_lang_for(p, "+49 30 23125000")->lang, "de");
    CHECK_STR(cw_policy_lang_for(p, "030 23125000")->lang, "de");
    CHECK_STR(cw_policy_lang_for(p, "+4")->lang, "de");
    CHECK_STR(cw_policy_lang_for(p, "")->lang, "de");
    CHECK_STR(cw_policy_lang_for(p, NULL)->lang, "de");
    CHECK_STR(cw_policy_lang_for(p, "anonymous")->lang, "de");
    CHECK(cw_policy_lang_get(p, "fr") == NULL);
    cw_policy_free(p);
}

static void test_praxis(void)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/policies/praxis", source_dir());
    cw_policy *p = cw_policy_load("praxis", dir, err, sizeof err);
    if (!p)
        fprintf(stderr, "praxis policy: %s\n", err);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK_STR(p->controller_name, "Hausarztpraxis Dr. Beispiel");
    CHECK(p->dpo && strstr(p->dpo, "datenschutz@praxis.example") != NULL);
    CHECK_STR(p->notice_url, "https://praxis.example/datenschutz");
    CHECK_EQ_INT(p->nlevels, 2);
    const cw_policy_level *basic = cw_policy_level_get(p, "basic"),
                          *ext = cw_policy_level_get(p, "extended");
    CHECK(basic && ext);
    CHECK(cw_policy_level_get(p, "premium") == NULL);
    if (basic && ext) {
        CHECK_EQ_INT(basic->retention_ms, 2592000000LL);   /* 30 days, seed 001 */
        CHECK_EQ_INT(basic->min_age, 0);
        CHECK_EQ_INT(ext->min_age, 16);
        CHECK(cw_policy_level_covers(ext, "ai_improvement"));
        CHECK(!cw_policy_level_covers(basic, "ai_improvement"));
        for (size_t i = 0; i < p->nlevels; i++)
            CHECK(!cw_policy_level_covers(&p->levels[i], "personalised_offers"));
    }
    const cw_policy_lang *de = cw_policy_lang_get(p, "de");
    CHECK(de != NULL);
    if (de) {
        CHECK(de->simple && strstr(de->simple, "Wir nehmen das Gespräch auf.") != NULL);
        CHECK(strstr(de->question, "Gesundheit") != NULL);
        CHECK_EQ_INT(de->nvariants, 1);
        CHECK_STR(de->variants[0].id, "B");
        CHECK_EQ_INT(de->variants[0].weight, 50);
        CHECK(de->variants[0].question && strcmp(de->variants[0].question, de->question));
    }
    CHECK(cw_policy_lang_get(p, "en") && cw_policy_lang_get(p, "en")->simple);
    CHECK_STR(p->handover_target, "sip:empfang@praxis.example");
    CHECK_EQ_INT(p->handover_carries_over, 0);
    CHECK_EQ_INT(p->answer_timeout_ms, 8000);
    CHECK_EQ_INT(p->key_human, '#');
    CHECK_STR(cw_policy_lang_for(p, "+1 555 0100")->lang, "en");
    CHECK_STR(cw_policy_lang_for(p, "+43 1 555")->lang, "de");
    cw_policy_free(p);
}

/* ---- every rule, one at a time --------------------------------------------------- */

static void test_base_and_defaults(void)
{
    CHECK(loads(0, NULL, NULL));

    /* base without lines 10 and 11 (no keys, no handover), and no timeouts, speech or
     * fallback: the defaults; withdraw is "0" all the same (G5) */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/policy.lua", tdir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 9; i++)
        fprintf(f, "%s\n", base[i]);
    fclose(f);
    cw_policy *p = load_t();
    if (!p)
        fprintf(stderr, "minimal policy: %s\n", err);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->key_withdraw, '0');
        CHECK_EQ_INT(p->key_more, 0);
        CHECK_EQ_INT(p->key_human, 0);
        CHECK_EQ_INT(p->answer_timeout_ms, 6000);
        CHECK_EQ_INT(p->retries, 2);
        CHECK(p->handover_target == NULL);
        CHECK(p->notice_email == NULL);
        CHECK_EQ_INT(p->langs[0].nyes, 0);
        CHECK(p->langs[0].goodbye == NULL);
        CHECK_STR(p->path + strlen(p->path) - strlen("t/policy.lua"), "t/policy.lua");
    }
    cw_policy_free(p);
}

static void test_controller_and_jurisdiction(void)
{
    REFUSED(1, "controller { contact = \"info@muster.example\" }", "controller has no name");
    REFUSED(1, "controller { name = \"Muster GmbH\" }", "controller has no contact");
    REFUSED(1, "controller { name = 42, contact = \"x@muster.example\" }",
            "field \"name\" of controller must be a string, not a number");
    REFUSED(1, "controller { name = \"\", contact = \"x@muster.example\" }",
            "field \"name\" of controller is empty");
    REFUSED(1, "controller { name = \"   \", contact = \"x@muster.example\" }",
            "field \"name\" of controller is empty");
    REFUSED(1, "-- no controller", "no controller statement");
    REFUSED(1, "controller \"Muster GmbH\"", "controller takes one table, not a string");
    REFUSED(1, "controller { name = \"M\", contact = \"x@m.example\", adress = \"Weg 1\" }",
            "unknown field \"adress\" in controller (did you mean \"address\"?)");
    REFUSED(1, "controller { name = \"M\\0GmbH\", contact = \"x@m.example\" }",
            "field \"name\" of controller is not UTF-8 text");
    REFUSED(1, "controller { name = \"M\\xff\", contact = \"x@m.example\" }",
            "field \"name\" of controller is not UTF-8 text");
    REFUSED(2, "jurisdiction \"de\"", "jurisdiction \"de\" is not a country code");
    REFUSED(2, "jurisdiction \"DEU\"", "jurisdiction \"DEU\" is not a country code");
    REFUSED(2, "jurisdiction { \"DE\" }", "jurisdiction takes one string, not a table");
    REFUSED(2, "jurisdiction()", "jurisdiction takes one string, not nothing");
    refused_at(1, 2, "-- none", NULL, "no jurisdiction statement");
    REFUSED(1, "-- none", "no controller statement");
}

static void test_languages(void)
{
    REFUSED(3, "languages { default = \"fr\", \"de\", \"en\" }",
            "default language \"fr\" is not among the listed languages");
    REFUSED(3, "languages { \"de\", \"en\" }", "languages has no default");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", \"fr\" }",
            "language \"fr\" has no disclosure");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", \"fr\" }",
            "language \"fr\" has no consent wording");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", \"de\" }",
            "languages: \"de\" is listed twice");
    REFUSED(3, "languages { default = \"de\", \"de\", \"EN\" }",
            "languages: \"EN\" is not a language code");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", prefixes = { [\"+33\"] = \"fr\" } }",
            "prefix \"+33\" maps to \"fr\", which is not among the languages");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", prefixes = { [\"44\"] = \"en\" } }",
            "prefix \"44\" of languages is not \"+\" and 1-14 digits");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", prefixes = { [\"+44\"] = 1 } }",
            "prefix \"+44\" of languages must map to a language");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", prefixes = \"+44\" }",
            "field \"prefixes\" of languages must be a table");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", prefix = {} }",
            "unknown field \"prefix\" in languages (did you mean \"prefixes\"?)");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", [5] = \"fr\" }",
            "unexpected entry [5] in languages");
    /* a level's purposes: the core's or the tenant's own, anything else is a typo */
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handlign\" }, "
               "retention = \"30d\" }",
            "unknown purpose \"call_handlign\" in level \"basic\" (the core knows");
    REFUSED(9, "purposes { call_handling = \"x\" } level \"basic\" { key = \"1\", "
               "purposes = { \"call_handling\" }, retention = \"30d\" }",
            "purposes: \"call_handling\" is one of the core's already");
    REFUSED(9, "purposes { referral = 1 } level \"basic\" { key = \"1\", "
               "purposes = { \"call_handling\" }, retention = \"30d\" }",
            "the description of purpose \"referral\" must be a string, not a number");
    write_policy(9, "purposes { referral = \"passing it to a partner\" } level \"basic\" { "
                    "key = \"1\", purposes = { \"call_handling\", \"referral\" }, "
                    "retention = \"30d\" }", NULL);
    cw_policy *pp = load_t();
    CHECK(pp != NULL);
    if (pp) {
        CHECK_STR(cw_policy_purpose_description(pp, "referral"), "passing it to a partner");
        CHECK(cw_policy_purpose_description(pp, "call_handling") != NULL);
        CHECK(cw_policy_purpose_description(pp, "nonsense") == NULL);
        CHECK(cw_policy_level_covers(cw_policy_level_get(pp, "basic"), "referral"));
    }
    cw_policy_free(pp);

    /* the language menu after the disclosure */
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", menu = { [\"1\"] = \"de\", "
               "[\"2\"] = \"en\" } }", "the language menu has no prompt");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", menu = { [\"1\"] = \"de\", "
               "[\"2\"] = \"fr\", prompt = \"p\" } }",
            "language menu: key \"2\" must map to one of the languages");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", menu = { [\"12\"] = \"de\", "
               "prompt = \"p\" } }", "language menu: \"12\" is not a key (0-9 * #) or prompt");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", menu = { [\"1\"] = \"de\", "
               "prompt = \"p\" } }", "the language menu offers fewer than two languages");
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", menu = \"1\" }",
            "field \"menu\" of languages must be a table");
    write_policy(3, "languages { default = \"de\", \"de\", \"en\", menu = { [\"1\"] = \"de\", "
                    "[\"2\"] = \"en\", prompt = \"Deutsch 1, English 2.\" } }", NULL);
    cw_policy *mp = load_t();
    CHECK(mp != NULL);
    if (mp) {
        CHECK_EQ_INT(mp->nmenu, 2);
        CHECK_STR(mp->menu_prompt, "Deutsch 1, English 2.");
        int k1 = mp->menu[0].key == '1' ? 0 : 1;
        CHECK_EQ_INT(mp->menu[k1].key, '1');
        CHECK_STR(mp->menu[k1].lang, "de");
        CHECK_STR(mp->menu[1 - k1].lang, "en");
    }
    cw_policy_free(mp);
    refused_at(1, 3, "-- none", NULL, "no languages statement");
    /* a wording for a language that is not listed names the languages statement */
    REFUSED_EXTRA(12, "disclosure \"fr\" { text = \"Bonjour.\" }",
                  "disclosure \"fr\": \"fr\" is not among the languages (line 3)");
    REFUSED_EXTRA(12, "consent \"fr\" { question = \"?\", accepted = \"a\", refused = \"r\", "
                  "withdrawn = \"w\", more = \"m\" }",
                  "consent \"fr\": \"fr\" is not among the languages (line 3)");
    REFUSED_EXTRA(12, "speech \"fr\" { yes = { \"oui\" }, no = { \"non\" } }",
                  "speech \"fr\": \"fr\" is not among the languages (line 3)");
    REFUSED(5, "disclosure \"DE\" { text = \"x\" }", "disclosure \"DE\": not a language code");
    refused_at(3, 5, "-- none", NULL, "language \"de\" has no disclosure");
    refused_at(3, 8, "-- none", NULL, "language \"en\" has no consent wording");

    /* prefixes with spaces are normalised; the longest prefix wins */
    write_policy(3, "languages { default = \"en\", \"de\", \"en\", "
                    "prefixes = { [\"+4\"] = \"en\", [\"+4 9\"] = \"de\", [\"+43\"] = \"de\" } }",
                 NULL);
    cw_policy *p = load_t();
    if (!p)
        fprintf(stderr, "prefixes: %s\n", err);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(cw_policy_lang_for(p, "+49 30 1234")->lang, "de");
        CHECK_STR(cw_policy_lang_for(p, "+43 1 1234")->lang, "de");
        CHECK_STR(cw_policy_lang_for(p, "+44 20 1234")->lang, "en");
        CHECK_STR(cw_policy_lang_for(p, "+4 9")->lang, "de");
        CHECK_STR(cw_policy_lang_for(p, "+33 1 1234")->lang, "en");   /* the default */
        CHECK_STR(cw_policy_lang_for(p, "00 49 30 1234")->lang, "de");
    }
    cw_policy_free(p);
    REFUSED(3, "languages { default = \"de\", \"de\", \"en\", "
               "prefixes = { [\"+44\"] = \"en\", [\"+4 4\"] = \"en\" } }",
            "prefix \"+44\" of languages is given twice");
}

static void test_notice(void)
{
    REFUSED(4, "notice { url = \"http://muster.example/datenschutz\" }",
            "notice url \"http://muster.example/datenschutz\" is http://");
    REFUSED(4, "notice { url = \"ftp://muster.example/x\" }",
            "notice url \"ftp://muster.example/x\" is not an https:// URL");
    REFUSED(4, "notice { url = \"https://\" }", "notice url \"https://\" is not an https:// URL");
    REFUSED(4, "notice { url = \"https://muster.example/a b\" }",
            "notice url \"https://muster.example/a b\" is not an https:// URL");
    REFUSED(4, "notice {}", "notice has neither url nor email");
    REFUSED(4, "notice { email = \"datenschutz\" }", "notice email \"datenschutz\" is not an "
            "e-mail address");
    REFUSED(4, "notice { email = \"a@b@c.example\" }",
            "notice email \"a@b@c.example\" is not an e-mail address");
    REFUSED(4, "notice { url = 1 }", "field \"url\" of notice must be a string, not a number");
    REFUSED(4, "notice { mail = \"x@muster.example\" }", "unknown field \"mail\" in notice");
    refused_at(1, 4, "-- none", NULL, "no notice statement");
    CHECK(loads(4, "notice { email = \"datenschutz@muster.example\" }", NULL));
}

/* A WAV file: 8 kHz mono 16-bit PCM, 100 ms of silence. */
static void write_wav(const char *path)
{
    unsigned char w[44 + 1600] = { 0 };
    memcpy(w, "RIFF", 4);
    unsigned v = sizeof w - 8;
    memcpy(w + 4, (unsigned char[]){ v & 255, (v >> 8) & 255, 0, 0 }, 4);
    memcpy(w + 8, "WAVEfmt ", 8);
    w[16] = 16;             /* fmt size */
    w[20] = 1;              /* PCM */
    w[22] = 1;              /* mono */
    w[24] = 0x40, w[25] = 0x1F;     /* 8000 Hz */
    w[28] = 0x80, w[29] = 0x3E;     /* 16000 bytes/s */
    w[32] = 2;              /* block align */
    w[34] = 16;             /* bits */
    memcpy(w + 36, "data", 4);
    w[40] = 1600 & 255, w[41] = 1600 >> 8;
    write_file(path, w, sizeof w);
}

static void test_disclosure(void)
{
    REFUSED(5, "disclosure \"de\" { text = \"\" }", "field \"text\" of disclosure \"de\" is empty");
    REFUSED(5, "disclosure \"de\" {}", "disclosure \"de\" has no text");
    REFUSED(5, "disclosure \"de\" { text = true }",
            "field \"text\" of disclosure \"de\" must be a string, not a boolean");
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audio = \"nope.wav\" }",
            "disclosure \"de\": audio \"nope.wav\": no such file in the policy directory");
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audio = \"/etc/passwd\" }",
            "disclosure \"de\": audio \"/etc/passwd\" must be a file name relative to the "
            "policy directory");
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audo = \"x.wav\" }",
            "unknown field \"audo\" in disclosure \"de\" (did you mean \"audio\"?)");
    REFUSED(5, "disclosure \"de\"", "disclosure \"de\" has no table");
    REFUSED(5, "disclosure \"de\" \"KI.\"", "disclosure \"de\" takes one table, not a string");
    REFUSED(5, "disclosure { text = \"KI.\" }", "disclosure needs a language first, not a table");

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/fake.wav", tdir);
    write_file(path, "not a wav file at all", 21);
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audio = \"fake.wav\" }",
            "disclosure \"de\": audio \"fake.wav\" cannot be played: not a RIFF/WAVE file");
    snprintf(path, sizeof path, "%s/outside.wav", root);
    write_wav(path);
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audio = \"../outside.wav\" }",
            "disclosure \"de\": audio \"../outside.wav\" is outside the policy directory");
    snprintf(path, sizeof path, "%s/sub", tdir);
    mkdir(path, 0700);
    REFUSED(5, "disclosure \"de\" { text = \"KI.\", audio = \"sub\" }",
            "disclosure \"de\": audio \"sub\" is not a regular file");

    /* a real recording: kept as its absolute path */
    snprintf(path, sizeof path, "%s/sub/disclosure_de.wav", tdir);
    write_wav(path);
    write_policy(5, "disclosure \"de\" { text = \"KI.\", audio = \"sub/disclosure_de.wav\" }",
                 NULL);
    cw_policy *p = load_t();
    if (!p)
        fprintf(stderr, "audio: %s\n", err);
    CHECK(p != NULL);
    if (p) {
        char real[PATH_MAX];
        CHECK(realpath(path, real) != NULL);
        CHECK(p->langs[0].disclosure_audio && p->langs[0].disclosure_audio[0] == '/');
        CHECK_STR(p->langs[0].disclosure_audio ? p->langs[0].disclosure_audio : "", real);
        CHECK(p->langs[1].disclosure_audio == NULL);
    }
    cw_policy_free(p);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", tdir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/fake.wav", tdir);
    unlink(path);
}

static void test_consent(void)
{
    REFUSED(7, "consent \"de\" { more = \"M.\", accepted = \"D.\", refused = \"G.\", "
               "withdrawn = \"W.\" }", "consent \"de\" has no question");
    REFUSED(7, "consent \"de\" { question = \"?\", more = \"M.\", refused = \"G.\", "
               "withdrawn = \"W.\" }", "consent \"de\" has no accepted");
    REFUSED(7, "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
               "withdrawn = \"W.\" }", "consent \"de\" has no refused");
    REFUSED(7, "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
               "refused = \"G.\" }", "consent \"de\" has no withdrawn");
    REFUSED(7, "consent \"de\" { question = \"?\", accepted = \"D.\", refused = \"G.\", "
               "withdrawn = \"W.\" }",
            "consent \"de\" has no more, but keys.more is \"9\" (line 10)");
    /* without keys.more, no more text is needed */
    write_policy2(7, "consent \"de\" { question = \"?\", accepted = \"D.\", refused = \"G.\", "
                     "withdrawn = \"W.\" }", 10, "keys { withdraw = \"0\", human = \"#\" }",
                  NULL);
    cw_policy *p = load_t();
    if (!p)
        fprintf(stderr, "no more: %s\n", err);
    CHECK(p != NULL);
    if (p)
        CHECK(p->langs[0].more == NULL && p->key_more == 0);
    cw_policy_free(p);
    CHECK(loads(7, "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
                   "refused = \"G.\", withdrawn = \"W.\", timeout = \"T?\", simple = \"S?\" }",
                NULL));
    REFUSED(7, "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
               "refused = \"G.\", withdrawn = \"W.\", qestion = \"?\" }",
            "unknown field \"qestion\" in consent \"de\" (did you mean \"question\"?)");
    REFUSED(7, "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
               "refused = \"G.\", withdrawn = \"W.\", simple = 3 }",
            "field \"simple\" of consent \"de\" must be a string, not a number");

    /* variants */
    const char *head = "consent \"de\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
                       "refused = \"G.\", withdrawn = \"W.\", variants = ";
    char line[1024];
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 50, question = \"B?\" }, "
             "{ id = \"C\", weight = 0, question = \"C?\" } } }", head);
    write_policy(7, line, NULL);
    p = load_t();
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->langs[0].nvariants, 2);
        CHECK_STR(p->langs[0].variants[1].id, "C");
        CHECK_EQ_INT(p->langs[0].variants[1].weight, 0);
        CHECK_STR(p->langs[0].variants[0].question, "B?");
    }
    cw_policy_free(p);
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 50, question = \"B?\" }, "
             "{ id = \"B\", weight = 10, question = \"B2?\" } } }", head);
    REFUSED(7, line, "variant 2 of consent \"de\": id \"B\" is used twice");
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 2000, question = \"B?\" } } }", head);
    REFUSED(7, line, "field \"weight\" of variant 1 of consent \"de\" is 2000, must be 0..1000");
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = -1, question = \"B?\" } } }", head);
    REFUSED(7, line, "field \"weight\" of variant 1 of consent \"de\" is -1, must be 0..1000");
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 2.5, question = \"B?\" } } }", head);
    REFUSED(7, line, "field \"weight\" of variant 1 of consent \"de\" must be a whole number");
    snprintf(line, sizeof line, "%s{ { id = \"B\", question = \"B?\" } } }", head);
    REFUSED(7, line, "variant 1 of consent \"de\" has no weight");
    snprintf(line, sizeof line, "%s{ { weight = 5, question = \"B?\" } } }", head);
    REFUSED(7, line, "variant 1 of consent \"de\" has no id");
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 5 } } }", head);
    REFUSED(7, line, "variant 1 of consent \"de\" has no question");
    snprintf(line, sizeof line, "%s{ { id = \"B C\", weight = 5, question = \"?\" } } }", head);
    REFUSED(7, line, "variant 1 of consent \"de\": id must be 1-32 of");
    snprintf(line, sizeof line, "%s{ { id = \"B\", weight = 5, question = \"?\", wieght = 1 } } }",
             head);
    REFUSED(7, line, "unknown field \"wieght\" in variant 1 of consent \"de\" (did you mean "
            "\"weight\"?)");
    snprintf(line, sizeof line, "%s{ \"B\" } }", head);
    REFUSED(7, line, "variant 1 of consent \"de\" must be a table");
    snprintf(line, sizeof line, "%s\"B\" }", head);
    REFUSED(7, line, "field \"variants\" of consent \"de\" must be a list of tables");
}

static void test_levels(void)
{
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" } }",
            "level \"basic\" has no retention");
    /* the brief's example: a level written over several lines, declared on line 12 */
    refused_at(12, 9, "-- the level comes later", "level \"basic\" {\n  key = \"1\",\n"
               "  purposes = { \"call_handling\" },\n}", "level \"basic\" has no retention");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"30\" }",
            "level \"basic\": retention \"30\" without a unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = 30 }",
            "level \"basic\": retention without a unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"30x\" }",
            "level \"basic\": retention \"30x\" is not a whole number and one unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"d\" }",
            "level \"basic\": retention \"d\" is not a whole number and one unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"-1d\" }",
            "level \"basic\": retention \"-1d\" is not a whole number and one unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"101y\" }",
            "level \"basic\": retention \"101y\" is not a whole number and one unit");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retension = \"30d\" }",
            "unknown field \"retension\" in level \"basic\" (did you mean \"retention\"?)");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, retension = \"30d\" }",
            "level \"basic\" has no retention");
    REFUSED(9, "level \"basic\" { key = \"1\", retention = \"30d\" }",
            "level \"basic\" has no purposes");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = {}, retention = \"30d\" }",
            "level \"basic\" has no purposes");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = \"call_handling\", retention = \"30d\" }",
            "field \"purposes\" of level \"basic\" must be a list of names, not a string");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"Call-Handling\" }, retention = \"30d\" }",
            "purpose \"Call-Handling\" of level \"basic\": a purpose name is 1-32 of a-z, 0-9 and _");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\", "
               "\"call_handling\" }, retention = \"30d\" }",
            "purpose \"call_handling\" is listed twice in level \"basic\"");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { "
               "\"a23456789012345678901234567890123\" }, retention = \"30d\" }",
            "purpose \"a23456789012345678901234567890123\" of level \"basic\": a purpose name");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { x = \"call_handling\" }, "
               "retention = \"30d\" }", "unknown field \"x\" in purposes of level \"basic\"");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, "
               "retention = \"30d\", min_age = 200 }",
            "field \"min_age\" of level \"basic\" is 200, must be 0..120");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, "
               "retention = \"30d\", min_age = \"16\" }",
            "field \"min_age\" of level \"basic\" must be a number, not a string");
    REFUSED(9, "level \"basic\" { key = \"11\", purposes = { \"call_handling\" }, retention = \"30d\" }",
            "field \"key\" of level \"basic\" must be one DTMF key (0-9, * or #), not \"11\"");
    REFUSED(9, "level \"basic\" { key = 1, purposes = { \"call_handling\" }, retention = \"30d\" }",
            "field \"key\" of level \"basic\" must be a string such as \"1\", not a number");
    REFUSED(9, "level \"basic\" { purposes = { \"call_handling\" }, retention = \"30d\" }",
            "level \"basic\" has no key");
    REFUSED(9, "level \"Basic\" { key = \"1\", purposes = { \"call_handling\" }, retention = \"30d\" }",
            "level \"Basic\": a level name is 1-32 of a-z, 0-9 and _");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, "
               "retention = \"30d\", recipients = { \"A, B\" } }",
            "recipient 1 of level \"basic\" contains a comma");
    REFUSED(9, "level \"basic\" { key = \"1\", purposes = { \"call_handling\" }, "
               "retention = \"30d\", recipients = \"A\" }",
            "field \"recipients\" of level \"basic\" must be a list of names, not a string");
    REFUSED(9, "level \"basic\"", "level \"basic\" has no table");
    /* no level at all: not invented */
    refused_at(1, 9, "-- no level", NULL, "no level statement: a policy must offer at least "
               "one consent level");

    write_policy(9, "level \"basic\" { key = \"*\", purposes = { \"call_handling\" }, "
                    "retention = \"12h\", recipients = { \"A GmbH\", \"B AG\" }, min_age = 16 }",
                 NULL);
    cw_policy *p = load_t();
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->levels[0].key, '*');
        CHECK_EQ_INT(p->levels[0].retention_ms, 12LL * 3600000);
        CHECK_STR(p->levels[0].recipients, "A GmbH, B AG");
        CHECK_EQ_INT(p->levels[0].min_age, 16);
        CHECK_EQ_INT(p->levels[0].line, 9);
    }
    cw_policy_free(p);
}

static void test_keys(void)
{
    /* two levels with one key: both lines named */
    REFUSED_EXTRA(12, "level \"extended\" { key = \"1\", purposes = { \"call_handling\", "
                  "\"ai_improvement\" }, retention = \"90d\" }",
                  "level \"extended\": key \"1\" is also the key of level \"basic\" (line 9)");
    REFUSED_EXTRA(12, "level \"extended\" { key = \"9\", purposes = { \"call_handling\" }, "
                  "retention = \"90d\" }",
                  "level \"extended\": key \"9\" is also keys.more (line 10)");
    REFUSED_EXTRA(12, "level \"extended\" { key = \"#\", purposes = { \"call_handling\" }, "
                  "retention = \"90d\" }",
                  "level \"extended\": key \"#\" is also keys.human (line 10)");
    REFUSED(9, "level \"basic\" { key = \"0\", purposes = { \"call_handling\" }, retention = \"30d\" }",
            "level \"basic\": key \"0\" is also keys.withdraw (line 10)");
    REFUSED(10, "keys { more = \"0\", withdraw = \"0\", human = \"#\" }",
            "keys: more and withdraw are both \"0\"");
    REFUSED(10, "keys { more = \"9\", withdraw = \"0\", human = \"9\" }",
            "keys: more and human are both \"9\"");
    REFUSED(10, "keys { more = \"9\", human = \"0\" }",
            "keys: withdraw and human are both \"0\"");     /* withdraw defaults to "0" */
    REFUSED(10, "keys { more = \"99\", withdraw = \"0\", human = \"#\" }",
            "field \"more\" of keys must be one DTMF key (0-9, * or #), not \"99\"");
    REFUSED(10, "keys { more = \"9\", widthdraw = \"0\", human = \"#\" }",
            "unknown field \"widthdraw\" in keys (did you mean \"withdraw\"?)");
    refused_at(10, 11, "-- no handover", NULL, "keys.human is \"#\", but there is no handover "
               "statement");
    /* no keys statement: withdraw is "0" all the same */
    write_policy(10, "-- no keys", NULL);
    cw_policy *p = load_t();
    CHECK(p != NULL);
    if (p)
        CHECK_EQ_INT(p->key_withdraw, '0');
    cw_policy_free(p);
}

static void test_keys_default_withdraw(void)
{
    /* base lines 1-9 with level key "0" and no keys statement */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/policy.lua", tdir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 8; i++)
        fprintf(f, "%s\n", base[i]);
    fprintf(f, "level \"basic\" { key = \"0\", purposes = { \"call_handling\" }, "
               "retention = \"30d\" }\n");
    fclose(f);
    cw_policy *p = load_t();
    CHECK(p == NULL);
    CHECK(strstr(err, "t/policy.lua:9: level \"basic\": key \"0\" is the withdraw key "
                      "(keys.withdraw is \"0\" when not given)") != NULL);
    cw_policy_free(p);
}

static void test_speech_timeouts_handover_fallback(void)
{
    CHECK(loads(0, NULL, "speech \"de\" { yes = { \"ja\", \"ja bitte\" }, no = { \"nein\" } }"));
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\", \"\" }, no = { \"nein\" } }",
                  "word 2 of yes of speech \"de\" is empty");
    REFUSED_EXTRA(12, "speech \"de\" { yes = \"ja\", no = { \"nein\" } }",
                  "field \"yes\" of speech \"de\" must be a list of words, not a string");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\" } }", "speech \"de\" has no no words");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\" }, no = {} }", "speech \"de\" has no no words");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\", \"Ja\" }, no = { \"nein\" } }",
                  "yes of speech \"de\": \"Ja\" is listed twice");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\", \"nein\" }, no = { \"nein\" } }",
                  "speech \"de\": \"nein\" is both a yes and a no word");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\" }, no = { 1 } }",
                  "word 1 of no of speech \"de\" must be a string, not a number");
    REFUSED_EXTRA(12, "speech \"de\" { yes = { \"ja\" }, nein = { \"nein\" } }",
                  "unknown field \"nein\" in speech \"de\"");

    CHECK(loads(0, NULL, "timeouts { answer_ms = 1000, retries = 0 }"));
    REFUSED_EXTRA(12, "timeouts { answer_ms = 500 }",
                  "field \"answer_ms\" of timeouts is 500, must be 1000..60000");
    REFUSED_EXTRA(12, "timeouts { answer_ms = 60001 }",
                  "field \"answer_ms\" of timeouts is 60001, must be 1000..60000");
    REFUSED_EXTRA(12, "timeouts { retries = 6 }", "field \"retries\" of timeouts is 6, must be 0..5");
    REFUSED_EXTRA(12, "timeouts { retries = \"2\" }",
                  "field \"retries\" of timeouts must be a number, not a string");
    REFUSED_EXTRA(12, "timeouts { answer = 6000 }", "unknown field \"answer\" in timeouts");

    REFUSED(11, "handover { target = \"tel:+49301234\", notice = { de = \"a\", en = \"b\" } }",
            "handover target \"tel:+49301234\" is not a sip: or sips: URI");
    REFUSED(11, "handover { target = \"sip:\", notice = { de = \"a\", en = \"b\" } }",
            "handover target \"sip:\" is not a sip: or sips: URI");
    REFUSED(11, "handover { notice = { de = \"a\", en = \"b\" } }", "handover has no target");
    REFUSED(11, "handover { target = \"sip:a@b.example\", notice = { de = \"a\" } }",
            "handover has no notice for \"en\"");
    REFUSED(11, "handover { target = \"sip:a@b.example\" }", "handover has no notice");
    REFUSED(11, "handover { target = \"sip:a@b.example\", notice = { de = \"a\", en = \"b\", "
                "fr = \"c\" } }", "handover notice for \"fr\": \"fr\" is not among the languages "
                "(line 3)");
    REFUSED(11, "handover { target = \"sip:a@b.example\", carries_over = \"yes\", "
                "notice = { de = \"a\", en = \"b\" } }",
            "field \"carries_over\" of handover must be true or false, not a string");
    REFUSED(11, "handover { target = \"sip:a@b.example\", notice = \"a\" }",
            "handover notice must be a table");
    REFUSED(11, "handover { target = \"sip:a@b.example\", mode = \"blind\", "
                "notice = { de = \"a\", en = \"b\" } }",
            "field \"mode\" of handover is \"refer\" or \"bridge\"");
    REFUSED(11, "handover { target = \"sip:a@b.example\", timeout = 0, "
                "notice = { de = \"a\", en = \"b\" } }",
            "field \"timeout\" of handover is 0, must be 1..600");
    write_policy(11, "handover { target = \"sips:empfang@b.example\", carries_over = true, "
                     "notice = { de = \"a\", en = \"b\" } }", NULL);
    cw_policy *p = load_t();
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->handover_target, "sips:empfang@b.example");
        CHECK_EQ_INT(p->handover_carries_over, 1);
        CHECK_STR(p->langs[1].handover_notice, "b");
        CHECK_EQ_INT(p->handover_bridge, 0);          /* REFER unless it says bridge */
        CHECK_EQ_INT((int)p->handover_timeout_s, 30);
    }
    cw_policy_free(p);
    write_policy(11, "handover { target = \"sip:empfang@b.example\", mode = \"bridge\", "
                     "timeout = 45, notice = { de = \"a\", en = \"b\" } }", NULL);
    p = load_t();
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->handover_bridge, 1);
        CHECK_EQ_INT((int)p->handover_timeout_s, 45);
    }
    cw_policy_free(p);

    write_policy(0, NULL, "fallback { goodbye = { de = \"Tschüss.\" } }");
    p = load_t();
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->langs[0].goodbye, "Tschüss.");
        CHECK(p->langs[1].goodbye == NULL);   /* optional per language */
    }
    cw_policy_free(p);
    REFUSED_EXTRA(12, "fallback { goodbye = { fr = \"Au revoir.\" } }",
                  "fallback goodbye for \"fr\": \"fr\" is not among the languages (line 3)");
    REFUSED_EXTRA(12, "fallback {}", "fallback has no goodbye");
    REFUSED_EXTRA(12, "fallback { goodbye = { de = \"\" } }",
                  "fallback goodbye for \"de\" is empty");
    REFUSED_EXTRA(12, "fallback { goodby = { de = \"x\" } }",
                  "unknown field \"goodby\" in fallback (did you mean \"goodbye\"?)");
}

static void test_statements(void)
{
    REFUSED_EXTRA(12, "level \"basic\" { key = \"2\", purposes = { \"call_handling\" }, "
                  "retention = \"30d\" }", "level \"basic\" is declared twice (first on line 9)");
    REFUSED_EXTRA(12, "controller { name = \"B\", contact = \"b@b.example\" }",
                  "controller is declared twice (first on line 1)");
    REFUSED_EXTRA(12, "jurisdiction \"AT\"", "jurisdiction is declared twice (first on line 2)");
    REFUSED_EXTRA(12, "disclosure \"de\" { text = \"Noch einmal.\" }",
                  "disclosure \"de\" is declared twice (first on line 5)");
    REFUSED_EXTRA(12, "consent \"en\" { question = \"?\", more = \"M.\", accepted = \"D.\", "
                  "refused = \"G.\", withdrawn = \"W.\" }",
                  "consent \"en\" is declared twice (first on line 8)");
    REFUSED_EXTRA(13, "speech \"de\" { yes = { \"ja\" }, no = { \"nein\" } }\n"
                  "speech \"de\" { yes = { \"ja\" }, no = { \"nein\" } }",
                  "speech \"de\" is declared twice (first on line 12)");
    REFUSED_EXTRA(12, "keys { more = \"9\" }", "keys is declared twice (first on line 10)");
    REFUSED_EXTRA(12, "level \"gold\"", "level \"gold\" has no table");
    REFUSED_EXTRA(14, "local f = level \"gold\"\nf { key = \"5\", purposes = { \"x\" }, "
                  "retention = \"1d\" }\nf { key = \"6\", purposes = { \"x\" }, retention = \"1d\" }",
                  "level \"gold\" is given a second table (first on line 12)");
    REFUSED_EXTRA(12, "levle \"gold\" { key = \"5\" }", "unknown name 'levle'");
    REFUSED_EXTRA(13, "-- a statement inside a helper still names its own line\n"
                  "local function lvl(n, k) level(n) { key = k, purposes = { \"x\" } } end\n"
                  "lvl(\"gold\", \"5\")", "level \"gold\" has no retention");
    /* statements may be computed: a loop declaring levels is fine */
    CHECK(loads(9, "for i, n in ipairs({ \"basic\", \"extended\" }) do level(n) { key = "
                   "tostring(i), purposes = { \"call_handling\" }, retention = \"30d\" } end",
                NULL));
    REFUSED_EXTRA(13, "if true then", "'end' expected");
    REFUSED_EXTRA(14, "\n\nerror(\"boom\")", "boom");
    REFUSED_EXTRA(12, "local x = nil + 1", "attempt to perform arithmetic on a nil value");
    REFUSED_EXTRA(12, "coroutine.yield()", "a policy must not yield");
}

static void test_many_errors(void)
{
    /* several problems, all reported, in line order */
    write_policy(4, "notice { url = \"http://muster.example/\" }",
                 "level \"extended\" { key = \"1\", purposes = { \"call_handling\" }, "
                 "retention = \"30\" }\ntimeouts { answer_ms = 10 }");
    cw_policy *p = load_t();
    CHECK(p == NULL);
    const char *a = strstr(err, "t/policy.lua:4: notice url \"http://muster.example/\" is http://");
    const char *b = strstr(err, "t/policy.lua:12: level \"extended\": retention \"30\" without a unit");
    const char *c = strstr(err, "t/policy.lua:12: level \"extended\": key \"1\" is also the key of "
                                "level \"basic\" (line 9)");
    const char *d = strstr(err, "t/policy.lua:13: field \"answer_ms\" of timeouts is 10");
    CHECK(a && b && c && d);
    CHECK(a < b && b < c && c < d);
    int lines = 1;
    for (const char *s = err; *s; s++)
        lines += *s == '\n';
    CHECK_EQ_INT(lines, 4);
    if (!(a && b && c && d) || lines != 4)
        fprintf(stderr, "many errors:\n%s\n", err);
    cw_policy_free(p);

    /* more problems than are kept, and a small buffer: bounded, terminated, counted */
    char extra[8192] = "";
    for (int i = 0; i < 80; i++) {
        char l[96];
        snprintf(l, sizeof l, "%stimeouts { answer_ms = %d }", i ? "\n" : "", i);
        strcat(extra, l);
    }
    write_policy(0, NULL, extra);
    p = load_t();
    CHECK(p == NULL);
    CHECK(strstr(err, "... and ") != NULL);
    CHECK(strstr(err, "t/policy.lua:12: field \"answer_ms\" of timeouts is 0") != NULL);
    cw_policy_free(p);
    char small[120];
    memset(small, 'x', sizeof small);
    p = cw_policy_load("t", tdir, small, 100);
    CHECK(p == NULL);
    CHECK(memchr(small, 0, 100) != NULL);
    CHECK_EQ_INT(small[100], 'x');
    CHECK(strstr(small, "t/policy.lua") == small);
    p = cw_policy_load("t", tdir, NULL, 0);
    CHECK(p == NULL);

    /* a table of junk is reported in a few lines, not one per key */
    write_policy(1, "local t = { name = \"M\", contact = \"m@m.example\" } "
                    "for i = 1, 100000 do t[\"junk\" .. i] = i end controller(t)", NULL);
    p = load_t();
    CHECK(p == NULL);
    int n = 1;
    for (const char *s = err; *s; s++)
        n += *s == '\n';
    CHECK(n <= 10);
    CHECK(strstr(err, "t/policy.lua:1: ... and more unknown fields in controller") != NULL);
    cw_policy_free(p);
    /* long lists are capped, with one message each */
    REFUSED(9, "local d, ps = {}, {} for i = 1, 32 do d[\"p\" .. i] = \"x\" ps[i] = \"p\" .. i "
               "end purposes(d) level \"basic\" { key = \"1\", purposes = ps, "
               "retention = \"30d\" }",
            "level \"basic\" has more than 16 purposes");
    REFUSED(3, "local ls = { default = \"de\", \"de\", \"en\" } for i = 1, 100000 do "
               "ls[#ls + 1] = \"x\" .. string.char(97 + i % 26, 97 + i // 26 % 26) end "
               "languages(ls)", "languages: more than 8 languages");
    REFUSED_EXTRA(12, "local w = {} for i = 1, 100000 do w[i] = \"w\" .. i end "
                  "speech \"de\" { yes = w, no = { \"nein\" } }",
                  "yes of speech \"de\": more than 16 words");
}

static void test_sandbox(void)
{
    REFUSED_EXTRA(12, "while true do end", "instruction budget exceeded");
    REFUSED_EXTRA(13, "local n = 0\nwhile true do pcall(function() while true do n = n + 1 "
                  "end end) end", "instruction budget exceeded");
    REFUSED_EXTRA(12, "local t = {} for i = 1, 1e8 do t[i] = string.rep(\"x\", 1000) .. i end",
                  "memory limit exceeded");
    REFUSED_EXTRA(12, "local s = string.rep(\"x\", 1 << 30)", "memory limit exceeded");
    REFUSED_EXTRA(12, "pcall(string.rep, \"x\", 1 << 30) x = 1", "memory limit exceeded");
    REFUSED_EXTRA(12, "os.execute(\"touch /tmp/cw_policy_pwned\")",
                  "'os.execute' is not available in a policy");
    REFUSED_EXTRA(12, "local f = io.open(\"/etc/passwd\")", "'io' is not available in a policy");
    REFUSED_EXTRA(12, "require(\"os\")", "require is not available in a policy");
    REFUSED_EXTRA(12, "dofile(\"/etc/passwd\")", "'dofile' is not available in a policy");
    REFUSED_EXTRA(12, "loadfile(\"/etc/passwd\")", "'loadfile' is not available in a policy");
    REFUSED_EXTRA(12, "debug.getinfo(1)", "'debug' is not available in a policy");
    REFUSED_EXTRA(12, "package.loadlib(\"x\", \"y\")", "'package' is not available in a policy");
    REFUSED_EXTRA(12, "collectgarbage()", "'collectgarbage' is not available in a policy");
    REFUSED_EXTRA(12, "local d = string.dump(print)", "'string.dump' is not available in a policy");
    REFUSED_EXTRA(12, "setmetatable({}, { __gc = function() while true do end end })",
                  "'setmetatable' is not available in a policy");
    REFUSED_EXTRA(12, "local x = (\"\").nosuch", "'string.nosuch' is not available in a policy");
    /* what a policy may use: the rest of the whitelist */
    CHECK(loads(0, NULL, "local t = { \"a\", \"b\" } assert(table.concat(t, \",\") == \"a,b\")\n"
                         "assert(string.format(\"%d\", 3) == \"3\" and math.max(1, 2) == 2)\n"
                         "assert(pcall(error, \"x\") == false and select(\"#\", 1, 2) == 2)\n"
                         "assert(utf8.len(\"\xc3\xa4\") == 1 and type(os.time()) == \"number\")\n"
                         "print(\"a policy may print\")"));
    REFUSED_EXTRA(12, "assert(load(\"\\27Lua\"))", "attempt to load a binary chunk");
    CHECK(access("/tmp/cw_policy_pwned", F_OK) != 0);
}

/* lua_dump's writer: into a fixed buffer */
typedef struct dumpbuf { unsigned char data[65536]; size_t len; } dumpbuf;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    dumpbuf *d = ud;
    if (d->len + sz > sizeof d->data)
        return 1;
    memcpy(d->data + d->len, p, sz);
    d->len += sz;
    return 0;
}

static void test_bytecode(void)
{
    lua_State *L = luaL_newstate();
    static dumpbuf d;
    d.len = 0;
    CHECK_EQ_INT(luaL_loadstring(L, "controller { name = \"x\", contact = \"y@z.example\" }"),
                 LUA_OK);
    CHECK_EQ_INT(lua_dump(L, dump_writer, &d, 0), 0);
    lua_close(L);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/policy.lua", tdir);
    write_file(path, d.data, d.len);
    cw_policy *p = load_t();
    CHECK(p == NULL);
    CHECK(strstr(err, "t/policy.lua:1: a precompiled (bytecode) chunk: a policy must be Lua "
                      "text") != NULL);
    cw_policy_free(p);

    /* a NUL in the text: refused, with its line */
    write_file(path, "jurisdiction \"DE\"\n-- x\0y\n", 25);
    p = load_t();
    CHECK(p == NULL);
    CHECK(strstr(err, "t/policy.lua:2: a NUL byte") != NULL);
    cw_policy_free(p);

    /* a UTF-8 byte-order mark is not Lua, and not an error either */
    write_policy(0, NULL, NULL);
    FILE *f = fopen(path, "rb");
    char text[8192];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    char bom[8192 + 3] = "\xEF\xBB\xBF";
    memcpy(bom + 3, text, n);
    write_file(path, bom, n + 3);
    p = load_t();
    if (!p)
        fprintf(stderr, "bom: %s\n", err);
    CHECK(p != NULL);
    cw_policy_free(p);

    /* no policy.lua, no directory */
    unlink(path);
    p = load_t();
    CHECK(p == NULL);
    CHECK(strstr(err, "t/policy.lua: cannot be read: No such file or directory") != NULL);
    char nodir[PATH_MAX + 16];
    snprintf(nodir, sizeof nodir, "%s/nothing", root);
    p = cw_policy_load("t", nodir, err, sizeof err);
    CHECK(p == NULL);
    CHECK(strstr(err, "t/policy.lua: ") == err);
}

static void test_retention(void)
{
    int64_t ms = -7;
    CHECK_EQ_INT(cw_policy_parse_retention("30d", &ms), 0);
    CHECK_EQ_INT(ms, 2592000000LL);
    CHECK_EQ_INT(cw_policy_parse_retention("12h", &ms), 0);
    CHECK_EQ_INT(ms, 43200000LL);
    CHECK_EQ_INT(cw_policy_parse_retention("90m", &ms), 0);
    CHECK_EQ_INT(ms, 5400000LL);
    CHECK_EQ_INT(cw_policy_parse_retention("2w", &ms), 0);
    CHECK_EQ_INT(ms, 14LL * 86400000);
    CHECK_EQ_INT(cw_policy_parse_retention("1y", &ms), 0);
    CHECK_EQ_INT(ms, 365LL * 86400000);
    CHECK_EQ_INT(cw_policy_parse_retention("100y", &ms), 0);
    CHECK_EQ_INT(ms, 36500LL * 86400000);
    CHECK_EQ_INT(cw_policy_parse_retention("36500d", &ms), 0);
    CHECK_EQ_INT(cw_policy_parse_retention("0d", &ms), 0);
    CHECK_EQ_INT(ms, 0);
    CHECK_EQ_INT(cw_policy_parse_retention("007d", &ms), 0);
    CHECK_EQ_INT(ms, 7LL * 86400000);
    ms = 42;
    static const char *const bad[] = {
        "30", "d", "-1d", "+1d", "", " 1d", "1d ", "1 d", "1.5d", "1D", "1dd", "1s", "1M",
        "101y", "36501d", "5300w", "99999999999999999999d", "9223372036854775807m",
        "18446744073709551617d", "0x10d", NULL
    };
    for (const char *const *b = bad; *b; b++) {
        int rc = cw_policy_parse_retention(*b, &ms);
        if (rc != -1)
            fprintf(stderr, "  retention \"%s\" was accepted\n", *b);
        CHECK_EQ_INT(rc, -1);
    }
    CHECK_EQ_INT(ms, 42);                   /* untouched by a refusal */
    CHECK_EQ_INT(cw_policy_parse_retention(NULL, &ms), -1);
}

/* `callwarden check`: a scripts/ and policies/ pair, the policy's problems with file:line */
static void test_check(void)
{
    char d[512], path[600];
    snprintf(d, sizeof d, "%s/repo", root);
    mkdir(d, 0700);
    snprintf(d, sizeof d, "%s/repo/scripts", root);
    mkdir(d, 0700);
    snprintf(d, sizeof d, "%s/repo/policies", root);
    mkdir(d, 0700);
    snprintf(d, sizeof d, "%s/repo/scripts/shop", root);
    mkdir(d, 0700);
    snprintf(path, sizeof path, "%s/flow.lua", d);
    write_text(path, "call:answer()\n");
    snprintf(d, sizeof d, "%s/repo/policies/shop", root);
    mkdir(d, 0700);
    snprintf(path, sizeof path, "%s/policy.lua", d);
    write_text(path, "controller { name = \"x\" }\njurisdiction \"de\"\n");

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int tenants = 0;
    snprintf(d, sizeof d, "%s/repo/scripts/shop", root);
    int problems = cw_check_path(d, out, &tenants);
    fclose(out);
    CHECK(problems >= 3);
    CHECK_EQ_INT(tenants, 1);
    CHECK(strstr(buf, "shop: ok, version ") != NULL);       /* the flow is fine */
    CHECK(strstr(buf, "shop/policy.lua:1: controller has no contact\n") != NULL);
    CHECK(strstr(buf, "shop/policy.lua:2: jurisdiction \"de\" is not a country code") != NULL);
    CHECK(strstr(buf, "shop/policy.lua:1: no level statement") != NULL);
    free(buf);

    /* scripts/ and policies/ both named: the policy is checked once */
    out = open_memstream(&buf, &len);
    tenants = 0;
    char s1[512], s2[512];
    snprintf(s1, sizeof s1, "%s/repo/scripts", root);
    snprintf(s2, sizeof s2, "%s/repo/policies/", root);
    const char *both[] = { s1, s2 };
    int problems2 = cw_check_paths(both, 2, out, &tenants);
    fclose(out);
    CHECK_EQ_INT(problems2, problems);
    CHECK_EQ_INT(tenants, 1);
    const char *first = strstr(buf, "shop/policy.lua:1: controller has no contact");
    CHECK(first && !strstr(first + 1, "shop/policy.lua:1: controller has no contact"));
    free(buf);

    /* the repo's policies pass, each named on its own */
    out = open_memstream(&buf, &len);
    tenants = 0;
    snprintf(d, sizeof d, "%s/policies", source_dir());
    problems = cw_check_path(d, out, &tenants);
    fclose(out);
    if (problems)
        fprintf(stderr, "repo policies:\n%s", buf);
    CHECK_EQ_INT(problems, 0);
    CHECK(tenants >= 2);
    CHECK(strstr(buf, "demo/policy.lua: ok, version ") != NULL);
    CHECK(strstr(buf, "praxis/policy.lua: ok, version ") != NULL);
    free(buf);
}

int main(void)
{
    CHECK(mkdtemp(root) != NULL);
    snprintf(tdir, sizeof tdir, "%s/t", root);
    CHECK_EQ_INT(mkdir(tdir, 0700), 0);

    test_demo();
    test_praxis();
    test_base_and_defaults();
    test_controller_and_jurisdiction();
    test_languages();
    test_notice();
    test_disclosure();
    test_consent();
    test_levels();
    test_keys();
    test_keys_default_withdraw();
    test_speech_timeouts_handover_fallback();
    test_statements();
    test_many_errors();
    test_sandbox();
    test_bytecode();
    test_retention();
    test_check();

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("test_policy");
}
