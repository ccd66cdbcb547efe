/* stats.c  `callwarden stats`: the consent wording A/B comparison from a running
 * runtime's /metrics (admin API), with what a person needs to judge it: per variant the
 * callers asked, given (per level), refused, dropped (hung up on the question) and
 * withdrawn; the rates with 95 % Wilson intervals; and each variant against the first
 * (the policy's main wording) by a two-sided two-proportion z-test. The counts are the
 * runtime's since it started (callwarden_start_time_seconds).
 *
 *   callwarden stats [--admin URL] [--token TOKEN] [--tenant NAME] [--metrics FILE]
 *
 * URL defaults to http://127.0.0.1:8080 and TOKEN to $CALLWARDEN_TOKEN (an auditor's or
 * agent's token: /metrics needs no TOTP code from them); --metrics reads a saved answer
 * instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "callwarden/stats.h"

/* ---- the numbers ------------------------------------------------------------------ */

void cw_wilson(double k, double n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = k / n, z2 = z * z;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

double cw_two_proportion_z(double k1, double n1, double k2, double n2, double *p_two_sided)
{
    *p_two_sided = 1;
    if (n1 <= 0 || n2 <= 0)
        return 0;
    double pooled = (k1 + k2) / (n1 + n2);
    double se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    if (se <= 0)
        return 0;
    double z = (k2 / n2 - k1 / n1) / se;
    *p_two_sided = erfc(fabs(z) / sqrt(2));
    return z;
}

/* ---- reading /metrics -------------------------------------------------------------- */

typedef struct variant {
    char name[40];
    double asked, given, refused, dropped, withdrawn;
    char levels[256];               /* "basic 301, extended 20" */
} variant;

typedef struct table {
    char tenant[64];
    variant v[32];
    size_t n;
} table;

typedef struct report {
    table t[16];
    size_t n;
    double start_time;
} report;

/* label="value" of a sample line into out; 0 or -1. */
static int label(const char *line, const char *name, char *out, size_t cap)
{
    char key[48];
    snprintf(key, sizeof key, "%s=\"", name);
    const char *p = strstr(line, key);
    const char *brace = strchr(line, '{');
    if (!p || !brace || p < brace)
        return -1;
    p += strlen(key);
    const char *e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= cap)
        return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = 0;
    return 0;
}

static variant *find(report *r, const char *tenant, const char *name)
{
    table *t = NULL;
    for (size_t i = 0; i < r->n && !t; i++)
        if (strcmp(r->t[i].tenant, tenant) == 0)
            t = &r->t[i];
    if (!t) {
        if (r->n == sizeof r->t / sizeof r->t[0])
            return NULL;
        t = &r->t[r->n++];
        memset(t, 0, sizeof *t);
        snprintf(t->tenant, sizeof t->tenant, "%s", tenant);
    }
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    if (t->n == sizeof t->v / sizeof t->v[0])
        return NULL;
    variant *v = &t->v[t->n++];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    return v;
}

