/* test_cmd.c  `callwarden test`: a tenant's compliance scenarios against its real flow
 * and policy, with the real ledger and vault in a throw-away directory, on the virtual
 * clock; each call's timeline, what it expected, and the oracle's verdict on G1-G10.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/log.h"
#include "callwarden/scenario.h"
#include "scenario_int.h"

#define PARALLEL 64                     /* scenario calls on the line at once */

static void usage(FILE *out)
{
    fprintf(out,
        "usage: callwarden test [TENANT | SCENARIO.lua]... [--scripts DIR] [--policies DIR]\n"
        "                       [--prompts DIR] [--tap] [--quiet] [--timelines] [--keep NEWDIR]\n"
        "                       [--explore N [--seed S]] [--junit FILE] [--report DIR]\n"
        "                       [--sip HOST:PORT [--data DIR] [--tts DIR]]\n"
        "                       [--config FILE] [--fallback-transfer \"TENANT URI\"]...\n"
        "                       [--log-level error|warn|info|debug]\n"
        "Runs scripts/<tenant>/scenarios/*.lua (every tenant's when none is named) against\n"
        "the tenant's flow and policy on a virtual clock, and checks each call against\n"
        "G1-G10. --explore N: N callers per tenant drawn from a seed instead, judged by the\n"
        "oracle alone; each violation names the seed that replays it (--explore 1 --seed).\n"
        "--sip: the same scenarios against a running runtime over SIP and RTP; --data: its\n"
        "data directory, to read its ledger and vault afterwards (and its TTS cache).\n"
        "Exit status 0: all passed; 1: a scenario failed or a guarantee was broken.\n");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct plan {
    scn_result *v;
    size_t n, cap;
} plan;

static int add_file(plan *p, const char *tenant, const char *path)
{
    if (strlen(path) >= sizeof p->v[0].file || strlen(tenant) >= sizeof p->v[0].tenant) {
        fprintf(stderr, "callwarden test: %s: the path or tenant name is too long\n", path);
        return -1;
    }
    scn_result *r = cw_trace_push((void **)&p->v, &p->n, &p->cap, sizeof *r);
    if (!r)
        return -1;
    memcpy(r->file, path, strlen(path) + 1);
    memcpy(r->tenant, tenant, strlen(tenant) + 1);
    return 0;
}

/* The tenant's scenario files, in name order. */
static int add_tenant(plan *p, const char *scripts, const char *tenant, int required)
{
    char dir[CW_PATH_LEN + 80];
    snprintf(dir, sizeof dir, "%s/%s/scenarios", scripts, tenant);
    DIR *d = opendir(dir);
    if (!d) {
        if (required)
            fprintf(stderr, "callwarden test: %s: %s (a tenant's scenarios are "
                    "scripts/<tenant>/scenarios/*.lua)\n", dir, strerror(errno));
        return required ? -1 : 0;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0 || e->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[CW_PATH_LEN + 400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        add_file(p, tenant, path);
        free(names[i]);
    }
    free(names);
    if (n == 0 && required) {
        fprintf(stderr, "callwarden test: %s has no *.lua scenario\n", dir);
        return -1;
    }
    return 0;
}

/* scripts/<tenant>/scenarios/<file>.lua: the tenant is the directory above. */
static int add_path(plan *p, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "callwarden test: %s: no such scenario file\n", path);
        return -1;
    }
    char buf[CW_PATH_LEN];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = 0;
    slash = strrchr(buf, '/');
    char *tenant_end = slash;
    if (!slash || strcmp(slash + 1, "scenarios") != 0) {
        fprintf(stderr, "callwarden test: %s: a scenario lives in "
                "scripts/<tenant>/scenarios/\n", path);
        return -1;
    }
    *tenant_end = 0;
    const char *tenant = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
    return add_file(p, tenant, path);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* A private directory for the run's stores: in memory (/dev/shm) when there is one, so
 * that fsync'd commits cost little; removed afterwards unless kept. */
static int make_data_dir(char *out, size_t cap, const char *keep)
{
    if (keep) {
        /* a new directory: a run's calls are told apart from an earlier run's only by
         * being alone in their stores */
        snprintf(out, cap, "%s", keep);
        if (mkdir(out, 0700) != 0) {
            if (errno == EEXIST)
                errno = ENOTEMPTY;
            return -1;
        }
        return 0;
    }
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(out, cap, "%s/callwarden-test-XXXXXX", base ? base : "/tmp");
    return mkdtemp(out) ? 0 : -1;
}

/* Where the runtime under test is (--sip), its data directory and TTS cache. */
typedef struct line_opts {
    const char *sip, *data, *tts;
} line_opts;

static int open_run(sim_run *run, const cw_config *cfg, char *data, size_t cap,
                    const char *keep, const line_opts *lo)
{
    if (make_data_dir(data, cap, keep) != 0) {
        fprintf(stderr, "callwarden test: cannot make the data directory %s: %s%s\n",
                keep ? keep : "", strerror(errno),
                keep && errno == ENOTEMPTY ? " (--keep names a new directory)" : "");
        return -1;
    }
    memset(run, 0, sizeof *run);
    run->seed = uv_hrtime();           /* names the run's Call-IDs, nothing else */
    char tts[CW_PATH_LEN + 8] = "";
    if (lo->sip && lo->data) {
        snprintf(run->collect_dir, sizeof run->collect_dir, "%s", lo->data);
        snprintf(tts, sizeof tts, "%s/tts", lo->data);
    }
    if (lo->tts)
        snprintf(tts, sizeof tts, "%s", lo->tts);
    if (sim_run_open(run, cfg, data, lo->sip, tts) != 0) {
        fprintf(stderr, "callwarden test: %s\n", run->err);
        return -1;
    }
    return 0;
}

static void free_results(scn_result *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].nunmet; k++)
            free(v[i].unmet[k]);
        free(v[i].unmet);
        for (size_t k = 0; k < v[i].nunchecked; k++)
            free(v[i].unchecked[k]);
        free(v[i].unchecked);
    }
    free(v);
}

