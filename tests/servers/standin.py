"""HTTP plumbing shared by the stand-in servers (gcs-server.py, kube-server.py).

Python 3 stdlib only.  What is here is the same in both servers: the
threaded server and its start and stop (port file, SIGTERM/SIGINT), TLS
set-up, a request handler base class (TCP_NODELAY, TLS handshake, bodies
read with a size cap, answers written in one write, connection resets with
SO_LINGER 0) and the fault queue's actions (status, reset, delay, hold,
commit-drop).  What each server answers stays in the server.

A "hold" fault stops its request before it is served until a test releases
it (POST /_control/release; GET /_control/held counts the requests waiting),
or at the latest after its "delay" (default MAX_DELAY): a test can then act
while a client waits for an answer, however slow the machine, instead of
racing a fixed delay.

The servers run as scripts from this directory, which is therefore on
sys.path; they set sys.dont_write_bytecode before importing this module so
that no __pycache__ is written into a (possibly read-only) source tree.
"""

import builtins
import datetime
import http.server
import io
import json
import os
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

MAX_DELAY = 120.0           # longest "delay" fault or "hold", in seconds
HANDSHAKE_TIMEOUT = 30      # seconds for a TLS handshake
CONNECTIONS = iter(range(1, 1 << 62))   # next(): a connection's number (GIL-safe)
FAULT_ACTIONS = ("status", "reset", "delay", "hold", "commit-drop")


# --- the tests' helpers, evaluated here ------------------------------------
#
# A shell helper that needs Python asks the running stand-in instead of
# starting an interpreter of its own (tens of milliseconds each, many
# thousand times a suite): POST /_control/eval and the "expr" of GET
# /_control/object.  Only the tests reach these endpoints, on 127.0.0.1.

def rfc3339_epoch(s):
    """An RFC 3339 time with fractional seconds ("...T..:..:...123Z")."""
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def eval_text(expr, names, as_json=True):
    """EXPR (Python) with NAMES, printed as the shell helpers print it: with
    as_json, dicts, lists, booleans and None as JSON, anything else by str().
    Returns (HTTP status, text)."""
    env = {"__builtins__": builtins, "json": json, "re": re, "time": time,
           "datetime": datetime, "T": rfc3339_epoch}
    env.update(names)
    try:
        v = eval(expr, env)
    except Exception as e:                      # noqa: BLE001 (the test's own code)
        return 400, "%s: %s\n" % (type(e).__name__, e)
    if as_json and (isinstance(v, (dict, list, bool)) or v is None):
        return 200, json.dumps(v) + "\n"
    return 200, "%s\n" % (v,)


def control_eval(body):
    """POST /_control/eval: EXPR, a newline, then JSON, evaluated as j."""
    expr, _, text = body.partition(b"\n")
    try:
        expr = expr.decode("utf-8")
        j = json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return 400, "the body is not JSON: %s\n" % e
    return eval_text(expr, {"j": j})


def log_lines(log):
    """GET /_control/log?format=lines: one JSON object a line, keys sorted."""
    return "".join(json.dumps(e, sort_keys=True) + "\n" for e in log)


def method_matches(want, method):
    """A count's method: '*' any, 'GET' that one, '!GET' any other."""
    want = (want or "*").upper()
    if want.startswith("!"):
        return method != want[1:]
    return want in ("*", method)


def log_query(path, log, q, target):
    """GET /_control/count or /_control/requests (path) on a copy of the
    request log: the entries with q's method whose target(e), the logged
    path?query, matches q's path regex.  Returns (content type, text):
    {"count": N}, or "METHOD path?query STATUS" lines."""
    rx = re.compile(q.get("path", ""))
    hits = [e for e in log
            if method_matches(q.get("method"), e["method"]) and rx.search(target(e))]
    if path == "/_control/count":
        return "application/json", json.dumps({"count": len(hits)}) + "\n"
    return "text/plain; charset=utf-8", "".join(
        "%s %s %s\n" % (e["method"], target(e), e["status"]) for e in hits)


# --- faults and control bodies ---------------------------------------------

