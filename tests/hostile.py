"""What the hostile tests (it_hostile.py, it_faults.py) share: a raw HTTP/1.1 client
that can send anything (odd methods and headers, slow bodies, a hang-up halfway), a CGI
runner that also returns the exit code, nginx with a snippet of the test's own, and the
check that a log holds only whole log lines."""

import re
import signal
import socket
import subprocess
import time

from harness import FORM, Failure, cgi_env, expect, parse_status_headers

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ callrouter\[\d+\]: (error|warn|info|debug): [\x20-\x7e]*$")


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


def cgi(run, body=b"", method="POST", content_type=FORM, content_length="auto", config=None, env=None,
        stdin_pieces=None, delay=0.0, close_stdout=False, timeout=10):
    """Runs the binary as CGI. Returns (exit code, status, headers, body, stderr).
    stdin_pieces/delay: feed stdin in parts; close_stdout: the web server hangs up
    before reading the answer (status etc. are then None)."""
    if isinstance(body, str):
        body = body.encode()
    e = cgi_env(body, method, content_type, content_length, config, env)
    err_path = run.unique("cgi-stderr")
    with open(err_path, "wb") as err:
        p = subprocess.Popen([run.bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=e)
        if close_stdout:
            p.stdout.close()
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
        out = b"" if close_stdout else p.stdout.read()
        rc = p.wait(timeout)
    with open(err_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    if close_stdout:
        return rc, None, None, None, stderr
    from harness import parse_cgi
    return (rc,) + parse_cgi(out) + (stderr,)


def nginx(run, socket_path, snippet_edit=None):
    """Run.nginx, with the shipped snippet changed by snippet_edit(text) -> text."""
    return run.nginx(socket_path, snippet_edit=snippet_edit)


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
    """SIGTERM, then the exit code; the log stays readable (Process.stop closes it)."""
    proc.send_signal(signal.SIGTERM)
    proc.proc.wait(timeout)
    return proc.proc.returncode
