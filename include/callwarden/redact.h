/* redact.h  Replacing personal data in a call transcript with placeholders before the
 * text goes to a language model: telephone numbers, e-mail addresses (also as speech
 * recognition spells them out), IBANs and dates of birth, in German and English. The
 * scanners are written by hand, keep no state between calls and never read past the
 * text's terminator. */
#ifndef CALLWARDEN_REDACT_H
#define CALLWARDEN_REDACT_H

/* Kinds of personal data cw_redact replaces (a bit set). */
enum {
    CW_REDACT_PHONE = 1u << 0,     /* telephone numbers */
    CW_REDACT_EMAIL = 1u << 1,     /* e-mail addresses */
    CW_REDACT_IBAN  = 1u << 2,     /* bank account numbers (IBAN) */
    CW_REDACT_BIRTHDATE = 1u << 3, /* dates of birth */
    CW_REDACT_ALL = 0xf
};

/* How many items of each kind one cw_redact call replaced. */
typedef struct cw_redact_counts { unsigned phone, email, iban, birthdate; } cw_redact_counts;

/* Parse a policy's kind name ("phone", "email", "iban", "birthdate") into its bit; 0 if unknown. */
unsigned cw_redact_kind(const char *name);

/* A copy of text (UTF-8, NUL-terminated) with every found item of kinds replaced by a
 * placeholder: "[PHONE]", "[EMAIL]", "[IBAN]", "[BIRTHDATE]". counts (may be NULL) gets how many of
 * each were replaced. this_year is the current calendar year (the caller passes it, for
 * determinism). Returns a malloc'd string the caller frees, or NULL when out of memory. */
char *cw_redact(const char *text, unsigned kinds, int this_year, cw_redact_counts *counts);

#endif
