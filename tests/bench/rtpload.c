/* rtpload.c  The callers' RTP ends for make bench: N ports, 50 G.711 packets/s each, counted.
 *
 * SIPp's play_pcap_audio starts a thread per call and does not reach thousands of calls,
 * so the media side of the benchmark is this one program. It owns N UDP ports on a
 * loopback address (base, base+2, ...); the SIPp scenario puts port i of a CSV file into
 * call i's SDP, so each port is exactly one call and every figure can be taken per call.
 *
 * Per port:
 *   - it waits for the runtime's first RTP packet (the welcome prompt). Its source is the
 *     runtime's RTP socket: from then on the port sends one 20 ms G.711 packet (a 400 Hz
 *     tone, 160 bytes, PCMU or PCMA) every 20 ms, --hold-ms long, to that address and
 *     from its own socket, so the runtime latches on it as on a phone (symmetric RTP);
 *   - it counts every packet received, the span of RTP sequence numbers seen (what the
 *     runtime produced, including packets it failed to send), duplicates and malformed
 *     packets, and stamps the first arrival with CLOCK_REALTIME (for INVITE -> first RTP
 *     measured from outside, against SIPp's [timestamp] of the INVITE).
 * With --hold-ms 0 it only receives (a sink).
 *
 * Timing: one thread, one timing loop on CLOCK_MONOTONIC. Frame k of a port is due at
 * start + k * 20 ms; every wake-up sends what is due (late wake-ups catch up, so the rate
 * stays exactly 50/s and "sent" is exact) and then waits in epoll for the next frame's
 * boundary, receiving meanwhile. Sending and receiving are batched as far as the sockets
 * allow: recvmmsg drains up to 16 packets from a ready socket per call, and a port that
 * fell behind sends its catch-up frames in one sendmmsg. (Linux has no way to send from
 * several source ports in one call; one packet per port per 20 ms is one send per port.)
 *
 * It ends by itself: when every port that started has sent its hold and nothing arrived
 * for --linger-ms; at --duration-s in any case; at SIGTERM/SIGINT. It then writes one
 * line per port to --report and a summary line on stdout. Exit status 0, 1 on a socket
 * error, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_NS 20000000LL
#define FRAME_SAMPLES 160
#define PKT_LEN (12 + FRAME_SAMPLES)
#define RX_BATCH 16
#define TX_BATCH 16
#define EP_EVENTS 1024

typedef struct port {
    int fd;
    uint16_t num;
    int active;                     /* the runtime's first packet arrived */
    struct sockaddr_storage peer;   /* its source: where we send */
    socklen_t peer_len;
    int64_t start_ns;               /* monotonic time of our frame 0 */
    uint32_t to_send;               /* frames in the hold */
    uint32_t frames;                /* frames produced so far (sent or refused) */
    uint32_t sent;
    uint64_t send_errors;
    uint16_t seq0;
    uint32_t ts0, ssrc;

    uint64_t recv, bad, dups;
    int64_t first_rx_rt_us;         /* CLOCK_REALTIME of the first packet */
    int64_t last_rx_ns;
    int have_seq;
    uint32_t rx_ssrc;
    int64_t seq_first, seq_max;     /* extended sequence numbers */
    uint64_t ssrc_changes;
    uint64_t seen[8];               /* bitmap of the last 512 extended seqs, for dups */
} port;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* ---- G.711 (the payload only has to be valid audio; a tone is easy to spot) ------- */

static uint8_t ulaw_encode(int16_t s)
{
    const int bias = 0x84, clip = 32635;
    int sign = (s >> 8) & 0x80;
    int v = sign ? -(int)s : s;
    if (v > clip)
        v = clip;
    v += bias;
    int exp = 7;
    for (int mask = 0x4000; (v & mask) == 0 && exp > 0; mask >>= 1)
        exp--;
    int mant = (v >> (exp + 3)) & 0x0f;
    return (uint8_t)~(sign | (exp << 4) | mant);
}

