/* rtppeer.c  The caller's RTP endpoint for the SIP tests: counts talkspurts, sends DTMF.
 *
 * callwarden speaks symmetric RTP: it sends to whoever sent it valid RTP, so the test
 * caller needs one UDP socket that both receives the runtime's prompts and sends the
 * caller's packets. SIPp's own media socket cannot be told apart per call, so the SIP
 * tests put this program's port in the SDP (m=audio) and read what it printed.
 *
 * What it does, within --duration seconds at most:
 *   - receives RTP and splits it into talkspurts: a talkspurt is the packets up to the
 *     next marker bit or a gap of more than 200 ms; one line per talkspurt on stdout
 *     (packets, payload type, SSRC, first/last arrival, sequence gaps, odd sizes);
 *   - replays the RTP packets of a pcap file (RFC 2833/4733 events, as SIPp ships them)
 *     with their original relative timing, to the address the runtime's RTP came from,
 *     when a given talkspurt has ended or a given time after the first packet;
 *   - sends G.711 (a 400 Hz tone) itself for a while, to exercise inbound media, and can
 *     send packets from a second socket to check that strangers are dropped; it sends to
 *     the source of the first RTP it got, or to an address it is given (or finds in a
 *     file), which lets a test announce one port in the SDP and send from another;
 *   - logs every packet received (--log) with its wall-clock arrival time, so that a
 *     test can count packets after the moment it sent BYE or a re-INVITE.
 *
 * Exit status: 0 done (and the expected talkspurts seen); 1 an error (socket, pcap);
 * 2 bad usage; 3 the expectation failed (--expect-talkspurts not reached, or the DTMF
 * replay never happened because no RTP arrived to learn the runtime's address from).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "callwarden/g711.h"
#include "callwarden/rtp.h"

#define GAP_MS 200              /* a silence longer than this ends a talkspurt */
#define FRAME_SAMPLES 160       /* what we send: 20 ms at 8 kHz */
#define MAX_REPLAY 256          /* packets taken from a pcap file */

/* ---- time -------------------------------------------------------------------------- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- addresses --------------------------------------------------------------------- */

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

/* Fill ss from a literal address and a port; returns 0 or -1. */
static int addr_make(const char *host, unsigned port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return 0;
    }
    return -1;
}

/* Parse "1.2.3.4:5" or "[::1]:5". */
static int addr_parse(const char *s, struct sockaddr_storage *ss)
{
    char host[128];
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = 0;
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port == 0 || port > 65535)
        return -1;
    return addr_make(host, (unsigned)port, ss);
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        port = ntohs(v6->sin6_port);
        snprintf(buf, cap, "[%s]:%u", host, port);
    } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
        snprintf(buf, cap, "%s:%u", host, port);
    }
    return buf;
}

