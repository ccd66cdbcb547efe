/* test_dtmf.c  RFC 4733 telephone-events and SIP INFO bodies. */
#include <string.h>

#include "callwarden/dtmf.h"
#include "check.h"

static cw_dtmf_rx rx;
static char heard[64];
static unsigned last_ms;

/* Feed one event packet at rate; append what was reported to heard. Returns the count. */
static int feed_at(uint32_t rate, uint8_t event, int end, uint16_t duration, uint32_t ts)
{
    uint8_t pl[4] = { event, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(duration >> 8),
                      (uint8_t)duration };
    cw_rtp_packet p = { 0, 101, 0, ts, 1, pl, 4 };
    cw_dtmf_digit d[2];
    int n = cw_dtmf_rfc4733_input(&rx, &p, rate, d);
    for (int i = 0; i < n; i++) {
        size_t k = strlen(heard);
        heard[k] = d[i].digit;
        heard[k + 1] = 0;
        last_ms = d[i].duration_ms;
    }
    return n;
}

static int feed(uint8_t event, int end, uint16_t duration, uint32_t ts)
{
    return feed_at(8000, event, end, duration, ts);
}

static void reset(void)
{
    memset(&rx, 0, sizeof rx);
    heard[0] = 0;
}

/* Parse an INFO body given as a C string. */
static int info(const char *ctype, const char *body, cw_dtmf_digit *k)
{
    return cw_dtmf_info_parse(ctype, body, strlen(body), k);
}

