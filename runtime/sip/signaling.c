/* signaling.c  The call core's requests carried out in SIP (cw_signaling over nua). */
#include <stdio.h>
#include <string.h>

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

/* Append s to out, %-escaped as a URI header value needs (RFC 3261 19.1.1). */
static int uri_escape(char *out, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("-_.!~*'()", ch);
        if (*len + 4 >= cap)
            return -1;
        if (plain) {
            out[(*len)++] = (char)ch;
        } else {
            out[(*len)++] = '%';
            out[(*len)++] = hex[ch >> 4];
            out[(*len)++] = hex[ch & 15];
        }
    }
    out[*len] = 0;
    return 0;
}

/* "Name: value" lines for the extra headers (nua adds the last line break). */
static int header_lines(char *out, size_t cap, const cw_header *h, size_t nh)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < nh; i++) {
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s: %s\r\n", h[i].name,
                              h[i].value);
        if (n >= cap)
            return -1;
    }
    if (n >= 2)
        out[n - 2] = 0;
    return 0;
}

static int sig_refer(cw_call *c, const char *target, const cw_header *h, size_t nh,
                     char *err, size_t errlen)
{
    char refer_to[2048], extra[2048];
    size_t rl = (size_t)snprintf(refer_to, sizeof refer_to, "<%s", target);
    /* the headers travel in the Refer-To URI, so that the transferee's INVITE to the
     * target carries them (RFC 3515 2.1), and on the REFER itself */
    for (size_t i = 0; i < nh && rl < sizeof refer_to; i++) {
        rl += (size_t)snprintf(refer_to + rl, sizeof refer_to - rl, "%s%s=",
                               i == 0 ? "?" : "&", h[i].name);
        if (rl >= sizeof refer_to || uri_escape(refer_to, sizeof refer_to, &rl, h[i].value))
            break;
    }
    if (rl + 2 >= sizeof refer_to || header_lines(extra, sizeof extra, h, nh) != 0) {
        snprintf(err, errlen, "the transfer headers are too long");
        return -1;
    }
    refer_to[rl++] = '>';
    refer_to[rl] = 0;
    nua_refer(c->sig_handle, SIPTAG_REFER_TO_STR(refer_to),
              TAG_IF(extra[0], SIPTAG_HEADER_STR(extra)), TAG_END());
    return 0;
}

static int sig_bridge_invite(cw_call *c, void **handle, const char *target,
                             const char *from_user, const char *sdp, const cw_header *h,
                             size_t nh, char *err, size_t errlen)
{
    char extra[2048], from[320];
    if (header_lines(extra, sizeof extra, h, nh) != 0) {
        snprintf(err, errlen, "the transfer headers are too long");
        return -1;
    }
    /* the human sees who calls, as from any PBX; the host is ours */
    snprintf(from, sizeof from, "<sip:%s@%s>", from_user, c->rt->cfg.listen);
    nua_handle_t *nh_b = nua_handle(c->rt->sip->nua, (nua_hmagic_t *)c,
                                    SIPTAG_TO_STR(target), SIPTAG_FROM_STR(from), TAG_END());
    if (!nh_b) {
        snprintf(err, errlen, "cannot create the INVITE to \"%s\"", target);
        return -1;
    }
    *handle = nh_b;
    nua_invite(nh_b, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
               TAG_IF(extra[0], SIPTAG_HEADER_STR(extra)), TAG_END());
    return 0;
}

static void sig_bridge_hangup(cw_call *c, int answered)
{
    nua_handle_t *nh = cw_call_bridge_handle(c);
    if (!nh)
        return;
    if (answered)
        nua_bye(nh, TAG_END());
    else
        nua_cancel(nh, TAG_END());
}

/* Forget a dialog: late events for it find no call and are dropped. */
static void release_handle(nua_handle_t *nh)
{
    if (nh) {
        nua_handle_bind(nh, NULL);
        nua_handle_destroy(nh);
    }
}

static void sig_bridge_release(cw_call *c)
{
    release_handle(cw_call_bridge_handle(c));
}

static void sig_release(cw_call *c)
{
    nua_handle_t *nh = c->sig_handle;
    c->sig_handle = NULL;
    release_handle(nh);
}

const cw_signaling cw_sip_signaling = {
    .ringing = sig_ringing,
    .answer = sig_answer,
    .reject = sig_reject,
    .bye = sig_bye,
    .refer = sig_refer,
    .release = sig_release,
    .bridge_invite = sig_bridge_invite,
    .bridge_hangup = sig_bridge_hangup,
    .bridge_release = sig_bridge_release,
};
