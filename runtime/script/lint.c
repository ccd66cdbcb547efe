/* lint.c  cw_lint_globals: reads of globals that nothing in a tenant's Lua file defines.
 *
 * A typo in a flow (cal:play for call:play) compiles, and is a nil in the middle of a
 * caller's call. Lua's compiler already knows which names are globals: the listing of
 * `luac5.4 -p -l -l` shows every access to _ENV with its name and source line. We run
 * luac (posix_spawnp, no shell), parse its listing as it streams in, collect the names
 * written anywhere in the file and the reads, and report reads of names neither
 * written nor known.
 *
 *   5  [2]  GETTABUP   1 0 0   ; _ENV "print"      a read on source line 2
 *   9  [3]  SETTABUP   0 2 3k  ; _ENV "z" 2        a write
 *
 * Traps of the listing that shape this file:
 * - Only a name of at most 40 bytes (LUAI_MAXSHORTLEN) whose constant index fits in
 *   8 bits gets GETTABUP/SETTABUP. A longer name, and every global of a function with
 *   more than 255 constants, goes through registers: GETUPVAL r ; _ENV, then LOADK (or
 *   LOADKX) k ; "name", then GETTABLE/SETTABLE r k. So per function we follow which
 *   registers hold _ENV or a string constant, in listing order, forgetting a register
 *   as soon as an instruction writes it (no control flow: a heuristic, good for the
 *   code luac emits for these accesses, which keeps its temporaries reserved).
 * - Names are printed with C-like escapes (\" \n \ddd). We keep them escaped, which
 *   also keeps control characters out of the report, and decode only to compare with
 *   the known names.
 * - The file goes to luac on stdin ("-"), not as an argument: luac shortens a path
 *   longer than ~60 bytes in its messages ("...me/flow.lua:3: ..."), and a newline in
 *   a path would split a listing line. We put the full path back into the message.
 *
 * luac's exit status is read with waitpid on its pid; if SIGCHLD is ignored (the
 * kernel then reaps it) or a handler reaped it first, its stderr and the presence of
 * a listing decide instead.
 */
#define _GNU_SOURCE                  /* pipe2, strndup, F_DUPFD_CLOEXEC */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "callwarden/lint.h"

#define LUAC "luac5.4"
#define LINE_MAX_BYTES (64u << 20)   /* one listing line; a long string literal is one */
#define STDERR_KEEP 4096             /* luac's complaint is one line */
#define NREGS 256                    /* Lua registers have 8-bit numbers */

extern char **environ;

enum { REG_UNKNOWN, REG_ENV, REG_STR };

/* What the walk knows about one register of the current function. */
struct reg {
    int kind;
    char *str;                       /* REG_STR: the constant, escaped as luac prints it */
};

/* One global access: the name as luac prints it, escaped, without the quotes. */
struct access {
    char *name;
    int line;                        /* source line, 0 if luac does not know it */
    size_t seq;                      /* position in the listing */
};

struct access_list {
    struct access *v;
    size_t n, cap;
};

struct lint {
    char *buf;                       /* listing text not yet split into lines */
    size_t len, cap, scanned;        /* scanned: bytes of buf known to hold no '\n' */
    struct reg regs[NREGS];
    int nregs;                       /* registers from here up are all REG_UNKNOWN */
    int headers;                     /* "main <stdin:0,0> ..." lines seen */
    struct access_list reads, writes;
    char failed[96];                 /* first failure of our own, "" if none */
};

/* One instruction line of the listing, split in place. */
struct insn {
    int line;
    const char *op;
    int arg[3];
    int nargs;
    const char *comment;             /* the text after "; ", "" if none */
};

/* Opcodes that write no register, and those that may write R[A] and the registers
 * above it; every other Lua 5.4 opcode writes exactly R[A]. */
static const char *const no_write[] = {
    "SETTABUP", "SETTABLE", "SETI", "SETFIELD", "SETUPVAL", "SETLIST", "MMBIN",
    "MMBINI", "MMBINK", "CLOSE", "TBC", "JMP", "EQ", "LT", "LE", "EQK", "EQI", "LTI",
    "LEI", "GTI", "GEI", "TEST", "RETURN", "RETURN0", "RETURN1", "TFORPREP",
    "VARARGPREP", "EXTRAARG", NULL
};
static const char *const writes_up[] = {
    "LOADNIL", "SELF", "CONCAT", "CALL", "TAILCALL", "FORLOOP", "FORPREP", "TFORCALL",
    "TFORLOOP", "VARARG", NULL
};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static void fail(struct lint *lt, const char *why)
{
    if (!lt->failed[0])
        snprintf(lt->failed, sizeof lt->failed, "%s", why);
}

