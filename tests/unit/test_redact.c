/* test_redact.c  PII redaction before text goes to a language model (runtime/egress/redact.c):
 * German and English transcripts with telephone numbers, e-mail addresses (written and
 * spoken), IBANs and dates of birth, each checked for the exact output; near misses that
 * must come back unchanged (times, amounts, postcodes, appointments, "at home", order
 * numbers); the counts, the kinds mask, the kind names, the empty text; and a bounded
 * fuzz loop (fixed seed) that only checks that every output is a sane string. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/redact.h"
#include "check.h"

#define YEAR 2026

typedef struct example {
    unsigned kinds;
    const char *in, *want;
} example;

/* Found and replaced, with exactly this result. */
static const example positives[] = {
    /* telephone numbers */
    { CW_REDACT_ALL, "Meine Nummer ist 030 1234567.", "Meine Nummer ist [PHONE]." },
    { CW_REDACT_ALL, "Erreichbar unter +49 30 1234567", "Erreichbar unter [PHONE]" },
    { CW_REDACT_ALL, "Tel. +49 (0)30 12345-67, danke", "Tel. [PHONE], danke" },
    { CW_REDACT_ALL, "0049 171 2345678 ist meine Handynummer", "[PHONE] ist meine Handynummer" },
    { CW_REDACT_ALL, "Call me on +44 20 7946 0958.", "Call me on [PHONE]." },
    { CW_REDACT_ALL, "My number is +1 (555) 123-4567", "My number is [PHONE]" },
    { CW_REDACT_ALL, "Festnetz 030/1234567", "Festnetz [PHONE]" },
    { CW_REDACT_ALL, "Mobil: 0171-2345678.", "Mobil: [PHONE]." },
    { CW_REDACT_ALL, "Rufen Sie (030) 123 45 67 an", "Rufen Sie [PHONE] an" },
    { CW_REDACT_ALL, "die 0171 23 45 678 bitte", "die [PHONE] bitte" },
    { CW_REDACT_ALL, "Nummern: 030 1234567 0171 2345678", "Nummern: [PHONE] [PHONE]" },
    { CW_REDACT_ALL, "Ich bin unter 0 1 7 1 2 3 4 5 6 7 8 erreichbar",
      "Ich bin unter [PHONE] erreichbar" },
    { CW_REDACT_ALL, "Rückruf an 030 1234567 für Müller", "Rückruf an [PHONE] für Müller" },
    { CW_REDACT_ALL, "Privat (0171 2345678) oder Büro", "Privat ([PHONE]) oder Büro" },
    { CW_REDACT_ALL, "Nummer:0301234567", "Nummer:[PHONE]" },
    { CW_REDACT_ALL, "0171 - 234 56 78", "[PHONE]" },
    { CW_REDACT_ALL, "Ab 09.30 unter 0171 2345678", "Ab 09.30 unter [PHONE]" },
    { CW_REDACT_ALL, "Büro 030 1234567. 0171 2345678 ist privat",
      "Büro [PHONE]. [PHONE] ist privat" },
    /* e-mail addresses */
    { CW_REDACT_ALL, "Schreiben Sie an max.mustermann@beispiel.de.",
      "Schreiben Sie an [EMAIL]." },
    { CW_REDACT_ALL, "info@müller-bau.de", "[EMAIL]" },
    { CW_REDACT_ALL, "meine Adresse ist max punkt mustermann at beispiel punkt de",
      "meine Adresse ist [EMAIL]" },
    { CW_REDACT_ALL, "max.mustermann at beispiel.de, bitte", "[EMAIL], bitte" },
    { CW_REDACT_ALL, "It's anna dot smith at example dot com.", "It's [EMAIL]." },
    { CW_REDACT_ALL, "max ät beispiel punkt de", "[EMAIL]" },
    { CW_REDACT_ALL, "E-Mail: Anna_Schmidt+rechnung@firma.co.uk", "E-Mail: [EMAIL]" },
    { CW_REDACT_ALL, "Max Punkt Mustermann at Beispiel Punkt De", "[EMAIL]" },
    { CW_REDACT_ALL, "contact me at anna dot smith at example dot com",
      "contact me at [EMAIL]" },
    { CW_REDACT_ALL, "jörg@straße.de ok", "[EMAIL] ok" },
    { CW_REDACT_ALL, "Mail an max @ beispiel.de", "Mail an [EMAIL]" },
    { CW_REDACT_ALL, "„kunde2@shop.example.org“", "„[EMAIL]“" },
    { CW_REDACT_ALL, "Adresse: jürgen unterstrich weiß at gmx punkt net.", "Adresse: [EMAIL]." },
    /* IBANs */
    { CW_REDACT_ALL, "IBAN DE89 3704 0044 0532 0130 00.", "IBAN [IBAN]." },
    { CW_REDACT_ALL, "DE89370400440532013000", "[IBAN]" },
    { CW_REDACT_ALL, "GB82 WEST 1234 5698 7654 32 ist das Konto", "[IBAN] ist das Konto" },
    { CW_REDACT_ALL, "meine iban ist de89 3704 0044 0532 0130 00", "meine iban ist [IBAN]" },
    /* the check fails, but a German IBAN is redacted anyway (misheard digit) */
    { CW_REDACT_ALL, "Konto DE89 3704 0044 0532 0130 01 bitte", "Konto [IBAN] bitte" },
    { CW_REDACT_ALL, "AT61 1904 3002 3457 3201", "[IBAN]" },
    { CW_REDACT_ALL, "CH93 0076 2011 6238 5295 7, Zürich", "[IBAN], Zürich" },
    { CW_REDACT_ALL, "DE 89 3704 0044 0532 0130 00", "[IBAN]" },
    { CW_REDACT_ALL, "BE68539007547034 und so", "[IBAN] und so" },
    { CW_REDACT_ALL, "FR14 2004 1010 0505 0001 3M02 606.", "[IBAN]." },
    /* dates of birth (this year is 2026) */
    { CW_REDACT_ALL, "Ich bin am 12.03.1985 geboren.", "Ich bin am [BIRTHDATE] geboren." },
    { CW_REDACT_ALL, "geb. 12.3.85", "geb. [BIRTHDATE]" },
    { CW_REDACT_ALL, "Geburtsdatum: 12/03/1985", "Geburtsdatum: [BIRTHDATE]" },
    { CW_REDACT_ALL, "born 1985-03-12", "born [BIRTHDATE]" },
    { CW_REDACT_ALL, "am 12. März 1985", "am [BIRTHDATE]" },
    { CW_REDACT_ALL, "12 Maerz 1985", "[BIRTHDATE]" },
    { CW_REDACT_ALL, "geboren am 3. Januar 1990 in Köln", "geboren am [BIRTHDATE] in Köln" },
    { CW_REDACT_ALL, "I was born on March 12, 1985.", "I was born on [BIRTHDATE]." },
    { CW_REDACT_ALL, "12 March 1985", "[BIRTHDATE]" },
    { CW_REDACT_ALL, "on the 12th of March 1985", "on the [BIRTHDATE]" },
    { CW_REDACT_ALL, "Geburtstag ist der 12.03.2027", "Geburtstag ist der [BIRTHDATE]" },
    { CW_REDACT_ALL, "date of birth is 01.02.2026", "date of birth is [BIRTHDATE]" },
    { CW_REDACT_ALL, "DOB 03/12/1985", "DOB [BIRTHDATE]" },
    { CW_REDACT_ALL, "12/31/1985", "[BIRTHDATE]" },
    { CW_REDACT_ALL, "Sie ist am 29.02.2000 geboren", "Sie ist am [BIRTHDATE] geboren" },
    { CW_REDACT_ALL, "Geburtsdatum 12.03.26", "Geburtsdatum [BIRTHDATE]" },
    { CW_REDACT_ALL, "Mein Sohn, geb. 1. Mai 2026, schläft", "Mein Sohn, geb. [BIRTHDATE], schläft" },
    { CW_REDACT_ALL, "birthday: May 5th, 1990", "birthday: [BIRTHDATE]" },
    { CW_REDACT_ALL, "Am 01.03.1985 war das", "Am [BIRTHDATE] war das" },
    /* everything at once */
    { CW_REDACT_ALL,
      "Max Müller, geb. 12.03.1985, Tel. 0171 2345678, max@beispiel.de, IBAN DE89 3704 "
      "0044 0532 0130 00.",
      "Max Müller, geb. [BIRTHDATE], Tel. [PHONE], [EMAIL], IBAN [IBAN]." },
    /* the kinds mask: only what was asked for is replaced */
    { CW_REDACT_EMAIL, "Tel 030 1234567, max@beispiel.de", "Tel 030 1234567, [EMAIL]" },
    { CW_REDACT_PHONE, "Tel 030 1234567, max@beispiel.de", "Tel [PHONE], max@beispiel.de" },
    { CW_REDACT_IBAN | CW_REDACT_BIRTHDATE, "DE89370400440532013000 030 1234567 12.03.1985",
      "[IBAN] 030 1234567 [BIRTHDATE]" },
};

