/* main.c  The callwarden command line: `callwarden run`, --help, --version. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "callwarden/admin.h"
#include "callwarden/audit.h"
#include "callwarden/check.h"
#include "callwarden/config.h"
#include "callwarden/crypto.h"
#include "callwarden/log.h"
#include "callwarden/policy.h"
#include "admin/docs.h"
#include "callwarden/runtime.h"
#include "callwarden/scenario.h"
#include "callwarden/sim.h"
#include "callwarden/stats.h"
#include "callwarden/subject.h"

#include <lauxlib.h>
#include <lualib.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: callwarden run [options]\n"
        "       callwarden check [DIR...]\n"
        "       callwarden reload [--data DIR] [--scripts DIR]\n"
        "       callwarden busted [BUSTED OPTIONS] SPEC...\n"
        "       callwarden test [TENANT | SCENARIO.lua]... [options]   (callwarden test --help)\n"
        "       callwarden keys init|rotate --tenant NAME [--data DIR]\n"
        "       callwarden audit verify|show --tenant NAME [--data DIR] [--consent ID]\n"
        "       callwarden audit export --tenant NAME [--data DIR] --out FILE\n"
        "       callwarden audit prove --tenant NAME [--data DIR] --consent ID --out FILE\n"
        "       callwarden audit verify EXPORT|PROOF --trust LEDGER.PUB\n"
        "       callwarden subject export NUMBER --tenant NAME [--data DIR] --out DIR\n"
        "       callwarden subject erase NUMBER --tenant NAME [--data DIR]\n"
        "       callwarden vault reconcile|sweep --tenant NAME [--data DIR] [--now MS]\n"
        "       callwarden export training --tenant NAME [--data DIR] --out FILE [--now MS]\n"
        "       callwarden admin token add NAME --role ROLE [--tenants A,B] [--data DIR]\n"
        "       callwarden admin token list|remove [NAME] [--data DIR]\n"
        "       callwarden docs TENANT --out DIR [--policies DIR]\n"
        "       callwarden stats [--admin URL] [--token TOKEN] [--tenant NAME] [--metrics FILE]\n"
        "       callwarden --help | --version\n"
        "\n"
        "run: answer SIP calls and run each tenant's call flow (scripts/<tenant>/flow.lua).\n"
        "  --listen ADDR:PORT       SIP on UDP and TCP (IPv6: [::1]:5060); default 127.0.0.1:5060\n"
        "  --listen tls:ADDR:PORT   SIP over TLS as well (needs --tls-cert-dir)\n"
        "  --tls-cert-dir DIR       directory with agent.pem (key + certificate) and cafile.pem\n"
        "  --rtp-ports LO-HI        RTP/RTCP port range; default 20000-29999\n"
        "  --media-address ADDR     address for RTP and the SDP; default the listen address\n"
        "  --data DIR               data directory; default ./data\n"
        "  --scripts DIR            tenants' flows, DIR/<tenant>/flow.lua; default the repo's scripts/\n"
        "  --policies DIR           tenants' policies, DIR/<tenant>/; default the repo's policies/\n"
        "  --route \"NUMBER TENANT\"  calls to NUMBER reach TENANT (repeatable); otherwise the\n"
        "                           request-URI user names the tenant\n"
        "  --default-tenant NAME    the tenant for unknown numbers; default none (404)\n"
        "  --fallback-transfer \"TENANT URI\"  when TENANT's flow fails, transfer the call to URI\n"
        "                           (a human) instead of the goodbye prompt (repeatable)\n"
        "  --lua-memory-mb N        memory cap of a tenant's Lua state; default 256\n"
        "  --lua-call-memory-kb N   memory one call's flow may hold; default 4096\n"
        "  --lua-budget N           VM instructions a flow may run between two waits; default 10000000\n"
        "  --reload-debounce-ms MS  a change under scripts/ or policies/ reloads MS after it; default 200\n"
        "  --retention-sweep-s S    delete expired content every S seconds (EXPIRED records); default 60\n"
        "  --c-demo-flow 0|1        the demo tenant runs the built-in C flow (bench peer); default 0\n"
        "  --serve-without-policy 0|1  1: answer a tenant that has no policy, without any\n"
        "                           disclosure and with nothing consentable (SIP and media\n"
        "                           testing only); default 0: its calls get 503 (G1)\n"
        "  --prompts DIR            rendered prompts; default <binary dir>/prompts\n"
        "  --config FILE            settings as \"key = value\" lines (same names, with _)\n"
        "  --max-calls N            more concurrent calls get 503; default 4000\n"
        "  --drain-timeout SEC      after SIGTERM, BYE to calls still up; default 30\n"
        "  --ring-ms MS             send 180 Ringing and answer after MS; default 0\n"
        "  --digit-timeout-ms MS    how long the demo waits for a key; default 10000\n"
        "  --demo-repeat-welcome 0|1  the C demo flow replays its welcome until a key or BYE\n"
        "  --log-level LEVEL        error, warn, info or debug; default info\n"
        "  --egress-ca-file PEM     CAs trusted for AI and CRM endpoints beside the system's\n"
        "  --ai-key \"TENANT KEY\"    the bearer token of TENANT's AI endpoints (repeatable)\n"
        "  --webhook-secret \"TENANT SECRET\"  the key of TENANT's webhook signatures\n"
        "  --outbox-poll-ms MS      how often the webhook outbox looks for work; default 1000\n"
        "  --tts-cache-hours N      call:say renders are deleted after N hours (G7); default 24\n"
        "  --admin-listen ADDR:PORT the admin API (HTTP); default off; plain HTTP only on\n"
        "                           loopback, elsewhere with --admin-tls-cert/--admin-tls-key\n"
        "  --admin-tls-cert PEM     the admin API's certificate (HTTPS, TLS 1.2 or 1.3)\n"
        "  --admin-tls-key PEM      ... and its private key\n"
        "\n"
        "SIGTERM or SIGINT drains: new INVITEs get 503, calls end by themselves or get a\n"
        "BYE after the drain timeout, then the process exits 0. A second signal hangs up at once.\n"
        "SIGHUP, `callwarden reload` or a change under --scripts/--policies reloads the tenants:\n"
        "a tenant that fails to load keeps its running version; calls in progress keep theirs.\n"
        "\n"
        "check: validate tenants without running them (each DIR a tenant directory, a policy\n"
        "  directory or a directory of either; default the repo's scripts/ and policies/):\n"
        "  flow.lua loaded as the runtime loads it, every module compiled, reads of undefined\n"
        "  globals reported; the tenant's policy (policies/<tenant>/policy.lua, beside\n"
        "  scripts/) loaded and validated. Prints \"tenant/file:line: message\" for each\n"
        "  problem and exits 1 if there was one.\n"
        "\n"
        "busted: run busted specs inside the runtime; require(\"callwarden\") gives\n"
        "  tenant(dir):call{keys = {...}}: a tenant's real flow in its sandbox, with a\n"
        "  simulated caller on a virtual clock (see README, \"Testing a flow\").\n"
        "\n"
        "keys init: make the tenant's keys: DIR/NAME/ledger.key and master.key (the vault's;\n"
        "  both 0600: back them up) and ledger.pub (for auditors).\n"
        "keys rotate: a new ledger key; the ledger records the hand-over (KEY_ROTATED, sealed\n"
        "  and checkpointed by the old key), older keys stay to open older records.\n"
        "audit verify: check the tenant's consent ledger (DIR/NAME/consent.db) with its keys:\n"
        "  every record's position, header, leaf and sealed body, every signed checkpoint;\n"
        "  names each problem, exits 1 if there is one.\n"
        "audit export: the records as stored and the checkpoints, for an auditor (logged).\n"
        "audit prove: the records of one consent with their inclusion proofs under the newest\n"
        "  signed checkpoint (logged).\n"
        "audit verify EXPORT|PROOF --trust LEDGER.PUB: check an export or a proof with the\n"
        "  public key alone: every leaf, position and checkpoint (export), every inclusion\n"
        "  proof (proof); records after the last checkpoint are named.\n"
        "audit show: every record opened, one line each starting with its event type (only\n"
        "  those mentioning --consent ID); the reading is logged first as ACCESSED.\n"
        "subject export NUMBER --out DIR (Art. 15): the caller's number, consent records and\n"
        "  stored content, decrypted, into the new DIR (subject.json, <artifact>.bin).\n"
        "subject erase NUMBER (Art. 17): destroy the caller's key (crypto-shredding) and\n"
        "  content, log ERASED; the consent proof stays.\n"
        "vault reconcile: after keys.db was restored from a backup, erase again what the\n"
        "  ledger's ERASED records name.\n"
        "vault sweep [--now MS]: delete what expired (one EXPIRED record each); the running\n"
        "  runtime does this by itself every --retention-sweep-s.\n"
        "\n"
        "admin token add NAME --role admin|dpo|auditor|agent [--tenants A,B]: a user of the\n"
        "  admin API in DATA/admin/tokens; prints its token (and, for admin and dpo, the TOTP\n"
        "  secret for an authenticator app) once: only the token's SHA-256 is kept.\n"
        "admin token list | remove NAME: the users; a removed user's token stops working.\n"
        "docs TENANT --out DIR: the Art. 13 privacy notice and the Art. 30 record of\n"
        "  processing, Markdown and HTML, per policy language, generated from the tenant's\n"
        "  policy (its version in them): DIR/privacy-notice.LANG.md|html,\n"
        "  DIR/processing-record.LANG.md|html.\n"
        "stats: the consent wording A/B comparison of a running runtime (its /metrics at\n"
        "  --admin URL, default http://127.0.0.1:8080, with an auditor's or agent's --token or\n"
        "  $CALLWARDEN_TOKEN; or a saved --metrics FILE): per variant asked, given (by level),\n"
        "  refused, dropped and withdrawn, rates with 95%% intervals, a z-test per variant.\n"
        "\n"
        "reload: check the tenants in --scripts (default the repo's scripts/), then send SIGHUP\n"
        "  to the runtime whose pid is in DIR/callwarden.pid (--data, default ./data).\n");
}

static void default_prompts_dir(cw_config *cfg, const char *argv0)
{
    if (cfg->prompts_dir[0])
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        snprintf(exe, sizeof exe, "%s", argv0);
    else
        exe[n] = 0;
    snprintf(cfg->prompts_dir, sizeof cfg->prompts_dir, "%s/prompts", dirname(exe));
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "rtp-ports", required_argument, NULL, 'r' },
        { "data", required_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "log-level", required_argument, NULL, 'v' },
        { "prompts", required_argument, NULL, 'p' },
        { "tls-cert-dir", required_argument, NULL, 't' },
        { "media-address", required_argument, NULL, 'm' },
        { "max-calls", required_argument, NULL, 'n' },
        { "drain-timeout", required_argument, NULL, 'D' },
        { "ring-ms", required_argument, NULL, 'R' },
        { "digit-timeout-ms", required_argument, NULL, 'T' },
        { "demo-repeat-welcome", required_argument, NULL, 'W' },
        { "scripts", required_argument, NULL, 's' },
        { "policies", required_argument, NULL, 'P' },
        { "route", required_argument, NULL, 'o' },
        { "default-tenant", required_argument, NULL, 'u' },
        { "fallback-transfer", required_argument, NULL, 'F' },
        { "lua-memory-mb", required_argument, NULL, 'M' },
        { "lua-call-memory-kb", required_argument, NULL, 'K' },
        { "lua-budget", required_argument, NULL, 'B' },
        { "c-demo-flow", required_argument, NULL, 'C' },
        { "serve-without-policy", required_argument, NULL, 'N' },
        { "reload-debounce-ms", required_argument, NULL, 'H' },
        { "retention-sweep-s", required_argument, NULL, 'S' },
        { "egress-ca-file", required_argument, NULL, 'E' },
        { "ai-key", required_argument, NULL, 'A' },
        { "webhook-secret", required_argument, NULL, 'X' },
        { "outbox-poll-ms", required_argument, NULL, 'O' },
        { "tts-cache-hours", required_argument, NULL, 'Y' },
        { "admin-listen", required_argument, NULL, 'a' },
        { "admin-tls-cert", required_argument, NULL, 'e' },
        { "admin-tls-key", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cw_config cfg;
    cw_config_defaults(&cfg);
    char err[1024];

    /* The config file first, wherever --config stands, so the command line wins. */
    for (int i = 1; i < argc - 1; i++) {
        if (strcmp(argv[i], "--config") == 0 && cw_config_load(&cfg, argv[i + 1], err,
                                                               sizeof err) != 0) {
            fprintf(stderr, "callwarden: %s\n", err);
            return 2;
        }
    }
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        for (const struct option *o = opts; o->name; o++)
            if (o->val == opt)
                key = o->name;
        if (opt == 'h') {
            usage(stdout);
            return 0;
        }
        if (opt == '?' || !key) {
            usage(stderr);
            return 2;
        }
        if (opt == 'c')
            continue;
        if (cw_config_set(&cfg, key, optarg, err, sizeof err) != 0) {
            fprintf(stderr, "callwarden: --%s\n", err);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "callwarden: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (cfg.listen_tls[0] && !cfg.tls_cert_dir[0]) {
        fprintf(stderr, "callwarden: --listen tls:... needs --tls-cert-dir\n");
        return 2;
    }
    default_prompts_dir(&cfg, argv[0]);
    /* a peer that closes its TCP/TLS connection must not kill the process */
    signal(SIGPIPE, SIG_IGN);
    cw_log_set_level((cw_log_level)cfg.log_level);

    /* the process holds tenant keys: no core file (key pages are also MADV_DONTDUMP) */
    cw_secmem_no_core_dumps();
    uv_loop_t loop;
    uv_loop_init(&loop);
    static cw_runtime rt;   /* lives as long as the process; reachable for LeakSanitizer */
    int status = 0;
    if (cw_runtime_start(&rt, &loop, &cfg, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "main", "%s", err);
        uv_walk(&loop, close_walk, NULL);
        status = 1;
    } else {
        cw_log(CW_LOG_INFO, "main", "ready version=%s rtp_ports=%u-%u media_address=%s",
               CW_VERSION, cfg.rtp_port_min, cfg.rtp_port_max, rt.media_addr);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cw_runtime_free(&rt);
    uv_loop_close(&loop);
    if (status == 0)
        cw_log(CW_LOG_INFO, "main", "exit 0");
    return status;
}

