/* dispatch.c  SIP events on the loop thread: each one becomes a call-core call.
 *
 * The events come from nua in order per dialog. A handle nua created for a new INVITE
 * has no magic until we bind the call to it; after the call was freed the handle is
 * unbound and destroyed, so late events for it find no call and are dropped.
 */
#include <stdio.h>
#include <string.h>

#include <sofia-sip/su.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "callwarden/dtmf.h"
#include "callwarden/log.h"
#include "sip_int.h"

void cw_sip_shutdown_finished(cw_sip *s);

static void body_of(const sip_t *sip, const char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (sip && sip->sip_payload && sip->sip_payload->pl_len > 0) {
        *data = sip->sip_payload->pl_data;
        *len = sip->sip_payload->pl_len;
    }
}

static void new_invite(cw_sip *s, nua_handle_t *nh, const sip_t *sip, uint64_t t_ns)
{
    const char *sdp;
    size_t len;
    body_of(sip, &sdp, &len);

    /* Only application/sdp is an offer; any other body is refused outright. */
    if (sdp && sip->sip_content_type && sip->sip_content_type->c_type &&
        strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0) {
        nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("application/sdp"),
                    TAG_END());
        nua_handle_destroy(nh);
        return;
    }
    const char *user = sip && sip->sip_request && sip->sip_request->rq_url->url_user
                           ? sip->sip_request->rq_url->url_user : "";

    const char *from = sip && sip->sip_from && sip->sip_from->a_url->url_user
                           ? sip->sip_from->a_url->url_user : "";
    const char *call_id = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "";
    cw_call_params p = { .user = user, .caller = from, .call_id = call_id, .sdp = sdp,
                         .sdp_len = len };
    /* nua keeps the handle alive until we nua_handle_destroy it (on release) */
    cw_call *c = cw_call_incoming(s->rt, &cw_sip_signaling, nh, &p);
    if (!c) {
        nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("5"),
                    TAG_END());
        nua_handle_destroy(nh);
        return;
    }
    c->t_invite = t_ns;
    /* bind after cw_call_incoming: a rejected call is still bound until released */
    if (c->sig_handle)
        nua_handle_bind(nh, (nua_hmagic_t *)c);
}

/* INFO is an application method (NUTAG_APPL_METHOD), so we answer it: 200 inside a
 * call, whatever the body (legacy INFO has no Info-Package, RFC 6086 section 2); 481
 * outside any call (RFC 6086 section 4.2.1), instead of the 200 nua would send. */
static void on_info(cw_call *c, nua_handle_t *nh, const sip_t *sip, cw_sip_event *ev)
{
    if (!nh)
        return;
    if (!c) {
        nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_SAVED(ev->saved), TAG_END());
        nua_handle_destroy(nh);
        return;
    }
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_SAVED(ev->saved), TAG_END());
    const char *body;
    size_t len;
    body_of(sip, &body, &len);
    const char *ctype = sip && sip->sip_content_type ? sip->sip_content_type->c_type : "";
    cw_dtmf_digit d;
    if (body && cw_dtmf_info_parse(ctype, body, len, &d) == 0)
        cw_call_info_digit(c, &d);
}

/* An event of the bridged leg, our INVITE to the human (G9). */
static void bridge_event(cw_call *c, nua_handle_t *nh, const nua_event_data_t *e,
                         const sip_t *sip, cw_sip_event *ev)
{
    const char *body;
    size_t len;
    int state = nua_callstate_init;
    switch (e->e_event) {
    case nua_r_invite:
        body_of(sip, &body, &len);
        cw_call_bridge_response(c, e->e_status, e->e_phrase, body, len);
        break;
    case nua_i_bye:
        cw_call_bridge_remote_end(c, "human-bye");
        break;
    case nua_i_info:
        /* the human's keys are not the caller's answers */
        nua_respond(nh, SIP_200_OK, NUTAG_WITH_SAVED(ev->saved), TAG_END());
        break;
    case nua_i_invite:
        /* a re-INVITE from the human's side (a refresh, a hold): the relay goes on as
         * it is, so it is declined, which leaves the dialog up (RFC 3261 14.2) */
        nua_respond(nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_SAVED(ev->saved), TAG_END());
        break;
    case nua_i_state:
        tl_gets(e->e_tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (state == nua_callstate_terminated)
            cw_call_bridge_signaling_ended(c);
        break;
    case nua_i_terminated:
        cw_call_bridge_signaling_ended(c);
        break;
    default:
        break;
    }
}

void cw_sip_dispatch(cw_sip *s, cw_sip_event *ev)
{
    const nua_event_data_t *e = nua_event_data(ev->saved);
    nua_handle_t *nh = ev->nh;
    const sip_t *sip = e->e_msg ? sip_object(e->e_msg) : NULL;
    cw_call *c = nh ? (cw_call *)nua_handle_magic(nh) : NULL;
    const char *body;
    size_t len;

    if (c && nh && nh == cw_call_bridge_handle(c)) {
        bridge_event(c, nh, e, sip, ev);
        return;
    }
    switch (e->e_event) {
    case nua_i_invite:
        if (!c) {
            new_invite(s, nh, sip, ev->t_ns);
        } else {
            body_of(sip, &body, &len);
            cw_call_reinvite(c, body, len);
        }
        break;
    case nua_i_ack:
        if (c) {
            body_of(sip, &body, &len);
            cw_call_ack(c, body, len);
        }
        break;
    case nua_i_bye:
        if (c)
            cw_call_remote_end(c, "remote-bye");
        break;
    case nua_i_cancel:
        if (c)
            cw_call_remote_end(c, "cancel");
        break;
    case nua_r_refer:
        if (c && e->e_status >= 200)
            cw_call_refer_result(c, e->e_status, e->e_phrase);
        break;
    case nua_i_info:
        on_info(c, nh, sip, ev);
        break;
    case nua_i_state: {
        int state = nua_callstate_init;
        tl_gets(e->e_tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (c && state == nua_callstate_terminated) {
            cw_call_remote_end(c, e->e_status >= 300 ? "failed" : "terminated");
            cw_call_signaling_ended(c);
        }
        break;
    }
    case nua_i_terminated:
        if (c) {
            cw_call_remote_end(c, "terminated");
            cw_call_signaling_ended(c);
        }
        break;
    case nua_r_shutdown:
        if (e->e_status >= 200)
            cw_sip_shutdown_finished(s);
        break;
    case nua_i_error:
        cw_log(CW_LOG_WARN, "sip", "stack error %d %s", e->e_status,
               e->e_phrase ? e->e_phrase : "");
        break;
    case nua_i_options:
    case nua_i_message:
    case nua_i_publish:
    case nua_i_subscribe:
    case nua_i_notify:
    case nua_i_refer:
    case nua_i_register:
    case nua_i_method:
    case nua_i_update:
    case nua_i_prack:
        /* nua answered these itself (OPTIONS 200, the rest 405/501); a request outside
         * any call came with a handle of its own that only we can free */
        if (nh && !c)
            nua_handle_destroy(nh);
        break;
    default:
        break;
    }
}
