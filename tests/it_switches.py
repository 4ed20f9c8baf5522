"""Switches (callrouter.ini(5), [switch NAME]; callrouter(8), SWITCHES), through the real
binary: a PIN menu call through nginx that closes the office until the next morning
(the next call goes to the voicemail) and one that opens it again; an `until` that
runs out while the FastCGI process serves on; --switch from the command line seen by
the running process at its next request, with no reload; many processes switching at
once; a broken state file; CGI; the file given to the service's user; and the errors
of the command line and of the rule file."""

import os
import pwd
import re
import subprocess
import time

from harness import FORM, case, curl, eq, expect, wait_for

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
PUBLIC = "https://calls.example.com/callrouter"
EVENTS = f' onAnswer="{PUBLIC}" onHangup="{PUBLIC}"'
VOICEMAIL = f"{HEAD}<Response{EVENTS}>\n  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n"
OFFICE = f"{HEAD}<Response{EVENTS}>\n  <Dial>\n    <Number>4921112345</Number>\n  </Dial>\n</Response>\n"

RULES = f"""[settings]
timezone = Europe/Berlin
public_url = {PUBLIC}
journal = {{dir}}/calls.jsonl

[switch closed]
default = off

[menu admin]
prompt = https://example.com/pin.wav
digits = 4
timeout = 10
1234 = switch closed on until 08:00 then play https://example.com/closed-until-morning.wav then hangup
4321 = switch closed off then play https://example.com/open-again.wav then hangup
other = hangup

[rule admin]
from = 4915799912345
to = 4921199999
action = menu admin

[rule closed]
switch = closed
action = voicemail

[rule office]
action = dial 4921112345
"""

CALL = "from=4921155555&to=4921199999&direction=in&callId={id}"


def rules(run, extra=""):
    return run.write("rules.ini", RULES.replace("{dir}", run.dir) + extra)


def post(url, body):
    st, _, text = curl(url, data=body, headers=[f"Content-Type: {FORM}"])
    eq(st, 200, f"POST {body}: status; body {text!r}")
    return text


def pin(url, typed, call):
    """A call from the admin's mobile into the PIN menu, then its keys (the dtmf push to
    the menu's onData URL, as sipgate.io sends it). Returns the answer to the keys."""
    a = post(url, f"from=4915799912345&to=4921199999&direction=in&callId={call}")
    m = re.search(r'<Gather onData="([^"]+)"', a)
    expect(m, "no <Gather> for the admin: " + a)
    query = m.group(1).replace("&amp;", "&").split("?", 1)[1]
    return post(url + "?" + query, f"event=dtmf&callId={call}&from=4915799912345&to=4921199999&dtmf={typed}")