static int cmd_test(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    default_prompts_dir(&cfg, argv[0]);
    cw_secmem_no_core_dumps();
    return cw_test_main(&cfg, argc - 1, argv + 1);
}

/* callwarden docs TENANT --out DIR [--policies DIR] */
static int cmd_docs(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    const char *tenant = NULL, *out = NULL;
    char err[4096];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--policies") == 0 && i + 1 < argc) {
            if (cw_config_set(&cfg, "policies", argv[++i], err, sizeof err) != 0) {
                fprintf(stderr, "callwarden docs: %s\n", err);
                return 2;
            }
        } else if (argv[i][0] != '-' && !tenant) {
            tenant = argv[i];
        } else {
            tenant = NULL;
            break;
        }
    }
    if (!tenant || !out || strchr(tenant, '/') || tenant[0] == '.') {
        fprintf(stderr, "usage: callwarden docs TENANT --out DIR [--policies DIR]\n");
        return 2;
    }
    char dir[CW_PATH_LEN + 80];
    snprintf(dir, sizeof dir, "%s/%s", cfg.policies_dir, tenant);
    cw_policy *p = cw_policy_load(tenant, dir, err, sizeof err);
    if (!p) {
        fprintf(stderr, "%s", err);
        fprintf(stderr, "%scallwarden docs: the policy of %s does not load: no documents "
                "written\n", err[0] && err[strlen(err) - 1] != '\n' ? "\n" : "", tenant);
        return 1;
    }
    int rc = cw_docs_write(p, out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "callwarden docs: %s\n", err);
    else
        printf("tenant %s, policy %.12s: privacy-notice and processing-record in %zu "
               "language%s (Markdown and HTML) in %s\n", tenant, p->hash, p->nlangs,
               p->nlangs == 1 ? "" : "s", out);
    cw_policy_free(p);
    return rc ? 2 : 0;
}