/* The text between the quotes of a string constant as luac prints it ("a\"b"), which
 * starts at p; NULL if there is none. */
static const char *quoted(const char *p, size_t *len)
{
    if (*p != '"')
        return NULL;
    const char *q = ++p;
    while (*q && *q != '"')
        q += (q[0] == '\\' && q[1]) ? 2 : 1;
    if (*q != '"')
        return NULL;
    *len = (size_t)(q - p);
    return p;
}

/* Decode luac's escapes (\" \\ \a \b \f \n \r \t \v \ddd) of s into out, which has
 * room for strlen(s) bytes; returns the decoded length. */
static size_t unescape(const char *s, char *out)
{
    static const char from[] = "abfnrtv", to[] = "\a\b\f\n\r\t\v";
    size_t n = 0;
    while (*s) {
        if (s[0] != '\\' || !s[1]) {
            out[n++] = *s++;
            continue;
        }
        s++;
        const char *e = strchr(from, *s);
        if (e) {
            out[n++] = to[e - from];
            s++;
        } else if (isdigit((unsigned char)*s)) {
            int v = 0;
            for (int i = 0; i < 3 && isdigit((unsigned char)*s); i++)
                v = v * 10 + (*s++ - '0');
            out[n++] = (char)v;
        } else {
            out[n++] = *s++;         /* \" and \\ */
        }
    }
    return n;
}

static void record(struct lint *lt, struct access_list *l, const char *name, size_t len,
                   int line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct access *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            fail(lt, "out of memory");
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    char *copy = strndup(name, len);
    if (!copy) {
        fail(lt, "out of memory");
        return;
    }
    l->v[l->n] = (struct access){ copy, line, l->n };
    l->n++;
}

/* Forget registers [from, to). */
static void reg_clear(struct lint *lt, int from, int to)
{
    if (to > lt->nregs)
        to = lt->nregs;
    for (int r = from; r < to; r++) {
        free(lt->regs[r].str);
        lt->regs[r] = (struct reg){ REG_UNKNOWN, NULL };
    }
    if (to == lt->nregs && from < lt->nregs)
        lt->nregs = from;
}

static void reg_set(struct lint *lt, int r, int kind, const char *str, size_t len)
{
    char *copy = NULL;
    if (str && !(copy = strndup(str, len)))
        kind = REG_UNKNOWN;          /* forgetting is always safe */
    reg_clear(lt, r, r + 1);
    lt->regs[r] = (struct reg){ kind, copy };
    if (r >= lt->nregs)
        lt->nregs = r + 1;
}

static int reg_is(const struct lint *lt, int r, int kind)
{
    return r >= 0 && r < lt->nregs && lt->regs[r].kind == kind;
}

/* Split "\t5\t[2]\tGETTABUP \t1 0 0\t; _ENV \"x\"" in place; 0 if the line is not an
 * instruction (a header, a constant, a local, an upvalue, ...). */
static int parse_insn(char *s, struct insn *in)
{
    char *end;
    if (*s++ != '\t' || !isdigit((unsigned char)*s))
        return 0;
    strtol(s, &end, 10);
    s = end;
    if (s[0] != '\t' || s[1] != '[')
        return 0;
    s += 2;
    in->line = 0;
    if (*s == '-') {
        s++;
    } else {
        in->line = (int)strtol(s, &end, 10);
        if (end == s)
            return 0;
        s = end;
    }
    if (s[0] != ']' || s[1] != '\t')
        return 0;
    s += 2;
    in->op = s;
    while (isupper((unsigned char)*s) || isdigit((unsigned char)*s))
        s++;
    char *op_end = s;
    while (*s == ' ')
        s++;
    if (op_end == in->op || *s != '\t')
        return 0;
    s++;
    *op_end = 0;                     /* after s moved on: op_end may be that tab */
    in->nargs = 0;
    while (*s && *s != '\t') {
        long v = strtol(s, &end, 10);
        if (end == s)
            return 0;
        if (in->nargs < 3)
            in->arg[in->nargs++] = (int)v;
        s = end;
        if (*s == 'k')
            s++;
        while (*s == ' ')
            s++;
    }
    in->comment = (s[0] == '\t' && s[1] == ';' && s[2] == ' ') ? s + 3 : "";
    return 1;
}

