/* withdraw_page.c  The caller's withdrawal page, German and English, plain HTML forms
 * without JavaScript (it must work in any browser, with a screen reader, on an old
 * phone): GET /withdraw/T shows the form for the number, POST /withdraw/T sends the
 * code (api_withdraw.c), POST /withdraw/T/confirm takes it and withdraws. Every page
 * names the business from the policy and links to its privacy notice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "callwarden/runtime.h"
#include "api_int.h"

typedef struct words {
    const char *lang, *other_lang, *other_name;
    const char *title, *intro, *number, *send, *sent, *code, *confirm, *bad_code, *done_one,
        *done_many, *done_none, *failed, *bad_number, *notice;
} words;

static const words de = {
    "de", "en", "English",
    "Einwilligung widerrufen",
    "Sie haben bei einem Anruf eingewilligt, dass wir Ihr Gespräch aufzeichnen oder "
    "auswerten? Diese Einwilligung können Sie jederzeit widerrufen, so einfach, wie Sie "
    "sie gegeben haben. Geben Sie die Nummer ein, von der Sie angerufen haben: Wir senden "
    "Ihnen einen Code per SMS.",
    "Ihre Telefonnummer", "Code senden",
    "Wenn zu dieser Nummer eine Einwilligung besteht, haben wir Ihnen einen Code gesendet. "
    "Er gilt 10 Minuten.",
    "Code aus der SMS", "Einwilligung widerrufen",
    "Der Code ist falsch oder abgelaufen. Bitte prüfen Sie ihn, oder fordern Sie einen neuen an.",
    "Ihr Widerruf ist eingegangen: 1 Einwilligung ist widerrufen.",
    "Ihr Widerruf ist eingegangen: %u Einwilligungen sind widerrufen.",
    "Zu dieser Nummer besteht keine Einwilligung mehr.",
    "Der Widerruf konnte gerade nicht abgeschlossen werden. Bitte versuchen Sie es gleich "
    "noch einmal.",
    "Bitte geben Sie eine Telefonnummer ein, zum Beispiel +49 30 1234567.",
    "Was wir zu Ihrem Anruf gespeichert hatten (Aufnahmen, Abschriften), ist gelöscht. Der "
    "Nachweis, dass Sie eingewilligt und widerrufen haben, bleibt verschlüsselt gespeichert, "
    "wie es das Gesetz verlangt. Datenschutzhinweise:",
};

static const words en = {
    "en", "de", "Deutsch",
    "Withdraw your consent",
    "Did you agree, on a call, that we record or analyse the conversation? You can "
    "withdraw that consent at any time, as easily as you gave it. Enter the number you "
    "called from: we will send you a code by text message.",
    "Your phone number", "Send the code",
    "If this number has given a consent, we have sent a code to it. It is valid for 10 "
    "minutes.",
    "Code from the text message", "Withdraw my consent",
    "The code is wrong or has expired. Please check it, or ask for a new one.",
    "Your withdrawal has been received: 1 consent is withdrawn.",
    "Your withdrawal has been received: %u consents are withdrawn.",
    "This number has no consent in force any more.",
    "The withdrawal could not be completed just now. Please try again in a moment.",
    "Please enter a phone number, for example +49 30 1234567.",
    "What we had stored about your call (recordings, transcripts) is deleted. The proof "
    "that you consented and withdrew stays stored, encrypted, as the law requires. "
    "Privacy notice:",
};

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* One field of a form post (application/x-www-form-urlencoded) into out. 0 or -1. */
static int form_field(const char *body, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && p[nl] == '=' && strncmp(p, name, nl) == 0) {
            size_t vl = len - nl - 1;
            if (vl >= cap)
                return -1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = 0;
            for (char *c = out; *c; c++)
                if (*c == '+')
                    *c = ' ';
            MHD_http_unescape(out);
            return 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return -1;
}

static const words *pick(const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? &en : &de;
}

/* The page: what to say (msg, may be NULL), then the form of step (0 number, 1 code,
 * 2 none). */