static int bind_udp(const char *host, unsigned port, unsigned *bound)
{
    struct sockaddr_storage ss;
    if (addr_make(host, port, &ss) != 0) {
        fprintf(stderr, "rtppeer: bad address \"%s\"\n", host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, addr_len(&ss)) != 0) {
        fprintf(stderr, "rtppeer: cannot bind %s port %u: %s\n", host, port,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* The kernel stamps each datagram's arrival: a test that counts packets after a
     * moment must not count one that arrived before it but was read late (this
     * process descheduled on a loaded machine). */
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* One datagram and the wall-clock time (us) the kernel received it (SO_TIMESTAMP);
 * the time of reading if the kernel gave none. */
static ssize_t recv_stamped(int fd, uint8_t *buf, size_t cap,
                            struct sockaddr_storage *from, int64_t *arrived)
{
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    union { char b[CMSG_SPACE(sizeof(struct timeval))]; struct cmsghdr align; } ctl;
    struct msghdr m = { .msg_name = from, .msg_namelen = sizeof *from,
                        .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
    ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0)
        return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
            struct timeval tv;
            memcpy(&tv, CMSG_DATA(c), sizeof tv);
            *arrived = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
            return n;
        }
    }
    *arrived = wall_us();
    return n;
}

/* ---- pcap ---------------------------------------------------------------------------- */

typedef struct replay_pkt {
    int64_t offset_us;          /* from the first packet of the file */
    size_t len;
    uint8_t data[CW_RTP_MAX_PACKET];
} replay_pkt;

static uint32_t rd32(const uint8_t *p, int swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

/*
 * Read the UDP payloads of a classic pcap file (Ethernet, optionally one VLAN tag, IPv4,
 * UDP) into out (at most max). Returns the number of packets, or -1 with a message.
 */
static int pcap_load(const char *path, replay_pkt *out, int max)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "rtppeer: %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t gh[24];
    int n = -1;
    if (fread(gh, 1, sizeof gh, f) != sizeof gh) {
        fprintf(stderr, "rtppeer: %s: too short for a pcap header\n", path);
        goto done;
    }
    uint32_t magic;
    memcpy(&magic, gh, 4);
    int swap, nanos;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
        swap = 0;
        nanos = magic == 0xa1b23c4d;
    } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
        swap = 1;
        nanos = magic == 0x4d3cb2a1;
    } else {
        fprintf(stderr, "rtppeer: %s: not a pcap file (pcapng is not supported)\n", path);
        goto done;
    }
    if (rd32(gh + 20, swap) != 1) {
        fprintf(stderr, "rtppeer: %s: link type %u, only Ethernet (1) is supported\n", path,
                rd32(gh + 20, swap));
        goto done;
    }
    n = 0;
    int64_t first = -1;
    uint8_t rec[16], frame[65536];
    while (fread(rec, 1, sizeof rec, f) == sizeof rec) {
        uint32_t incl = rd32(rec + 8, swap);
        if (incl > sizeof frame || fread(frame, 1, incl, f) != incl) {
            fprintf(stderr, "rtppeer: %s: truncated record\n", path);
            n = -1;
            goto done;
        }
        int64_t t = (int64_t)rd32(rec, swap) * 1000000 +
                    (nanos ? rd32(rec + 4, swap) / 1000 : rd32(rec + 4, swap));
        size_t off = 12;
        if (incl < off + 2)
            continue;
        unsigned ethertype = (unsigned)frame[off] << 8 | frame[off + 1];
        off += 2;
        if (ethertype == 0x8100 && incl >= off + 4) {       /* one 802.1Q tag */
            ethertype = (unsigned)frame[off + 2] << 8 | frame[off + 3];
            off += 4;
        }
        if (ethertype != 0x0800 || incl < off + 20 || (frame[off] >> 4) != 4)
            continue;                                        /* IPv4 only */
        size_t ihl = (size_t)(frame[off] & 0x0f) * 4;
        if (frame[off + 9] != 17 || ihl < 20 || incl < off + ihl + 8)
            continue;                                        /* UDP only */
        off += ihl;
        size_t ulen = (size_t)frame[off + 4] << 8 | frame[off + 5];
        if (ulen < 8 || off + ulen > incl)
            continue;
        size_t plen = ulen - 8;
        if (plen > CW_RTP_MAX_PACKET || n == max)
            continue;
        if (first < 0)
            first = t;
        out[n].offset_us = t - first;
        out[n].len = plen;
        memcpy(out[n].data, frame + off + 8, plen);
        n++;
    }
    if (n == 0)
        fprintf(stderr, "rtppeer: %s: no IPv4/UDP packets\n", path);
done:
    fclose(f);
    return n;
}

/* ---- talkspurts ---------------------------------------------------------------------- */

typedef struct talkspurt {
    int open;
    unsigned number;
    unsigned packets;
    uint8_t pt;
    uint32_t ssrc;
    int marker;                 /* the first packet had the marker bit */
    unsigned other_pt;          /* packets with another payload type */
    unsigned other_ssrc;
    unsigned bad_len;           /* payload not 160 bytes */
    unsigned seq_gaps;          /* packets whose sequence number was not last + 1 */
    uint16_t last_seq;
    int64_t first_us, last_us;  /* arrival, monotonic */
    struct sockaddr_storage from;
} talkspurt;

