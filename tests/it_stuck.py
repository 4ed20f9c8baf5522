"""Never stuck, never torn (callrouter(8), FAILURE BEHAVIOUR; callrouter.ini(5), JOURNAL):
a standard error nobody reads stops no answer; a full disk leaves every journal line
whole or absent; a process short of descriptors still journals every call it answers and
closes only idle connections to make room; --calls reads any journal in bounded memory;
each through the real binary. Figures measured on the way are printed as "figures: ..."."""

import json
import os
import re
import socket
import subprocess
import threading
import time

from fixtures import GOOD, JOURNAL_RULES
from harness import (FcgiClient, Process, _can_connect_unix, case, eq, expect, fcgi_params, fcgi_request, figures,
                     sanitized, status_lines, wait_for)

RULES = """[settings]
country_code = 49
[rule office]
to = 4921112345
action = voicemail
"""


class Drain:
    """Reads a descriptor in a thread of its own, once started, until it ends."""

    def __init__(self, fd):
        self.fd, self.data, self.thread = fd, b"", None

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.data += chunk

    def text(self):
        return self.data.decode("utf-8", "replace")


def answered_within(listen, n, seconds):
    """Sends n requests one after another, each given `seconds` at most; returns how many
    were answered 200 and how long they took."""
    ok, t0 = 0, time.monotonic()
    for _ in range(n):
        try:
            c = FcgiClient(listen)
            c.sock.settimeout(seconds)
            c.begin(fcgi_params(GOOD.encode()))
            c.send(GOOD.encode())
            c.end()
            if c.answer()[0] == 200:
                ok += 1
        except OSError:
            break
    return ok, time.monotonic() - t0


def stalled_reader(run, kind):
    """callrouter with standard error a pipe, a stream socket (journald) or a terminal that nobody
    reads: 6,000 requests are answered all the same; once the reader is back, the log
    says how many lines were dropped, and lines and drops add up to the requests."""
    ini = run.write("rules.ini", RULES)
    if kind == "pipe":
        r, w = os.pipe()
    elif kind == "terminal":
        r, w = os.openpty()  # the test holds the terminal's master end, and reads nothing
    else:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        r, w = os.dup(a.fileno()), os.dup(b.fileno())
        a.close()
        b.close()
    sock = run.path("s.sock")
    p = Process(run, [run.bin, "--config", ini, "--listen", "unix:" + sock, "--threads", "2"], "callrouter", stderr=w)
    os.close(w)
    drain = Drain(r)
    try:
        wait_for(lambda: _can_connect_unix(sock) or not p.alive(), what="socket")
        total = 6000
        ok, took = answered_within("unix:" + sock, total, seconds=5)
        eq(ok, total, f"requests answered while standard error ({kind}) was not read")
        rate = ok / took
        drain.start()  # the reader is back
        for _ in range(20):
            eq(fcgi_request("unix:" + sock, GOOD)[0], 200, "a request once the reader is back")
        wait_for(lambda: "log lines dropped" in drain.text(), timeout=5, what="the count of the lines dropped")

        def dropped_now():
            return sum(int(n) for n in re.findall(r"warn: (\d+) log lines dropped: standard error was not read",
                                                   drain.text()))
        expect(dropped_now() > 0, "nothing dropped: the reader was never stalled")
        # Every request's line was written or counted as dropped.
        wait_for(lambda: len(status_lines(drain.text())) + dropped_now() >= total + 20, timeout=5,
                 what="every request line written or counted")
        logged, dropped = len(status_lines(drain.text())), dropped_now()
        eq(logged + dropped, total + 20, "request lines written and dropped")
        eq(p.stop(), 0, "exit status after SIGTERM")
        figures(f"standard error a {kind} nobody read: {ok} requests answered, {rate:.0f} a second; "
                f"{logged} request lines written, {dropped} lines dropped and counted once the reader was back")
    finally:
        if drain.thread is None:
            drain.start()  # let it exit
        p.stop()
        drain.thread.join(5)
        os.close(r)


@case("stuck: standard error a pipe nobody reads: every request answered; the dropped lines counted when it is read")
def _(run):
    stalled_reader(run, "pipe")