typedef struct near_miss {
    unsigned kinds;
    const char *in;
} near_miss;

/* Not personal data (or not of a kind asked for): the text comes back unchanged. */
static const near_miss near_misses[] = {
    { CW_REDACT_ALL, "Wir treffen uns um 14:30." },
    { CW_REDACT_ALL, "Kommen Sie um 9.30 Uhr." },
    { CW_REDACT_ALL, "Das kostet 1.250 Euro." },
    { CW_REDACT_ALL, "Offen sind noch € 1.250,00 bitte." },
    { CW_REDACT_ALL, "Das macht 2,50 Euro." },
    { CW_REDACT_ALL, "12345 Musterstadt" },
    { CW_REDACT_ALL, "Musterstraße 12, 12345 Musterstadt" },
    { CW_REDACT_ALL, "01067 Dresden, Hauptstraße 5" },
    { CW_REDACT_ALL, "Ich bin 1985 umgezogen." },
    { CW_REDACT_ALL, "12 Stück bitte" },
    { CW_REDACT_ALL, "Termin am 12.03.2027" },
    { CW_REDACT_ALL, "Termin am 01.03.2027 um 10:00" },
    { CW_REDACT_ALL, "Der Termin ist am 12. März 2027." },
    { CW_REDACT_ALL, "next Tuesday, 5 May 2026" },
    { CW_REDACT_ALL, "Treffpunkt am 12.03. vor dem Haus" },
    { CW_REDACT_ALL, "Das war im März 1985." },
    { CW_REDACT_ALL, "Mein Geburtstag ist im März." },
    { CW_REDACT_ALL, "Am 5. Mai 12 Uhr" },
    { CW_REDACT_ALL, "I will be at home" },
    { CW_REDACT_ALL, "See you at 5 pm" },
    { CW_REDACT_ALL, "Please look at it." },
    { CW_REDACT_ALL, "at 10.30 o'clock" },
    { CW_REDACT_ALL, "We met at the office dot com party." },
    { CW_REDACT_ALL, "I looked at example.com yesterday" },
    { CW_REDACT_ALL, "I'm at example.com now" },
    { CW_REDACT_ALL, "Auftrag 4711 0815" },
    { CW_REDACT_ALL, "Bestellung Nr. 123456789" },
    { CW_REDACT_ALL, "Kundennummer 4711-0815-12" },
    { CW_REDACT_ALL, "Zimmer 0815" },
    { CW_REDACT_ALL, "Hausnummer 17a" },
    { CW_REDACT_ALL, "Preis: 0,99 Euro" },
    { CW_REDACT_ALL, "DE 12345 Berlin" },
    { CW_REDACT_ALL, "DE-12345 Berlin" },
    { CW_REDACT_ALL, "32.13.1985" },
    { CW_REDACT_ALL, "31.02.1990" },
    { CW_REDACT_ALL, "02.13.1985" },
    { CW_REDACT_ALL, "Version 1.2.3 von 2024" },
    { CW_REDACT_ALL, "Zeitraum 2020-2025" },
    { CW_REDACT_ALL, "Telefonzeit 08:00 bis 12:00" },
    { CW_REDACT_ALL, "Wir haben 3 Kinder und 2 Hunde" },
    { CW_REDACT_ALL, "(siehe Seite 12)" },
    { CW_REDACT_ALL, "XY12 3456 7890 1234" },
    { CW_REDACT_ALL, "GB82 WEST 1234 5698 7654 33" },
    { CW_REDACT_ALL, "max at home" },
    { CW_REDACT_ALL, "Schreib an max punkt" },
    { CW_REDACT_ALL, "x@y" },
    { CW_REDACT_ALL, "Ticket 1234567" },
    /* a kind not asked for, and pieces of an item of another kind */
    { CW_REDACT_PHONE, "IBAN DE89 3704 0044 0532 0130 00" },
    { CW_REDACT_PHONE, "ES91 2100 0418 4502 0005 1333" },
    { CW_REDACT_PHONE, "Termin 01.03.1985" },
    { CW_REDACT_PHONE, "max0301234567@beispiel.de" },
    { CW_REDACT_EMAIL, "Tel. 030 1234567" },
    { 0, "Tel. 030 1234567, max@beispiel.de, DE89370400440532013000, 12.03.1985" },
};

