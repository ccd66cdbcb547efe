/* tokens.c  The admin API's users (admin_int.h) and `callwarden admin token`.
 *
 * DATA/admin/tokens (0600, its directory 0700) holds one user a line:
 *
 *     NAME ROLE SHA256-OF-TOKEN TENANTS TOTP-SECRET
 *
 * e.g. "alice dpo 3f2a…(64 hex) praxis base32secret" or "scraper agent … * -". A token
 * is 20 random bytes as "cw_" + 40 hex digits: with that much entropy one SHA-256 is
 * enough to store it (nothing to brute-force), as GitHub and GitLab store theirs. The
 * TOTP secret has to stay readable to check codes, so the file is the one secret here:
 * whoever can read it can make codes, but still lacks every token.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/config.h"
#include "callwarden/crypto.h"
#include "callwarden/error.h"
#include "callwarden/totp.h"
#include "admin_int.h"

static const char *const role_names[] = { "admin", "dpo", "auditor", "agent" };

const char *cw_role_name(unsigned role)
{
    for (unsigned i = 0; i < 4; i++)
        if (role == 1u << i)
            return role_names[i];
    return "none";
}

unsigned cw_role_parse(const char *name)
{
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

static int needs_totp(unsigned role)
{
    return role == CW_ROLE_ADMIN || role == CW_ROLE_DPO;
}

static int name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n < max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int tenants_ok(const char *s)
{
    size_t n = strlen(s);
    if (strcmp(s, "*") == 0)
        return 1;
    return n > 0 && n < CW_ADMIN_TENANTS_LEN && s[0] != ',' && s[n - 1] != ',' &&
           !strstr(s, ",,") &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-,") == n;
}

static int hex_decode(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", hex[2 * i]) ||
            !strchr("0123456789abcdef", hex[2 * i + 1]))
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* One line into user; 0, or -1 with why. */
static int parse_line(char *line, cw_admin_user *user, const char **why)
{
    char *f[6];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t", &save); t && n < 6;
         t = strtok_r(NULL, " \t", &save))
        f[n++] = t;
    memset(user, 0, sizeof *user);
    if (n != 5)
        return *why = "expected NAME ROLE SHA256 TENANTS TOTP", -1;
    if (!name_ok(f[0], CW_ADMIN_NAME_LEN))
        return *why = "a name is letters, digits, '.', '_' and '-'", -1;
    snprintf(user->name, sizeof user->name, "%s", f[0]);
    if (!(user->role = cw_role_parse(f[1])))
        return *why = "the role is admin, dpo, auditor or agent", -1;
    if (hex_decode(f[2], user->token_sha256, 32) != 0)
        return *why = "the token hash is 64 lower-case hex digits", -1;
    if (!tenants_ok(f[3]))
        return *why = "tenants are \"*\" or names separated by commas", -1;
    snprintf(user->tenants, sizeof user->tenants, "%s", f[3]);
    if (strcmp(f[4], "-") != 0) {
        long len = cw_base32_decode(f[4], user->totp_key, sizeof user->totp_key);
        if (len < 10)
            return *why = "the TOTP secret is base32 of at least 10 bytes, or -", -1;
        user->totp_len = (size_t)len;
    }
    if (needs_totp(user->role) && !user->totp_len)
        return *why = "admin and dpo need a TOTP secret (two-factor authentication)", -1;
    return 0;
}

