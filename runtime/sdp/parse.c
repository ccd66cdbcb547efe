/* parse.c  SDP parser (RFC 4566): every session description that comes from the network.
 *
 * No guarantee of DESIGN.md lives here, but all of them stand on it: a peer's SDP must
 * never crash, hang or exhaust the runtime, and sofia-sip never parses it. So:
 *  - buf is not NUL-terminated and may hold anything. We read it through spans (start,
 *    end) and never look past buf + len; the only copies go into the fixed arrays of
 *    cw_sdp with their bounds checked. Nothing is allocated.
 *  - Every count has a ceiling: the body (CW_SDP_MAX_LEN), m= lines (CW_SDP_MAX_MEDIA),
 *    formats per m= line (CW_SDP_MAX_FORMATS), digits of every number.
 *  - Strict where we depend on the content: v=0 first, every line <letter>=<value> with a
 *    type letter RFC 4566 knows, ports and payload types in range, c= literals that
 *    inet_pton accepts, a=rtpmap well formed. A body we cannot read in full is refused
 *    (a 488), never half used.
 *  - Lenient where it costs nothing: LF or CRLF, runs of spaces between fields, white
 *    space and blank lines at the end, unknown attributes, no t= line, a=ptime at
 *    session level (used as the default of every m= line).
 * The error text ends up in a SIP Warning header in quotes, so it echoes nothing from the
 * body but line numbers and type letters.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "callwarden/sdp.h"

/* A piece of the body: [p, end). */
typedef struct span {
    const char *p;
    const char *end;
} span;

typedef struct conn {
    int set;
    int family;
    char addr[CW_SDP_ADDR_LEN];
} conn;

/* What is pending until the last line: session-level defaults apply to the m= lines
 * that did not set their own. */
typedef struct parser {
    cw_sdp *out;
    char *err;
    size_t errlen;
    int lineno;
    int have_o, have_s;
    conn session_conn;
    conn media_conn[CW_SDP_MAX_MEDIA];
    cw_sdp_dir session_dir;
    int media_dir_set[CW_SDP_MAX_MEDIA];
    unsigned session_ptime;
    int media_ptime_set[CW_SDP_MAX_MEDIA];
} parser;

const char *cw_sdp_dir_name(cw_sdp_dir dir)
{
    switch (dir) {
    case CW_SDP_SENDONLY: return "sendonly";
    case CW_SDP_RECVONLY: return "recvonly";
    case CW_SDP_INACTIVE: return "inactive";
    default: return "sendrecv";
    }
}

static size_t span_len(span s)
{
    return (size_t)(s.end - s.p);
}

static int span_is(span s, const char *lit)
{
    size_t n = strlen(lit);
    return span_len(s) == n && memcmp(s.p, lit, n) == 0;
}

static int at_end(const span *s)
{
    return s->p >= s->end;
}

/* Copy s into out as a C string; -1 if it does not fit in cap bytes. */
static int span_copy(span s, char *out, size_t cap)
{
    size_t n = span_len(s);
    if (n >= cap)
        return -1;
    memcpy(out, s.p, n);
    out[n] = 0;
    return 0;
}

/* RFC 4566 token-char: what media types, protos, formats and encoding names are made of.
 * It excludes space, '"', '\\' and control characters. */
