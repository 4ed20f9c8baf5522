"""Telling the office what it missed (SPEC section 10; callrouter(8) --notify, --digest,
--metrics; callrouter.ini(5) NOTIFY), with real parts started by each test on loopback:
msmtp as the MTA's sendmail, handing mail to an SMTP receiver (Debian's aiosmtpd) that
keeps every message; an HTTP receiver that records the webhook POSTs (one that fails,
then recovers; one that redirects; one with a certificate nobody signed); calls through
a real nginx and as CGI. Each expected alert arrives once, and no other."""

import email
import email.policy
import email.utils
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import FORM, ROOT, Process, case, curl, eq, expect, free_port, shipped, substitute, wait_for

PUBLIC = "https://sipgate:secret@calls.example.com/callrouter"
SINKS = os.path.join(ROOT, "tests", "tools")

RULES = """[settings]
country_code = 49
timezone = Europe/Berlin
public_url = {public}
journal = {journal}
sendmail = {sendmail}
mail_from = Zentrale Büro <callrouter@example.com>
notify_retry = {retry}

[rule office]
direction = in
to = 4921199999
action = dial 4921112345601 4921112345602

[notify office]
on = missed, voicemail
to = 4921199999
mail = Jürgen Müller <juergen@example.com>, office@example.com
webhook = http://127.0.0.1:{hook}/office

[notify desk]
on = answered
webhook = http://127.0.0.1:{hook}/desk
"""


class Mailer:
    """msmtp as sendmail, and the SMTP receiver it hands mail to. With hold(), the
    sendmail waits (without sending) while a file exists: --notify has read the call and
    begun to send it."""

    def __init__(self, run, fail_first=0):
        self.run = run
        self.port = free_port()
        self.box = run.unique("mailbox")
        argv = ["/usr/bin/python3", os.path.join(SINKS, "smtp_sink.py"), str(self.port), self.box]
        if fail_first:
            argv += ["--fail-first", str(fail_first)]
        self.proc = Process(run, argv, "smtp")
        wait_for(lambda: "ready" in self.proc.output() or not self.proc.alive(), what="the SMTP receiver")
        expect(self.proc.alive(), "the SMTP receiver did not start: " + self.proc.output())
        rc = run.write(run.unique("msmtprc"), f"account default\nhost 127.0.0.1\nport {self.port}\n"
                                              "from callrouter@example.com\nauth off\ntls off\n")
        os.chmod(rc, 0o600)
        self.hold_file = run.unique("hold")
        self.held_file = self.hold_file + ".held"
        self.sendmail = run.write(run.unique("sendmail"), f"""#!/bin/sh
if [ -e {self.hold_file} ]; then
    : > {self.held_file}
    while [ -e {self.hold_file} ]; do sleep 0.05; done
    exit 75
fi
exec /usr/bin/msmtp -C {rc} "$@"
""")
        os.chmod(self.sendmail, 0o755)

    def raw(self):
        names = sorted((f for f in os.listdir(self.box) if f.endswith(".eml")), key=lambda f: int(f[:-4]))
        out = []
        for f in names:
            with open(os.path.join(self.box, f), "rb") as fh:
                data = fh.read()
            with open(os.path.join(self.box, f[:-4] + ".rcpt")) as fh:
                out.append((data, fh.read().split()))
        return out

    def mails(self):
        return [(email.message_from_bytes(d, policy=email.policy.default), r) for d, r in self.raw()]

    def wait(self, n, timeout=15):
        wait_for(lambda: len(self.raw()) >= n, timeout=timeout, what=f"{n} mails")
        return self.mails()

    def hold(self):
        open(self.hold_file, "w").close()

    def release(self):
        os.unlink(self.hold_file)


class Hooks:
    """The HTTP receiver of the webhooks; posts() lists what it took (answered 200)."""

    def __init__(self, run, extra=(), port=None):
        self.port = port or free_port()
        self.file = run.unique("hooks") + ".jsonl"
        self.proc = Process(run, ["python3", os.path.join(SINKS, "webhook_sink.py"), str(self.port), self.file] +
                            list(extra), "webhook")
        wait_for(lambda: "ready" in self.proc.output() or not self.proc.alive(), what="the webhook receiver")
        expect(self.proc.alive(), "the webhook receiver did not start: " + self.proc.output())

    def _read(self, path):
        """The POSTs recorded in `path`: whole lines only (the receiver may be writing one)."""
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]

    def posts(self):
        return self._read(self.file)

    def failed(self):
        return self._read(self.file + ".failed")

    def wait(self, n, timeout=15):
        wait_for(lambda: len(self.posts()) >= n, timeout=timeout, what=f"{n} webhook posts")
        return self.posts()


def setup(run, mailer, hooks_port, retry="1s 1s 1s", extra=""):
    """The rule file of these tests in the run's folder; returns (ini, journal)."""
    journal = run.unique("calls") + ".jsonl"
    text = RULES.format(public=PUBLIC, journal=journal, sendmail=mailer.sendmail, retry=retry, hook=hooks_port)
    return run.write(run.unique("rules") + ".ini", text + extra), journal


def notify(run, ini, *extra):
    """callrouter --notify, as the service runs it; waits until it follows the journal."""
    p = Process(run, [run.bin, "--config", ini, "--notify"] + list(extra), "notify")
    wait_for(lambda: "notify: following" in p.output() or not p.alive(), what="--notify to start")
    expect(p.alive(), "--notify did not start: " + p.output())
    return p


