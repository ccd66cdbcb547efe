/* test_sdp.c  The SDP parser, negotiation and answer/offer builder (runtime/sdp/), and the
 * corpus in tests/sdp/corpus: valid_* is answered, refuse_* parses but is refused by
 * negotiation, bad_* is refused by the parser. */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "callwarden/sdp.h"
#include "check.h"

static cw_sdp sdp;          /* ~9 KB each: kept off the stack */
static cw_sdp_choice ch;
static char err[256];

/* The usual session part, for offers written in the tests below. */
#define HEAD "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\n"
#define HEAD_C HEAD "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static int parse(const char *text)
{
    return cw_sdp_parse(text, strlen(text), &sdp, err, sizeof err);
}

/* Parse and negotiate text; 0 if both succeed. */
static int offer(const char *text)
{
    if (parse(text) != 0)
        return -1;
    return cw_sdp_negotiate(&sdp, &ch, err, sizeof err);
}

/* text must be refused by the parser with a reason containing why. */
static void check_bad(const char *text, const char *why, int line)
{
    int rc = parse(text);
    if (rc != -1 || strstr(err, why) == NULL)
        fprintf(stderr, "test_sdp.c:%d: expected refusal \"%s\", got rc=%d \"%s\"\n", line,
                why, rc, err);
    CHECK(rc == -1 && strstr(err, why) != NULL);
    CHECK_EQ_INT(sdp.nmedia, 0);   /* nothing of a refused body is left */
}
#define CHECK_BAD(text, why) check_bad(text, why, __LINE__)

static void test_basic(void)
{
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000 RTP/AVP 0 8 101\r\n"
                       "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                       "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"), 0);
    CHECK_EQ_INT(sdp.origin_id, 1);
    CHECK_EQ_INT(sdp.origin_version, 2);
    CHECK_EQ_INT(sdp.nmedia, 1);
    cw_sdp_media *m = &sdp.media[0];
    CHECK_STR(m->type, "audio");
    CHECK_EQ_INT(m->port, 4000);
    CHECK_STR(m->proto, "RTP/AVP");
    CHECK_STR(m->fmt_raw, "0 8 101");
    CHECK_EQ_INT(m->nformats, 3);
    CHECK_EQ_INT(m->formats[0].pt, 0);
    CHECK_STR(m->formats[0].name, "PCMU");
    CHECK_EQ_INT(m->formats[0].rate, 8000);
    CHECK_EQ_INT(m->formats[1].pt, 8);
    CHECK_STR(m->formats[1].name, "");
    CHECK_EQ_INT(m->formats[1].channels, 1);
    CHECK_STR(m->formats[2].name, "telephone-event");
    CHECK_EQ_INT(m->family, AF_INET);
    CHECK_STR(m->addr, "192.0.2.1");
    CHECK_EQ_INT(m->ptime, 20);
    CHECK_EQ_INT(m->dir, CW_SDP_SENDRECV);

    CHECK_EQ_INT(cw_sdp_negotiate(&sdp, &ch, err, sizeof err), 0);
    CHECK_EQ_INT(ch.media_index, 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMU);
    CHECK_EQ_INT(ch.te_pt, 101);
    CHECK_EQ_INT(ch.ptime, 20);
    CHECK_EQ_INT(ch.dir, CW_SDP_SENDRECV);
    CHECK_EQ_INT(ch.hold, 0);
    CHECK_EQ_INT(ch.remote_family, AF_INET);
    CHECK_STR(ch.remote_addr, "192.0.2.1");
    CHECK_EQ_INT(ch.remote_port, 4000);
}

static void test_codecs(void)
{
    /* the offerer's order decides */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 8 0\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    CHECK_EQ_INT(ch.te_pt, -1);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 18 3 0 8\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMU);
    /* by rtpmap name under a dynamic type, any case */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 96 97\r\n"
                       "a=rtpmap:96 opus/48000/2\r\na=rtpmap:97 pcma/8000\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000/1\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMU);
    /* an rtpmap that renames a static type wins over the static meaning */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 G729/8000\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    /* PCMU at another rate or stereo is not ours */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 96 97\r\n"
                       "a=rtpmap:96 PCMU/16000\r\na=rtpmap:97 PCMU/8000/2\r\n"), -1);
    CHECK_STR(err, "no common codec (offered: 96 97; we take PCMU, PCMA)");
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 18 96\r\na=rtpmap:18 G729/8000\r\n"
                       "a=rtpmap:96 opus/48000/2\r\n"), -1);
    CHECK_STR(err, "no common codec (offered: 18 96; we take PCMU, PCMA)");
    /* a long list is cut short in the reason */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 100 101 102 103 104 105 106 107 108 109"
                       " 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124\r\n"), -1);
    CHECK(strstr(err, "no common codec (offered: 100 101 ") == err);
    CHECK(strstr(err, " ...;") != NULL);
    CHECK(strlen(err) < 128);
}