int main(void)
{
    /* a normal event: start, continuations, three end packets -> one digit */
    reset();
    CHECK_EQ_INT(feed(1, 0, 160, 1000), 0);
    CHECK_EQ_INT(rx.began, 1);                /* the key went down with this packet */
    CHECK_EQ_INT(rx.event, 1);
    CHECK_EQ_INT(feed(1, 0, 320, 1000), 0);
    CHECK_EQ_INT(rx.began, 0);                /* ... and not again */
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 1);
    CHECK_EQ_INT(rx.began, 0);
    CHECK_EQ_INT(last_ms, 100);
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 0);
    CHECK_EQ_INT(feed(1, 1, 800, 1000), 0);
    CHECK_STR(heard, "1");
    /* a late continuation of the reported event changes nothing */
    CHECK_EQ_INT(feed(1, 0, 480, 1000), 0);
    CHECK_STR(heard, "1");

    /* the duration is reported in ms, at the clock rate given */
    uint8_t pl[4] = { 11, 0x8A, 0x03, 0x20 };   /* '#', end, 800 units */
    cw_rtp_packet p = { 0, 101, 0, 5000, 1, pl, 4 };
    cw_dtmf_digit d[2];
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), 1);
    CHECK_EQ_INT(d[0].digit, '#');
    CHECK_EQ_INT(d[0].duration_ms, 100);
    reset();
    CHECK_EQ_INT(feed_at(16000, 3, 1, 1600, 100), 1);
    CHECK_EQ_INT(last_ms, 100);
    CHECK_EQ_INT(feed_at(8000, 4, 1, 65535, 200), 1);   /* the longest event: no overflow */
    CHECK_EQ_INT(last_ms, 8191);

    /* the same key twice is two digits: the timestamp tells events apart */
    reset();
    feed(5, 0, 160, 9000);
    feed(5, 1, 480, 9000);
    feed(5, 1, 480, 9000);
    feed(5, 0, 160, 12000);
    feed(5, 1, 480, 12000);
    feed(5, 1, 480, 12000);
    feed(5, 1, 480, 12000);
    CHECK_STR(heard, "55");

    /* every end packet lost: the digit comes when the next event begins, with the
     * longest duration seen */
    reset();
    feed(7, 0, 160, 20000);
    feed(7, 0, 320, 20000);
    feed(7, 0, 240, 20000);                     /* reordered: duration does not shrink */
    CHECK_EQ_INT(feed(9, 0, 160, 24000), 1);
    CHECK_STR(heard, "7");
    CHECK_EQ_INT(last_ms, 40);
    CHECK_EQ_INT(feed(9, 1, 400, 24000), 1);
    CHECK_STR(heard, "79");

    /* lost end, and the next event arrives already ended: two digits from one packet,
     * the old one first */
    reset();
    feed(2, 0, 160, 40000);
    cw_dtmf_digit two[2];
    uint8_t pl2[4] = { 3, 0x80, 0x01, 0x40 };
    cw_rtp_packet p2 = { 0, 101, 0, 41000, 1, pl2, 4 };
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p2, 8000, two), 2);
    CHECK_EQ_INT(two[0].digit, '2');
    CHECK_EQ_INT(two[0].duration_ms, 20);
    CHECK_EQ_INT(two[1].digit, '3');
    CHECK_EQ_INT(two[1].duration_ms, 40);
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p2, 8000, two), 0);     /* its repeats */

    /* an event that starts with its end bit (a very short key), then its repeats */
    reset();
    CHECK_EQ_INT(feed(0, 1, 400, 30000), 1);
    CHECK_EQ_INT(feed(0, 1, 400, 30000), 0);
    CHECK_STR(heard, "0");

    /* the timestamp wraps: still a new event */
    reset();
    feed(8, 1, 400, 0xFFFFFF00u);
    feed(8, 1, 400, 0x00000100u);
    CHECK_STR(heard, "88");

    /* a repeat of an earlier event that arrives after the next event began is a
     * straggler, not a third key: reported or not, the earlier key counts once */
    reset();
    feed(1, 1, 800, 100000);
    feed(2, 0, 160, 102000);
    CHECK_EQ_INT(feed(1, 1, 800, 100000), 0);
    CHECK_EQ_INT(feed(2, 1, 480, 102000), 1);
    CHECK_STR(heard, "12");
    reset();
    feed(3, 0, 160, 200000);
    CHECK_EQ_INT(feed(4, 0, 160, 201000), 1);   /* 3's ends lost: reported here */
    CHECK_EQ_INT(feed(3, 1, 480, 200000), 0);   /* ... and its late end is no new key */
    CHECK_EQ_INT(feed(3, 0, 320, 200000), 0);
    CHECK_EQ_INT(feed(4, 1, 480, 201000), 1);
    CHECK_STR(heard, "34");
    /* stragglers across the timestamp wrap, too */
    reset();
    feed(5, 1, 400, 0xFFFFFF00u);
    feed(6, 1, 400, 0x00000100u);
    CHECK_EQ_INT(feed(5, 1, 400, 0xFFFFFF00u), 0);
    CHECK_STR(heard, "56");
    /* a jump far back (more than 2 s at the rate) is a sender that restarted its
     * timeline: a new key, not a straggler */
    reset();
    feed(7, 1, 400, 500000);
    CHECK_EQ_INT(feed(8, 1, 400, 500000 - 16001), 1);
    CHECK_EQ_INT(feed_at(48000, 9, 1, 400, 500000 - 16001 - 96000), 0);   /* 2 s at 48k */
    CHECK_EQ_INT(feed_at(48000, 9, 1, 400, 500000 - 16001 - 96001), 1);
    CHECK_STR(heard, "789");

    /* a key held past 65535 units comes in segments (RFC 4733 2.5.1.5), each 0xFFFF
     * after the last: one key, with the longest duration the field holds */
    reset();
    feed(9, 0, 160, 300000);
    feed(9, 0, 0xFFFF, 300000);
    CHECK_EQ_INT(feed(9, 0, 160, 300000 + 0xFFFF), 0);
    CHECK_EQ_INT(feed(9, 0, 0xFFFF, 300000), 0);                  /* a late one */
    CHECK_EQ_INT(feed(9, 0, 320, 300000 + 0xFFFF), 0);
    CHECK_EQ_INT(feed(9, 1, 800, 300000 + 0xFFFF), 1);
    CHECK_EQ_INT(last_ms, 8191);
    CHECK_EQ_INT(feed(9, 1, 800, 300000 + 0xFFFF), 0);
    CHECK_STR(heard, "9");
    /* but a different key at that distance, or the same key further on, is a new key */
    reset();
    feed(1, 0, 0xFFFF, 400000);
    CHECK_EQ_INT(feed(2, 0, 160, 400000 + 0xFFFF), 1);
    feed(2, 0, 160, 400000 + 0xFFFF + 0x10000);
    CHECK_STR(heard, "12");

    /* every key code maps */
    reset();
    for (int e = 0; e <= 15; e++)
        feed((uint8_t)e, 1, 160, (uint32_t)(50000 + e * 1000));
    CHECK_STR(heard, "0123456789*#ABCD");

    /* events above 15 (flash, tones) are not keys and leave a pending key pending;
     * a short payload is malformed */
    reset();
    feed(6, 0, 160, 60000);
    CHECK_EQ_INT(feed(16, 1, 400, 61000), 0);
    CHECK_EQ_INT(feed(200, 1, 400, 62000), 0);
    CHECK_EQ_INT(feed(6, 1, 480, 60000), 1);
    CHECK_STR(heard, "6");
    p.payload_len = 3;
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), -1);
    p.payload_len = 0;
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), -1);
    p.payload_len = 8;                          /* longer is fine: the rest is ignored */
    uint8_t pl8[8] = { 4, 0x80, 0, 160, 0xFF, 0xFF, 0xFF, 0xFF };
    p.payload = pl8;
    p.ts = 70000;
    CHECK_EQ_INT(cw_dtmf_rfc4733_input(&rx, &p, 8000, d), 1);
    CHECK_EQ_INT(d[0].digit, '4');

    CHECK_EQ_INT(cw_dtmf_event_char(0), '0');
    CHECK_EQ_INT(cw_dtmf_event_char(9), '9');
    CHECK_EQ_INT(cw_dtmf_event_char(10), '*');
    CHECK_EQ_INT(cw_dtmf_event_char(11), '#');
    CHECK_EQ_INT(cw_dtmf_event_char(12), 'A');
    CHECK_EQ_INT(cw_dtmf_event_char(15), 'D');
    CHECK_EQ_INT(cw_dtmf_event_char(16), 0);
    CHECK_EQ_INT(cw_dtmf_event_char(255), 0);

    /* SIP INFO bodies */
    cw_dtmf_digit k;
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, '1');
    CHECK_EQ_INT(k.duration_ms, 160);
    CHECK_EQ_INT(info("Application/DTMF-Relay; x=y", "signal = #\nduration= 250\n", &k), 0);
    CHECK_EQ_INT(k.digit, '#');
    CHECK_EQ_INT(k.duration_ms, 250);
    CHECK_EQ_INT(info("application/dtmf-relay ;charset=utf-8", "SIGNAL\t=\t*\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, '*');
    CHECK_EQ_INT(k.duration_ms, 0);            /* no Duration: 0 */
    CHECK_EQ_INT(info("application/dtmf-relay", "Duration=100\r\nSignal=9\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, '9');
    CHECK_EQ_INT(k.duration_ms, 100);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=10", &k), 0);
    CHECK_EQ_INT(k.digit, '*');
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=11", &k), 0);
    CHECK_EQ_INT(k.digit, '#');
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=d", &k), 0);
    CHECK_EQ_INT(k.digit, 'D');
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=A\r\nDuration=abc\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, 'A');
    CHECK_EQ_INT(k.duration_ms, 0);            /* a duration we cannot read is unknown */
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=0\r\nFoo=bar\r\njunk\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, '0');
    CHECK_EQ_INT(info("application/dtmf", "7", &k), 0);
    CHECK_EQ_INT(k.digit, '7');
    CHECK_EQ_INT(k.duration_ms, 0);
    CHECK_EQ_INT(info("APPLICATION/DTMF;foo=1", "#\r\n", &k), 0);
    CHECK_EQ_INT(k.digit, '#');

    /* what is not a key; out is untouched then */
    k.digit = 'x';
    CHECK_EQ_INT(info("application/dtmf-relay", "Duration=160", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=12", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=E", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signal=1 2", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relay", "Signals=1", &k), -1);
    CHECK_EQ_INT(info("application/dtmf", "12", &k), -1);
    CHECK_EQ_INT(info("application/dtmf", "", &k), -1);
    CHECK_EQ_INT(info("text/plain", "Signal=1", &k), -1);
    CHECK_EQ_INT(info("application/dtmf-relayx", "Signal=1", &k), -1);
    CHECK_EQ_INT(info("application/dtmfx", "1", &k), -1);
    CHECK_EQ_INT(info("", "Signal=1", &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse(NULL, "1", 1, &k), -1);
    CHECK_EQ_INT(k.digit, 'x');
    /* the body is not NUL-terminated: only len bytes count */
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=1", 7, &k), -1);
    CHECK_EQ_INT(cw_dtmf_info_parse("application/dtmf-relay", "Signal=12", 8, &k), 0);
    CHECK_EQ_INT(k.digit, '1');

    return check_summary("dtmf");
}