class Calls:
    """Pushes as sipgate.io sends them, through nginx (or, with cgi=True, as CGI)."""

    def __init__(self, run, ini, cgi=False):
        self.run, self.ini, self.cgi = run, ini, cgi
        if not cgi:
            self.cr, _, self.url = run.stack(ini, threads=2)

    def push(self, body):
        if self.cgi:
            st, _, text, err = self.run.cgi(body, config=self.ini, env={"REQUEST_URI": "/callrouter"})
        else:
            st, _, text = curl(self.url + "callrouter", data=body, headers=[f"Content-Type: {FORM}"])
            err = ""
        eq(st, 200, f"push {body}: {text!r} {err}")

    def missed(self, cid, frm="0211123456"):
        self.push(f"event=newCall&callId={cid}&from={frm}&to=4921199999&direction=in")
        self.push(f"event=hangup&callId={cid}&cause=cancel")

    def voicemail(self, cid, frm="0211123457"):
        self.push(f"event=newCall&callId={cid}&from={frm}&to=4921199999&direction=in")
        self.push(f"event=answer&callId={cid}&user=voicemail&from={frm}&to=4921199999&direction=in")
        self.push(f"event=hangup&callId={cid}&cause=normalClearing")

    def answered(self, cid, frm="0211123458"):
        self.push(f"event=newCall&callId={cid}&from={frm}&to=4921199999&direction=in")
        self.push(f"event=answer&callId={cid}&user=Anna+Schmidt&answeringNumber=4921112345601"
                  f"&from={frm}&to=4921199999&direction=in")
        self.push(f"event=hangup&callId={cid}&cause=normalClearing&answeringNumber=4921112345601")

    def forwarded_to_voicemail(self, cid, leg, frm="0211123459"):
        self.push(f"event=newCall&callId={cid}&from={frm}&to=4921199999&direction=in")
        self.push(f"event=hangup&callId={cid}&cause=forwarded")
        self.push(f"event=newCall&callId={leg}&origCallId={cid}&from={frm}&to=4921199999&direction=in"
                  "&user%5B%5D=voicemail")
        self.push(f"event=answer&callId={leg}&user=voicemail")
        self.push(f"event=hangup&callId={leg}&cause=normalClearing")


def by_call(mails):
    """{callId: [mail, ...]} from the Message-IDs (<CALLID.NOTIFY.callrouter@domain>)."""
    out = {}
    for m, _ in mails:
        out.setdefault(str(m["Message-ID"]).strip("<>").split(".")[0], []).append(m)
    return out


def check_mail_form(raw):
    """RFC 5322 as --notify promises it: ASCII headers, each line under 998 bytes, the
    names as encoded words, one of each header, a Date that parses."""
    head, _, _ = raw.partition(b"\n\n")
    for line in head.split(b"\n"):
        expect(all(b < 0x80 for b in line), f"a header line that is not ASCII: {line!r}")
        expect(len(line) <= 998, f"a header line of {len(line)} bytes")
    m = email.message_from_bytes(raw, policy=email.policy.default)
    for h in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"):
        eq(len(m.get_all(h) or []), 1, f"{h} headers")
    expect(email.utils.parsedate_to_datetime(str(m["Date"])) is not None, "Date: " + str(m["Date"]))
    eq(m.get_content_type(), "text/plain", "Content-Type")
    eq(m.get_content_charset(), "utf-8", "charset")
    eq(str(m["From"]), "Zentrale Büro <callrouter@example.com>", "From, decoded")
    for h in ("From", "To", "Subject"):
        eq(m[h].defects, (), f"{h} defects")
    return m


