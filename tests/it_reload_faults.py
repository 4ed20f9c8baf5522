"""Reload faults under load: the rule file and a list file deleted, replaced, truncated
mid-write and made unreadable while requests keep coming; a write in two quick parts;
1,000 reloads under load; a rule file with a mistake refused once and not retried.
The last good rules answer every request throughout.

Each load is bounded in requests and in time. Figures measured on the way are printed
as "figures: ..." lines."""

import os
import signal
import time

from fixtures import GOOD, TEAM, TEAM_RULES, answer_of, dial_xml
from harness import Load, LogTail, case, eq, expect, fcgi_request, figures, log_lines_only, replace, wait_for


def serving_user():
    """With root, servers run as nobody, so that a file with mode 000 is unreadable to them."""
    return ["--user", "nobody"] if os.geteuid() == 0 else []


def fault_run(run, faults, target):
    """Serves under load while each fault happens to `target`; checks that the last good
    rules answer every request, one refusal per bad version, and no request fails."""
    ini = run.write("rules.ini", TEAM_RULES.format(action="dial 4915799912345"))
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
    good = lambda n: TEAM_RULES.format(action=f"dial {n}")  # noqa: E731

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
        replace(run, "rules.ini", TEAM_RULES.format(action=f"dial {n}"))

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
        replace(run, "rules.ini", TEAM_RULES.format(action=f"dial {n}"))

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
    ini = run.write("rules.ini", TEAM_RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, extra=serving_user())
    log = LogTail(crp)
    load = Load(crp.listen, threads=2)
    try:
        for i in range(5):
            text = TEAM_RULES.format(action=f"dial 49157999000{i}")
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
    ini = run.write("rules.ini", TEAM_RULES.format(action="dial 4915799912345"))
    run.write("team.txt", TEAM)
    answers = {dial_xml("4915799912345"), answer_of("<Hangup/>")}
    crp = run.callrouter(ini, threads=4)
    log = LogTail(crp)
    load = Load(crp.listen, threads=4)
    t0 = time.monotonic()
    try:
        for i in range(1000):
            replace(run, "rules.ini", TEAM_RULES.format(action="hangup" if i % 2 == 0 else "dial 4915799912345"))
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


@case("faults: a rule file with a mistake is refused once and not retried")
def _(run):
    ini = run.write("rules.ini", TEAM_RULES.replace("country_code = 49", "country_code = 49\nlog = debug")
                    .format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini)
    replace(run, "rules.ini", TEAM_RULES.format(action="dial 1 2 3 4 5 6"))
    wait_for(lambda: "refused" in crp.output(), timeout=3, what="the refusal")
    time.sleep(2.5)  # retries would come after 1 s and 3 s
    out = crp.output()
    expect("retried" not in out, out[-800:])
    eq(out.count("refused"), 1, "refusals")
    expect("<Hangup/>" in fcgi_request(crp.listen, GOOD)[2], "the last good rules")
