/* flow.c  A call's flow as a coroutine: start, the resume loop, wakes, hooks, the end.
 *
 * G10 lives here with the sandbox: every resume has its own instruction budget, every
 * allocation of the flow counts against the call's memory share, and whatever goes
 * wrong (an error, a kill, a yield the host did not ask for) ends this flow alone and
 * tells the call core, which runs the tenant's fallback. Host work that allocates in
 * the tenant's state (the setup, hooks) runs protected, so a full state is an error
 * for this call, never a panic of the process.
 *
 * A result reaches the flow only through r->pending: the core's wake stores it, the
 * waiting method's continuation (call_api.c) pushes it inside the resumed coroutine.
 * So a wake that comes while the flow is still running (an op that completes at once)
 * needs no special path: the resume loop sees the pending result and resumes again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "callwarden/flow.h"
#include "callwarden/log.h"
#include "script_int.h"

enum { WAKE_NONE = 0, WAKE_BOOL, WAKE_STRING, WAKE_RESULT };

void cw_flow_log(cw_flow_run *r, const char *msg)
{
    if (r->log) {
        r->log(r->log_ud, msg);
        return;
    }
    cw_log(CW_LOG_INFO, "flow", "call=%llu tenant=%s %s", (unsigned long long)r->id,
           r->tenant, msg);
}

int cw_flow_active(const cw_flow_run *r)
{
    return r->co != NULL;
}

/* Start charging the state's allocations to this call (and stop again). */
static void charge_on(cw_flow_run *r)
{
    r->v->st.charge = &r->mem;
    r->v->st.charge_limit = r->v->call_mem;
}

static void charge_off(cw_flow_run *r)
{
    r->v->st.charge = NULL;
}

/* ---- the end ---------------------------------------------------------------- */

static int drop_coroutine(lua_State *L)
{
    cw_flow_run *r = lua_touserdata(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, r->co_ref);
    r->co_ref = LUA_NOREF;
    return 0;
}

/* The flow is over: forget its coroutine, tell the core. */
static void finish(cw_flow_run *r, const char *error)
{
    char err[512];
    lua_State *L = r->v->st.L;
    r->co = NULL;
    r->waiting = 0;
    lua_pushcfunction(L, drop_coroutine);
    lua_pushlightuserdata(L, r);
    cw_script_pcall(&r->v->st, 1, err, sizeof err);
    if (error && r->ended && strstr(error, CW_FLOW_CALL_ENDED))
        error = NULL;                  /* it stopped because the call ended: normal */
    if (error)
        cw_log(CW_LOG_ERROR, "flow", "call=%llu tenant=%s version=%.12s error: %s",
               (unsigned long long)r->id, r->tenant, r->v->hash, error);
    r->ops->finished(r->call, error);
}

/* ---- hooks ------------------------------------------------------------------ */

/* [-3, +0] hook_call(run, ref, arg): call the hook with (call, arg). */
static int hook_call(lua_State *L)
{
    cw_flow_run *r = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, (lua_Integer)lua_tointeger(L, 2));
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->obj_ref);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 0);
    return 0;
}

/* Run a hook on the state's main thread: not a coroutine, so it cannot wait. Returns
 * 0, or -1 with the error in err. */
static int run_hook(cw_flow_run *r, int ref, const char *arg, char *err, size_t errlen)
{
    if (ref == LUA_NOREF || ref == LUA_REFNIL)
        return 0;
    lua_State *L = r->v->st.L;
    lua_pushcfunction(L, hook_call);
    lua_pushlightuserdata(L, r);
    lua_pushinteger(L, ref);
    lua_pushstring(L, arg);
    charge_on(r);
    int rc = cw_script_pcall(&r->v->st, 3, err, errlen);
    charge_off(r);
    return rc;
}

static void run_hangup_hook(cw_flow_run *r)
{
    char err[512];
    r->hangup_hook_due = 0;
    if (run_hook(r, r->on_hangup_ref, r->end_cause, err, sizeof err) != 0)
        cw_log(CW_LOG_ERROR, "flow", "call=%llu tenant=%s on_hangup error: %s",
               (unsigned long long)r->id, r->tenant, err);
}

/* ---- the resume loop -------------------------------------------------------- */

static void flush_dtmf(cw_flow_run *r);
static void withdraw_hook(cw_flow_run *r);

