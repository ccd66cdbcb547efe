#define _GNU_SOURCE                  /* vasprintf */
/* doc_out.c  One document written twice, as Markdown and as HTML (doc_out.h): the
 * privacy documents of `callwarden docs` are built once from the policy, so the two
 * files cannot say different things. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "doc_out.h"

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Markdown: what would start markup is escaped; in a table also the bar. */
static void md_esc(FILE *f, const char *s, int cell)
{
    for (; *s; s++) {
        if (strchr("\\`*_[]<>#", *s) || (cell && *s == '|'))
            fputc('\\', f);
        fputc(*s, f);
    }
}

static char *format(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

static void close_list(cw_doc *d)
{
    if (d->in_list) {
        fputs("</ul>\n", d->html);
        fputc('\n', d->md);
        d->in_list = 0;
    }
}

void cw_doc_begin(cw_doc *d, const char *lang, const char *title)
{
    d->in_list = d->in_table = 0;
    fputs("<!DOCTYPE html>\n<html lang=\"", d->html);
    html_esc(d->html, lang);
    fputs("\">\n<head>\n<meta charset=\"utf-8\">\n<title>", d->html);
    html_esc(d->html, title);
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;"
          "padding:0 1em;line-height:1.5}table{border-collapse:collapse}td,th{border:1px "
          "solid #999;padding:.3em .5em;text-align:left;vertical-align:top}</style>\n"
          "</head>\n<body>\n", d->html);
}

void cw_doc_end(cw_doc *d)
{
    close_list(d);
    fputs("</body>\n</html>\n", d->html);
}

void cw_doc_h(cw_doc *d, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = format(fmt, ap);
    va_end(ap);
    if (!s)
        return;
    close_list(d);
    for (int i = 0; i < level; i++)
        fputc('#', d->md);
    fputc(' ', d->md);
    md_esc(d->md, s, 0);
    fputs("\n\n", d->md);
    fprintf(d->html, "<h%d>", level);
    html_esc(d->html, s);
    fprintf(d->html, "</h%d>\n", level);
    free(s);
}

void cw_doc_p(cw_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = format(fmt, ap);
    va_end(ap);
    if (!s)
        return;
    close_list(d);
    md_esc(d->md, s, 0);
    fputs("\n\n", d->md);
    fputs("<p>", d->html);
    html_esc(d->html, s);
    fputs("</p>\n", d->html);
    free(s);
}

void cw_doc_li(cw_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = format(fmt, ap);
    va_end(ap);
    if (!s)
        return;
    if (!d->in_list) {
        fputs("<ul>\n", d->html);
        d->in_list = 1;
    }
    fputs("- ", d->md);
    md_esc(d->md, s, 0);
    fputc('\n', d->md);
    fputs("<li>", d->html);
    html_esc(d->html, s);
    fputs("</li>\n", d->html);
    free(s);
}

void cw_doc_table(cw_doc *d, size_t ncols, const char *const *head)
{
    close_list(d);
    d->ncols = ncols;
    fputs("<table>\n<tr>", d->html);
    fputc('|', d->md);
    for (size_t i = 0; i < ncols; i++) {
        fputc(' ', d->md);
        md_esc(d->md, head[i], 1);
        fputs(" |", d->md);
        fputs("<th>", d->html);
        html_esc(d->html, head[i]);
        fputs("</th>", d->html);
    }
    fputs("\n|", d->md);
    for (size_t i = 0; i < ncols; i++)
        fputs(" --- |", d->md);
    fputc('\n', d->md);
    fputs("</tr>\n", d->html);
    d->in_table = 1;
}

void cw_doc_row(cw_doc *d, const char *const *cells)
{
    fputc('|', d->md);
    fputs("<tr>", d->html);
    for (size_t i = 0; i < d->ncols; i++) {
        const char *c = cells[i] ? cells[i] : "";
        fputc(' ', d->md);
        md_esc(d->md, c, 1);
        fputs(" |", d->md);
        fputs("<td>", d->html);
        html_esc(d->html, c);
        fputs("</td>", d->html);
    }
    fputc('\n', d->md);
    fputs("</tr>\n", d->html);
}

void cw_doc_table_end(cw_doc *d)
{
    fputc('\n', d->md);
    fputs("</table>\n", d->html);
    d->in_table = 0;
}