@case("stuck: standard error a stream socket nobody reads (journald): every request answered; drops counted")
def _(run):
    stalled_reader(run, "socket")


@case("stuck: standard error a terminal nobody reads (a pty, as after Ctrl-S): every request answered; drops counted")
def _(run):
    stalled_reader(run, "terminal")


def journal_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")


def call(listen, call_id):
    body = f"{GOOD}&event=newCall&callId={call_id}"
    eq(fcgi_request(listen, body)[0], 200, f"call {call_id}")


@case("torn: a full disk (a 64 KiB tmpfs filled, then freed): the line cut short stands alone, every line after it "
      "is whole; --calls skips the fragment and counts it")
def _(run):
    if os.geteuid() != 0:
        figures("not root: no tmpfs can be mounted; case skipped")
        return
    small = run.path("small")
    os.makedirs(small)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", small], capture_output=True,
                       text=True)
    if m.returncode != 0:
        figures(f"root, but no tmpfs can be mounted here ({m.stderr.strip()}); case skipped")
        return
    try:
        journal = os.path.join(small, "calls.jsonl")
        ini = run.write("rules.ini", JOURNAL_RULES.format(journal=journal))
        crp = run.callrouter(ini, threads=2)
        for i in range(5):
            call(crp.listen, f"before{i}")
        wait_for(lambda: os.path.exists(journal) and len(journal_lines(journal)) >= 6, what="the first lines")
        # The disk fills: the journal's page has room for part of a line, then none.
        filler = os.path.join(small, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"x" * 512) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        for i in range(30):
            call(crp.listen, f"full{i}")
        wait_for(lambda: "cannot append: No space left on device" in crp.output(), timeout=5, what="the full disk")
        size_full = os.path.getsize(journal)
        os.unlink(filler)  # the disk is back
        for i in range(10):
            call(crp.listen, f"after{i}")
        wait_for(lambda: b'"after9"' in open(journal, "rb").read(), timeout=5, what="the lines after the disk is back")
        lines = journal_lines(journal)
        eq(lines[-1], b"", "the journal ends with a newline")
        whole, torn = [], []
        for line in lines[:-1]:
            try:
                whole.append(json.loads(line)["callId"])
            except ValueError:
                torn.append(line)
        after = [c for c in whole if c.startswith("after")]
        eq(after, [f"after{i}" for i in range(10)], "the calls after the disk came back, each a whole line")
        eq(len(torn), 1, "torn fragments: the line the full disk cut short")
        r = subprocess.run([run.bin, "--config", ini, "--calls", "--since", "2000-01-01"], capture_output=True,
                           text=True, timeout=30)
        eq(r.returncode, 0, "--calls: " + r.stderr)
        expect("1 lines are no event of the journal; skipped" in r.stderr, r.stderr)
        expect(r.stdout.rstrip().endswith(f"{len(set(whole))} calls"), r.stdout[-300:])
        figures(f"64 KiB disk: {len([c for c in whole if c.startswith('full')])} of 30 calls journalled while full "
                f"({size_full} bytes), {len(torn)} torn fragment(s) on a line of its own, all 10 after it whole")
        eq(crp.stop(), 0, "exit status")
    finally:
        subprocess.run(["umount", "-l", small])


class KeptClient:
    """A FastCGI connection that the server is asked to keep (FCGI_KEEP_CONN), one request
    after another on it, as nginx keeps its upstream connections."""

    def __init__(self, path):
        self.path, self.sock = path, None

    def request(self, body):
        """Returns ("ok", answer); ("closed", None) when the server had closed the kept
        connection before the request went out (the send fails, so the caller knows it
        was not received and may send it again); or ("lost", None) when the connection
        could not be had, or the server closed it with the request in it, unread
        (ECONNRESET) or unanswered."""
        import errno
        import struct
        from harness import _nv, _record
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(15)
            try:
                self.sock.connect(self.path)
            except OSError:
                self.close()
                return "lost", None
        params = b"".join(_nv(k.encode(), v.encode()) for k, v in fcgi_params(body.encode()).items())
        try:
            self.sock.sendall(_record(1, 1, struct.pack(">HB5x", 1, 1)) + _record(4, 1, params) + _record(4, 1, b"")
                              + _record(5, 1, body.encode()) + _record(5, 1, b""))
        except OSError as e:
            self.close()
            return ("closed", None) if e.errno in (errno.EPIPE, errno.ECONNRESET) else ("lost", None)
        buf, out = b"", b""
        try:
            while True:
                while len(buf) < 8 or len(buf) < 8 + struct.unpack(">H", buf[4:6])[0] + buf[6]:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise ConnectionResetError("closed without an answer")
                    buf += chunk
                _, rtype, _, clen, pad, _ = struct.unpack(">BBHHBB", buf[:8])
                content, buf = buf[8:8 + clen], buf[8 + clen + pad:]
                if rtype == 6:
                    out += content
                elif rtype == 3:
                    return "ok", out
        except OSError:
            self.close()
            return "lost", None

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None


