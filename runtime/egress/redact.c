/* redact.c  Personal data out of a transcript before it goes to a language model (redact.h).
 *
 * What the caller says reaches the AI only for the purpose the caller consented to (G6);
 * what it needs for that purpose is rarely the caller's telephone number, e-mail address,
 * bank account or date of birth, so the egress replaces those with placeholders first.
 * The texts come from speech recognition, German and English: numbers are grouped the
 * way they were spoken ("0171 23 45 678"), addresses may be spelled out ("max punkt
 * mustermann at beispiel punkt de"), dates are written in either language.
 *
 * There is no regex library here: one small hand-written scanner per kind, each a static
 * function that looks at one position of the text and says how far an item reaches. The
 * main loop tries them at every character, in a fixed order (e-mail, IBAN, date, phone),
 * and the first that matches claims its span. A scanner may claim a span without asking
 * for it to be replaced (an appointment date, an IBAN whose check fails): the span is
 * then copied as it is, and no later scanner can take a piece of it, so a date such as
 * "01.03.2027" or the "0044 0532" inside an IBAN never turns into a phone number. The
 * same claims are made whatever kinds the caller asked for; kinds decides only what is
 * replaced.
 *
 * The text is UTF-8. Scanners stop at the terminator (it is never a digit, a letter or a
 * continuation byte), look behind only inside the text, and every item starts and ends
 * on a character boundary, so a multi-byte character is never split. Bytes that are not
 * valid UTF-8 are copied one by one, as they came. No state outlives a call.
 */
#include <stdlib.h>
#include <string.h>

#include "callwarden/redact.h"

#define MAX_LOCAL 64        /* bytes of an e-mail local part (RFC 5321) */
#define MAX_LABEL 63        /* bytes of one domain label */
#define MAX_DOMAIN 253
#define MAX_PHONE_DIGITS 15 /* E.164 */
#define IBAN_MIN 15
#define IBAN_MAX 34
#define BIRTH_WORDS 4       /* how many words before a date a birth keyword may stand */

/* ---- characters ------------------------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The length of the character at s: 1 for ASCII and for a byte that does not start a
 * well-formed UTF-8 sequence (such bytes are passed on alone), else 2-4. *cp gets the
 * code point (U+FFFD for a bad byte). Reads no further than the first byte that is not
 * a continuation byte, so never past the terminator. */
static size_t utf8_char(const char *str, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0], v;
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[k] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return n;
}

/* A letter or digit at s: ASCII, or a Latin letter of U+00C0-U+024F (umlauts, ß, the
 * accented letters of names) other than × and ÷. Its length in bytes, 0 if s is none. */
static size_t word_char(const char *s)
{
    unsigned cp;
    size_t n = utf8_char(s, &cp);
    if (n == 1)
        return is_alnum(s[0]) ? 1 : 0;
    if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)
        return n;
    return 0;
}

/* Whether the character that ends just before s[i] is a letter or digit. */
static int word_before(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    size_t j = i - 1;
    if ((unsigned char)s[j] < 0x80)
        return is_alnum(s[j]);
    while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    size_t n = word_char(s + j);
    return n && j + n == i;
}

/* Whether a number may start at s[i]: not glued to a word, and not the continuation of
 * another number ("14:30", "1.250", "12/03"). */
static int number_start_ok(const char *s, size_t i)
{
    if (i == 0)
        return 1;
    if (word_before(s, i))
        return 0;
    char c = s[i - 1];
    if (c == '.' || c == ',' || c == ':' || c == '/' || c == '-' || c == '+')
        return !(i >= 2 && is_digit(s[i - 2])) && c != '+';
    return 1;
}

/* Whether a number may end at s[i]: no letter glued to it, and no ",50" or ":30" that
 * makes it an amount or a time. */
static int number_end_ok(const char *s, size_t i)
{
    if (word_char(s + i))
        return 0;
    if ((s[i] == ',' || s[i] == ':' || s[i] == '.' || s[i] == '/') && is_digit(s[i + 1]))
        return 0;
    return 1;
}

/* How many spaces or tabs start at s[p]. */
static size_t spaces(const char *s, size_t p)
{
    size_t k = 0;
    while (is_space(s[p + k]))
        k++;
    return k;
}

