"""The ways callrouter runs: FastCGI on fd 0 (spawn-fcgi, cgi-fcgi), on its own
unix or TCP socket, with threads; and the command line (--check, --test, --help)."""

import os
import shutil
import signal
import subprocess
import threading
import time

from harness import (FORM, Failure, FcgiClient, Process, case, curl, eq, expect, fcgi_params, fcgi_request,
                     free_port, wait_for)
from fixtures import DIAL_OFFICE, GOOD, RULES, XML, write_rules



def spawned(run):
    """callrouter started by spawn-fcgi (the socket on fd 0); returns the process and the socket's path."""
    ini = write_rules(run)
    sock = run.path("spawn.sock")
    p = Process(run, ["spawn-fcgi", "-n", "-s", sock, "--", run.bin, "--config", ini], "spawn-fcgi")
    wait_for(lambda: os.path.exists(sock), what="spawn-fcgi socket")
    return p, sock


@case("fastcgi: spawn-fcgi passes the socket on fd 0")
def _(run):
    p, sock = spawned(run)
    s, h, b = fcgi_request("unix:" + sock, GOOD)
    eq(s, 200)
    eq(b, DIAL_OFFICE)
    eq(p.stop(), 0, "exit code after SIGTERM")


@case("fastcgi: cgi-fcgi -bind -connect to a spawn-fcgi'd process")
def _(run):
    _, sock = spawned(run)
    env = dict(os.environ, REQUEST_METHOD="POST", CONTENT_TYPE=FORM, CONTENT_LENGTH=str(len(GOOD)))
    r = subprocess.run(["cgi-fcgi", "-bind", "-connect", sock], input=GOOD.encode(), env=env,
                       capture_output=True, timeout=10)
    out = r.stdout.decode()
    expect(out.startswith("Status: 200 OK\r\n"), out)
    expect(out.endswith(DIAL_OFFICE), out)


@case("fastcgi: nginx in front of spawn-fcgi")
def _(run):
    _, sock = spawned(run)
    ng, port = run.nginx(sock)
    s, h, b = curl(f"http://127.0.0.1:{port}/", data=GOOD, headers=["Content-Type: " + FORM])
    eq((s, h.get("content-type"), b), (200, XML, DIAL_OFFICE))


@case("fastcgi: --listen unix:PATH, socket mode 0660, removed at exit")
def _(run):
    cr = run.callrouter(write_rules(run))
    path = cr.listen[5:]
    eq(oct(os.stat(path).st_mode & 0o777), "0o660", "socket mode")
    eq(fcgi_request(cr.listen, GOOD)[2], DIAL_OFFICE)
    eq(cr.stop(), 0)
    expect(not os.path.exists(path), "socket file left behind")


@case("fastcgi: --socket-mode 0600")
def _(run):
    cr = run.callrouter(write_rules(run), extra=["--socket-mode", "0600"])
    eq(oct(os.stat(cr.listen[5:]).st_mode & 0o777), "0o600", "socket mode")


@case("fastcgi: --listen refuses a socket that is in use")
def _(run):
    cr = run.callrouter(write_rules(run))
    r = subprocess.run([run.bin, "--config", write_rules(run), "--listen", cr.listen], capture_output=True,
                       text=True, timeout=10)
    eq(r.returncode, 1)
    expect("in use" in r.stderr, r.stderr)
    eq(fcgi_request(cr.listen, GOOD)[0], 200, "first process still serves")


@case("fastcgi: --listen unix: takes over a stale socket file")
def _(run):
    import socket as so
    path = run.path("stale.sock")
    s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
    s.bind(path)
    s.close()
    cr = run.callrouter(write_rules(run), listen="unix:" + path)
    eq(fcgi_request(cr.listen, GOOD)[0], 200)


@case("fastcgi: --listen 127.0.0.1:PORT")
def _(run):
    port = free_port()
    cr = run.callrouter(write_rules(run), listen=f"127.0.0.1:{port}")
    eq(fcgi_request(f"127.0.0.1:{port}", GOOD)[2], DIAL_OFFICE)