static void page(cw_http_req *r, unsigned status, const char *tenant, const words *w,
                 const char *msg, const char *msg2, int step, const char *number)
{
    cw_runtime *rt = r->admin->rt;
    cw_tenant *t = cw_tenants_find(&rt->tenants, tenant);
    const cw_policy *p = t && t->current ? t->current->policy : NULL;
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    if (!f) {
        cw_http_error(r, 500, "out of memory");
        return;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>", w->lang);
    esc(f, w->title);
    fputs(" – ", f);
    esc(f, p && p->controller_name ? p->controller_name : tenant);
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:36em;margin:2em auto;"
          "padding:0 1em;line-height:1.5}label,input,button{display:block;font-size:1.1em;"
          "margin:.4em 0}input{padding:.3em;width:100%}.msg{font-weight:bold}</style>\n"
          "</head>\n<body>\n<main>\n<h1>", f);
    esc(f, w->title);
    fputs("</h1>\n<p>", f);
    esc(f, p && p->controller_name ? p->controller_name : tenant);
    fputs("</p>\n", f);
    if (msg) {
        fputs("<p class=\"msg\" id=\"message\" role=\"status\">", f);
        esc(f, msg);
        fputs("</p>\n", f);
    }
    if (msg2) {
        fputs("<p id=\"notice\">", f);
        esc(f, msg2);
        if (p && p->notice_url) {
            fputs(" <a href=\"", f);
            esc(f, p->notice_url);
            fputs("\">", f);
            esc(f, p->notice_url);
            fputs("</a>", f);
        }
        fputs("</p>\n", f);
    }
    if (step == 0) {
        fputs("<p>", f);
        esc(f, w->intro);
        fprintf(f, "</p>\n<form method=\"post\" action=\"/withdraw/%s\">\n"
                   "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                   "<label for=\"number\">", tenant, w->lang);
        esc(f, w->number);
        fputs("</label>\n<input id=\"number\" name=\"number\" type=\"tel\" required "
              "autocomplete=\"tel\">\n<button type=\"submit\" id=\"send\">", f);
        esc(f, w->send);
        fputs("</button>\n</form>\n", f);
    } else if (step == 1) {
        fprintf(f, "<form method=\"post\" action=\"/withdraw/%s/confirm\">\n"
                   "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                   "<input type=\"hidden\" name=\"number\" value=\"", tenant, w->lang);
        esc(f, number);
        fputs("\">\n<label for=\"code\">", f);
        esc(f, w->code);
        fputs("</label>\n<input id=\"code\" name=\"code\" inputmode=\"numeric\" "
              "pattern=\"[0-9]{6}\" maxlength=\"6\" required autocomplete=\"one-time-code\">\n"
              "<button type=\"submit\" id=\"confirm\">", f);
        esc(f, w->confirm);
        fputs("</button>\n</form>\n", f);
    }
    fprintf(f, "<p><a href=\"/withdraw/%s?lang=%s\" lang=\"%s\">", tenant, w->other_lang,
            w->other_lang);
    esc(f, w->other_name);
    fputs("</a></p>\n</main>\n</body>\n</html>\n", f);
    fclose(f);
    cw_http_reply(r, status, "text/html; charset=utf-8", html, len);
    free(html);
}

void cw_page_withdraw(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    page(r, 200, tenant, pick(cw_http_query(r, "lang")), NULL, NULL, 0, NULL);
}

static void page_done(cw_api_job *j, cw_withdraw_outcome o, unsigned n, uint64_t erased)
{
    const words *w = pick(j->step->lang);
    char msg[300];
    (void)erased;
    switch (o) {
    case CW_WITHDRAW_CODE_SENT:
        page(j->r, 200, j->tenant, w, w->sent, NULL, 1, j->number);
        break;
    case CW_WITHDRAW_BAD_CODE:
        page(j->r, 403, j->tenant, w, w->bad_code, NULL, 1, j->number);
        break;
    case CW_WITHDRAW_DONE:
        if (n == 1)
            snprintf(msg, sizeof msg, "%s", w->done_one);
        else if (n)
            snprintf(msg, sizeof msg, w->done_many, n);
        page(j->r, 200, j->tenant, w, n ? msg : w->done_none, n ? w->notice : NULL, 2, NULL);
        break;
    default:
        page(j->r, 503, j->tenant, w, w->failed, NULL, 0, NULL);
    }
    j->json = NULL;
    j->text = NULL;
    cw_api_job_free(j);
}

/* A job for a form post, or NULL after answering (a bad number gets the form again). */
static cw_api_job *form_job(cw_http_req *r, const char *tenant, int with_code)
{
    char lang[8] = "de", number[64] = "", code[16] = "";
    form_field(r->body, "lang", lang, sizeof lang);
    const words *w = pick(lang);
    if (form_field(r->body, "number", number, sizeof number) != 0 ||
        !cw_withdraw_number_ok(number)) {
        page(r, 400, tenant, w, w->bad_number, NULL, 0, NULL);
        return NULL;
    }
    if (with_code && (form_field(r->body, "code", code, sizeof code) != 0 ||
                      strlen(code) != 6 || strspn(code, "0123456789") != 6)) {
        page(r, 403, tenant, w, w->bad_code, NULL, 1, number);
        return NULL;
    }
    cw_api_job *j = cw_api_job_new(r, tenant, NULL);
    cw_withdraw_step *st = j ? calloc(1, sizeof *st) : NULL;
    if (!st) {
        if (j)
            cw_api_job_answer(j);
        return NULL;
    }
    j->step = st;
    st->html = 1;
    st->done = page_done;
    snprintf(st->lang, sizeof st->lang, "%s", w->lang);
    snprintf(st->code, sizeof st->code, "%s", code);
    snprintf(j->number, sizeof j->number, "%s", number);
    return j;
}

void cw_page_withdraw_number(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    cw_api_job *j = form_job(r, tenant, 0);
    if (j)
        cw_withdraw_start(j);
}

void cw_page_withdraw_code(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    cw_api_job *j = form_job(r, tenant, 1);
    if (j)
        cw_withdraw_confirm(j);
}
