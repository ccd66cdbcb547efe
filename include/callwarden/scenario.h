/* scenario.h  `callwarden test`: compliance scenarios on a virtual clock (runtime/sim). */
#ifndef CALLWARDEN_SCENARIO_H
#define CALLWARDEN_SCENARIO_H

#include "callwarden/config.h"

/* The `test` subcommand (argv[0] = "test"), with base as the configuration to start
 * from. Returns the exit status: 0 all passed, 1 a scenario failed, 2 bad usage. */
int cw_test_main(const cw_config *base, int argc, char **argv);

#endif
