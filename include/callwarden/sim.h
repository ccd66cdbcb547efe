/* sim.h  Simulated calls for specs: the Lua module `callwarden` that `callwarden busted`
 * preloads (runtime/sim/flow_sim.c documents its functions). */
#ifndef CALLWARDEN_SIM_H
#define CALLWARDEN_SIM_H

#include <lua.h>

/* [-0, +1] luaopen-style: push the `callwarden` module (tenant(), api()). */
int cw_sim_open(lua_State *L);

#endif