static void test_telephone_event(void)
{
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 8 96\r\n"
                       "a=rtpmap:96 telephone-event/8000\r\n"), 0);
    CHECK_EQ_INT(ch.te_pt, 96);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0 97 96\r\n"
                       "a=rtpmap:97 telephone-event/16000\r\n"
                       "a=rtpmap:96 TELEPHONE-EVENT/8000\r\n"), 0);
    CHECK_EQ_INT(ch.te_pt, 96);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0 97\r\n"
                       "a=rtpmap:97 telephone-event/16000\r\n"), 0);
    CHECK_EQ_INT(ch.te_pt, -1);
    /* an rtpmap on the session level or for a type not offered means nothing */
    CHECK_EQ_INT(offer(HEAD "a=rtpmap:101 telephone-event/8000\r\nc=IN IP4 192.0.2.1\r\n"
                       "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:102 telephone-event/8000\r\n"),
                 0);
    CHECK_EQ_INT(ch.te_pt, -1);
    /* the codec keeps the offer's dynamic number, so even 8 can carry events */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 96 8\r\na=rtpmap:96 PCMA/8000\r\n"
                       "a=rtpmap:8 telephone-event/8000\r\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    CHECK_EQ_INT(ch.codec_pt, 96);
    CHECK_EQ_INT(ch.te_pt, 8);
    /* events under the chosen codec's own number cannot be answered */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 telephone-event/8000\r\n"
                       "a=rtpmap:101 telephone-event/8000\r\n"), -1);
}

