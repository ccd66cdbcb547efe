/* explore.c  Callers nobody scripted: `callwarden test --explore N` draws each caller's
 * behaviour from a seed (who calls, which keys, when, how long they are silent or talk,
 * when they hang up) and lets the oracle judge every call. A violation is printed with
 * the call's seed; `--explore 1 --seed SEED` replays exactly that call, because the
 * caller's steps and the core's own random numbers for the call (the A/B wording) all
 * come from it.
 */
#include <stdio.h>
#include <string.h>

#include "scenario_int.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned below(scn_runner *ru, unsigned n)
{
    return (unsigned)(splitmix(&ru->gen) % n);
}

uint64_t scn_explore_seed(uint64_t seed, unsigned k)
{
    uint64_t s = seed + k;
    return k == 0 ? seed : splitmix(&s);
}

/* The keys a caller presses most: the policies' answers, more, withdraw, human. */
static const char keys[] = "0123456789#*1109#0";

static int next_explored(scn_runner *ru)
{
    scn_result *res = ru->res;
    if (!res->sc) {
        ru->step = STEP_DIAL;
        return 1;
    }
    if (res->sc->ended || ru->stopped || ru->gen_steps == 0)
        return 0;
    ru->gen_steps--;
    ru->line++;
    unsigned r = below(ru, 100);
    if (r < 6) {
        ru->step = STEP_HANGUP;
        ru->gen_steps = 0;
    } else if (r < 36) {
        ru->step = STEP_HEARS_ANY;     /* listen to the end of what is said now */
        ru->ms = 40000;
    } else if (r < 66) {
        ru->step = STEP_PRESS;
        unsigned n = 1 + below(ru, 3);
        for (unsigned i = 0; i < n; i++)
            ru->arg[i] = keys[below(ru, sizeof keys - 1)];
        ru->arg[n] = 0;
        ru->after = below(ru, 2500);
        ru->hold = 60 + below(ru, 160);
        ru->gap = 60 + below(ru, 300);
    } else if (r < 82) {
        ru->step = STEP_SILENCE;
        ru->ms = below(ru, 12000);
    } else if (r < 92) {
        ru->step = STEP_SAY;
        snprintf(ru->arg, sizeof ru->arg, "(speech)");
        ru->ms = 300 + below(ru, 3000);
    } else {
        ru->step = STEP_SILENCE;
        ru->ms = below(ru, 800);
    }
    return 1;
}

void scn_open_explore(scn_runner *ru, sim_run *r, scn_result *res, uint64_t seed)
{
    memset(ru, 0, sizeof *ru);
    ru->r = r;
    ru->res = res;
    ru->next = next_explored;
    ru->lenient = 1;                   /* a step that cannot be taken ends the caller */
    ru->seed = seed;
    ru->gen = seed;
    snprintf(res->name, sizeof res->name, "explored caller, seed %llu",
             (unsigned long long)seed);
    unsigned who = below(ru, 10);
    if (who < 6)
        snprintf(res->from, sizeof res->from, "+4930%06u", below(ru, 1000000));
    else if (who < 8)
        snprintf(res->from, sizeof res->from, "+44207%06u", below(ru, 1000000));
    else
        snprintf(res->from, sizeof res->from, "anonymous");   /* number withheld */
    snprintf(res->to, sizeof res->to, "%s", res->tenant);
    unsigned t = below(ru, 4);
    res->transfer_answer = t == 0 ? 486 : 202;
    res->human_answers = below(ru, 3) != 0;
    res->human_ring_ms = 500 + below(ru, 3000);
    res->human_talk_ms = 500 + below(ru, 5000);
    ru->gen_steps = 2 + below(ru, 14);
}
