/* test_rtp.c  RTP headers: round trip, and every malformed packet refused. */
#include <string.h>

#include "callwarden/rtp.h"
#include "check.h"

int main(void)
{
    uint8_t payload[160], buf[400];
    for (int i = 0; i < 160; i++)
        payload[i] = (uint8_t)i;
    cw_rtp_packet in = { 1, 8, 65535, 0xDEADBEEF, 0x01020304, payload, 160 };
    size_t n = cw_rtp_write(buf, sizeof buf, &in);
    CHECK_EQ_INT(n, 172);
    CHECK_EQ_INT(buf[0], 0x80);
    CHECK_EQ_INT(buf[1], 0x88);
    CHECK_EQ_INT(buf[2], 0xFF);                       /* network byte order */
    CHECK_EQ_INT(buf[4], 0xDE);
    CHECK_EQ_INT(buf[11], 0x04);

    cw_rtp_packet out;
    CHECK_EQ_INT(cw_rtp_parse(buf, n, &out), 0);
    CHECK_EQ_INT(out.marker, 1);
    CHECK_EQ_INT(out.pt, 8);
    CHECK_EQ_INT(out.seq, 65535);
    CHECK(out.ts == 0xDEADBEEFu);
    CHECK(out.ssrc == 0x01020304u);
    CHECK_EQ_INT(out.payload_len, 160);
    CHECK(out.payload == buf + 12);
    CHECK(memcmp(out.payload, payload, 160) == 0);

    /* round trip without marker, and a payload type above 127 keeps only 7 bits */
    cw_rtp_packet in2 = { 0, 0, 1, 160, 7, payload, 20 };
    n = cw_rtp_write(buf, sizeof buf, &in2);
    CHECK_EQ_INT(n, 32);
    CHECK_EQ_INT(cw_rtp_parse(buf, n, &out), 0);
    CHECK_EQ_INT(out.marker, 0);
    CHECK_EQ_INT(out.pt, 0);
    CHECK_EQ_INT(out.seq, 1);
    CHECK_EQ_INT(out.ts, 160);
    CHECK_EQ_INT(out.payload_len, 20);
    in2.pt = 0xE5;
    CHECK_EQ_INT(cw_rtp_write(buf, sizeof buf, &in2), 32);
    CHECK_EQ_INT(buf[1], 0x65);

    /* writing: exactly fits, one byte short, a buffer smaller than a header, empty */
    n = cw_rtp_write(buf, sizeof buf, &in);
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 172, &in), 172);
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 171, &in), 0);
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 11, &in), 0);
    cw_rtp_packet empty = { 0, 101, 9, 9, 9, NULL, 0 };
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 12, &empty), 12);
    CHECK_EQ_INT(cw_rtp_parse(buf + 200, 12, &out), 0);
    CHECK_EQ_INT(out.pt, 101);
    CHECK_EQ_INT(out.payload_len, 0);
    cw_rtp_packet huge = { 0, 0, 0, 0, 0, payload, (size_t)-1 };   /* no overflow */
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 100, &huge), 0);

    /* too short, wrong version (0, 1, 3) */
    for (size_t k = 0; k < 12; k++)
        CHECK_EQ_INT(cw_rtp_parse(buf, k, &out), -1);
    uint8_t bad[400];
    for (int v = 0; v < 4; v++) {
        if (v == 2)
            continue;
        memcpy(bad, buf, n);
        bad[0] = (uint8_t)(v << 6);
        CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    }

    /* CSRC list: two entries inside the packet are skipped, more than there is are not */
    memcpy(bad, buf, n);
    bad[0] = 0x82;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 152);
    CHECK(out.payload == bad + 20);
    CHECK_EQ_INT(cw_rtp_parse(bad, 20, &out), 0);              /* CSRCs and no payload */
    CHECK_EQ_INT(out.payload_len, 0);
    CHECK_EQ_INT(cw_rtp_parse(bad, 19, &out), -1);
    bad[0] = 0x8F;
    CHECK_EQ_INT(cw_rtp_parse(bad, 12 + 60, &out), 0);
    CHECK_EQ_INT(cw_rtp_parse(bad, 12 + 59, &out), -1);

    /* header extension: 4-byte header plus length words, inside the packet or not */
    memcpy(bad, buf, n);
    bad[0] = 0x90;
    bad[12] = 0xBE; bad[13] = 0xDE; bad[14] = 0; bad[15] = 2;   /* 8 bytes follow */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 160 - 12);
    CHECK(out.payload == bad + 24);
    CHECK_EQ_INT(cw_rtp_parse(bad, 24, &out), 0);               /* extension, no payload */
    CHECK_EQ_INT(cw_rtp_parse(bad, 23, &out), -1);
    bad[15] = 0;                                                /* empty extension */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 160 - 4);
    bad[14] = 0xFF; bad[15] = 0xFF;                             /* 256 KiB claimed */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    CHECK_EQ_INT(cw_rtp_parse(bad, 12, &out), -1);              /* header missing */
    CHECK_EQ_INT(cw_rtp_parse(bad, 15, &out), -1);              /* header cut */

    /* CSRC and extension together: the extension follows the CSRC list */
    memcpy(bad, buf, n);
    bad[0] = 0x91;
    bad[16] = 0x10; bad[17] = 0x00; bad[18] = 0; bad[19] = 1;   /* 4 bytes follow */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK(out.payload == bad + 24);
    CHECK_EQ_INT(out.payload_len, 160 - 12);

    /* padding: the last byte counts itself; 0, or more than the payload, is refused */
    memcpy(bad, buf, n);
    bad[0] = 0xA0;
    bad[n - 1] = 4;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 156);
    bad[n - 1] = 1;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 159);
    bad[n - 1] = 0;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 161;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 160;                                           /* all payload is padding */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);
    bad[11] = 12;                                               /* header alone, padded */
    CHECK_EQ_INT(cw_rtp_parse(bad, 12, &out), -1);
    /* padding may not reach into the CSRC list or the extension */
    bad[0] = 0xA1;
    bad[n - 1] = 157;                                           /* 160 - 4 + 1 */
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 156;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);
    bad[0] = 0xB0;
    bad[12] = 0; bad[13] = 0; bad[14] = 0; bad[15] = 1;         /* 8-byte extension */
    bad[n - 1] = 153;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), -1);
    bad[n - 1] = 152;
    CHECK_EQ_INT(cw_rtp_parse(bad, n, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);

    /* RTCP on the RTP port (RFC 5761): SR, RR, SDES, BYE, APP, and also RTPFB, PSFB
     * and XR (205-207), i.e. every second byte 192-223 (marker + PT 64-95), is not RTP */
    memcpy(bad, buf, n);
    int refused = 0;
    for (int b1 = 192; b1 <= 223; b1++) {
        bad[1] = (uint8_t)b1;
        refused += cw_rtp_parse(bad, n, &out) == -1;
    }
    CHECK_EQ_INT(refused, 223 - 192 + 1);
    bad[1] = 200;                                               /* an SR's real length */
    CHECK_EQ_INT(cw_rtp_parse(bad, 28, &out), -1);
    /* ... but the neighbours, and PT 64-95 without the marker, are */
    int accepted = 0;
    const uint8_t ok_b1[] = { 191, 224, 0, 64, 72, 76, 95, 127, 0x80 | 101, 0xFF };
    for (size_t i = 0; i < sizeof ok_b1; i++) {
        bad[1] = ok_b1[i];
        accepted += cw_rtp_parse(bad, n, &out) == 0 && out.pt == (ok_b1[i] & 0x7F) &&
                    out.marker == (ok_b1[i] >> 7);
    }
    CHECK_EQ_INT(accepted, (int)sizeof ok_b1);

    /* writing a payload length with no payload is refused, not a crash */
    cw_rtp_packet nopayload = { 0, 0, 0, 0, 0, NULL, 10 };
    CHECK_EQ_INT(cw_rtp_write(buf + 200, 100, &nopayload), 0);

    /* a header alone is a valid, empty packet; out is untouched on failure */
    n = cw_rtp_write(buf, sizeof buf, &in);
    CHECK_EQ_INT(cw_rtp_parse(buf, 12, &out), 0);
    CHECK_EQ_INT(out.payload_len, 0);
    memset(&out, 0x5A, sizeof out);
    CHECK_EQ_INT(cw_rtp_parse(buf, 11, &out), -1);
    CHECK_EQ_INT(out.pt, 0x5A);

    return check_summary("rtp");
}