static void free_calls(sim_run *run)
{
    for (sim_call *sc = run->calls, *next; sc; sc = next) {
        next = sc->next;
        sim_call_free(sc);
    }
    run->calls = NULL;
}

/* The length of all the run's calls together (INVITE to hang-up), in seconds. */
static double call_seconds(const sim_run *run)
{
    uint64_t ms = 0;
    for (const sim_call *sc = run->calls; sc; sc = sc->next)
        if (sc->tr.t_end > sc->tr.t_invite)
            ms += sc->tr.t_end - sc->tr.t_invite;
    return (double)ms / 1000.0;
}

/* --junit FILE and --report DIR, after the run was judged. 0, or -1 (said why). */
static int write_reports(const char *junit, const char *report, const scn_result *res,
                         size_t n, double secs)
{
    int rc = 0;
    if (junit) {
        FILE *f = fopen(junit, "w");
        if (!f) {
            fprintf(stderr, "callwarden test: --junit %s: %s\n", junit, strerror(errno));
            rc = -1;
        } else {
            scn_write_junit(f, res, n, secs);
            if (fclose(f) != 0) {
                fprintf(stderr, "callwarden test: --junit %s: %s\n", junit, strerror(errno));
                rc = -1;
            }
        }
    }
    char err[512];
    if (report && scn_write_html(report, res, n, err, sizeof err) != 0) {
        fprintf(stderr, "callwarden test: --report %s: %s\n", report, err);
        rc = -1;
    }
    if (report && rc == 0)
        printf("report: %s/index.html\n", report);
    return rc;
}