static int cmd_check(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    int problems = 0, tenants = 0;
    if (argc < 2) {
        problems = cw_check_dirs(cfg.scripts_dir, cfg.policies_dir, stdout, &tenants);
    } else {
        problems = cw_check_paths((const char *const *)argv + 1, argc - 1, stdout, &tenants);
    }
    if (tenants == 0 && problems == 0) {
        fprintf(stderr, "callwarden check: no tenant found (a tenant is a directory with "
                        "a flow.lua or a policy.lua)\n");
        return 1;
    }
    if (problems)
        printf("%d problem%s in %d tenant%s\n", problems, problems == 1 ? "" : "s", tenants,
               tenants == 1 ? "" : "s");
    return problems ? 1 : 0;
}

static int cmd_reload(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && (strcmp(argv[i], "--data") == 0 ||
                             strcmp(argv[i], "--scripts") == 0)) {
            if (cw_config_set(&cfg, argv[i] + 2, argv[i + 1], err, sizeof err) != 0) {
                fprintf(stderr, "callwarden reload: %s\n", err);
                return 2;
            }
            i++;
            continue;
        }
        fprintf(stderr, "callwarden reload: unexpected argument \"%s\"\n", argv[i]);
        return 2;
    }
    int tenants = 0;
    int problems = cw_check_path(cfg.scripts_dir, stdout, &tenants);
    if (problems)
        printf("these tenants keep their running version\n");
    char pidfile[CW_PATH_LEN + 32];
    snprintf(pidfile, sizeof pidfile, "%s/callwarden.pid", cfg.data_dir);
    FILE *f = fopen(pidfile, "r");
    long pid = 0;
    if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
        fprintf(stderr, "callwarden reload: no runtime pid in %s\n", pidfile);
        if (f)
            fclose(f);
        return 2;
    }
    fclose(f);
    if (kill((pid_t)pid, SIGHUP) != 0) {
        fprintf(stderr, "callwarden reload: pid %ld (from %s): %s\n", pid, pidfile,
                strerror(errno));
        return 2;
    }
    printf("reload signalled to pid %ld\n", pid);
    return problems ? 1 : 0;
}

