/* signaling.c  The call core's requests carried out in SIP (cw_signaling over nua). */
#include <stdio.h>

#include <sofia-sip/su.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>

#include "sip_int.h"

static void sig_ringing(cw_call *c)
{
    nua_respond(c->sig_handle, SIP_180_RINGING, TAG_END());
}

static void sig_answer(cw_call *c, const char *sdp)
{
    nua_respond(c->sig_handle, SIP_200_OK,
                SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(sdp),
                TAG_END());
}

static void sig_reject(cw_call *c, int status, const char *phrase, const char *warning,
                       unsigned retry_after)
{
    char warn[320], retry[16];
    /* Warning: 399 is "miscellaneous warning" (RFC 3261 20.43); the text says why */
    snprintf(warn, sizeof warn, "399 callwarden \"%s\"", warning);
    snprintf(retry, sizeof retry, "%u", retry_after);
    nua_respond(c->sig_handle, status, phrase,
                TAG_IF(warning && warning[0], SIPTAG_WARNING_STR(warn)),
                TAG_IF(retry_after > 0, SIPTAG_RETRY_AFTER_STR(retry)),
                TAG_END());
}

static void sig_bye(cw_call *c)
{
    nua_bye(c->sig_handle, TAG_END());
}

static void sig_release(cw_call *c)
{
    nua_handle_t *nh = c->sig_handle;
    c->sig_handle = NULL;
    if (nh) {
        nua_handle_bind(nh, NULL);
        nua_handle_destroy(nh);
    }
}

const cw_signaling cw_sip_signaling = {
    .ringing = sig_ringing,
    .answer = sig_answer,
    .reject = sig_reject,
    .bye = sig_bye,
    .release = sig_release,
};
