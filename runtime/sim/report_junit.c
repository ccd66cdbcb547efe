/* report_junit.c  A scenario run as JUnit XML, the way Jenkins and GitLab read it
 * (`callwarden test --junit FILE`).
 *
 *   <testsuites>                       the run: wall-clock seconds it took
 *     <testsuite name="TENANT">        one per tenant, in the order they first ran
 *       <testcase classname="callwarden.TENANT" name="FILE.lua: NAME" time="...">
 *         <failure type="scenario|expectation|G1..G10" message="..."/>  one a problem
 *         <system-out>the call's timeline, as the terminal shows it</system-out>
 *
 * A testcase's time is the call's length on the virtual clock (invite to hang-up), a
 * testsuite's the sum of its calls': what the calls would take on a real line. Text is
 * UTF-8 and kept as it is; what XML 1.0 cannot hold (control characters, broken UTF-8
 * such as a sequence cut by a bounded copy) becomes U+FFFD.
 */
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_int.h"

#define MAX_VIOLATIONS (sizeof ((scn_result *)0)->violations / sizeof (cw_violation))

/* ---- one scenario -------------------------------------------------------------------- */

static int is_bad(const scn_result *r)
{
    return !r->skipped[0] && (r->failed || r->nunmet || r->nviolations);
}

/* The call's length on the virtual clock, in seconds; 0 without a call. */
static double call_secs(const scn_result *r)
{
    const cw_trace *t = r->sc ? &r->sc->tr : NULL;
    if (!t || t->t_end <= t->t_invite)
        return 0;
    return (double)(t->t_end - t->t_invite) / 1000.0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void put_failure(FILE *out, const char *type, const char *text)
{
    fputs("      <failure type=\"", out);
    scn_put_markup(out, type, 1);
    fputs("\" message=\"", out);
    scn_put_markup(out, text, 1);
    fputs("\">", out);
    scn_put_markup(out, text, 0);
    fputs("</failure>\n", out);
}

static void put_violations(FILE *out, const scn_result *r)
{
    uint64_t t0 = r->sc ? r->sc->tr.t_invite : 0;
    size_t shown = r->nviolations < MAX_VIOLATIONS ? r->nviolations : MAX_VIOLATIONS;
    for (size_t i = 0; i < shown; i++) {
        const cw_violation *v = &r->violations[i];
        uint64_t at = v->t_ms > t0 ? v->t_ms - t0 : 0;
        char text[sizeof v->what + 64];
        snprintf(text, sizeof text, "%s at %llu ms: %s", v->guarantee,
                 (unsigned long long)at, v->what);
        put_failure(out, v->guarantee, text);
    }
    if (r->nviolations > shown) {
        char text[96];
        snprintf(text, sizeof text, "%zu more guarantee violations (only the first %zu "
                 "are kept)", r->nviolations - shown, shown);
        put_failure(out, "violations", text);
    }
}

/* The people's timeline (report.c) of the call, as the testcase's output. */
static void put_timeline(FILE *out, const scn_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return;
    scn_print_timeline(mem, r);
    if (fclose(mem) == 0 && buf) {
        fputs("      <system-out>", out);
        scn_put_markup(out, buf, 0);
        fputs("</system-out>\n", out);
    }
    free(buf);
}

static void put_testcase(FILE *out, const scn_result *r)
{
    fputs("    <testcase classname=\"callwarden.", out);
    scn_put_markup(out, r->tenant, 1);
    fputs("\" name=\"", out);
    scn_put_markup(out, base_name(r->file), 1);
    if (r->name[0]) {
        fputs(": ", out);
        scn_put_markup(out, r->name, 1);
    }
    fputs("\" file=\"", out);
    scn_put_markup(out, r->file, 1);
    fprintf(out, "\" time=\"%.3f\">\n", call_secs(r));
    if (r->skipped[0]) {
        fputs("      <skipped message=\"", out);
        scn_put_markup(out, r->skipped, 1);
        fputs("\"/>\n", out);
        fputs("    </testcase>\n", out);
        return;
    }
    if (r->failed)
        put_failure(out, "scenario", r->failure[0] ? r->failure : "the scenario failed");
    for (size_t i = 0; i < r->nunmet; i++)
        put_failure(out, "expectation", r->unmet[i]);
    put_violations(out, r);
    put_timeline(out, r);
    fputs("    </testcase>\n", out);
}

/* ---- the run ------------------------------------------------------------------------- */

/* 1 if res[i] is the first scenario of its tenant, so that it opens the tenant's suite. */
static int first_of_tenant(const scn_result *res, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(res[k].tenant, res[i].tenant) == 0)
            return 0;
    return 1;
}

static void put_testsuite(FILE *out, const scn_result *res, size_t n, const char *tenant)
{
    size_t tests = 0, failures = 0, skipped = 0;
    double secs = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(res[i].tenant, tenant) != 0)
            continue;
        tests++;
        failures += is_bad(&res[i]);
        skipped += res[i].skipped[0] != 0;
        secs += call_secs(&res[i]);
    }
    fputs("  <testsuite name=\"", out);
    scn_put_markup(out, tenant, 1);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
            "time=\"%.3f\">\n", tests, failures, skipped, secs);
    for (size_t i = 0; i < n; i++)
        if (strcmp(res[i].tenant, tenant) == 0)
            put_testcase(out, &res[i]);
    fputs("  </testsuite>\n", out);
}

void scn_write_junit(FILE *out, const scn_result *res, size_t n, double secs)
{
    size_t failures = 0;
    for (size_t i = 0; i < n; i++)
        failures += is_bad(&res[i]);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"callwarden test\" tests=\"%zu\" failures=\"%zu\" "
            "errors=\"0\" time=\"%.3f\">\n", n, failures, secs);
    for (size_t i = 0; i < n; i++)
        if (first_of_tenant(res, i))
            put_testsuite(out, res, n, res[i].tenant);
    fputs("</testsuites>\n", out);
}