/* --data DIR --tenant NAME [--consent ID] [--out FILE]: the options of keys and audit;
 * consent and outp are NULL where the command takes no such option. */
static int ledger_args(int argc, char **argv, const char *cmd, cw_config *cfg,
                       const char **tenant, const char **consent, const char **outp,
                       const char **now)
{
    char err[512];
    *tenant = NULL;
    if (consent)
        *consent = NULL;
    if (outp)
        *outp = NULL;
    if (now)
        *now = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--data") == 0) {
            if (cw_config_set(cfg, "data", argv[++i], err, sizeof err) != 0) {
                fprintf(stderr, "callwarden %s: %s\n", cmd, err);
                return -1;
            }
        } else if (i + 1 < argc && strcmp(argv[i], "--tenant") == 0) {
            *tenant = argv[++i];
        } else if (consent && i + 1 < argc && strcmp(argv[i], "--consent") == 0) {
            *consent = argv[++i];
        } else if (outp && i + 1 < argc && strcmp(argv[i], "--out") == 0) {
            *outp = argv[++i];
        } else if (now && i + 1 < argc && strcmp(argv[i], "--now") == 0) {
            *now = argv[++i];
        } else {
            fprintf(stderr, "callwarden %s: unexpected argument \"%s\"\n", cmd, argv[i]);
            return -1;
        }
    }
    if (!*tenant) {
        fprintf(stderr, "callwarden %s: --tenant NAME is needed\n", cmd);
        return -1;
    }
    if (outp && !*outp) {
        fprintf(stderr, "callwarden %s: --out FILE is needed\n", cmd);
        return -1;
    }
    return 0;
}

