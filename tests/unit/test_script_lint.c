/* test_script_lint.c  cw_lint_globals on small flows: typos found with their line, what
 * the file defines or the host knows left alone, files that cannot be checked refused. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/lint.h"
#include "check.h"

#define MAX_FOUND 16
#define MAX_MADE 32

/* What the report callback saw for one file. */
struct found {
    int n;
    int line[MAX_FOUND];
    char *msg[MAX_FOUND];
    const char *want_file;
    int wrong_file;
};

static char dir[] = "/tmp/cw_lint_XXXXXX";
static char *made[MAX_MADE];         /* files and folders to remove, in order */
static int nmade;
static char err[512];
static struct found f;
static const char *const known[] = { "call", "string", "print", "require", "pairs", NULL };

static void collect(void *ud, const char *file, int line, const char *msg)
{
    struct found *fd = ud;
    if (strcmp(file, fd->want_file) != 0)
        fd->wrong_file++;
    if (fd->n < MAX_FOUND) {
        fd->line[fd->n] = line;
        fd->msg[fd->n] = strdup(msg);
    }
    fd->n++;
}

static void forget(void)
{
    for (int i = 0; i < f.n && i < MAX_FOUND; i++)
        free(f.msg[i]);
    memset(&f, 0, sizeof f);
}

/* Write text to dir/name; the path stays valid until the end. */
static const char *write_lua(const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    made[nmade++] = path;
    return path;
}

/* Lint path with the known names above; findings in f, reason in err. */
static int lint_with(const char *path, const char *const *names)
{
    forget();
    f.want_file = path;
    err[0] = 0;
    int rc = cw_lint_globals(path, names, collect, &f, err, sizeof err);
    CHECK_EQ_INT(f.wrong_file, 0);
    if (rc >= 0)
        CHECK_EQ_INT(rc, f.n);
    return rc;
}

static int lint(const char *path)
{
    return lint_with(path, known);
}

/* "local t = {"s0", ..., "sN-1"}" then body: more than 255 constants send every
 * global through GETUPVAL + GETTABLE, more than 2^17 through LOADKX. */
static char *many_constants(int n, const char *body)
{
    char *s = malloc((size_t)n * 12 + strlen(body) + 32), *p = s;
    p += sprintf(p, "local t = {");
    for (int i = 0; i < n; i++)
        p += sprintf(p, "\"s%d\",", i);
    sprintf(p, "}\n%s", body);
    return s;
}

static void test_clean(void)
{
    const char *p = write_lua("clean.lua",
        "local greeting = 'hello'\n"
        "local function shout(s) return string.rep(s, 2) end\n"
        "counter = 0\n"
        "local function bump() counter = counter + 1 end\n"
        "function helper() return shout(greeting) end\n"
        "call:answer()\n"
        "bump()\n"
        "call:play(helper(), counter)\n"
        "local cfg = { lang = 'de' }\n"
        "local function lang() return cfg.lang end\n"
        "print(lang(), _ENV.counter)\n"
        "for k, v in pairs(cfg) do print(k, v) end\n");
    CHECK_EQ_INT(lint(p), 0);
    CHECK_STR(err, "");
}

static void test_typo(void)
{
    const char *p = write_lua("typo.lua",
        "call:answer()\n"
        "cal:play('x')\n"
        "call:hangup()\n");
    CHECK_EQ_INT(lint(p), 1);
    CHECK_EQ_INT(f.line[0], 2);
    CHECK_STR(f.msg[0], "undefined global 'cal'");

    /* with no known names, call and the typo are both undefined */
    CHECK_EQ_INT(lint_with(p, NULL), 3);
    CHECK_STR(f.msg[0], "undefined global 'call'");
    CHECK_STR(f.msg[1], "undefined global 'cal'");
}

static void test_nested_and_module(void)
{
    /* the listing shows main (line 5) before the inner function (line 2): the
     * report is in line order all the same */
    const char *p = write_lua("nested.lua",
        "local function f()\n"
        "  return function() return inner_missing end\n"
        "end\n"
        "f()\n"
        "print(outer_missing)\n");
    CHECK_EQ_INT(lint(p), 2);
    CHECK_EQ_INT(f.line[0], 2);
    CHECK_STR(f.msg[0], "undefined global 'inner_missing'");
    CHECK_EQ_INT(f.line[1], 5);
    CHECK_STR(f.msg[1], "undefined global 'outer_missing'");

    p = write_lua("greet.lua",
        "local M = {}\n"
        "local util = require('util')\n"
        "function M.greet(name)\n"
        "  return util.fmt(nam)\n"
        "end\n"
        "function M.bye() return M.greet('x') end\n"
        "return M\n");
    CHECK_EQ_INT(lint(p), 1);
    CHECK_EQ_INT(f.line[0], 4);
    CHECK_STR(f.msg[0], "undefined global 'nam'");
}

static void test_once_per_line(void)
{
    const char *p = write_lua("twice.lua",
        "local a = nope + nope\n"
        "local b = nope\n"
        "only_written = a + b\n"
        "local t = {}\n"
        "t.foo = 1\n"
        "print(t.foo, t.bar)\n"
        "print(zeta, alpha, zeta)\n");
    CHECK_EQ_INT(lint(p), 4);
    CHECK_EQ_INT(f.line[0], 1);
    CHECK_EQ_INT(f.line[1], 2);
    CHECK_STR(f.msg[0], "undefined global 'nope'");
    CHECK_STR(f.msg[1], "undefined global 'nope'");
    /* within a line, in the order of the source */
    CHECK_EQ_INT(f.line[2], 7);
    CHECK_STR(f.msg[2], "undefined global 'zeta'");
    CHECK_STR(f.msg[3], "undefined global 'alpha'");
}