static void parse(report *r, const char *text, const char *only)
{
    static const char *const names[] = {
        "callwarden_consent_asked_total", "callwarden_consent_given_total",
        "callwarden_consent_refused_total", "callwarden_consent_dropoff_total",
        "callwarden_consent_withdrawn_total",
    };
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        char buf[512];
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len < sizeof buf && line[0] != '#') {
            memcpy(buf, line, len);
            buf[len] = 0;
            const char *sp = strrchr(buf, ' ');
            double value = sp ? strtod(sp + 1, NULL) : 0;
            if (strncmp(buf, "callwarden_start_time_seconds ", 30) == 0)
                r->start_time = value;
            for (int k = 0; k < 5; k++) {
                size_t nl2 = strlen(names[k]);
                char tenant[64], name[40], level[40];
                if (strncmp(buf, names[k], nl2) != 0 || buf[nl2] != '{' ||
                    label(buf, "tenant", tenant, sizeof tenant) != 0 ||
                    label(buf, "variant", name, sizeof name) != 0 ||
                    (only && strcmp(only, tenant) != 0))
                    continue;
                variant *v = find(r, tenant, name);
                if (!v)
                    continue;
                double *dst[] = { &v->asked, &v->given, &v->refused, &v->dropped, &v->withdrawn };
                *dst[k] += value;
                if (k == 1 && label(buf, "level", level, sizeof level) == 0) {
                    size_t at = strlen(v->levels);
                    snprintf(v->levels + at, sizeof v->levels - at, "%s%s %.0f",
                             at ? ", " : "", level, value);
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

static void pct(FILE *out, double k, double n)
{
    if (n <= 0)
        fprintf(out, "%20s", "-");
    else {
        double lo, hi;
        cw_wilson(k, n, &lo, &hi);
        fprintf(out, "  %5.1f%% (%4.1f-%5.1f%%)", 100 * k / n, 100 * lo, 100 * hi);
    }
}

static void compare(FILE *out, const char *what, double k1, double n1, double k2, double n2)
{
    double p;
    double z = cw_two_proportion_z(k1, n1, k2, n2, &p);
    if (n1 <= 0 || n2 <= 0) {
        fprintf(out, "  %s: no callers asked in one of them\n", what);
        return;
    }
    fprintf(out, "  %s: %+.1f points, z = %.2f, p = %.3f: %s\n", what,
            100 * (k2 / n2 - k1 / n1), z, p,
            p < 0.05 ? "unlikely to be chance (p < 0.05)"
                     : "not distinguishable from chance yet (p >= 0.05)");
}

int cw_stats_print(const char *metrics, const char *tenant, double now, FILE *out)
{
    report *r = calloc(1, sizeof *r);
    if (!r)
        return 2;
    parse(r, metrics, tenant);
    if (!r->n) {
        fprintf(out, "no consent question was asked%s%s since the runtime started\n",
                tenant ? " by tenant " : "", tenant ? tenant : "");
        free(r);
        return 1;
    }
    for (size_t i = 0; i < r->n; i++) {
        table *t = &r->t[i];
        if (r->start_time > 0)
            fprintf(out, "tenant %s: the consent question since the runtime started %.1f h "
                    "ago\n", t->tenant, (now - r->start_time) / 3600);
        else
            fprintf(out, "tenant %s: the consent question since the runtime started\n",
                    t->tenant);
        fprintf(out, "%-10s %7s %7s %7s %7s %9s %22s %22s  given by level\n", "variant",
                "asked", "given", "refused", "dropped", "withdrawn", "given (95% CI)",
                "dropped (95% CI)");
        for (size_t k = 0; k < t->n; k++) {
            variant *v = &t->v[k];
            fprintf(out, "%-10s %7.0f %7.0f %7.0f %7.0f %9.0f", v->name, v->asked, v->given,
                    v->refused, v->dropped, v->withdrawn);
            pct(out, v->given, v->asked);
            pct(out, v->dropped, v->asked);
            fprintf(out, "  %s\n", v->levels[0] ? v->levels : "-");
        }
        /* every variant against the main wording (or the first listed) */
        size_t base = 0;
        for (size_t k = 0; k < t->n; k++)
            if (strcmp(t->v[k].name, "main") == 0)
                base = k;
        for (size_t k = 0; k < t->n; k++) {
            if (k == base)
                continue;
            variant *a = &t->v[base], *b = &t->v[k];
            fprintf(out, "%s against %s:\n", b->name, a->name);
            compare(out, "given rate", a->given, a->asked, b->given, b->asked);
            compare(out, "drop-off rate", a->dropped, a->asked, b->dropped, b->asked);
            double small = a->asked < b->asked ? a->asked : b->asked;
            if (small < 100)
                fprintf(out, "  (fewer than 100 callers in a variant: a few more calls can "
                        "change the picture)\n");
        }
        if (t->n == 1)
            fprintf(out, "(one wording only: give the policy's consent variants to compare)\n");
    }
    free(r);
    return 0;
}

/* ---- the command ------------------------------------------------------------------- */

static size_t keep(char *data, size_t size, size_t n, void *ud)
{
    FILE *f = ud;
    return fwrite(data, size, n, f);
}

int cw_stats_cmd(int argc, char **argv, FILE *out)
{
    const char *url = "http://127.0.0.1:8080", *token = getenv("CALLWARDEN_TOKEN");
    const char *tenant = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strcmp(argv[i], "--token") == 0 && i + 1 < argc)
            token = argv[++i];
        else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
            tenant = argv[++i];
        else if (strcmp(argv[i], "--metrics") == 0 && i + 1 < argc)
            file = argv[++i];
        else {
            fprintf(out, "usage: callwarden stats [--admin URL] [--token TOKEN] "
                    "[--tenant NAME] [--metrics FILE]\n");
            return 2;
        }
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return 2;
    int ok = 0;
    if (file) {
        FILE *f = fopen(file, "r");
        char buf[8192];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, m);
        ok = f != NULL;
        if (f)
            fclose(f);
        if (!ok)
            fprintf(out, "callwarden stats: cannot read %s\n", file);
    } else if (!token) {
        fprintf(out, "callwarden stats: give --token (or CALLWARDEN_TOKEN): an auditor's or "
                "agent's token of the admin API\n");
    } else {
        char base[900], auth[300], err[CURL_ERROR_SIZE] = "";
        snprintf(base, sizeof base, "%s/metrics", url);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, auth);
        long status = 0;
        if (c && h) {
            curl_easy_setopt(c, CURLOPT_URL, base);
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
            curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
            curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
            curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
            curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
            CURLcode rc = curl_easy_perform(c);
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            ok = rc == CURLE_OK && status == 200;
            if (rc != CURLE_OK)
                fprintf(out, "callwarden stats: %s: %s\n", base, err[0] ? err : curl_easy_strerror(rc));
            else if (status != 200)
                fprintf(out, "callwarden stats: %s answered %ld\n", base, status);
        }
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
    }
    fclose(m);
    int status = ok ? cw_stats_print(text, tenant, (double)time(NULL), out) : 2;
    free(text);
    return status;
}