/* callwarden keys init|rotate, audit verify|show|export|prove */
static int cmd_ledger(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    const char *tenant, *consent, *outp;
    const char *what = argc >= 2 ? argv[1] : "";
    int keys = strcmp(argv[0], "keys") == 0, audit = strcmp(argv[0], "audit") == 0;
    if (keys && strcmp(what, "init") == 0)
        return ledger_args(argc - 1, argv + 1, "keys init", &cfg, &tenant, NULL, NULL, NULL) != 0
                   ? 2 : cw_audit_keys_init(cfg.data_dir, tenant, stdout);
    if (keys && strcmp(what, "rotate") == 0)
        return ledger_args(argc - 1, argv + 1, "keys rotate", &cfg, &tenant, NULL, NULL, NULL) != 0
                   ? 2 : cw_audit_keys_rotate(cfg.data_dir, tenant, stdout);
    if (audit && strcmp(what, "export") == 0)
        return ledger_args(argc - 1, argv + 1, "audit export",
                           &cfg, &tenant, NULL, &outp, NULL) != 0
                   ? 2 : cw_audit_export(cfg.data_dir, tenant, outp, stdout);
    if (audit && strcmp(what, "prove") == 0) {
        if (ledger_args(argc - 1, argv + 1, "audit prove",
                        &cfg, &tenant, &consent, &outp, NULL) != 0)
            return 2;
        return cw_audit_prove(cfg.data_dir, tenant, consent, outp, stdout);
    }
    if (audit && argc == 5 && strcmp(what, "verify") == 0 && strcmp(argv[3], "--trust") == 0)
        return cw_audit_verify_export(argv[2], argv[4], stdout);
    if (audit && strcmp(what, "verify") == 0)
        return ledger_args(argc - 1, argv + 1, "audit verify", &cfg, &tenant, NULL, NULL, NULL) != 0
                   ? 2 : cw_audit_verify(cfg.data_dir, tenant, stdout);
    if (audit && strcmp(what, "show") == 0)
        return ledger_args(argc - 1, argv + 1, "audit show",
                           &cfg, &tenant, &consent, NULL, NULL) != 0
                   ? 2 : cw_audit_show(cfg.data_dir, tenant, consent, stdout);
    fprintf(stderr, "callwarden: \"%s %s\": expected keys init, rotate or audit verify, show, "
                    "export or prove\n",
            argv[0], argc > 1 ? argv[1] : "");
    return 2;
}