/* Whether the word w (lower case; ASCII compared without case, other bytes as they are)
 * stands at s[p] as a whole word. Its length, 0 if not. */
static size_t word_is(const char *s, size_t p, const char *w)
{
    size_t k;
    for (k = 0; w[k]; k++)
        if (lower(s[p + k]) != w[k])
            return 0;
    return word_char(s + p + k) ? 0 : k;
}

/* Whether the bytes s[0..n) are the word w (lower case ASCII), without case. */
static int same_word(const char *s, size_t n, const char *w)
{
    size_t k;
    for (k = 0; k < n && w[k]; k++)
        if (lower(s[k]) != w[k])
            return 0;
    return k == n && w[k] == 0;
}

/* Whether the bytes s[0..n) start with w (lower case ASCII), without case. */
static int starts_with(const char *s, size_t n, const char *w)
{
    size_t k;
    for (k = 0; w[k]; k++)
        if (k >= n || lower(s[k]) != w[k])
            return 0;
    return 1;
}

/* ---- e-mail addresses ------------------------------------------------------------ */

/* Words speech recognition writes for the punctuation of a local part. */
static const char *const local_seps[] = {
    "punkt", "dot", "unterstrich", "underscore", "bindestrich", "minus", "dash", "hyphen",
    NULL
};

/* And for the dots of a domain. */
static const char *const domain_seps[] = { "punkt", "dot", NULL };

/* Top-level domains a spoken address may end in. A written address (max@beispiel.de)
 * takes any TLD of two or more letters; one with any spoken part must end in one of
 * these, so that an ordinary "at" followed by words and a "dot" is not taken for one. */
static const char *const known_tlds[] = {
    "de", "at", "ch", "li", "lu", "eu", "com", "net", "org", "info", "biz", "io", "co",
    "uk", "fr", "it", "es", "nl", "be", "pl", "cz", "dk", "se", "no", "fi", "ie", "pt",
    "gr", "hu", "sk", "si", "hr", "ro", "bg", "ee", "lv", "lt", "us", "ca", "au", "me",
    "tv", "app", "dev", "email", "online", "shop", "gmbh", "berlin", "bayern", "hamburg",
    "koeln", "nrw", "edu", "gov", "mobi", "name", "pro", "web", "cloud", "mail", "team",
    "jobs", "tech", NULL
};

/* English words that stand before an ordinary "at" ("be at home", "look at it", "I
 * ordered at amazon.de"): a spoken address whose one-word local part is one of them is
 * a sentence, not an address. */
static const char *const at_stopwords[] = {
    "i", "me", "you", "he", "him", "she", "her", "it", "we", "us", "they", "them", "be",
    "is", "am", "are", "was", "were", "been", "being", "look", "looked", "looking",
    "stay", "stayed", "staying", "arrive", "arrived", "arriving", "meet", "meeting", "home",
    "work", "working", "works", "worked", "live", "lives", "lived", "living", "order",
    "ordered", "buy", "bought", "shop", "shopping", "book", "booked", "see", "seen", "find",
    "found", "here", "there", "just", "only", "not", "all", "available", "reach",
    "reached", "reachable", "call", "called", "contact", "email", "mail", "write",
    "located", "based", "registered", "listed", "posted", "signed", "up", "in", "on",
    "off", "out", "back", "right", "left", "come", "came", "go", "went", "get", "got",
    "sit", "sat", "again", "later", "least", "last", "first", "best", "once", "that",
    "this", "what", "which", "who", "where", "and", "or", "but", "so", "even", "also",
    "still", "both", "anyone", "someone", "everyone", "people", "arrives", NULL
};

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (size_t k = 0; list[k]; k++)
        if (same_word(s, n, list[k]))
            return 1;
    return 0;
}