def parse_fault(spec):
    """Validate the fields of a fault spec (dict) both servers know."""
    action = spec.get("action", "status")
    if action not in FAULT_ACTIONS:
        raise ValueError("unknown action %r" % action)
    status = int(spec.get("status", 503))
    if not 100 <= status <= 599:
        raise ValueError("bad status %r" % status)
    delay = float(spec.get("delay", MAX_DELAY if action == "hold" else 1.0))
    if not 0 <= delay <= MAX_DELAY:
        raise ValueError("bad delay %r" % delay)
    return {
        "method": (spec.get("method") or "").upper(),
        "path": spec.get("path", ""),
        "regex": re.compile(spec.get("path", "") or ""),
        "count": int(spec.get("count", 1)),
        "action": action, "status": status, "delay": delay,
        "reason": spec.get("reason"), "message": spec.get("message"),
    }


def take_queued(faults, method, target):
    """The first queued fault (faults: a list or deque) that matches this
    request, counted down and removed when used up; None if none.  A fault
    with "skip" > 0 lets that many more matching requests pass first."""
    for fault in faults:
        if fault["method"] and fault["method"] != method:
            continue
        if not fault["regex"].search(target):
            continue
        if fault.get("skip", 0) > 0:
            fault["skip"] -= 1
            return None
        fault["count"] -= 1
        if fault["count"] <= 0:
            faults.remove(fault)
        return fault
    return None


class Holds:
    """Requests stopped by "hold" faults.  Each waits until the next
    release() after it arrived, or until its limit (seconds) runs out."""

    def __init__(self):
        self.cond = threading.Condition()
        self.held = 0
        self.releases = 0

    def wait(self, limit):
        with self.cond:
            mine = self.releases
            self.held += 1
            try:
                self.cond.wait_for(lambda: self.releases != mine, limit)
            finally:
                self.held -= 1

    def count(self):
        """How many requests are waiting now."""
        with self.cond:
            return self.held

    def release(self):
        """Let every waiting request go on; how many there were."""
        with self.cond:
            n = self.held
            self.releases += 1
            self.cond.notify_all()
            return n


HOLDS = Holds()             # one server per process


def control_spec(body):
    """A control request's JSON object body ({} when empty); ValueError."""
    try:
        spec = json.loads(body.decode()) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise ValueError("request body is not JSON")
    if not isinstance(spec, dict):
        raise ValueError("request body must be an object")
    return spec


# --- request handler -------------------------------------------------------

class BodyError(Exception):
    """A request body that cannot be read; the answer closes the connection.

    status is 400 (bad framing: what is "Content-Length" or "chunk"), 411
    (no length where one is required) or 413 (too large; size is the
    declared Content-Length, None for a chunked body).
    """

    def __init__(self, status, what, size=None):
        super().__init__("%d %s" % (status, what))
        self.status = status
        self.what = what
        self.size = size