@case("fastcgi: --listen PORT binds 127.0.0.1 only")
def _(run):
    port = free_port()
    cr = run.callrouter(write_rules(run), listen=str(port))
    eq(fcgi_request(f"127.0.0.1:{port}", GOOD)[0], 200)
    # /proc/net/tcp lists the listening socket with its local address in hex.
    want = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    listening = [r[1] for r in rows if r[3] == "0A" and r[1].endswith(f":{port:04X}")]
    eq(listening, [want], "listening addresses")


@case("fastcgi: --listen [::1]:PORT")
def _(run):
    import socket as so
    try:
        t = so.socket(so.AF_INET6, so.SOCK_STREAM)
        t.bind(("::1", 0))
        t.close()
    except OSError:
        return  # no IPv6 loopback on this machine: nothing to test
    port = free_port()
    cr = run.callrouter(write_rules(run), listen=f"[::1]:{port}")
    c = so.create_connection(("::1", port), timeout=5)
    c.close()


@case("fastcgi: --threads 8 answers 64 concurrent requests")
def _(run):
    cr = run.callrouter(write_rules(run), threads=8)
    results = []
    lock = threading.Lock()

    def one():
        try:
            r = fcgi_request(cr.listen, GOOD)
        except Exception as e:  # recorded, then checked below
            r = (0, {}, str(e))
        with lock:
            results.append(r)

    ts = [threading.Thread(target=one) for _ in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    eq(len(results), 64)
    bad = [r for r in results if r[0] != 200 or r[2] != DIAL_OFFICE]
    eq(bad, [], "failed answers")


@case("fastcgi: a slow request does not hold up the other threads")
def _(run):
    cr = run.callrouter(write_rules(run), threads=2)
    slow = FcgiClient(cr.listen)
    slow.begin(fcgi_params(GOOD.encode()))
    slow.send(GOOD[:10].encode())
    t0 = time.monotonic()
    eq(fcgi_request(cr.listen, GOOD)[0], 200, "other request")
    expect(time.monotonic() - t0 < 2, "other request waited for the slow one")
    slow.send(GOOD[10:].encode())
    slow.end()
    eq(slow.answer()[2], DIAL_OFFICE)


@case("fastcgi: a client that hangs up halfway leaves the process serving")
def _(run):
    cr = run.callrouter(write_rules(run), threads=1)
    for _ in range(3):
        c = FcgiClient(cr.listen)
        c.begin(fcgi_params(GOOD.encode()))
        c.send(GOOD[:5].encode())
        c.close()
    eq(fcgi_request(cr.listen, GOOD)[2], DIAL_OFFICE)
    expect(cr.alive(), "process died")
    # Each connection is its own: a cut one's line may come after the next one's answer.
    wait_for(lambda: cr.output().count("body shorter than Content-Length") == 3, timeout=3,
             what="the three cut requests' log lines")


@case("fastcgi: a client that hangs up before the answer is written (SIGPIPE) is harmless")
def _(run):
    cr = run.callrouter(write_rules(run), threads=1)
    for _ in range(20):
        c = FcgiClient(cr.listen)
        c.begin(fcgi_params(GOOD.encode()))
        c.send(GOOD.encode())
        c.end()
        c.sock.shutdown(2)
        c.close()
    eq(fcgi_request(cr.listen, GOOD)[2], DIAL_OFFICE)
    expect(cr.alive(), "process died")


@case("fastcgi: a rule file that does not load stops the start, exit 1")
def _(run):
    ini = run.write("bad.ini", "[rule x]\naction = dial\n")
    r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + run.path("x.sock")], capture_output=True,
                       text=True, timeout=10)
    eq(r.returncode, 1)
    expect("bad.ini:2: dial takes 1 to 5 numbers, not 0" in r.stderr, r.stderr)


@case("fastcgi: one log line per request with event, direction, from, to, rule, action, time")
def _(run):
    cr = run.callrouter(write_rules(run))
    fcgi_request(cr.listen, GOOD)
    fcgi_request(cr.listen, "from=%0A%1b[31m&to=1&direction=in")
    fcgi_request(cr.listen, "event=hangup&callId=c%0Ad&cause=busy")
    time.sleep(0.1)
    lines = [l for l in cr.output().splitlines() if "status=" in l]
    eq(len(lines), 3, "log lines")
    expect("status=200 event=newCall direction=in from=492111234567 to=4921112345 rule=office "
           'action="dial 4915799912345 4915799912346" time=' in lines[0], lines[0])
    expect(r"from=\x0a\x1b[31m" in lines[1] and "status=400" in lines[1], lines[1])
    expect(r"callId=c\x0ad" in lines[2] and "event=hangup" in lines[2], lines[2])


