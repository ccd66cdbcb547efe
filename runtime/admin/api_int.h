/* api_int.h  The admin API's endpoints (api.c routes to them) and the worker-thread
 * jobs they share (api_job.c). */
#ifndef CALLWARDEN_API_INT_H
#define CALLWARDEN_API_INT_H

#include <jansson.h>
#include <uv.h>

#include "callwarden/config.h"
#include "admin_int.h"

void cw_api_metrics(cw_http_req *r, const char *tenant, const char *id);
void cw_api_consent_get(cw_http_req *r, const char *tenant, const char *id);
void cw_api_consent_proof(cw_http_req *r, const char *tenant, const char *id);
void cw_api_consent_withdraw(cw_http_req *r, const char *tenant, const char *id);
void cw_api_subject_export(cw_http_req *r, const char *tenant, const char *id);
void cw_api_subject_erase(cw_http_req *r, const char *tenant, const char *id);

/* "api:alice (dpo)": the reader an ACCESSED record names. */
void cw_api_actor(const cw_http_req *r, char *out, size_t cap);

/* Work for a libuv worker thread on behalf of a request: run() there, then done() on
 * the loop (NULL: answer with status and json, or text). The request waits meanwhile. */
typedef struct cw_api_job cw_api_job;
struct cw_api_job {
    uv_work_t work;
    cw_http_req *r;
    char data_dir[CW_PATH_LEN];
    char tenant[64];
    char id[64];
    char actor[128];
    char number[64];                /* a subject request's phone number */
    void (*run)(cw_api_job *j);
    void (*done)(cw_api_job *j);
    unsigned status;
    json_t *json;                   /* the answer (owned) */
    char *text;                     /* or a text one (malloc'd) */
    size_t text_len;
    const char *type;
    char err[1400];
    void *ud;                       /* the endpoint's own */
};

/* A job for r (tenant and id copied; the caller sets number and ud), NULL if out of
 * memory (r is answered 500 then). */
cw_api_job *cw_api_job_new(cw_http_req *r, const char *tenant, const char *id);
/* Queue it: run() on a worker, with ACCESSED records naming j->actor. */
void cw_api_job_start(cw_api_job *j, void (*run)(cw_api_job *), void (*done)(cw_api_job *));
/* Answer r from j and free j (what done() ends with, if it has one). */
void cw_api_job_answer(cw_api_job *j);

/* The records of consent id in the tenant's ledger, read on a worker: a JSON array of
 * {seq, event, record}; NULL with err. */
json_t *cw_api_consent_records(const char *data_dir, const char *tenant, const char *id,
                               char *err, size_t errlen);

#endif