static void test_ptime(void)
{
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:30\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 30);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:60\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 60);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:25\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 20);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:70\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 20);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:10.0\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 10);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 20);
    /* session level is the default, media level wins */
    CHECK_EQ_INT(offer(HEAD_C "a=ptime:40\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 40);
    CHECK_EQ_INT(offer(HEAD_C "a=ptime:40\r\nm=audio 4000 RTP/AVP 0\r\na=ptime:30\r\n"), 0);
    CHECK_EQ_INT(ch.ptime, 30);
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:abc\r\n", "malformed a=ptime line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=ptime:\r\n", "malformed a=ptime line 7");
}

static void test_addresses(void)
{
    CHECK_EQ_INT(offer("v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:DB8:0::1\r\n"
                       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.remote_family, AF_INET6);
    CHECK_STR(ch.remote_addr, "2001:db8::1");   /* canonical form */
    /* media level overrides session level, per m= line */
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000 RTP/AVP 0\r\nc=IN IP6 ::1\r\n"
                       "m=audio 4002 RTP/AVP 8\r\n"), 0);
    CHECK_EQ_INT(sdp.media[0].family, AF_INET6);
    CHECK_STR(sdp.media[0].addr, "::1");
    CHECK_EQ_INT(sdp.media[1].family, AF_INET);
    CHECK_STR(sdp.media[1].addr, "192.0.2.1");
    /* media-level c= only */
    CHECK_EQ_INT(offer(HEAD "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 198.51.100.7\r\n"), 0);
    CHECK_STR(ch.remote_addr, "198.51.100.7");
    /* no c= for the stream we would take */
    CHECK_EQ_INT(offer(HEAD "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"), -1);
    CHECK_STR(err, "no connection address (c=) for the audio stream");
    CHECK_EQ_INT(ch.media_index, -1);
    /* c= literals only, checked */
    CHECK_BAD(HEAD "c=IN IP4 999.1.2.3\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP4 host.example.com\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP4 224.2.1.1/127\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP4 ::1\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP6 1.2.3.4\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP6 fe80::1%eth0\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP5 1.2.3.4\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=ATM IP4 1.2.3.4\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP4\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD "c=IN IP4 1.2.3.4 5\r\n", "malformed c= line 4");
    CHECK_BAD(HEAD_C "c=IN IP4 192.0.2.2\r\n", "malformed c= line 6");   /* twice */
}

static void test_hold(void)
{
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_RECVONLY);
    CHECK_EQ_INT(ch.hold, 1);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=inactive\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_INACTIVE);
    CHECK_EQ_INT(ch.hold, 1);
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_SENDONLY);
    CHECK_EQ_INT(ch.hold, 0);
    CHECK_EQ_INT(offer(HEAD "c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_RECVONLY);
    CHECK_EQ_INT(ch.hold, 1);
    CHECK_STR(ch.remote_addr, "0.0.0.0");
    CHECK_EQ_INT(offer(HEAD "c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_INACTIVE);
    CHECK_EQ_INT(offer(HEAD "c=IN IP6 0::0\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_RECVONLY);
    CHECK_EQ_INT(ch.hold, 1);
    /* session level applies, media level overrides */
    CHECK_EQ_INT(offer(HEAD_C "a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_RECVONLY);
    CHECK_EQ_INT(ch.hold, 1);
    CHECK_EQ_INT(offer(HEAD_C "a=inactive\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_SENDRECV);
    CHECK_EQ_INT(ch.hold, 0);
    /* the last direction attribute counts */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\na=sendrecv\r\n"), 0);
    CHECK_EQ_INT(ch.dir, CW_SDP_SENDRECV);
}

static void test_streams(void)
{
    /* video first: we take the audio line and refuse the other */
    CHECK_EQ_INT(offer(HEAD_C "m=video 5000 RTP/AVP 31 96\r\na=rtpmap:96 H264/90000\r\n"
                       "m=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.media_index, 1);
    /* the first audio line we can serve: not disabled, RTP/AVP, a codec we speak */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 0 RTP/AVP 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
                       "m=audio 4002 RTP/AVP 18\r\nm=audio 4004 RTP/AVP 8\r\n"
                       "m=audio 4006 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(ch.media_index, 3);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    CHECK_EQ_INT(ch.remote_port, 4004);
    /* any RTP profile has payload types; only RTP/AVP is answered */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 UDP/TLS/RTP/SAVPF 111 0\r\n"
                       "a=rtpmap:111 opus/48000/2\r\nm=audio 4002 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(sdp.media[0].nformats, 2);
    CHECK_STR(sdp.media[0].formats[0].name, "opus");
    CHECK_EQ_INT(ch.media_index, 1);
    /* non-RTP formats are tokens, kept for the answer */
    CHECK_EQ_INT(parse(HEAD_C "m=image 6000 udptl t38\r\nm=message 7000 TCP/MSRP *\r\n"
                       "m=audio 4000 RTP/AVP 0\r\n"), 0);
    CHECK_EQ_INT(sdp.media[0].nformats, 0);
    CHECK_STR(sdp.media[0].fmt_raw, "t38");
    CHECK_STR(sdp.media[1].fmt_raw, "*");
    /* port count, runs of spaces and trailing white space are read */
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000/2  RTP/AVP  0   8 \t\r\n"), 0);
    CHECK_EQ_INT(sdp.media[0].port, 4000);
    CHECK_STR(sdp.media[0].fmt_raw, "0 8");

    CHECK_EQ_INT(offer(HEAD_C "m=video 5000 RTP/AVP 31\r\n"), -1);
    CHECK_STR(err, "no audio stream");
    CHECK_EQ_INT(offer(HEAD_C "m=audio 0 RTP/AVP 0\r\n"), -1);
    CHECK_STR(err, "no audio stream");
    CHECK_EQ_INT(offer(HEAD_C), -1);
    CHECK_STR(err, "no audio stream");
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/SAVP 0\r\n"), -1);
    CHECK_STR(err, "no audio stream over RTP/AVP (offered: RTP/SAVP, and transport.srtp is off)");
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 18\r\n"), -1);
    CHECK(strncmp(err, "no common codec (offered: 18;", 29) == 0);
}

static void test_line_ends(void)
{
    CHECK_EQ_INT(offer("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                       "m=audio 4000 RTP/AVP 8\n"), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMA);
    /* no line end after the last line; blank lines at the end */
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000 RTP/AVP 0"), 0);
    CHECK_EQ_INT(sdp.nmedia, 1);
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000 RTP/AVP 0\r\n\r\n\r\n"), 0);
    CHECK_EQ_INT(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns= \r\n"), 0);   /* s= " " */
    CHECK_EQ_INT(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\r\n"), 0);
    CHECK_BAD(HEAD "\r\nc=IN IP4 192.0.2.1\r\n", "line 4 is empty");
    CHECK_BAD("\r\n" HEAD, "line 1 is empty");
    CHECK_BAD(HEAD "c=IN IP4 192.0.2.1\rt=0 0\r\n", "control character in line 4");

    /* buf is not NUL-terminated: bytes after len are never read */
    const char *good = HEAD_C "m=audio 4000 RTP/AVP 0\r\n";
    char buf[512];
    size_t n = strlen(good);
    memcpy(buf, good, n);
    memcpy(buf + n, "m=audio 99999999 RTP/AVP 0\r\n", 29);
    CHECK_EQ_INT(cw_sdp_parse(buf, n, &sdp, err, sizeof err), 0);
    CHECK_EQ_INT(sdp.nmedia, 1);
    /* cut in the middle of a line: the part is read as the last line */
    CHECK_EQ_INT(cw_sdp_parse(buf, n + 13, &sdp, err, sizeof err), -1);  /* "m=audio 99999" */
    CHECK_STR(err, "malformed m= line 7: bad port");
    CHECK_EQ_INT(cw_sdp_parse(buf, n + 12, &sdp, err, sizeof err), -1);  /* "m=audio 9999" */
    CHECK_STR(err, "malformed m= line 7: no proto");
    CHECK_EQ_INT(cw_sdp_parse(buf, n - 2, &sdp, err, sizeof err), 0);    /* "...AVP 0" */
    CHECK_EQ_INT(cw_sdp_parse(buf, n - 3, &sdp, err, sizeof err), -1);   /* "...AVP " */
    CHECK_STR(err, "malformed m= line 6: no formats");
}

static void test_malformed(void)
{
    CHECK_BAD("", "empty SDP");
    CHECK_BAD("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\ns=-\r\n", "does not start with v=0");
    CHECK_BAD("v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", "does not start with v=0");
    CHECK_BAD("this is not a session description\r\n", "line 1 is not <letter>=<value>");
    CHECK_BAD(HEAD "V=0\r\n", "line 4 is not <letter>=<value>");
    CHECK_BAD(HEAD "a\r\n", "line 4 is not <letter>=<value>");
    CHECK_BAD(HEAD "a =x\r\n", "line 4 is not <letter>=<value>");
    CHECK_BAD(HEAD "v=0\r\n", "malformed v= line 4");
    CHECK_BAD(HEAD "x=what\r\n", "unknown line type x= (line 4)");
    CHECK_BAD("v=0\r\ns=-\r\n", "no o= line");
    CHECK_BAD("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", "no s= line");
    CHECK_BAD("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", "malformed o= line 2");
    CHECK_BAD("v=0\r\no=- x 1 IN IP4 192.0.2.1\r\ns=-\r\n", "malformed o= line 2");
    CHECK_BAD(HEAD "o=- 1 1 IN IP4 192.0.2.1\r\n", "malformed o= line 4");
    CHECK_BAD(HEAD "s=again\r\n", "malformed s= line 4");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", "t= line 7 inside a media section");
    /* 21-digit session ids are allowed by RFC 4566 and kept modulo 2^64 */
    CHECK_EQ_INT(parse("v=0\r\no=- 18446744073709551616 3 IN IP4 x\r\ns=-\r\n"), 0);
    CHECK_EQ_INT(sdp.origin_id, 0);
    CHECK_EQ_INT(sdp.origin_version, 3);
    CHECK_BAD("v=0\r\no=- 123456789012345678901234567890123 1 IN IP4 x\r\ns=-\r\n",
              "malformed o= line 2");

    /* m= lines */
    CHECK_BAD(HEAD_C "m=audio 99999999 RTP/AVP 0\r\n", "malformed m= line 6: bad port");
    CHECK_BAD(HEAD_C "m=audio 65536 RTP/AVP 0\r\n", "malformed m= line 6: bad port");
    CHECK_BAD(HEAD_C "m=audio notaport RTP/AVP 0\r\n", "malformed m= line 6: bad port");
    CHECK_BAD(HEAD_C "m=audio -1 RTP/AVP 0\r\n", "malformed m= line 6: bad port");
    CHECK_BAD(HEAD_C "m=audio 4000x RTP/AVP 0\r\n", "malformed m= line 6: bad port");
    CHECK_BAD(HEAD_C "m=audio 4000/ RTP/AVP 0\r\n", "malformed m= line 6: bad port count");
    CHECK_BAD(HEAD_C "m=audio\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m= \r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=audio 4000\r\n", "malformed m= line 6: no proto");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP\r\n", "malformed m= line 6: no formats");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 128\r\n", "malformed m= line 6: bad payload type");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0 1000\r\n", "malformed m= line 6: bad payload");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0 x\r\n", "malformed m= line 6: bad payload type");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0 \"8\"\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP\"0\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=audio 4000 UDP/TLS/RTP/SAVPF x\r\n", "malformed m= line 6: bad payload");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\t8\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=audio-and-much-more-text 4000 RTP/AVP 0\r\n", "malformed m= line 6");
    CHECK_BAD(HEAD_C "m=image 4000 udptl " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
              "malformed m= line 6: format list too long");

    /* ceilings: 32 formats pass, 33 do not; 8 m= lines pass, 9 do not */
    char body[2048];
    int n = snprintf(body, sizeof body, "%s", HEAD_C "m=audio 4000 RTP/AVP");
    for (int i = 0; i < CW_SDP_MAX_FORMATS; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, " %d", 96 + i);
    snprintf(body + n, sizeof body - (size_t)n, "\r\n");
    CHECK_EQ_INT(parse(body), 0);
    CHECK_EQ_INT(sdp.media[0].nformats, CW_SDP_MAX_FORMATS);
    CHECK_EQ_INT(strlen(sdp.media[0].fmt_raw), 123);
    snprintf(body + n, sizeof body - (size_t)n, " 0\r\n");
    CHECK_BAD(body, "too many formats on m= line 6 (at most 32)");
    /* the longest list of 32 still fits fmt_raw */
    n = snprintf(body, sizeof body, "%s", HEAD_C "m=audio 4000 RTP/AVP");
    for (int i = 0; i < CW_SDP_MAX_FORMATS; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, " 127");
    snprintf(body + n, sizeof body - (size_t)n, "\r\n");
    CHECK_EQ_INT(parse(body), 0);
    CHECK_EQ_INT(strlen(sdp.media[0].fmt_raw), sizeof sdp.media[0].fmt_raw - 1);
    snprintf(body + n, sizeof body - (size_t)n, " 0\r\n");
    CHECK_BAD(body, "too many formats on m= line 6 (at most 32)");

    n = snprintf(body, sizeof body, "%s", HEAD_C);
    for (int i = 0; i < CW_SDP_MAX_MEDIA; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "m=audio %d RTP/AVP 0\r\n", 4000 + i);
    CHECK_EQ_INT(parse(body), 0);
    CHECK_EQ_INT(sdp.nmedia, CW_SDP_MAX_MEDIA);
    snprintf(body + n, sizeof body - (size_t)n, "m=audio 5000 RTP/AVP 0\r\n");
    CHECK_BAD(body, "too many m= lines (at most 8)");

    /* a=rtpmap */
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU\r\n", "malformed a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:128 PCMU/8000\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/0\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000/x\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 /8000\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:x PCMU/8000\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000x\r\n", "a=rtpmap line 7");
    CHECK_BAD(HEAD_C "a=rtpmap:96 PCMU\r\n", "malformed a=rtpmap line 6");   /* session level */
    /* a long encoding name is kept cut short */
    CHECK_EQ_INT(parse(HEAD_C "m=audio 4000 RTP/AVP 96\r\n"
                       "a=rtpmap:96 1d-interleaved-parityfec/8000\r\n"), 0);
    CHECK_STR(sdp.media[0].formats[0].name, "1d-interleaved");
    /* ... to 14, so that a longer name is never taken for telephone-event (15) */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0 96\r\n"
                       "a=rtpmap:96 telephone-event-x/8000\r\n"), 0);
    CHECK_EQ_INT(ch.te_pt, -1);
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=\r\n", "malformed a= line 7");
    CHECK_BAD(HEAD_C "m=audio 4000 RTP/AVP 0\r\na=:x\r\n", "malformed a= line 7");
    /* unknown attributes are fine */
    CHECK_EQ_INT(parse(HEAD_C "a=group:BUNDLE 0\r\nm=audio 4000 RTP/AVP 0\r\n"
                       "a=rtcp:4001 IN IP4 192.0.2.1\r\na=fmtp:0 whatever \"x\"\r\n"
                       "a=x-custom\r\nb=AS:64\r\ni=info\r\n"), 0);

    /* body: NUL byte, control characters, length */
    static const char nul[] = HEAD_C "m=audio 4000 RTP/AVP 0\r\n\0a=sendonly\r\n";
    CHECK_EQ_INT(cw_sdp_parse(nul, sizeof nul - 1, &sdp, err, sizeof err), -1);
    CHECK_STR(err, "malformed SDP: NUL byte");
    CHECK_BAD(HEAD "i=bell\a\r\n", "control character in line 4");
    CHECK_BAD(HEAD "i=del\x7f\r\n", "control character in line 4");
    CHECK_EQ_INT(parse(HEAD "i=tab\tand UTF-8 \xc3\xa4\r\n"), 0);

    /* one long i= line up to the ceiling: no line length limit below the body's */
    static char big[CW_SDP_MAX_LEN + 1];
    size_t h = strlen(HEAD_C);
    memcpy(big, HEAD_C "i=", h + 2);
    memset(big + h + 2, 'x', sizeof big - h - 2);
    CHECK_EQ_INT(cw_sdp_parse(big, CW_SDP_MAX_LEN, &sdp, err, sizeof err), 0);
    CHECK_EQ_INT(cw_sdp_parse(big, CW_SDP_MAX_LEN + 1, &sdp, err, sizeof err), -1);
    CHECK_STR(err, "SDP longer than 16384 bytes");

    /* a tiny error buffer is respected; no buffer at all is allowed */
    char tiny[8];
    CHECK_EQ_INT(cw_sdp_parse("x", 1, &sdp, tiny, sizeof tiny), -1);
    CHECK_STR(tiny, "malform");
    CHECK_EQ_INT(cw_sdp_parse("x", 1, &sdp, NULL, 0), -1);
    CHECK_EQ_INT(cw_sdp_parse(NULL, 0, &sdp, err, sizeof err), -1);
}

static void test_answer(void)
{
    cw_sdp_local l4 = { AF_INET, "192.0.2.9", 30000, 42, 7, NULL, 0, NULL };
    cw_sdp_local l6 = { AF_INET6, "2001:db8::9", 30002, 43, 1, NULL, 0, NULL };
    char buf[2048];

    CHECK_EQ_INT(offer(HEAD_C "m=video 5000 RTP/AVP 31 96\r\n"
                       "m=audio 4000 RTP/AVP 18 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
                       "a=ptime:30\r\na=sendonly\r\nm=image 0 udptl t38\r\n"), 0);
    int n = cw_sdp_build_answer(&sdp, &ch, &l4, buf, sizeof buf);
    const char *want = "v=0\r\n"
                       "o=callwarden 42 7 IN IP4 192.0.2.9\r\n"
                       "s=callwarden\r\n"
                       "c=IN IP4 192.0.2.9\r\n"
                       "t=0 0\r\n"
                       "m=video 0 RTP/AVP 31 96\r\n"
                       "m=audio 30000 RTP/AVP 8 101\r\n"
                       "a=rtpmap:8 PCMA/8000\r\n"
                       "a=rtpmap:101 telephone-event/8000\r\n"
                       "a=fmtp:101 0-15\r\n"
                       "a=ptime:30\r\n"
                       "a=recvonly\r\n"
                       "m=image 0 udptl t38\r\n";
    CHECK_STR(buf, want);
    CHECK_EQ_INT(n, (int)strlen(want));
    /* it fits exactly, or it fails cleanly */
    char small[2048];
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &l4, small, (size_t)n + 1), n);
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &l4, small, (size_t)n), -1);
    CHECK_STR(small, "");
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &l4, small, 10), -1);
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &l4, NULL, 0), -1);

    /* the answer is itself a valid SDP: same lines, our side */
    static cw_sdp ans;
    CHECK_EQ_INT(cw_sdp_parse(buf, (size_t)n, &ans, err, sizeof err), 0);
    CHECK_EQ_INT(ans.nmedia, 3);
    CHECK_EQ_INT(ans.media[1].port, 30000);
    CHECK_EQ_INT(ans.media[1].dir, CW_SDP_RECVONLY);
    CHECK_EQ_INT(ans.media[0].port, 0);

    /* PCMU without events, IPv6 local */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 0\r\n"), 0);
    n = cw_sdp_build_answer(&sdp, &ch, &l6, buf, sizeof buf);
    CHECK_STR(buf, "v=0\r\n"
                   "o=callwarden 43 1 IN IP6 2001:db8::9\r\n"
                   "s=callwarden\r\n"
                   "c=IN IP6 2001:db8::9\r\n"
                   "t=0 0\r\n"
                   "m=audio 30002 RTP/AVP 0\r\n"
                   "a=rtpmap:0 PCMU/8000\r\n"
                   "a=ptime:20\r\n"
                   "a=sendrecv\r\n");
    CHECK(n > 0);

    /* a choice that does not belong to the offer is not answered */
    cw_sdp_choice bad = ch;
    bad.media_index = 1;
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &bad, &l4, buf, sizeof buf), -1);
    bad = ch;
    bad.codec = (cw_codec)3;
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &bad, &l4, buf, sizeof buf), -1);
    bad = ch;
    bad.te_pt = 0;
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &bad, &l4, buf, sizeof buf), -1);

    /* a codec offered under a dynamic number is answered under that number */
    CHECK_EQ_INT(offer(HEAD_C "m=audio 4000 RTP/AVP 97 101\r\na=rtpmap:97 PCMA/8000\r\n"
                       "a=rtpmap:101 telephone-event/8000\r\n"), 0);
    CHECK(cw_sdp_build_answer(&sdp, &ch, &l4, buf, sizeof buf) > 0);
    CHECK(strstr(buf, "m=audio 30000 RTP/AVP 97 101\r\n") != NULL);
    CHECK(strstr(buf, "a=rtpmap:97 PCMA/8000\r\n") != NULL);
}