static void talkspurt_close(talkspurt *t, int64_t start_us)
{
    char from[80];
    if (!t->open)
        return;
    t->open = 0;
    printf("talkspurt=%u packets=%u pt=%u ssrc=0x%08x marker=%d start_ms=%lld end_ms=%lld "
           "seq_gaps=%u bad_len=%u other_pt=%u other_ssrc=%u from=%s\n",
           t->number, t->packets, t->pt, t->ssrc, t->marker,
           (long long)((t->first_us - start_us) / 1000),
           (long long)((t->last_us - start_us) / 1000), t->seq_gaps, t->bad_len,
           t->other_pt, t->other_ssrc, addr_str(&t->from, from, sizeof from));
    fflush(stdout);
}

/* ---- options ------------------------------------------------------------------------- */

typedef struct options {
    const char *bind_host;
    unsigned port;
    const char *port_file;
    double duration_s;
    const char *log_path;
    unsigned expect_talkspurts;     /* 0: run for the whole duration */
    const char *pcap_path;
    unsigned dtmf_after_talkspurt;  /* replay when talkspurt N has ended */
    long dtmf_after_ms;             /* or this long after the first packet (-1: no) */
    long send_ms;                   /* send G.711 this long (0: never) */
    cw_codec codec;
    const char *to;                 /* where to send before any RTP arrived */
    const char *to_file;            /* the same, read from this file once it exists */
    unsigned stranger;              /* packets to send from a second socket */
} options;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: rtppeer --bind ADDR [--port N] [--port-file FILE] --duration SEC [options]\n"
        "  --bind ADDR                  127.0.0.1 or ::1\n"
        "  --port N                     UDP port; 0 (default) lets the kernel choose\n"
        "  --port-file FILE             write the bound port here once bound\n"
        "  --duration SEC               stop after this long (required, at most 600)\n"
        "  --log FILE                   one line per packet received:\n"
        "                               <wall clock us> <seq> <marker> <pt> <ssrc> <len>\n"
        "  --expect-talkspurts N        stop once N talkspurts have ended; exit 3 if the\n"
        "                               duration ends first\n"
        "  --pcap FILE                  RTP packets to replay (Ethernet/IPv4/UDP pcap)...\n"
        "  --dtmf-after-talkspurt N     ...once talkspurt N has ended\n"
        "  --dtmf-after-ms MS           ...or MS after the first packet arrived\n"
        "  --send-ms MS                 send a 400 Hz tone as G.711 for MS, from when the\n"
        "                               first RTP arrives (or at once with --to)\n"
        "  --codec pcmu|pcma            codec of what we send (default pcmu)\n"
        "  --to ADDR:PORT               send there instead of to the source of the first RTP\n"
        "  --to-file FILE               the same, read from FILE as soon as it exists\n"
        "  --stranger N                 also send N packets from a second socket (while\n"
        "                               --send-ms runs), which the runtime must drop\n"
        "exit: 0 done, 1 error, 2 usage, 3 expectation not met\n");
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "bind", required_argument, NULL, 'b' },
        { "port", required_argument, NULL, 'p' },
        { "port-file", required_argument, NULL, 'P' },
        { "duration", required_argument, NULL, 'd' },
        { "log", required_argument, NULL, 'l' },
        { "expect-talkspurts", required_argument, NULL, 'e' },
        { "pcap", required_argument, NULL, 'f' },
        { "dtmf-after-talkspurt", required_argument, NULL, 'T' },
        { "dtmf-after-ms", required_argument, NULL, 'M' },
        { "send-ms", required_argument, NULL, 's' },
        { "codec", required_argument, NULL, 'c' },
        { "to", required_argument, NULL, 't' },
        { "to-file", required_argument, NULL, 'F' },
        { "stranger", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->dtmf_after_ms = -1;
    o->codec = CW_CODEC_PCMU;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': o->bind_host = optarg; break;
        case 'p': o->port = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'P': o->port_file = optarg; break;
        case 'd': o->duration_s = strtod(optarg, NULL); break;
        case 'l': o->log_path = optarg; break;
        case 'e': o->expect_talkspurts = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'f': o->pcap_path = optarg; break;
        case 'T': o->dtmf_after_talkspurt = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'M': o->dtmf_after_ms = strtol(optarg, NULL, 10); break;
        case 's': o->send_ms = strtol(optarg, NULL, 10); break;
        case 'c':
            if (strcmp(optarg, "pcmu") == 0)
                o->codec = CW_CODEC_PCMU;
            else if (strcmp(optarg, "pcma") == 0)
                o->codec = CW_CODEC_PCMA;
            else
                return -1;
            break;
        case 't': o->to = optarg; break;
        case 'F': o->to_file = optarg; break;
        case 'S': o->stranger = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'h': usage(stdout); exit(0);
        default: return -1;
        }
    }
    if (optind != argc || !o->bind_host || o->duration_s <= 0 || o->duration_s > 600 ||
        o->port > 65535 || o->send_ms < 0)
        return -1;
    int when = (o->dtmf_after_talkspurt > 0) + (o->dtmf_after_ms >= 0);
    if ((o->pcap_path != NULL) != (when == 1))
        return -1;                  /* --pcap needs exactly one moment, and vice versa */
    if (o->stranger && o->send_ms == 0)
        return -1;
    if (o->to && o->to_file)
        return -1;
    return 0;
}