static int failures;

/* A heap copy of exactly strlen(s) + 1 bytes, so that ASan sees a read past the end. */
static char *exact_copy(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (!c)
        abort();
    memcpy(c, s, n);
    return c;
}

static void expect(unsigned kinds, const char *in, const char *want)
{
    char *copy = exact_copy(in);
    char *got = cw_redact(copy, kinds, YEAR, NULL);
    free(copy);
    check_count++;
    if (!got || strcmp(got, want) != 0) {
        check_failures++;
        failures++;
        fprintf(stderr, "FAIL kinds=%#x\n  input:    \"%s\"\n  expected: \"%s\"\n  got:      \"%s\"\n",
                kinds, in, want, got ? got : "(NULL)");
    }
    free(got);
}

static void test_counts(void)
{
    cw_redact_counts c;
    char *out = cw_redact("Tel. 030 1234567 oder +49 171 2345678, max@beispiel.de, anna dot "
                          "smith at example dot com, IBAN DE89 3704 0044 0532 0130 00, geb. "
                          "12.03.1985, Termin 12.03.2027",
                          CW_REDACT_ALL, YEAR, &c);
    CHECK(out != NULL);
    CHECK_EQ_INT(c.phone, 2);
    CHECK_EQ_INT(c.email, 2);
    CHECK_EQ_INT(c.iban, 1);
    CHECK_EQ_INT(c.birthdate, 1);
    free(out);

    /* only what was replaced counts; counts are reset on every call */
    out = cw_redact("Tel. 030 1234567, max@beispiel.de", CW_REDACT_EMAIL, YEAR, &c);
    CHECK(out != NULL);
    CHECK_EQ_INT(c.phone, 0);
    CHECK_EQ_INT(c.email, 1);
    CHECK_EQ_INT(c.iban, 0);
    CHECK_EQ_INT(c.birthdate, 0);
    free(out);

    out = cw_redact("Nichts zu sehen.", CW_REDACT_ALL, YEAR, &c);
    CHECK(out != NULL);
    CHECK_EQ_INT(c.phone + c.email + c.iban + c.birthdate, 0);
    free(out);
}