static void test_offer(void)
{
    cw_sdp_local l = { AF_INET, "192.0.2.9", 30000, 5, 6, NULL, 0, NULL };
    char buf[1024];
    int n = cw_sdp_build_offer(&l, buf, sizeof buf);
    CHECK_STR(buf, "v=0\r\n"
                   "o=callwarden 5 6 IN IP4 192.0.2.9\r\n"
                   "s=callwarden\r\n"
                   "c=IN IP4 192.0.2.9\r\n"
                   "t=0 0\r\n"
                   "m=audio 30000 RTP/AVP 0 8 101\r\n"
                   "a=rtpmap:0 PCMU/8000\r\n"
                   "a=rtpmap:8 PCMA/8000\r\n"
                   "a=rtpmap:101 telephone-event/8000\r\n"
                   "a=fmtp:101 0-15\r\n"
                   "a=ptime:20\r\n"
                   "a=sendrecv\r\n");
    CHECK_EQ_INT(n, (int)strlen(buf));
    CHECK_EQ_INT(cw_sdp_build_offer(&l, buf, (size_t)n), -1);
    CHECK_EQ_INT(cw_sdp_build_offer(&l, buf, (size_t)n + 1), n);
    /* our own offer is one we would accept */
    CHECK_EQ_INT(offer(buf), 0);
    CHECK_EQ_INT(ch.codec, CW_CODEC_PCMU);
    CHECK_EQ_INT(ch.te_pt, 101);
    CHECK_EQ_INT(ch.remote_port, 30000);
    /* without a local address there is nothing to write */
    cw_sdp_local noaddr = { AF_INET, NULL, 30000, 5, 6, NULL, 0, NULL };
    CHECK_EQ_INT(cw_sdp_build_offer(&noaddr, buf, sizeof buf), -1);
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &noaddr, buf, sizeof buf), -1);
}


