"""Faults under load (issue 5, items 6 to 9): the rule file and a list file deleted,
replaced, truncated mid-write and made unreadable while requests keep coming; 1,000
reloads under load; SIGTERM under load; clients that hang up; a low `ulimit -n`;
100,000 requests through nginx with 64 connections and the resident memory before and
after; and least privilege (--user, the root warning, the socket's owner and mode).

Each load is bounded in requests and in time. Figures measured on the way are printed
as "figures: ..." lines."""

import os
import pwd
import re
import signal
import socket
import subprocess
import threading
import time

from harness import FcgiClient, Process, case, eq, expect, fcgi_params, fcgi_request, wait_for, _can_connect_unix
from hostile import FORM, cgi, log_lines_only, nginx, status_lines, terminate
from it_reload import RULES  # the same rule file: a list file, one rule

GOOD = "from=492111234567&to=4921112345&direction=in"
TEAM = "# the team\n4921112345\n"


def answer_of(action_xml):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  {action_xml}\n</Response>\n'


def dial_xml(n):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial>\n    <Number>{n}</Number>\n  </Dial>\n</Response>\n'


EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n'


def figures(text):
    print("     figures: " + text, flush=True)


def serving_user():
    """With root, servers run as nobody, so that a file with mode 000 is unreadable to them."""
    return ["--user", "nobody"] if os.geteuid() == 0 else []


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


def replace(run, name, text):
    tmp = run.path(name + ".new")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, run.path(name))


# --- item 6: faults while serving under load ---------------------------------------

def fault_run(run, faults, target):
    """Serves under load while each fault happens to `target`; checks that the last good
    rules answer every request, one refusal per bad version, and no request fails."""
    ini = run.write("rules.ini", RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, threads=4, extra=serving_user())
    log = LogTail(crp)
    good = dial_xml("4915799912345")
    eq(fcgi_request(crp.listen, GOOD)[2], good, "first answer")
    load = Load(crp.listen, threads=3)
    windows = []   # (start, end, the answer all requests in between must have)
    refusals = 0
    reloads = log.count("reload on change")
    try:
        for i, (name, make_fault, repair) in enumerate(faults):
            t0 = time.monotonic()
            make_fault()
            refusals += 1
            log.wait_count("refused", refusals, 3, f"the refusal of {name}")
            time.sleep(0.6)  # long enough for a second refusal, if one were to come
            eq(log.count("refused"), refusals, f"refusals after {name}")
            t1 = time.monotonic()
            windows.append((t0, t1, good, name))
            # Repair with new rules, and wait until they answer.
            new_number = f"49157999{i:05d}"
            repair(new_number)
            reloads += 1
            log.wait_count("reload on change", reloads, 3, f"the reload after {name}")
            good = dial_xml(new_number)
            wait_for(lambda: fcgi_request(crp.listen, GOOD)[2] == good, timeout=2, what=f"rules after {name}")
        time.sleep(0.2)
    finally:
        results = load.stop()
    failed = [r for r in results if r[2] != 200]
    expect(not failed, f"{len(failed)} of {len(results)} requests failed, e.g. {failed[:3]}")
    for t0, t1, want, name in windows:
        inside = [r for r in results if r[0] >= t0 and r[1] <= t1]
        expect(len(inside) > 20, f"only {len(inside)} requests during {name}")
        wrong = [r for r in inside if r[3] != want]
        expect(not wrong, f"{len(wrong)} wrong answers during {name}: {wrong[:1]}")
    expect(crp.alive(), "callrouter died")
    out = log.read()
    log_lines_only(out, "callrouter log")
    eq(out.count("refused"), len(faults), "refusals in all")
    figures(f"{target}: {len(faults)} faults, {len(results)} requests under load, 0 failed, "
            f"{len(faults)} refusals logged")


