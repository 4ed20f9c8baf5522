"""Stopping and hanging up: SIGTERM under load lets the requests in progress finish,
then exits 0; clients that hang up before the answer (SIGPIPE) and a web server that
closes the CGI program's stdout early are harmless.

Each load is bounded in requests and in time. Figures measured on the way are printed
as "figures: ..." lines."""

import json
import signal
import socket
import time

from fixtures import GOOD, JOURNAL_RULES, TEAM, TEAM_RULES, dial_xml
from harness import (FcgiClient, Load, case, eq, expect, fcgi_params, fcgi_request, figures, status_lines,
                     terminate, wait_for)


def journal_ids(path):
    """The callIds of the journal's lines; every line must be whole JSON."""
    with open(path, "rb") as f:
        data = f.read()
    expect(not data or data.endswith(b"\n"), "the journal ends in a torn line")
    return [json.loads(line)["callId"] for line in data.decode().splitlines()]


def stop_journalling(run, sig, under_load):
    """A FastCGI process with a journal answers calls (one at a time, or under load),
    gets `sig`, and must exit 0 within 2 s, with one journal line for every call it
    answered: the stop that hung in exit() while the writer thread waited."""
    journal = run.path("calls.jsonl")
    ini = run.write("rules.ini", JOURNAL_RULES.format(journal=journal))
    crp = run.callrouter(ini, threads=2)
    answered = []
    for i in range(20):
        s, _, b = fcgi_request(crp.listen, f"{GOOD}&event=newCall&callId=one{i}")
        eq(s, 200, "status")
        answered.append(f"one{i}")
    load = None
    if under_load:
        load = Load(crp.listen, threads=4, body=GOOD + "&event=newCall&callId=load")
        wait_for(lambda: load.count() > 300, timeout=20, what="300 answers under load")
    t0 = time.monotonic()
    crp.send_signal(sig)
    try:
        crp.proc.wait(2)
    except Exception:
        raise AssertionError(f"still running 2 s after {sig.name} (the journal writer holds the exit)")
    took = time.monotonic() - t0
    eq(crp.proc.returncode, 0, f"exit code after {sig.name}")
    results = load.stop() if load else []
    ids = journal_ids(journal)
    missing = [i for i in answered if i not in ids]
    expect(not missing, f"answered calls without a journal line: {missing[:5]}")
    ok = sum(1 for r in results if r[2] == 200)
    n = ids.count("load")
    expect(ok <= n <= len(results), f"{n} journal lines for {ok} calls answered under load ({len(results)} sent)")
    out = crp.output()
    expect(out.rstrip().endswith("stopped"), out[-500:])
    figures(f"{sig.name}{' under load' if under_load else ''}: exit 0 after {took * 1000:.0f} ms, "
            f"{len(ids)} journal lines for {len(answered) + ok} answered calls")


@case("faults: FastCGI with a journal: SIGTERM after answered calls exits 0 within 2 s, every line on disk")
def _(run):
    stop_journalling(run, signal.SIGTERM, under_load=False)


@case("faults: FastCGI with a journal: SIGTERM under load exits 0 within 2 s, every answered call journalled")
def _(run):
    stop_journalling(run, signal.SIGTERM, under_load=True)


@case("faults: FastCGI with a journal: SIGINT (Ctrl-C of make run) exits 0 within 2 s, every line on disk")
def _(run):
    stop_journalling(run, signal.SIGINT, under_load=True)


@case("faults: SIGTERM under load: requests in progress finish, then exit 0")
def _(run):
    ini = run.write("rules.ini", TEAM_RULES.format(action="dial 4915799912345"))
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
    ini = run.write("rules.ini", TEAM_RULES.format(action="play https://example.com/a.wav then dial 4915799912345"))
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
    ini = run.write("rules.ini", TEAM_RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    rc, _, _, _, err = run.cgi(GOOD, config=ini, close_stdout=True, exit_code=True)
    eq(rc, 0, "exit code")
    lines = status_lines(err)
    eq(len(lines), 1, "log lines")
    expect("status=200" in lines[0], lines[0])