/* --explore N: N callers per tenant, in batches on the line at once. */
static int explore_tenants(const cw_config *cfg, int nt, char **tenants, unsigned long n,
                           unsigned long long seed, const char *keep, int timelines,
                           const char *junit, const char *report, const line_opts *lo)
{
    static sim_run run;
    char data[CW_PATH_LEN];
    if (open_run(&run, cfg, data, sizeof data, keep, lo) != 0)
        return 2;
    const char *names[64];
    size_t nnames = 0;
    for (int i = 0; i < nt && nnames < 64; i++)
        names[nnames++] = tenants[i];
    for (cw_tenant *t = run.rt.tenants.head; t && nt == 0 && nnames < 64; t = t->next)
        if (t->current && t->current->policy)
            names[nnames++] = t->name;
    for (size_t i = 0; i < nnames; i++) {
        cw_tenant *t = cw_tenants_find(&run.rt.tenants, names[i]);
        if (!t || !t->current) {
            fprintf(stderr, "callwarden test: --explore: no tenant %s with a flow in %s\n",
                    names[i], cfg->scripts_dir);
            sim_run_close(&run);
            free_calls(&run);
            return 2;
        }
    }
    size_t total = n * nnames;
    scn_result *res = calloc(total ? total : 1, sizeof *res);
    scn_runner *rs = calloc(total ? total : 1, sizeof *rs);
    scn_runner **all = calloc(total ? total : 1, sizeof *all);
    if (!res || !rs || !all) {
        fprintf(stderr, "callwarden test: out of memory\n");
        return 2;
    }
    printf("explore: %lu callers per tenant, seed %llu\n", n, seed);
    fflush(stdout);
    uint64_t t0 = uv_hrtime();
    for (size_t j = 0; j < total; j++) {
        scn_result *r = &res[j];
        snprintf(r->tenant, sizeof r->tenant, "%s", names[j / n]);
        snprintf(r->file, sizeof r->file, "explore:%s", names[j / n]);
        scn_open_explore(&rs[j], &run, r, scn_explore_seed(seed, (unsigned)(j % n)));
        all[j] = &rs[j];
    }
    scn_drive(&run, all, total, PARALLEL);
    uint64_t virtual_ms = run.now;
    sim_run_close(&run);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    size_t bad = 0, violations = 0;
    for (size_t i = 0; i < total; i++) {
        scn_judge(&res[i]);
        if (!res[i].nviolations) {
            if (timelines)
                scn_print_timeline(stdout, &res[i]);
            continue;
        }
        bad++;
        violations += res[i].nviolations;
        scn_print_timeline(stdout, &res[i]);
        printf("  replay: callwarden test --explore 1 --seed %llu %s\n",
               (unsigned long long)rs[i].seed, res[i].tenant);
    }
    /* the reports hold the calls that broke a guarantee (all of them in JUnit) */
    scn_result *shown = report ? calloc(bad ? bad : 1, sizeof *shown) : NULL;
    size_t nshown = 0;
    for (size_t i = 0; shown && i < total; i++)
        if (res[i].nviolations)
            shown[nshown++] = res[i];
    int rep = write_reports(junit, NULL, res, total, secs);
    if (report && (!shown || scn_write_html(report, shown, nshown, run.err,
                                             sizeof run.err) != 0)) {
        fprintf(stderr, "callwarden test: --report %s: %s\n", report,
                shown ? run.err : "out of memory");
        rep = -1;
    } else if (report) {
        printf("report: %s/index.html (the %zu calls with violations)\n", report, nshown);
    }
    free(shown);                       /* a shallow copy: res still owns the texts */
    double cs = call_seconds(&run);
    printf("%sexplore: %zu calls, %zu with guarantee violations (%zu violations); %.2f s, "
           "%.0f calls/s; %.0f s of calls (%.0fx real time), %.0f s on the %s clock\n",
           bad ? "\n" : "", total, bad, violations, secs,
           secs > 0 ? (double)total / secs : 0.0, cs, secs > 0 ? cs / secs : 0.0,
           (double)virtual_ms / 1000.0, lo->sip ? "real" : "virtual");
    free(all);
    free(rs);
    free_results(res, total);
    free_calls(&run);
    if (!keep)
        nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return bad ? 1 : rep != 0 ? 2 : 0;
}