def cli(run, ini, *args, env=None):
    p = subprocess.run([run.bin, "--config", ini, *args], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def berlin(stamp):
    """The UTC seconds of a wall-clock time in Europe/Berlin."""
    out = subprocess.run(["date", "-d", f'TZ="Europe/Berlin" {stamp}', "+%s"], capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


@case("switches: a PIN menu call through nginx switches closed on until 08:00: the next call goes to the "
      "voicemail; a second PIN call switches it off: the next call rings the office; logged and journalled")
def _(run):
    ini = rules(run)
    cr, _, url = run.stack(ini)
    eq(post(url, CALL.format(id="a1")), OFFICE, "before: the office")
    t0 = int(time.time())
    closed = pin(url, "1234", "p1")
    expect("closed-until-morning.wav" in closed and "<Hangup/>" in closed, "the announcement: " + closed)
    eq(post(url, CALL.format(id="a2")), VOICEMAIL, "the next call, closed")
    state = open(os.path.join(run.dir, "switches")).read()
    m = re.search(r"^closed on at=(\d+) until=(\d+) by=call p1 from 4915799912345$", state, re.M)
    expect(m, "the state file: " + state)
    until = int(m.group(2))
    # until 08:00: the next 08:00 in Europe/Berlin after the switch
    local = subprocess.run(["date", "-d", f"@{until}", "+%H:%M"], capture_output=True, text=True,
                           env=dict(os.environ, TZ="Europe/Berlin")).stdout.strip()
    eq(local, "08:00", "until, on the wall clock")
    expect(t0 < until <= t0 + 86400, f"until {until} is the next 08:00 after {t0}")
    rc, out, err = cli(run, ini, "--switches")
    eq(rc, 0, "--switches: " + err)
    expect(re.search(r"^switch closed is on \(set [-0-9 :]+ by call p1 from 4915799912345, until [-0-9 ]+08:00\)"
                     r"; default off, line 6$", out, re.M), "--switches: " + out)
    opened = pin(url, "4321", "p2")
    expect("open-again.wav" in opened, opened)
    eq(post(url, CALL.format(id="a3")), OFFICE, "after: the office again")
    log = cr.output()
    expect('switch="closed on until ' in log and 'switch="closed off"' in log, "the log lines: " + log)
    expect("reload" not in log, "a switch needs no reload: " + log)
    wait_for(lambda: os.path.exists(os.path.join(run.dir, "calls.jsonl")) and
             '"switch":"closed off"' in open(os.path.join(run.dir, "calls.jsonl")).read(), what="the journal")


@case("switches: an until that runs out: the FastCGI process answers with the default from that second on, "
      "with no reload; --test --at before and after until says the same")
def _(run):
    ini = rules(run)
    cr, _, url = run.stack(ini)
    until = int(time.time()) + 2
    with open(os.path.join(run.dir, "switches"), "w") as f:
        f.write(f"closed on at={until - 60} until={until} by=a test\n")
    eq(post(url, CALL.format(id="u1")), VOICEMAIL, "before until")
    wait_for(lambda: time.time() >= until + 0.2, timeout=5, what="until")
    eq(post(url, CALL.format(id="u2")), OFFICE, "after until")
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until - 30))
    rc, out, err = cli(run, ini, "--test", CALL.format(id="t"), "--at", at)
    expect(rc == 0 and "<Voicemail/>" in out and "switch closed is on" in err, f"--test before until: {out}{err}")
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until + 60))
    rc, out, err = cli(run, ini, "--test", CALL.format(id="t"), "--at", at)
    expect(rc == 0 and "4921112345" in out and "switch closed is off (its default; set on until" in err,
           f"--test after until: {out}{err}")
    expect("reload" not in cr.output(), cr.output())


@case("switches: --switch from the command line is seen by the running FastCGI process at its next request "
      "(no reload, no signal); --until +2h; --switches lists it")
def _(run):
    ini = rules(run)
    cr, _, url = run.stack(ini)
    eq(post(url, CALL.format(id="c1")), OFFICE, "before")
    rc, out, err = cli(run, ini, "--switch", "closed=on", "--until", "+2h", env={"SUDO_USER": "anna"})
    eq(rc, 0, "--switch: " + err)
    expect(re.match(r"switch closed is on \(set [-0-9 :]+ by callrouter --switch \(anna\), until [-0-9 :]+\)\n$", out),
           "--switch prints: " + out)
    t = time.monotonic()
    eq(post(url, CALL.format(id="c2")), VOICEMAIL, "the next request")
    expect(time.monotonic() - t < 1, "seen within a second")
    rc, out, err = cli(run, ini, "--switch", "closed=off")
    eq(rc, 0, err)
    eq(post(url, CALL.format(id="c3")), OFFICE, "switched off")
    expect("reload" not in cr.output(), cr.output())


@case("switches: 24 processes switching at once (12 --switch, 12 PIN menu calls as CGI), each its own switch: "
      "no change is lost; the lock and the rename leave no file behind")
