/*
 * script.h  The Lua host's sandbox: one lua_State per tenant with a memory cap, an
 * instruction budget per run, and only the libraries a call flow may use (G8, G10).
 *
 * A budget or memory violation "kills" the run: the error cannot be caught by the
 * script (pcall, xpcall and coroutine.resume are wrapped to re-raise it), so a runaway
 * loop inside pcall still ends. The state stays usable for the tenant's next run.
 */
#ifndef CALLWARDEN_SCRIPT_H
#define CALLWARDEN_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#define CW_SCRIPT_DEFAULT_MEM (256u * 1024 * 1024)  /* per tenant state */
#define CW_SCRIPT_DEFAULT_CALL_MEM (4u * 1024 * 1024) /* one call's share of it */
#define CW_SCRIPT_DEFAULT_BUDGET 10000000u          /* VM instructions per run */

typedef enum cw_script_kill {
    CW_SCRIPT_OK = 0,
    CW_SCRIPT_KILLED_BUDGET,        /* the instruction budget of this run is spent */
    CW_SCRIPT_KILLED_MEMORY         /* the state's memory cap was reached */
} cw_script_kill;

typedef struct cw_script_state {
    lua_State *L;
    char tenant[64];
    char dir[1024];                 /* the tenant's script directory, for require */
    size_t mem_used;
    size_t mem_limit;
    uint64_t budget;                /* instructions per run */
    uint64_t used;                  /* instructions of the current run */
    cw_script_kill killed;          /* why the current run must end, if it must */

    /* The per-call share: while a call's flow runs, what it allocates (net of what is
     * freed meanwhile) is added to *charge, and passing charge_limit kills the run as
     * the memory cap does. NULL outside a call's run. */
    size_t *charge;
    size_t charge_limit;
} cw_script_state;

/*
 * Open a sandboxed state for tenant whose Lua files are in dir; mem_limit and budget
 * of 0 take the defaults. Returns 0, or -1 with a reason in err.
 */
int cw_script_open(cw_script_state *st, const char *tenant, const char *dir,
                   size_t mem_limit, uint64_t budget, char *err, size_t errlen);

/* Close the state and free everything it holds. */
void cw_script_close(cw_script_state *st);

/*
 * Run code (text only, never bytecode) named chunkname in the sandbox with a fresh
 * budget. [-0, +0] Returns 0, or -1 with "chunkname:line: message" (or the kill
 * reason) in err.
 */
int cw_script_run(cw_script_state *st, const char *code, const char *chunkname, char *err,
                  size_t errlen);

/*
 * Resume co, a coroutine of st->L (a call's flow), with nargs values pushed on it and a
 * fresh instruction budget for this resume. Returns LUA_YIELD (it waits: *nres values
 * it yielded are on co), LUA_OK (it finished: *nres results), or -1 with
 * "file:line: message" or the kill reason in err: the flow is over and co is dead.
 */
int cw_script_resume(cw_script_state *st, lua_State *co, int nargs, int *nres, char *err,
                     size_t errlen);

/*
 * Call the function below the nargs values on top of st->L in protected mode, with a
 * fresh budget: host work that allocates (a call's setup, a hook) never panics the
 * state. [-(nargs+1), +0] Returns 0, or -1 with the message or kill reason in err.
 */
int cw_script_pcall(cw_script_state *st, int nargs, char *err, size_t errlen);

/* "instruction budget exceeded" / "memory limit exceeded" / "" */
const char *cw_script_kill_reason(cw_script_kill k);

#endif