/* Record the global access of one instruction, then update the registers it writes. */
static void on_insn(struct lint *lt, const struct insn *in)
{
    const char *op = in->op, *name;
    int a = in->nargs > 0 ? in->arg[0] : -1;
    int b = in->nargs > 1 ? in->arg[1] : -1;
    int c = in->nargs > 2 ? in->arg[2] : -1;
    size_t len;

    if (strcmp(op, "GETTABUP") == 0 || strcmp(op, "SETTABUP") == 0) {
        /* only the upvalue named _ENV is the globals; "cfg" "x" is a field of cfg */
        if (strncmp(in->comment, "_ENV \"", 6) == 0 &&
            (name = quoted(in->comment + 5, &len)))
            record(lt, op[0] == 'G' ? &lt->reads : &lt->writes, name, len, in->line);
    } else if (strcmp(op, "GETFIELD") == 0) {
        if (reg_is(lt, b, REG_ENV) && (name = quoted(in->comment, &len)))
            record(lt, &lt->reads, name, len, in->line);
    } else if (strcmp(op, "SETFIELD") == 0) {
        if (reg_is(lt, a, REG_ENV) && (name = quoted(in->comment, &len)))
            record(lt, &lt->writes, name, len, in->line);
    } else if (strcmp(op, "GETTABLE") == 0) {
        if (reg_is(lt, b, REG_ENV) && reg_is(lt, c, REG_STR))
            record(lt, &lt->reads, lt->regs[c].str, strlen(lt->regs[c].str), in->line);
    } else if (strcmp(op, "SETTABLE") == 0) {
        if (reg_is(lt, a, REG_ENV) && reg_is(lt, b, REG_STR))
            record(lt, &lt->writes, lt->regs[b].str, strlen(lt->regs[b].str), in->line);
    }

    if (a < 0 || a >= NREGS || in_list(no_write, op))
        return;
    if (in_list(writes_up, op))
        reg_clear(lt, a, NREGS);
    else if (strcmp(op, "GETUPVAL") == 0 && strcmp(in->comment, "_ENV") == 0)
        reg_set(lt, a, REG_ENV, NULL, 0);
    else if ((strcmp(op, "LOADK") == 0 || strcmp(op, "LOADKX") == 0) &&
             (name = quoted(in->comment, &len)))
        reg_set(lt, a, REG_STR, name, len);
    else if (strcmp(op, "MOVE") == 0 && reg_is(lt, b, REG_ENV))
        reg_set(lt, a, REG_ENV, NULL, 0);
    else if (strcmp(op, "MOVE") == 0 && reg_is(lt, b, REG_STR))
        reg_set(lt, a, REG_STR, lt->regs[b].str, strlen(lt->regs[b].str));
    else
        reg_clear(lt, a, a + 1);
}

static void on_line(struct lint *lt, char *line)
{
    struct insn in;
    if (parse_insn(line, &in)) {
        on_insn(lt, &in);
        return;
    }
    reg_clear(lt, 0, NREGS);         /* the instructions of a function end here */
    if (strncmp(line, "main <", 6) == 0)
        lt->headers++;
}

/* Append n bytes of listing and parse the complete lines. */
static void feed(struct lint *lt, const char *data, size_t n)
{
    if (lt->failed[0])
        return;                      /* keep draining the pipe, stop parsing */
    if (lt->len + n + 1 > lt->cap) {
        size_t cap = lt->cap ? 2 * lt->cap : 65536;
        while (cap < lt->len + n + 1)
            cap *= 2;
        char *buf = realloc(lt->buf, cap);
        if (!buf) {
            fail(lt, "out of memory");
            return;
        }
        lt->buf = buf;
        lt->cap = cap;
    }
    memcpy(lt->buf + lt->len, data, n);
    lt->len += n;

    size_t start = 0;
    char *nl;
    while ((nl = memchr(lt->buf + lt->scanned, '\n', lt->len - lt->scanned))) {
        *nl = 0;
        on_line(lt, lt->buf + start);
        start = lt->scanned = (size_t)(nl - lt->buf) + 1;
    }
    memmove(lt->buf, lt->buf + start, lt->len - start);
    lt->len -= start;
    lt->scanned = lt->len;
    if (lt->len > LINE_MAX_BYTES)
        fail(lt, "a line of luac's listing is longer than 64 MiB");
}

/* fd moved to 3 or above, so that the child's dup2 onto 0-2 cannot clobber another
 * source (a daemon may have closed its standard fds); -1 if that fails. */
