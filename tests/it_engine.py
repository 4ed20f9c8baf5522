"""The FastCGI engine of our own (callrouter(8): MODES and LIMITS; the protocol rules and bounds it keeps),
through the real binary on its own unix socket or TCP port, spoken to record by record.

Each case sends exactly the records it names (a raw client below, on top of harness._record
and harness._nv) and checks what comes back: the records, whether and when the server
closes the connection, that the process is still alive and serves the next request, and
the log line the rule asks for. Every wait has a bound. Figures measured on the way
(resident memory, threads, times) are printed as "figures: ..." lines."""

import os
import re
import resource
import select
import socket
import struct
import subprocess
import threading
import signal
import time
from collections import namedtuple

from fixtures import DIAL_OFFICE, GOOD, RULES, TEXT, XML
from harness import (ROOT, Failure, Process, _can_connect_unix, _nv, _record, case, eq, expect, fcgi_params, figures,
                     free_port, log_lines_only, parse_cgi, sanitized, status_lines, wait_for)


# Record types, flags, roles and protocol status values (FastCGI 1.0, fastcgi.h).
BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
KEEP_CONN = 1
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE = 0, 1, 2, 3

WARN_CLOSED = re.compile(r"\]: warn: fastcgi: [\x20-\x7e]*; connection closed$", re.M)
DEADLINE_LINE = "warn: fastcgi: request not complete after 10 s; connection closed"
ABORT_LINE = "info: fastcgi: request aborted by the web server"


# --- raw records ---------------------------------------------------------------

def record(rtype, rid, content=b"", pad=None, version=1):
    """One record exactly as given (no splitting): `pad` padding bytes, by default up to a
    multiple of 8; `version` the first byte."""
    if pad is None:
        pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", version, rtype, rid, len(content), pad, 0) + content + b"\0" * pad


def begin(rid=1, role=RESPONDER, flags=0):
    return record(BEGIN, rid, struct.pack(">HB5x", role, flags))


def _b(x):
    return x.encode() if isinstance(x, str) else x


def stream(rtype, rid, content):
    """A stream's content as records of at most 65535 bytes (without the empty end record);
    harness._record does the same, but copies a large content over and over."""
    if len(content) <= 65535:
        return _record(rtype, rid, content) if content else b""
    view = memoryview(content)
    return b"".join(_record(rtype, rid, bytes(view[i:i + 65535])) for i in range(0, len(content), 65535))


def params(rid, pairs, end=True):
    """PARAMS records (split at 65535 bytes) for a dict, then the empty one unless end=False."""
    body = b"".join(_nv(_b(k), _b(v)) for k, v in pairs.items())
    return stream(PARAMS, rid, body) + (_record(PARAMS, rid, b"") if end else b"")


def stdin(rid, body, end=True):
    return stream(STDIN, rid, _b(body)) + (_record(STDIN, rid, b"") if end else b"")


def good_params(body=GOOD, **kw):
    return fcgi_params(_b(body), **kw)


def request(rid=1, body=GOOD, flags=0, pairs=None):
    """A whole responder request: BEGIN, PARAMS, STDIN."""
    return begin(rid, flags=flags) + params(rid, pairs or good_params(body)) + stdin(rid, body)


def nv_lengths(name_len, value_len):
    """The length bytes of a name-value pair, 4-byte form for both."""
    return struct.pack(">II", name_len | 0x80000000, value_len | 0x80000000)


def decode_pairs(content):
    """A name-value body as a list of (name, value) strings; Failure when a pair overruns it."""
    out, i = [], 0

    def length():
        nonlocal i
        if i >= len(content):
            raise Failure(f"name-value pair cut short: {content!r}")
        if content[i] < 128:
            i += 1
            return content[i - 1]
        if i + 4 > len(content):
            raise Failure(f"name-value length cut short: {content!r}")
        n = struct.unpack(">I", content[i:i + 4])[0] & 0x7fffffff
        i += 4
        return n

    while i < len(content):
        nl = length()
        vl = length()
        if i + nl + vl > len(content):
            raise Failure(f"name-value pair overruns the record: {content!r}")
        out.append((content[i:i + nl].decode("latin-1"), content[i + nl:i + nl + vl].decode("latin-1")))
        i += nl + vl
    return out


def readable(socks, timeout):
    """The sockets of `socks` that are readable (or closed) within timeout seconds; poll(),
    not select(), so that descriptors over 1023 work."""
    p = select.poll()
    by_fd = {}
    for s_ in socks:
        p.register(s_, select.POLLIN)
        by_fd[s_.fileno()] = s_
    return [by_fd[fd] for fd, _ in p.poll(max(0, int(timeout * 1000)))]


Record = namedtuple("Record", "version type id content padding")
Answer = namedtuple("Answer", "stdout stderr app proto records")