int cw_test_main(const cw_config *base, int argc, char **argv)
{
    static const struct option opts[] = {
        { "scripts", required_argument, NULL, 's' },
        { "policies", required_argument, NULL, 'P' },
        { "prompts", required_argument, NULL, 'p' },
        { "tap", no_argument, NULL, 't' },
        { "quiet", no_argument, NULL, 'q' },
        { "timelines", no_argument, NULL, 'T' },
        { "junit", required_argument, NULL, 'j' },
        { "sip", required_argument, NULL, 'I' },
        { "data", required_argument, NULL, 'd' },
        { "tts", required_argument, NULL, 'y' },
        { "fallback-transfer", required_argument, NULL, 'F' },
        { "config", required_argument, NULL, 'c' },
        { "report", required_argument, NULL, 'r' },
        { "keep", required_argument, NULL, 'k' },
        { "log-level", required_argument, NULL, 'v' },
        { "explore", required_argument, NULL, 'x' },
        { "seed", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cw_config cfg = *base;
    int tap = 0, quiet = 0, timelines = 0;
    unsigned long explore = 0;
    unsigned long long seed = 0;
    int seeded = 0;
    char *end;
    const char *keep = NULL, *junit = NULL, *report = NULL;
    line_opts lo = { 0 };
    char err[512];
    cw_log_set_level(CW_LOG_WARN);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': snprintf(cfg.scripts_dir, sizeof cfg.scripts_dir, "%s", optarg); break;
        case 'P': snprintf(cfg.policies_dir, sizeof cfg.policies_dir, "%s", optarg); break;
        case 'p': snprintf(cfg.prompts_dir, sizeof cfg.prompts_dir, "%s", optarg); break;
        case 't': tap = 1; break;
        case 'q': quiet = 1; break;
        case 'T': timelines = 1; break;
        case 'j': junit = optarg; break;
        case 'I': lo.sip = optarg; break;
        case 'd': lo.data = optarg; break;
        case 'y': lo.tts = optarg; break;
        case 'F':
            if (cw_config_set(&cfg, "fallback-transfer", optarg, err, sizeof err) != 0) {
                fprintf(stderr, "callwarden test: --%s\n", err);
                return 2;
            }
            break;
        case 'c':
            /* the runtime's own configuration: its tenants' settings (fallbacks, routes) */
            if (cw_config_load(&cfg, optarg, err, sizeof err) != 0) {
                fprintf(stderr, "callwarden test: %s\n", err);
                return 2;
            }
            break;
        case 'r': report = optarg; break;
        case 'k': keep = optarg; break;
        case 'v':
            if (cw_config_set(&cfg, "log-level", optarg, err, sizeof err) != 0) {
                fprintf(stderr, "callwarden test: --%s\n", err);
                return 2;
            }
            cw_log_set_level((cw_log_level)cfg.log_level);
            break;
        case 'x':
            explore = strtoul(optarg, &end, 10);
            if (*end || explore == 0 || explore > 1000000) {
                fprintf(stderr, "callwarden test: --explore %s: a number of callers, 1 to "
                        "1000000\n", optarg);
                return 2;
            }
            break;
        case 'S':
            seed = strtoull(optarg, &end, 10);
            if (*end || !optarg[0] || optarg[0] == '-') {
                fprintf(stderr, "callwarden test: --seed %s: a decimal number\n", optarg);
                return 2;
            }
            seeded = 1;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if ((lo.data || lo.tts) && !lo.sip) {
        fprintf(stderr, "callwarden test: --data and --tts name the stores of a runtime under "
                "test: they go with --sip\n");
        return 2;
    }
    plan p = { 0 };
    int bad = 0;
    if (explore)
        return explore_tenants(&cfg, argc - optind, argv + optind, explore,
                               seeded ? seed : (uv_hrtime() ^ (uint64_t)getpid()) % 1000000000ull,
                               keep, timelines, junit, report, &lo);
    for (int i = optind; i < argc; i++) {
        size_t len = strlen(argv[i]);
        bad |= (len > 4 && strcmp(argv[i] + len - 4, ".lua") == 0)
                   ? add_path(&p, argv[i]) : add_tenant(&p, cfg.scripts_dir, argv[i], 1);
    }
    if (optind == argc) {
        DIR *d = opendir(cfg.scripts_dir);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.')
                add_tenant(&p, cfg.scripts_dir, e->d_name, 0);
        if (d)
            closedir(d);
    }
    if (bad)
        return 2;
    if (p.n == 0) {
        fprintf(stderr, "callwarden test: no scenario found under %s/*/scenarios/\n",
                cfg.scripts_dir);
        return 2;
    }

    char data[CW_PATH_LEN];
    static sim_run run;                /* large; one per process */
    uint64_t t0 = uv_hrtime();
    if (open_run(&run, &cfg, data, sizeof data, keep, &lo) != 0)
        return 2;
    /* the files' calls side by side, a batch at a time: each call's timeline is its own */
    scn_runner *rs = calloc(p.n, sizeof *rs);
    scn_runner **all = calloc(p.n, sizeof *all);
    if (!rs || !all) {
        fprintf(stderr, "callwarden test: out of memory\n");
        return 2;
    }
    for (size_t j = 0; j < p.n; j++) {
        scn_open_file(&rs[j], &run, &p.v[j]);
        all[j] = &rs[j];
    }
    scn_drive(&run, all, p.n, PARALLEL);
    for (size_t j = 0; j < p.n; j++)
        scn_close(&rs[j]);
    free(all);
    free(rs);
    uint64_t virtual_ms = run.now;
    sim_run_close(&run);
    double secs = (double)(uv_hrtime() - t0) / 1e9;

    size_t failed = 0, violations = 0, skipped = 0;
    if (tap)
        printf("TAP version 13\n1..%zu\n", p.n);
    for (size_t i = 0; i < p.n; i++) {
        scn_result *r = &p.v[i];
        scn_judge(r);
        skipped += r->skipped[0] != 0;
        failed += !r->skipped[0] && (r->failed || r->nunmet || r->nviolations);
        violations += r->nviolations;
        if (tap)
            scn_print_tap(stdout, r, i + 1);
        else if (!quiet || r->failed || r->nunmet || r->nviolations)
            scn_print_timeline(stdout, r);
    }
    int rep = write_reports(junit, report, p.v, p.n, (double)(uv_hrtime() - t0) / 1e9);
    double cs = call_seconds(&run);
    char skips[32] = "";
    if (skipped)
        snprintf(skips, sizeof skips, ", %zu skipped", skipped);
    printf("%s%zu scenarios: %zu passed, %zu failed%s; %zu guarantee violations; %u calls in "
           "%.2f s: %.1f s of calls (%.0fx real time), %.1f s on the %s clock\n",
           tap ? "# " : "\n", p.n, p.n - failed - skipped, failed, skips, violations,
           run.ncalls, secs, cs, secs > 0 ? cs / secs : 0.0, (double)virtual_ms / 1000.0,
           lo.sip ? "real" : "virtual");

    free_results(p.v, p.n);
    free_calls(&run);
    if (!keep)
        nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : rep != 0 ? 2 : 0;
}