static int above_std(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

static int open_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if ((p[1] = above_std(p[1])) < 0) {
        close(p[0]);
        return -1;
    }
    return 0;
}

/* Start luac on the Lua file open at in, its stdout and stderr into the pipe ends out
 * and errfd; 0 or an errno value. */
static int spawn_luac(int in, int out, int errfd, pid_t *pid)
{
    char a0[] = LUAC, a1[] = "-p", a2[] = "-l", a3[] = "-";
    char *argv[] = { a0, a1, a2, a2, a3, NULL };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dflt;
    int rc;

    if ((rc = posix_spawn_file_actions_init(&fa)))
        return rc;
    if ((rc = posix_spawnattr_init(&at))) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    /* SIGPIPE default, so that luac ends at once if we stop reading */
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    rc = posix_spawn_file_actions_adddup2(&fa, in, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, out, 1);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    if (!rc)
        rc = posix_spawnattr_setsigmask(&at, &none);
    if (!rc)
        rc = posix_spawnattr_setsigdefault(&at, &dflt);
    if (!rc)
        rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (!rc)
        rc = posix_spawnp(pid, LUAC, &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Read luac's stdout into the parser and the start of its stderr into text (cap
 * bytes) until both pipes end; closes both. Both are read so that neither can fill
 * up while we wait on the other. */
static void drain(struct lint *lt, int out, int errfd, char *text, size_t cap)
{
    struct pollfd pf[2] = { { .fd = out, .events = POLLIN },
                            { .fd = errfd, .events = POLLIN } };
    char chunk[65536];
    size_t tlen = 0;

    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail(lt, "poll on luac's output failed");
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !pf[i].revents)
                continue;
            ssize_t n = read(pf[i].fd, chunk, sizeof chunk);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
            } else if (i == 0) {
                feed(lt, chunk, (size_t)n);
            } else if (tlen + 1 < cap) {
                size_t k = (size_t)n < cap - 1 - tlen ? (size_t)n : cap - 1 - tlen;
                memcpy(text + tlen, chunk, k);
                tlen += k;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    text[tlen] = 0;
}

/* Wait for luac: 1 with its status, 0 if it is no longer ours to wait for. */
static int reap(pid_t pid, int *status)
{
    pid_t w;
    while ((w = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return w == pid;
}

/* The reason luac failed, as "path:line: message". */
static int luac_error(const char *path, char *text, int waited, int status, char *err,
                      size_t errlen)
{
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        text[--n] = 0;
    const char *msg = text;
    if (strncmp(msg, LUAC ": ", sizeof LUAC + 1) == 0)
        msg += sizeof LUAC + 1;
    if (strncmp(msg, "stdin:", 6) == 0)
        return cw_error(err, errlen, "%s:%s", path, msg + 6);
    if (*msg)
        return cw_error(err, errlen, "%s: %s", path, msg);
    if (waited && WIFSIGNALED(status))
        return cw_error(err, errlen, "%s: " LUAC " killed by signal %d", path,
                        WTERMSIG(status));
    if (waited && WIFEXITED(status) && WEXITSTATUS(status))
        return cw_error(err, errlen, "%s: " LUAC " exited with status %d", path,
                        WEXITSTATUS(status));
    return cw_error(err, errlen, "%s: " LUAC " gave no listing", path);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const struct access *)x)->name, ((const struct access *)y)->name);
}

