#!/usr/bin/env python3
"""make valgrind: build/callrouter as FastCGI under valgrind memcheck, 10,000 requests
(good ones of every kind, and hostile ones: 4xx of every kind, vanishing clients), from
4 client threads, with reloads (SIGHUP, a changed file, a refused file) on the way; then
SIGTERM. Fails unless callrouter exits 0 and memcheck reports no error and no leak
(definitely, indirectly or possibly lost). Prints memcheck's summary lines.

usage: tests/valgrind_fcgi.py [--build DIR] [--requests N]
"""

import argparse
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FcgiClient, Process, fcgi_params, fcgi_request, wait_for, _can_connect_unix  # noqa: E402

RULES = """[settings]
country_code = 49
log = {log}
[list team]
file = team.txt
[hours office]
mon-fri = 09:00-17:00
holidays = DE-NW
[rule vip]
from = 4915112345678, 4940*
action = play https://example.com/a.wav then dial 4915799912345
caller_id = 492111234567
[rule office]
to = @team
when = office
action = dial 4915799912345 4915799912346
[rule closed]
to = @team
action = voicemail
[rule out]
direction = out
action = dial $to
"""

GOOD = [
    "from=492111234567&to=4921112345&direction=in",
    "from=4915112345678&to=4921112345&direction=in&callId=1",
    "from=492111234567&to=4915791234567&direction=out",
    "event=hangup&callId=1&cause=normalClearing",
    "event=dtmf&callId=1&dtmf=1",
    "event=answer&callId=1&user=Alice&userId=w0&fullUserId=1w0",
    "from=123456e0&to=123456e0&direction=out",
    "from=&to=4921112345&direction=in&user%5B%5D=a&user%5B%5D=b",
]
BAD = [
    ("from=%ZZ&to=1&direction=in", {}),
    ("from=1&from=2&to=1&direction=in", {}),
    ("from=abc&to=1&direction=IN", {}),
    ("x" * 9000, {}),
    ("from=1", {"REQUEST_METHOD": "GET"}),
    ("from=1", {"CONTENT_TYPE": "text/plain"}),
    ("from=1", {"CONTENT_LENGTH": "-1"}),
    ("from=1", {"CONTENT_LENGTH": "99999999999999"}),
    ("event=bogus", {}),
    ("", {}),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--requests", type=int, default=10000)
    args = ap.parse_args()
    run = harness.Run(args.build)
    ok = False
    try:
        ok = serve(run, args.requests)
    finally:
        problems = run.close()
    for why in problems:
        print(f"make valgrind: stopping: {why}")
    return 0 if ok and not problems else 1


def serve(run, total):
    ini = run.write("rules.ini", RULES.format(log="warn"))
    run.write("team.txt", "4921112345\n")
    sock = run.path("vg.sock")
    vlog = run.path("memcheck.log")
    p = Process(run, ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                      "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
                      "--track-fds=no", f"--log-file={vlog}", run.bin, "--config", ini, "--listen", "unix:" + sock,
                      "--threads", "4"], "valgrind")
    wait_for(lambda: _can_connect_unix(sock) or not p.alive(), timeout=60, what="callrouter under valgrind")
    if not p.alive():
        print("make valgrind: callrouter did not start:\n" + p.output())
        return False
    counts = {"sent": 0, "ok": 0, "bad": 0, "failed": 0, "hangups": 0}
    lock = threading.Lock()
    errors = []

    def client(k):
        i = 0
        while True:
            with lock:
                if counts["sent"] >= total:
                    return
                counts["sent"] += 1
                n = counts["sent"]
            i += 1
            try:
                if n % 50 == 0:
                    # A client that hangs up halfway through the body.
                    body = GOOD[0].encode()
                    c = FcgiClient("unix:" + sock)
                    c.begin(fcgi_params(body))
                    c.send(body[:10])
                    c.close()
                    with lock:
                        counts["hangups"] += 1
                    continue
                if n % 5 == 0:
                    body, extra = BAD[(n // 5) % len(BAD)]
                    params = fcgi_params(body.encode())
                    params.update(extra)
                    c = FcgiClient("unix:" + sock)
                    c.begin(params)
                    c.send(body.encode()[:int(params["CONTENT_LENGTH"])] if params["CONTENT_LENGTH"].isdigit()
                           and int(params["CONTENT_LENGTH"]) <= 8192 else b"")
                    c.end()
                    s = c.answer()[0]
                    with lock:
                        counts["bad" if 400 <= s < 500 else "failed"] += 1
                    continue
                s, h, b = fcgi_request("unix:" + sock, GOOD[n % len(GOOD)])
                with lock:
                    counts["ok" if s == 200 and b.startswith("<?xml") else "failed"] += 1
            except Exception as e:  # recorded and reported
                with lock:
                    counts["failed"] += 1
                    errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    # Reloads on the way: SIGHUP, a changed file, a refused file, a good one again.
    steps = [lambda: p.send_signal(signal.SIGHUP),
             lambda: run.write("rules.ini", RULES.format(log="error")),
             lambda: run.write("rules.ini", "[rule broken]\naction = explode\n"),
             lambda: run.write("rules.ini", RULES.format(log="warn")),
             lambda: p.send_signal(signal.SIGHUP)]
    for step in steps:
        time.sleep(0.6)
        step()
    load_left = counts["sent"] < total
    for t in threads:
        t.join(1800)
    took = time.monotonic() - t0
    try:
        rc = p.stop()  # SIGTERM: exit 0 within 120 s under memcheck, else a failure
    except harness.Failure as e:
        print(f"make valgrind: {e}")
        rc = None
    out = p.output()
    refusals = out.count("refused")
    with open(vlog) as f:
        report = f.read()
    summary = [l for l in report.splitlines() if re.search(
        r"(ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|in use at exit|"
        r"All heap blocks were freed)", l)]
    print(f"make valgrind: {counts['sent']} FastCGI requests in {took:.0f} s under memcheck: "
          f"{counts['ok']} answered 200, {counts['bad']} answered 4xx as they should, "
          f"{counts['hangups']} clients hung up halfway, {counts['failed']} failed; reloads "
          f"{'during' if load_left else 'after'} the load, {refusals} refused as it should; exit code {rc}")
    for line in summary:
        print("  " + line)
    good = True
    if counts["failed"] or counts["sent"] < total:
        print("make valgrind: requests failed: " + "; ".join(errors[:5]))
        good = False
    if refusals != 1:
        print("make valgrind: the broken rule file was not refused once:\n" + out[-2000:])
        good = False
    if rc != 0:
        print(f"make valgrind: exit code {rc} (99: memcheck found errors or leaks)")
        good = False
    m = re.search(r"ERROR SUMMARY: (\d+) errors", report)
    if not m or int(m.group(1)) != 0:
        good = False
    for kind in ("definitely", "indirectly", "possibly"):
        m = re.search(kind + r" lost: ([\d,]+) bytes", report)
        if m and m.group(1) != "0":
            good = False
    if not good:
        print(report[-6000:])
    print("make valgrind: " + ("ok" if good else "FAILED"))
    return good


if __name__ == "__main__":
    sys.exit(main())