int cw_admin_users_load(cw_admin_users *u, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(u->path, &sb) != 0) {
        if (errno != ENOENT)
            return cw_error(err, errlen, "%s: %s", u->path, strerror(errno));
        cw_admin_users_free(u);
        u->mtime_ns = 0;
        return 0;
    }
    int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (mtime == u->mtime_ns && u->v)
        return 0;
    if (sb.st_mode & 077)
        return cw_error(err, errlen, "%s: readable by others (mode %03o): chmod 600 it",
                        u->path, (unsigned)(sb.st_mode & 0777));
    FILE *f = fopen(u->path, "r");
    if (!f)
        return cw_error(err, errlen, "%s: %s", u->path, strerror(errno));
    cw_admin_user *v = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            cw_admin_user *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = cw_error(err, errlen, "out of memory");
                break;
            }
            v = nv;
        }
        const char *why = NULL;
        if (parse_line(line, &v[n], &why) != 0) {
            rc = cw_error(err, errlen, "%s:%d: %s", u->path, lineno, why);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i].name, v[n].name) == 0) {
                rc = cw_error(err, errlen, "%s:%d: user %s is there twice", u->path, lineno,
                              v[n].name);
                break;
            }
        if (rc)
            break;
        /* a reload keeps the codes used: one cannot be replayed by touching the file */
        for (size_t i = 0; i < u->n; i++)
            if (strcmp(u->v[i].name, v[n].name) == 0)
                v[n].totp_last_step = u->v[i].totp_last_step;
        n++;
    }
    fclose(f);
    if (rc) {
        cw_wipe(v, cap * sizeof *v);
        free(v);
        return -1;
    }
    cw_admin_users_free(u);
    u->v = v;
    u->n = n;
    u->mtime_ns = mtime;
    return 0;
}

void cw_admin_users_free(cw_admin_users *u)
{
    if (u->v) {
        cw_wipe(u->v, u->n * sizeof *u->v);
        free(u->v);
    }
    u->v = NULL;
    u->n = 0;
}

cw_admin_user *cw_admin_users_find(cw_admin_users *u, const char *token)
{
    uint8_t h[32];
    cw_sha256_of(token, strlen(token), h);
    cw_admin_user *found = NULL;
    for (size_t i = 0; i < u->n; i++) {
        unsigned diff = 0;
        for (size_t k = 0; k < 32; k++)
            diff |= (unsigned)(h[k] ^ u->v[i].token_sha256[k]);
        if (!diff)
            found = &u->v[i];         /* no early exit: every user costs the same */
    }
    return found;
}

int cw_admin_user_has_tenant(const cw_admin_user *user, const char *tenant)
{
    if (strcmp(user->tenants, "*") == 0)
        return 1;
    size_t n = strlen(tenant);
    for (const char *p = user->tenants; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, tenant, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ---- callwarden admin token add|list|remove ------------------------------------ */

static void users_path(const char *data_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/admin/tokens", data_dir);
}

/* Write the users back (a new file renamed over the old, 0600). */
static int save(const cw_admin_users *u, FILE *out)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.new", u->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(out, "callwarden admin token: %s: %s\n", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, "# callwarden admin API users: NAME ROLE SHA256-OF-TOKEN TENANTS TOTP-SECRET\n"
               "# written by `callwarden admin token`; keep it 0600\n");
    for (size_t i = 0; i < u->n; i++) {
        const cw_admin_user *x = &u->v[i];
        char hex[65], b32[128] = "-";
        cw_hex(x->token_sha256, 32, hex);
        if (x->totp_len)
            cw_base32_encode(x->totp_key, x->totp_len, b32, sizeof b32);
        fprintf(f, "%s %s %s %s %s\n", x->name, cw_role_name(x->role), hex, x->tenants, b32);
        cw_wipe(b32, sizeof b32);
    }
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, u->path) != 0) {
        fprintf(out, "callwarden admin token: cannot write %s: %s\n", u->path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int token_add(cw_admin_users *u, const char *name, const char *role_name,
                     const char *tenants, FILE *out)
{
    unsigned role = role_name ? cw_role_parse(role_name) : 0;
    if (!name || !name_ok(name, CW_ADMIN_NAME_LEN)) {
        fprintf(out, "callwarden admin token add: give a NAME (letters, digits, '.', '_', '-')\n");
        return 2;
    }
    if (!role) {
        fprintf(out, "callwarden admin token add: --role is admin, dpo, auditor or agent\n");
        return 2;
    }
    if (!tenants_ok(tenants)) {
        fprintf(out, "callwarden admin token add: --tenants is \"*\" or names separated by "
                "commas\n");
        return 2;
    }
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->v[i].name, name) == 0) {
            fprintf(out, "callwarden admin token add: user %s exists (remove it first to "
                    "issue a new token)\n", name);
            return 2;
        }
    cw_admin_user *v = realloc(u->v, (u->n + 1) * sizeof *v);
    if (!v) {
        fprintf(out, "callwarden admin token add: out of memory\n");
        return 2;
    }
    u->v = v;
    cw_admin_user *x = &v[u->n];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", name);
    x->role = role;
    snprintf(x->tenants, sizeof x->tenants, "%s", tenants);
    char token[44] = "cw_";
    if (cw_random_hex(token + 3, 20) != 0 ||
        (needs_totp(role) && cw_random(x->totp_key, 20) != 0)) {
        fprintf(out, "callwarden admin token add: no randomness\n");
        return 2;
    }
    cw_sha256_of(token, strlen(token), x->token_sha256);
    x->totp_len = needs_totp(role) ? 20 : 0;
    u->n++;
    if (save(u, out) != 0)
        return 2;
    fprintf(out, "user %s (%s, tenants %s) added\ntoken: %s\n", name, cw_role_name(role),
            tenants, token);
    if (x->totp_len) {
        char b32[64];
        cw_base32_encode(x->totp_key, x->totp_len, b32, sizeof b32);
        fprintf(out, "totp secret: %s\notpauth://totp/callwarden:%s?secret=%s&issuer=callwarden"
                "&algorithm=SHA1&digits=6&period=30\n", b32, name, b32);
        cw_wipe(b32, sizeof b32);
    }
    fprintf(out, "the token is shown only now: only its SHA-256 is kept\n");
    cw_wipe(token, sizeof token);
    return 0;
}

