/* api_job.c  The admin API's worker-thread jobs (api_int.h): what reads the ledger or
 * the vault runs on libuv's thread pool, never on the loop. */
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/runtime.h"
#include "api_int.h"

cw_api_job *cw_api_job_new(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = calloc(1, sizeof *j);
    if (!j) {
        cw_http_error(r, 500, "out of memory");
        return NULL;
    }
    j->r = r;
    snprintf(j->data_dir, sizeof j->data_dir, "%s", r->admin->rt->cfg.data_dir);
    snprintf(j->tenant, sizeof j->tenant, "%s", tenant ? tenant : "");
    snprintf(j->id, sizeof j->id, "%s", id ? id : "");
    cw_api_actor(r, j->actor, sizeof j->actor);
    j->status = 500;
    return j;
}

static void work(uv_work_t *w)
{
    cw_api_job *j = w->data;
    cw_audit_set_actor(j->actor);     /* the ACCESSED records name the API's user */
    j->run(j);
    cw_audit_set_actor(NULL);
}

void cw_api_job_answer(cw_api_job *j)
{
    cw_http_req *r = j->r;
    if (j->text)
        cw_http_reply(r, j->status, j->type ? j->type : "text/plain", j->text, j->text_len);
    else if (j->json)
        cw_http_json(r, j->status, j->json);
    else
        cw_http_error(r, j->status, "%s", j->err[0] ? j->err : "failed");
    j->json = NULL;
    cw_api_job_free(j);
}

char *cw_api_read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    char chunk[8192];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    if (m)
        fclose(m);
    fclose(f);
    return buf;
}

void cw_api_job_free(cw_api_job *j)
{
    json_decref(j->json);
    free(j->text);
    free(j->step);
    cw_wipe(j->number, sizeof j->number);
    free(j);
}

static void after(uv_work_t *w, int status)
{
    cw_api_job *j = w->data;
    if (status != 0) {
        j->status = 500;
        snprintf(j->err, sizeof j->err, "the job was cancelled");
    }
    if (j->done && status == 0)
        j->done(j);
    else
        cw_api_job_answer(j);
}

void cw_api_job_start(cw_api_job *j, void (*run)(cw_api_job *), void (*done)(cw_api_job *))
{
    j->run = run;
    j->done = done;
    j->work.data = j;
    cw_http_later(j->r);
    if (uv_queue_work(j->r->admin->rt->loop, &j->work, work, after) != 0) {
        j->status = 503;
        snprintf(j->err, sizeof j->err, "no worker thread");
        cw_api_job_answer(j);
    }
}