static void drive(cw_flow_run *r, int nargs)
{
    char err[512];
    for (;;) {
        int nres = 0;
        r->waiting = 0;
        r->running = 1;
        charge_on(r);
        int status = cw_script_resume(&r->v->st, r->co, nargs, &nres, err, sizeof err);
        charge_off(r);
        r->running = 0;
        nargs = 0;
        if (status == LUA_YIELD) {
            lua_pop(r->co, nres);
            if (r->ndtmf && r->waiting)
                flush_dtmf(r);
            if (r->withdraw_hook_due && r->waiting && r->co)
                withdraw_hook(r);
            if (!r->co)
                break;                 /* on_dtmf failed: the flow is over */
            if (!r->waiting) {
                /* coroutine.yield at the flow's own level: nothing would wake it */
                lua_resetthread(r->co);
                finish(r, "the flow yielded outside a call method (coroutine.yield "
                          "belongs inside a coroutine the flow created)");
            } else if (r->has_pending) {
                continue;              /* the op completed at once */
            }
        } else {
            finish(r, status == LUA_OK ? NULL : err);
        }
        break;
    }
    if (r->hangup_hook_due)
        run_hangup_hook(r);
    /* the call ended while the flow ran: a wait it entered meanwhile ends too */
    if (r->ended && r->co && r->waiting && !r->has_pending) {
        r->woken_ended = 1;
        drive(r, 0);
    }
}

/* [-2, +0] setup(run, version): the coroutine with the flow, a fresh _ENV, `call`. */
static int setup(lua_State *L)
{
    cw_flow_run *r = lua_touserdata(L, 1);
    lua_State *co = lua_newthread(L);
    r->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    cw_flow_push_object(L, r);
    r->obj_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_rawgeti(co, LUA_REGISTRYINDEX, r->v->flow_ref);
    cw_script_push_env(co, r->v->env_mt_ref);
    lua_rawgeti(co, LUA_REGISTRYINDEX, r->obj_ref);
    r->co = co;
    return 0;
}

void cw_flow_start(cw_flow_run *r, cw_tenants *ts, cw_flow_version *v,
                   const cw_flow_ops *ops, void *call, const cw_flow_info *info)
{
    memset(r, 0, sizeof *r);
    r->ts = ts;
    r->v = v;
    r->ops = ops;
    r->call = call;
    r->co_ref = r->obj_ref = r->on_hangup_ref = r->on_dtmf_ref = r->on_withdraw_ref = LUA_NOREF;
    r->id = info->id;
    r->log = info->log;
    r->log_ud = info->log_ud;
    snprintf(r->tenant, sizeof r->tenant, "%s", v->st.tenant);
    snprintf(r->caller, sizeof r->caller, "%s", info->caller ? info->caller : "");
    snprintf(r->callee, sizeof r->callee, "%s", info->callee ? info->callee : "");
    snprintf(r->call_id, sizeof r->call_id, "%s", info->call_id ? info->call_id : "");
    snprintf(r->language, sizeof r->language, "%s",
             info->language && info->language[0] ? info->language : "en");

    char err[512];
    lua_State *L = v->st.L;
    lua_pushcfunction(L, setup);
    lua_pushlightuserdata(L, r);
    charge_on(r);
    int rc = cw_script_pcall(&v->st, 1, err, sizeof err);
    charge_off(r);
    if (rc != 0) {
        r->co = NULL;
        cw_log(CW_LOG_ERROR, "flow", "call=%llu tenant=%s cannot start the flow: %s",
               (unsigned long long)r->id, r->tenant, err);
        ops->finished(call, err);
        return;
    }
    drive(r, 2);
}

/* ---- from the call core ----------------------------------------------------- */

static void wake(cw_flow_run *r, int kind, int ok, const char *text)
{
    if (!r->co || r->ended || (!r->waiting && !r->running) || r->has_pending)
        return;                        /* nothing waits for it (any more) */
    r->pending.kind = kind;
    r->pending.ok = ok;
    snprintf(r->pending.text, sizeof r->pending.text, "%s", text ? text : "");
    r->has_pending = 1;
    if (!r->running)
        drive(r, 0);
}

int cw_flow_inject_error(cw_flow_run *r, const char *why)
{
    if (!r->co || r->ended || r->running || !r->waiting)
        return -1;
    snprintf(r->injected, sizeof r->injected, "%s", why);
    r->has_pending = 0;
    drive(r, 0);
    return 0;
}

void cw_flow_wake_none(cw_flow_run *r)
{
    wake(r, WAKE_NONE, 1, NULL);
}

void cw_flow_wake_bool(cw_flow_run *r, int ok, const char *why)
{
    wake(r, WAKE_BOOL, ok, why);
}

void cw_flow_wake_string(cw_flow_run *r, const char *s)
{
    wake(r, WAKE_STRING, 1, s);
}

void cw_flow_wake_result(cw_flow_run *r, const char *value, const char *why)
{
    wake(r, WAKE_RESULT, value != NULL, value ? value : why);
}

void cw_flow_wake_text(cw_flow_run *r, const char *value, size_t len, const char *why)
{
    if (!value || len < sizeof r->pending.text) {
        char shortv[sizeof r->pending.text];
        if (value) {
            memcpy(shortv, value, len);
            shortv[len] = 0;
        }
        wake(r, WAKE_RESULT, value != NULL, value ? shortv : why);
        return;
    }
    if (!r->co || r->ended || (!r->waiting && !r->running) || r->has_pending)
        return;
    char *copy = malloc(len + 1);
    if (!copy) {
        wake(r, WAKE_RESULT, 0, "out of memory");
        return;
    }
    memcpy(copy, value, len);
    copy[len] = 0;
    free(r->pending_long);
    r->pending_long = copy;
    r->pending_long_len = len;
    wake(r, WAKE_RESULT, 1, "");
}