def _(run):
    extra = "".join(f"\n[switch s{i}]\ndefault = off\n" for i in range(24))
    extra += "".join(f"\n[menu m{i}]\nprompt = https://example.com/p.wav\n1 = switch s{i} on then hangup\n"
                     for i in range(12, 24))
    ini = rules(run, extra)
    procs = []
    for i in range(12):
        procs.append(subprocess.Popen([run.bin, "--config", ini, "--switch", f"s{i}=on"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    env_base = {"PATH": os.environ.get("PATH", ""), "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST",
                "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": FORM, "CALLROUTER_CONFIG": ini}
    for i in range(12, 24):
        body = f"event=dtmf&callId=k{i}&from=4915799912345&to=4921199999&dtmf=1".encode()
        env = dict(env_base, CONTENT_LENGTH=str(len(body)), QUERY_STRING=f"menu=m{i}")
        p = subprocess.Popen([run.bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.stdin.write(body)
        p.stdin.close()
        p.stdin = None
        procs.append(p)
    for p in procs:
        out, err = p.communicate(timeout=30)
        eq(p.returncode, 0, f"exit status: {out!r} {err!r}")
    state = open(os.path.join(run.dir, "switches")).read()
    on = sorted(int(m) for m in re.findall(r"^s(\d+) on at=", state, re.M))
    eq(on, list(range(24)), "switches on: " + state)
    left = sorted(f for f in os.listdir(run.dir) if f.startswith("switches"))
    eq(left, ["switches", "switches.lock"], "files beside the journal")


@case("switches: a broken state file: every switch at its default, logged once by the FastCGI process over "
      "three requests, by CGI, and by --switches (exit 1); the next switch writes it afresh")
def _(run):
    ini = rules(run)
    path = os.path.join(run.dir, "switches")
    with open(path, "w") as f:
        f.write("closed on at=12 until=\x00garbage\n")
    cr, _, url = run.stack(ini)
    for i in range(3):
        eq(post(url, CALL.format(id=f"b{i}")), OFFICE, f"request {i}: the default (off)")
    eq(cr.output().count("every switch is at its default"), 1, "logged once: " + cr.output())
    expect(re.search(r"switches \S+/switches: line 1: a control character: every switch is at its default",
                     cr.output()), cr.output())
    st, _, body, err = run.cgi(CALL.format(id="cg"), config=ini)
    expect(st == 200 and "4921112345" in body and "every switch is at its default" in err, f"CGI: {body} {err}")
    rc, out, err = cli(run, ini, "--switches")
    expect(rc == 1 and "line 1: a control character" in err and "switch closed is off (its default)" in out,
           f"--switches: {rc} {out} {err}")
    closed = pin(url, "1234", "p9")
    expect("closed-until-morning" in closed, closed)
    eq(post(url, CALL.format(id="b9")), VOICEMAIL, "after the switch wrote it afresh")
    expect("written afresh" in cr.output(), cr.output())


@case("switches: CGI: a PIN menu call switches closed on, the next CGI call goes to the voicemail")
def _(run):
    ini = rules(run)
    st, _, body, err = run.cgi("from=4915799912345&to=4921199999&direction=in&callId=g1", config=ini)
    expect(st == 200 and "<Gather" in body, body + err)
    st, _, body, err = run.cgi("event=dtmf&callId=g1&from=4915799912345&to=4921199999&dtmf=1234", config=ini,
                               env={"QUERY_STRING": "menu=admin"})
    expect(st == 200 and "closed-until-morning" in body and 'switch="closed on until' in err, body + err)
    st, _, body, err = run.cgi(CALL.format(id="g2"), config=ini)
    eq(body, VOICEMAIL, "the next CGI call")


@case("switches: --switch as root gives the state file and its lock to the owner of their folder "
      "(the service's user), which can then switch by a call; a file it cannot read is left alone and the call "
      "is hung up")
def _(run):
    if os.geteuid() != 0:
        return
    nobody = pwd.getpwnam("nobody")
    d = os.path.join(run.dir, "state")
    os.mkdir(d)
    os.chown(d, nobody.pw_uid, nobody.pw_gid)
    ini = rules(run)
    text = open(ini).read().replace("journal = ", f"state = {d}/switches\njournal = ")
    open(ini, "w").write(text)
    rc, out, err = cli(run, ini, "--switch", "closed=on")
    eq(rc, 0, err)
    for f in ("switches", "switches.lock"):
        st = os.stat(os.path.join(d, f))
        eq((st.st_uid, st.st_gid), (nobody.pw_uid, nobody.pw_gid), f"owner of {f}")
    # The service's user switches it off by a call (CGI run as nobody).
    body = "event=dtmf&callId=o1&from=4915799912345&to=4921199999&dtmf=4321".encode()
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST",
           "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": FORM, "CONTENT_LENGTH": str(len(body)),
           "QUERY_STRING": "menu=admin", "CALLROUTER_CONFIG": ini}
    os.chmod(run.dir, 0o755)
    os.chmod(ini, 0o644)

    def demote():
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    p = subprocess.run([run.bin], input=body, capture_output=True, env=env, preexec_fn=demote, timeout=30)
    expect(b"open-again" in p.stdout, p.stdout + p.stderr)
    expect(re.search(r"^closed off at=\d+ by=call o1", open(os.path.join(d, "switches")).read(), re.M),
           open(os.path.join(d, "switches")).read())
    # A file the service cannot read is not written afresh (its other switches would be
    # lost): the call is hung up, with no announcement, and the error is logged.
    path = os.path.join(d, "switches")
    before = open(path).read()
    os.chmod(path, 0)
    p = subprocess.run([run.bin], input=body, capture_output=True, env=env, preexec_fn=demote, timeout=30)
    expect(b"<Hangup/>" in p.stdout and b"open-again" not in p.stdout, p.stdout + p.stderr)
    expect(b"not set: cannot read " in p.stderr and b"Permission denied" in p.stderr, p.stderr)
    expect(re.search(rb"error: switches \S+: cannot read \S+: Permission denied: the call's switch is not set",
                     p.stderr), p.stderr)
    os.chmod(path, 0o640)
    eq(open(path).read(), before, "the state file, untouched")


@case("switches: --switch, --until and --switches refuse what they cannot do, in their own words, exit 2")
def _(run):
    ini = rules(run)
    for args, want in ((["--switch", "open=on"], "has no [switch open] (its switches: closed)"),
                       (["--switch", "closed=maybe"], "'closed=maybe' is not NAME=on or NAME=off"),
                       (["--switch", "closed=on", "--until", "25:00"], "is not HH:MM, YYYY-MM-DD [HH:MM] or +N"),
                       (["--switch", "closed=on", "--until", "2020-01-01 08:00"], "is not in the future"),
                       (["--switch", "closed=on", "--until", "+999d"], "more than 400 days ahead"),
                       (["--switches", "--until", "+1h"], "--until goes with --switch"),
                       (["--switch", "closed=on", "--check"], "exclude each other")):
        rc, out, err = cli(run, ini, *args)
        expect(rc == 2 and want in err and out == "", f"{args}: {rc} {out!r} {err!r}")
    expect(not os.path.exists(os.path.join(run.dir, "switches")), "nothing written")


@case("switches: the rule file's errors: an unknown switch in a condition and in an action, a bad default, a "
      "switch without a state file or journal, a switch that is not first, one without then")
def _(run):
    base = "[settings]\ntimezone = Europe/Berlin\n"
    for text, want in (
            (base + "state = s\n[switch a]\n[rule r]\nswitch = b\naction = voicemail\n",
             "rules.ini:6: unknown switch 'b' (no [switch b])"),
            (base + "state = s\n[switch a]\n[rule r]\naction = switch b on then hangup\n",
             "rules.ini:6: unknown switch 'b' (no [switch b])"),
            (base + "state = s\n[switch a]\ndefault = yes\n[rule r]\naction = hangup\n",
             "rules.ini:5: default must be 'on' or 'off', not 'yes'"),
            (base + "[switch a]\n[rule r]\naction = hangup\n",
             "rules.ini:3: [switch a] needs a file for the switches' states"),
            (base + "state = s\n[switch a]\n[rule r]\naction = play https://x.example/a.wav then switch a on then "
             "hangup\n", "rules.ini:6: switch comes first in an action"),
            (base + "state = s\n[switch a]\n[rule r]\naction = switch a on\n",
             "rules.ini:6: switch must be followed by 'then'"),
            (base + "state = s\n[switch a]\n[rule r]\naction = switch a on until 8h then hangup\n",
             "rules.ini:6: until: '8h' is not HH:MM")):
        ini = run.write("rules.ini", text)
        rc, out, err = cli(run, ini, "--check")
        expect(rc == 1 and want in err, f"{text!r}: {rc} {err!r}")
