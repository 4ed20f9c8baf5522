"""A low `ulimit -n`: with 8 threads and 16 concurrent clients every request is
answered; a reload refused for want of file descriptors is retried, quietly, and takes
effect once they are back.

Each load is bounded in requests and in time. Figures measured on the way are printed
as "figures: ..." lines."""

import os
import re
import time

from fixtures import GOOD, TEAM, TEAM_RULES
from harness import (FcgiClient, Load, Process, _can_connect_unix, case, eq, expect, fcgi_params, fcgi_request,
                     figures, log_lines_only, replace, terminate, wait_for)


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
    p, sock = low_ulimit(run, 12, TEAM_RULES.format(action="dial 4915799912345"))
    load = Load("unix:" + sock, threads=16, max_requests=2000, max_seconds=30)
    wait_for(lambda: load.count() >= 2000 or not p.alive(), timeout=40, what="2000 requests")
    results = load.stop()
    failed = [r for r in results if r[2] != 200]
    expect(not failed, f"{len(failed)} of {len(results)} failed: {failed[:3]}")
    # A reload still works with so few descriptors.
    replace(run, "rules.ini", TEAM_RULES.format(action="hangup"))
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
    debug = TEAM_RULES.replace("country_code = 49", "country_code = 49\nlog = debug")
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