@case("notify: calls through nginx: missed, voicemail, answered, forwarded then voicemail; each alert once")
def t_notify_nginx(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    ini, journal = setup(run, mailer, hooks.port)
    n = notify(run, ini)
    calls = Calls(run, ini)
    calls.missed("c1")
    calls.voicemail("c2")
    calls.answered("c3")
    calls.forwarded_to_voicemail("c4", "c5")
    mails = mailer.wait(3)
    posts = hooks.wait(4)
    time.sleep(2.5)  # two more rounds of --notify: nothing else may come
    mails, posts = mailer.mails(), hooks.posts()
    eq(sorted(by_call(mails)), ["c1", "c2", "c4"], "the calls mailed")
    eq(len(mails), 3, "mails")
    for raw, rcpt in mailer.raw():
        m = check_mail_form(raw)
        eq(sorted(rcpt), ["juergen@example.com", "office@example.com"], "envelope recipients")
        eq(str(m["To"]), "Jürgen Müller <juergen@example.com>, office@example.com", "To, decoded")
        expect(b"=?UTF-8?B?" in raw.partition(b"\n\n")[0], "no encoded word in the headers")
    got = by_call(mails)
    c1, c2, c4 = got["c1"][0], got["c2"][0], got["c4"][0]
    eq(str(c1["Subject"]).split(" at ")[0], "Missed call from 49211123456 to 4921199999", "c1 subject")
    body1 = c1.get_content()
    for want in ("Caller:      49211123456", "Called:      4921199999", "Rule:        office",
                 "Outcome:     missed", "Voicemail:   no", "Hangup:      cancel", "Call id:     c1",
                 "Action:      dial 4921112345601 4921112345602"):
        expect(want in body1, f"{want!r} not in the mail of c1:\n{body1}")
    expect(str(c1["Message-ID"]) == "<c1.office.callrouter@example.com>", str(c1["Message-ID"]))
    expect("Outcome:     voicemail" in c2.get_content() and "Voicemail:   yes" in c2.get_content(), c2.get_content())
    body4 = c4.get_content()
    expect("Legs:        office -> voicemail" in body4 and "Outcome:     voicemail" in body4, body4)
    # The webhooks: the office's three, the desk's one (the answered call).
    eq(sorted((p["path"], json.loads(p["body"])["callId"]) for p in posts),
       [("/desk", "c3"), ("/office", "c1"), ("/office", "c2"), ("/office", "c4")], "webhook posts")
    for p in posts:
        eq(p["type"], "application/json", "Content-Type of the POST")
        body = json.loads(p["body"])
        expect(body["text"].startswith(("Missed call", "Voicemail", "Answered call")), body["text"])
        if body["callId"] == "c3":
            eq((body["outcome"], body["answeredBy"], body["voicemail"]),
               ("answered", "Anna Schmidt (4921112345601)", False), "the answered call's post")
        if body["callId"] == "c4":
            eq((body["outcome"], body["legs"], body["voicemail"], body["rule"]),
               ("voicemail", ["office", "voicemail"], True, "office"), "the forwarded call's post")
    log = n.output()
    eq(log.count("status=sent"), 7, "sent lines in the log:\n" + log)
    eq(n.stop(), 0, "--notify on SIGTERM")
    expect("notify: stopped, state saved" in n.output(), n.output())


@case("notify: a webhook that fails twice, then recovers: sent once, on the third try")
def t_notify_retry(run):
    mailer = Mailer(run)
    hooks = Hooks(run, extra=["--fail-first", "2"])
    ini, journal = setup(run, mailer, hooks.port)
    n = notify(run, ini)
    calls = Calls(run, ini, cgi=True)
    calls.missed("r1")
    hooks.wait(1, timeout=20)
    time.sleep(2)
    eq(len(hooks.failed()), 2, "POSTs answered 500")
    eq([json.loads(p["body"])["callId"] for p in hooks.posts()], ["r1"], "the POST taken")
    log = n.output()
    eq(log.count("channel=webhook callId=r1 outcome=missed status=retry"), 2, log)
    expect("channel=webhook callId=r1 outcome=missed status=sent try=3" in log, log)
    eq(len(mailer.wait(1)), 1, "the mail")


@case("notify: a webhook that never recovers and an MTA that refuses: given up after the tries, logged")
def t_notify_give_up(run):
    mailer = Mailer(run, fail_first=100)
    hooks = Hooks(run, extra=["--fail-first", "100"])
    ini, journal = setup(run, mailer, hooks.port, retry="1s 1s")
    n = notify(run, ini)
    Calls(run, ini, cgi=True).missed("g1")
    wait_for(lambda: n.output().count("status=given-up") == 2, timeout=20, what="two alerts given up")
    time.sleep(1.5)
    eq(len(hooks.failed()), 3, "POSTs tried (1 + 2 tries again)")
    log = n.output()
    expect('channel=webhook callId=g1 outcome=missed status=given-up tries=3 error="HTTP 500"' in log, log)
    expect("channel=mail callId=g1 outcome=missed status=given-up tries=3 error=" in log and "451" in log, log)
    eq(mailer.raw(), [], "mails taken")


@case("notify: killed with SIGKILL between reading and sending, started again: each alert once")
def t_notify_sigkill(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    ini, journal = setup(run, mailer, hooks.port)
    n = notify(run, ini)
    calls = Calls(run, ini, cgi=True)
    calls.missed("k0")
    mailer.wait(1)
    mailer.hold()
    calls.missed("k1")
    calls.voicemail("k2")
    # --notify has read k1 and k2 and handed k1's mail to sendmail, which waits.
    wait_for(lambda: os.path.exists(mailer.held_file), timeout=10, what="the send of k1 to begin")
    n.send_signal(signal.SIGKILL)
    n.proc.wait(5)
    eq(n.proc.returncode, -signal.SIGKILL, "--notify killed")
    mailer.release()
    time.sleep(0.3)
    eq(len(mailer.raw()), 1, "mails while it was dead")
    n2 = notify(run, ini)
    calls.missed("k3")
    mailer.wait(4)
    hooks.wait(4)
    time.sleep(2.5)
    mails = mailer.mails()
    eq(sorted(by_call(mails)), ["k0", "k1", "k2", "k3"], "the calls mailed")
    eq(len(mails), 4, "mails: each once")
    eq(sorted(json.loads(p["body"])["callId"] for p in hooks.posts()), ["k0", "k1", "k2", "k3"],
       "webhook posts: each once")
    eq(n2.stop(), 0, "--notify on SIGTERM")


def rotate(run, journal):
    """Rotates the journal with the real logrotate and the shipped etc/logrotate/callrouter."""
    conf = run.write(run.unique("logrotate") + ".conf", substitute(
        shipped("etc/logrotate/callrouter"), [("/var/lib/callrouter/calls.jsonl", journal)], "etc/logrotate/callrouter"))
    r = subprocess.run([shutil.which("logrotate") or "/usr/sbin/logrotate", "-f", "-s", run.path("logrotate.state"),
                        conf], capture_output=True, text=True)
    eq(r.returncode, 0, "logrotate: " + r.stderr)


@case("notify: the journal rotated by logrotate between two calls, and while --notify was stopped: every call told once")
def t_notify_rotation(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    ini, journal = setup(run, mailer, hooks.port)
    n = notify(run, ini)
    calls = Calls(run, ini)
    calls.missed("o1")
    mailer.wait(1)
    rotate(run, journal)  # the shipped logrotate file; the next push makes a new file
    calls.missed("o2")
    mailer.wait(2)
    wait_for(lambda: os.path.exists(journal), what="the new journal")
    # Stopped, a call, rotated, a call, started: the rest of .1 first, then the new file.
    eq(n.stop(), 0, "--notify on SIGTERM")
    calls.missed("o3")
    rotate(run, journal)  # .1 compressed to .2.gz, the journal renamed to .1
    expect(os.path.exists(journal + ".2.gz"), f"logrotate did not compress .1: {os.listdir(run.dir)}")
    calls.missed("o4")
    n2 = notify(run, ini)
    expect("was rotated while --notify was stopped: the rest of" in n2.output(), n2.output())
    mailer.wait(4)
    hooks.wait(4)
    time.sleep(2.5)
    eq(sorted(by_call(mailer.mails())), ["o1", "o2", "o3", "o4"], "the calls mailed")
    eq(len(mailer.raw()), 4, "mails: each once")
    eq(len(hooks.posts()), 4, "posts: each once")


@case("notify: a call whose hangup never comes is told as lost, one forwarded out of sight is not; a late hangup is not told again")
def t_notify_lost(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    ini, journal = setup(run, mailer, hooks.port)
    # A newCall an hour and a minute old, written as the journal writes it.
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3660))
    state = journal + ".notify-state"
    with open(state, "w") as f:
        f.write("callrouter-notify-state 1\nplace 0 0 0 -\nend\n")  # from the journal's start
    with open(journal, "w") as f:
        f.write(json.dumps({"time": old, "event": "newCall", "callId": "l1", "direction": "in",
                            "from": "49211123456", "to": "4921199999", "rule": "office",
                            "action": "dial 4921112345601"}) + "\n")
        # Forwarded out of the journal's sight as long ago: "forwarded" (on = every), not lost.
        f.write(json.dumps({"time": old, "event": "newCall", "callId": "f1", "direction": "in",
                            "from": "49211123457", "to": "4921199999", "rule": "office",
                            "action": "dial 4921112345601"}) + "\n")
        f.write(json.dumps({"time": old, "event": "hangup", "callId": "f1", "cause": "forwarded"}) + "\n")
    n = notify(run, ini)
    mails = mailer.wait(1)
    expect(str(mails[0][0]["Subject"]).startswith("Lost call (no hangup came) from 49211123456"),
           str(mails[0][0]["Subject"]))
    Calls(run, ini, cgi=True).push("event=hangup&callId=l1&cause=cancel")
    time.sleep(2)
    eq(len(mailer.raw()), 1, "mails (the forwarded call told as lost would be a second)")
    eq(n.stop(), 0, "--notify on SIGTERM")
    with open(state + ".done") as f:
        done = [ln.split()[2] for ln in f if ln.startswith("done ")]
    eq(sorted(done), ["f1", "l1"], "the calls the state file says were told")


def webhook_rules(run, hooks, name):
    """A rule file whose one [notify] posts every call to `hooks`, and its journal in the
    run's folder, which --notify reads from its start; returns (ini, journal)."""
    journal = run.path(name + ".jsonl")
    ini = run.write(name + ".ini", f"""[settings]
country_code = 49
public_url = {PUBLIC}
journal = {journal}
[rule office]
action = dial 4921112345601
[notify all]
on = every
webhook = http://127.0.0.1:{hooks.port}/all
""")
    with open(journal + ".notify-state", "w") as f:
        f.write("callrouter-notify-state 1\nplace 0 0 0 -\nend\n")  # from the journal's start
    return ini, journal


@case("notify: a backlog of 1,500 calls two hours old (--notify catching up): each told with its outcome, "
      "none as lost; a call with 70 menu keys still told when it hangs up")
def t_notify_backlog(run):
    hooks = Hooks(run)
    ini, journal = webhook_rules(run, hooks, "backlog")
    t0 = time.time() - 7200
    call = {"direction": "in", "from": "49211123456", "to": "4921199999", "rule": "office"}
    with open(journal, "w") as f:
        for i in range(1500):
            f.write(journal_line(t0 + i, event="newCall", callId=f"b{i}", action="dial 4921112345601", **call))
            f.write(journal_line(t0 + i + 20, event="hangup", callId=f"b{i}", cause="cancel"))
        f.write(journal_line(t0, event="newCall", callId="menu", action="menu main", **call))
        for k in range(70):
            f.write(journal_line(t0 + k, event="dtmf", callId="menu", menu="main", dtmf="9", choice="other",
                                 action="menu main"))
        f.write(journal_line(t0 + 80, event="hangup", callId="menu", cause="cancel"))
    n = notify(run, ini)
    posts = hooks.wait(1501, timeout=120)
    outcomes = {}
    for p in posts:
        b = json.loads(p["body"])
        outcomes[b["outcome"]] = outcomes.get(b["outcome"], 0) + 1
    eq(outcomes, {"missed": 1501}, "outcomes told")
    eq(len({json.loads(p["body"])["callId"] for p in posts}), 1501, "calls told, each once")
    eq(n.stop(), 0, "--notify on SIGTERM")


@case("notify: 20,001 calls without a hangup: the 20,001st makes room by telling the one quiet longest, no other")
def t_notify_room(run):
    hooks = Hooks(run)
    ini, journal = webhook_rules(run, hooks, "room")
    t0 = time.time() - 600
    with open(journal, "w") as f:
        for i in range(20001):
            f.write(journal_line(t0 + i // 100, event="newCall", callId=f"r{i}", direction="in",
                                 **{"from": "49211123456"}, to="4921199999", rule="office",
                                 action="dial 4921112345601"))
    n = notify(run, ini)
    posts = hooks.wait(1, timeout=60)
    time.sleep(2)
    posts = hooks.posts()
    eq([json.loads(p["body"])["callId"] for p in posts], ["r0"], "the calls told")
    eq(json.loads(posts[0]["body"])["outcome"], "lost", "its outcome")
    eq(n.output().count("told as it stands"), 1, "calls told to make room:\n" + n.output()[-2000:])
    eq(n.stop(), 0, "--notify on SIGTERM")


@case("notify: TLS is verified, a redirect to another host is not followed")
def t_notify_tls_redirect(run):
    mailer = Mailer(run)
    d = run.unique("tls")
    os.makedirs(d)
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    tls = Hooks(run, extra=["--tls", cert, key])
    other = Hooks(run)
    redirect = Hooks(run, extra=["--redirect", f"http://localhost:{other.port}/elsewhere"])
    extra = f"""
[notify tls]
on = missed
webhook = https://127.0.0.1:{tls.port}/hook

[notify redirect]
on = missed
webhook = http://127.0.0.1:{redirect.port}/hook
"""
    ini, journal = setup(run, mailer, free_port(), retry="1s", extra=extra)
    n = notify(run, ini)
    Calls(run, ini, cgi=True).missed("t1")
    wait_for(lambda: n.output().count("status=given-up") >= 3, timeout=20, what="the posts given up")
    log = n.output()
    expect("notify=tls channel=webhook callId=t1 outcome=missed status=given-up" in log, log)
    expect("SSL peer certificate" in log or "certificate" in log.lower(), log)
    expect("notify=redirect channel=webhook callId=t1 outcome=missed status=given-up" in log and
           "redirected to another host" in log, log)
    eq(tls.posts(), [], "posts the TLS receiver took (its certificate is not trusted)")
    eq(other.posts(), [], "posts that followed the redirect")
    eq(len(redirect.failed()), 2, "posts to the redirecting receiver")


@case("notify: [notify] checked by --check with FILE:LINE; --notify without a journal refused")
def t_notify_check(run):
    bad = run.write("bad.ini", """[settings]
journal = calls.jsonl
public_url = https://example.com/cr
mail_from = a b c
notify_retry = 5x
digest_to = nobody
sendmail = sendmail

[rule a]
action = dial 4921112345

[notify x]
on = sometimes
mail = Anna <anna@example..com>
webhook = http://example.com/hook
direction = sideways
to = @nolist
when = nohours
colour = red

[notify y]
on = missed
""")
    r = subprocess.run([run.bin, "--config", bad, "--check"], capture_output=True, text=True)
    eq(r.returncode, 1, "--check of bad notify settings")
    want = [
        f"{bad}:4: mail_from: 'a b c': not an address local@domain",
        f"{bad}:5: notify_retry: bad wait '5x': a number with s, m or h, from 1s to 24h",
        f"{bad}:6: digest_to: 'nobody': not an address local@domain",
        f"{bad}:7: sendmail must be the absolute path of the MTA's sendmail program, not 'sendmail'",
        f"{bad}:13: unknown outcome 'sometimes' (missed, voicemail, answered or every)",
        f"{bad}:14: mail: 'Anna <anna@example..com>': the domain must be a host name (letters, digits, '-' in "
        "dotted labels)",
        f"{bad}:15: webhook 'http://example.com/hook': plain http:// only to a loopback address (127.0.0.1, "
        "[::1], localhost); use https://",
        f"{bad}:16: direction must be in, out or any, not 'sideways'",
        f"{bad}:17: unknown list 'nolist' (no [list nolist])",
        f"{bad}:18: unknown hours 'nohours' (no [hours nohours])",
        f"{bad}:19: unknown key 'colour' in [notify] (known: on, direction, to, when, mail, webhook)",
        f"{bad}:21: [notify y] has neither 'mail' nor 'webhook': nobody to tell",
    ]
    eq(r.stderr.splitlines(), want, "--check's problems")
    plain = run.write("plain.ini", "[rule a]\naction = dial 4921112345\n")
    r = subprocess.run([run.bin, "--config", plain, "--notify"], capture_output=True, text=True, timeout=10)
    eq(r.returncode, 1, "--notify without a journal")
    expect("keeps no journal ([settings] journal): nothing to follow" in r.stderr, r.stderr)
    for args, msg in ((["--state", "x"], "--state goes with --notify"), (["--once"], "--once goes with --notify"),
                      (["--mail"], "--mail goes with --digest"),
                      (["--notify", "--threads", "2"], "--threads does not go with --check, --test, --calls"),
                      (["--digest", "--socket-mode", "0660"], "--socket-mode does not go with --check"),
                      (["--notify", "--digest"], "exclude each other")):
        r = subprocess.run([run.bin, "--config", plain] + args, capture_output=True, text=True)
        eq(r.returncode, 2, f"{args}: exit code")
        expect(msg in r.stderr, r.stderr)
    # A broken state file stops --notify before it sends anything.
    good = run.write("good.ini", f"[settings]\njournal = {run.path('j.jsonl')}\npublic_url = {PUBLIC}\n[rule a]\naction = dial 4921112345\n"
                                 "[notify a]\non = missed\nmail = a@example.com\n")
    run.write("j.jsonl.notify-state", "callrouter-notify-state 1\nplace 1 2 3\nend\n")
    r = subprocess.run([run.bin, "--config", good, "--notify"], capture_output=True, text=True, timeout=10)
    eq(r.returncode, 1, "--notify with a broken state file")
    expect(f"{run.path('j.jsonl.notify-state')}:2: not a line of a state file" in r.stderr, r.stderr)


def journal_line(t, **fields):
    return json.dumps(dict({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))}, **fields)) + "\n"