@case("descriptors: ulimit -n 64 and 80 kept connections, the journal renamed away halfway: every request answered "
      "(only idle connections closed to make room), every answered call journalled")
def _(run):
    journal = run.path("calls.jsonl")
    ini = run.write("rules.ini", JOURNAL_RULES.format(journal=journal))
    sock = run.path("low.sock")
    p = Process(run, ["sh", "-c", 'ulimit -n 64 && exec "$0" "$@"', run.bin, "--config", ini, "--listen",
                      "unix:" + sock, "--threads", "2"], "callrouter")
    wait_for(lambda: _can_connect_unix(sock) or not p.alive(), what="socket")
    answered, lost, retried = [], [], []
    lock = threading.Lock()
    half = threading.Event()

    def client(n):
        c = KeptClient(sock)
        for i in range(80):
            call_id = f"c{n}-{i}"
            # The server closed the kept connection before the request went out: sent again,
            # as nginx does with fastcgi_next_upstream non_idempotent.
            for _ in range(5):
                how, out = c.request(f"{GOOD}&event=newCall&callId={call_id}")
                if how != "closed":
                    break
                with lock:
                    retried.append(call_id)
            with lock:
                (answered if how == "ok" and b"Status: 200" in out else lost).append(call_id)
                if len(answered) + len(lost) == 3200:
                    half.set()
            time.sleep(0.002 * (n % 5))
        c.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(80)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    # Halfway, logrotate's way: the journal renamed away; the next line starts a new one,
    # opened with the descriptor held in reserve when the connections have taken the others.
    expect(half.wait(60), "not halfway after 60 s")
    os.rename(journal, journal + ".1")
    for t in threads:
        t.join(120)
    took = time.monotonic() - t0
    expect(not any(t.is_alive() for t in threads), "clients still running after 120 s")
    eq(len(answered) + len(lost), 80 * 80, "requests made")
    expect(p.alive(), "died: " + p.output()[-800:])
    eq(p.stop(), 0, "exit status")  # the journal's last lines are written by now
    ids = []
    for path in (journal + ".1", journal):
        with open(path) as f:
            ids += [json.loads(line)["callId"] for line in f]
    missing = sorted(set(answered) - set(ids))
    out = p.output()
    figures(f"ulimit -n 64, 80 kept connections: {len(answered)} of {len(answered) + len(lost)} requests answered in "
            f"{took:.1f} s ({len(retried)} sent again after the kept connection had been closed before them), "
            f"{len(lost)} lost with their connection; {len(ids)} journal lines in 2 files, {len(missing)} answered "
            f"calls without one; {out.count('Too many open files')} 'Too many open files' log lines")
    expect(not lost, f"{len(lost)} requests lost on a connection closed to make room: {lost[:5]}")
    expect(not missing, f"{len(missing)} answered calls have no journal line: {missing[:5]}")
    expect(os.path.getsize(journal) > 0 and os.path.getsize(journal + ".1") > 0, "one of the two journals is empty")


def calls_measured(run, ini, args=("--since", "2000-01-01")):
    """--calls under /usr/bin/time -v: (exit status, stdout bytes, stderr, peak KiB, seconds)."""
    out = run.unique("calls") + ".out"
    with open(out, "wb") as f:
        r = subprocess.run(["/usr/bin/time", "-v", run.bin, "--config", ini, "--calls"] + list(args), stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=300)
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    secs = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    own = "\n".join(l for l in r.stderr.splitlines() if l.startswith("callrouter"))
    return r.returncode, out, own, peak, secs


