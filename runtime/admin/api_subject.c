/* api_subject.c  A data subject's requests through the admin API (Art. 15, Art. 17):
 * the very functions behind `callwarden subject export|erase` (subject.c), run on a
 * worker thread, so the API and the command line cannot give different answers.
 *
 * Export: the CLI writes into a new directory (subject.json and the decrypted
 * artifacts); here that directory is made under DATA/admin (0700, never /tmp), read
 * back into the answer ({"subject": <subject.json>, "files": {name: base64}}), wiped
 * and removed. Both log their ACCESSED/ERASED records themselves, naming the API user.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "callwarden/crypto.h"
#include "callwarden/subject.h"
#include "api_int.h"

/* The posted {"number": "+49..."} into j->number; 0, or -1 after answering 400. */
static int take_number(cw_http_req *r, cw_api_job *j)
{
    json_error_t e;
    json_t *body = json_loads(r->body, 0, &e);
    const char *n = json_string_value(json_object_get(body, "number"));
    int ok = cw_withdraw_number_ok(n);
    if (ok)
        snprintf(j->number, sizeof j->number, "%s", n);
    json_decref(body);
    if (!ok) {
        j->status = 400;
        snprintf(j->err, sizeof j->err, "post {\"number\": \"+49...\"}: the caller's number, "
                 "digits, a leading +, spaces or dashes");
        cw_api_job_answer(j);
        return -1;
    }
    return 0;
}

static void wipe_file(const char *path)
{
    size_t len = 0;
    char *data = cw_api_read_file(path, &len);
    if (data) {
        cw_wipe(data, len);
        free(data);
    }
    unlink(path);
}

/* What the command printed, as the answer's message (its first line). */
static void message(cw_api_job *j, char *msg)
{
    snprintf(j->err, sizeof j->err, "%s", msg ? msg : "");
    j->err[strcspn(j->err, "\n")] = 0;
}

static void run_export(cw_api_job *j)
{
    char base[1100], dir[1200], path[1500];
    snprintf(base, sizeof base, "%s/admin", j->data_dir);
    mkdir(base, 0700);
    snprintf(dir, sizeof dir, "%s/export.XXXXXX", base);
    if (!mkdtemp(dir)) {
        snprintf(j->err, sizeof j->err, "cannot make a directory under %s", base);
        return;
    }
    rmdir(dir);                        /* the CLI wants to make it itself */
    char *msg = NULL;
    size_t msglen = 0;
    FILE *out = open_memstream(&msg, &msglen);
    int rc = out ? cw_subject_export(j->data_dir, j->tenant, j->number, dir, out) : 2;
    if (out)
        fclose(out);
    message(j, msg);
    free(msg);
    j->status = rc == 0 ? 200 : rc == 1 ? 404 : 500;
    DIR *d = opendir(dir);
    json_t *subject = NULL, *files = json_object();
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        char *data = cw_api_read_file(path, &len);
        if (data && strcmp(e->d_name, "subject.json") == 0) {
            subject = json_loadb(data, len, 0, NULL);
        } else if (data) {
            size_t b64len = 0;
            mbedtls_base64_encode(NULL, 0, &b64len, (const uint8_t *)data, len);
            unsigned char *b64 = malloc(b64len + 1);
            if (b64 && mbedtls_base64_encode(b64, b64len + 1, &b64len,
                                             (const uint8_t *)data, len) == 0)
                json_object_set_new(files, e->d_name, json_stringn((char *)b64, b64len));
            free(b64);
        }
        if (data) {
            cw_wipe(data, len);
            free(data);
        }
        wipe_file(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    if (rc == 1 || !subject) {
        json_decref(subject);
        json_decref(files);
        if (rc == 0)
            j->status = 500;
        return;
    }
    j->json = json_pack("{s:o, s:o, s:s}", "subject", subject, "files", files, "message",
                        j->err);
}

void cw_api_subject_export(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = cw_api_job_new(r, tenant, id);
    if (j && take_number(r, j) == 0)
        cw_api_job_start(j, run_export, NULL);
}

static void run_erase(cw_api_job *j)
{
    char *msg = NULL;
    size_t msglen = 0;
    FILE *out = open_memstream(&msg, &msglen);
    int rc = out ? cw_subject_erase(j->data_dir, j->tenant, j->number, out) : 2;
    if (out)
        fclose(out);
    message(j, msg);
    free(msg);
    j->status = rc == 0 ? 200 : rc == 1 ? 404 : 500;
    if (rc == 0)
        j->json = json_pack("{s:s, s:b, s:s}", "tenant", j->tenant, "erased", 1, "message",
                            j->err);
}

void cw_api_subject_erase(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = cw_api_job_new(r, tenant, id);
    if (j && take_number(r, j) == 0)
        cw_api_job_start(j, run_erase, NULL);
}