def rule_file_faults(run):
    ini = run.path("rules.ini")
    good = lambda n: RULES.format(action=f"dial {n}")  # noqa: E731

    def truncated_mid_write():
        # A writer that stalls half way: the half file stays long enough to be read.
        f = open(ini, "w")
        text = good("4915799912345")
        f.write(text[:text.index("action =") + 10])
        f.flush()
        truncated_mid_write.f = f

    def finish_write(n):
        f = truncated_mid_write.f
        f.seek(0)
        f.truncate()
        f.write(good(n))
        f.close()

    def unreadable():
        os.chmod(ini, 0)

    def readable_again(n):
        replace(run, "rules.ini", good(n))

    return [
        ("rule file deleted", lambda: os.unlink(ini), lambda n: replace(run, "rules.ini", good(n))),
        ("rule file replaced by rename with a bad one",
         lambda: replace(run, "rules.ini", good("1 2 3 4 5 6")), lambda n: replace(run, "rules.ini", good(n))),
        ("rule file truncated mid-write", truncated_mid_write, finish_write),
        ("rule file truncated to nothing", lambda: open(ini, "w").close(), lambda n: replace(run, "rules.ini", good(n))),
        ("rule file made unreadable", unreadable, readable_again),
        ("rule file replaced by a directory", lambda: (os.unlink(ini), os.mkdir(ini)),
         lambda n: (os.rmdir(ini), replace(run, "rules.ini", good(n)))),
    ]


def list_file_faults(run):
    lst = run.path("team.txt")
    ini = run.path("rules.ini")

    def repair(n):
        # The list again, and the rule file touched with the new number.
        replace(run, "team.txt", TEAM)
        replace(run, "rules.ini", RULES.format(action=f"dial {n}"))

    def truncated_mid_write():
        f = open(lst, "w")
        f.write("# the team\n49211123")
        f.flush()
        f.write("4x")  # a writer that stalls with a half-written, bad entry
        f.flush()
        truncated_mid_write.f = f

    def finish(n):
        f = truncated_mid_write.f
        f.seek(0)
        f.truncate()
        f.write(TEAM)
        f.close()
        replace(run, "rules.ini", RULES.format(action=f"dial {n}"))

    return [
        ("list file deleted", lambda: os.unlink(lst), repair),
        ("list file replaced by rename with a bad entry", lambda: replace(run, "team.txt", TEAM + "49x\n"), repair),
        ("list file truncated mid-write", truncated_mid_write, finish),
        ("list file made unreadable", lambda: os.chmod(lst, 0), repair),
        ("list file replaced by a directory", lambda: (os.unlink(lst), os.mkdir(lst)),
         lambda n: (os.rmdir(lst), repair(n))),
    ]


@case("faults: rule file deleted, replaced, truncated mid-write, unreadable under load: last good rules answer")
def _(run):
    fault_run(run, rule_file_faults(run), "rule file")


@case("faults: list file deleted, replaced, truncated mid-write, unreadable under load: last good rules answer")
def _(run):
    fault_run(run, list_file_faults(run), "list file")