def day_of_calls(journal, base):
    """A morning of calls: two missed (one called back), a voicemail, an answered, an
    outgoing call back; `base` is 08:00 local."""
    lines = [
        journal_line(base + 600, event="newCall", callId="d1", direction="in", **{"from": "49211123456"},
                     to="4921199999", rule="office", action="dial 4921112345601"),
        journal_line(base + 620, event="hangup", callId="d1", cause="cancel"),
        journal_line(base + 3700, event="newCall", callId="d2", direction="in", **{"from": "49211777777"},
                     to="4921199999", rule="office", action="dial 4921112345601"),
        journal_line(base + 3730, event="hangup", callId="d2", cause="busy"),
        journal_line(base + 3800, event="newCall", callId="d3", direction="in", **{"from": "49211888888"},
                     to="4921199999", rule="office", action="dial 4921112345601"),
        journal_line(base + 3805, event="answer", callId="d3", user="voicemail"),
        journal_line(base + 3860, event="hangup", callId="d3", cause="normalClearing"),
        journal_line(base + 3900, event="newCall", callId="d4", direction="in", **{"from": "49211999999"},
                     to="4921199999", rule="office", action="dial 4921112345601"),
        journal_line(base + 3910, event="answer", callId="d4", user="Anna", answeringNumber="4921112345601"),
        journal_line(base + 4000, event="hangup", callId="d4", cause="normalClearing"),
        journal_line(base + 5000, event="newCall", callId="d5", direction="out", **{"from": "4921112345601"},
                     to="49211123456", rule="none", action="pass"),
        journal_line(base + 5010, event="answer", callId="d5", user="Anna"),
        journal_line(base + 5100, event="hangup", callId="d5", cause="normalClearing"),
    ]
    with open(journal, "w") as f:
        f.writelines(lines)


