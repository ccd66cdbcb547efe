/* demo_flow.c  The demo tenant's call flow, in C until the Lua host lands (issue 3):
 * answer, play the welcome, collect one key, play the prompt the key chose, hang up.
 *   1 -> "press1" (English), 2 -> "press2" (German), anything else or no key within
 *   digit_timeout_ms -> "goodbye".
 * Keys pressed during the welcome count (the welcome stops at the first key), as in
 * an IVR menu; it is written against the same flow API the Lua binding will use. */
#include <string.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"

static void goodbye_done(cw_call *c, int completed)
{
    (void)completed;
    cw_call_hangup(c, "flow-done");
}

static void got_key(cw_call *c, const char *digits)
{
    const char *lang = "en", *id = "goodbye";
    if (strcmp(digits, "1") == 0) {
        id = "press1";
    } else if (strcmp(digits, "2") == 0) {
        lang = "de";
        id = "press2";
    }
    cw_log(CW_LOG_INFO, "flow", "call=%llu demo key=\"%s\" plays=%s/%s",
           (unsigned long long)c->id, digits, lang, id);
    if (cw_call_play(c, lang, id, goodbye_done) != 0)
        cw_call_hangup(c, "prompt-missing");
}

/* The wait for a key starts when the welcome has been heard in full. */
static void welcome_done(cw_call *c, int completed)
{
    if (!completed)
        return;
    /* --demo-repeat-welcome: keep the welcome going until a key or the caller's BYE
     * (the gather armed at the start has no limit, so a key still ends the loop) */
    if (c->rt->cfg.demo_repeat_welcome && cw_call_play(c, "en", "welcome", welcome_done) == 0)
        return;
    cw_call_gather(c, 1, c->rt->cfg.digit_timeout_ms, got_key);
}

void cw_demo_flow_start(cw_call *c)
{
    if (cw_call_play(c, "en", "welcome", welcome_done) != 0) {
        cw_call_hangup(c, "prompt-missing");
        return;
    }
    cw_call_gather(c, 1, 0, got_key);   /* keys during the welcome count */
}