@case("faults: a write in two quick parts is taken once, never half")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, extra=serving_user())
    log = LogTail(crp)
    load = Load(crp.listen, threads=2)
    try:
        for i in range(5):
            text = RULES.format(action=f"dial 49157999000{i}")
            with open(ini, "w") as f:
                f.write(text[:len(text) // 2])
                f.flush()
                time.sleep(0.02)  # well under the 250 ms a file must stay unchanged
                f.write(text[len(text) // 2:])
            log.wait_count("reload on change", i + 1, 3, "the reload")
            wait_for(lambda: fcgi_request(crp.listen, GOOD)[2] == dial_xml(f"49157999000{i}"), timeout=2,
                     what="the new rules")
            time.sleep(0.3)
    finally:
        results = load.stop()
    eq(log.count("refused"), 0, "refusals of half-written files")
    failed = [r for r in results if r[2] != 200]
    expect(not failed and len(results) > 50, f"{len(failed)} of {len(results)} failed")


@case("faults: 1,000 reloads (SIGHUP, files swapped by rename) under load lose no request")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    answers = {dial_xml("4915799912345"), answer_of("<Hangup/>")}
    crp = run.callrouter(ini, threads=4)
    log = LogTail(crp)
    load = Load(crp.listen, threads=4)
    t0 = time.monotonic()
    try:
        for i in range(1000):
            replace(run, "rules.ini", RULES.format(action="hangup" if i % 2 == 0 else "dial 4915799912345"))
            crp.send_signal(signal.SIGHUP)
            log.wait_count("reload on SIGHUP", i + 1, 5, f"reload {i + 1}")
        took = time.monotonic() - t0
    finally:
        results = load.stop()
    failed = [r for r in results if r[2] != 200 or r[3] not in answers]
    expect(not failed, f"{len(failed)} of {len(results)} requests failed or answered wrongly: {failed[:3]}")
    eq(log.count("reload on SIGHUP"), 1000, "reloads")
    eq(log.count("refused"), 0, "refusals")
    expect(len(results) > 1000, f"only {len(results)} requests")
    hangups = sum(1 for r in results if "Hangup" in r[3])
    figures(f"1,000 reloads in {took:.1f} s under load: {len(results)} requests, 0 failed, "
            f"{hangups} answered by the one file and {len(results) - hangups} by the other")


# --- item 7: SIGTERM under load, clients that hang up, a low ulimit -n --------------

@case("faults: SIGTERM under load: requests in progress finish, then exit 0")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, threads=6)
    good = dial_xml("4915799912345")
    load = Load(crp.listen, threads=3)
    wait_for(lambda: load.count() > 200, timeout=10, what="load")
    # Three requests in progress, their bodies half sent.
    slow = []
    for _ in range(3):
        c = FcgiClient(crp.listen)
        c.begin(fcgi_params(GOOD.encode()))
        c.send(GOOD[:10].encode())
        slow.append(c)
    time.sleep(0.3)
    t_term = time.monotonic()
    crp.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    expect(crp.alive(), "exited with requests in progress")
    for c in slow:
        c.send(GOOD[10:].encode())
        c.end()
    for c in slow:
        s, h, b = c.answer()
        eq((s, b), (200, good), "a request in progress at SIGTERM")
    crp.proc.wait(10)
    eq(crp.proc.returncode, 0, "exit code")
    results = load.stop()
    answered = [r for r in results if r[2] is not None]
    wrong = [r for r in answered if (r[2], r[3]) != (200, good)]
    expect(not wrong, f"wrong answers: {wrong[:3]}")
    early = [r for r in results if r[2] is None and r[0] < t_term - 0.05]
    expect(not early, f"requests failed before SIGTERM: {early[:3]}")
    late = len(results) - len(answered)
    figures(f"SIGTERM under load: {len(answered)} answered (3 in progress at SIGTERM, all 200), "
            f"{late} refused after the listener closed, exit 0")
    out = crp.output()
    expect("stopping on SIGTERM" in out and out.rstrip().endswith("stopped"), out[-500:])


@case("faults: 200 clients that hang up before the answer (SIGPIPE) are harmless")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="play https://example.com/a.wav then dial 4915799912345"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, threads=4)
    for _ in range(200):
        c = FcgiClient(crp.listen)
        c.begin(fcgi_params(GOOD.encode()))
        c.send(GOOD.encode())
        c.end()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
    wait_for(lambda: len(status_lines(crp.output())) >= 200, timeout=10, what="200 log lines")
    eq(fcgi_request(crp.listen, GOOD)[0], 200, "the next request")
    expect(crp.alive(), "died")
    eq(terminate(crp), 0, "exit code")


@case("faults: CGI whose web server closes stdout early still exits 0 and logs the request")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    rc, _, _, _, err = cgi(run, GOOD, config=ini, close_stdout=True)
    eq(rc, 0, "exit code")
    lines = status_lines(err)
    eq(len(lines), 1, "log lines")
    expect("status=200" in lines[0], lines[0])


def low_ulimit(run, limit, rules_text):
    """Starts callrouter (8 threads) under `ulimit -n LIMIT`; returns (process, socket path)."""
    ini = run.write("rules.ini", rules_text)
    run.write("team.txt", TEAM)
    sock = run.path("low.sock")
    p = Process(run, ["sh", "-c", f'ulimit -n {limit} && exec "$0" "$@"', run.bin, "--config", ini, "--listen",
                      "unix:" + sock, "--threads", "8"], "callrouter")
    wait_for(lambda: _can_connect_unix(sock) or not p.alive(), what="socket")
    expect(p.alive(), p.output())
    with open(f"/proc/{p.pid}/limits") as f:
        expect(re.search(rf"Max open files\s+{limit}\s+{limit}", f.read()), "ulimit not in force")
    return p, sock


@case("faults: ulimit -n 12 with 8 threads and 16 concurrent clients: every request answered")
def _(run):
    p, sock = low_ulimit(run, 12, RULES.format(action="dial 4915799912345"))
    load = Load("unix:" + sock, threads=16, max_requests=2000, max_seconds=30)
    wait_for(lambda: load.count() >= 2000 or not p.alive(), timeout=40, what="2000 requests")
    results = load.stop()
    failed = [r for r in results if r[2] != 200]
    expect(not failed, f"{len(failed)} of {len(results)} failed: {failed[:3]}")
    # A reload still works with so few descriptors.
    replace(run, "rules.ini", RULES.format(action="hangup"))
    wait_for(lambda: "<Hangup/>" in fcgi_request("unix:" + sock, GOOD)[2], timeout=3, what="reload")
    expect(p.alive(), "died")
    out = p.output()
    complaints = out.count("Too many open files")
    log_lines_only(out, "log")
    figures(f"ulimit -n 12 (6 in use before the first request): {len(results)} requests from 16 clients, 0 failed; "
            f"{complaints} 'Too many open files' log lines (at most one per worker per 5 s)")
    eq(terminate(p), 0, "exit code")


@case("faults: a reload refused for want of file descriptors is retried, quietly, and takes effect once they are back")
def _(run):
    debug = RULES.replace("country_code = 49", "country_code = 49\nlog = debug")
    p, sock = low_ulimit(run, 10, debug.format(action="dial 4915799912345"))
    ini = run.path("rules.ini")
    # Clients that begin a request and send nothing more hold every descriptor left.
    stalled = []
    for _ in range(8):
        c = FcgiClient("unix:" + sock)
        c.begin(fcgi_params(GOOD.encode()))
        stalled.append(c)
    # The workers drop a stalled client after 10 s: what follows until the clients close
    # must take less (about 2 s).
    wait_for(lambda: len(os.listdir(f"/proc/{p.pid}/fd")) >= 10, timeout=2, what="every descriptor in use")
    replace(run, "rules.ini", debug.format(action="hangup"))
    wait_for(lambda: "refused" in p.output(), timeout=3, what="the refused reload")
    expect("rules.ini: cannot open: Too many open files" in p.output(), p.output()[-800:])
    # The retry after 1 s fails the same way: one debug line, no second refusal.
    wait_for(lambda: "reload retried: failed as before" in p.output(), timeout=3, what="the quiet retry")
    eq(p.output().count("refused"), 1, "refusals logged")
    for c in stalled:
        c.close()
    # Nothing changed on disk since the refusal: only a retry can bring the new rules.
    t0 = time.monotonic()
    wait_for(lambda: "<Hangup/>" in fcgi_request("unix:" + sock, GOOD)[2], timeout=10, what="the retried reload")
    wait_for(lambda: "reload retried: " + ini in p.output(), timeout=1, what="the retry's log line")
    figures(f"the new rules answered {time.monotonic() - t0:.1f} s after the descriptors were back")
    eq(terminate(p), 0, "exit code")


@case("faults: a rule file with a mistake is refused once and not retried")
def _(run):
    ini = run.write("rules.ini", RULES.replace("country_code = 49", "country_code = 49\nlog = debug")
                    .format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini)
    replace(run, "rules.ini", RULES.format(action="dial 1 2 3 4 5 6"))
    wait_for(lambda: "refused" in crp.output(), timeout=3, what="the refusal")
    time.sleep(2.5)  # retries would come after 1 s and 3 s
    out = crp.output()
    expect("retried" not in out, out[-800:])
    eq(out.count("refused"), 1, "refusals")
    expect("<Hangup/>" in fcgi_request(crp.listen, GOOD)[2], "the last good rules")


# --- item 8: 100,000 requests through nginx with 64 connections -------------------

WRK_LUA = r"""
wrk.method = "POST"
wrk.body = "from=492111234567&to=4921112345&direction=in"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local expected = os.getenv("WRK_EXPECTED")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) count = 0; bad = 0 end
function response(status, headers, body)
  count = count + 1
  if status ~= 200 or body ~= expected then bad = bad + 1 end
end
function done(summary, latency, requests)
  local n, b = 0, 0
  for _, t in ipairs(threads) do n = n + t:get("count"); b = b + t:get("bad") end
  io.write(string.format("checked: %d answers, %d bad\n", n, b))
end
"""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def wrk(run, port, access_log, total, expected):
    """Runs wrk (2 threads, 64 connections) until nginx has logged `total` more requests,
    then stops it with SIGINT (wrk -d alone cannot stop at a count). Returns (answers wrk
    checked, bad answers among them, requests/s, seconds)."""
    script = run.write("check.lua", WRK_LUA)
    env = dict(os.environ, WRK_EXPECTED=expected)
    start = os.path.getsize(access_log) if os.path.exists(access_log) else 0
    out_path = run.unique("wrk") + ".out"
    t0 = time.monotonic()
    with open(out_path, "w") as out:
        w = subprocess.Popen(["wrk", "-t2", "-c64", "-d300s", "--timeout", "5s", "-s", script,
                              f"http://127.0.0.1:{port}/"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        logged, pos = 0, start
        deadline = time.monotonic() + 240
        while logged < total and w.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            with open(access_log, "rb") as f:
                f.seek(pos)
                data = f.read()
            pos += len(data)
            logged += data.count(b"\n")
        took = time.monotonic() - t0
        w.send_signal(signal.SIGINT)
        w.wait(30)
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    with open(out_path) as f:
        text = f.read()
    expect(logged >= total, f"nginx logged only {logged} requests: {text}")
    m = re.search(r"checked: (\d+) answers, (\d+) bad", text)
    expect(m, "wrk: no summary: " + text)
    expect("Non-2xx" not in text and "Socket errors" not in text, "wrk: " + text)
    return int(m.group(1)), int(m.group(2)), logged / took, took


def access_statuses(access_log):
    counts = {}
    with open(access_log, "rb") as f:
        for line in f:
            m = re.search(rb'" (\d{3}) ', line)
            key = m.group(1).decode() if m else "?"
            counts[key] = counts.get(key, 0) + 1
    return counts


@case("load: 100,000 requests through nginx with 64 connections: all 200, resident memory flat")
def _(run):
    from it_http import DIAL_OFFICE, RULES as HTTP_RULES
    ini = run.write("rules.ini", HTTP_RULES.replace("[settings]", "[settings]\nlog = warn"))
    crp = run.callrouter(ini, threads=4)
    ngp, port = nginx(run, crp.listen[5:])
    access_log = os.path.join(os.path.dirname(ngp.proc.args[-1]), "access.log")
    n1, bad1, _, _ = wrk(run, port, access_log, 1000, DIAL_OFFICE)
    eq(bad1, 0, "bad answers in the first 1,000")
    rss1 = rss_kib(crp.pid)
    n2, bad2, rps, took = wrk(run, port, access_log, 99000, DIAL_OFFICE)
    eq(bad2, 0, "bad answers")
    expect(n1 + n2 >= 100000 - 128, f"only {n1 + n2} answers")
    rss2 = rss_kib(crp.pid)
    statuses = access_statuses(access_log)
    # Only 200, and 499 for the requests wrk itself dropped when it was stopped.
    expect(set(statuses) <= {"200", "499"} and statuses.get("499", 0) <= 128, f"nginx statuses {statuses}")
    expect(statuses["200"] >= 100000, f"nginx statuses {statuses}")
    figures(f"{statuses['200']} requests answered 200 through nginx, 64 connections, 0 non-2xx "
            f"({statuses.get('499', 0)} dropped by wrk when it was stopped); {rps:.0f} requests/s; "
            f"callrouter VmRSS {rss1} KiB after the first {n1}, {rss2} KiB after {statuses['200']}")
    with open(f"/proc/{crp.pid}/maps") as f:
        sanitized = "libasan" in f.read()
    if sanitized:
        figures("AddressSanitizer build: its quarantine keeps freed memory, so resident memory is not compared")
    else:
        expect(rss2 <= rss1 + 256, f"resident memory grew from {rss1} KiB to {rss2} KiB")
    expect(crp.alive(), "died")


# --- item 9: least privilege ---------------------------------------------------------

def proc_ids(pid):
    with open(f"/proc/{pid}/status") as f:
        st = f.read()
    get = lambda k: re.search(rf"^{k}:\s*(.*)$", st, re.M).group(1).split()  # noqa: E731
    return get("Uid"), get("Gid"), get("Groups"), get("CapEff")[0]


@case("privileges: --user nobody serves as nobody:nogroup, gives it the socket, cannot regain root")
def _(run):
    if os.geteuid() != 0:
        r = subprocess.run([run.bin, "--config", run.write("rules.ini", RULES.format(action="hangup")),
                            "--listen", "unix:" + run.path("s.sock"), "--user", "root"], capture_output=True,
                           text=True, timeout=10)
        eq(r.returncode, 1, "exit code as a user")
        return
    ini = run.write("rules.ini", RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, extra=["--user", "nobody"])
    nobody = pwd.getpwnam("nobody")
    uid, gid = str(nobody.pw_uid), str(nobody.pw_gid)
    uids, gids, groups, cap = proc_ids(crp.pid)
    eq(uids, [uid] * 4, "real, effective, saved and fs uid")
    eq(gids, [gid] * 4, "real, effective, saved and fs gid")
    expect("0" not in groups, f"supplementary groups {groups}")
    eq(int(cap, 16), 0, "effective capabilities")
    st = os.stat(crp.listen[5:])
    eq((st.st_uid, st.st_gid, oct(st.st_mode & 0o777)), (nobody.pw_uid, nobody.pw_gid, "0o660"), "socket")
    eq(fcgi_request(crp.listen, GOOD)[0], 200, "answer")
    out = crp.output()
    expect(f"running as user nobody (uid {uid}, gid {gid})" in out, out)
    expect("running as root" not in out, "root warning given with --user")
    # Reloads happen as nobody: a file only root can read is refused.
    os.chmod(ini, 0o600)
    replace(run, "rules.ini", RULES.format(action="voicemail"))
    os.chmod(ini, 0o600)
    crp.send_signal(signal.SIGHUP)
    wait_for(lambda: "refused" in crp.output(), timeout=3, what="refusal")
    expect("Permission denied" in crp.output(), crp.output()[-800:])
    expect("<Hangup/>" in fcgi_request(crp.listen, GOOD)[2], "last good rules")


@case("privileges: --user with a unix socket and --socket-mode 0600")
def _(run):
    if os.geteuid() != 0:
        return
    run.write("team.txt", TEAM)
    crp = run.callrouter(run.write("rules.ini", RULES.format(action="hangup")),
                         extra=["--user", "nobody", "--socket-mode", "0600"])
    st = os.stat(crp.listen[5:])
    eq((pwd.getpwuid(st.st_uid).pw_name, oct(st.st_mode & 0o777)), ("nobody", "0o600"))
    eq(fcgi_request(crp.listen, GOOD)[0], 200)


@case("privileges: --user on TCP switches before the first request")
def _(run):
    if os.geteuid() != 0:
        return
    from harness import free_port
    run.write("team.txt", TEAM)
    port = free_port()
    crp = run.callrouter(run.write("rules.ini", RULES.format(action="hangup")), listen=f"127.0.0.1:{port}",
                         extra=["--user", "nobody"])
    eq(proc_ids(crp.pid)[0][1], str(pwd.getpwnam("nobody").pw_uid), "euid")
    eq(fcgi_request(f"127.0.0.1:{port}", GOOD)[0], 200)
    out = crp.output()
    expect(out.index("running as user nobody") < out.index("serving FastCGI"), out)


@case("privileges: --user refuses an unknown user, root, and goes not with --check")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    for user, msg in (("no-such-user-here", "no such user"), ("root", "that is root")):
        sock = run.unique("s") + ".sock"
        r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + sock, "--user", user],
                           capture_output=True, text=True, timeout=10)
        eq(r.returncode, 1, f"--user {user}: exit code")
        expect(msg in r.stderr and "not started" in r.stderr, r.stderr)
    r = subprocess.run([run.bin, "--config", ini, "--check", "--user", "nobody"], capture_output=True, text=True,
                       timeout=10)
    eq(r.returncode, 2, "--check --user: exit code")
    r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + run.path("x.sock"), "--user"],
                       capture_output=True, text=True, timeout=10)
    eq(r.returncode, 2, "--user without a name: exit code")