static void test_edges(void)
{
    cw_redact_counts c;
    char *out = cw_redact("", CW_REDACT_ALL, YEAR, &c);
    CHECK(out != NULL && out[0] == 0);
    free(out);
    out = cw_redact("", 0, YEAR, NULL);
    CHECK(out != NULL && out[0] == 0);
    free(out);

    /* at the very start and end, alone, and side by side */
    expect(CW_REDACT_ALL, "030 1234567", "[PHONE]");
    expect(CW_REDACT_ALL, "max@beispiel.de", "[EMAIL]");
    expect(CW_REDACT_ALL, "12.03.1985", "[BIRTHDATE]");
    expect(CW_REDACT_ALL, "Nummer 030 1234567", "Nummer [PHONE]");
    expect(CW_REDACT_ALL, "030 1234567, max@beispiel.de; 12.03.1985",
           "[PHONE], [EMAIL]; [BIRTHDATE]");
    /* umlauts glued to an item keep it from matching; beside it they stay whole */
    expect(CW_REDACT_ALL, "ä030 1234567", "ä030 1234567");
    expect(CW_REDACT_ALL, "ü 030 1234567 ö", "ü [PHONE] ö");
    expect(CW_REDACT_ALL, "Grüße: max@beispiel.de…", "Grüße: [EMAIL]…");
    /* a text that ends in the middle of an item */
    expect(CW_REDACT_ALL, "DE89 3704", "DE89 3704");
    expect(CW_REDACT_ALL, "max punkt mustermann at", "max punkt mustermann at");
    expect(CW_REDACT_ALL, "+", "+");
    expect(CW_REDACT_ALL, "(0", "(0");
    expect(CW_REDACT_ALL, "12. März", "12. März");
    /* bytes that are not UTF-8 are passed on as they are */
    expect(CW_REDACT_ALL, "\xff\xfe 030 1234567 \xc3", "\xff\xfe [PHONE] \xc3");

    CHECK_EQ_INT(cw_redact_kind("phone"), CW_REDACT_PHONE);
    CHECK_EQ_INT(cw_redact_kind("email"), CW_REDACT_EMAIL);
    CHECK_EQ_INT(cw_redact_kind("iban"), CW_REDACT_IBAN);
    CHECK_EQ_INT(cw_redact_kind("birthdate"), CW_REDACT_BIRTHDATE);
    CHECK_EQ_INT(cw_redact_kind("Phone"), 0);
    CHECK_EQ_INT(cw_redact_kind("name"), 0);
    CHECK_EQ_INT(cw_redact_kind(""), 0);
    CHECK_EQ_INT(cw_redact_kind(NULL), 0);
}