@case("digest: calls by outcome, missed callers with their call back, calls by hour; mailed through the MTA")
def t_digest(run):
    mailer = Mailer(run)
    ini, journal = setup(run, mailer, free_port())
    text = open(ini).read().replace("notify_retry", "digest_to = Chefin <chefin@example.com>\nnotify_retry")
    open(ini, "w").write(text)
    # 2026-12-01 08:00 in Berlin is 07:00 UTC.
    base = 1796108400
    day_of_calls(journal, base)
    r = subprocess.run([run.bin, "--config", ini, "--digest", "--since", "2026-12-01", "--at", "2026-12-02 00:00"],
                       capture_output=True, text=True)
    eq(r.returncode, 0, "--digest: " + r.stderr)
    out = r.stdout
    for want in ("Calls from 2026-12-01 00:00 to 2026-12-02 00:00 (Europe/Berlin)", "Incoming calls: 4",
                 "  answered      1", "  voicemail     1", "  missed        2",
                 "Outgoing calls: 1 (1 answered)", "Calls not taken by a person: 3",
                 "2026-12-01 08:10  49211123456              to 4921199999       missed     called back "
                 "2026-12-01 09:23",
                 "2026-12-01 09:01  49211777777              to 4921199999       missed     not called back",
                 "2026-12-01 09:03  49211888888              to 4921199999       voicemail  not called back",
                 "1 of 3 called back", "  08:00     1 " + "#" * 14, "  09:00     3 " + "#" * 40):
        expect(want in out, f"{want!r} not in the digest:\n{out}")
    r = subprocess.run([run.bin, "--config", ini, "--digest", "--since", "2026-12-01", "--at", "2026-12-02 00:00",
                        "--mail"], capture_output=True, text=True)
    eq(r.returncode, 0, "--digest --mail: " + r.stderr)
    (m, rcpt), = mailer.wait(1)
    eq(rcpt, ["chefin@example.com"], "the digest's recipients")
    eq(str(m["Subject"]), "callrouter: 4 incoming calls, 2 missed, 1 to the voicemail (2026-12-01 00:00 to "
                          "2026-12-02 00:00)", "the digest's subject")
    expect("1 of 3 called back" in m.get_content(), m.get_content())
    # A journal not written yet (a fresh install, the timer's first morning): no calls, exit 0.
    fresh = run.write("fresh.ini", text.replace(journal, run.path("none-yet.jsonl")))
    r = subprocess.run([run.bin, "--config", fresh, "--digest"], capture_output=True, text=True)
    eq(r.returncode, 0, "--digest before the first call: " + r.stderr)
    expect("Incoming calls: 0" in r.stdout, r.stdout)
    r = subprocess.run([run.bin, "--config", fresh, "--metrics"], capture_output=True, text=True)
    eq(r.returncode, 0, "--metrics before the first call: " + r.stderr)
    expect("callrouter_calls_open 0" in r.stdout.splitlines(), r.stdout)
    plain = run.write("nodigest.ini", f"[settings]\njournal = {journal}\npublic_url = {PUBLIC}\n[rule a]\naction = dial 4921112345\n")
    r = subprocess.run([run.bin, "--config", plain, "--digest", "--mail"], capture_output=True, text=True)
    eq(r.returncode, 1, "--digest --mail without digest_to")
    expect("sets no digest_to" in r.stderr, r.stderr)