static uint8_t alaw_encode(int16_t s)
{
    static const int seg_end[8] = { 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff };
    int v = s >> 3, mask = 0xd5;
    if (v < 0) {
        mask = 0x55;
        v = -v - 1;
    }
    int seg = 0;
    while (seg < 8 && v > seg_end[seg])
        seg++;
    if (seg >= 8)
        return (uint8_t)(0x7f ^ mask);
    int a = seg << 4 | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
    return (uint8_t)(a ^ mask);
}

/* ---- sockets ----------------------------------------------------------------------- */

static int make_addr(const char *host, unsigned p, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- receiving --------------------------------------------------------------------- */

/* Extend a 16-bit sequence number next to the highest one seen (RFC 3550 A.1 style). */
static int64_t extend_seq(const port *p, uint16_t seq)
{
    int64_t base = p->seq_max & ~(int64_t)0xffff;
    int64_t e = base | seq;
    if (e < p->seq_max - 32768)
        e += 65536;
    else if (e > p->seq_max + 32768)
        e -= 65536;
    return e;
}

static void take_packet(port *p, const uint8_t *b, size_t n, const struct sockaddr_storage *from,
                        socklen_t fromlen, int64_t now)
{
    if (n < 12 || (b[0] >> 6) != 2) {
        p->bad++;
        return;
    }
    uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);
    uint32_t ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
    if (n != PKT_LEN)
        p->bad++;                    /* counted, but still a packet the runtime sent */
    p->recv++;
    p->last_rx_ns = now;
    if (!p->active) {
        p->active = 1;
        p->first_rx_rt_us = real_us();
        memcpy(&p->peer, from, fromlen);
        p->peer_len = fromlen;
        /* our frame 0 goes out at the next 20 ms boundary of this port's own clock */
        p->start_ns = now + FRAME_NS / 2;
    }
    if (!p->have_seq || ssrc != p->rx_ssrc) {
        if (p->have_seq)
            p->ssrc_changes++;
        /* a new source starts a new sequence space; keep the span already counted */
        int64_t span = p->have_seq ? p->seq_max - p->seq_first + 1 : 0;
        p->have_seq = 1;
        p->rx_ssrc = ssrc;
        p->seq_max = seq;
        p->seq_first = seq - span;
        memset(p->seen, 0, sizeof p->seen);
        p->seen[(seq & 511) >> 6] |= 1ull << (seq & 63);
        return;
    }
    int64_t e = extend_seq(p, seq);
    if (e > p->seq_max) {
        for (int64_t k = p->seq_max + 1; k < e && k < p->seq_max + 512; k++)
            p->seen[(k & 511) >> 6] &= ~(1ull << (k & 63));
        if (e - p->seq_max >= 512)
            memset(p->seen, 0, sizeof p->seen);
        p->seq_max = e;
    } else if (e < p->seq_first) {
        p->seq_first = e;            /* reordered before the first one seen */
    } else if (p->seq_max - e < 512 && (p->seen[(e & 511) >> 6] >> (e & 63) & 1)) {
        p->dups++;
        p->recv--;                   /* a duplicate is not a packet more */
        return;
    }
    p->seen[(e & 511) >> 6] |= 1ull << (e & 63);
}

static void drain_port(port *p, int64_t now)
{
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];
    static uint8_t bufs[RX_BATCH][2048];
    struct sockaddr_storage from[RX_BATCH];
    for (;;) {
        for (int i = 0; i < RX_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof bufs[i];
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        int n = recvmmsg(p->fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++)
            take_packet(p, bufs[i], msgs[i].msg_len, &from[i], msgs[i].msg_hdr.msg_namelen,
                        now);
        if (n < RX_BATCH)
            return;
    }
}

/* ---- sending ----------------------------------------------------------------------- */

static uint8_t tone[2][8 * FRAME_SAMPLES];   /* 400 Hz: 20 samples a period, 8 frames */

