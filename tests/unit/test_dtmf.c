/* test_dtmf.c  RFC 4733 telephone-events and SIP INFO bodies. */
#include <string.h>

#include "callwarden/dtmf.h"
#include "check.h"

static cw_dtmf_rx rx;
static char heard[64];

/* Feed one event packet; append what was reported to heard. Returns the count. */
static int feed(uint8_t event, int end, uint16_t duration, uint32_t ts)
{
    uint8_t pl[4] = { event, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(duration >> 8),
                      (uint8_t)duration };
    cw_rtp_packet p = { 0, 101, 0, ts, 1, pl, 4 };
    cw_dtmf_digit d[2];
    int n = cw_dtmf_rfc4733_input(&rx, &p, 8000, d);
    for (int i = 0; i < n; i++) {
        size_t k = strlen(heard);
        heard[k] = d[i].digit;
        heard[k + 1] = 0;
    }
    return n;
}

int main(void)
{
    /* a normal event: start, continuations, three end packets -> one digit */
    CHECK_EQ_INT(feed(1, 0, 160, 1000), 0);
    CHECK_EQ_INT(feed(1, 0, 320, 1000), 0);
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 1);
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 0);
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 0);
    CHECK_STR(heard, "1");

    /* the duration is reported in ms */
    uint8_t pl[4] = { 11, 0x8A, 0x03, 0x20 };   /* '#', end, 800 units */
    cw_rtp_packet p = { 0, 101, 0, 5000, 1, pl, 4 };
    cw_dtmf_digit d[2];
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), 1);
    CHECK_EQ_INT(d[0].digit, '#');
    CHECK_EQ_INT(d[0].duration_ms, 100);
    heard[0] = 0;

    /* the same key twice is two digits: the timestamp tells events apart */
    feed(5, 0, 160, 9000);
    feed(5, 1, 480, 9000);
    feed(5, 0, 160, 12000);
    feed(5, 1, 480, 12000);
    feed(5, 1, 480, 12000);
    CHECK_STR(heard, "55");

    /* every end packet lost: the digit comes when the next event begins */
    heard[0] = 0;
    feed(7, 0, 160, 20000);
    feed(7, 0, 320, 20000);
    CHECK_EQ_INT(feed(9, 0, 160, 24000), 1);
    CHECK_STR(heard, "7");
    CHECK_EQ_INT(feed(9, 1, 400, 24000), 1);
    CHECK_STR(heard, "79");

    /* an event that starts with its end bit (a very short key) */
    CHECK_EQ_INT(feed(0, 1, 400, 30000), 1);
    CHECK_STR(heard, "790");

    /* events above 15 (flash, tones) are not keys; a short payload is malformed */
    CHECK_EQ_INT(feed(16, 1, 400, 31000), 0);
    CHECK_EQ_INT(feed(200, 1, 400, 32000), 0);
    p.payload_len = 3;
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), -1);

    CHECK_EQ_INT(cw_dtmf_event_char(10), '*');
    CHECK_EQ_INT(cw_dtmf_event_char(15), 'D');
    CHECK_EQ_INT(cw_dtmf_event_char(16), 0);

    /* SIP INFO bodies */
    cw_dtmf_digit k;
    const char *relay = "Signal=1\r\nDuration=160\r\n";
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", relay, strlen(relay), &k), 0);
    CHECK_EQ_INT(k.digit, '1');
    CHECK_EQ_INT(k.duration_ms, 160);
    const char *spaced = "signal = #\nduration= 250\n";
    CHECK_EQ_INT(cw_dtmf_info_parse("Application/DTMF-Relay; x=y", spaced, strlen(spaced),
                                    &k), 0);
    CHECK_EQ_INT(k.digit, '#');
    CHECK_EQ_INT(k.duration_ms, 250);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=10", 9, &k), 0);
    CHECK_EQ_INT(k.digit, '*');
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=11", 9, &k), 0);
    CHECK_EQ_INT(k.digit, '#');
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=d", 8, &k), 0);
    CHECK_EQ_INT(k.digit, 'D');
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf", "7", 1, &k), 0);
    CHECK_EQ_INT(k.digit, '7');
    /* what is not a key */
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Duration=160", 12, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=12", 9, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=E", 8, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=", 7, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf", "12", 2, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("text/plain", "Signal=1", 8, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relayx", "Signal=1", 8, &k), -1);
    /* the body is not NUL-terminated: only len bytes count */
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=1", 7, &k), -1);

    return check_summary("dtmf");
}