class Handler(http.server.BaseHTTPRequestHandler):
    """Base request handler.  A server's subclass sets name, max_body,
    timeout and state, and provides dispatch(), which reads the body
    (read_body) and, for an API request, calls serve() with its log entry.
    serve() calls the subclass's reply(), fault_reply() and send_reply().
    """

    protocol_version = "HTTP/1.1"
    name = "standin"        # prefix of log lines
    max_body = 0            # request body cap, bytes
    bodiless = (204,)       # statuses whose answers carry no body
    state = None            # set in main(): has verbose, append_log, take_fault

    def setup(self):
        super().setup()
        self.conn = next(CONNECTIONS)   # logged with each request: "conn"
        self.broken = False
        try:        # no Nagle: an answer must not wait for a delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                       1)
        except OSError:
            pass
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.settimeout(HANDSHAKE_TIMEOUT)
                self.request.do_handshake()
                self.request.settimeout(self.timeout)
            except (ssl.SSLError, OSError):
                self.broken = True
                self.let_alert_out()

    def let_alert_out(self):
        """After a failed TLS handshake: end our side and read what the
        client still sends until it closes (at most 2 s, 1 MiB), so that
        closing does not turn into an RST that overtakes our TLS alert."""
        try:
            raw = socket.socket(fileno=os.dup(self.request.fileno()))
        except OSError:
            return
        try:
            raw.shutdown(socket.SHUT_WR)
            raw.settimeout(2)
            left = 1024 * 1024
            while left > 0:
                chunk = raw.recv(65536)
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass
        finally:
            raw.close()

    def handle(self):
        if self.broken:
            return
        try:
            super().handle()
        except (ConnectionError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True

    def log_message(self, fmt, *args):
        if self.state.verbose:
            sys.stderr.write("%s: %s\n" % (self.name, fmt % args))

    def handle_expect_100(self):
        try:
            too_big = int(self.headers.get("Content-Length", "0")) > \
                self.max_body
        except ValueError:
            too_big = True
        if too_big:
            return True     # answer 413 without inviting the body
        return super().handle_expect_100()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = \
        lambda self: self.dispatch()

    def split_target(self):
        """(method, path, query) of this request."""
        split = urllib.parse.urlsplit(self.path)
        return self.command, split.path, split.query

    # body

    def read_body(self, required=False):
        """The request body (b"" if none); BodyError, ConnectionError."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self.read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            if required:
                raise BodyError(411, "Content-Length")
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError(length)
        except ValueError:
            raise BodyError(400, "Content-Length")
        if n > self.max_body:
            raise BodyError(413, "Content-Length", n)
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("short body")
        return data

    def read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ConnectionError("eof in chunked body")
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BodyError(400, "chunk")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            if len(out) + size > self.max_body:
                raise BodyError(413, "chunk")
            out += self.rfile.read(size)
            self.rfile.readline(8)

    # answers

    def end_answer(self, status, body, close=False):
        """After the status line and headers: Content-Length, then head and
        body in one write (no Nagle/delayed-ACK stalls)."""
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self._headers_buffer.append(b"\r\n")
        if body and self.command != "HEAD" and status not in self.bodiless:
            self._headers_buffer.append(body)
        self.flush_headers()
        self.wfile.flush()

    def reset(self):
        """Close the connection with an RST, answering nothing."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        sock = self.connection
        try:
            if isinstance(sock, ssl.SSLSocket):
                raw = socket.socket(fileno=os.dup(sock.fileno()))
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               struct.pack("ii", 1, 0))
                raw.close()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            sock.close()        # last reference: the RST goes out
        except OSError:
            pass
        self.wfile = io.BytesIO()       # for the flush/close that follow
        self.rfile = io.BytesIO()

    # faults

    def serve(self, method, path, query, body, entry):
        """Answer an API request, acting out the fault queued for it, and log
        it, with its service time in ms (from here until the answer is
        written) once the answer is out.  reply() and fault_reply() return
        (status, reply); send_reply() sends such a reply."""
        start = time.monotonic()
        entry["ms"] = None      # service time, set once the answer is out
        entry["conn"] = self.conn
        fault = self.state.take_fault(method, self.path)
        action = fault["action"] if fault else None
        if fault:
            entry["action"] = action
            if fault.get("random"):
                entry["random"] = True
        if action == "reset":
            self.state.append_log(entry)
            self.reset()
            return
        if action == "status":
            status, reply = self.fault_reply(fault)
        else:
            if action == "delay":
                time.sleep(fault["delay"])
            elif action == "hold":
                HOLDS.wait(fault["delay"])
            status, reply = self.reply(method, path, query, body)
        if action == "commit-drop":
            entry["outcome"] = status
            self.state.append_log(entry)
            self.reset()
            return
        entry["status"] = status
        self.state.append_log(entry)
        self.send_reply(reply)
        entry["ms"] = round((time.monotonic() - start) * 1000, 3)


# --- server ----------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def use_tls(server, ctx):
    """Serve TLS; handshakes happen in the handler threads (Handler.setup)."""
    server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                    do_handshake_on_connect=False)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def run(server, port_file, announce=None):
    """Write the port file, serve until SIGTERM or SIGINT, return 0.
    announce: a name to report the start and the signal on stderr with."""

    def stop(signum, frame):
        if announce:
            sys.stderr.write("%s: signal %d, exiting\n" % (announce, signum))
        HOLDS.release()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    write_port_file(port_file, port)
    if announce:
        sys.stderr.write("%s: pid %d listening on 127.0.0.1:%d\n"
                         % (announce, os.getpid(), port))
        sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0