static void make_tone(void)
{
    for (int i = 0; i < 8 * FRAME_SAMPLES; i++) {
        int16_t s = (int16_t)lrint(8000.0 * sin(2.0 * M_PI * 400.0 * i / 8000.0));
        tone[0][i] = ulaw_encode(s);
        tone[1][i] = alaw_encode(s);
    }
}

/* Send every frame of p that is due at now, TX_BATCH at most per sendmmsg. A frame the
 * socket refused (a full buffer) is lost on our side: counted in send_errors, not in
 * sent, and never retried, as a phone's network would drop it. */
static void send_due(port *p, int pt, int64_t now)
{
    if (!p->active || p->frames >= p->to_send || now < p->start_ns)
        return;
    int64_t due = (now - p->start_ns) / FRAME_NS + 1;
    if (due > p->to_send)
        due = p->to_send;
    while ((int64_t)p->frames < due) {
        int n = (int)(due - p->frames);
        if (n > TX_BATCH)
            n = TX_BATCH;
        uint8_t pkts[TX_BATCH][PKT_LEN];
        struct iovec iov[TX_BATCH];
        struct mmsghdr msgs[TX_BATCH];
        for (int i = 0; i < n; i++) {
            uint8_t *b = pkts[i];
            uint32_t frame = p->frames + (uint32_t)i;
            uint16_t seq = (uint16_t)(p->seq0 + frame);
            uint32_t ts = p->ts0 + frame * FRAME_SAMPLES;
            b[0] = 0x80;
            b[1] = (uint8_t)((frame == 0 ? 0x80 : 0) | pt);
            b[2] = (uint8_t)(seq >> 8);
            b[3] = (uint8_t)seq;
            b[4] = (uint8_t)(ts >> 24);
            b[5] = (uint8_t)(ts >> 16);
            b[6] = (uint8_t)(ts >> 8);
            b[7] = (uint8_t)ts;
            b[8] = (uint8_t)(p->ssrc >> 24);
            b[9] = (uint8_t)(p->ssrc >> 16);
            b[10] = (uint8_t)(p->ssrc >> 8);
            b[11] = (uint8_t)p->ssrc;
            memcpy(b + 12, tone[pt == 8] + (frame % 8) * FRAME_SAMPLES, FRAME_SAMPLES);
            iov[i].iov_base = b;
            iov[i].iov_len = PKT_LEN;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &p->peer;
            msgs[i].msg_hdr.msg_namelen = p->peer_len;
        }
        int k = sendmmsg(p->fd, msgs, (unsigned)n, MSG_DONTWAIT);
        if (k < 0)
            k = 0;
        p->sent += (uint32_t)k;
        p->send_errors += (uint64_t)(n - k);
        p->frames += (uint32_t)n;
    }
}

/* ---- status and report --------------------------------------------------------------- */

typedef struct totals {
    size_t active, sending;
    uint64_t sent, recv, bad, dups, send_errors, seq_span, ssrc_changes;
} totals;

static void sum(const port *ps, size_t n, totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const port *p = &ps[i];
        t->active += p->active != 0;
        t->sending += p->active && p->frames < p->to_send;
        t->sent += p->sent;
        t->recv += p->recv;
        t->bad += p->bad;
        t->dups += p->dups;
        t->send_errors += p->send_errors;
        t->ssrc_changes += p->ssrc_changes;
        if (p->have_seq)
            t->seq_span += (uint64_t)(p->seq_max - p->seq_first + 1);
    }
}

static void write_status(const char *path, const port *ps, size_t n, int64_t t0)
{
    if (!path)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    totals t;
    sum(ps, n, &t);
    fprintf(f, "elapsed_ms=%lld ports=%zu active=%zu sending=%zu sent=%llu received=%llu\n",
            (long long)((mono_ns() - t0) / 1000000), n, t.active, t.sending,
            (unsigned long long)t.sent, (unsigned long long)t.recv);
    fclose(f);
    rename(tmp, path);
}

