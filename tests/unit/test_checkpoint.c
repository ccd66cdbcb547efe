/* test_checkpoint.c  Signed tree heads (G4): a checkpoint signed with one key verifies
 * with its public key alone and gives back origin, size and root; any change to the
 * note (a byte of the text, of the signature, a line added or removed), another key,
 * another key name, or a malformed note is refused with a reason. */
#include <stdio.h>
#include <string.h>

#include "callwarden/checkpoint.h"
#include "check.h"

static char why[160];

static int verify(const char *note, const char *name, const uint8_t pub[65])
{
    char origin[CW_CHECKPOINT_NAME_MAX];
    uint64_t size = 0;
    uint8_t root[32];
    return cw_checkpoint_verify(note, name, pub, origin, sizeof origin, &size, root, why,
                                sizeof why);
}

int main(void)
{
    cw_p256_key *k = cw_p256_generate(), *other = cw_p256_generate();
    CHECK(k && other);
    uint8_t pub[65], opub[65], root[32];
    cw_p256_public(k, pub);
    cw_p256_public(other, opub);
    for (int i = 0; i < 32; i++)
        root[i] = (uint8_t)(i * 7);
    const char *name = "callwarden.example/acme/ledger-k1";
    char note[CW_CHECKPOINT_MAX];
    int n = cw_checkpoint_sign(k, name, "callwarden.example/acme/ledger", 1042, root, note,
                               sizeof note);
    CHECK(n > 0);
    CHECK(strncmp(note, "callwarden.example/acme/ledger\n1042\n", 36) == 0);
    CHECK(strstr(note, "\n\n\xe2\x80\x94 callwarden.example/acme/ledger-k1 ") != NULL);

    /* it verifies, and says what it signed */
    char origin[CW_CHECKPOINT_NAME_MAX];
    uint64_t size = 0;
    uint8_t got[32];
    CHECK_EQ_INT(cw_checkpoint_verify(note, name, pub, origin, sizeof origin, &size, got, why,
                                      sizeof why), 1);
    CHECK_STR(origin, "callwarden.example/acme/ledger");
    CHECK_EQ_INT(size, 1042);
    CHECK(memcmp(got, root, 32) == 0);

    /* deterministic: the same head signs to the same note */
    char again[CW_CHECKPOINT_MAX];
    CHECK_EQ_INT(cw_checkpoint_sign(k, name, "callwarden.example/acme/ledger", 1042, root,
                                    again, sizeof again), n);
    CHECK_STR(again, note);

    /* every single changed byte is refused, also in the spare bits of a base64 digit
     * (random keys: run many signatures so that such a digit comes up) */
    int refused = 0;
    for (int i = 0; i < n; i++) {
        char t[CW_CHECKPOINT_MAX];
        memcpy(t, note, (size_t)n + 1);
        t[i] = t[i] == 'A' ? 'B' : (t[i] == '\n' ? 'x' : 'A');
        if (t[i] == note[i])
            t[i] = 'C';
        refused += verify(t, name, pub) == 0;
    }
    CHECK_EQ_INT(refused, n);
    int total = 0, all_refused = 0;
    for (int round = 0; round < 40; round++) {
        cw_p256_key *r = cw_p256_generate();
        uint8_t rp[65];
        cw_p256_public(r, rp);
        char nt[CW_CHECKPOINT_MAX];
        int m = cw_checkpoint_sign(r, name, "o.example/log", (uint64_t)round, root, nt,
                                   sizeof nt);
        const char *sigline = strstr(nt, "\n\n");
        for (int i = (int)(sigline - nt); i < m; i++) {
            char t2[CW_CHECKPOINT_MAX];
            memcpy(t2, nt, (size_t)m + 1);
            if (t2[i] == '\n' || t2[i] == '=')
                continue;
            t2[i] = (char)(t2[i] == 'A' ? 'B' : t2[i] == 'B' ? 'C' : t2[i] + 1);
            if (t2[i] == '\n' || t2[i] == 0)
                continue;
            total++;
            all_refused += verify(t2, name, rp) == 0;
        }
        cw_p256_free(r);
    }
    CHECK(total > 1000);
    CHECK_EQ_INT(all_refused, total);

    /* another key, another name, no signature, an extra line, a malformed size */
    CHECK_EQ_INT(verify(note, name, opub), 0);
    CHECK(strstr(why, "no signature of the trusted key") != NULL);
    CHECK_EQ_INT(verify(note, "callwarden.example/acme/ledger-k2", pub), 0);
    char t[CW_CHECKPOINT_MAX * 2];
    snprintf(t, sizeof t, "callwarden.example/acme/ledger\n1042\n%s", strchr(note + 36, '\n') + 1);
    CHECK_EQ_INT(verify(t, name, pub), 0);      /* the root line dropped */
    const char *sig = strstr(note, "\n\n");
    snprintf(t, sizeof t, "callwarden.example/acme/ledger\n01042\n%s", note + 36);
    CHECK_EQ_INT(verify(t, name, pub), 0);      /* a leading zero */
    CHECK(strstr(why, "size") != NULL);
    snprintf(t, sizeof t, "%.*s\nextra line%s", (int)(sig - note), note, sig);
    CHECK_EQ_INT(verify(t, name, pub), 0);
    snprintf(t, sizeof t, "%.*s\n", (int)(sig - note) + 1, note);
    CHECK_EQ_INT(verify(t, name, pub), 0);
    CHECK_EQ_INT(verify("", name, pub), 0);
    CHECK_EQ_INT(verify("a\tb\n1\nAA==\n\n", name, pub), 0);
    CHECK(strstr(why, "control character") != NULL);

    /* a second signature of an unknown key is ignored, ours still counts */
    snprintf(t, sizeof t, "%s\xe2\x80\x94 witness.example/w1 AAAAAAAA\n", note);
    CHECK_EQ_INT(verify(t, name, pub), 1);

    /* names with spaces or newlines cannot be signed */
    CHECK_EQ_INT(cw_checkpoint_sign(k, "bad name", "o", 1, root, t, sizeof t), -1);
    CHECK_EQ_INT(cw_checkpoint_sign(k, name, "o\nrigin", 1, root, t, sizeof t), -1);
    CHECK_EQ_INT(cw_checkpoint_sign(k, name, "o", 1, root, t, 20), -1);

    /* the key ID: SHA-256 of the SPKI, first 4 bytes; different keys differ */
    CHECK(cw_checkpoint_key_id(pub) != cw_checkpoint_key_id(opub));
    cw_p256_free(k);
    cw_p256_free(other);
    return check_summary("checkpoint");
}
