/*
 * egress.h  The one way out (G6): every byte that leaves the machine for an AI endpoint
 * or a CRM goes through cw_egress_send, which refuses it unless the tenant's policy
 * allows it, and then sends it with libcurl's multi interface inside the libuv loop.
 *
 * A request is allowed only when (cw_egress_check):
 *  - its URL is https:// with a host and no user name or password in it,
 *  - the host (and port) is on the policy's egress.allow list, in a region the policy
 *    permits (EU and EEA by default),
 *  - it names a purpose, and, when it carries anything derived from the caller's audio
 *    or transcripts, the call's consent is durably given, not withdrawn, and its level
 *    covers that purpose.
 * On the wire: TLS 1.2 or higher, the peer's certificate and name verified (against the
 * system's CAs and the configured CA file), no redirects, no proxy from the environment,
 * https only (also for anything curl might follow). A refusal is reported to the audit
 * hook (the runtime writes an EGRESS_REFUSED record to the tenant's ledger) and
 * returned to the caller with the reason; nothing is sent.
 */
#ifndef CALLWARDEN_EGRESS_H
#define CALLWARDEN_EGRESS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "callwarden/policy.h"

/* Why a request was refused (0: allowed). */
typedef enum cw_egress_verdict {
    CW_EGRESS_ALLOWED = 0,
    CW_EGRESS_BAD_URL,              /* not a URL, or with user:password@ */
    CW_EGRESS_NOT_HTTPS,            /* http:// or any other scheme */
    CW_EGRESS_HOST_NOT_ALLOWED,     /* not on the policy's egress.allow */
    CW_EGRESS_REGION,               /* listed, but in a region the policy does not permit */
    CW_EGRESS_NO_PURPOSE,           /* the request names no (known) purpose */
    CW_EGRESS_NO_CONSENT,           /* caller data without a durably given consent */
    CW_EGRESS_WITHDRAWN,            /* the consent was withdrawn */
    CW_EGRESS_NOT_COVERED,          /* the consent's level does not cover the purpose */
    CW_EGRESS_NVERDICTS
} cw_egress_verdict;

/* A short name for a verdict ("host_not_allowed"), for logs, records and metrics. */
const char *cw_egress_verdict_name(cw_egress_verdict v);

/* The call's consent as the gate sees it. */
typedef struct cw_egress_consent {
    int given;                      /* durably committed (GIVEN returned from the ledger) */
    int answering;                  /* the consent question is being answered now: the
                                     * request carries that answer (purpose
                                     * CW_PURPOSE_CONSENT_ANSWER) and nothing else */
    int withdrawn;
    const char *level;              /* the policy level's name */
    const char *consent_id;
} cw_egress_consent;

/* The one purpose caller data may leave for before a consent exists: the spoken
 * answer to the consent question, to be recognised (G3 method SPEECH). The gate allows
 * it only while that question is being answered; it is no purpose a level can name. */
#define CW_PURPOSE_CONSENT_ANSWER "consent_answer"

/* The purpose of the one-time code sent to a caller who withdraws outside the call
 * (admin API): the number and the code go to the policy's withdrawal.code_hook. It
 * carries nothing of the caller's audio: the law requires withdrawal to be possible
 * (Art. 7(3) GDPR), so it needs no consent of its own. */
#define CW_PURPOSE_WITHDRAWAL_CODE "withdrawal_code"

/* The parts of a URL the gate looks at. */
typedef struct cw_egress_url {
    char scheme[16];
    char host[256];                 /* lower case, IPv6 without brackets */
    unsigned port;                  /* the URL's, or the scheme's default */
    int has_userinfo;
} cw_egress_url;

/* Parse url (libcurl's URL parser). 0, or -1 if it is not an absolute URL. */
int cw_egress_parse_url(const char *url, cw_egress_url *out);

/*
 * The gate, without sending: may url be reached for purpose under policy p? consent
 * NULL: the request carries no caller data (a consent event to the CRM); else the
 * call's consent. CW_EGRESS_ALLOWED, or the verdict with a sentence in why.
 */
cw_egress_verdict cw_egress_check(const cw_policy *p, const char *url, const char *purpose,
                                  const cw_egress_consent *consent, char *why,
                                  size_t whylen);

typedef struct cw_egress cw_egress;
typedef struct cw_egress_job cw_egress_job;

/* What to send; cw_egress_send copies what it keeps. */
typedef struct cw_egress_request {
    const cw_policy *policy;        /* the tenant's, checked by the gate */
    const char *tenant;
    uint64_t call;                  /* the call it is for (logs), 0 for none */
    const char *call_hash;          /* its Call-ID's hash, as the consent records name
                                     * the call (an EGRESS_REFUSED names it too), or NULL */
    const char *url;
    const char *purpose;
    const cw_egress_consent *consent;   /* NULL: no caller data (see cw_egress_check) */
    const char *content_type;       /* of body, e.g. "application/json" */
    const void *body;               /* POSTed; NULL: a GET */
    size_t body_len;
    const char *const *headers;     /* extra "Name: value" lines (Authorization) */
    size_t nheaders;
    unsigned timeout_ms;            /* the whole wait, retries included; 0: 10 s */
    unsigned retries;               /* tries again on a failed connection, 429, 5xx */
} cw_egress_request;

/* A request's end: status the HTTP status (0 if none came), body what was received
 * (NUL-terminated), error NULL on a 2xx, else why ("timeout", "HTTP 503",
 * "cancelled", a TLS failure). */
typedef struct cw_egress_response {
    int status;
    const char *content_type;       /* "" if none */
    const char *body;
    size_t len;
    const char *error;
    int cancelled;
    unsigned attempts;
    uint64_t elapsed_ms;
} cw_egress_response;

typedef void (*cw_egress_cb)(void *ud, const cw_egress_response *r);

/* The audit hook: a request was refused (rq as given, the verdict and its sentence). */
typedef void (*cw_egress_refused_cb)(void *ud, const cw_egress_request *rq,
                                     cw_egress_verdict v, const char *why);

typedef struct cw_egress_opts {
    const char *ca_file;            /* extra trusted CAs (PEM), "" or NULL for none */
    cw_egress_refused_cb refused;
    void *refused_ud;
} cw_egress_opts;

typedef struct cw_egress_stats {
    uint64_t sent, refused, failed, retried, cancelled;
    uint64_t refused_by[CW_EGRESS_NVERDICTS];
} cw_egress_stats;

/* Start the egress engine on loop. 0, or -1 with err. */
int cw_egress_open(uv_loop_t *loop, const cw_egress_opts *o, cw_egress **out, char *err,
                   size_t errlen);

/*
 * Check rq at the gate and send it. Returns the job (cb(ud, response) runs exactly once
 * on the loop, also when cancelled or at close), or NULL when refused (the audit hook
 * ran, why says it) or out of memory: cb never runs then.
 */
cw_egress_job *cw_egress_send(cw_egress *eg, const cw_egress_request *rq, cw_egress_cb cb,
                              void *ud, char *why, size_t whylen);

/* Stop a job: its cb runs now, with cancelled set. The job is gone after. */
void cw_egress_cancel(cw_egress_job *j);

/* Counters. */
cw_egress_stats cw_egress_get_stats(const cw_egress *eg);

/* Requests in flight (the scenario runner's clock waits for them). */
unsigned cw_egress_in_flight(const cw_egress *eg);

/* Cancel what is in flight and free the engine once its handles closed; done(ud) then. */
void cw_egress_close(cw_egress *eg, void (*done)(void *ud), void *ud);

#endif
