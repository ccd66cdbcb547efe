/* test_script_sandbox.c  Attacks on the Lua sandbox from a tenant's script (G8, G10):
 * each must be refused, and the state must keep serving the next run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "callwarden/script.h"
#include "check.h"

static cw_script_state st;
static char err[512];

static int run(const char *code)
{
    err[0] = 0;
    return cw_script_run(&st, code, "flow.lua", err, sizeof err);
}

/* code must fail with want in the message */
static void refused(const char *code, const char *want)
{
    int rc = run(code);
    if (rc != -1 || !strstr(err, want))
        fprintf(stderr, "  not refused as \"%s\": %s -> rc=%d err=\"%s\"\n", want, code, rc,
                err);
    CHECK(rc == -1 && strstr(err, want) != NULL);
    /* and the state still serves */
    CHECK_EQ_INT(run("assert(1 + 1 == 2)"), 0);
}

int main(void)
{
    /* a tenant directory with a module of its own */
    char dir[] = "/tmp/cw_sandbox_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/greet.lua", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "return { hello = function() return 'hi' end }\n");
    fclose(f);

    CHECK_EQ_INT(cw_script_open(&st, "acme", dir, 8u * 1024 * 1024, 2000000, err,
                                sizeof err), 0);

    /* what a flow may use */
    CHECK_EQ_INT(run("assert(string.format('%d', 7) == '7')\n"
                     "assert(math.max(1, 2) == 2 and table.concat({'a','b'}) == 'ab')\n"
                     "assert(utf8.len('\xc3\xa4') == 1 and type(os.time()) == 'number')\n"
                     "assert(type(os.date('%Y')) == 'string' and os.clock() >= 0)\n"
                     "local co = coroutine.create(function(x) return coroutine.yield(x) end)\n"
                     "assert(select(2, coroutine.resume(co, 5)) == 5)\n"
                     "assert(pcall(error, 'x') == false)\n"
                     "assert(load('return 3')() == 3)\n"
                     "assert(require('greet').hello() == 'hi')\n"
                     "assert(require('greet') == require('greet'))\n"
                     "print('hello from a flow')"), 0);
    CHECK_STR(err, "");

    /* runaway loops, also inside pcall, xpcall, coroutines and nested pcalls */
    refused("while true do end", "instruction budget exceeded");
    refused("pcall(function() while true do end end) x = 1", "instruction budget exceeded");
    refused("while true do pcall(function() while true do end end) end",
            "instruction budget exceeded");
    refused("xpcall(function() while true do end end, function(e) return e end)",
            "instruction budget exceeded");
    refused("local co = coroutine.create(function() while true do end end)\n"
            "coroutine.resume(co)", "instruction budget exceeded");
    refused("local f = coroutine.wrap(function() while true do end end) pcall(f)",
            "instruction budget exceeded");
    refused("local function f() return pcall(f) end while true do f() end",
            "instruction budget exceeded");

    /* memory bombs, also inside pcall */
    refused("local s = string.rep('x', 64 * 1024 * 1024)", "memory limit exceeded");
    refused("pcall(string.rep, 'x', 1 << 30) local t = {} "
            "for i = 1, 1e9 do t[i] = i end", "");
    refused("local t = {} while true do pcall(function() t[#t + 1] = {} end) end", "exceeded");
    CHECK(st.mem_used < st.mem_limit / 2);   /* what the bombs took was given back */

    /* no way out of the sandbox */
    refused("os.execute('true')", "execute");
    refused("io.open('/etc/passwd')", "io");
    refused("debug.getregistry()", "debug");
    refused("require('ffi')", "ffi");
    refused("require('os')", "os");
    refused("require('../../etc/passwd')", "bad module name");
    refused("require('greet..x')", "bad module name");
    refused("dofile('/etc/passwd')", "dofile");
    refused("loadfile('/etc/passwd')", "loadfile");
    refused("collectgarbage('stop')", "collectgarbage");
    refused("string.dump(print)", "dump");
    refused("os.getenv('HOME')", "getenv");
    refused("os.remove('/tmp/x')", "remove");
    refused("os.exit(1)", "exit");
    refused("package.loadlib('libc.so.6', 'system')", "package");
    /* bytecode never loads, whatever mode is asked for */
    refused("assert(load('\\27Lua\\84\\0', 'x', 'b'))", "binary");
    refused("assert(load(function() return '\\27Lua' end))", "binary");

    /* an error names the file and line */
    CHECK_EQ_INT(run("local x = 1\nerror('boom')"), -1);
    CHECK(strstr(err, "flow.lua:2: boom") != NULL);
    CHECK_EQ_INT(run("this is not lua"), -1);
    CHECK(strstr(err, "flow.lua:1:") != NULL);

    /* a flow is a coroutine the host resumes: it may yield inside pcall (a call API
     * waiting for media), and every resume has its own budget */
    lua_State *L = st.L;
    CHECK_EQ_INT(run("function flow(n)\n"
                     "  local ok, got = pcall(function() return coroutine.yield('play') end)\n"
                     "  assert(ok and got == 'done')\n"
                     "  local ok2, e = xpcall(function() return coroutine.yield('gather') end,\n"
                     "                        function(m) return m end)\n"
                     "  for i = 1, n do local x = i * 2 end\n"
                     "  return e\n"
                     "end"), 0);
    lua_State *co = lua_newthread(L);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    int nres = 0;
    lua_getglobal(co, "flow");
    lua_pushinteger(co, 300000);     /* ~ 1.5 M instructions: under one budget */
    CHECK_EQ_INT(cw_script_resume(&st, co, 1, &nres, err, sizeof err), LUA_YIELD);
    CHECK_EQ_INT(nres, 1);
    CHECK_STR(lua_tostring(co, -1), "play");
    lua_pop(co, nres);
    lua_pushstring(co, "done");
    CHECK_EQ_INT(cw_script_resume(&st, co, 1, &nres, err, sizeof err), LUA_YIELD);
    CHECK_STR(lua_tostring(co, -1), "gather");
    lua_pop(co, nres);
    lua_pushstring(co, "7");
    CHECK_EQ_INT(cw_script_resume(&st, co, 1, &nres, err, sizeof err), LUA_OK);
    CHECK_EQ_INT(nres, 1);
    CHECK_STR(lua_tostring(co, -1), "7");
    luaL_unref(L, LUA_REGISTRYINDEX, ref);

    /* a resume that runs away is ended, even while a pcall waits around it */
    CHECK_EQ_INT(run("function bad() pcall(function() coroutine.yield() while true do end end) end"),
                 0);
    co = lua_newthread(L);
    ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_getglobal(co, "bad");
    CHECK_EQ_INT(cw_script_resume(&st, co, 0, &nres, err, sizeof err), LUA_YIELD);
    lua_pop(co, nres);
    CHECK_EQ_INT(cw_script_resume(&st, co, 0, &nres, err, sizeof err), -1);
    CHECK_STR(err, "flow.lua:1: instruction budget exceeded");   /* where it ran away */
    CHECK_EQ_INT(lua_status(co), LUA_OK);   /* reset: dead, nothing pending */
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    CHECK_EQ_INT(run("assert(true)"), 0);

    /* another tenant's state shares nothing */
    cw_script_state other;
    CHECK_EQ_INT(cw_script_open(&other, "other", dir, 0, 0, err, sizeof err), 0);
    CHECK_EQ_INT(run("secret = 'acme-only'"), 0);
    CHECK_EQ_INT(cw_script_run(&other, "assert(secret == nil)", "other.lua", err,
                               sizeof err), 0);
    cw_script_close(&other);

    cw_script_close(&st);
    unlink(path);
    rmdir(dir);
    return check_summary("script_sandbox");
}
