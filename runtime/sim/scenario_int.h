/* scenario_int.h  Scenario files, their results and how they are reported. */
#ifndef CW_SCENARIO_INT_H
#define CW_SCENARIO_INT_H

#include <stdio.h>

#include "sim_int.h"

enum {
    EXPECT_CONSENT = 1, EXPECT_RECORDING, EXPECT_TRANSFER, EXPECT_LEDGER, EXPECT_FALLBACK,
    EXPECT_HANGUP
};

typedef struct scn_expect {
    int kind, line, flag;
    char a[256], b[64];
    cw_trace_header headers[8];
    unsigned nheaders;
} scn_expect;

/* One scenario file's run: its call, what it expects, what failed. */
typedef struct scn_result {
    char file[512];
    char name[160];
    char tenant[64];
    char from[64], to[64], want_lang[8];
    int dial_line;
    int transfer_answer, human_answers;
    unsigned human_ring_ms, human_talk_ms;
    sim_call *sc;                  /* the run owns it */
    scn_expect expect[32];
    size_t nexpect;
    int failed;                    /* the scenario itself failed (a step, an error) */
    char failure[1600];
    char **unmet;                  /* expectations not met, after the run */
    size_t nunmet;
    char **unchecked;              /* expectations a real line cannot show */
    size_t nunchecked;
    char skipped[160];             /* why the scenario cannot run here, "" if it ran */
    cw_violation violations[16];
    size_t nviolations;
} scn_result;

/* The steps a scenario takes (a file's, or the explorer's). */
enum {
    STEP_NONE, STEP_DIAL, STEP_HEARS, STEP_PRESS, STEP_SAY, STEP_SILENCE, STEP_HANGUP,
    STEP_FLOW_ERROR, STEP_HEARS_ANY
};

/* A scenario in progress: its script (a file's coroutine or the explorer's generator),
 * the step it takes now, and what that step waits for. */
typedef struct scn_runner scn_runner;
struct scn_runner {
    sim_run *r;
    scn_result *res;
    int (*next)(scn_runner *ru);   /* set the next step: 1, 0 the script is over, -1 failed */
    int state;                     /* where the driver is with it (steps.c) */
    int step;                      /* STEP_* */
    char arg[256];
    unsigned ms, hold, gap, after;
    int line;
    int sub;                       /* a step's second phase (the keys after a wait) */
    int (*until)(scn_runner *ru);  /* what the step waits for, NULL: nothing */
    uint64_t deadline;
    size_t hear_cursor;
    uint64_t seed;                 /* the call's random numbers */
    lua_State *L, *co;             /* a file's state and coroutine */
    uint64_t gen;                  /* the explorer's generator state */
    unsigned gen_steps;
    int lenient;                   /* a step that cannot be taken ends the script */
    int stopped;
};

/* Run the scenarios on the run's virtual clock, at most window of them side by side (a
 * new one starts when one is over), until each is over and its call freed (steps.c). */
void scn_drive(sim_run *r, scn_runner **rs, size_t n, size_t window);

/* A scenario file's runner: its Lua state, ready to run (scenario.c). 0, or -1 with
 * res failed (the runner still drives to its end). */
int scn_open_file(scn_runner *ru, sim_run *r, scn_result *res);
void scn_close(scn_runner *ru);

/* An explored call: steps drawn from seed (explore.c). */
void scn_open_explore(scn_runner *ru, sim_run *r, scn_result *res, uint64_t seed);
/* The seed of the k-th explored call of a run seeded with seed (the 0th: seed). */
uint64_t scn_explore_seed(uint64_t seed, unsigned k);

/* 1 if the heard stretch is what a scenario names: a prompt id, or words in its text. */
int scn_heard_matches(const cw_trace_heard *h, const char *x);
/* The caller's number: the scenario's, or one the policy maps to want_lang. */
void scn_default_from(sim_run *r, const scn_result *res, char *out, size_t cap);
/* Note in the trace what the policy says the caller must hear (disclosure, notice). */
void scn_note_policy(sim_call *sc);
/* After the run: the expectations and the oracle, into res. */
void scn_judge(scn_result *res);

/* Output: the people's timeline and the CI formats (report.c). */
void scn_print_timeline(FILE *out, const scn_result *res);
void scn_print_tap(FILE *out, const scn_result *res, size_t n);
/* s as XML or HTML text (attr: inside an attribute value: line breaks as references);
 * UTF-8 kept, what is no text as U+FFFD (markup.c). */
void scn_put_markup(FILE *out, const char *s, int attr);
/* JUnit XML of the run: a testsuite per tenant, a testcase per scenario file, its
 * failures and violations as <failure> (report_junit.c). */
void scn_write_junit(FILE *out, const scn_result *res, size_t n, double secs);
/* dir/index.html: every call's timeline drawn, for people (report_html.c). 0, or -1
 * with err. */
int scn_write_html(const char *dir, const scn_result *res, size_t n, char *err,
                   size_t errlen);

#endif