static int is_local_punct(char c)
{
    return c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* One piece of a local part at s[p]: letters and digits with . _ % + - between them
 * ("max.mustermann", "info_2"). Returns its end, p if there is none; *letters_only is
 * cleared when the piece has anything but letters. */
static size_t local_token(const char *s, size_t p, int *letters_only)
{
    size_t q = p, n;
    for (;;) {
        if ((n = word_char(s + q))) {
            if (n == 1 && is_digit(s[q]))
                *letters_only = 0;
            q += n;
        } else if (q > p && is_local_punct(s[q]) && word_char(s + q + 1)) {
            *letters_only = 0;
            q++;
        } else {
            break;
        }
        if (q - p > MAX_LOCAL)
            return p;
    }
    return q;
}

/* One label of a domain at s[p]: letters and digits, '-' between them. Its end, p if
 * there is none. */
static size_t domain_label(const char *s, size_t p)
{
    size_t q = p, n;
    for (;;) {
        if ((n = word_char(s + q)))
            q += n;
        else if (q > p && s[q] == '-' && word_char(s + q + 1))
            q++;
        else
            break;
        if (q - p > MAX_LABEL)
            return p;
    }
    return q;
}

/* A spoken separator at s[p]: spaces, one of words, spaces ("max punkt mustermann").
 * Returns where the next piece starts, 0 if there is no such separator. */
static size_t spoken_sep(const char *s, size_t p, const char *const *words)
{
    size_t k = spaces(s, p);
    if (k == 0 || k > 2)
        return 0;
    p += k;
    for (size_t w = 0; words[w]; w++) {
        size_t n = word_is(s, p, words[w]);
        if (!n)
            continue;
        k = spaces(s, p + n);
        return (k == 0 || k > 2) ? 0 : p + n + k;
    }
    return 0;
}

/* The '@' after a local part ending at s[p]: written ("@", " @ ") or spoken (" at ",
 * " ät "). Returns where the domain starts, 0 if there is no '@'; *spoken is set unless
 * it was a plain '@' between two written halves. */
static size_t at_sign(const char *s, size_t p, int *spoken)
{
    size_t k = spaces(s, p), n = 0;
    if (k == 0 && s[p] == '@') {
        k = spaces(s, p + 1);
        if (k > 2)
            return 0;
        *spoken = k > 0;
        return p + 1 + k;
    }
    if (k == 0 || k > 2)
        return 0;
    p += k;
    if (s[p] == '@') {
        k = spaces(s, p + 1);       /* "max @beispiel.de" */
        if (k > 2)
            return 0;
        *spoken = 1;
        return p + 1 + k;
    }
    if (!(n = word_is(s, p, "at")) && !(n = word_is(s, p, "\xc3\xa4t")) &&
        !(n = word_is(s, p, "\xc3\x84t")))
        return 0;
    k = spaces(s, p + n);
    if (k == 0 || k > 2)
        return 0;
    *spoken = 1;
    return p + n + k;
}

/* Whether s[p..e) may be the TLD: letters only, two or more; from the known list when
 * any part of the address was spoken. */
static int tld_ok(const char *s, size_t p, size_t e, int need_known)
{
    if (e - p < 2)
        return 0;
    for (size_t k = p; k < e; k++)
        if (!is_alpha(s[k]))
            return 0;
    if (need_known)
        return e - p <= 6 && in_list(s + p, e - p, known_tlds);
    return 1;
}

/* A domain at s[p]: labels joined by '.' or a spoken "punkt"/"dot", at least two. Its
 * end after the last label that makes a valid TLD, 0 if there is none. */
static size_t domain_part(const char *s, size_t p, int need_known)
{
    size_t e = domain_label(s, p), best = 0;
    if (e == p)
        return 0;
    while (e - p <= MAX_DOMAIN) {
        size_t q;
        if (s[e] == '.' && word_char(s + e + 1))
            q = e + 1;
        else if ((q = spoken_sep(s, e, domain_seps)))
            need_known = 1;
        else
            break;
        size_t e2 = domain_label(s, q);
        if (e2 == q)
            break;
        if (tld_ok(s, q, e2, need_known))
            best = e2;
        e = e2;
    }
    return best;
}

/* An e-mail address starting at s[i], written (max.mustermann@beispiel.de) or in the
 * forms speech recognition produces (max punkt mustermann at beispiel punkt de, anna dot
 * smith at example dot com, max ät beispiel.de). Conservative with the spoken forms: a
 * domain with a known TLD must follow the "at", a one-word local part must not be an
 * ordinary English word ("be at home dot com" is not an address), and the local part
 * must not follow an apostrophe ("I'm at example.com"). Returns the end, 0 if none. */
static size_t scan_email(const char *s, size_t i)
{
    if (word_before(s, i) || (i > 0 && is_local_punct(s[i - 1])))
        return 0;
    int letters_only = 1, spoken = 0, at_spoken = 0;
    size_t tokens = 1;
    size_t p = local_token(s, i, &letters_only), q = 0;
    if (p == i)
        return 0;
    for (;;) {
        if ((q = at_sign(s, p, &at_spoken)))
            break;
        if (!(q = spoken_sep(s, p, local_seps)))
            return 0;
        size_t r = local_token(s, q, &letters_only);
        if (r == q || r - i > 2 * MAX_LOCAL)
            return 0;
        spoken = 1;
        tokens++;
        p = r;
    }
    if (at_spoken || spoken) {
        if (i > 0 && (s[i - 1] == '\'' ||
                      (i >= 3 && memcmp(s + i - 3, "\xe2\x80\x99", 3) == 0)))
            return 0;
        if (tokens == 1 && letters_only && in_list(s + i, p - i, at_stopwords))
            return 0;
    }
    return domain_part(s, q, spoken || at_spoken);
}

/* ---- IBANs ----------------------------------------------------------------------- */

/* Registered IBAN lengths (ISO 13616) of the countries a European caller most likely
 * banks in. A candidate from one of these must have exactly its length; a country not
 * listed needs only the general 15-34 and the check. */
static const struct {
    char cc[3];
    unsigned char len;
} iban_lengths[] = {
    { "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "BA", 20 }, { "BE", 16 },
    { "BG", 22 }, { "CH", 21 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 },
    { "EE", 20 }, { "ES", 24 }, { "FI", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 },
    { "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "HR", 21 }, { "HU", 28 }, { "IE", 22 },
    { "IS", 26 }, { "IT", 27 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
    { "MC", 27 }, { "ME", 22 }, { "MK", 19 }, { "MT", 31 }, { "NL", 18 }, { "NO", 15 },
    { "PL", 28 }, { "PT", 25 }, { "RO", 24 }, { "RS", 22 }, { "SE", 24 }, { "SI", 19 },
    { "SK", 24 }, { "SM", 27 }, { "TR", 26 }, { "UA", 29 }, { "VA", 22 }, { "XK", 20 },
};

/* The registered length for the country code b[0..2), 0 if it is not listed. */
static size_t iban_length(const char *b)
{
    for (size_t k = 0; k < sizeof iban_lengths / sizeof iban_lengths[0]; k++)
        if (iban_lengths[k].cc[0] == b[0] && iban_lengths[k].cc[1] == b[1])
            return iban_lengths[k].len;
    return 0;
}

/* The ISO 13616 check of b[0..n) (upper case): the first four characters moved to the
 * end, letters as 10..35, the whole number mod 97 must be 1. */
static int iban_check(const char *b, size_t n)
{
    unsigned r = 0;
    for (size_t k = 0; k < n; k++) {
        char c = b[(k + 4) % n];
        if (is_digit(c))
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        else
            r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    return r == 1;
}

/* An IBAN starting at s[i]: two letters, two check digits, then letters and digits,
 * either in one piece or in groups of four separated by single spaces (the country code
 * may stand apart from the check digits: "DE 89 3704 ..."). Every group end is a
 * candidate end; the longest candidate that passes the check wins. *redact says whether
 * to replace what was found; it is 0 for a candidate of its country's exact length that
 * fails the check (claimed, so that no phone number is cut out of it). Returns the end,
 * 0 if none. */
static size_t scan_iban(const char *s, size_t i, int *redact)
{
    char b[IBAN_MAX];
    size_t n = 2, p = i + 2, ncand = 0;
    size_t cand_end[IBAN_MAX], cand_len[IBAN_MAX];
    if (word_before(s, i) || !is_alpha(s[i]) || !is_alpha(s[i + 1]))
        return 0;
    b[0] = upper(s[i]);
    b[1] = upper(s[i + 1]);
    if (is_space(s[p]) && is_digit(s[p + 1]) && is_digit(s[p + 2]) && is_space(s[p + 3]))
        p++;
    if (!is_digit(s[p]) || !is_digit(s[p + 1]))
        return 0;
    for (int first = 1;; first = 0) {
        size_t t = p, n0 = n;
        while (is_alnum(s[p]) && n < IBAN_MAX)
            b[n++] = upper(s[p++]);
        /* too long for an IBAN, glued to a letter, or a later group of more than four:
         * not part of it, the candidates so far stand */
        if (word_char(s + p) || (!first && p - t > 4)) {
            n = n0;
            break;
        }
        cand_end[ncand] = p;
        cand_len[ncand] = n;
        ncand++;
        if (!is_space(s[p]) || n % 4 != 0 || !is_alnum(s[p + 1]))
            break;
        p++;
    }
    size_t want = iban_length(b);
    for (size_t c = ncand; c-- > 0;) {
        size_t len = cand_len[c];
        if (len >= IBAN_MIN && (!want || len == want) && iban_check(b, len)) {
            *redact = 1;
            return cand_end[c];
        }
    }
    for (size_t c = ncand; c-- > 0;) {
        size_t len = cand_len[c], digits = 0;
        if (!want || len != want)
            continue;
        for (size_t k = 2; k < len; k++)
            digits += is_digit(b[k]);
        /* A German IBAN (22 characters, all digits after "DE") whose check fails is
         * still redacted: speech recognition mishears a digit far more often than a
         * caller reads out 20 digits that are not their account, and a misheard IBAN
         * is still personal data. Other countries' failing candidates are left as
         * they are, but claimed. */
        *redact = b[0] == 'D' && b[1] == 'E' && digits == len - 2;
        return cand_end[c];
    }
    return 0;
}

/* ---- dates of birth -------------------------------------------------------------- */

/* Month names, German and English, and their abbreviations (which may take a '.'). */
static const struct {
    const char *name;
    int month;
    int abbr;
} months[] = {
    { "januar", 1, 0 }, { "j\xc3\xa4nner", 1, 0 }, { "january", 1, 0 }, { "jan", 1, 1 },
    { "februar", 2, 0 }, { "february", 2, 0 }, { "feb", 2, 1 },
    { "m\xc3\xa4rz", 3, 0 }, { "m\xc3\x84rz", 3, 0 }, { "maerz", 3, 0 }, { "marz", 3, 0 },
    { "march", 3, 0 }, { "m\xc3\xa4r", 3, 1 }, { "mar", 3, 1 },
    { "april", 4, 0 }, { "apr", 4, 1 },
    { "mai", 5, 0 }, { "may", 5, 0 },
    { "juni", 6, 0 }, { "june", 6, 0 }, { "jun", 6, 1 },
    { "juli", 7, 0 }, { "july", 7, 0 }, { "jul", 7, 1 },
    { "august", 8, 0 }, { "aug", 8, 1 },
    { "september", 9, 0 }, { "sept", 9, 1 }, { "sep", 9, 1 },
    { "oktober", 10, 0 }, { "october", 10, 0 }, { "okt", 10, 1 }, { "oct", 10, 1 },
    { "november", 11, 0 }, { "nov", 11, 1 },
    { "dezember", 12, 0 }, { "december", 12, 0 }, { "dez", 12, 1 }, { "dec", 12, 1 },
};

/* A month name at s[p]: its number (1-12), *end after it (and after an abbreviation's
 * '.'); 0 if there is none. */
static int month_at(const char *s, size_t p, size_t *end)
{
    for (size_t k = 0; k < sizeof months / sizeof months[0]; k++) {
        size_t n = word_is(s, p, months[k].name);
        if (!n)
            continue;
        *end = p + n;
        if (months[k].abbr && s[*end] == '.')
            (*end)++;
        return months[k].month;
    }
    return 0;
}

/* 1 to max digits at s[p], no more: their value in *v and their count, 0 if there are
 * none or too many. */
static size_t digits_at(const char *s, size_t p, size_t max, int *v)
{
    size_t k = 0;
    int x = 0;
    while (is_digit(s[p + k])) {
        if (k == max)
            return 0;
        x = x * 10 + (s[p + k] - '0');
        k++;
    }
    *v = x;
    return k;
}

/* An English ordinal suffix after a day ("12th", "1st"): its length, 0 if none. */
static size_t ordinal_at(const char *s, size_t p)
{
    static const char *const sfx[] = { "st", "nd", "rd", "th", NULL };
    for (size_t k = 0; sfx[k]; k++) {
        size_t n = word_is(s, p, sfx[k]);
        if (n)
            return n;
    }
    return 0;
}

static int valid_date(int d, int m, int y)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29)
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return 1;
}

/* A two-digit year as 19xx or 20xx, whichever is not in the future. */
static int full_year(int yy, int this_year)
{
    return 2000 + yy <= this_year ? 2000 + yy : 1900 + yy;
}

/* A numeric date at s[i]: 12.03.1985, 12.3.85, 12. 3. 1985, 12/03/1985 (or 03/12/1985
 * read as month first when the day-first reading is impossible), 12-03-1985,
 * 1985-03-12. *year gets the year. Returns the end, 0 if none or impossible. */
static size_t numeric_date(const char *s, size_t i, int this_year, int *year)
{
    int a, b, c, d, m, y;
    size_t p = i, na, nb, nc;
    char sep;
    if (!(na = digits_at(s, p, 4, &a)))
        return 0;
    p += na;
    sep = s[p];
    if (sep != '.' && sep != '/' && sep != '-')
        return 0;
    p++;
    if (na == 4) {
        /* ISO 8601: year first, month, day */
        if (sep == '.' || !(nb = digits_at(s, p, 2, &b)) || s[p + nb] != sep)
            return 0;
        p += nb + 1;
        if (!(nc = digits_at(s, p, 2, &c)))
            return 0;
        p += nc;
        y = a, m = b, d = c;
    } else if (na <= 2) {
        size_t sp1 = sep == '.' && s[p] == ' ' ? 1 : 0, sp2 = 0;
        p += sp1;
        if (!(nb = digits_at(s, p, 2, &b)) || s[p + nb] != sep)
            return 0;
        p += nb + 1;
        if (sep == '.' && s[p] == ' ')
            sp2 = 1;
        p += sp2;
        if (!(nc = digits_at(s, p, 4, &c)) || nc == 3 || nc == 1)
            return 0;
        /* "12. 3. 1985" is a date, "12. 3. 85" too likely a list */
        if ((sp1 || sp2) && nc != 4)
            return 0;
        p += nc;
        y = nc == 2 ? full_year(c, this_year) : c;
        d = a, m = b;
        if (sep == '/' && !valid_date(d, m, y))
            d = b, m = a;
    } else {
        return 0;
    }
    if (!valid_date(d, m, y) || !number_end_ok(s, p))
        return 0;
    *year = y;
    return p;
}

/* The end of a written date after its day d and month m at s[p]: an optional comma,
 * one or two spaces, a four-digit year, and nothing that continues the number. Returns
 * the end, 0 if none (or the date is impossible). */
static size_t year_tail(const char *s, size_t p, int d, int m, int *year)
{
    int y;
    if (s[p] == ',')
        p++;
    size_t k = spaces(s, p);
    if (k == 0 || k > 2)
        return 0;
    p += k;
    if (digits_at(s, p, 4, &y) != 4)
        return 0;
    p += 4;
    if (!valid_date(d, m, y) || !number_end_ok(s, p))
        return 0;
    *year = y;
    return p;
}

/* A written date with the day first at s[i]: "12. März 1985", "12 Maerz 1985",
 * "3. Januar 1990", "12 March 1985", "12th of March, 1985". Four-digit years only: "am 3.
 * Mai 12 Uhr" is no date. Returns the end, 0 if none. */
static size_t day_month_date(const char *s, size_t i, int *year)
{
    int d, m;
    size_t p = i, n, k;
    if (!(n = digits_at(s, p, 2, &d)))
        return 0;
    p += n;
    if (s[p] == '.') {
        p++;
        k = spaces(s, p);
    } else {
        p += ordinal_at(s, p);
        k = spaces(s, p);
        if (k == 0)
            return 0;
    }
    if (k > 2)
        return 0;
    p += k;
    if ((n = word_is(s, p, "of"))) {
        k = spaces(s, p + n);
        if (k == 0 || k > 2)
            return 0;
        p += n + k;
    }
    if (!(m = month_at(s, p, &p)))
        return 0;
    return year_tail(s, p, d, m, year);
}

/* A written date with the month first at s[i]: "March 12, 1985", "March 12th 1985".
 * Returns the end, 0 if none. */
static size_t month_day_date(const char *s, size_t i, int *year)
{
    int d, m;
    size_t p, n, k;
    if (!(m = month_at(s, i, &p)))
        return 0;
    k = spaces(s, p);
    if (k == 0 || k > 2)
        return 0;
    p += k;
    if (!(n = digits_at(s, p, 2, &d)))
        return 0;
    p += n;
    p += ordinal_at(s, p);
    return year_tail(s, p, d, m, year);
}

/* Whether one of the words before a date (up to BIRTH_WORDS of them, not across the end
 * of a sentence) says it is a date of birth: geboren, geb., Geburtsdatum, Geburtstag,
 * born, date of birth, birthday, DOB. The word just before a '.' still counts ("geb.
 * 12.03.1985"), nothing before it. */
static int birth_keyword_before(const char *s, size_t i)
{
    size_t j = i;
    for (int words = 0; words < BIRTH_WORDS; words++) {
        size_t gap = 0;
        int stop = 0;
        while (j > 0 && !is_alnum(s[j - 1]) && (unsigned char)s[j - 1] < 0x80) {
            char c = s[j - 1];
            if (c == '!' || c == '?' || c == '\n' || ++gap > 6)
                return 0;
            if (c == '.')
                stop = 1;
            j--;
        }
        size_t we = j;
        while (j > 0 && (is_alnum(s[j - 1]) || (unsigned char)s[j - 1] >= 0x80) && we - j < 40)
            j--;
        if (j == we)
            return 0;
        const char *w = s + j;
        size_t n = we - j;
        if (same_word(w, n, "geb") || starts_with(w, n, "gebor") || starts_with(w, n, "geburt") ||
            same_word(w, n, "born") || starts_with(w, n, "birth") || same_word(w, n, "dob"))
            return 1;
        if (stop)
            return 0;
    }
    return 0;
}

/* A full date at s[i], numeric or written. *redact says whether it is a date of birth:
 * its year lies before this_year (in the past and not an appointment), or a birth
 * keyword stands shortly before it. A date that is not is still claimed. Returns the
 * end, 0 if there is no date. */
static size_t scan_date(const char *s, size_t i, int this_year, int *redact)
{
    int year = 0;
    size_t e = 0;
    if (number_start_ok(s, i) && is_digit(s[i])) {
        e = numeric_date(s, i, this_year, &year);
        if (!e)
            e = day_month_date(s, i, &year);
    } else if (is_alpha(s[i]) && !word_before(s, i)) {
        e = month_day_date(s, i, &year);
    }
    if (!e)
        return 0;
    *redact = year < this_year || birth_keyword_before(s, i);
    return e;
}

/* ---- telephone numbers ----------------------------------------------------------- */

/* A telephone number at s[i]: it starts with '+', "00", '0' or "(0"; then digit groups
 * joined by up to two spaces and one of '/', '-', or by a lone '.' between groups of
 * three or more digits, with parentheses around one group ("+49 (0)30 12345-67",
 * "+1 (555) 123-4567", "(030) 123 45 67"); 7 to 15 digits in all. After ten digits a group starting with '0' begins the next
 * number ("030 1234567 0171 2345678" are two). Not a phone number: a bracketed aside
 * "(0171 2345678)" (the brackets stay outside), something shaped like a date
 * ("01.03.27", even an impossible one), a number glued to letters or continued as an
 * amount or time ("0,50", "09:30"). Returns the end, 0 if none. */
static size_t scan_phone(const char *s, size_t i)
{
    size_t p = i, end = 0, glen[3] = { 0, 0, 0 };
    unsigned digits = 0, groups = 0;
    int open = 0, used_paren = 0, lead_paren = 0, after_close = 0;
    char gsep[2] = { 0, 0 };
    if (!number_start_ok(s, i))
        return 0;
    if (s[p] == '+') {
        if (!is_digit(s[++p]))
            return 0;
    } else if (s[p] == '(') {
        if (s[++p] != '0')
            return 0;
        open = used_paren = lead_paren = 1;
    } else if (s[p] != '0') {
        return 0;
    }
    for (;;) {
        size_t g = p;
        while (is_digit(s[p]))
            p++;
        if (digits + (p - g) > MAX_PHONE_DIGITS) {
            p = g;
            break;
        }
        digits += (unsigned)(p - g);
        if (groups < 3)
            glen[groups] = p - g;
        groups++;
        if (after_close)
            lead_paren = 0;         /* a group followed the ')': not an aside */
        end = p;
        int closed = 0;
        if (open && s[p] == ')') {
            open = 0;
            closed = after_close = 1;
            end = ++p;
        }
        /* the separator to the next group */
        size_t q = p, k = spaces(s, q);
        char punct = 0;
        int opens = 0;
        if (k > 2)
            break;
        q += k;
        if (s[q] == '/' || s[q] == '-') {
            punct = s[q++];
            k = spaces(s, q);
            if (k > 2)
                break;
            q += k;
        } else if (s[q] == '.' && q == p) {
            /* a '.' only right between groups of three digits or more ("030.1234567"):
             * "09.30 0171 2345678" starts with a time, not a phone number */
            size_t nd = 0;
            while (is_digit(s[q + 1 + nd]))
                nd++;
            if (p - g < 3 || nd < 3)
                break;
            punct = s[q++];
        }
        if (s[q] == '(' && !used_paren) {
            opens = 1;
            q++;
        }
        if (!is_digit(s[q]) || (q == p && !closed))
            break;
        if (digits >= 10 && s[q] == '0' && !punct && !opens)
            break;
        if (groups <= 2)
            gsep[groups - 1] = punct ? punct : ' ';
        if (opens)
            open = used_paren = 1;
        p = q;
    }
    if (open || lead_paren || digits < 7 || !number_end_ok(s, end))
        return 0;
    /* shaped like a date: d.m.y with the same separator twice, valid or not */
    if (groups == 3 && gsep[0] == gsep[1] && gsep[0] != ' ' && glen[0] <= 2 && glen[1] <= 2 &&
        (glen[2] == 2 || glen[2] == 4))
        return 0;
    return end;
}

/* ---- the text -------------------------------------------------------------------- */

typedef struct out {
    char *buf;
    size_t len, cap;
    int failed;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

unsigned cw_redact_kind(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "phone") == 0)
        return CW_REDACT_PHONE;
    if (strcmp(name, "email") == 0)
        return CW_REDACT_EMAIL;
    if (strcmp(name, "iban") == 0)
        return CW_REDACT_IBAN;
    if (strcmp(name, "birthdate") == 0)
        return CW_REDACT_BIRTHDATE;
    return 0;
}

char *cw_redact(const char *text, unsigned kinds, int this_year, cw_redact_counts *counts)
{
    out o;
    size_t len, i = 0;
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!text)
        text = "";
    len = strlen(text);
    o.cap = len + 32;
    o.len = 0;
    o.failed = 0;
    o.buf = malloc(o.cap);
    if (!o.buf)
        return NULL;
    o.buf[0] = 0;
    if (!(kinds & CW_REDACT_ALL)) {
        put(&o, text, len);
        return o.buf;
    }
    while (text[i]) {
        size_t end;
        int redact = 1;
        unsigned kind;
        const char *ph;
        unsigned *count;
        if ((end = scan_email(text, i))) {
            kind = CW_REDACT_EMAIL, ph = "[EMAIL]", count = counts ? &counts->email : NULL;
        } else if ((end = scan_iban(text, i, &redact))) {
            kind = CW_REDACT_IBAN, ph = "[IBAN]", count = counts ? &counts->iban : NULL;
        } else if ((end = scan_date(text, i, this_year, &redact))) {
            kind = CW_REDACT_BIRTHDATE, ph = "[BIRTHDATE]";
            count = counts ? &counts->birthdate : NULL;
        } else if ((end = scan_phone(text, i))) {
            kind = CW_REDACT_PHONE, ph = "[PHONE]", count = counts ? &counts->phone : NULL;
        } else {
            unsigned cp;
            size_t n = utf8_char(text + i, &cp);
            put(&o, text + i, n);
            i += n;
            continue;
        }
        if (redact && (kinds & kind)) {
            put(&o, ph, strlen(ph));
            if (count)
                (*count)++;
        } else {
            put(&o, text + i, end - i);
        }
        i = end;
    }
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