class Conn:
    """One raw FastCGI connection to "unix:PATH" or "HOST:PORT"."""

    def __init__(self, address, timeout=5.0):
        if address.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(address[5:])
        else:
            host, _, port = address.rpartition(":")
            self.sock = socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def try_send(self, data):
        """Sends; False when the server has closed (EPIPE, reset)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return False

    def _read_some(self, left):
        """Waits up to `left` seconds for bytes; appends them to self.buf, or notes the
        end (EOF or reset) in self.eof."""
        if not readable([self.sock], left):
            return
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
        self.buf += chunk

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            if self.eof:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"no FastCGI record within the time allowed (have {self.buf[:64]!r})")
            self._read_some(left)
        return not self.eof or len(self.buf) >= n

    def record(self, timeout=5.0):
        """The next record, or None when the server closed the connection before a whole one."""
        deadline = time.monotonic() + timeout
        if not self._fill(8, deadline):
            return None
        version, rtype, rid, clen, pad, _ = struct.unpack(">BBHHBB", self.buf[:8])
        if not self._fill(8 + clen + pad, deadline):
            return None
        content, padding = self.buf[8:8 + clen], self.buf[8 + clen:8 + clen + pad]
        self.buf = self.buf[8 + clen + pad:]
        return Record(version, rtype, rid, content, padding)

    def answer(self, rid=1, timeout=5.0):
        """Reads records until the END_REQUEST for rid."""
        deadline = time.monotonic() + timeout
        out, err, recs = b"", b"", []
        while True:
            r = self.record(max(0.0, deadline - time.monotonic()))
            if r is None:
                raise Failure(f"connection closed before END_REQUEST for id {rid}; records so far: "
                              f"{[(x.type, x.id, x.content[:40]) for x in recs]}")
            recs.append(r)
            if r.id != rid:
                continue
            if r.type == STDOUT:
                out += r.content
            elif r.type == STDERR:
                err += r.content
            elif r.type == END:
                app, proto = struct.unpack(">IB3x", r.content[:8])
                return Answer(out, err, app, proto, recs)

    def closed(self, timeout):
        """Waits for the server to close (EOF or reset); returns the seconds it took, or None
        when the connection is still open after `timeout`. Bytes read meanwhile go to self.buf."""
        t0 = time.monotonic()
        while not self.eof:
            left = t0 + timeout - time.monotonic()
            if left <= 0:
                return None
            self._read_some(left)
        return time.monotonic() - t0

    def poll(self):
        """One read without waiting; True when the server has closed the connection."""
        if not self.eof:
            self.sock.setblocking(False)
            try:
                chunk = self.sock.recv(65536)
                self.buf += chunk
                self.eof = not chunk
            except BlockingIOError:
                pass
            except ConnectionResetError:
                self.eof = True
            finally:
                self.sock.setblocking(True)
        return self.eof

    def close(self):
        self.sock.close()


def http_of(a):
    """(status, headers, body) of an Answer's STDOUT."""
    return parse_cgi(a.stdout)


def process_state(crp):
    return "alive" if crp.alive() else f"died, exit status {crp.proc.returncode}"


def ask(crp, timeout=5.0):
    """A good request on a new connection: (status, headers, body) of its answer."""
    c = Conn(crp.listen, timeout=timeout)
    c.send(request())
    a = c.answer(timeout=timeout)
    c.close()
    return http_of(a)


def served(crp, what="the next request"):
    """A good request on a new connection is answered 200 with the office's XML."""
    time.sleep(0.05)
    try:
        s, h, b = ask(crp)
    except (OSError, Failure) as e:
        raise Failure(f"{what}: {e}; callrouter {process_state(crp)}")
    eq((s, b), (200, DIAL_OFFICE), what)


def still_alive(crp):
    time.sleep(0.3)
    expect(crp.alive(), f"callrouter {process_state(crp)}")


def warn_lines(crp):
    return [m.group(0) for m in WARN_CLOSED.finditer(crp.output())]