@case("fastcgi: log = warn drops request lines, log = debug adds the rules tried")
def _(run):
    ini = run.write("warn.ini", RULES.replace("[settings]", "[settings]\nlog = warn"))
    cr = run.callrouter(ini)
    fcgi_request(cr.listen, GOOD)
    ini2 = run.write("debug.ini", RULES.replace("[settings]", "[settings]\nlog = debug"))
    cr2 = run.callrouter(ini2)
    fcgi_request(cr2.listen, GOOD)
    time.sleep(0.1)
    expect("status=" not in cr.output(), cr.output())
    out = cr2.output()
    expect("rule vip (line" in out and "rule office (line" in out and "status=200" in out, out)


# --- the command line ------------------------------------------------------

def cli(run, *args):
    r = subprocess.run([run.bin] + list(args), capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout, r.stderr


@case("cli: --check on a good file prints one summary line, exit 0")
def _(run):
    rc, out, err = cli(run, "--config", write_rules(run), "--check")
    eq(rc, 0)
    eq(len(out.splitlines()), 1)
    expect(": ok: 4 rules, 1 lists (1 entries)" in out, out)


@case("cli: --check on a bad file prints FILE:LINE per problem, exit 1")
def _(run):
    ini = run.write("bad.ini", "[settings]\ncountry_code = 049\n[rule a]\nfrom = @nolist\naction = ring\n"
                               "[rule a]\naction = pass\n[bogus]\n")
    rc, out, err = cli(run, "--config", ini, "--check")
    eq(rc, 1)
    want = [f"{ini}:2: country_code must be 1 to 3 digits, not starting with 0 (e.g. 49), not '049'",
            f"{ini}:4: unknown list 'nolist' (no [list nolist])",
            f"{ini}:5: unknown action 'ring' (expected dial, voicemail, play, reject, hangup, pass, menu or switch)",
            f"{ini}:6: duplicate section [rule a] (first at line 3)",
            f"{ini}:8: unknown section '[bogus]'; expected [settings], [list NAME], [hours NAME], [switch NAME], [rota NAME], [menu NAME], [rule NAME] or [notify NAME]"]
    eq(err.splitlines(), want)


@case("cli: --check on the shipped etc/callrouter.ini")
def _(run):
    from harness import ROOT
    rc, out, err = cli(run, "--config", os.path.join(ROOT, "etc", "callrouter.ini"), "--check")
    eq(rc, 0, err)


@case("cli: config from $CALLROUTER_CONFIG")
def _(run):
    r = subprocess.run([run.bin, "--check"], capture_output=True, text=True,
                       env=dict(os.environ, CALLROUTER_CONFIG=write_rules(run)))
    eq(r.returncode, 0, r.stderr)
    expect("rules.ini: ok" in r.stdout, r.stdout)


@case("cli: --test prints the XML on stdout and the rules tried on stderr")
def _(run):
    rc, out, err = cli(run, "--config", write_rules(run), "--test", GOOD)
    eq(rc, 0)
    eq(out, DIAL_OFFICE)
    lines = err.splitlines()
    expect(lines[0].startswith("rule vip (line ") and "no match: from 492111234567 is not in '@vip'" in lines[0],
           lines[0])
    expect("rule spam" in lines[1] and "no match" in lines[1], lines[1])
    expect("rule office" in lines[2] and "match -> dial 4915799912345 4915799912346" in lines[2], lines[2])
    expect(lines[3].startswith("status=200 event=newCall"), lines[3])


@case("cli: --test with no matching rule says so")
def _(run):
    rc, out, err = cli(run, "--config", write_rules(run), "--test",
                       "from=492111234567&to=4915791234567&direction=in")
    eq(rc, 0)
    expect("no rule matched" in err, err)
    expect("<Response/>" in out, out)


@case("cli: --test with a bad body exits 1 with the reason")
def _(run):
    rc, out, err = cli(run, "--config", write_rules(run), "--test", "from=%zz")
    eq(rc, 1)
    expect("status=400" in err and "bad %-escape" in err, err)


@case("cli: --help and --version exit 0; unknown argument exits 2")
def _(run):
    rc, out, err = cli(run, "--help")
    eq(rc, 0)
    expect("usage: callrouter" in out and "--listen ADDR" in out, out)
    rc, out, err = cli(run, "--version")
    eq(rc, 0)
    expect(out.startswith("callrouter "), out)
    rc, out, err = cli(run, "--frobnicate")
    eq(rc, 2)
    expect("unknown argument '--frobnicate'" in err, err)
    rc, out, err = cli(run, "--threads", "0")
    eq(rc, 2)


def make_run(run, ini, body):
    """nginx/run-local.sh (what make run starts) serving `ini`: the seed's curl with `body`
    answers XML; Ctrl-C (SIGINT to the whole process group) ends it with exit 0 within
    15 s and leaves no process. Returns the run's output."""
    from harness import ROOT
    port = free_port()
    p = subprocess.Popen([os.path.join(ROOT, "nginx", "run-local.sh"), run.bin, ini, str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: _listening(port), timeout=10, what="make run's nginx")
        s, h, b = curl(f"http://localhost:{port}", data=body)
        eq(s, 200)
        eq(h.get("content-type"), XML)
        expect(b.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Response'), b)
        # Ctrl-C: SIGINT to the whole foreground process group.
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            raise AssertionError("make run still running 15 s after Ctrl-C")
        out = p.stdout.read().decode()
        eq(p.returncode, 0, "make run's exit status after Ctrl-C: " + out[-600:])
        expect("stopped" in out, out)
        # Exited processes may linger as zombies until their parent reaps them.
        def group_empty():
            ps = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(p.pid)], capture_output=True,
                                text=True).stdout
            return all(line.split()[1].startswith("Z") for line in ps.splitlines() if line.strip())
        wait_for(group_empty, timeout=5, what="no live process left in the group")
        expect(not _listening(port), "port still open")
        return out
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


@case("make run: serves the seed curl through nginx; Ctrl-C exits 0 and leaves no process behind")
def _(run):
    from harness import ROOT
    make_run(run, os.path.join(ROOT, "etc", "callrouter.ini"), "from=492111234567&to=4915791234567&direction=in")


@case("make run with a journal (etc/menu.ini): Ctrl-C exits 0 within 15 s, the call's line on disk")
def _(run):
    from harness import ROOT
    journal = run.path("calls.jsonl")
    with open(os.path.join(ROOT, "etc", "menu.ini")) as f:
        text = f.read()
    expect("journal = /var/lib/callrouter/calls.jsonl" in text, "etc/menu.ini: no journal line; update the test")
    ini = run.write("menu.ini", text.replace("/var/lib/callrouter/calls.jsonl", journal))
    expect("\nsecret = secret\n" in text, "etc/menu.ini: no secret line; update the test")
    os.chmod(run.write("secret", "a-secret-of-the-test-of-make-run-0123456789\n"), 0o640)
    make_run(run, ini, "event=newCall&callId=makerun&from=492111234567&to=4915791234567&direction=in")
    with open(journal) as f:
        lines = f.read().splitlines()
    expect(len(lines) == 1 and '"callId":"makerun"' in lines[0], f"journal: {lines}")


@case("make: makes etc/secret once, mode 0640, 32 random bytes in base64, and keeps it ever after")
def _(run):
    from harness import ROOT
    # The Makefile in a folder of its own (with what it includes), so that the
    # checkout's etc/secret is left alone.
    for d in ("etc", "mk", "src", "tests/unit"):
        os.makedirs(run.path(d))
    shutil.copy(os.path.join(ROOT, "Makefile"), run.path("Makefile"))
    for f in os.listdir(os.path.join(ROOT, "mk")):
        if f.endswith(".mk"):
            shutil.copy(os.path.join(ROOT, "mk", f), run.path("mk/" + f))
    make = ["make", "--no-print-directory", "-C", run.dir, "etc/secret"]
    r = subprocess.run(make, capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, r.stderr)
    secret = run.path("etc/secret")
    st = os.stat(secret)
    eq(oct(st.st_mode & 0o777), oct(0o640), "the secret's mode")
    with open(secret) as f:
        first = f.read()
    import base64
    eq(len(base64.b64decode(first.strip(), validate=True)), 32, "bytes of the secret")
    r = subprocess.run(make, capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, r.stderr)
    with open(secret) as f:
        eq(f.read(), first, "the secret after a second make")
    # What make makes, the loader takes.
    ini = run.write("rules.ini", "[settings]\nsecret = etc/secret\n[rule r]\naction = hangup\n")
    rc, out, err = cli(run, "--config", ini, "--check")
    eq(rc, 0, err)


def _listening(port):
    import socket as so
    try:
        with so.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@case("cgi: a journal that cannot be written is said by each CGI request, as its own call, without 'said once' "
      "(a CGI process answers one request)")
def _(run):
    ini = run.write("rules.ini", "[settings]\ncountry_code = 49\npublic_url = https://example.com/cr\n"
                                 f"journal = {run.path('no/such/folder/calls.jsonl')}\n[rule r]\naction = voicemail\n")
    for i in range(2):
        st, _, body, err = run.cgi(f"event=newCall&callId=j{i}&from=0211123456&to=4921199999&direction=in",
                                   config=ini)
        eq(st, 200, err)
        expect("<Voicemail/>" in body, body)
        expect("cannot append" in err and "; this call is answered but not recorded" in err, err)
        expect("said once" not in err, "CGI says 'said once' in every process: " + err)


@case("journal warning where it means something: rules whose journal folder is missing: --test, --week and --calls "
      "print nothing of it; --check and a FastCGI process say it; /var/lib/callrouter before the service first "
      "starts is said as no fault; an unwritable folder is said as such")
def _(run):
    journal = os.path.join(run.path("state"), "calls.jsonl")
    ini = run.write("rules.ini", "[settings]\ncountry_code = 49\npublic_url = https://example.com/cr\n"
                                 f"journal = {journal}\n[rule r]\naction = voicemail\n")
    for argv in (["--test", "from=0211123456&to=4921199999&direction=in"], ["--week", "2026-12-07"]):
        r = subprocess.run([run.bin, "--config", ini] + argv, capture_output=True, text=True)
        eq(r.returncode, 0, r.stderr)
        expect("journal" not in "\n".join(l for l in r.stderr.splitlines() if "warning" in l),
               f"{argv[0]} warns of the journal: {r.stderr}")
    r = subprocess.run([run.bin, "--config", ini, "--calls"], capture_output=True, text=True)
    expect("warning" not in r.stderr, "--calls: " + r.stderr)
    r = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    eq(r.stderr, f"{ini}:4: warning: journal {journal}: cannot write in {os.path.dirname(journal)} (No such file or "
                 "directory); calls are answered, but not recorded\n", "--check")
    cr = run.callrouter(ini)
    wait_for(lambda: "cannot write in" in cr.output(), timeout=5, what="the FastCGI process's warning")
    # The package's state folder before the service first started: no fault, said so.
    if not os.path.exists("/var/lib/callrouter"):
        state = run.write("state.ini", "[settings]\npublic_url = https://example.com/cr\n"
                                       "journal = /var/lib/callrouter/calls.jsonl\n[rule r]\naction = voicemail\n")
        r = subprocess.run([run.bin, "--config", state, "--check"], capture_output=True, text=True)
        eq(r.stderr, f"{state}:3: warning: journal /var/lib/callrouter/calls.jsonl: no folder /var/lib/callrouter yet: "
                     "calls are recorded once it is there (callrouter.service has systemd make it when it starts); "
                     "until then they are answered, but not recorded\n", "--check before the service started")
    # A folder that is there but not writable (for the user that runs --check: nobody
    # when the test runs as root, who may write anywhere).
    os.makedirs(os.path.dirname(journal), mode=0o555)
    os.chmod(run.dir, 0o755)
    os.chmod(ini, 0o644)
    as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    r = subprocess.run(as_user + [run.bin, "--config", ini, "--check"], capture_output=True, text=True)
    eq(r.stderr, f"{ini}:4: warning: journal {journal}: cannot write in {os.path.dirname(journal)} (Permission "
                 "denied); calls are answered, but not recorded\n", "--check of an unwritable folder")
