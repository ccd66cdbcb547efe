/* test_config.c  Settings: defaults, names, ranges, the config file with file:line errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callwarden/config.h"
#include "callwarden/media.h"
#include "check.h"

int main(void)
{
    cw_config c;
    char err[512];
    char host[128];
    uint16_t port;

    cw_config_defaults(&c);
    CHECK_STR(c.listen, "127.0.0.1:5060");
    CHECK_EQ_INT(c.rtp_port_min, 20000);

    CHECK_EQ_INT(cw_config_split_hostport("[::1]:5070", host, sizeof host, &port), 0);
    CHECK_STR(host, "::1");
    CHECK_EQ_INT(port, 5070);
    CHECK_EQ_INT(cw_config_split_hostport("::1:5070", host, sizeof host, &port), -1);
    CHECK_EQ_INT(cw_config_split_hostport("127.0.0.1:0", host, sizeof host, &port), -1);
    CHECK_EQ_INT(cw_config_split_hostport("127.0.0.1:65536", host, sizeof host, &port), -1);
    CHECK_EQ_INT(cw_config_split_hostport("example.org:5060", host, sizeof host, &port), -1);

    CHECK_EQ_INT(cw_config_set(&c, "listen", "tls:127.0.0.1:5061", err, sizeof err), 0);
    CHECK_STR(c.listen_tls, "127.0.0.1:5061");
    CHECK_STR(c.listen, "127.0.0.1:5060");
    CHECK_EQ_INT(cw_config_set(&c, "listen", "nonsense", err, sizeof err), -1);
    CHECK(strstr(err, "nonsense") != NULL);

    CHECK_EQ_INT(cw_config_set(&c, "rtp-ports", "30000-30100", err, sizeof err), 0);
    CHECK_EQ_INT(c.rtp_port_max, 30100);
    CHECK_EQ_INT(cw_config_set(&c, "rtp_ports", "30100-30000", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "rtp_ports", "80-90", err, sizeof err), -1);
    CHECK_EQ_INT(c.rtp_port_min, 30000);   /* a bad value changes nothing */

    CHECK_EQ_INT(cw_config_set(&c, "drain_timeout", "5", err, sizeof err), 0);
    CHECK_EQ_INT(c.drain_timeout_ms, 5000);
    CHECK_EQ_INT(cw_config_set(&c, "max-calls", "-3", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "log_level", "chatty", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "no_such_thing", "1", err, sizeof err), -1);
    CHECK(strstr(err, "no_such_thing") != NULL);

    /* tenants: routes, fallbacks, Lua limits */
    cw_config_defaults(&c);
    CHECK(strstr(c.scripts_dir, "/scripts") != NULL);
    CHECK_EQ_INT(c.lua_budget, 10000000);
    CHECK_EQ_INT(cw_config_set(&c, "route", "4930123 acme", err, sizeof err), 0);
    CHECK_EQ_INT(cw_config_set(&c, "route", "4930999   town-hall", err, sizeof err), 0);
    CHECK_EQ_INT(c.nroutes, 2);
    CHECK_STR(c.routes[1].tenant, "town-hall");
    CHECK_EQ_INT(cw_config_set(&c, "route", "4930123 other", err, sizeof err), -1);
    CHECK(strstr(err, "routed twice") != NULL);
    CHECK_EQ_INT(cw_config_set(&c, "route", "4930555", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "route", "1 a b", err, sizeof err), -1);
    CHECK_EQ_INT(c.nroutes, 2);
    CHECK_EQ_INT(cw_config_set(&c, "fallback-transfer", "acme sip:desk@pbx.example", err,
                               sizeof err), 0);
    CHECK_STR(c.fallbacks[0].uri, "sip:desk@pbx.example");
    CHECK_EQ_INT(cw_config_set(&c, "fallback_transfer", "acme http://x", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "fallback_transfer", "acme", err, sizeof err), -1);
    CHECK_EQ_INT(c.nfallbacks, 1);
    CHECK_EQ_INT(cw_config_set(&c, "lua-budget", "500000", err, sizeof err), 0);
    CHECK_EQ_INT(c.lua_budget, 500000);
    CHECK_EQ_INT(cw_config_set(&c, "lua_call_memory_kb", "lots", err, sizeof err), -1);
    CHECK_EQ_INT(cw_config_set(&c, "default_tenant", "demo", err, sizeof err), 0);
    CHECK_STR(c.default_tenant, "demo");

    /* a config file: comments, blanks, and an error that names file and line */
    char path[] = "/tmp/cw_config_test_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# settings\n\nlisten = [::1]:5090\nmax_calls = 12  # inline\nrtp_ports = 1-2\n");
    fclose(f);
    cw_config_defaults(&c);
    CHECK_EQ_INT(cw_config_load(&c, path, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:5: rtp_ports", path);
    CHECK(strstr(err, want) != NULL);
    CHECK_STR(c.listen, "[::1]:5090");
    CHECK_EQ_INT(c.max_calls, 12);
    unlink(path);
    CHECK_EQ_INT(cw_config_load(&c, "/nonexistent/cw.conf", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/cw.conf") != NULL);

    /* the RTP port pool: even ports, round robin, exhaustion, give back */
    cw_port_pool pp;
    CHECK_EQ_INT(cw_port_pool_init(&pp, 40001, 40008), 0);
    uint16_t a = cw_port_pool_take(&pp), b = cw_port_pool_take(&pp), d = cw_port_pool_take(&pp);
    CHECK_EQ_INT(a, 40002);
    CHECK_EQ_INT(b, 40004);
    CHECK_EQ_INT(d, 40006);
    CHECK_EQ_INT(cw_port_pool_take(&pp), 0);   /* 40008 has no odd partner */
    cw_port_pool_give(&pp, b);
    CHECK_EQ_INT(cw_port_pool_take(&pp), 40004);
    CHECK_EQ_INT(pp.in_use, 3);
    cw_port_pool_free(&pp);

    return check_summary("config");
}