/* ---- fuzz ---------------------------------------------------------------------------- */

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Whether s is well-formed UTF-8. */
static int utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, n, v;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, v = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, v = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, v = c & 0x07;
        else
            return 0;
        for (unsigned k = 1; k < n; k++) {
            if ((s[k] & 0xC0) != 0x80)
                return 0;
            v = (v << 6) | (s[k] & 0x3F);
        }
        if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
            (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        s += n;
    }
    return 1;
}

/* Pieces that make items, or almost: random strings of these reach deep into the
 * scanners, random bytes test the rest. */
static const char *const pieces[] = {
    "0", "00", "+", "(", ")", "(0)", "1", "49", "030", "0171", "1234567", "12", "03", "1985",
    "85", " ", "  ", ".", "/", "-", ":", ",", "@", "at", " at ", "ät", " punkt ", " dot ",
    "max", "beispiel", "de", "com", "DE", "DE89", "3704", "0044", "GB", "WEST", "geb.",
    "geboren", "born", "März", "March", "12th", "of", "ü", "ß", "\xc3", "\xe2\x80",
    "\xf0\x9f\x98\x80", "\xff", "e", "\t", "\n", "2027", "31", "29.02.", "IBAN", "'",
};

static void test_fuzz(void)
{
    uint32_t x = 0x9e3779b9u;
    char in[1024];
    int bad = 0;
    for (int it = 0; it < 20000; it++) {
        size_t len = 0, want = xorshift(&x) % 201;
        int mode = it % 3;
        while (len < want) {
            if (mode == 0) {
                in[len++] = (char)(1 + xorshift(&x) % 255);         /* any byte but NUL */
            } else if (mode == 1) {
                in[len++] = (char)(32 + xorshift(&x) % 95);         /* printable ASCII */
            } else {
                const char *p = pieces[xorshift(&x) % (sizeof pieces / sizeof pieces[0])];
                size_t n = strlen(p);
                if (len + n > want)
                    break;
                memcpy(in + len, p, n);
                len += n;
            }
        }
        in[len] = 0;
        unsigned kinds = (it & 7) == 7 ? xorshift(&x) % 16 : CW_REDACT_ALL;
        cw_redact_counts c;
        char *copy = exact_copy(in);
        char *out = cw_redact(copy, kinds, 2000 + (int)(xorshift(&x) % 40), &c);
        free(copy);
        int ok = out != NULL;
        if (ok) {
            size_t n = strlen(out);
            /* a placeholder is at most 11 bytes for an item of at least 6 */
            ok = n <= 2 * len + 1;
            if (utf8_valid((const unsigned char *)in))
                ok = ok && utf8_valid((const unsigned char *)out);
            if (!kinds)
                ok = ok && strcmp(in, out) == 0;
            if (mode == 1 && kinds == CW_REDACT_ALL)
                ok = ok && c.phone + c.email + c.iban + c.birthdate <= len / 6 + 1;
        }
        if (!ok && bad++ < 5)
            fprintf(stderr, "FAIL fuzz %d: input \"%s\" got \"%s\"\n", it, in, out ? out : "(NULL)");
        free(out);
    }
    check_count++;
    if (bad) {
        check_failures++;
        failures++;
    }
}

int main(void)
{
    size_t np = sizeof positives / sizeof positives[0];
    size_t nn = sizeof near_misses / sizeof near_misses[0];
    for (size_t k = 0; k < np; k++)
        expect(positives[k].kinds, positives[k].in, positives[k].want);
    for (size_t k = 0; k < nn; k++)
        expect(near_misses[k].kinds, near_misses[k].in, near_misses[k].in);
    test_counts();
    test_edges();
    test_fuzz();
    printf("redact: %zu examples, %zu near misses, %d failed\n", np, nn, failures);
    return check_summary("redact");
}
