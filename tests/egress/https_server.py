#!/usr/bin/python3
"""A fake HTTPS endpoint for callwarden's egress tests: OpenAI-compatible AI APIs and a
CRM webhook sink, on loopback, with a CA the test generated (make_certs.sh).

Standard library only (Debian's python3). Run with /usr/bin/python3. Endpoints:
  POST /v1/chat/completions      chat.completion JSON, or with "stream": true an SSE
                                 stream framed with Transfer-Encoding: chunked (one HTTP
                                 chunk per SSE event; the connection stays reusable)
  POST /v1/audio/transcriptions  multipart ("file", "model") -> {"text": transcript}
  POST /inference                whisper.cpp style multipart ("file") -> {"text": ...}
  POST /v1/audio/speech          JSON -> audio/wav, 8 kHz mono s16 tone, its pitch by text
  POST /hooks/...                200 {"ok": true}
  GET  /health                   200 "ok"
  anything else                  404
Every request is appended to --log as one JSON line *before* the response is sent.
"""

import argparse
import array
import io
import json
import math
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import warnings
import wave
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROG = "https_server"
TLS_VERSIONS = {
    "1": ssl.TLSVersion.TLSv1,
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def err(msg):
    sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.stderr.flush()


class Stop(Exception):
    pass


class State:
    """What all handler threads share."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0  # over the whole server, for --fail-first
        self.conns = 0
        self.log_fd = None
        if args.log:
            self.log_fd = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def next_request(self):
        with self.lock:
            self.requests += 1
            return self.requests

    def next_conn(self):
        with self.lock:
            self.conns += 1
            return self.conns

    def log(self, record):
        if self.log_fd is None:
            return
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self.lock:  # one write(2) per record on an O_APPEND fd: lines never interleave
            os.write(self.log_fd, line)

    def forced_status(self):
        """The status in --status-file, if it exists and holds a number (read every time)."""
        path = self.args.status_file
        if not path:
            return None
        try:
            with open(path, "r", encoding="ascii", errors="replace") as f:
                text = f.read().strip()
        except OSError:
            return None
        if not re.fullmatch(r"[2-5][0-9][0-9]", text):
            return None
        return int(text)


def error_body(status, message, etype):
    return json.dumps({"error": {"message": message, "type": etype, "code": status}}, separators=(",", ":")).encode()


def split_reply(reply):
    """The reply in 3-4 pieces (fewer only if it is too short), concatenating to it exactly."""
    toks = re.findall(r"\S+\s*|\s+", reply)
    if len(toks) < 3:
        toks = list(reply)
    if not toks:
        return [""]
    k = min(4, len(toks))
    size, extra = divmod(len(toks), k)
    out, i = [], 0
    for j in range(k):
        n = size + (1 if j < extra else 0)
        out.append("".join(toks[i:i + n]))
        i += n
    return out


def count_tokens(text):
    return max(1, len(re.findall(r"\w+|[^\w\s]", text))) if text else 0


_wav_cache = {}
_wav_lock = threading.Lock()


def tone_wav(text):
    """A valid 8 kHz mono 16-bit PCM WAV, 0.5 s per 10 characters (0.5 s .. 10 s), of a
    tone whose pitch (300-899 Hz) depends on the text: different texts sound different,
    so that a test can tell which one a caller heard."""
    nchars = len(text)
    seconds = min(10.0, max(0.5, nchars / 20.0))
    nsamples = int(round(seconds * 8000))
    freq = 300 + zlib.crc32(text.encode("utf-8")) % 600
    with _wav_lock:
        cached = _wav_cache.get((nsamples, freq))
    if cached is not None:
        return cached
    amp = 0.3 * 32767
    w = 2 * math.pi * freq / 8000
    pcm = array.array("h", (int(amp * math.sin(w * i)) for i in range(nsamples)))
    if sys.byteorder == "big":
        pcm.byteswap()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(8000)
        wf.writeframes(pcm.tobytes())
    data = buf.getvalue()
    with _wav_lock:
        _wav_cache[(nsamples, freq)] = data
    return data


def parse_multipart(ctype, body):
    """{name: (filename or None, bytes)} of a multipart/form-data body; None if not one."""
    m = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', ctype or "", re.I)
    if not ctype or not ctype.lower().startswith("multipart/form-data") or not m:
        return None
    boundary = (m.group(1) or m.group(2)).encode("latin-1")
    parts = {}
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        nl = chunk.find(b"\r\n")  # the rest of the delimiter line (transport padding)
        if nl < 0:
            continue
        head, sep, content = chunk[nl + 2:].partition(b"\r\n\r\n")
        if not sep:
            continue
        name = filename = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() != "content-disposition":
                continue
            nm = re.search(r'(?:^|;)\s*name="([^"]*)"', value) or re.search(r'(?:^|;)\s*name=([^;\s]+)', value)
            fn = re.search(r'filename="([^"]*)"', value) or re.search(r'filename=([^;\s]+)', value)
            name = nm.group(1) if nm else None
            filename = fn.group(1) if fn else None
        if name is not None and name not in parts:
            parts[name] = (filename, content)
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "callwarden-test-https/1"

    def version_string(self):
        return self.server_version
    timeout = 120  # an idle keep-alive connection is closed after this
    wbufsize = 65536  # status line, headers and body leave in one write (with TCP_NODELAY: no 40 ms stalls)

    # -- quiet: no per-request chatter; real errors still go to stderr
    def log_request(self, code="-", size="-"):
        pass

    def log_message(self, fmt, *args):
        msg = fmt % args
        if msg.startswith("Request timed out"):
            return
        err("%s: %s" % (self.address_string(), msg))

    def handle_expect_100(self):
        super().handle_expect_100()
        self.wfile.flush()  # wfile is buffered: the 100 Continue must leave now
        return True

    def setup(self):
        super().setup()
        self.conn_id = self.server.state.next_conn()
        self.req_on_conn = 0

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- request

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionResetError("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                out.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(out)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def dispatch(self):
        state = self.server.state
        args = state.args
        t = time.time()
        body = self.read_body()
        self.req_on_conn += 1
        nreq = self.nreq = state.next_request()
        path = self.path.split("?", 1)[0]
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        record = {
            "t": t, "method": self.command, "path": self.path, "headers": headers,
            "body": body.decode("utf-8", "replace"), "body_len": len(body),
            "n": nreq, "conn": self.conn_id, "req_on_conn": self.req_on_conn,
            "tls": self.connection.version(), "sni": getattr(self.connection, "cw_sni", None),
        }
        forced = state.forced_status()
        if nreq <= args.fail_first:
            resp = self.json_resp(503, error_body(503, "test: failing the first %d requests" % args.fail_first, "server_error"))
        elif forced is not None and forced != 200:
            resp = self.json_resp(forced, error_body(forced, "test: status forced by %s" % args.status_file, "server_error"))
        else:
            resp = self.route(path, body, record)
        record["status"] = resp[0]
        state.log(record)
        delay = args.delay_ms
        hdr = self.headers.get("X-Test-Delay-Ms")
        if hdr is not None:
            try:
                delay = max(0, int(hdr))
            except ValueError:
                pass
        if delay:
            time.sleep(delay / 1000.0)
        self.send(*resp)

    def json_resp(self, status, data):
        if not isinstance(data, bytes):
            data = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return (status, "application/json", data)

    def route(self, path, body, record):
        m = self.command
        if m in ("GET", "HEAD") and path == "/health":
            return (200, "text/plain", b"ok")
        if m == "POST" and path == "/v1/chat/completions":
            return self.chat(body)
        if m == "POST" and path in ("/v1/audio/transcriptions", "/inference"):
            return self.transcribe(body, record)
        if m == "POST" and path == "/v1/audio/speech":
            return self.speech(body)
        if m == "POST" and path.startswith("/hooks/"):
            return self.json_resp(200, {"ok": True})
        return self.json_resp(404, error_body(404, "no such endpoint: %s %s" % (m, path), "not_found"))

    # -- endpoints

    def chat(self, body):
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("messages"), list):
            return self.json_resp(400, error_body(400, "body must be JSON with a 'messages' array", "invalid_request_error"))
        reply = self.server.state.args.reply
        model = req.get("model") if isinstance(req.get("model"), str) else "test-model"
        cid = "chatcmpl-test-%d" % self.nreq
        created = int(time.time())
        prompt = sum(count_tokens(m.get("content")) if isinstance(m, dict) and isinstance(m.get("content"), str) else 1
                     for m in req["messages"])
        usage = {"prompt_tokens": prompt, "completion_tokens": count_tokens(reply),
                 "total_tokens": prompt + count_tokens(reply)}
        if req.get("stream") is True:
            events = []
            base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            for i, piece in enumerate(split_reply(reply)):
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                events.append(dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}]))
            events.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]))
            so = req.get("stream_options")
            if isinstance(so, dict) and so.get("include_usage") is True:
                events.append(dict(base, choices=[], usage=usage))
            frames = [("data: %s\n\n" % json.dumps(e, ensure_ascii=False, separators=(",", ":"))).encode("utf-8") for e in events]
            frames.append(b"data: [DONE]\n\n")
            return (200, "text/event-stream", frames)
        return self.json_resp(200, {
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": usage,
        })

    def transcribe(self, body, record):
        parts = parse_multipart(self.headers.get("Content-Type"), body)
        if parts is None or "file" not in parts:
            return self.json_resp(400, error_body(400, "multipart/form-data with a 'file' part required", "invalid_request_error"))
        record["file_len"] = len(parts["file"][1])
        record["form"] = {k: v[1].decode("utf-8", "replace") for k, v in parts.items() if k != "file"}
        args = self.server.state.args
        text = args.transcript
        # a WAV's duration (16-bit mono 8 kHz after a 44-byte header): a longer utterance
        # can be told apart from a short one ("ja" against "nein danke")
        seconds = max(0, len(parts["file"][1]) - 44) / 16000.0
        if args.long_transcript is not None and seconds > args.long_seconds:
            text = args.long_transcript
        record["transcript"] = text
        fmt = record["form"].get("response_format", "json")
        if fmt == "text":
            return (200, "text/plain; charset=utf-8", text.encode("utf-8"))
        if fmt == "verbose_json":
            return self.json_resp(200, {"text": text, "language": record["form"].get("language", ""),
                                        "duration": seconds,
                                        "segments": [{"id": 0, "start": 0.0, "end": seconds,
                                                      "text": text, "avg_logprob": -0.105}]})
        return self.json_resp(200, {"text": text})

    def speech(self, body):
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("input"), str):
            return self.json_resp(400, error_body(400, "body must be JSON with an 'input' string", "invalid_request_error"))
        return (200, "audio/wav", tone_wav(req["input"]))

    # -- response

    def send(self, status, ctype, data):
        self.send_response(status)
        if ctype.startswith(("application/json", "text/plain")) and "charset" not in ctype:
            ctype += "; charset=utf-8"
        self.send_header("Content-Type", ctype)
        if isinstance(data, list):  # a stream: one HTTP chunk per SSE event
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command == "HEAD":
                return
            self.wfile.flush()
            gap = self.server.state.args.stream_gap_ms / 1000.0
            for i, frame in enumerate(data):
                if i and gap:
                    time.sleep(gap)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        if status in (204, 304):
            data = b""  # no body allowed, and no Content-Length needed
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()


QUIET_ERRORS = (ConnectionError, TimeoutError, ssl.SSLEOFError, ssl.SSLZeroReturnError)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, ctx, state, family):
        self.address_family = family
        self.ctx = ctx
        self.state = state
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, in the connection's own thread, so that a slow or
        # failing client never holds up accept() for the others.
        request.settimeout(Handler.timeout)
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except ssl.SSLError as e:
            err("TLS handshake with %s:%s failed: %s" % (client_address[0], client_address[1], e.reason or e))
            return
        except OSError:
            return  # the client went away during the handshake
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            conn.close()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS):
            return  # the client hung up or timed out: its business
        err("error serving %s:%s:" % (client_address[0], client_address[1]))
        traceback.print_exc(file=sys.stderr)


def make_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    tmax = TLS_VERSIONS[args.tls_max or "1.3"]
    if args.tls_min:
        tmin = TLS_VERSIONS[args.tls_min]
    elif args.tls_max and tmax < ssl.TLSVersion.TLSv1_2:
        tmin = ssl.TLSVersion.TLSv1
    else:
        tmin = ssl.TLSVersion.TLSv1_2
    if tmin > tmax:
        raise SystemExit("%s: --tls-min %s is above --tls-max %s" % (PROG, args.tls_min, args.tls_max or "1.3"))
    if tmin < ssl.TLSVersion.TLSv1_2:
        # OpenSSL 3 refuses TLS < 1.2 (SHA-1 signatures) at the default security level
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = tmin
        ctx.maximum_version = tmax
    ctx.set_alpn_protocols(["http/1.1"])

    def sni(sslobj, name, _ctx):
        try:
            sslobj.cw_sni = name
        except AttributeError:
            pass
        return None

    ctx.sni_callback = sni
    return ctx


def parse_listen(text):
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("HOST:PORT expected, not %r" % text)
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def main():
    p = argparse.ArgumentParser(prog=PROG, description="A fake HTTPS AI/CRM endpoint for callwarden's tests.")
    p.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 0), metavar="HOST:PORT",
                   help="address to listen on; port 0 picks one (default 127.0.0.1:0)")
    p.add_argument("--port-file", help="write the chosen port here (atomically) once listening")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tls-min", choices=["1.2", "1.3"])
    p.add_argument("--tls-max", choices=["1.1", "1.2", "1.3"])
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--delay-ms", type=int, default=0, help="sleep before every answer (header X-Test-Delay-Ms overrides)")
    p.add_argument("--stream-gap-ms", type=int, default=0, help="sleep between the events of a stream")
    p.add_argument("--fail-first", type=int, default=0, help="answer the first N requests with 503")
    p.add_argument("--reply", default="Gern, ich habe Ihren Termin notiert.")
    p.add_argument("--transcript", default="ja")
    p.add_argument("--long-transcript", help="what uploads longer than --long-seconds are heard as")
    p.add_argument("--long-seconds", type=float, default=2.0)
    p.add_argument("--status-file", help="if it holds a status number, answer every request with it")
    args = p.parse_args()

    host, port = args.listen
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        ctx = make_context(args)
        state = State(args)
        server = Server((host, port), ctx, state, family)
    except (OSError, ssl.SSLError) as e:
        err("cannot start on %s:%d: %s" % (host, port, e))
        return 1
    port = server.server_address[1]
    if args.port_file:
        tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)

    def stop(signum, frame):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except Stop:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