static void write_report(const char *path, const port *ps, size_t n)
{
    if (!path)
        return;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rtpload: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "# port active sent send_errors received seq_span dups bad ssrc_changes "
               "first_rx_us\n");
    for (size_t i = 0; i < n; i++) {
        const port *p = &ps[i];
        fprintf(f, "%u %d %u %llu %llu %lld %llu %llu %llu %lld\n", p->num, p->active, p->sent,
                (unsigned long long)p->send_errors, (unsigned long long)p->recv,
                p->have_seq ? (long long)(p->seq_max - p->seq_first + 1) : 0LL,
                (unsigned long long)p->dups, (unsigned long long)p->bad,
                (unsigned long long)p->ssrc_changes, (long long)p->first_rx_rt_us);
    }
    fclose(f);
}

/* ---- main ---------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
        "usage: rtpload --base-port P --count N [options]\n"
        "  --bind ADDR         loopback address to bind (default 127.0.0.1)\n"
        "  --base-port P       first port; the ports are P, P+2, ... (even: RTP)\n"
        "  --count N           number of ports (calls)\n"
        "  --hold-ms MS        per port, send this long after the runtime's first packet;\n"
        "                      0 = only receive (default 0)\n"
        "  --pt 0|8            PCMU or PCMA (default 0)\n"
        "  --duration-s S      exit after S seconds whatever happens (default 120)\n"
        "  --linger-ms MS      exit once every started port is done and nothing arrived\n"
        "                      for MS (default 3000; 0 = only at --duration-s or a signal)\n"
        "  --rcvbuf BYTES      SO_RCVBUF per socket (default: the system's)\n"
        "  --report FILE       one line per port at exit\n"
        "  --status FILE       a line of totals, rewritten every second\n"
        "  --ready-file FILE   written once every port is bound\n");
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1", *report = NULL, *status = NULL, *ready = NULL;
    long base = 0, count = 0, hold_ms = 0, pt = 0, duration_s = 120, linger_ms = 3000;
    long rcvbuf = 0;
    static const struct option opts[] = {
        { "bind", required_argument, NULL, 'b' },
        { "base-port", required_argument, NULL, 'p' },
        { "count", required_argument, NULL, 'n' },
        { "hold-ms", required_argument, NULL, 'H' },
        { "pt", required_argument, NULL, 't' },
        { "duration-s", required_argument, NULL, 'd' },
        { "linger-ms", required_argument, NULL, 'l' },
        { "rcvbuf", required_argument, NULL, 'r' },
        { "report", required_argument, NULL, 'R' },
        { "status", required_argument, NULL, 'S' },
        { "ready-file", required_argument, NULL, 'y' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'b': bind_addr = optarg; break;
        case 'p': base = strtol(optarg, NULL, 10); break;
        case 'n': count = strtol(optarg, NULL, 10); break;
        case 'H': hold_ms = strtol(optarg, NULL, 10); break;
        case 't': pt = strtol(optarg, NULL, 10); break;
        case 'd': duration_s = strtol(optarg, NULL, 10); break;
        case 'l': linger_ms = strtol(optarg, NULL, 10); break;
        case 'r': rcvbuf = strtol(optarg, NULL, 10); break;
        case 'R': report = optarg; break;
        case 'S': status = optarg; break;
        case 'y': ready = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (base < 1024 || count < 1 || base + 2 * (count - 1) > 65535 || hold_ms < 0 ||
        (pt != 0 && pt != 8) || duration_s < 1 || duration_s > 3600 || linger_ms < 0) {
        usage(stderr);
        return 2;
    }

    raise_fd_limit();
    make_tone();
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    port *ps = calloc((size_t)count, sizeof *ps);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!ps || ep < 0) {
        fprintf(stderr, "rtpload: out of memory or epoll: %s\n", strerror(errno));
        return 1;
    }
    srandom((unsigned)(mono_ns() ^ getpid()));
    for (long i = 0; i < count; i++) {
        port *p = &ps[i];
        p->num = (uint16_t)(base + 2 * i);
        p->to_send = (uint32_t)(hold_ms / 20);
        p->seq0 = (uint16_t)random();
        p->ts0 = (uint32_t)random();
        p->ssrc = (uint32_t)random();
        struct sockaddr_storage ss;
        socklen_t len;
        if (make_addr(bind_addr, p->num, &ss, &len) != 0) {
            fprintf(stderr, "rtpload: bad address \"%s\"\n", bind_addr);
            return 2;
        }
        p->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&ss, len) != 0) {
            fprintf(stderr, "rtpload: cannot bind %s port %u: %s\n", bind_addr, p->num,
                    strerror(errno));
            return 1;
        }
        if (rcvbuf > 0) {
            int v = (int)rcvbuf;
            setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, p->fd, &ev) != 0) {
            fprintf(stderr, "rtpload: epoll_ctl: %s\n", strerror(errno));
            return 1;
        }
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f) {
            fprintf(f, "%ld\n", count);
            fclose(f);
        }
    }

    const int64_t t0 = mono_ns();
    const int64_t t_end = t0 + duration_s * 1000000000LL;
    int64_t next_tick = t0 + FRAME_NS, next_status = t0, last_rx = t0;
    uint64_t late_ticks = 0;
    int64_t max_lag_ns = 0;
    struct epoll_event evs[EP_EVENTS];
    const char *why = "duration";

    while (!stop_flag) {
        int64_t now = mono_ns();
        if (now >= t_end)
            break;
        if (now >= next_tick) {
            int64_t lag = now - next_tick;
            if (lag > max_lag_ns)
                max_lag_ns = lag;
            if (lag >= FRAME_NS)
                late_ticks++;
            for (long i = 0; i < count; i++)
                send_due(&ps[i], (int)pt, now);
            next_tick += ((now - next_tick) / FRAME_NS + 1) * FRAME_NS;
        }
        if (now >= next_status) {
            write_status(status, ps, (size_t)count, t0);
            next_status += 1000000000LL;
            /* done: every port that started has sent its hold, and the line is quiet */
            if (linger_ms > 0) {
                totals t;
                sum(ps, (size_t)count, &t);
                if (t.active > 0 && t.sending == 0 && now - last_rx > linger_ms * 1000000LL) {
                    why = "done";
                    break;
                }
            }
        }
        int64_t wait_ns = next_tick - mono_ns();
        if (wait_ns < 0)
            wait_ns = 0;
        struct timespec to = { .tv_sec = wait_ns / 1000000000LL,
                               .tv_nsec = wait_ns % 1000000000LL };
        int n = epoll_pwait2(ep, evs, EP_EVENTS, &to, NULL);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "rtpload: epoll: %s\n", strerror(errno));
            break;
        }
        if (n > 0) {
            now = mono_ns();
            last_rx = now;
            for (int i = 0; i < n; i++)
                drain_port(&ps[evs[i].data.u32], now);
        }
    }
    if (stop_flag)
        why = "signal";

    totals t;
    sum(ps, (size_t)count, &t);
    write_status(status, ps, (size_t)count, t0);
    write_report(report, ps, (size_t)count);
    printf("rtpload ports=%ld active=%zu sent=%llu send_errors=%llu received=%llu seq_span=%llu "
           "dups=%llu bad=%llu ssrc_changes=%llu late_ticks=%llu max_tick_lag_us=%lld "
           "ended=%s elapsed_ms=%lld\n",
           count, t.active, (unsigned long long)t.sent, (unsigned long long)t.send_errors,
           (unsigned long long)t.recv, (unsigned long long)t.seq_span,
           (unsigned long long)t.dups, (unsigned long long)t.bad,
           (unsigned long long)t.ssrc_changes, (unsigned long long)late_ticks,
           (long long)(max_lag_ns / 1000), why, (long long)((mono_ns() - t0) / 1000000));
    for (long i = 0; i < count; i++)
        close(ps[i].fd);
    close(ep);
    free(ps);
    return 0;
}