@case("calls: --calls reads 1,000,000 journal lines (48 MiB) in bounded memory (under 64 MiB), one long field "
      "cut, lines over 16 KiB skipped and counted; --since refuses a trailing space, in its own words")
def _(run):
    journal = run.path("calls.jsonl")
    ini = run.write("rules.ini", JOURNAL_RULES.format(journal=journal))
    # A million short lines, each a call of its own that never hung up.
    with open(journal, "w") as f:
        t0 = 1767225600  # 2026-01-01T00:00:00Z
        for i in range(1000000):
            s = t0 + i * 30
            f.write('{"time":"%04d-%02d-%02dT%02d:%02d:%02dZ","callId":"%d"}\n' % (
                *time.gmtime(s)[:6], i))
    size = os.path.getsize(journal)
    rc, out, err, peak, secs = calls_measured(run, ini)
    eq(rc, 0, "exit status: " + err)
    with open(out, "rb") as f:
        rows = sum(1 for _ in f)
    eq(rows, 1000000 + 2, "rows (with the head and the count)")
    figures(f"--calls over {size >> 20} MiB, 1,000,000 lines: {peak / 1024:.1f} MiB peak, {secs:.1f} s")
    # AddressSanitizer's shadow memory and quarantine are not the program's: the bound
    # holds for the binary users run (make sanitize checks the rest of the case).
    expect(peak < 64 * 1024 or sanitized(run.bin), f"--calls took {peak} KiB at its peak")

    # 300 calls, one of them with a field of 4 MB, and one line of 4 MB that is no event.
    with open(journal, "w") as f:
        for i in range(300):
            cause = "x" * 4000000 if i == 150 else "normalClearing"
            f.write('{"time":"2026-11-27T08:00:%02dZ","event":"newCall","callId":"c%d","direction":"in",'
                    '"from":"4921112345","to":"4930123456","rule":"office","action":"voicemail"}\n' % (i % 60, i))
            f.write('{"time":"2026-11-27T08:01:%02dZ","event":"hangup","callId":"c%d","cause":"%s"}\n' % (
                i % 60, i, cause))
    rc, out, err, peak, secs = calls_measured(run, ini)
    eq(rc, 0, "exit status: " + err)
    expect("1 lines longer than 16 KiB; skipped" in err, err)
    with open(out, encoding="utf-8") as f:
        lines = f.read().splitlines()
    eq(lines[-1], "300 calls", "the count")
    widest = max(len(l) for l in lines)
    expect(widest < 300, f"a row of {widest} characters: a column was not cut")
    figures(f"--calls with a 4 MB field among 300 calls: {peak / 1024:.1f} MiB peak, rows at most {widest} wide")

    # A field of 8 KB (its line under the bound) is cut to its column.
    with open(journal, "w") as f:
        f.write('{"time":"2026-11-27T08:00:00Z","event":"newCall","callId":"w","direction":"in","from":"4921112345",'
                '"to":"4930123456","rule":"%s","action":"voicemail"}\n' % ("r" * 8000))
        f.write('{"time":"2026-11-27T08:01:00Z","event":"hangup","callId":"w","cause":"%s"}\n' % ("c" * 8000))
    rc, out, err, peak, secs = calls_measured(run, ini)
    eq(rc, 0, "exit status: " + err)
    with open(out, encoding="utf-8") as f:
        row = f.read().splitlines()[1]
    expect("r" * 39 + "\u2026" in row and "r" * 41 not in row, "the legs' column is not cut at 40: " + row[:200])
    expect("c" * 31 + "\u2026" in row and "c" * 33 not in row, "the cause's column is not cut at 32: " + row[-200:])

    for bad in ("2026-11-01 ", " 2026-11-01", "2026-11-01 10:00 ", "2026-11-01\t"):
        r = subprocess.run([run.bin, "--config", ini, "--calls", "--since", bad], capture_output=True, text=True)
        eq(r.returncode, 2, f"--since {bad!r}: exit status")
        expect(f"bad --since time '{bad}'" in r.stderr and "--at" not in r.stderr, r.stderr)