def proc_status(pid):
    """VmRSS and VmHWM (KiB) and Threads of a process, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    return out


def rules(run, text=RULES):
    return run.write("rules.ini", text)


def protocol_error(crp, data, what, timeout=3.0):
    """Sends data on a new connection: the server closes it without a record."""
    c = Conn(crp.listen)
    c.try_send(data)
    took = c.closed(timeout)
    got = c.buf
    c.close()
    expect(took is not None, f"{what}: connection still open after {timeout} s (callrouter {process_state(crp)})")
    expect(got == b"", f"{what}: an answer instead of a bare close: {got[:200]!r}")


# --- 1, 2: FCGI_GET_VALUES ------------------------------------------------------

def four_max_conns(run, listen):
    crp = run.callrouter(rules(run), listen=listen)
    c = Conn(crp.listen)
    c.send(record(GET_VALUES, 0, b"\x0e\x00FCGI_MAX_CONNS" * 4, pad=8))
    r = c.record(3)
    # libfcgi overran its stack buffer; it aborts once it gives up on the connection.
    c.close()
    still_alive(crp)
    served(crp)
    expect(r is not None, "closed without a GET_VALUES_RESULT")
    eq((r.version, r.type, r.id), (1, GET_VALUES_RESULT, 0), "record version, type, id")
    expect(r.padding == b"\0" * len(r.padding), f"padding not zero: {r.padding!r}")
    eq((len(r.content) + len(r.padding)) % 8, 0, "content + padding a multiple of 8")
    pairs = decode_pairs(r.content)
    expect(pairs, "an empty GET_VALUES_RESULT")
    for name, value in pairs:
        eq(name, "FCGI_MAX_CONNS", "name in the answer")
        expect(re.fullmatch(r"[1-9][0-9]*", value), f"FCGI_MAX_CONNS is not a positive decimal: {value!r}")


@case("engine: GET_VALUES asking FCGI_MAX_CONNS four times (TCP): answered, process alive, next served")
def _(run):
    four_max_conns(run, f"127.0.0.1:{free_port()}")


@case("engine: GET_VALUES asking FCGI_MAX_CONNS four times (unix socket): answered, process alive, next served")
def _(run):
    four_max_conns(run, None)


@case("engine: GET_VALUES: exact answer (1024, 1024, MPXS_CONNS 0, unknown left out); the connection stays usable")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    ask = b"".join(_nv(n, b"") for n in (b"FCGI_MAX_CONNS", b"FCGI_MAX_REQS", b"FCGI_MPXS_CONNS", b"FCGI_NO_SUCH_NAME"))
    c.send(record(GET_VALUES, 0, ask))
    r = c.record(3)
    expect(r is not None, f"closed without a GET_VALUES_RESULT; callrouter {process_state(crp)}")
    eq((r.version, r.type, r.id), (1, GET_VALUES_RESULT, 0), "record version, type, id")
    expect(r.padding == b"\0" * len(r.padding), f"padding not zero: {r.padding!r}")
    eq((len(r.content) + len(r.padding)) % 8, 0, "content + padding a multiple of 8")
    eq(sorted(decode_pairs(r.content)),
       [("FCGI_MAX_CONNS", "1024"), ("FCGI_MAX_REQS", "1024"), ("FCGI_MPXS_CONNS", "0")], "pairs")
    # The same connection: not closed, and it serves a request.
    eq(c.closed(0.3), None, "closed after a good GET_VALUES")
    c.send(request())
    s, h, b = http_of(c.answer())
    eq((s, b), (200, DIAL_OFFICE), "a request on the same connection")
    expect(c.closed(3) is not None, "not closed after END_REQUEST without KEEP_CONN")
    c.close()
    still_alive(crp)


# --- 3, 4: params a peer claims are huge, or are ---------------------------------

@case("engine: PARAMS pairs claiming 0x7ffffffe/0x7ffffffe and 0x7ffffff0/0x20 bytes: closed, warned, next served")
def _(run):
    crp = run.callrouter(rules(run))
    for n, (nl, vl) in enumerate(((0x7ffffffe, 0x7ffffffe), (0x7ffffff0, 0x20)), 1):
        data = begin() + record(PARAMS, 1, nv_lengths(nl, vl) + b"N" * 16) + record(PARAMS, 1, b"")
        protocol_error(crp, data, f"pair {nl:#x}/{vl:#x}")
        still_alive(crp)
        served(crp, f"the request after pair {nl:#x}/{vl:#x}")
        wait_for(lambda: len(warn_lines(crp)) >= n, timeout=2, what=f"{n} 'fastcgi: ...; connection closed' warn line(s)")


@case("engine: params of 70,000 bytes in two records: closed without an answer, warned, next served")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.try_send(begin() + params(1, good_params(extra={"HTTP_X_BIG": "b" * 70000})) + stdin(1, GOOD))
    took = c.closed(3)
    got = c.buf
    c.close()
    if got:
        a = got[:200]
        raise Failure(f"answered instead of closing: {a!r}")
    expect(took is not None, f"connection still open after 3 s; callrouter {process_state(crp)}")
    still_alive(crp)
    served(crp)
    wait_for(lambda: warn_lines(crp), timeout=2, what="the 'fastcgi: ...; connection closed' warn line")


@case("engine: a 31 MiB param on 8 connections at once: each closed, resident memory grows by less than 30 MiB "
      "(not one param held)")
def _(run):
    crp = run.callrouter(rules(run), threads=2)
    before = proc_status(crp.pid)
    big = begin() + params(1, good_params(extra={"HTTP_X_HUGE": "h" * (31 << 20)})) + stdin(1, GOOD)
    outcomes = [None] * 8
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], proc_status(crp.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            done.wait(0.02)

    def one(i):
        try:
            c = Conn(crp.listen, timeout=20)
        except OSError as e:
            outcomes[i] = f"connect: {e!r}"
            return
        try:
            sent_all = c.try_send(big)
            took = c.closed(5)
            if c.buf:
                outcomes[i] = f"answered ({len(c.buf)} bytes)"
            elif took is None:
                outcomes[i] = "still open 5 s after the send"
            else:
                outcomes[i] = "closed" if not sent_all else "closed (after taking all 31 MiB)"
        except (OSError, Failure) as e:
            outcomes[i] = f"error: {e!r}"
        finally:
            c.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    done.set()
    sampler.join(2)
    still_alive(crp)
    after = proc_status(crp.pid)
    figures(f"31 MiB param x 8: VmRSS {before['VmRSS']} KiB before, {after['VmRSS']} KiB after, "
            f"peak sampled {peak[0]} KiB, VmHWM {after['VmHWM']} KiB; outcomes {outcomes}")
    served(crp)
    expect(all(o is not None and o.startswith("closed") for o in outcomes), f"outcomes: {outcomes}")
    # Growth, not the total: under make sanitize the process starts at about 30 MiB.
    grew = after["VmHWM"] - before["VmRSS"]
    expect(grew < 30 * 1024, f"peak resident memory {after['VmHWM']} KiB, {grew} KiB over the start: a param held")


# --- 5: FCGI_KEEP_CONN ----------------------------------------------------------

@case("engine: KEEP_CONN: 100 requests on one connection, all answered")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    for i in range(1, 101):
        c.send(request(flags=KEEP_CONN))
        try:
            a = c.answer()
        except Failure as e:
            raise Failure(f"request {i} on the kept connection: {e}")
        s, h, b = http_of(a)
        eq((s, b, a.proto), (200, DIAL_OFFICE, REQUEST_COMPLETE), f"request {i}")
    eq(c.closed(0.2), None, "closed after the 100th request")
    c.close()
    wait_for(lambda: len(status_lines(crp.output())) == 100, timeout=3, what="100 request log lines")
    still_alive(crp)


@case("engine: without KEEP_CONN the server closes after END_REQUEST")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.send(request(flags=0))
    s, h, b = http_of(c.answer())
    eq((s, b), (200, DIAL_OFFICE))
    took = c.closed(3)
    c.close()
    expect(took is not None, "still open 3 s after END_REQUEST")


# --- 6, 7, 8, 9: CANT_MPX_CONN, UNKNOWN_ROLE, UNKNOWN_TYPE, ABORT_REQUEST ------------

@case("engine: a second BEGIN_REQUEST while one is active: FCGI_CANT_MPX_CONN, the first is answered")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.send(begin(1) + params(1, good_params()) + stdin(1, GOOD[:10], end=False))
    c.send(begin(2))
    r = c.record(3)
    expect(r is not None, f"closed instead of answering id 2; callrouter {process_state(crp)}")
    eq((r.type, r.id), (END, 2), "record type and id")
    eq(struct.unpack(">IB3x", r.content[:8]), (0, CANT_MPX_CONN), "appStatus, protocolStatus")
    c.send(stdin(1, GOOD[10:]))
    a = c.answer(1)
    s, h, b = http_of(a)
    eq((s, b, a.proto), (200, DIAL_OFFICE, REQUEST_COMPLETE), "the first request")
    c.close()
    still_alive(crp)


@case("engine: roles authorizer (2) and filter (3): FCGI_UNKNOWN_ROLE; closed unless KEEP_CONN")
def _(run):
    crp = run.callrouter(rules(run))
    for role in (AUTHORIZER, FILTER):
        c = Conn(crp.listen)
        c.send(begin(1, role=role))
        r = c.record(3)
        expect(r is not None, f"role {role}: closed without END_REQUEST; callrouter {process_state(crp)}")
        eq((r.type, r.id), (END, 1), f"role {role}: record type and id")
        eq(struct.unpack(">IB3x", r.content[:8]), (0, UNKNOWN_ROLE), f"role {role}: appStatus, protocolStatus")
        expect(c.closed(3) is not None, f"role {role}: not closed after END_REQUEST without KEEP_CONN")
        c.close()
    # With KEEP_CONN the connection serves the next (responder) request.
    c = Conn(crp.listen)
    c.send(begin(1, role=FILTER, flags=KEEP_CONN))
    r = c.record(3)
    expect(r is not None and r.type == END, f"role 3 with KEEP_CONN: {r}")
    eq(struct.unpack(">IB3x", r.content[:8]), (0, UNKNOWN_ROLE), "role 3 with KEEP_CONN: appStatus, protocolStatus")
    c.send(request())
    s, h, b = http_of(c.answer())
    eq((s, b), (200, DIAL_OFFICE), "the request after the refused role, same connection")
    c.close()
    served(crp)


@case("engine: a management record of type 99: FCGI_UNKNOWN_TYPE with body[0] = 99; the connection stays usable")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.send(record(99, 0, b"whatever"))
    r = c.record(3)
    expect(r is not None, f"closed without FCGI_UNKNOWN_TYPE; callrouter {process_state(crp)}")
    eq((r.version, r.type, r.id), (1, UNKNOWN_TYPE, 0), "record version, type, id")
    eq(r.content, bytes([99]) + b"\0" * 7, "body")
    c.send(request())
    s, h, b = http_of(c.answer())
    eq((s, b), (200, DIAL_OFFICE), "a request on the same connection")
    c.close()


@case("engine: FCGI_ABORT_REQUEST mid-body: END_REQUEST appStatus 1, no STDOUT, logged; next served")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.send(begin(1) + params(1, good_params()) + stdin(1, GOOD[:10], end=False))
    time.sleep(0.1)
    c.send(record(ABORT, 1))
    a = c.answer(1, timeout=3)
    eq([r.type for r in a.records if r.type == STDOUT], [], "STDOUT records")
    eq((a.app, a.proto), (1, REQUEST_COMPLETE), "appStatus, protocolStatus")
    expect(c.closed(3) is not None, "not closed after END_REQUEST without KEEP_CONN")
    c.close()
    served(crp)
    wait_for(lambda: ABORT_LINE in crp.output(), timeout=2, what=repr(ABORT_LINE))
    eq(crp.output().count(ABORT_LINE), 1, "abort log lines")


# --- 10: protocol errors ----------------------------------------------------------

def each_closed_and_warned(crp, tries):
    """Each (what, bytes) of `tries`, sent on a connection of its own, closes it without an
    answer; the process stays alive, serves the next request, and has warned once each."""
    for what, data in tries:
        protocol_error(crp, data, what)
        still_alive(crp)
    served(crp)
    wait_for(lambda: len(warn_lines(crp)) >= len(tries), timeout=2,
             what=f"{len(tries)} 'fastcgi: ...; connection closed' warn lines")


@case("engine: a bad version byte or garbage: closed without an answer, warned, process alive")
def _(run):
    crp = run.callrouter(rules(run))
    tries = [("version 2", record(BEGIN, 1, struct.pack(">HB5x", 1, 0), version=2) + params(1, good_params())),
             ("version 0", record(BEGIN, 1, struct.pack(">HB5x", 1, 0), version=0)),
             ("0xff bytes", b"\xff" * 64),
             ("an HTTP request", b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    each_closed_and_warned(crp, tries)
    log_lines_only(crp.output(), "callrouter log")


@case("engine: STDIN before the params ended, a short BEGIN body, a malformed pair: closed, warned, next served")
def _(run):
    crp = run.callrouter(rules(run))
    tries = [("STDIN before the params ended", begin() + params(1, good_params(), end=False) + stdin(1, GOOD)),
             ("BEGIN_REQUEST body of 4 bytes", record(BEGIN, 1, struct.pack(">HBx", 1, 0))),
             ("a pair longer than the params", begin() + record(PARAMS, 1, b"\x0e\x40REQUEST_METHODPOST")
              + record(PARAMS, 1, b"") + stdin(1, GOOD))]
    each_closed_and_warned(crp, tries)


@case("engine: refused at once, as php-fpm and h2o refuse them: a BEGIN_REQUEST body of 16 bytes, PARAMS after the "
      "body began, a param whose 4-byte length exceeds the params' bound (the params not ended)")
def _(run):
    crp = run.callrouter(rules(run))
    tries = [("BEGIN_REQUEST body of 16 bytes",
              record(BEGIN, 1, struct.pack(">HB5x", 1, 0) + b"\0" * 8) + params(1, good_params()) + stdin(1, GOOD)),
             ("PARAMS after the body began",
              begin() + params(1, good_params()) + stdin(1, GOOD[:5], end=False)
              + record(PARAMS, 1, b"\x01\x01AB") + stdin(1, GOOD[5:])),
             ("a pair claiming 0x7ffffffe/0x7ffffffe bytes", begin() + record(PARAMS, 1, nv_lengths(0x7ffffffe, 0x7ffffffe)
                                                                              + b"N" * 16)),
             ("a pair claiming 0x7ffffff0/0x20 bytes", begin() + record(PARAMS, 1, nv_lengths(0x7ffffff0, 0x20)
                                                                         + b"N" * 16))]
    wrong = []
    for what, data in tries:
        t0 = time.monotonic()
        try:
            protocol_error(crp, data, what, timeout=1.0)  # at once: not when the request's 10 s end
            figures(f"{what}: closed after {(time.monotonic() - t0) * 1000:.0f} ms")
        except Failure as e:
            wrong.append(str(e)[:300])
        still_alive(crp)
    expect(not wrong, "; ".join(wrong))
    served(crp)
    wait_for(lambda: len(warn_lines(crp)) >= len(tries), timeout=2,
             what=f"{len(tries)} 'fastcgi: ...; connection closed' warn lines")
    out = crp.output()
    for why in ("BEGIN_REQUEST of 16 bytes, not 8", "PARAMS after the body began", "params longer than 64 KiB"):
        expect(why in out, f"no warn line says {why!r}: {out[-1500:]}")


# --- 11, 12, 13, 14: clients that hold on ---------------------------------------------

@case("engine: 4 clients dripping a byte a second after their answer hold nothing (threads 4)")
def _(run):
    crp = run.callrouter(rules(run), threads=4)
    stop = threading.Event()   # only to end the drippers early when the case fails
    answered = threading.Semaphore(0)
    drips = [None] * 4   # (status, seconds from the answer until the server closed, or None)

    def dripper(i):
        status = None
        try:
            c = Conn(crp.listen, timeout=10)
            c.send(request())
            status = http_of(c.answer(timeout=10))[0]
        except (OSError, Failure) as e:
            drips[i] = (repr(e), None)
            answered.release()
            return
        answered.release()
        t = time.monotonic()
        closed_after = None
        while not stop.is_set() and time.monotonic() - t < 15:
            if not c.try_send(b"x"):
                closed_after = time.monotonic() - t
                break
            stop.wait(1.0)
        c.close()
        drips[i] = (status, closed_after if closed_after is None else round(closed_after, 2))

    ds = [threading.Thread(target=dripper, args=(i,), daemon=True) for i in range(4)]
    for t in ds:
        t.start()
    for _ in range(4):
        expect(answered.acquire(timeout=10), "the 4 dripping clients were not answered within 10 s")
    time.sleep(0.2)
    t0 = time.monotonic()
    took = []
    try:
        for i in range(8):
            t1 = time.monotonic()
            try:
                s = ask(crp, timeout=25)[0]
            except (OSError, Failure) as e:
                s = repr(e)
            took.append((s, round(time.monotonic() - t1, 2)))
        total = time.monotonic() - t0
        # The drippers go on until the server closes their connection (or 15 s).
        for t in ds:
            t.join(20)
    finally:
        stop.set()
    figures(f"8 requests beside 4 dripping clients: {total:.2f} s in all, each (status, s): {took}; "
            f"drippers (status, closed after s): {drips}")
    bad = [x for x in took if x[0] != 200 or x[1] > 1.0]
    eq(bad, [], "requests not answered 200 within 1 s")
    expect(total < 4, f"the 8 requests took {total:.1f} s")
    for st, after in drips:
        eq(st, 200, "a dripping client's own answer")
        expect(after is not None and after <= 4, f"a dripping client's connection was closed after {after} s, "
                                                  "not within the 2 s close bound (+2 s slack)")
    still_alive(crp)


@case("engine: 256 stalled connections against 2 event loops: served within 1 s, at most 4 threads (main, 2 loops, "
      "the log's writer), stalled closed at 10 s")
def _(run):
    crp = run.callrouter(rules(run), threads=2)
    before = proc_status(crp.pid)
    half = params(1, good_params())
    half = half[:len(half) // 2]
    stalled = []
    try:
        for i in range(256):
            try:
                c = Conn(crp.listen, timeout=2)
                c.send(begin() + half)
            except OSError as e:
                raise Failure(f"stalled connection {i + 1} of 256: {e!r} (listen backlog full?)")
            stalled.append((c, time.monotonic()))
        time.sleep(0.3)
        held = proc_status(crp.pid)
        t0 = time.monotonic()
        try:
            s = ask(crp, timeout=3)[0]
        except (OSError, Failure) as e:
            raise Failure(f"a request beside 256 stalled connections: {e}; callrouter {process_state(crp)}")
        took = time.monotonic() - t0
        eq(s, 200, "status beside the stalled connections")
        expect(took < 1, f"answered after {took:.2f} s beside the stalled connections")
        # main, 2 loops, and the log's writer once a line had to wait (no journal: no journal writer)
        expect(before["Threads"] <= 4 and held["Threads"] == before["Threads"],
               f"threads before and while held (1 + 2 loops + the log's): {before['Threads']}, {held['Threads']}")
        # The server closes each stalled one 10 s after its BEGIN_REQUEST.
        closed_at = {}
        socks = {c.sock: (c, t) for c, t in stalled}
        end = stalled[-1][1] + 13.5
        while socks and time.monotonic() < end:
            r = readable(list(socks), end - time.monotonic())
            for s_ in r:
                c, t = socks[s_]
                if c.poll():
                    closed_at[s_] = time.monotonic() - t
                    del socks[s_]
        after = proc_status(crp.pid)
        times = sorted(closed_at.values())
        figures(f"256 stalled connections, 2 loops: VmRSS {before['VmRSS']} KiB before, {held['VmRSS']} KiB held, "
                f"{after['VmRSS']} KiB after; threads {before['Threads']}/{held['Threads']}/{after['Threads']}; "
                f"request beside them {took * 1000:.1f} ms; closed {len(times)} of 256"
                + (f", {times[0]:.2f} to {times[-1]:.2f} s after BEGIN" if times else ""))
        eq(len(socks), 0, "stalled connections still open 13.5 s after their BEGIN_REQUEST")
        expect(times[0] >= 9.5, f"a stalled connection was closed {times[0]:.2f} s after its BEGIN, before 10 s")
        expect(after["Threads"] <= 4, f"threads after: {after['Threads']}")
    finally:
        for c, _ in stalled:
            c.close()
    still_alive(crp)
    served(crp)


@case("engine: a body dripping a byte every 0.5 s is cut 10 s after its BEGIN_REQUEST, warned")
def _(run):
    crp = run.callrouter(rules(run))
    body = GOOD.encode()
    c = Conn(crp.listen)
    t0 = time.monotonic()
    c.send(begin() + params(1, good_params()))
    closed = None
    answered = b""
    for i in range(len(body)):
        wake = t0 + 0.5 * (i + 1)
        left = wake - time.monotonic()
        if left > 0 and c.closed(left) is not None:
            closed = time.monotonic() - t0
            break
        if c.buf:
            answered = c.buf
        if not c.try_send(record(STDIN, 1, body[i:i + 1])):
            closed = time.monotonic() - t0
            break
        if time.monotonic() - t0 > 14:
            break
    answered = answered or c.buf
    c.close()
    figures(f"dripping body: closed {closed if closed is None else round(closed, 2)} s after BEGIN_REQUEST")
    expect(closed is not None, f"still open {time.monotonic() - t0:.1f} s after BEGIN_REQUEST"
                               + (f"; answered {answered[:80]!r}" if answered else ""))
    expect(9.5 <= closed <= 12, f"closed {closed:.2f} s after BEGIN_REQUEST, not 10 s")
    still_alive(crp)
    served(crp)
    wait_for(lambda: DEADLINE_LINE in crp.output(), timeout=2, what=repr(DEADLINE_LINE))


@case("engine: an idle kept connection is closed by the server after 60 s")
def _(run):
    crp = run.callrouter(rules(run))
    c = Conn(crp.listen)
    c.send(request(flags=KEEP_CONN))
    s, h, b = http_of(c.answer())
    eq(s, 200)
    took = c.closed(65)
    c.close()
    figures(f"idle kept connection closed after {took if took is None else round(took, 2)} s")
    expect(took is not None, "still open 65 s after its answer")
    expect(59 <= took <= 63, f"closed {took:.2f} s after its answer, not 60 s")
    still_alive(crp)
    served(crp)


# --- 15: the connection limit ---------------------------------------------------------

def callrouter_nofile(run, ini, limit, threads):
    """callrouter on a unix socket under `ulimit -n LIMIT`."""
    sock = run.unique("cr") + ".sock"
    p = Process(run, ["sh", "-c", f'ulimit -n {limit} && exec "$0" "$@"', run.bin, "--config", ini, "--listen",
                      "unix:" + sock, "--threads", str(threads)], "callrouter")
    p.listen = "unix:" + sock
    wait_for(lambda: _can_connect_unix(sock) or not p.alive(), what="callrouter socket")
    expect(p.alive(), "callrouter did not start: " + p.output())
    with open(f"/proc/{p.pid}/limits") as f:
        expect(re.search(rf"Max open files\s+{limit}\s+", f.read()), "ulimit -n not in force")
    return p


@case("engine: 1024 idle kept connections, then one more: it is served and the oldest idle one is closed")
def _(run):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 1024 + 64
    if soft < need:
        expect(hard == resource.RLIM_INFINITY or hard >= need, f"RLIMIT_NOFILE hard limit {hard} < {need}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(hard, 4096), hard))
    crp = callrouter_nofile(run, rules(run), 4096, threads=1)
    conns = []
    try:
        t0 = time.monotonic()
        for i in range(1024):
            try:
                c = Conn(crp.listen, timeout=5)
                conns.append(c)
                c.send(request(flags=KEEP_CONN))
                a = c.answer()
            except (OSError, Failure) as e:
                raise Failure(f"kept connection {i + 1}: {e}; callrouter {process_state(crp)}")
            eq(http_of(a)[0], 200, f"kept connection {i + 1}")
            if i == 0:
                eq(c.closed(0.3), None, "the first kept connection was closed after its request")
        idle = time.monotonic() - t0
        r = readable([x.sock for x in conns], 0.3)
        eq(len(r), 0, "kept connections readable (closed?) before the 1025th")
        c = Conn(crp.listen, timeout=5)
        c.send(request())
        s, h, b = http_of(c.answer())
        c.close()
        eq((s, b), (200, DIAL_OFFICE), "the 1025th connection")
        took = conns[0].closed(2)
        expect(took is not None, "the oldest idle connection was not closed")
        number = {x.sock: i + 1 for i, x in enumerate(conns)}
        r = readable([x.sock for x in conns[1:]], 0.3)
        eq(sorted(number[s_] for s_ in r), [], "other kept connections closed or sent something (by number)")
        figures(f"1024 kept connections opened and answered in {idle:.2f} s; "
                f"VmRSS {proc_status(crp.pid)['VmRSS']} KiB with them")
    finally:
        for c in conns:
            c.close()
    still_alive(crp)


# --- 16: a body without a usable length ---------------------------------------------

@case("engine: FastCGI body with CONTENT_LENGTH absent, empty or -1: read to the empty STDIN, 413 past max_body")
def _(run):
    crp = run.callrouter(rules(run))
    big = GOOD + "&pad=" + "x" * 2000   # max_body is 1024

    def without_length(cl, body, end=True):
        p = good_params(body)
        if cl is None:
            del p["CONTENT_LENGTH"]
        else:
            p["CONTENT_LENGTH"] = cl
        c = Conn(crp.listen)
        c.try_send(begin() + params(1, p))
        half = len(body) // 2
        c.try_send(stdin(1, body[:half], end=False))  # in two STDIN records
        c.try_send(stdin(1, body[half:], end=end))
        try:
            s, h, b = http_of(c.answer(timeout=3))
            return s, h.get("content-type"), b if s == 200 else b[:60]
        except Failure as e:
            return str(e)
        finally:
            c.close()

    want_ok = (200, XML, DIAL_OFFICE)
    got = {"absent": without_length(None, GOOD), "empty": without_length("", GOOD),
           "-1": without_length("-1", GOOD)}
    for k, v in got.items():
        eq(v, want_ok, f"CONTENT_LENGTH {k}")
    for k, cl in (("absent", None), ("-1", "-1")):
        v = without_length(cl, big)
        expect(isinstance(v, tuple) and v[:2] == (413, TEXT), f"CONTENT_LENGTH {k}, 2,000+ bytes: {v}")
        # 413 as soon as the body passes max_body, without waiting for its end.
        v = without_length(cl, big, end=False)
        expect(isinstance(v, tuple) and v[:2] == (413, TEXT),
               f"CONTENT_LENGTH {k}, 2,000+ bytes and no empty STDIN record: {v}")
    still_alive(crp)
    served(crp)


@case("engine: a body without a usable length that the connection cuts short is a 400, never routed")
def _(run):
    crp = run.callrouter(rules(run))
    body = "direction=in&from=492111234567&to=4921112345"
    p = good_params(body)
    del p["CONTENT_LENGTH"]
    c = Conn(crp.listen)
    cut = body[:-3]   # 'to' cut to 4921112: a guess would route it (to no rule, with 200)
    c.send(begin() + params(1, p) + stdin(1, cut, end=False))
    c.sock.shutdown(socket.SHUT_WR)   # the web server stops sending; it still reads
    s, h, b = http_of(c.answer(timeout=3))
    c.close()
    eq(s, 400, "a body cut short")
    expect(b.startswith("body cut short: the connection ended before the end of the body"), b)
    wait_for(lambda: "status=400 " in crp.output() and "body cut short" in crp.output(), timeout=2,
             what="the log line of the cut body")
    served(crp)


@case("engine: a peer that sends records and never reads the answers holds a bounded amount of memory")
def _(run):
    crp = run.callrouter(rules(run), threads=2)
    before = proc_status(crp.pid)
    unknown = record(99, 0, b"") * 65536   # 512 KiB of records, each answered with 16 bytes
    clients = []
    try:
        for _ in range(200):
            c = Conn(crp.listen, timeout=1)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the answers pile up at the server
            c.sock.setblocking(False)
            # Until the server stops reading: 0.2 s in which nothing more could be sent
            # (at most 2 s for a peer), so that all 200 are open when memory is measured.
            sent = 0
            t0 = last = time.monotonic()
            while sent < len(unknown) and time.monotonic() - t0 < 2 and time.monotonic() - last < 0.2:
                try:
                    sent += c.sock.send(unknown[sent:])
                    last = time.monotonic()
                except BlockingIOError:
                    time.sleep(0.005)
            clients.append((c, sent))
        time.sleep(0.5)
        held = proc_status(crp.pid)
        grown = held["VmRSS"] - before["VmRSS"]
        figures(f"200 peers that never read, {sum(x for _, x in clients) // 1024} KiB of records sent: "
                f"VmRSS {before['VmRSS']} KiB before, {held['VmRSS']} KiB held ({grown} KiB more)")
        # About 64 KiB of answers wait for each at most (callrouter(8), LIMITS), all 200
        # still open when measured (the server closes a peer that has not read for 10 s).
        # An AddressSanitizer build keeps freed memory in quarantine: not compared.
        if sanitized(run.bin):
            figures("AddressSanitizer build: its quarantine keeps freed memory, so resident memory is not compared")
        else:
            expect(grown < 200 * 64, f"resident memory grew by {grown} KiB for 200 peers that do not read "
                                     f"({grown // 200} KiB each; at most 64 KiB each may wait)")
        served(crp)
    finally:
        for c, _ in clients:
            c.close()
    still_alive(crp)


@case("engine: on SIGTERM its own socket takes no new connection at once; the request in progress is answered")
def _(run):
    crp = run.callrouter(rules(run))
    slow = Conn(crp.listen)
    slow.send(begin() + params(1, good_params(GOOD)) + stdin(1, GOOD[:10], end=False))
    time.sleep(0.2)
    crp.send_signal(signal.SIGTERM)
    wait_for(lambda: "stopping on SIGTERM" in crp.output(), timeout=2, what="the stop's log line")
    t0 = time.monotonic()
    try:
        late = Conn(crp.listen, timeout=2)
        late.send(request())
        got = late.answer(timeout=2)
        raise Failure(f"a connection made after SIGTERM was served: {got}")
    except OSError as e:
        refused = repr(e)
    took = time.monotonic() - t0
    expect(took < 1, f"a connection after SIGTERM took {took:.1f} s to fail ({refused})")
    slow.send(stdin(1, GOOD[10:]))
    s, h, b = http_of(slow.answer(timeout=3))
    eq((s, b), (200, DIAL_OFFICE), "the request in progress at SIGTERM")
    eq(crp.stop(), 0, "exit code")
    figures(f"a connection after SIGTERM failed in {took * 1000:.0f} ms: {refused}")


# --- 17: nginx keeping its connections to callrouter ------------------------------------

def wrk_figures(out):
    """requests, non-2xx/3xx answers and socket errors from wrk's report."""
    m = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return (int(m.group(1)) if m else 0, int(non2xx.group(1)) if non2xx else 0,
            tuple(int(x) for x in errs.groups()) if errs else (0, 0, 0, 0))