/* ---- the run ------------------------------------------------------------------------- */

typedef struct peer {
    options o;
    int fd, stranger_fd;
    FILE *log;
    int64_t start_us, deadline_us;

    talkspurt ts;
    unsigned talkspurts_done;
    unsigned long received;
    int64_t first_rx_us;            /* 0 until the first packet */
    struct sockaddr_storage remote; /* where the runtime's RTP came from, or --to */
    int have_remote;

    replay_pkt *replay;
    int nreplay;
    int replay_next;                /* -1 until the replay is due */
    int64_t replay_start_us;
    unsigned dtmf_sent;

    int64_t send_next_us;           /* 0 until sending starts */
    int64_t send_end_us;
    unsigned long sent;
    unsigned stranger_sent;
    uint16_t seq;
    uint32_t rtp_ts, ssrc;
    double phase;
} peer;

static void start_replay(peer *p, int64_t now)
{
    if (p->replay && p->replay_next < 0 && p->have_remote) {
        p->replay_next = 0;
        p->replay_start_us = now;
    }
}

static void talkspurt_ended(peer *p, int64_t now)
{
    talkspurt_close(&p->ts, p->start_us);
    p->talkspurts_done++;
    if (p->o.dtmf_after_talkspurt == p->talkspurts_done)
        start_replay(p, now);
}

static void on_packet(peer *p, const uint8_t *buf, size_t len,
                      const struct sockaddr_storage *from, int64_t now, int64_t arrived_wall)
{
    cw_rtp_packet pkt;
    if (cw_rtp_parse(buf, len, &pkt) != 0) {
        fprintf(stderr, "rtppeer: dropped an invalid RTP packet (%zu bytes)\n", len);
        return;
    }
    p->received++;
    if (p->log)
        fprintf(p->log, "%lld %u %u %u %u %zu\n", (long long)arrived_wall, pkt.seq,
                pkt.marker, pkt.pt, pkt.ssrc, pkt.payload_len);
    if (!p->first_rx_us)
        p->first_rx_us = now;
    if (!p->o.to && !p->o.to_file) {
        p->remote = *from;
        p->have_remote = 1;
    }
    if (!p->send_next_us && p->o.send_ms > 0 && p->have_remote) {
        p->send_next_us = now;
        p->send_end_us = now + p->o.send_ms * 1000;
    }

    talkspurt *t = &p->ts;
    if (t->open && pkt.marker)
        talkspurt_ended(p, now);
    if (!t->open) {
        memset(t, 0, sizeof *t);
        t->open = 1;
        t->number = p->talkspurts_done + 1;
        t->pt = pkt.pt;
        t->ssrc = pkt.ssrc;
        t->marker = pkt.marker;
        t->first_us = now;
        t->from = *from;
    } else if ((uint16_t)(t->last_seq + 1) != pkt.seq) {
        t->seq_gaps++;
    }
    t->packets++;
    t->last_seq = pkt.seq;
    t->last_us = now;
    if (pkt.pt != t->pt)
        t->other_pt++;
    if (pkt.ssrc != t->ssrc)
        t->other_ssrc++;
    if (pkt.payload_len != FRAME_SAMPLES)
        t->bad_len++;
}

