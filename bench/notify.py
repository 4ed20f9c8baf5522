#!/usr/bin/env python3
"""make bench: callrouter --notify over 10,000 journalled calls (SPEC section 10).

--notify follows a journal into which calls are written (newCall, then a hangup that
makes each a missed call); each call is told to a webhook receiver on 127.0.0.1
(tests/tools/webhook_sink.py, which notes when each POST came) and by mail to a
sendmail that takes the mail and throws it away (fork and exec, as with a real MTA).
Two runs: the calls at a steady 100 a second (an office far busier than any), and all
at once (a burst: the journal of a day appended while --notify was stopped). Figures:
the delay from the hangup's line in the journal to the webhook's POST (median, 99th
percentile, most), alerts a second, --notify's peak memory (VmHWM) and its state
file's largest size. 1,000 calls first, then 10,000: the memory stays the same.

usage: bench/notify.py CALLROUTER DIR
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(binary, d, calls, rate, tag):
    journal = os.path.join(d, f"{tag}.jsonl")
    hooks = os.path.join(d, f"{tag}-hooks.jsonl")
    sendmail = os.path.join(d, "sendmail")
    with open(sendmail, "w") as f:
        f.write("#!/bin/sh\nexec cat > /dev/null\n")
    os.chmod(sendmail, 0o755)
    port = free_port()
    ini = os.path.join(d, f"{tag}.ini")
    with open(ini, "w") as f:
        f.write(f"[settings]\ncountry_code = 49\ntimezone = Europe/Berlin\npublic_url = https://example.com/cr\n"
                f"journal = {journal}\nsendmail = {sendmail}\nmail_from = cr@example.com\nnotify_retry = 1s 5s\n"
                f"[rule office]\naction = dial 4921112345601\n"
                f"[notify all]\non = every\nmail = office@example.com\nwebhook = http://127.0.0.1:{port}/hook\n")
    sink = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "tools", "webhook_sink.py"), str(port), hooks],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sink.stdout.readline()
    log = open(os.path.join(d, f"{tag}-notify.log"), "w")
    n = subprocess.Popen([binary, "--config", ini, "--notify"], stdout=log, stderr=log)
    state = journal + ".notify-state"
    written = {}
    peak_state = 0
    try:
        time.sleep(0.5)
        t_start = time.time()
        with open(journal, "a") as j:
            for i in range(calls):
                now = time.time()
                if rate:
                    due = t_start + i / rate
                    if due > now:
                        time.sleep(due - now)
                        now = time.time()
                cid = f"{tag}{i}"
                j.write(json.dumps({"time": stamp(now), "event": "newCall", "callId": cid, "direction": "in",
                                    "from": f"49211{i:07d}", "to": "4921199999", "rule": "office",
                                    "action": "dial 4921112345601"}) + "\n")
                j.write(json.dumps({"time": stamp(now), "event": "hangup", "callId": cid, "cause": "cancel"}) + "\n")
                j.flush()
                written[cid] = time.time()
                if i % 200 == 0 and os.path.exists(state):
                    peak_state = max(peak_state, os.path.getsize(state))
        t_written = time.time()
        deadline = time.time() + 600
        got = 0
        while time.time() < deadline:
            got = sum(1 for _ in open(hooks)) if os.path.exists(hooks) else 0
            if os.path.exists(state):
                peak_state = max(peak_state, os.path.getsize(state))
            if got >= calls:
                break
            time.sleep(0.2)
        t_done = time.time()
        hwm = vm_hwm(n.pid)
    finally:
        n.send_signal(signal.SIGTERM)
        rc = n.wait(30)
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)
        log.close()
    delays = []
    with open(hooks) as f:
        for line in f:
            r = json.loads(line)
            delays.append(r["at"] - written[json.loads(r["body"])["callId"]])
    delays.sort()
    sent = open(os.path.join(d, f"{tag}-notify.log")).read().count("channel=mail")
    pct = lambda p: delays[min(len(delays) - 1, int(p * len(delays)))]
    how = f"{rate} calls/s" if rate else "all at once"
    print(f"  {calls:6d} calls, {how:12s}: {len(delays)} posts and {sent} mails; delay median {pct(0.5):.2f} s, "
          f"p99 {pct(0.99):.2f} s, most {delays[-1]:.2f} s; {len(delays) / max(t_done - t_start, 1e-9):.0f} alerts/s "
          f"(written in {t_written - t_start:.1f} s, told by {t_done - t_start:.1f} s); "
          f"peak memory {hwm:.1f} MiB, state file at most {peak_state / 1024:.1f} KiB; exit {rc}")


def main():
    binary, d = sys.argv[1], sys.argv[2]
    os.makedirs(d, exist_ok=True)
    run(binary, d, 1000, 100, "a")
    run(binary, d, 10000, 100, "b")
    run(binary, d, 10000, 0, "c")


if __name__ == "__main__":
    main()
