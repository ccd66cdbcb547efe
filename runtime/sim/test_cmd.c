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

static void usage(FILE *out)
{
    fprintf(out,
        "usage: callwarden test [TENANT | SCENARIO.lua]... [--scripts DIR] [--policies DIR]\n"
        "                       [--prompts DIR] [--tap] [--quiet] [--keep DIR]\n"
        "                       [--log-level error|warn|info|debug]\n"
        "Runs scripts/<tenant>/scenarios/*.lua (every tenant's when none is named) against\n"
        "the tenant's flow and policy on a virtual clock, and checks each call against\n"
        "G1-G10. Exit status 0: all scenarios passed; 1: one failed or broke a guarantee.\n");
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
        snprintf(out, cap, "%s", keep);
        if (mkdir(out, 0700) != 0 && errno != EEXIST)
            return -1;
        return 0;
    }
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(out, cap, "%s/callwarden-test-XXXXXX", base ? base : "/tmp");
    return mkdtemp(out) ? 0 : -1;
}

int cw_test_main(const cw_config *base, int argc, char **argv)
{
    static const struct option opts[] = {
        { "scripts", required_argument, NULL, 's' },
        { "policies", required_argument, NULL, 'P' },
        { "prompts", required_argument, NULL, 'p' },
        { "tap", no_argument, NULL, 't' },
        { "quiet", no_argument, NULL, 'q' },
        { "keep", required_argument, NULL, 'k' },
        { "log-level", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cw_config cfg = *base;
    int tap = 0, quiet = 0;
    const char *keep = NULL;
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
        case 'k': keep = optarg; break;
        case 'v':
            if (cw_config_set(&cfg, "log-level", optarg, err, sizeof err) != 0) {
                fprintf(stderr, "callwarden test: --%s\n", err);
                return 2;
            }
            cw_log_set_level((cw_log_level)cfg.log_level);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    plan p = { 0 };
    int bad = 0;
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
    if (make_data_dir(data, sizeof data, keep) != 0) {
        fprintf(stderr, "callwarden test: cannot make a data directory: %s\n", strerror(errno));
        return 2;
    }
    static sim_run run;                /* large; one per process */
    memset(&run, 0, sizeof run);
    run.seed = 1;
    uint64_t t0 = uv_hrtime();
    if (sim_run_open(&run, &cfg, data) != 0) {
        fprintf(stderr, "callwarden test: %s\n", run.err);
        return 2;
    }
    for (size_t i = 0; i < p.n; i++)
        scn_run_file(&run, &p.v[i]);
    uint64_t virtual_ms = run.now;
    sim_run_close(&run);
    double secs = (double)(uv_hrtime() - t0) / 1e9;

    size_t failed = 0, violations = 0;
    if (tap)
        printf("TAP version 13\n1..%zu\n", p.n);
    for (size_t i = 0; i < p.n; i++) {
        scn_result *r = &p.v[i];
        scn_judge(r);
        failed += r->failed || r->nunmet || r->nviolations;
        violations += r->nviolations;
        if (tap)
            scn_print_tap(stdout, r, i + 1);
        else if (!quiet || r->failed || r->nunmet || r->nviolations)
            scn_print_timeline(stdout, r);
    }
    printf("%s%zu scenarios: %zu passed, %zu failed; %zu guarantee violations; %u calls "
           "in %.2f s (%.1f s of calls on the virtual clock)\n", tap ? "# " : "\n", p.n,
           p.n - failed, failed, violations, run.ncalls, secs, (double)virtual_ms / 1000.0);

    for (size_t i = 0; i < p.n; i++) {
        for (size_t k = 0; k < p.v[i].nunmet; k++)
            free(p.v[i].unmet[k]);
        free(p.v[i].unmet);
    }
    free(p.v);
    for (sim_call *sc = run.calls, *next; sc; sc = next) {
        next = sc->next;
        sim_call_free(sc);
    }
    if (!keep)
        nftw(data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
