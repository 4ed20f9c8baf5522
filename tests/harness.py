"""What the integration tests share: named cases, servers started and stopped by
PID on loopback, a curl wrapper, a raw HTTP/1.1 client that can send anything (odd
methods and headers, slow bodies, a hang-up halfway), the one CGI runner, a minimal
FastCGI client, and the checks of a callrouter log (whole log lines, request lines).
The rule files, bodies and answers the cases share are in fixtures.py.

Every server a test starts is registered with the Run; the Run stops each one
by the PID it started, and removes its temporary folder, even when a test fails.
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

from fixtures import GOOD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APACHE_MODULES = "/usr/lib/apache2/modules"
CASES = []


def case(name):
    """Registers a test function under a name; it receives the Run."""
    def wrap(fn):
        CASES.append((name, fn))
        return fn
    return wrap


class Failure(AssertionError):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def eq(got, want, what=""):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}" if what else f"got {got!r}, want {want!r}")


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=5.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    raise Failure(f"timed out waiting for {what}")


# How each kind of server a test starts is stopped, and how it must end: the signal, the
# exit status that server documents for it, and the time it may take. A process that is
# still running after that time is killed, and its test fails: a stop that hangs is a
# fault (a harness that quietly kills hides it). callrouter: callrouter(8) SIGNALS, at
# most 10 s for a request in progress, 2 s for its connection to close, and the journal
# lines still waiting; the others as their manuals say (a plain SIGTERM ends a Python or
# Node.js server with that signal, -15).
STOPS = {
    "callrouter": (signal.SIGTERM, 0, 15),
    "callrouter-static": (signal.SIGTERM, 0, 15),
    "spawn-fcgi": (signal.SIGTERM, 0, 15),   # spawn-fcgi -n execs callrouter
    "valgrind": (signal.SIGTERM, 0, 120),    # callrouter under memcheck
    "nginx": (signal.SIGTERM, 0, 10),
    "apache": (signal.SIGTERM, 0, 10),
    # lighttpd's graceful stop: on SIGTERM it exits 1 when a connection is still open
    # (main() sets rc 0 only when srv->conns is empty), which a test's last curl can be.
    "lighttpd": (signal.SIGINT, 0, 15),
    "caddy": (signal.SIGTERM, 0, 10),
    "h2o": (signal.SIGTERM, 0, 10),
    "www": (signal.SIGTERM, -signal.SIGTERM, 5),
    "node": (signal.SIGTERM, -signal.SIGTERM, 5),
    "notify": (signal.SIGTERM, 0, 15),       # callrouter --notify: saves its state, exits 0
    "smtp": (signal.SIGTERM, 0, 5),          # tests/tools/smtp_sink.py
    "webhook": (signal.SIGTERM, 0, 5),       # tests/tools/webhook_sink.py
}

# Signals that end a process that crashed: a test fails when a server it started ended
# with one of them, unless the test sent it.
CRASHES = {signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGKILL}


class Process:
    """A server process started by a test, stopped by its PID. `stop_as` (signal, exit
    status, seconds) says how it is stopped and must end; by default its name's STOPS.
    Its standard output and error go to a log file of the run, or its standard error to
    `stderr` (a descriptor) when given."""

    def __init__(self, run, argv, name, env=None, stdin=None, stop_as=None, stderr=None):
        self.name = name
        self.stop_as = stop_as or STOPS[name]
        self.log_path = os.path.join(run.dir, f"{name}-{len(run.procs)}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=stderr if stderr is not None else subprocess.STDOUT,
                                     env=env,
                                     stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self.sent = set()  # the signals the test sent
        run.procs.append(self)

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def send_signal(self, sig):
        if self.alive():
            self.sent.add(sig)
            os.kill(self.pid, sig)

    def stop(self, sig=None, timeout=None):
        """Sends `sig` (default: its stop signal) and returns the exit status. Raises
        Failure when it has not ended within `timeout` (default: its bound); it is then
        killed, so that nothing is left behind."""
        sig = sig or self.stop_as[0]
        timeout = timeout or self.stop_as[2]
        if self.alive():
            self.send_signal(sig)
            t0 = time.monotonic()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
                self.log.close()
                raise Failure(f"{self.name} (pid {self.pid}) still running {timeout} s after "
                              f"{signal.Signals(sig).name}; killed")
            self.took = time.monotonic() - t0
        self.log.close()
        return self.proc.returncode

    def end(self):
        """Stops it as its stop_as says, if it still runs, and returns what is wrong with how
        it ended (None when nothing): not within the bound, an exit status other than the
        documented one, or a crash the test did not cause."""
        sig, status, bound = self.stop_as
        if not self.alive():
            self.log.close()
            rc = self.proc.returncode
            if rc < 0 and -rc in CRASHES and -rc not in self.sent:
                return f"{self.name} (pid {self.pid}) ended by {signal.Signals(-rc).name}"
            return None
        try:
            rc = self.stop(sig, bound)
        except Failure as e:
            return str(e)
        if rc != status:
            return (f"{self.name} (pid {self.pid}) ended with status {rc} on {signal.Signals(sig).name}, "
                    f"want {status}")
        return None


class Run:
    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.bin = os.environ.get("CALLROUTER_BIN") or os.path.join(self.build, "callrouter")
        self.dir = tempfile.mkdtemp(prefix="callrouter-test.")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.started = []  # every process, for the output of a failed case
        self.counter = 0

    def stop_all(self):
        """Stops every server still running, the last started first, each as its stop_as
        says; returns what went wrong, one line a process (empty: all ended as they must)."""
        problems = []
        for p in reversed(list(self.procs)):
            why = p.end()
            if why:
                problems.append(why)
        self.started += self.procs
        self.procs = []
        return problems

    def close(self):
        """Stops every server and removes the folder; returns stop_all's problems."""
        problems = self.stop_all()
        shutil.rmtree(self.dir, ignore_errors=True)
        return problems

    def path(self, name):
        return os.path.join(self.dir, name)

    def unique(self, stem):
        self.counter += 1
        return self.path(f"{stem}{self.counter}")

    def write(self, name, text, mode="w"):
        p = self.path(name) if not os.path.isabs(name) else name
        with open(p, mode) as f:
            f.write(text)
        return p

    # --- servers ---------------------------------------------------------

    def callrouter(self, ini, listen=None, threads=None, extra=()):
        """Starts callrouter as FastCGI on its own socket (default: a unix socket)."""
        listen = listen or "unix:" + self.unique("cr") + ".sock"
        argv = [self.bin, "--config", ini, "--listen", listen] + list(extra)
        if threads:
            argv += ["--threads", str(threads)]
        p = Process(self, argv, "callrouter")
        p.listen = listen
        if listen.startswith("unix:"):
            wait_for(lambda: _can_connect_unix(listen[5:]) or not p.alive(), what="callrouter socket")
        else:
            host, _, port = listen.rpartition(":")
            host = host.strip("[]") or "127.0.0.1"
            wait_for(lambda: _can_connect(host, int(port)) or not p.alive(), what="callrouter port")
        expect(p.alive(), "callrouter did not start: " + p.output())
        return p

    def nginx(self, socket_path, auth=None, snippet_edit=None, conf_edit=None):
        """Starts nginx from nginx/local.conf.in in front of a unix socket; returns (proc, port).
        auth: directives for the location; snippet_edit(text) -> text: a changed copy of
        the shipped nginx/callrouter-fastcgi.conf is used instead of it; conf_edit(text) -> text:
        changes the filled-in nginx.conf (e.g. an upstream block of the test's own)."""
        port = free_port()
        d = self.unique("nginx")
        os.makedirs(d)
        with open(os.path.join(ROOT, "nginx", "local.conf.in")) as f:
            conf = f.read()
        snippet = os.path.join(ROOT, "nginx", "callrouter-fastcgi.conf")
        if snippet_edit:
            with open(snippet) as f:
                text = snippet_edit(f.read())
            snippet = os.path.join(d, "snippet.conf")
            with open(snippet, "w") as f:
                f.write(text)
        user, group = _user_group()
        repl = {"@DIR@": d, "@PORT@": str(port), "@SOCKET@": socket_path, "@SNIPPET@": snippet,
                "@ACCESS_LOG@": os.path.join(d, "access.log"), "@USER@": user, "@GROUP@": group}
        for k, v in repl.items():
            conf = conf.replace(k, v)
        if auth:
            conf = conf.replace("# @AUTH@", auth)
        if conf_edit:
            conf = conf_edit(conf)
        cpath = os.path.join(d, "nginx.conf")
        with open(cpath, "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        p = Process(self, [nginx, "-e", "stderr", "-p", d, "-c", cpath], "nginx")
        wait_for(lambda: _can_connect("127.0.0.1", port) or not p.alive(), what="nginx port")
        expect(p.alive(), "nginx did not start: " + p.output())
        return p, port

    def apache(self, conf, modules=(), port=None):
        """Starts Apache (apache2 -DFOREGROUND) with a config of its own in a folder of
        its own: PidFile, ErrorLog, runtime files there, listening on 127.0.0.1:port.
        conf is appended to the server config; modules are names such as "proxy_fcgi",
        loaded from /usr/lib/apache2/modules. Returns (proc, port, folder)."""
        port = port or free_port()
        d = self.unique("apache")
        os.makedirs(d)
        os.chmod(d, 0o755)
        mods = ["mpm_event", "authz_core", "authn_core"] + [m for m in modules if m not in
                                                            ("mpm_event", "authz_core", "authn_core")]
        lines = [f"ServerRoot {d}", "ServerName localhost", f"Listen 127.0.0.1:{port}",
                 f"PidFile {d}/httpd.pid", f"ErrorLog {d}/error.log", "LogLevel warn",
                 f"DefaultRuntimeDir {d}", f"Mutex file:{d} default"]
        lines += [f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in mods]
        if os.getuid() == 0:
            # Apache will not serve as root; its children run as the usual user.
            lines += ["User www-data", "Group www-data"]
        lines += ["<Directory />", "    AllowOverride None", "    Require all denied", "</Directory>", conf]
        cpath = os.path.join(d, "httpd.conf")
        with open(cpath, "w") as f:
            f.write("\n".join(lines) + "\n")
        apache2 = shutil.which("apache2") or "/usr/sbin/apache2"
        t = subprocess.run([apache2, "-t", "-f", cpath], capture_output=True, text=True)
        expect(t.returncode == 0, "apache2 -t: " + t.stdout + t.stderr)
        p = Process(self, [apache2, "-f", cpath, "-DFOREGROUND"], "apache")
        p.error_log = os.path.join(d, "error.log")
        wait_for(lambda: _can_connect("127.0.0.1", port) or not p.alive(), what="apache port")
        expect(p.alive(), "apache did not start: " + p.output() + _read(p.error_log))
        return p, port, d

    def frontend(self, name, template, repl, argv, check=None, env=None):
        """Starts a web server in the foreground from a shipped config template (a path under
        ROOT), in a folder of its own with an empty htdocs/, on 127.0.0.1 and a free port.
        @PORT@ (which must be there) and @DIR@ (the folder) are filled in here, the other
        @NAME@s from repl; each of those must be in the file, and none may be left. "@CONF@" and "@DIR@" in argv, check and the
        values of env name the written config and the folder. check, when given, is run first
        and must exit 0. Returns (proc, port, folder)."""
        port = free_port()
        d = self.unique(name)
        os.makedirs(os.path.join(d, "htdocs"))
        os.chmod(d, 0o755)
        with open(os.path.join(ROOT, template)) as f:
            text = f.read()
        for k, v in dict(repl, **{"@PORT@": str(port)}).items():
            expect(k in text, f"{template}: no {k} in the shipped file; update the test")
            text = text.replace(k, v)
        text = text.replace("@DIR@", d)
        left = re.findall(r"@[A-Z_]+@", text)
        expect(not left, f"{template}: placeholders left: {left}")
        cpath = os.path.join(d, os.path.basename(template))
        with open(cpath, "w") as f:
            f.write(text)

        def fill(args):
            return [a.replace("@CONF@", cpath).replace("@DIR@", d) for a in args]
        if env is not None:
            env = {k: v.replace("@DIR@", d) for k, v in env.items()}
        if check:
            t = subprocess.run(fill(check), capture_output=True, text=True, env=env, timeout=30)
            expect(t.returncode == 0, f"{' '.join(check)}: {t.stdout}{t.stderr}")
        p = Process(self, fill(argv), name, env=env)
        wait_for(lambda: _can_connect("127.0.0.1", port) or not p.alive(), what=f"{name} port")
        expect(p.alive(), f"{name} did not start: " + p.output())
        return p, port, d

    def stack(self, ini, threads=None, auth=None):
        """callrouter + nginx; returns (callrouter, nginx, url)."""
        cr = self.callrouter(ini, threads=threads)
        ng, port = self.nginx(cr.listen[5:], auth=auth)
        return cr, ng, f"http://127.0.0.1:{port}/"

    # --- clients ---------------------------------------------------------

    def cgi(self, body=b"", env=None, method="POST", content_type="application/x-www-form-urlencoded",
            content_length="auto", config=None, argv=None, stdin_pieces=None, delay=0.0, close_stdout=False,
            timeout=10, exit_code=False):
        """Runs the binary (or argv) as a CGI program; returns (status, headers, body, stderr),
        with exit_code=True (exit code, status, headers, body, stderr).
        stdin_pieces/delay: feed stdin in that many parts, `delay` seconds apart;
        close_stdout: the web server hangs up before reading the answer (status, headers
        and body are then None)."""
        if isinstance(body, str):
            body = body.encode()
        e = cgi_env(body, method, content_type, content_length, config, env)
        err_path = self.unique("cgi-stderr")
        with open(err_path, "wb") as err:
            p = subprocess.Popen(argv or [self.bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=e)
            if close_stdout:
                p.stdout.close()
                p.stdout = None
            try:
                if stdin_pieces:
                    step = max(1, -(-len(body) // stdin_pieces))
                    for i in range(0, len(body), step):
                        p.stdin.write(body[i:i + step])
                        p.stdin.flush()
                        time.sleep(delay)
                else:
                    p.stdin.write(body)
            except BrokenPipeError:
                pass  # it answered without reading all: fine
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass
            p.stdin = None
            try:
                out, _ = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise
        with open(err_path, "rb") as f:
            stderr = f.read().decode("utf-8", "replace")
        answer = (None, None, None) if close_stdout else parse_cgi(out)
        return ((p.returncode,) if exit_code else ()) + answer + (stderr,)

def cgi_env(body, method="POST", content_type="application/x-www-form-urlencoded", content_length="auto",
            config=None, env=None):
    """The environment a web server gives a CGI program for this request: no
    CONTENT_TYPE / CONTENT_LENGTH when None, the body's length for "auto"."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEWAY_INTERFACE": "CGI/1.1",
         "REQUEST_METHOD": method, "SERVER_PROTOCOL": "HTTP/1.1"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    if content_type is not None:
        e["CONTENT_TYPE"] = content_type
    if content_length == "auto":
        e["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        e["CONTENT_LENGTH"] = content_length
    if config:
        e["CALLROUTER_CONFIG"] = config
    e.update(env or {})
    return e


def _can_connect(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def _can_connect_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _user_group():
    import grp
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def parse_cgi(out):
    """Splits a CGI answer into (status, headers dict lower-cased, body)."""
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        raise Failure(f"no header end in CGI output: {out[:200]!r}")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body.decode("utf-8", "replace")


def curl(url, data=None, method=None, headers=(), user=None, extra=(), timeout=10):
    """One request with curl; returns (status, headers dict lower-cased, body)."""
    argv = ["curl", "-sS", "-i", "--max-time", str(timeout), "-H", "Expect:"]
    if method:
        argv += ["-X", method]
    if data is not None:
        argv += ["--data-binary", "@-"]
    for h in headers:
        argv += ["-H", h]
    if user:
        argv += ["-u", user]
    argv += list(extra) + [url]
    r = subprocess.run(argv, input=data.encode() if isinstance(data, str) else data,
                       capture_output=True, timeout=timeout + 5)
    if r.returncode != 0:
        raise Failure(f"curl failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    out = r.stdout
    # Skip interim answers (100 Continue).
    while out.startswith(b"HTTP/1.1 1"):
        out = out.partition(b"\r\n\r\n")[2]
    head, _, body = out.partition(b"\r\n\r\n")
    status, hdrs = parse_status_headers(head)
    return status, hdrs, body.decode("utf-8", "replace")


def parse_status_headers(head):
    """An HTTP answer's head (bytes, without the blank line): (status, headers dict lower-cased)."""
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs


def http(port, method="POST", body=b"", headers=(), content_length="auto", target="/", pieces=None,
         delay=0.0, hangup_after=None, timeout=10):
    """Sends one request on a new connection (Connection: close) and reads the answer.

    headers: (name, value) pairs sent as given. content_length: "auto" (the body's length),
    None (no header) or the literal value. pieces: send the body in this many parts, `delay`
    seconds apart. hangup_after: close after this many body bytes and return None.
    Returns (status, headers lower-cased, body text), or None when the server closed the
    connection without an answer."""
    if isinstance(body, str):
        body = body.encode()
    head = f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    for k, v in headers:
        head += f"{k}: {v}\r\n"
    if content_length == "auto":
        head += f"Content-Length: {len(body)}\r\n"
    elif content_length is not None:
        head += f"Content-Length: {content_length}\r\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head.encode("latin-1") + b"\r\n")
        if hangup_after is not None:
            s.sendall(body[:hangup_after])
            time.sleep(0.2)
            s.close()
            return None
        if pieces:
            step = max(1, -(-len(body) // pieces))
            for i in range(0, len(body), step):
                s.sendall(body[i:i + step])
                time.sleep(delay)
        else:
            s.sendall(body)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    if not out:
        return None
    return parse_http(out)


def parse_http(out):
    """An HTTP answer (bytes): (status, headers lower-cased, body text), a chunked body joined."""
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        raise Failure(f"no header end in HTTP answer: {out[:200]!r}")
    status, hdrs = parse_status_headers(head)
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        raw, body = body, b""
        while raw:
            size_line, _, raw = raw.partition(b"\r\n")
            n = int(size_line.split(b";")[0], 16)
            if n == 0:
                break
            body, raw = body + raw[:n], raw[n + 2:]
    return status, hdrs, body.decode("utf-8", "replace")


# --- a callrouter log ------------------------------------------------------

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ callrouter\[\d+\]: (error|warn|info|debug): [\x20-\x7e]*$")


def log_lines_only(text, what):
    """Every line of a callrouter log is one whole log line: time, name[pid], level, printable ASCII."""
    for line in text.splitlines():
        if line.startswith("==") or not line:
            continue  # sanitizer and valgrind reports are checked by their own targets
        expect(LOG_LINE.match(line), f"{what}: not one whole log line: {line[:300]!r}")


def status_lines(text):
    """The request log lines of a log."""
    return [l for l in text.splitlines() if re.search(r"\]: \w+: status=\d+ ", l)]


def terminate(proc, timeout=15):
    """SIGTERM, then the exit code; Failure when it has not ended within `timeout`."""
    return proc.stop(signal.SIGTERM, timeout)


def shipped(rel):
    """A file of the repository (a shipped config, unit, example), as text."""
    with open(os.path.join(ROOT, rel)) as f:
        return f.read()


def substitute(text, repl, what):
    """Replaces each path or port of a shipped file; each must be there."""
    for old, new in repl:
        expect(old in text, f"{what}: '{old}' is no longer in the shipped file; update the test")
        text = text.replace(old, new)
    return text


def replace(run, name, text):
    """Writes a file of the run's folder the safe way: a new file renamed over the old."""
    tmp = run.path(name + ".new")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, run.path(name))


def sanitized(binary):
    """Whether the binary is built with AddressSanitizer (make sanitize's CALLROUTER_BIN)."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def figures(text):
    """Prints a figure measured on the way, as a "figures: ..." line."""
    print("     figures: " + text, flush=True)


FORM = "application/x-www-form-urlencoded"


# --- a minimal FastCGI client, for what curl cannot do (slow bodies, hang-ups) ---

def _record(rtype, req_id, content):
    out = b""
    while True:
        chunk, content = content[:65535], content[65535:]
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack(">BBHHBB", 1, rtype, req_id, len(chunk), pad, 0) + chunk + b"\0" * pad
        if not content:
            return out


def _nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


class FcgiClient:
    """Speaks FastCGI to a socket: begin, params, stdin in parts, then reads the answer."""

    def __init__(self, address):
        if address.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(address[5:])
        else:
            host, _, port = address.rpartition(":")
            self.sock = socket.create_connection((host or "127.0.0.1", int(port)))
        self.sock.settimeout(15)

    def begin(self, params):
        self.sock.sendall(_record(1, 1, struct.pack(">HB5x", 1, 0)))
        body = b"".join(_nv(k.encode(), v.encode() if isinstance(v, str) else v) for k, v in params.items())
        self.sock.sendall(_record(4, 1, body) + _record(4, 1, b""))

    def send(self, data):
        if data:
            self.sock.sendall(_record(5, 1, data))

    def end(self):
        self.sock.sendall(_record(5, 1, b""))

    def answer(self):
        """Reads records until END_REQUEST; returns (status, headers, body)."""
        buf = b""
        stdout = b""
        while True:
            while len(buf) < 8:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise Failure("FastCGI connection closed before END_REQUEST")
                buf += chunk
            _, rtype, _, clen, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            while len(buf) < 8 + clen + pad:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise Failure("FastCGI connection closed mid-record")
                buf += chunk
            content, buf = buf[8:8 + clen], buf[8 + clen + pad:]
            if rtype == 6:
                stdout += content
            elif rtype == 3:
                break
        self.sock.close()
        return parse_cgi(stdout)

    def close(self):
        self.sock.close()


def fcgi_params(body, method="POST", content_type=FORM, extra=None):
    p = {"REQUEST_METHOD": method, "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
         "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    p.update(extra or {})
    return p


def fcgi_request(address, body, **kw):
    if isinstance(body, str):
        body = body.encode()
    c = FcgiClient(address)
    c.begin(fcgi_params(body, **kw))
    c.send(body)
    c.end()
    return c.answer()


# --- load and a growing log ------------------------------------------------

class Load:
    """Threads that send FastCGI requests until stopped (or a bound), recording each answer."""

    def __init__(self, address, threads=4, body=GOOD, max_requests=200000, max_seconds=120):
        self.address, self.body = address, body
        self.results = []   # (start, end, status, body) or (start, end, None, error)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.max_requests, self.deadline = max_requests, time.monotonic() + max_seconds
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self):
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if len(self.results) >= self.max_requests:
                    return
            t0 = time.monotonic()
            try:
                s, h, b = fcgi_request(self.address, self.body)
                r = (t0, time.monotonic(), s, b)
            except Exception as e:  # a request that failed: recorded, judged by the test
                r = (t0, time.monotonic(), None, repr(e))
            with self.lock:
                self.results.append(r)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)
        return list(self.results)

    def count(self):
        with self.lock:
            return len(self.results)


class LogTail:
    """Reads a process's log incrementally (it grows by a line per request) and counts
    lines holding a given text without scanning the whole log again each time."""

    def __init__(self, proc):
        self.proc, self.pos, self.rest = proc, 0, ""
        self.chunks = []
        self.counts = {}

    def _poll(self):
        self.proc.log.flush()
        with open(self.proc.log_path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        self.pos += len(data)
        text = self.rest + data.decode("utf-8", "replace")
        cut = text.rfind("\n") + 1
        whole, self.rest = text[:cut], text[cut:]
        if whole:
            self.chunks.append(whole)
            for needle in self.counts:
                self.counts[needle] += whole.count(needle)

    def read(self):
        self._poll()
        return "".join(self.chunks)

    def count(self, needle):
        if needle not in self.counts:
            self.counts[needle] = self.read().count(needle)
        self._poll()
        return self.counts[needle]

    def wait_count(self, needle, n, timeout, what):
        end = time.monotonic() + timeout
        while self.count(needle) < n:
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.001)