static int by_line_name_seq(const void *x, const void *y)
{
    const struct access *p = x, *q = y;
    if (p->line != q->line)
        return p->line < q->line ? -1 : 1;
    int d = strcmp(p->name, q->name);
    if (d)
        return d;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static int by_line_seq(const void *x, const void *y)
{
    const struct access *p = x, *q = y;
    if (p->line != q->line)
        return p->line < q->line ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* 1 if the escaped name is one of known; -1 out of memory. */
static int is_known(const char *const *known, const char *name)
{
    if (!known)
        return 0;
    if (!strchr(name, '\\')) {
        for (; *known; known++)
            if (strcmp(*known, name) == 0)
                return 1;
        return 0;
    }
    char *raw = malloc(strlen(name) + 1);
    if (!raw)
        return -1;
    size_t len = unescape(name, raw);
    int found = 0;
    for (; *known && !found; known++)
        found = strlen(*known) == len && memcmp(*known, raw, len) == 0;
    free(raw);
    return found;
}

/* Report the reads of names neither written nor known, once per (name, line), in line
 * order; the number reported, or -1. */
static int report_unknown(struct lint *lt, const char *path, const char *const *known,
                          cw_lint_report report, void *ud, char *err, size_t errlen)
{
    struct access_list *w = &lt->writes;
    struct access *cand = malloc((lt->reads.n ? lt->reads.n : 1) * sizeof *cand);
    size_t n = 0, kept = 0;
    char *msg = NULL;
    int rc = -1;

    if (!cand)
        return cw_error(err, errlen, "%s: out of memory", path);
    if (w->n)                        /* qsort and bsearch want a non-NULL array */
        qsort(w->v, w->n, sizeof *w->v, by_name);
    for (size_t i = 0; i < lt->reads.n; i++) {
        struct access *r = &lt->reads.v[i];
        if (w->n && bsearch(r, w->v, w->n, sizeof *w->v, by_name))
            continue;
        int k = is_known(known, r->name);
        if (k < 0)
            goto out;
        if (!k)
            cand[n++] = *r;          /* the names stay owned by lt->reads */
    }
    qsort(cand, n, sizeof *cand, by_line_name_seq);
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || cand[i].line != cand[kept - 1].line ||
            strcmp(cand[i].name, cand[kept - 1].name) != 0)
            cand[kept++] = cand[i];
    qsort(cand, kept, sizeof *cand, by_line_seq);

    for (size_t i = 0; i < kept && report; i++) {
        size_t need = strlen(cand[i].name) + sizeof "undefined global ''";
        char *m = realloc(msg, need);
        if (!m)
            goto out;
        msg = m;
        snprintf(msg, need, "undefined global '%s'", cand[i].name);
        report(ud, path, cand[i].line, msg);
    }
    rc = (int)kept;
out:
    if (rc < 0)
        cw_error(err, errlen, "%s: out of memory", path);
    free(msg);
    free(cand);
    return rc;
}

static void lint_free(struct lint *lt)
{
    reg_clear(lt, 0, NREGS);
    for (size_t i = 0; i < lt->reads.n; i++)
        free(lt->reads.v[i].name);
    for (size_t i = 0; i < lt->writes.n; i++)
        free(lt->writes.v[i].name);
    free(lt->reads.v);
    free(lt->writes.v);
    free(lt->buf);
}

/* Check the Lua file at path for reads of undefined globals; see lint.h. */
int cw_lint_globals(const char *path, const char *const *known, cw_lint_report report,
                    void *ud, char *err, size_t errlen)
{
    int out[2], er[2], status = 0, rc;
    struct stat sb;
    pid_t pid;

    /* O_NONBLOCK: a FIFO must not hang us in open; it is refused just below */
    int in = above_std(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (in < 0)
        return cw_error(err, errlen, "%s: %s", path, strerror(errno));
    if (fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(in);
        return cw_error(err, errlen, "%s: not a regular file", path);
    }
    if (open_pipe(out) < 0) {
        close(in);
        return cw_error(err, errlen, "%s: pipe: %s", path, strerror(errno));
    }
    if (open_pipe(er) < 0) {
        rc = errno;
        close(in);
        close(out[0]);
        close(out[1]);
        return cw_error(err, errlen, "%s: pipe: %s", path, strerror(rc));
    }
    rc = spawn_luac(in, out[1], er[1], &pid);
    close(in);
    close(out[1]);
    close(er[1]);
    if (rc) {
        close(out[0]);
        close(er[0]);
        if (rc == ENOENT)
            return cw_error(err, errlen, LUAC " not found on PATH (Debian package lua5.4)");
        return cw_error(err, errlen, "cannot run " LUAC ": %s", strerror(rc));
    }

    struct lint lt;
    char text[STDERR_KEEP];
    memset(&lt, 0, sizeof lt);
    drain(&lt, out[0], er[0], text, sizeof text);
    if (lt.len && !lt.failed[0]) {
        lt.buf[lt.len] = 0;          /* a last line without '\n' */
        on_line(&lt, lt.buf);
    }
    int waited = reap(pid, &status);
    int ok = waited ? WIFEXITED(status) && WEXITSTATUS(status) == 0 : text[0] == 0;

    if (lt.failed[0])
        rc = cw_error(err, errlen, "%s: %s", path, lt.failed);
    else if (!ok || lt.headers == 0)
        rc = luac_error(path, text, waited, status, err, errlen);
    else
        rc = report_unknown(&lt, path, known, report, ud, err, errlen);
    lint_free(&lt);
    return rc;
}