/* One 20 ms frame of the tone, from fd to the remote address. */
static void send_frame(peer *p, int fd, int marker)
{
    int16_t pcm[FRAME_SAMPLES];
    uint8_t payload[FRAME_SAMPLES], buf[CW_RTP_HEADER_LEN + FRAME_SAMPLES];
    for (int i = 0; i < FRAME_SAMPLES; i++) {
        pcm[i] = (int16_t)(8000.0 * sin(p->phase));
        p->phase += 2 * M_PI * 400.0 / 8000.0;
    }
    cw_g711_encode(p->o.codec, pcm, payload, FRAME_SAMPLES);
    cw_rtp_packet pkt = {
        .marker = (uint8_t)marker,
        .pt = (uint8_t)p->o.codec,
        .seq = p->seq++,
        .ts = p->rtp_ts,
        .ssrc = p->ssrc,
        .payload = payload,
        .payload_len = sizeof payload,
    };
    p->rtp_ts += FRAME_SAMPLES;
    size_t n = cw_rtp_write(buf, sizeof buf, &pkt);
    if (sendto(fd, buf, n, 0, (struct sockaddr *)&p->remote, addr_len(&p->remote)) < 0)
        fprintf(stderr, "rtppeer: send: %s\n", strerror(errno));
}

/* Do whatever sending is due at now; returns the next time something is due (or 0). */
static int64_t send_due(peer *p, int64_t now)
{
    int64_t next = 0;
    if (p->replay_next >= 0 && p->replay_next < p->nreplay) {
        while (p->replay_next < p->nreplay &&
               p->replay_start_us + p->replay[p->replay_next].offset_us <= now) {
            const replay_pkt *r = &p->replay[p->replay_next++];
            if (sendto(p->fd, r->data, r->len, 0, (struct sockaddr *)&p->remote,
                       addr_len(&p->remote)) < 0)
                fprintf(stderr, "rtppeer: send: %s\n", strerror(errno));
            else
                p->dtmf_sent++;
        }
        if (p->replay_next < p->nreplay)
            next = p->replay_start_us + p->replay[p->replay_next].offset_us;
        else
            printf("dtmf sent=%u\n", p->dtmf_sent);
    }
    if (p->send_next_us && p->send_next_us <= now && now < p->send_end_us) {
        send_frame(p, p->fd, p->sent == 0);
        p->sent++;
        /* the stranger speaks once we are latched: every other frame, from elsewhere */
        if (p->stranger_sent < p->o.stranger && p->sent > 5 && p->sent % 2 == 0) {
            send_frame(p, p->stranger_fd, 0);
            p->stranger_sent++;
        }
        p->send_next_us += FRAME_SAMPLES * 1000 / 8;
    }
    if (p->send_next_us && p->send_next_us < p->send_end_us &&
        (!next || p->send_next_us < next))
        next = p->send_next_us;
    return next;
}

/* --to-file: once the file holds "ADDR:PORT", send there (and start sending). */
static void poll_to_file(peer *p, int64_t now)
{
    char line[160];
    FILE *f = fopen(p->o.to_file, "r");
    if (!f)
        return;
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    if (!ok || addr_parse(line, &p->remote) != 0)
        return;                     /* not (completely) written yet */
    p->have_remote = 1;
    if (p->o.send_ms > 0) {
        p->send_next_us = now;
        p->send_end_us = now + p->o.send_ms * 1000;
    }
}