@case("privileges: as root without --user: serves, and warns once")
def _(run):
    ini = run.write("rules.ini", RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini)
    for _ in range(10):
        eq(fcgi_request(crp.listen, GOOD)[0], 200)
    crp.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload on SIGHUP" in crp.output(), what="reload")
    warnings = crp.output().count("warn: running as root: give --user NAME")
    eq(warnings, 1 if os.geteuid() == 0 else 0, "root warnings")
    rc, status, _, _, err = cgi(run, GOOD, config=ini)
    eq((rc, status), (0, 200))
    eq(err.count("running as root"), 1 if os.geteuid() == 0 else 0, "CGI root warnings")


@case("privileges: --user in CGI mode switches before the request")
def _(run):
    if os.geteuid() != 0:
        return
    ini = run.write("rules.ini", RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    import subprocess as sp
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST", "CONTENT_TYPE": FORM,
           "CONTENT_LENGTH": str(len(GOOD)), "CALLROUTER_CONFIG": ini}
    r = sp.run([run.bin, "--user", "nobody"], input=GOOD.encode(), env=env, capture_output=True, timeout=10)
    expect(r.stdout.startswith(b"Status: 200 OK"), r.stdout[:200])
    err = r.stderr.decode()
    expect("running as user nobody" in err and "running as root" not in err, err)
    os.chmod(ini, 0o600)
    r = sp.run([run.bin, "--user", "nobody"], input=GOOD.encode(), env=env, capture_output=True, timeout=10)
    expect(r.stdout.startswith(b"Status: 500"), r.stdout[:200])
    expect("Permission denied" in r.stderr.decode(), r.stderr.decode())