int cw_flow_push_pending(lua_State *L, cw_flow_run *r)
{
    if (!r->has_pending)
        return 0;
    r->has_pending = 0;
    switch (r->pending.kind) {
    case WAKE_BOOL:
        lua_pushboolean(L, r->pending.ok);
        if (!r->pending.ok && r->pending.text[0]) {
            lua_pushstring(L, r->pending.text);
            return 2;
        }
        return 1;
    case WAKE_STRING:
        lua_pushstring(L, r->pending.text);
        return 1;
    case WAKE_RESULT:
        if (r->pending.ok && r->pending_long) {
            /* pushed first: if Lua runs out of memory here, cw_flow_free frees it */
            lua_pushlstring(L, r->pending_long, r->pending_long_len);
            free(r->pending_long);
            r->pending_long = NULL;
            return 1;
        }
        if (r->pending.ok) {
            lua_pushstring(L, r->pending.text);
            return 1;
        }
        lua_pushnil(L);
        lua_pushstring(L, r->pending.text);
        return 2;
    default:
        return 0;
    }
}

/* Run on_dtmf for one key; the flow's coroutine is suspended (not running). */
static void dtmf_hook(cw_flow_run *r, char digit)
{
    if (!r->co || r->ended || r->on_dtmf_ref == LUA_NOREF || r->on_dtmf_ref == LUA_REFNIL)
        return;
    char key[2] = { digit, 0 }, err[512];
    if (run_hook(r, r->on_dtmf_ref, key, err, sizeof err) != 0) {
        /* an error in a hook is an error of the flow: it ends, the fallback runs */
        char msg[600];
        snprintf(msg, sizeof msg, "on_dtmf: %s", err);
        lua_resetthread(r->co);
        finish(r, msg);
    }
}

/* Run on_withdraw; the flow's coroutine is suspended. */
static void withdraw_hook(cw_flow_run *r)
{
    r->withdraw_hook_due = 0;
    if (!r->co || r->ended || r->on_withdraw_ref == LUA_NOREF ||
        r->on_withdraw_ref == LUA_REFNIL)
        return;
    char err[512];
    if (run_hook(r, r->on_withdraw_ref, r->withdrawn_level, err, sizeof err) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "on_withdraw: %s", err);
        lua_resetthread(r->co);
        finish(r, msg);
    }
}

void cw_flow_withdrawn(cw_flow_run *r, const char *level)
{
    snprintf(r->withdrawn_level, sizeof r->withdrawn_level, "%s", level);
    if (r->running) {
        r->withdraw_hook_due = 1;
        return;
    }
    withdraw_hook(r);
}

/* Keys that came while the flow ran go to on_dtmf once it is suspended again. */
static void flush_dtmf(cw_flow_run *r)
{
    for (size_t i = 0; i < r->ndtmf && r->co; i++)
        dtmf_hook(r, r->dtmf_queue[i]);
    r->ndtmf = 0;
}

void cw_flow_dtmf(cw_flow_run *r, char digit)
{
    if (!r->running) {
        dtmf_hook(r, digit);
        return;
    }
    if (r->ndtmf < sizeof r->dtmf_queue)
        r->dtmf_queue[r->ndtmf++] = digit;
}

void cw_flow_ended(cw_flow_run *r, const char *cause)
{
    if (r->ended)
        return;
    r->ended = 1;
    snprintf(r->end_cause, sizeof r->end_cause, "%s", cause ? cause : "");
    r->hangup_hook_due = 1;
    if (r->running)
        return;                        /* drive() runs the hook and ends the wait */
    run_hangup_hook(r);
    if (r->co && r->waiting) {
        r->has_pending = 0;
        r->woken_ended = 1;
        drive(r, 0);
    }
}

static int release_refs(lua_State *L)
{
    cw_flow_run *r = lua_touserdata(L, 1);
    cw_flow_detach_object(L, r->obj_ref);
    int *refs[] = { &r->co_ref, &r->obj_ref, &r->on_hangup_ref, &r->on_dtmf_ref,
                    &r->on_withdraw_ref };
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        if (*refs[i] != LUA_NOREF && *refs[i] != LUA_REFNIL)
            luaL_unref(L, LUA_REGISTRYINDEX, *refs[i]);
        *refs[i] = LUA_NOREF;
    }
    return 0;
}

void cw_flow_free(cw_flow_run *r)
{
    free(r->pending_long);
    r->pending_long = NULL;
    if (!r->v)
        return;
    char err[256];
    lua_State *L = r->v->st.L;
    lua_pushcfunction(L, release_refs);
    lua_pushlightuserdata(L, r);
    cw_script_pcall(&r->v->st, 1, err, sizeof err);
    r->co = NULL;
    cw_flow_version_release(r->ts, r->v);
    r->v = NULL;
}
