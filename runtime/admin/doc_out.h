/* doc_out.h  A document written as Markdown and HTML at once (doc_out.c): headings,
 * paragraphs, lists and tables of plain text, escaped for each format. */
#ifndef CALLWARDEN_DOC_OUT_H
#define CALLWARDEN_DOC_OUT_H

#include <stddef.h>
#include <stdio.h>

typedef struct cw_doc {
    FILE *md, *html;
    int in_list, in_table;
    size_t ncols;
} cw_doc;

void cw_doc_begin(cw_doc *d, const char *lang, const char *title);
void cw_doc_end(cw_doc *d);
void cw_doc_h(cw_doc *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cw_doc_p(cw_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cw_doc_li(cw_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cw_doc_table(cw_doc *d, size_t ncols, const char *const *head);
void cw_doc_row(cw_doc *d, const char *const *cells);
void cw_doc_table_end(cw_doc *d);

#endif