def format_calls(text):
    """(function, format argument) of every printf-family call in C++ source text."""
    pos = {"printf": 0, "fprintf": 1, "dprintf": 1, "sprintf": 1, "snprintf": 2, "syslog": 1, "vsnprintf": 2,
           "vfprintf": 1, "vprintf": 0, "strftime": 2}
    for m in re.finditer(r"\b(" + "|".join(pos) + r")\s*\(", text):
        args, depth, cur, i = [], 0, "", m.end()
        while i < len(text):
            c = text[i]
            if c == '"':  # a string literal, with escapes
                j = i + 1
                while text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                cur += text[i:j + 1]
                i = j + 1
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    args.append(cur.strip())
                    break
                depth -= 1
            elif c == "," and depth == 0:
                args.append(cur.strip())
                cur = ""
                i += 1
                continue
            cur += c
            i += 1
        n = pos[m.group(1)]
        yield m.group(1), args[n] if n < len(args) else ""


@case("privileges: nothing in src runs a shell or a program, or takes a format from data")
def _(run):
    from harness import ROOT
    src = os.path.join(ROOT, "src")
    bad = re.compile(r"\b(system|popen|execl|execlp|execle|execv|execvp|execve|fork|vfork|posix_spawn|dlopen)\s*\(")
    calls = 0
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name)) as f:
            text = f.read()
        for n, line in enumerate(text.splitlines(), 1):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', line).split("//")[0]
            expect(not bad.search(code), f"src/{name}:{n}: runs a program: {line.strip()}")
        for fn, fmt in format_calls(text):
            calls += 1
            expect(fmt.startswith('"') or fmt == "kUsage", f"src/{name}: {fn} with a format that is not a literal: {fmt}")
    expect(calls > 5, f"only {calls} format calls found: the check is broken")