#define KEY80 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
#define KEYGCM "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw="

static int offer_mode(const char *text, cw_srtp_mode mode)
{
    if (parse(text) != 0)
        return -1;
    return cw_sdp_negotiate_srtp(&sdp, mode, &ch, err, sizeof err);
}

/* SDES: a=crypto read, RTP/SAVP (and RTP/AVP with a=crypto) taken as the tenant's
 * transport.srtp says, the answer carrying our key under the offer's tag. */
static void test_srtp(void)
{
    const char *savp = HEAD_C "m=audio 4000 RTP/SAVP 8 101\r\n"
                       "a=rtpmap:101 telephone-event/8000\r\n"
                       "a=crypto:1 FOO_BAR inline:" KEY80 "\r\n"
                       "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY80 "|2^31\r\n"
                       "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "\r\n";
    CHECK_EQ_INT(parse(savp), 0);
    CHECK_EQ_INT(sdp.media[0].ncrypto, 2);
    CHECK_EQ_INT(sdp.media[0].crypto_refused, 1);
    CHECK(strstr(sdp.media[0].crypto_err, "FOO_BAR") != NULL);
    CHECK_EQ_INT(sdp.media[0].crypto[0].tag, 2);
    CHECK_EQ_INT(sdp.media[0].crypto[0].key_len, 30);
    CHECK_EQ_INT(sdp.media[0].crypto[0].key[29], 30);

    /* required and preferred take it, the first usable line wins; off refuses */
    CHECK_EQ_INT(offer_mode(savp, CW_SRTP_REQUIRED), 0);
    CHECK_EQ_INT(ch.srtp, 1);
    CHECK_STR(ch.proto, "RTP/SAVP");
    CHECK_EQ_INT(ch.remote_crypto.tag, 2);
    CHECK_EQ_INT(ch.remote_crypto.suite, CW_SRTP_AES_CM_128_HMAC_SHA1_32);
    CHECK_EQ_INT(offer_mode(savp, CW_SRTP_PREFERRED), 0);
    CHECK_EQ_INT(ch.srtp, 1);
    CHECK_EQ_INT(offer_mode(savp, CW_SRTP_OFF), -1);
    CHECK_STR(err, "no audio stream over RTP/AVP (offered: RTP/SAVP, and transport.srtp is off)");

    /* the answer: our key, the offer's tag and suite, the offer's proto */
    CHECK_EQ_INT(offer_mode(savp, CW_SRTP_REQUIRED), 0);
    cw_sdes_crypto mine;
    CHECK_EQ_INT(cw_sdes_new_key(&mine, ch.remote_crypto.suite, ch.remote_crypto.tag), 0);
    cw_sdp_local l = { AF_INET, "192.0.2.9", 30000, 42, 7, &mine, 1, NULL };
    char buf[2048], want[128];
    CHECK(cw_sdp_build_answer(&sdp, &ch, &l, buf, sizeof buf) > 0);
    CHECK(strstr(buf, "m=audio 30000 RTP/SAVP 8 101\r\n") != NULL);
    CHECK(cw_sdes_format(&mine, want, sizeof want) > 0);
    CHECK(strstr(buf, want) != NULL);
    CHECK(strncmp(want, "2 AES_CM_128_HMAC_SHA1_32 inline:", 33) == 0);
    CHECK(strstr(buf, KEY80) == NULL);      /* never their key back */
    static cw_sdp ans;
    CHECK_EQ_INT(cw_sdp_parse(buf, strlen(buf), &ans, err, sizeof err), 0);
    CHECK_EQ_INT(ans.media[0].ncrypto, 1);
    CHECK(memcmp(ans.media[0].crypto[0].key, mine.key, 30) == 0);
    /* an SRTP choice is not answered without our key, or under another tag */
    cw_sdp_local nokey = l;
    nokey.crypto = NULL;
    nokey.ncrypto = 0;
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &nokey, buf, sizeof buf), -1);
    mine.tag = 3;
    CHECK_EQ_INT(cw_sdp_build_answer(&sdp, &ch, &l, buf, sizeof buf), -1);
    cw_sdes_wipe(&mine);
    cw_sdp_wipe(&sdp);
    CHECK_EQ_INT(sdp.media[0].crypto[0].key[29], 0);

    /* best-effort SRTP: RTP/AVP with a=crypto is SRTP when the tenant takes it */
    const char *avp_crypto = HEAD_C "m=audio 4000 RTP/AVP 0\r\n"
                             "a=crypto:7 AEAD_AES_256_GCM inline:" KEYGCM "\r\n";
    if (cw_srtp_suite_available(CW_SRTP_AEAD_AES_256_GCM)) {
        CHECK_EQ_INT(offer_mode(avp_crypto, CW_SRTP_PREFERRED), 0);
        CHECK_EQ_INT(ch.srtp, 1);
        CHECK_STR(ch.proto, "RTP/AVP");
        CHECK_EQ_INT(ch.remote_crypto.key_len, 44);
        CHECK_EQ_INT(offer_mode(avp_crypto, CW_SRTP_REQUIRED), 0);
        CHECK_EQ_INT(ch.srtp, 1);
    }
    CHECK_EQ_INT(offer_mode(avp_crypto, CW_SRTP_OFF), 0);
    CHECK_EQ_INT(ch.srtp, 0);

    /* plain RTP: taken unless SRTP is required, and then the refusal names the rule */
    const char *plain = HEAD_C "m=audio 4000 RTP/AVP 0\r\n";
    CHECK_EQ_INT(offer_mode(plain, CW_SRTP_PREFERRED), 0);
    CHECK_EQ_INT(ch.srtp, 0);
    CHECK_STR(ch.proto, "RTP/AVP");
    CHECK_EQ_INT(offer_mode(plain, CW_SRTP_REQUIRED), -1);
    CHECK_STR(err, "transport.srtp = required: the offer has no RTP/SAVP stream, only plain RTP");

    /* preferred takes an SRTP line after a plain one */
    const char *both = HEAD_C "m=audio 4000 RTP/AVP 0\r\n"
                       "m=audio 4002 RTP/SAVP 0\r\n"
                       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "\r\n";
    CHECK_EQ_INT(offer_mode(both, CW_SRTP_PREFERRED), 0);
    CHECK_EQ_INT(ch.media_index, 1);
    CHECK_EQ_INT(ch.srtp, 1);
    CHECK_EQ_INT(offer_mode(both, CW_SRTP_OFF), 0);
    CHECK_EQ_INT(ch.media_index, 0);

    /* RTP/SAVP with no key we take: the reason says which */
    CHECK_EQ_INT(offer_mode(HEAD_C "m=audio 4000 RTP/SAVP 0\r\n"
                            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQID\r\n",
                            CW_SRTP_REQUIRED), -1);
    CHECK(strstr(err, "transport.srtp = required: no crypto suite we take on the RTP/SAVP "
                      "stream (a=crypto: AES_CM_128_HMAC_SHA1_80 needs a key of 30 bytes") == err);
    CHECK_EQ_INT(offer_mode(HEAD_C "m=audio 4000 RTP/SAVP 0\r\n", CW_SRTP_PREFERRED), -1);
    CHECK_STR(err, "no crypto suite we take on the RTP/SAVP stream (no a=crypto line)");
    /* a session-level a=crypto means nothing (RFC 4568 9.1) */
    CHECK_EQ_INT(parse(HEAD_C "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY80 "\r\n"
                       "m=audio 4000 RTP/SAVP 0\r\n"), 0);
    CHECK_EQ_INT(sdp.media[0].ncrypto, 0);

    /* an offer of ours with keys */
    cw_sdes_crypto keys[2];
    CHECK_EQ_INT(cw_sdes_new_key(&keys[0], CW_SRTP_AES_CM_128_HMAC_SHA1_80, 1), 0);
    CHECK_EQ_INT(cw_sdes_new_key(&keys[1], CW_SRTP_AES_CM_128_HMAC_SHA1_32, 2), 0);
    cw_sdp_local lo = { AF_INET, "192.0.2.9", 30000, 5, 6, keys, 2, "RTP/SAVP" };
    CHECK(cw_sdp_build_offer(&lo, buf, sizeof buf) > 0);
    CHECK(strstr(buf, "m=audio 30000 RTP/SAVP 0 8 101\r\n") != NULL);
    CHECK_EQ_INT(offer_mode(buf, CW_SRTP_REQUIRED), 0);
    CHECK_EQ_INT(ch.remote_crypto.tag, 1);
    CHECK(memcmp(ch.remote_crypto.key, keys[0].key, 30) == 0);
    cw_sdes_wipe(&keys[0]);
    cw_sdes_wipe(&keys[1]);
}