/* Names longer than 40 bytes are not short strings: no GETTABUP for them. */
static void test_long_names(void)
{
    char name[1001], text[4200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = 0;
    snprintf(text, sizeof text,
             "a_global_name_that_is_longer_than_forty_bytes = 1\n"
             "print(a_global_name_that_is_longer_than_forty_bytes)\n"
             "print(%s)\n", name);
    const char *p = write_lua("long.lua", text);
    CHECK_EQ_INT(lint(p), 1);
    CHECK_EQ_INT(f.line[0], 3);
    char want[1100];
    snprintf(want, sizeof want, "undefined global '%s'", name);
    CHECK(f.msg[0] && strcmp(f.msg[0], want) == 0);
}

static void test_many_constants(void)
{
    const char *body = "print(after_many)\n"
                       "defined_late = 1\n"
                       "print(defined_late)\n";
    int sizes[] = { 300, 140000 };   /* LOADK, then LOADKX: a listing of ~9 MB */
    for (int i = 0; i < 2; i++) {
        char *text = many_constants(sizes[i], body);
        const char *p = write_lua(i ? "huge.lua" : "many.lua", text);
        free(text);
        CHECK_EQ_INT(lint(p), 1);
        CHECK_EQ_INT(f.line[0], 2);
        CHECK(f.msg[0] && strcmp(f.msg[0], "undefined global 'after_many'") == 0);
    }
}

/* A name that is no identifier is shown as luac escapes it, and matched decoded. */
static void test_escaped_name(void)
{
    const char *p = write_lua("escaped.lua", "print(_ENV[\"a\\nb\"])\n");
    CHECK_EQ_INT(lint(p), 1);
    CHECK_STR(f.msg[0], "undefined global 'a\\nb'");
    const char *const with_it[] = { "print", "a\nb", NULL };
    CHECK_EQ_INT(lint_with(p, with_it), 0);
}

static void test_cannot_check(void)
{
    const char *p = write_lua("broken.lua", "call:answer()\nif x then\n");
    CHECK_EQ_INT(lint(p), -1);
    char want[600];
    snprintf(want, sizeof want, "%s:3:", p);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    CHECK(strstr(err, "'end' expected") != NULL);
    CHECK(strstr(err, "luac5.4:") == NULL);

    /* a path too long for luac's own messages still comes back whole */
    char *sub = malloc(strlen(dir) + 80);
    sprintf(sub, "%s/a_folder_name_long_enough_to_push_the_path_past_sixty_bytes", dir);
    CHECK(mkdir(sub, 0700) == 0);
    char *deep = malloc(strlen(sub) + 16);
    sprintf(deep, "%s/flow.lua", sub);
    FILE *fp = fopen(deep, "w");
    if (fp) {
        fputs("if x then\n", fp);
        fclose(fp);
    }
    made[nmade++] = deep;
    made[nmade++] = sub;
    CHECK_EQ_INT(lint(deep), -1);
    snprintf(want, sizeof want, "%s:2:", deep);
    CHECK(strncmp(err, want, strlen(want)) == 0);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.lua", dir);
    CHECK_EQ_INT(lint(missing), -1);
    CHECK(strstr(err, missing) != NULL);
    CHECK(strstr(err, "No such file") != NULL);

    CHECK_EQ_INT(lint(dir), -1);
    CHECK(strstr(err, "not a regular file") != NULL);

    /* no luac on PATH */
    const char *clean = write_lua("path.lua", "print(1)\n");
    char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", dir, 1);
    CHECK_EQ_INT(lint(clean), -1);
    CHECK(strstr(err, "luac5.4 not found") != NULL);
    setenv("PATH", old, 1);
    free(old);
    CHECK_EQ_INT(lint(clean), 0);
}

/* Odd file names: luac would read "-l" as an option; a newline, a space, a quote. */
static void test_odd_names(void)
{
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    write_lua("-l", "print(dash)\n");
    CHECK(chdir(dir) == 0);
    CHECK_EQ_INT(lint("-l"), 1);
    CHECK(f.msg[0] && strcmp(f.msg[0], "undefined global 'dash'") == 0);
    CHECK(chdir(cwd) == 0);

    const char *p = write_lua("odd \"name\"\n\t3\t[1]\tGETTABUP \t0 0 0\t; _ENV \"x\".lua",
                              "print(odd)\n");
    CHECK_EQ_INT(lint(p), 1);
    CHECK(f.msg[0] && strcmp(f.msg[0], "undefined global 'odd'") == 0);
}

/* The caller's SIGCHLD/SIGPIPE dispositions do not change the answer. */
static void test_signals(void)
{
    signal(SIGCHLD, SIG_IGN);        /* the kernel reaps luac before waitpid can */
    signal(SIGPIPE, SIG_IGN);
    const char *p = write_lua("sig.lua", "cal:play('x')\n");
    CHECK_EQ_INT(lint(p), 1);
    CHECK_EQ_INT(f.line[0], 1);
    p = write_lua("sigbad.lua", "local = 1\n");
    CHECK_EQ_INT(lint(p), -1);
    CHECK(strstr(err, ":1:") != NULL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);

    test_clean();
    test_typo();
    test_nested_and_module();
    test_once_per_line();
    test_long_names();
    test_many_constants();
    test_escaped_name();
    test_cannot_check();
    test_odd_names();
    test_signals();

    forget();
    for (int i = 0; i < nmade; i++) {
        CHECK(remove(made[i]) == 0);
        free(made[i]);
    }
    CHECK(rmdir(dir) == 0);
    return check_summary("test_script_lint");
}
