/* api_int.h  The admin API's endpoints (api.c routes to them) and the worker-thread
 * jobs they share (api_job.c). */
#ifndef CALLWARDEN_API_INT_H
#define CALLWARDEN_API_INT_H

#include <jansson.h>
#include <uv.h>

#include "callwarden/config.h"
#include "admin_int.h"

typedef struct cw_runtime cw_runtime;

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
    struct cw_withdraw_step *step;  /* a withdrawal by code (freed with the job) */
};

/* A job for r (tenant and id copied; the caller sets number and ud), NULL if out of
 * memory (r is answered 500 then). */
cw_api_job *cw_api_job_new(cw_http_req *r, const char *tenant, const char *id);
/* Queue it: run() on a worker, with ACCESSED records naming j->actor. */
void cw_api_job_start(cw_api_job *j, void (*run)(cw_api_job *), void (*done)(cw_api_job *));
/* Answer r from j and free j (what done() ends with, if it has one). */
void cw_api_job_answer(cw_api_job *j);
/* A whole file into a new buffer (*len bytes, NUL-terminated), or NULL. */
char *cw_api_read_file(const char *path, size_t *len);

/* Free j when r was answered otherwise. */
void cw_api_job_free(cw_api_job *j);

/* The records of consent id in the tenant's ledger, read on a worker: a JSON array of
 * {seq, event, record}; NULL with err. */
json_t *cw_api_consent_records(const char *data_dir, const char *tenant, const char *id,
                               char *err, size_t errlen);

/* ---- withdrawal by the caller: number, then a one-time code (api_withdraw.c) ------ */

typedef enum cw_withdraw_outcome {
    CW_WITHDRAW_CODE_SENT,          /* (or not: the answer is the same either way) */
    CW_WITHDRAW_BAD_CODE,
    CW_WITHDRAW_DONE,
    CW_WITHDRAW_FAILED,
} cw_withdraw_outcome;

typedef struct cw_withdraw_step {
    char lang[4];                   /* "de" or "en" */
    char code[16];                  /* the code typed, on confirm */
    int html;                       /* the page asks (else the JSON API) */
    /* the answer: n consents withdrawn, erased artifacts with them */
    void (*done)(cw_api_job *j, cw_withdraw_outcome o, unsigned n, uint64_t erased);
} cw_withdraw_step;

/* j->number (and j->step) set: send a code if the number has consents in force. */
void cw_withdraw_start(cw_api_job *j);
/* ... and with j->step->code: withdraw them all if it is the code. */
void cw_withdraw_confirm(cw_api_job *j);
/* A phone number as a person types it ("+49 30 123-45")? */
int cw_withdraw_number_ok(const char *n);

void cw_api_withdrawals(cw_http_req *r, const char *tenant, const char *id);
void cw_api_withdrawals_confirm(cw_http_req *r, const char *tenant, const char *id);
/* the caller's page (withdraw_page.c): GET the form, POST the number, POST the code */
void cw_page_withdraw(cw_http_req *r, const char *tenant, const char *id);
void cw_page_withdraw_number(cw_http_req *r, const char *tenant, const char *id);
void cw_page_withdraw_code(cw_http_req *r, const char *tenant, const char *id);

/* The end of a withdrawal (cw_api_withdraw): done during the call, or after WITHDRAWN,
 * the erasure of erased artifacts and ERASED were durable; err if it stopped. */
typedef void (*cw_api_withdrawn_cb)(void *ud, int during_call, uint64_t erased,
                                    const char *err);

/* Withdraw consent id of tenant, whose GIVEN record body is given (borrowed): through
 * its call if that is still up (cw_call_withdraw), else WITHDRAWN (method, answer: who
 * or how), the vault's content of the consent crypto-shredded, ERASED. cb once. */
void cw_api_withdraw(cw_runtime *rt, const char *tenant, const char *id, json_t *given,
                     const char *method, const char *answer, cw_api_withdrawn_cb cb, void *ud);

#endif
