"""Start stand-ins by fork: python3 zygote.py PORT_FILE

Starting a stand-in costs a Python interpreter and its imports, about a
tenth of a second of CPU, hundreds of times a suite.  The zygote pays that
once per test file: it imports both servers, listens on 127.0.0.1 and forks
a server for each request, already loaded.  The tests reach it over bash's
/dev/tcp (tests/standin-helpers.bash, standin_spawn), so a server costs a
fork instead of an interpreter.

A request: COUNT, then COUNT strings, each ended by a NUL byte: the working
directory, the log file (the server's stdout and stderr, truncated), the
exit-status file's name less the pid, the server (gcs-server.py or
kube-server.py), then its arguments.  The answer is the server's pid and a newline, or "error: ..."
and a newline.  When the server exits, the zygote writes its exit status
(128 + N for a signal N, as a shell reports it) to the exit-status file.

The zygote runs in a session of its own and stops once its port file is
gone (bats removes the file's temporary directory when the file ends) or
after IDLE seconds without a request while no server it started runs
(removing its port file: the next request starts another).
"""

import importlib.util
import os
import selectors
import signal
import socket
import sys
import traceback

IDLE = 60.0
HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = ("gcs-server.py", "kube-server.py")


def load(script):
    name = os.path.splitext(script)[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, script))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def read_request(conn):
    """The request's strings (see above); ValueError if malformed."""
    data = b""
    conn.settimeout(10)
    while True:
        head, sep, _ = data.partition(b"\0")
        if sep:
            want = int(head) + 1
            parts = data.split(b"\0")
            if len(parts) > want:
                return [p.decode("utf-8", "surrogateescape") for p in parts[1:want]]
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("short request")
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("request too long")


def child(mods, conn, lsock, req):
    """In the forked child: become the server; never returns."""
    code = 1
    try:
        cwd, log, _status, script = req[:4]
        lsock.close()
        conn.close()
        os.chdir(cwd)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.close(null)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        sys.argv = [os.path.join(HERE, script)] + req[4:]
        code = mods[script].main(req[4:])
    except SystemExit as e:
        if isinstance(e.code, int):
            code = e.code
        elif e.code is None:
            code = 0
        else:
            sys.stderr.write("%s\n" % e.code)
    except BaseException:                       # noqa: BLE001 (reported)
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else 1)


def write_status(path, status):
    if os.WIFSIGNALED(status):
        code = 128 + os.WTERMSIG(status)
    else:
        code = os.WEXITSTATUS(status)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "w") as f:
            f.write("%d\n" % code)
        os.rename(tmp, path)
    except OSError:
        pass


def main(argv):
    port_file = argv[0]
    os.setsid()
    sys.dont_write_bytecode = sys.pycache_prefix is None
    sys.path.insert(0, HERE)
    mods = {s: load(s) for s in SERVERS}
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    tmp = "%s.tmp.%d" % (port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(tmp, port_file)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    children = {}                   # pid: exit-status file
    idle = 0.0
    while os.path.exists(port_file) and (children or idle < IDLE):
        if not sel.select(0.05):
            idle += 0.05
        else:
            idle = 0.0
            conn, _ = lsock.accept()
            try:
                req = read_request(conn)
                if len(req) < 4 or req[3] not in SERVERS:
                    raise ValueError("bad request")
            except (ValueError, OSError) as e:
                try:
                    conn.sendall(("error: %s\n" % e).encode())
                finally:
                    conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                child(mods, conn, lsock, req)
            children[pid] = req[2]
            try:
                conn.sendall(b"%d\n" % pid)
            except OSError:
                pass
            conn.close()
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            write_status(children.pop(pid) + str(pid), status)
    try:
        with open(port_file) as f:
            if f.read().strip() == str(lsock.getsockname()[1]):
                os.unlink(port_file)        # idle: the next test starts another
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