/* callwarden export training --tenant NAME --out FILE [--data DIR] [--now MS] */
static int cmd_export(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    const char *tenant, *outp, *now;
    if (argc < 2 || strcmp(argv[1], "training") != 0) {
        fprintf(stderr, "callwarden export: expected \"export training --tenant NAME --out "
                        "FILE\"\n");
        return 2;
    }
    if (ledger_args(argc - 1, argv + 1, "export training", &cfg, &tenant, NULL, &outp,
                    &now) != 0)
        return 2;
    return cw_training_export(cfg.data_dir, tenant, outp, now ? strtoll(now, NULL, 10) : 0,
                              stdout);
}

/* callwarden subject export|erase NUMBER, vault reconcile|sweep */
static int cmd_subject(int argc, char **argv)
{
    cw_config cfg;
    cw_config_defaults(&cfg);
    const char *tenant, *outp, *now;
    const char *what = argc >= 2 ? argv[1] : "";
    int subject = strcmp(argv[0], "subject") == 0;
    if (subject && (strcmp(what, "export") == 0 || strcmp(what, "erase") == 0)) {
        int exp = strcmp(what, "export") == 0;
        const char *cmd = exp ? "subject export" : "subject erase";
        if (argc < 3 || strncmp(argv[2], "--", 2) == 0) {
            fprintf(stderr, "callwarden %s: the caller's NUMBER comes first\n", cmd);
            return 2;
        }
        if (ledger_args(argc - 2, argv + 2, cmd, &cfg, &tenant, NULL, exp ? &outp : NULL,
                        NULL) != 0)
            return 2;
        return exp ? cw_subject_export(cfg.data_dir, tenant, argv[2], outp, stdout)
                   : cw_subject_erase(cfg.data_dir, tenant, argv[2], stdout);
    }
    if (!subject && strcmp(what, "reconcile") == 0)
        return ledger_args(argc - 1, argv + 1, "vault reconcile", &cfg, &tenant, NULL, NULL,
                           NULL) != 0
                   ? 2 : cw_vault_reconcile_cmd(cfg.data_dir, tenant, stdout);
    if (!subject && strcmp(what, "sweep") == 0) {
        if (ledger_args(argc - 1, argv + 1, "vault sweep", &cfg, &tenant, NULL, NULL, &now) != 0)
            return 2;
        char *end = NULL;
        long long ms = now ? strtoll(now, &end, 10) : (long long)cw_now_ms();
        if (now && (!*now || *end || ms <= 0)) {
            fprintf(stderr, "callwarden vault sweep: --now takes UTC milliseconds\n");
            return 2;
        }
        return cw_vault_sweep_cmd(cfg.data_dir, tenant, (int64_t)ms, stdout);
    }
    fprintf(stderr, "callwarden: \"%s %s\": expected subject export|erase or vault "
                    "reconcile|sweep\n", argv[0], what);
    return 2;
}