int cw_admin_token_cmd(int argc, char **argv, FILE *out)
{
    const char *what = argc > 0 ? argv[0] : "";
    const char *data = "data", *role = NULL, *tenants = "*", *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            data = argv[++i];
        else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else if (strcmp(argv[i], "--tenants") == 0 && i + 1 < argc)
            tenants = argv[++i];
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            fprintf(out, "callwarden admin token: unexpected \"%s\"\n", argv[i]);
            return 2;
        }
    }
    cw_admin_users u = { 0 };
    users_path(data, u.path, sizeof u.path);
    char dir[1100], err[1300];
    snprintf(dir, sizeof dir, "%s/admin", data);
    if (strcmp(what, "add") == 0 && ((mkdir(data, 0700) != 0 && errno != EEXIST) ||
                                     (mkdir(dir, 0700) != 0 && errno != EEXIST))) {
        fprintf(out, "callwarden admin token: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    if (cw_admin_users_load(&u, err, sizeof err) != 0) {
        fprintf(out, "callwarden admin token: %s\n", err);
        return 2;
    }
    int status = 0;
    if (strcmp(what, "add") == 0) {
        status = token_add(&u, name, role, tenants, out);
    } else if (strcmp(what, "list") == 0) {
        for (size_t i = 0; i < u.n; i++)
            fprintf(out, "%s %s tenants=%s totp=%s\n", u.v[i].name, cw_role_name(u.v[i].role),
                    u.v[i].tenants, u.v[i].totp_len ? "yes" : "no");
    } else if (strcmp(what, "remove") == 0) {
        size_t i = 0;
        while (i < u.n && (!name || strcmp(u.v[i].name, name) != 0))
            i++;
        if (i == u.n) {
            fprintf(out, "callwarden admin token remove: no user \"%s\"\n", name ? name : "");
            status = 1;
        } else {
            memmove(&u.v[i], &u.v[i + 1], (u.n - i - 1) * sizeof *u.v);
            u.n--;
            status = save(&u, out) == 0 ? 0 : 2;
            if (!status)
                fprintf(out, "user %s removed: its token no longer works\n", name);
        }
    } else {
        fprintf(out, "usage: callwarden admin token add NAME --role ROLE [--tenants A,B] "
                "[--data DIR]\n       callwarden admin token list|remove [NAME] [--data DIR]\n");
        status = 2;
    }
    cw_admin_users_free(&u);
    return status;
}
