/* stats.h  `callwarden stats` (runtime/admin/stats.c): the consent wording A/B
 * comparison from the admin API's /metrics, and the statistics it rests on. */
#ifndef CALLWARDEN_STATS_H
#define CALLWARDEN_STATS_H

#include <stdio.h>

/* The 95 % Wilson score interval of k successes in n trials. */
void cw_wilson(double k, double n, double *lo, double *hi);

/* The two-proportion z statistic of k2/n2 against k1/n1 (pooled), and its two-sided p. */
double cw_two_proportion_z(double k1, double n1, double k2, double n2, double *p_two_sided);

/* Print the comparison from a /metrics text (only tenant's, if not NULL) at unix time
 * now. 0, or 1 when no question was asked. */
int cw_stats_print(const char *metrics, const char *tenant, double now, FILE *out);

/* The command: argv[0] is "stats". Exit status. */
int cw_stats_cmd(int argc, char **argv, FILE *out);

#endif
