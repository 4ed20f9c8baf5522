"""Load: 100,000 requests through nginx with 64 connections (wrk), every answer
checked, the resident memory before and after. Figures measured on the way are
printed as "figures: ..." lines."""

import os
import re
import signal
import subprocess
import time

from fixtures import DIAL_OFFICE, RULES
from harness import case, eq, expect, figures


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
    ini = run.write("rules.ini", RULES.replace("[settings]", "[settings]\nlog = warn"))
    crp = run.callrouter(ini, threads=4)
    ngp, port = run.nginx(crp.listen[5:])
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