/* callwarden busted SPEC...: busted in a plain Lua 5.4 state of this binary, with the
 * module `callwarden` (simulated calls on tenants' real flows) preloaded. */
static int cmd_busted(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "callwarden busted: cannot create a Lua state\n");
        return 1;
    }
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, cw_sim_open);
    lua_setfield(L, -2, "callwarden");
    lua_pop(L, 2);
    lua_createtable(L, argc, 1);
    lua_pushstring(L, "busted");
    lua_rawseti(L, -2, 0);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg");
    /* busted exits the process itself (os.exit) when a spec failed */
    int rc = 0;
    if (luaL_dostring(L, "require('busted.runner')({ standalone = false })") != LUA_OK) {
        fprintf(stderr, "callwarden busted: %s\n", lua_tostring(L, -1));
        rc = 1;
    }
    lua_close(L);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("callwarden %s\n", CW_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "keys") == 0 || strcmp(argv[1], "audit") == 0) {
        cw_secmem_no_core_dumps();
        return cmd_ledger(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "subject") == 0 || strcmp(argv[1], "vault") == 0) {
        cw_secmem_no_core_dumps();
        return cmd_subject(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "admin") == 0) {
        if (argc < 3 || strcmp(argv[2], "token") != 0) {
            fprintf(stderr, "usage: callwarden admin token add|list|remove ...\n");
            return 2;
        }
        return cw_admin_token_cmd(argc - 3, argv + 3, stdout);
    }
    if (strcmp(argv[1], "docs") == 0)
        return cmd_docs(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return cw_stats_cmd(argc - 1, argv + 1, stdout);
    if (strcmp(argv[1], "busted") == 0)
        return cmd_busted(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0)
        return cmd_test(argc, argv);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "reload") == 0)
        return cmd_reload(argc - 1, argv + 1);
    fprintf(stderr, "callwarden: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