@case("metrics: --metrics from the journal; promtool check metrics accepts it")
def t_metrics(run):
    mailer = Mailer(run)
    ini, journal = setup(run, mailer, free_port())
    day_of_calls(journal, 1796108400)
    with open(journal, "a") as f:
        f.write("{torn\n")
    r = subprocess.run([run.bin, "--config", ini, "--metrics"], capture_output=True, text=True)
    eq(r.returncode, 0, "--metrics: " + r.stderr)
    out = r.stdout
    for want in ('callrouter_events_total{event="newCall",status="200"} 5',
                 'callrouter_events_total{event="hangup",status="200"} 5',
                 'callrouter_calls_total{rule="office",direction="in",outcome="missed"} 2',
                 'callrouter_calls_total{rule="office",direction="in",outcome="voicemail"} 1',
                 'callrouter_calls_total{rule="office",direction="in",outcome="answered"} 1',
                 'callrouter_ring_seconds_bucket{le="5"} 1', 'callrouter_ring_seconds_bucket{le="10"} 2',
                 'callrouter_ring_seconds_bucket{le="+Inf"} 4', "callrouter_ring_seconds_sum 65",
                 "callrouter_ring_seconds_count 4", "callrouter_journal_skipped_lines 1", "callrouter_calls_open 0",
                 "callrouter_journal_last_event_timestamp_seconds 1796113500"):
        expect(want in out.splitlines(), f"{want!r} not in:\n{out}")
    p = subprocess.run(["promtool", "check", "metrics"], input=out, capture_output=True, text=True)
    eq(p.returncode, 0, "promtool check metrics: " + p.stdout + p.stderr)


