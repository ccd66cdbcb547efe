/* number.c  A caller's phone number in one spelling, so that "+49 30 1234-567" and
 * "+49301234567" are the same data subject. Only the separators people and SIP
 * gateways write are dropped; a letter, a '*', a second '+' or a "sip:" prefix is
 * refused, not guessed at (the call core hands over the user part it trusts). No
 * country code is inferred: "030 1234567" and "+49 30 1234567" are two subjects. */
#include "callwarden/error.h"
#include "vault_int.h"

#define MAX_DIGITS (CW_VAULT_NUMBER_LEN - 2)     /* 32, leaving room for '+' and NUL */

int vault_number_normalise(const char *in, char out[CW_VAULT_NUMBER_LEN], char *err,
                           size_t errlen)
{
    if (!in || !*in)
        return 1;
    size_t n = 0, digits = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (++digits > MAX_DIGITS)
                return cw_error(err, errlen, "phone number with more than %d digits",
                                MAX_DIGITS);
            out[n++] = c;
        } else if (c == '+' && n == 0 && digits == 0) {
            out[n++] = c;
        } else if (c != ' ' && c != '-' && c != '/' && c != '(' && c != ')') {
            return cw_error(err, errlen, "phone number with a '%c' in it: only a leading "
                            "'+', digits, spaces and - / ( ) are allowed",
                            c >= 0x20 && c < 0x7f ? c : '?');
        }
    }
    if (digits == 0)
        return cw_error(err, errlen, "phone number without digits");
    out[n] = 0;
    return 0;
}
