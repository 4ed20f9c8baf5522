"""Reload and stop: a FastCGI process picks up a changed rule file or list file
within a second and on SIGHUP, keeps the last good rules when the new file fails
the check, and on SIGTERM finishes the request in progress, then exits 0."""

import os
import signal
import time

from fixtures import GOOD, TEAM, TEAM_RULES
from harness import FcgiClient, case, eq, expect, fcgi_params, fcgi_request, replace, wait_for

def rules(run, action="dial 4915799912345", name="rules.ini"):
    if not os.path.exists(run.path("team.txt")):
        run.write("team.txt", TEAM)
    return run.write(name, TEAM_RULES.format(action=action))


def answer(cr):
    return fcgi_request(cr.listen, GOOD)[2]


def wait_answer(cr, fragment, timeout):
    t0 = time.monotonic()
    wait_for(lambda: fragment in answer(cr), timeout=timeout, what=f"answer with {fragment!r}")
    return time.monotonic() - t0


@case("reload: rule file replaced by rename is in force within a second")
def _(run):
    cr = run.callrouter(rules(run))
    expect("<Number>4915799912345</Number>" in answer(cr), answer(cr))
    replace(run, "rules.ini", TEAM_RULES.format(action="reject busy"))
    took = wait_answer(cr, 'reason="busy"', 1.0)
    wait_for(lambda: "reload on change: " in cr.output(), timeout=1, what="the reload's log line")
    expect(took < 1.0, f"took {took:.2f}s")


@case("reload: rule file rewritten in place is in force within a second")
def _(run):
    cr = run.callrouter(rules(run))
    time.sleep(0.05)
    with open(run.path("rules.ini"), "w") as f:
        f.write(TEAM_RULES.format(action="hangup"))
    wait_answer(cr, "<Hangup/>", 1.0)


@case("reload: a changed list file is in force within a second")
def _(run):
    cr = run.callrouter(rules(run))
    replace(run, "team.txt", "4930999\n")
    wait_answer(cr, "<Response/>", 1.0)
    replace(run, "team.txt", "4921112345\n")
    wait_answer(cr, "<Number>4915799912345</Number>", 1.0)


@case("reload: SIGHUP reloads at once")
def _(run):
    cr = run.callrouter(rules(run))
    answer(cr)
    replace(run, "rules.ini", TEAM_RULES.format(action="voicemail"))
    cr.send_signal(signal.SIGHUP)
    wait_answer(cr, "<Voicemail/>", 1.0)
    wait_for(lambda: "reload on SIGHUP: " in cr.output(), timeout=1, what="the reload's log line")
    expect(cr.alive(), "SIGHUP killed the process")


@case("reload: a new file that fails the check is logged; the last good rules stay")
def _(run):
    cr = run.callrouter(rules(run))
    replace(run, "rules.ini", TEAM_RULES.format(action="dial 1 2 3 4 5 6"))
    wait_for(lambda: "refused" in cr.output(), timeout=2, what="refusal in the log")
    out = cr.output()
    expect("rules.ini:7: dial takes 1 to 5 numbers, not 6" in out, out)
    expect("the last good rules stay in force" in out, out)
    for _ in range(5):
        expect("<Number>4915799912345</Number>" in answer(cr), "old rules gone")
    time.sleep(0.6)
    eq(cr.output().count("refused"), 1, "refusals logged for one bad version")
    replace(run, "rules.ini", TEAM_RULES.format(action="reject"))
    wait_answer(cr, "<Reject/>", 1.0)


@case("reload: rule file deleted, list file unreadable: the last good rules stay")
def _(run):
    cr = run.callrouter(rules(run))
    os.unlink(run.path("rules.ini"))
    wait_for(lambda: "refused" in cr.output(), timeout=2, what="refusal in the log")
    expect("cannot open" in cr.output(), cr.output())
    expect("<Number>4915799912345</Number>" in answer(cr), "old rules gone")
    rules(run, "hangup")
    wait_answer(cr, "<Hangup/>", 1.0)
    os.unlink(run.path("team.txt"))
    os.mkdir(run.path("team.txt"))  # not a file: unreadable, even for root
    wait_for(lambda: cr.output().count("refused") == 2, timeout=2, what="second refusal")
    expect("<Hangup/>" in answer(cr), "old rules gone")


@case("reload: refused rules that name a missing list file are loaded when the file comes")
def _(run):
    cr = run.callrouter(rules(run))
    replace(run, "rules.ini", TEAM_RULES.replace("team.txt", "new-team.txt").format(action="hangup"))
    wait_for(lambda: "refused" in cr.output(), timeout=2, what="refusal in the log")
    expect("new-team.txt: cannot open: No such file or directory" in cr.output(), cr.output()[-800:])
    expect("<Number>4915799912345</Number>" in answer(cr), "old rules gone")
    # Only the list file is written: the rule file is not touched again.
    replace(run, "new-team.txt", "4921112345\n")
    took = wait_answer(cr, "<Hangup/>", 1.5)
    wait_for(lambda: "reload on change: " in cr.output(), timeout=1, what="the reload's log line")
    expect(took < 1.5, f"took {took:.2f}s")


@case("reload: a list file that the refused rules no longer name changes: no second refusal")
def _(run):
    cr = run.callrouter(rules(run))
    replace(run, "rules.ini", "[rule office]\nto = 49211*\naction = dial 1 2 3 4 5 6\n")
    wait_for(lambda: "refused" in cr.output(), timeout=2, what="refusal in the log")
    replace(run, "team.txt", "4921112399\n")
    time.sleep(1.2)  # changes are taken within a second
    eq(cr.output().count("refused"), 1, "refusals")
    expect("<Number>4915799912345</Number>" in answer(cr), "the last good rules")


@case("stop: SIGTERM when idle exits 0 at once")
def _(run):
    cr = run.callrouter(rules(run), threads=4)
    answer(cr)
    t0 = time.monotonic()
    eq(cr.stop(signal.SIGTERM), 0, "exit code")
    expect(time.monotonic() - t0 < 1.0, "slow stop")


@case("stop: SIGTERM lets the request in progress finish, then exits 0")
def _(run):
    cr = run.callrouter(rules(run), threads=2)
    c = FcgiClient(cr.listen)
    c.begin(fcgi_params(GOOD.encode()))
    c.send(GOOD[:12].encode())
    time.sleep(0.2)
    cr.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    expect(cr.alive(), "exited with a request in progress")
    c.send(GOOD[12:].encode())
    c.end()
    s, h, b = c.answer()
    eq(s, 200)
    expect("<Number>4915799912345</Number>" in b, b)
    cr.proc.wait(5)
    eq(cr.proc.returncode, 0, "exit code")