def units(run, ini, state_dir):
    """The shipped units of --notify, the digest and the metrics, their paths replaced
    by the run's: {name: (path of the copy, {key: [values]})}."""
    repl = [("/usr/local/sbin/callrouter", run.bin), ("/etc/callrouter/callrouter.ini", ini)]
    out = {}
    d = run.unique("units")
    os.makedirs(d)
    for name in ("callrouter-notify.service", "callrouter-digest.service", "callrouter-metrics.service",
                 "callrouter-digest.timer", "callrouter-metrics.timer"):
        text = shipped("etc/systemd/" + name)
        if name.endswith(".service"):
            text = substitute(text, repl, name)
        text = text.replace("/var/lib/callrouter-notify", state_dir).replace("/run/callrouter-metrics", state_dir)
        path = run.write(os.path.join(d, name), text)
        keys = {}
        for line in text.splitlines():
            if line and not line.startswith(("#", "[")) and "=" in line:
                k, _, v = line.partition("=")
                keys.setdefault(k, []).append(v)
        out[name] = (path, keys)
    return out


@case("notify systemd: the units of --notify, --digest and --metrics and their timers pass systemd-analyze "
      "verify and security; their ExecStart lines run as written: alerts, a digest mailed, a .prom file")
def t_notify_units(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    ini, journal = setup(run, mailer, hooks.port)
    text = open(ini).read().replace("notify_retry", "digest_to = chefin@example.com\nnotify_retry")
    open(ini, "w").write(text)
    state_dir = run.unique("state")
    os.makedirs(state_dir)
    u = units(run, ini, state_dir)
    sa = shutil.which("systemd-analyze")
    expect(sa, "systemd-analyze not installed (make deps installs systemd)")
    r = subprocess.run([sa, "verify", "--man=no"] + [p for p, _ in u.values()], capture_output=True, text=True)
    expect(r.returncode == 0 and not r.stderr.strip(), f"systemd-analyze verify: {r.stdout}{r.stderr}")
    # The drop-in for a local MTA verifies with the unit, and says how far it opens the sandbox.
    notify_path = u["callrouter-notify.service"][0]
    os.makedirs(notify_path + ".d")
    shutil.copy(os.path.join(ROOT, "etc", "systemd", "callrouter-notify-local-mta.conf"),
                os.path.join(notify_path + ".d", "local-mta.conf"))
    r = subprocess.run([sa, "verify", "--man=no", notify_path], capture_output=True, text=True)
    expect(r.returncode == 0 and not r.stderr.strip(), f"verify with the local-MTA drop-in: {r.stdout}{r.stderr}")

    def exposure(path):
        r = subprocess.run([sa, "security", "--offline=yes", "--no-pager", path], capture_output=True, text=True)
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
        return float(m.group(1)) if m else None

    with_dropin = exposure(notify_path)
    shutil.rmtree(notify_path + ".d")
    for name, bound in (("callrouter-notify.service", 2.0), ("callrouter-digest.service", 2.0),
                        ("callrouter-metrics.service", 1.0)):
        e = exposure(u[name][0])
        expect(e is not None and e <= bound, f"systemd-analyze security {name}: {e}, want <= {bound}")
    expect(with_dropin is not None and with_dropin <= 7.0, f"with the local-MTA drop-in: {with_dropin}")
    svc = u["callrouter-notify.service"][1]
    for key, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ReadOnlyPaths", "/var/lib/callrouter"),
                      ("DynamicUser", "yes"), ("User", "callrouter")):
        eq(svc.get(key), [want], key)
    eq(u["callrouter-metrics.service"][1].get("PrivateNetwork"), ["yes"], "metrics: PrivateNetwork")
    for timer in ("callrouter-digest.timer", "callrouter-metrics.timer"):
        expect("WantedBy" in u[timer][1], timer + " has no [Install]")

    # --notify as its unit runs it.
    for pre in svc["ExecStartPre"]:
        r = subprocess.run(pre.split(), capture_output=True, text=True)
        eq(r.returncode, 0, f"ExecStartPre {pre}: {r.stderr}")
    n = Process(run, svc["ExecStart"][0].split(), "notify")
    wait_for(lambda: "notify: following" in n.output() or not n.alive(), what="--notify to start")
    Calls(run, ini, cgi=True).missed("u1")
    mailer.wait(1)
    hooks.wait(1)
    expect(os.path.exists(os.path.join(state_dir, "notify.state")), "no state file in the state folder")
    r = subprocess.run(svc["ExecReload"][0].replace("$MAINPID", str(n.pid)).split(), capture_output=True, text=True)
    eq(r.returncode, 0, "ExecReload")
    wait_for(lambda: "loaded again" in n.output(), what="the rules loaded again on SIGHUP")
    eq(svc["KillSignal"], ["SIGTERM"], "KillSignal")
    stop_sec = int(svc["TimeoutStopSec"][0].rstrip("s"))
    eq(n.stop(signal.SIGTERM, timeout=stop_sec), 0, f"--notify on SIGTERM, within TimeoutStopSec={stop_sec}s")

    # The digest, mailed as its unit runs it.
    digest = u["callrouter-digest.service"][1]
    r = subprocess.run(digest["ExecStart"][0].split(), capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, "the digest's ExecStart: " + r.stderr)
    wait_for(lambda: any(rc == ["chefin@example.com"] for _, rc in mailer.raw()), what="the digest mail")

    # The metrics, written by rename as their unit runs them.
    metrics = u["callrouter-metrics.service"][1]
    cmd = metrics["ExecStart"][0]
    expect(cmd.startswith("/bin/sh -c '") and cmd.endswith("'"), cmd)
    r = subprocess.run(["/bin/sh", "-c", cmd[len("/bin/sh -c '"):-1]], capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, "the metrics' ExecStart: " + r.stderr)
    prom = os.path.join(state_dir, "callrouter.prom")
    with open(prom) as f:
        out = f.read()
    expect('callrouter_calls_total{rule="office",direction="in",outcome="missed"} 1' in out, out)
    p = subprocess.run(["promtool", "check", "metrics"], input=out, capture_output=True, text=True)
    eq(p.returncode, 0, "promtool: " + p.stdout + p.stderr)


