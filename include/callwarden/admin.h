/*
 * admin.h  The admin API (issue 8): HTTP in the runtime process, on its libuv loop,
 * for the business and its data-protection officer: withdrawal outside the call,
 * subject requests (Art. 15/17), consent look-up and inclusion proofs, a signed ledger
 * checkpoint on request, reload, health and /metrics.
 *
 * The server is libmicrohttpd in its external-epoll mode: its one epoll descriptor is
 * watched by a uv_poll and its timeouts by a uv_timer, so nothing blocks the loop and
 * no thread of its own touches the runtime. Whatever reads files or the ledger runs on
 * libuv's worker threads; the connection waits (suspended) meanwhile.
 *
 * Who may do what is in DATA/admin/tokens (tokens.c): each user has a role (admin,
 * dpo, auditor, agent), a token stored only as its SHA-256, the tenants it may reach,
 * and, for admin and dpo, a TOTP secret (RFC 6238) whose code must come with every
 * request. Plain HTTP is served only on a loopback address; anything else needs TLS.
 */
#ifndef CALLWARDEN_ADMIN_H
#define CALLWARDEN_ADMIN_H

#include <stddef.h>
#include <stdio.h>

typedef struct cw_runtime cw_runtime;
typedef struct cw_admin cw_admin;

/* Start the admin API of rt on rt->cfg.admin_listen (nothing to do if it is ""). 0, or
 * -1 with err (a bad address, plain HTTP on a public address, a TLS file that does not
 * load, the port taken). */
int cw_admin_start(cw_runtime *rt, cw_admin **out, char *err, size_t errlen);

/* Stop accepting; answers in progress finish, then the server is freed. NULL is fine. */
void cw_admin_stop(cw_admin *a);

/* `callwarden admin token add|list|remove`: the users of DATA/admin/tokens. The new
 * token (and TOTP secret) is printed once, never stored in clear. Exit status. */
int cw_admin_token_cmd(int argc, char **argv, FILE *out);

#endif