static int run(peer *p)
{
    uint8_t buf[2048];
    for (;;) {
        int64_t now = now_us();
        if (now >= p->deadline_us)
            break;
        if (p->o.expect_talkspurts && p->talkspurts_done >= p->o.expect_talkspurts &&
            (p->replay_next < 0 || p->replay_next >= p->nreplay))
            break;
        if (p->o.to_file && !p->have_remote)
            poll_to_file(p, now);
        /* a gap ends the talkspurt */
        if (p->ts.open && now - p->ts.last_us > GAP_MS * 1000)
            talkspurt_ended(p, now);
        if (p->o.dtmf_after_ms >= 0 && p->first_rx_us &&
            now - p->first_rx_us >= p->o.dtmf_after_ms * 1000)
            start_replay(p, now);

        int64_t next = send_due(p, now);
        int64_t wait = p->deadline_us - now;
        if (next && next - now < wait)
            wait = next - now;
        if (wait > 10000)
            wait = 10000;           /* re-check the gap at least every 10 ms */
        if (wait < 0)
            wait = 0;
        struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
        int rc = poll(&pfd, 1, (int)((wait + 999) / 1000));
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "rtppeer: poll: %s\n", strerror(errno));
            return 1;
        }
        while (rc > 0) {
            struct sockaddr_storage from;
            int64_t arrived;
            ssize_t n = recv_stamped(p->fd, buf, sizeof buf, &from, &arrived);
            if (n < 0)
                break;
            on_packet(p, buf, (size_t)n, &from, now_us(), arrived);
        }
    }
    if (p->ts.open)
        talkspurt_ended(p, now_us());
    return 0;
}

int main(int argc, char **argv)
{
    static peer p;
    static replay_pkt replay[MAX_REPLAY];
    if (parse_options(argc, argv, &p.o) != 0) {
        usage(stderr);
        return 2;
    }
    p.replay_next = -1;
    p.stranger_fd = -1;
    if (p.o.pcap_path) {
        p.nreplay = pcap_load(p.o.pcap_path, replay, MAX_REPLAY);
        if (p.nreplay <= 0)
            return 1;
        p.replay = replay;
    }
    if (p.o.to) {
        if (addr_parse(p.o.to, &p.remote) != 0) {
            usage(stderr);
            return 2;
        }
        p.have_remote = 1;
    }
    unsigned port;
    p.fd = bind_udp(p.o.bind_host, p.o.port, &port);
    if (p.fd < 0)
        return 1;
    if (p.o.stranger) {
        unsigned other;
        p.stranger_fd = bind_udp(p.o.bind_host, 0, &other);
        if (p.stranger_fd < 0)
            return 1;
    }
    if (p.o.log_path && !(p.log = fopen(p.o.log_path, "w"))) {
        fprintf(stderr, "rtppeer: %s: %s\n", p.o.log_path, strerror(errno));
        return 1;
    }
    srandom((unsigned)(now_us() ^ getpid()));
    p.ssrc = (uint32_t)random();
    p.seq = (uint16_t)random();
    p.rtp_ts = (uint32_t)random();
    p.start_us = now_us();
    p.deadline_us = p.start_us + (int64_t)(p.o.duration_s * 1e6);
    if (p.have_remote && p.o.send_ms > 0) {
        p.send_next_us = p.start_us;
        p.send_end_us = p.start_us + p.o.send_ms * 1000;
    }

    if (p.o.port_file) {
        /* written whole under a temporary name, so a reader never sees half of it */
        char tmp[1100];
        snprintf(tmp, sizeof tmp, "%s.tmp", p.o.port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
            rename(tmp, p.o.port_file) != 0) {
            fprintf(stderr, "rtppeer: cannot write %s\n", p.o.port_file);
            return 1;
        }
    }
    printf("listening port=%u\n", port);
    fflush(stdout);

    int rc = run(&p);
    if (p.log)
        fclose(p.log);
    printf("total received=%lu talkspurts=%u sent=%lu dtmf_sent=%u stranger_sent=%u\n",
           p.received, p.talkspurts_done, p.sent, p.dtmf_sent, p.stranger_sent);
    if (rc != 0)
        return rc;
    if (p.o.expect_talkspurts && p.talkspurts_done < p.o.expect_talkspurts) {
        fprintf(stderr, "rtppeer: %u talkspurts ended, %u expected\n", p.talkspurts_done,
                p.o.expect_talkspurts);
        return 3;
    }
    if (p.replay && p.replay_next < p.nreplay) {
        fprintf(stderr, "rtppeer: the DTMF replay %s\n",
                p.replay_next < 0 ? "never started" : "did not finish");
        return 3;
    }
    return 0;
}
