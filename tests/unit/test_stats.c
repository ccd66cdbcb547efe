/* test_stats.c  `callwarden stats`: the Wilson interval and the two-proportion z-test
 * against values computed independently (Python, from the textbook formulas), and the
 * A/B table printed from a /metrics text: every variant's counts, the comparison
 * against the main wording, the caution for small samples. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/stats.h"
#include "check.h"

static int near(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

int main(void)
{
    double lo, hi, p;
    cw_wilson(81, 263, &lo, &hi);
    CHECK(near(lo, 0.2552885198782742) && near(hi, 0.36620957698280004));
    cw_wilson(0, 10, &lo, &hi);
    CHECK(near(lo, 0) && near(hi, 0.2775327998628892));
    cw_wilson(10, 10, &lo, &hi);
    CHECK(near(lo, 0.7224672001371107) && near(hi, 1));
    cw_wilson(0, 0, &lo, &hi);
    CHECK(lo == 0 && hi == 1);
    double z = cw_two_proportion_z(301, 412, 322, 398, &p);
    CHECK(near(z, 2.6492996728259253) && near(p, 0.008065877512049296));
    z = cw_two_proportion_z(50, 100, 50, 100, &p);
    CHECK(near(z, 0) && near(p, 1));
    z = cw_two_proportion_z(1, 0, 1, 5, &p);
    CHECK(z == 0 && p == 1);

    const char *metrics =
        "# TYPE callwarden_start_time_seconds gauge\n"
        "callwarden_start_time_seconds 1000.000\n"
        "callwarden_consent_asked_total{tenant=\"praxis\",variant=\"main\"} 412\n"
        "callwarden_consent_asked_total{tenant=\"praxis\",variant=\"B\"} 398\n"
        "callwarden_consent_given_total{tenant=\"praxis\",variant=\"main\",level=\"basic\"} 281\n"
        "callwarden_consent_given_total{tenant=\"praxis\",variant=\"main\",level=\"extended\"} 20\n"
        "callwarden_consent_given_total{tenant=\"praxis\",variant=\"B\",level=\"basic\"} 322\n"
        "callwarden_consent_refused_total{tenant=\"praxis\",variant=\"main\"} 80\n"
        "callwarden_consent_refused_total{tenant=\"praxis\",variant=\"B\"} 55\n"
        "callwarden_consent_dropoff_total{tenant=\"praxis\",variant=\"main\"} 31\n"
        "callwarden_consent_dropoff_total{tenant=\"praxis\",variant=\"B\"} 21\n"
        "callwarden_consent_withdrawn_total{tenant=\"praxis\",variant=\"main\",level=\"basic\"} 4\n"
        "callwarden_consent_asked_total{tenant=\"demo\",variant=\"main\"} 3\n";
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_EQ_INT(cw_stats_print(metrics, "praxis", 1000 + 7200, out), 0);
    fclose(out);
    printf("%s", text);
    CHECK(strstr(text, "tenant praxis: the consent question since the runtime started 2.0 h ago"));
    CHECK(strstr(text, "main           412     301      80      31         4"));
    CHECK(strstr(text, "B              398     322      55      21         0"));
    CHECK(strstr(text, "basic 281, extended 20"));
    CHECK(strstr(text, "73.1% (68.6- 77.1%)"));
    CHECK(strstr(text, "B against main:"));
    CHECK(strstr(text, "given rate: +7.8 points, z = 2.65, p = 0.008: unlikely to be chance"));
    CHECK(strstr(text, "drop-off rate: -2.2 points"));
    CHECK(strstr(text, "not distinguishable from chance yet"));
    CHECK(!strstr(text, "demo"));          /* only the tenant asked for */
    CHECK(!strstr(text, "fewer than 100"));
    free(text);

    text = NULL;
    out = open_memstream(&text, &len);
    CHECK_EQ_INT(cw_stats_print(metrics, NULL, 1000, out), 0);
    fclose(out);
    CHECK(strstr(text, "tenant demo"));
    CHECK(strstr(text, "(one wording only"));
    free(text);

    text = NULL;
    out = open_memstream(&text, &len);
    CHECK_EQ_INT(cw_stats_print("", "praxis", 0, out), 1);
    fclose(out);
    CHECK(strstr(text, "no consent question was asked by tenant praxis"));
    free(text);
    return check_summary("stats");
}