static int is_token_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`{|}~", c) != NULL;
}

/* Skip a run of spaces; returns 0 if there was none (a missing field separator). */
static int skip_sp(span *s)
{
    const char *start = s->p;
    while (s->p < s->end && *s->p == ' ')
        s->p++;
    return s->p > start;
}

/* The longest run of token characters (or '/' too, for protos) at s; may be empty. */
static span take_token(span *s, int slash)
{
    span t = { s->p, s->p };
    while (t.end < s->end && (is_token_char((unsigned char)*t.end) || (slash && *t.end == '/')))
        t.end++;
    s->p = t.end;
    return t;
}

/* The longest run of anything but spaces at s; may be empty. */
static span take_word(span *s)
{
    span t = { s->p, s->p };
    while (t.end < s->end && *t.end != ' ')
        t.end++;
    s->p = t.end;
    return t;
}

/* A decimal number of 1..maxdigits digits and at most max. Overflow cannot happen: the
 * check comes before the multiplication. */
static int take_uint(span *s, int maxdigits, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        unsigned d = (unsigned)(*s->p - '0');
        if (++n > maxdigits || d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
        s->p++;
    }
    if (n == 0)
        return -1;
    *out = v;
    return 0;
}

static int take_char(span *s, char c)
{
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

static int fail(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser *ps, const char *fmt, ...)
{
    if (ps->err && ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int bad_line(parser *ps, char type)
{
    return fail(ps, "malformed %c= line %d", type, ps->lineno);
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>. RFC 4566 does
 * not bound the two numbers; we keep them modulo 2^64 (they are only compared) and
 * read at most 32 digits. The address is not used and not checked. */
static int take_origin_number(span *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (++n > 32)
            return -1;
        v = v * 10 + (uint64_t)(*s->p - '0');
        s->p++;
    }
    *out = v;
    return n > 0 ? 0 : -1;
}

static int parse_origin(parser *ps, span v)
{
    uint64_t id, ver;
    if (span_len(take_word(&v)) == 0 || !skip_sp(&v) ||
        take_origin_number(&v, &id) != 0 || !skip_sp(&v) ||
        take_origin_number(&v, &ver) != 0 || !skip_sp(&v) ||
        span_len(take_word(&v)) == 0 || !skip_sp(&v) ||
        span_len(take_word(&v)) == 0 || !skip_sp(&v) ||
        span_len(take_word(&v)) == 0 || !at_end(&v))
        return bad_line(ps, 'o');
    ps->out->origin_id = id;
    ps->out->origin_version = ver;
    ps->have_o = 1;
    return 0;
}

/* c=IN IP4 <literal> | c=IN IP6 <literal>. Names and multicast (a /ttl suffix) are
 * refused: inet_pton takes neither. The address is stored in canonical form, so that
 * 0.0.0.0 and :: are easy to recognise. */
static int parse_conn(parser *ps, span v, conn *c)
{
    if (c->set)
        return bad_line(ps, 'c');   /* one c= per level (RFC 4566 5.7, unicast) */
    span nettype = take_token(&v, 0);
    if (!span_is(nettype, "IN") || !skip_sp(&v))
        return bad_line(ps, 'c');
    span addrtype = take_token(&v, 0);
    int family = span_is(addrtype, "IP4") ? AF_INET : span_is(addrtype, "IP6") ? AF_INET6 : 0;
    if (!family || !skip_sp(&v))
        return bad_line(ps, 'c');
    span addr = take_word(&v);
    char text[CW_SDP_ADDR_LEN];
    unsigned char bin[16];
    if (!at_end(&v) || span_copy(addr, text, sizeof text) != 0 ||
        inet_pton(family, text, bin) != 1 ||
        inet_ntop(family, bin, c->addr, sizeof c->addr) == NULL)
        return bad_line(ps, 'c');
    c->family = family;
    c->set = 1;
    return 0;
}

static int is_rtp_proto(span proto)
{
    /* RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF, TCP/RTP/AVP, ... */
    size_t n = span_len(proto);
    if (n >= 4 && memcmp(proto.p, "RTP/", 4) == 0)
        return 1;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(proto.p + i, "/RTP/", 5) == 0)
            return 1;
    return 0;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... For RTP protos the formats are payload
 * types 0..127; for others (udptl t38, TCP/MSRP *) they are tokens we only echo. The
 * format list is kept with single spaces in fmt_raw, for a rejecting answer line. */
static int parse_media(parser *ps, span v)
{
    cw_sdp *out = ps->out;
    if (out->nmedia >= CW_SDP_MAX_MEDIA)
        return fail(ps, "too many m= lines (at most %d)", CW_SDP_MAX_MEDIA);
    cw_sdp_media *m = &out->media[out->nmedia];
    uint64_t x;

    span type = take_token(&v, 0);
    if (span_len(type) == 0 || span_copy(type, m->type, sizeof m->type) != 0 ||
        !skip_sp(&v))
        return bad_line(ps, 'm');
    if (take_uint(&v, 5, 65535, &x) != 0)
        return fail(ps, "malformed m= line %d: bad port", ps->lineno);
    m->port = (uint16_t)x;
    if (take_char(&v, '/') && take_uint(&v, 5, 65535, &x) != 0)
        return fail(ps, "malformed m= line %d: bad port count", ps->lineno);
    /* lines are trimmed: at the end here means the field is missing */
    if (at_end(&v))
        return fail(ps, "malformed m= line %d: no proto", ps->lineno);
    if (!skip_sp(&v))
        return fail(ps, "malformed m= line %d: bad port", ps->lineno);
    span proto = take_token(&v, 1);
    if (span_len(proto) == 0 || span_copy(proto, m->proto, sizeof m->proto) != 0)
        return bad_line(ps, 'm');
    if (at_end(&v))
        return fail(ps, "malformed m= line %d: no formats", ps->lineno);
    if (!skip_sp(&v))
        return bad_line(ps, 'm');

    int rtp = is_rtp_proto(proto);
    size_t count = 0, raw = 0;
    while (!at_end(&v)) {
        span f = take_token(&v, 0);
        if (span_len(f) == 0 || (!at_end(&v) && !skip_sp(&v)))
            return bad_line(ps, 'm');
        if (++count > CW_SDP_MAX_FORMATS)
            return fail(ps, "too many formats on m= line %d (at most %d)", ps->lineno,
                        CW_SDP_MAX_FORMATS);
        if (rtp) {
            span d = f;
            if (take_uint(&d, 3, 127, &x) != 0 || !at_end(&d))
                return fail(ps, "malformed m= line %d: bad payload type", ps->lineno);
            cw_sdp_format *fmt = &m->formats[m->nformats++];
            fmt->pt = (uint8_t)x;
            fmt->channels = 1;
        }
        size_t n = span_len(f);
        if (raw + (raw ? 1 : 0) + n >= sizeof m->fmt_raw)
            return fail(ps, "malformed m= line %d: format list too long", ps->lineno);
        if (raw)
            m->fmt_raw[raw++] = ' ';
        memcpy(m->fmt_raw + raw, f.p, n);
        raw += n;
        m->fmt_raw[raw] = 0;
    }
    m->dir = CW_SDP_SENDRECV;
    out->nmedia++;
    return 0;
}

/* a=rtpmap:<pt> <encoding>/<rate>[/<channels>]. Checked at either level, used only on
 * the formats of the current m= line. A name longer than the field is kept cut short
 * to 14 characters, so that a cut name can never equal one we look for (PCMU, PCMA,
 * and telephone-event, which fills the field: "telephone-event-x" cut to 15 would). */
static int parse_rtpmap(parser *ps, span v, cw_sdp_media *m)
{
    uint64_t pt, rate, channels = 1;
    if (take_uint(&v, 3, 127, &pt) != 0 || !skip_sp(&v))
        return fail(ps, "malformed a=rtpmap line %d", ps->lineno);
    span name = take_token(&v, 0);
    if (span_len(name) == 0 || !take_char(&v, '/') ||
        take_uint(&v, 10, UINT32_MAX, &rate) != 0 || rate == 0)
        return fail(ps, "malformed a=rtpmap line %d", ps->lineno);
    if (take_char(&v, '/') && (take_uint(&v, 3, 255, &channels) != 0 || channels == 0))
        return fail(ps, "malformed a=rtpmap line %d", ps->lineno);
    if (!at_end(&v))
        return fail(ps, "malformed a=rtpmap line %d", ps->lineno);
    if (!m)
        return 0;
    for (size_t i = 0; i < m->nformats; i++) {
        cw_sdp_format *f = &m->formats[i];
        if (f->pt != pt)
            continue;
        size_t n = span_len(name);
        if (n >= sizeof f->name)
            n = sizeof f->name - 2;
        memcpy(f->name, name.p, n);
        f->name[n] = 0;
        f->rate = (uint32_t)rate;
        f->channels = (uint8_t)channels;
    }
    return 0;   /* an rtpmap for a type not on the m= line is ignored */
}

/* a=ptime:<ms>[.<fraction>]; the fraction is dropped. */
static int parse_ptime(parser *ps, span v, unsigned *ptime)
{
    uint64_t ms, frac;
    if (take_uint(&v, 5, 65535, &ms) != 0 ||
        (take_char(&v, '.') && take_uint(&v, 5, 99999, &frac) != 0) || !at_end(&v))
        return fail(ps, "malformed a=ptime line %d", ps->lineno);
    *ptime = (unsigned)ms;
    return 0;
}

/* a=crypto:<tag> <suite> <key params> (RFC 4568 9.1), media level only (it has no
 * session-level meaning). A line we cannot use is left out, not a reason to refuse the
 * body: the offer may hold others, and negotiation says why when none is left. */
static int parse_crypto(span v, cw_sdp_media *m)
{
    if (!m)
        return 0;
    cw_sdes_crypto c;
    char why[sizeof m->crypto_err];
    if (cw_sdes_parse(v.p, span_len(v), &c, why, sizeof why) != 0) {
        if (m->crypto_refused++ == 0)
            snprintf(m->crypto_err, sizeof m->crypto_err, "%s", why);
        return 0;
    }
    if (m->ncrypto < CW_SDP_MAX_CRYPTO)
        memcpy(&m->crypto[m->ncrypto++], &c, sizeof c);
    cw_sdes_wipe(&c);
    return 0;
}

/* a=<name>[:<value>]; the ones we use are rtpmap, ptime, crypto and the four
 * directions. */
static int parse_attr(parser *ps, span v)
{
    cw_sdp *out = ps->out;
    size_t mi = out->nmedia ? out->nmedia - 1 : 0;
    cw_sdp_media *m = out->nmedia ? &out->media[mi] : NULL;
    span name = take_token(&v, 0);
    if (span_len(name) == 0 || (!at_end(&v) && !take_char(&v, ':')))
        return bad_line(ps, 'a');
    int has_value = v.p > name.end;

    if (span_is(name, "rtpmap"))
        return parse_rtpmap(ps, v, m);
    if (span_is(name, "crypto"))
        return parse_crypto(v, m);
    if (span_is(name, "ptime")) {
        if (!m)
            return parse_ptime(ps, v, &ps->session_ptime);
        ps->media_ptime_set[mi] = 1;
        return parse_ptime(ps, v, &m->ptime);
    }
    if (has_value)
        return 0;
    cw_sdp_dir d;
    if (span_is(name, "sendrecv"))
        d = CW_SDP_SENDRECV;
    else if (span_is(name, "sendonly"))
        d = CW_SDP_SENDONLY;
    else if (span_is(name, "recvonly"))
        d = CW_SDP_RECVONLY;
    else if (span_is(name, "inactive"))
        d = CW_SDP_INACTIVE;
    else
        return 0;
    if (m) {
        m->dir = d;
        ps->media_dir_set[mi] = 1;
    } else {
        ps->session_dir = d;
    }
    return 0;
}

/* One line after v=0, without its line end. */
static int parse_line(parser *ps, char type, span v)
{
    cw_sdp *out = ps->out;
    /* a media section holds only i= c= b= k= a= (RFC 4566 5) */
    if (out->nmedia > 0 && !strchr("micbka", type))
        return fail(ps, "malformed SDP: %c= line %d inside a media section", type,
                    ps->lineno);
    switch (type) {
    case 'o':
        if (ps->have_o)
            return bad_line(ps, 'o');
        return parse_origin(ps, v);
    case 's':
        if (ps->have_s)
            return bad_line(ps, 's');
        ps->have_s = 1;   /* may be empty or " " */
        return 0;
    case 'c':
        return parse_conn(ps, v, out->nmedia ? &ps->media_conn[out->nmedia - 1]
                                             : &ps->session_conn);
    case 'm':
        return parse_media(ps, v);
    case 'a':
        return parse_attr(ps, v);
    case 'i': case 'u': case 'e': case 'p': case 'b': case 't': case 'r': case 'z':
    case 'k':
        return 0;   /* not needed for audio */
    default:
        /* RFC 4566 5: a parser must not use a description with a type it does not know */
        return fail(ps, "malformed SDP: unknown line type %c= (line %d)", type, ps->lineno);
    }
}

/* After the last line: the effective c=, direction and ptime of every m= line. */
static void apply_session_defaults(parser *ps)
{
    cw_sdp *out = ps->out;
    for (size_t i = 0; i < out->nmedia; i++) {
        cw_sdp_media *m = &out->media[i];
        const conn *c = ps->media_conn[i].set ? &ps->media_conn[i] : &ps->session_conn;
        if (c->set) {
            m->family = c->family;
            memcpy(m->addr, c->addr, sizeof m->addr);
        }
        if (!ps->media_dir_set[i])
            m->dir = ps->session_dir;
        if (!ps->media_ptime_set[i])
            m->ptime = ps->session_ptime;
    }
}

/* The rest of the body from pos holds nothing but line ends and white space. */
static int only_blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\t')
            return 0;
    return 1;
}

/* The lines of buf, one by one; see cw_sdp_parse. */
static int parse_body(const char *buf, size_t len, cw_sdp *out, char *err, size_t errlen)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    memset(out, 0, sizeof *out);
    ps.out = out;
    ps.err = err;
    ps.errlen = errlen;
    ps.session_dir = CW_SDP_SENDRECV;
    if (err && errlen)
        err[0] = 0;

    if (!buf || len == 0)
        return fail(&ps, "empty SDP");
    if (len > CW_SDP_MAX_LEN)
        return fail(&ps, "SDP longer than %d bytes", CW_SDP_MAX_LEN);
    if (memchr(buf, 0, len))
        return fail(&ps, "malformed SDP: NUL byte");

    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        span line = { p, nl ? nl : end };
        p = nl ? nl + 1 : end;
        ps.lineno++;
        while (line.end > line.p && (line.end[-1] == '\r' || line.end[-1] == ' ' ||
                                     line.end[-1] == '\t'))
            line.end--;
        if (span_len(line) == 0) {
            if (ps.lineno > 1 && only_blank(p, end))
                break;
            return fail(&ps, "malformed SDP: line %d is empty", ps.lineno);
        }
        for (const char *c = line.p; c < line.end; c++)
            if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
                return fail(&ps, "malformed SDP: control character in line %d", ps.lineno);
        char type = line.p[0];
        if (span_len(line) < 2 || type < 'a' || type > 'z' || line.p[1] != '=')
            return fail(&ps, "malformed SDP: line %d is not <letter>=<value>", ps.lineno);
        span value = { line.p + 2, line.end };
        if (ps.lineno == 1) {
            if (type != 'v' || !span_is(value, "0"))
                return fail(&ps, "malformed SDP: does not start with v=0");
            continue;
        }
        if (type == 'v')
            return bad_line(&ps, 'v');
        if (parse_line(&ps, type, value) != 0)
            return -1;
    }
    if (!ps.have_o)
        return fail(&ps, "malformed SDP: no o= line");
    if (!ps.have_s)
        return fail(&ps, "malformed SDP: no s= line");
    apply_session_defaults(&ps);
    return 0;
}

/*
 * buf: len bytes, not NUL-terminated. out: the result; all zero after an error, so
 * that nothing of a refused body can be used by mistake. err/errlen: the reason on
 * error, short and quotable, for a 488 Warning.
 */
int cw_sdp_parse(const char *buf, size_t len, cw_sdp *out, char *err, size_t errlen)
{
    if (parse_body(buf, len, out, err, errlen) == 0)
        return 0;
    cw_sdp_wipe(out);
    memset(out, 0, sizeof *out);
    return -1;
}

void cw_sdp_wipe(cw_sdp *sdp)
{
    for (size_t i = 0; i < CW_SDP_MAX_MEDIA; i++) {
        for (size_t k = 0; k < CW_SDP_MAX_CRYPTO; k++)
            cw_sdes_wipe(&sdp->media[i].crypto[k]);
    }
}