@case("notify: the shipped etc/notify.ini checks, and alerts as it says through nginx (its paths replaced)")
def t_notify_example(run):
    mailer = Mailer(run)
    hooks = Hooks(run)
    journal = run.path("calls.jsonl")
    text = substitute(shipped("etc/notify.ini"), [
        ("/var/lib/callrouter/calls.jsonl", journal), ("sendmail = /usr/sbin/sendmail", "sendmail = " + mailer.sendmail),
        ("notify_retry = 10s 1m 5m 15m 30m 1h", "notify_retry = 1s"),
        ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
         f"http://127.0.0.1:{hooks.port}/slack")], "etc/notify.ini")
    ini = run.write("notify.ini", text)
    r = subprocess.run([run.bin, "--config", os.path.join(ROOT, "etc", "notify.ini"), "--check"], capture_output=True,
                       text=True)
    eq(r.returncode, 0, "--check of etc/notify.ini: " + r.stderr)
    # Whether the office is open now: the rule a call meets says it.
    r = subprocess.run([run.bin, "--config", ini, "--test", "from=0211123456&to=4921199999&direction=in"],
                       capture_output=True, text=True)
    open_now = "rule=office " in r.stderr
    n = notify(run, ini)
    calls = Calls(run, ini)
    calls.missed("e1")
    posts = hooks.wait(1)
    eq([p["path"] for p in posts], ["/slack"], "the chat's post")
    body = json.loads(posts[0]["body"])
    expect(body["text"].startswith("Missed call from 49211123456 to 4921199999 at "), body["text"])
    if open_now:
        (m, rcpt), = mailer.wait(1)
        eq(sorted(rcpt), ["anna@example.com", "juergen@example.com"], "the desks' mail")
    time.sleep(2)
    eq(len(mailer.raw()), 1 if open_now else 0, f"mails (office open now: {open_now})")
    eq(n.stop(), 0, "--notify on SIGTERM")