static void test_dir_names(void)
{
    CHECK_STR(cw_sdp_dir_name(CW_SDP_SENDRECV), "sendrecv");
    CHECK_STR(cw_sdp_dir_name(CW_SDP_SENDONLY), "sendonly");
    CHECK_STR(cw_sdp_dir_name(CW_SDP_RECVONLY), "recvonly");
    CHECK_STR(cw_sdp_dir_name(CW_SDP_INACTIVE), "inactive");
}

/* Read one corpus file (at most 64 KB) into buf; returns its length or -1. */
static long read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

/* Every file of tests/sdp/corpus is in the class its name says. */
static void test_corpus(void)
{
    const char *src = getenv("CW_SOURCE_DIR");
    if (!src) {
        printf("test_sdp: CW_SOURCE_DIR not set, corpus classes not checked\n");
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/sdp/corpus", src);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    static char body[65536];
    int nvalid = 0, nrefuse = 0, nbad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        int valid = strncmp(name, "valid_", 6) == 0;
        int refuse = strncmp(name, "refuse_", 7) == 0;
        int bad = strncmp(name, "bad_", 4) == 0;
        if (!valid && !refuse && !bad)
            continue;   /* inputs the fuzzer found, kept as they are */
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        long n = read_file(path, body, sizeof body);
        CHECK(n >= 0);
        if (n < 0)
            continue;
        int prc = cw_sdp_parse(body, (size_t)n, &sdp, err, sizeof err);
        int nrc = prc == 0 ? cw_sdp_negotiate(&sdp, &ch, err, sizeof err) : -1;
        int ok = valid ? nrc == 0 : refuse ? prc == 0 && nrc != 0 : prc != 0;
        if (!ok)
            fprintf(stderr, "test_sdp: %s: parse=%d negotiate=%d \"%s\"\n", name, prc, nrc,
                    prc == 0 && nrc == 0 ? "" : err);
        CHECK(ok);
        if (valid && ok) {
            cw_sdp_local l = { AF_INET, "192.0.2.9", 30000, 1, 1, NULL, 0, NULL };
            char answer[4096];
            CHECK(cw_sdp_build_answer(&sdp, &ch, &l, answer, sizeof answer) > 0);
        }
        nvalid += valid;
        nrefuse += refuse;
        nbad += bad;
    }
    closedir(d);
    printf("test_sdp: corpus %d valid, %d refused, %d bad\n", nvalid, nrefuse, nbad);
    CHECK(nvalid >= 10);
    CHECK(nrefuse >= 3);
    CHECK(nbad >= 20);
}

int main(void)
{
    test_basic();
    test_codecs();
    test_telephone_event();
    test_ptime();
    test_addresses();
    test_hold();
    test_streams();
    test_line_ends();
    test_malformed();
    test_answer();
    test_offer();
    test_srtp();
    test_dir_names();
    test_corpus();
    return check_summary("test_sdp");
}