@case("engine: the shipped nginx config keeps connections (keepalive 16, fastcgi_keep_conn on); wrk -c200 for 5 s: every answer 200")
def _(run):
    crp = run.callrouter(rules(run), threads=2)
    sock = crp.listen[5:]
    with open(os.path.join(ROOT, "nginx", "callrouter-fastcgi.conf")) as f:
        expect("\nfastcgi_keep_conn on;" in f.read(), "the shipped snippet does not keep connections")
    with open(os.path.join(ROOT, "nginx", "local.conf.in")) as f:
        local = f.read()
    expect("keepalive 16;" in local and "fastcgi_pass callrouter;" in local, "local.conf.in has no kept upstream")
    ng, port = run.nginx(sock)
    r = subprocess.run(["wrk", "-t2", "-c200", "-d5s", "-s", os.path.join(ROOT, "bench", "post.lua"),
                        f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=40)
    out = r.stdout + r.stderr
    requests, non2xx, errors = wrk_figures(out)
    lines = status_lines(crp.output())
    not200 = [l for l in lines if "status=200 " not in l]
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    premature = ng.output().count("upstream prematurely closed")
    figures(f"nginx keepalive 16 + fastcgi_keep_conn on, wrk -c200 5 s: {requests} requests "
            f"({rps.group(1) if rps else '?'}/s), {non2xx} non-2xx/3xx, socket errors {errors}; "
            f"callrouter log: {len(lines)} request lines, {len(not200)} not 200; "
            f"nginx 'upstream prematurely closed': {premature}")
    eq(r.returncode, 0, "wrk exit code: " + out[-500:])
    expect(requests > 0, "wrk made no requests: " + out[-500:])
    eq(non2xx, 0, "non-2xx or 3xx answers")
    eq(errors, (0, 0, 0, 0), "socket errors (connect, read, write, timeout)")
    eq(not200[:3], [], "callrouter answers other than 200")
    still_alive(crp)
