"""Hostile rule files, as golden files: tests/config/NAME.ini beside
NAME.err, the exact output of `callrouter --check` for it (tests/config/README tells
the conventions). Each is refused as a whole, three ways through the real binary:
`--check` (exit 1, exactly the lines of NAME.err on stderr, nothing on stdout), CGI
(500, one text/plain line, each problem in the log) and FastCGI start (exit 1, each
problem in the log, "not started"). And a running FastCGI process that is handed each
of the rule files keeps its rules."""

import os
import shutil
import signal
import subprocess
import time

from fixtures import GOOD
from harness import ROOT, case, eq, expect, fcgi_request, log_lines_only, wait_for

CONFIG = os.path.join(ROOT, "tests", "config")
OK_RULE = "[rule ok]\naction = hangup\n"


def golden_names():
    """The cases of tests/config: one for each NAME.err."""
    return sorted(f[:-len(".err")] for f in os.listdir(CONFIG) if f.endswith(".err"))


def materialize(run, name):
    """Puts the case NAME into the run's folder; returns the path of its rule file.
    NAME.ini (a file): the rule file alone, as NAME.ini. NAME/ (a folder): its files
    together, the rule file NAME/rules.ini; an entry FILE.fifo there becomes a named
    pipe FILE, FILE.private the file FILE of mode 0600, FILE.public of mode 0644,
    FILE.writable of mode 0602 (a checkout's modes depend on its umask). Neither: the
    rule file NAME.ini does not exist."""
    flat = os.path.join(CONFIG, name + ".ini")
    folder = os.path.join(CONFIG, name)
    if os.path.isfile(flat):
        shutil.copyfile(flat, run.path(name + ".ini"))
        return run.path(name + ".ini")
    if os.path.isdir(folder):
        for entry in sorted(os.listdir(folder)):
            src = os.path.join(folder, entry)
            if entry.endswith(".fifo"):
                os.mkfifo(run.path(entry[:-len(".fifo")]))
            elif entry.endswith((".private", ".public", ".writable")):
                name_, suffix = entry.rsplit(".", 1)
                shutil.copyfile(src, run.path(name_))
                os.chmod(run.path(name_), {"private": 0o600, "public": 0o644, "writable": 0o602}[suffix])
            elif os.path.isdir(src):
                shutil.copytree(src, run.path(entry))
            else:
                shutil.copyfile(src, run.path(entry))
        return run.path("rules.ini")
    return run.path(name + ".ini")


def stable(run, text):
    """Output with the run's folder left out of every path: as NAME.err has it."""
    return text.replace(run.dir + "/", "")


def check_output(run, ini):
    """`callrouter --check` of a rule file: (exit code, stdout bytes, stderr as NAME.err has it).
    Each line names its file by the full path, and so does each "list file PATH": only
    the run's folder is left out."""
    r = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, timeout=20)
    raw = r.stderr.decode("utf-8", "replace")
    for line in raw.splitlines():
        expect(line.startswith(run.dir + "/"), f"--check: a line without the full path: {line[:300]!r}")
        expect("list file " not in line or "list file " + run.dir + "/" in line,
               f"--check: a list file without its full path: {line[:300]!r}")
    return r.returncode, r.stdout, stable(run, raw)


def golden_case(name):
    def fn(run):
        with open(os.path.join(CONFIG, name + ".err"), encoding="utf-8") as f:
            want = f.read()
        problems = len(want.splitlines())
        expect(problems > 0, f"{name}.err is empty")
        ini = materialize(run, name)
        # --check
        rc, out, err = check_output(run, ini)
        eq(rc, 1, "--check exit code")
        eq(out, b"", "--check stdout")
        expect(err == want, f"--check stderr:\n{err[:3000]}\nwant (tests/config/{name}.err):\n{want[:3000]}")
        # CGI: 500, and the reasons in the log
        rc, status, headers, body, log = run.cgi(GOOD, config=ini, exit_code=True)
        eq((rc, status), (0, 500), "CGI exit code and status")
        eq(body, "rule file cannot be loaded; see the server's error log\n", "CGI body")
        eq(headers.get("content-type"), "text/plain; charset=UTF-8", "CGI content type")
        log_lines_only(log, "CGI log")
        eq(len([l for l in log.splitlines() if "error: " + run.dir in l]), problems, "problems in the CGI log")
        # FastCGI start: exit 1
        sock = run.unique("s") + ".sock"
        r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + sock], capture_output=True, timeout=20)
        log = r.stderr.decode("utf-8", "replace")
        eq(r.returncode, 1, "FastCGI start exit code")
        log_lines_only(log, "FastCGI log")
        eq(len([l for l in log.splitlines() if "error: " + run.dir in l]), problems, "problems in the FastCGI log")
        expect("not started: the rule file does not load" in log, log[-1000:])
        expect(not os.path.exists(sock), "socket made by a process that did not start")
    return fn


for _name in golden_names():
    case("bad config: " + _name)(golden_case(_name))


@case("bad config: tests/config holds whole cases (each NAME.ini or NAME/ has its NAME.err)")
def _(run):
    names = set(golden_names())
    expect(len(names) >= 100, f"only {len(names)} golden files")
    for entry in sorted(os.listdir(CONFIG)):
        if entry in ("README", ".gitattributes") or entry.endswith(".err"):
            continue
        stem = entry[:-len(".ini")] if entry.endswith(".ini") else entry
        expect(stem in names, f"tests/config/{entry} has no {stem}.err")
        expect(entry.endswith(".ini") or os.path.isdir(os.path.join(CONFIG, entry)),
               f"tests/config/{entry}: neither NAME.ini nor a folder")


@case("bad config: an unreadable list file (as a user that cannot read it)")
def _(run):
    ini = run.write("rules.ini", "[list l]\nfile = l.txt\n" + OK_RULE)
    lst = run.write("l.txt", "4930123456\n")
    os.chmod(lst, 0)
    if os.geteuid() == 0:
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", run.bin]
    else:
        argv = [run.bin]
    r = subprocess.run(argv + ["--config", ini, "--check"], capture_output=True, text=True, timeout=20)
    eq(r.returncode, 1, "exit code")
    eq(r.stderr.splitlines(), [f"{ini}:2: list file {lst}: cannot open: Permission denied"])


@case("bad config: a running FastCGI process handed each bad file keeps its rules, one refusal each")
def _(run):
    ini = run.write("rules.ini", "[rule ok]\naction = dial 4930123456\n")
    crp = run.callrouter(ini)
    want = fcgi_request(crp.listen, GOOD)[2]
    expect("<Number>4930123456</Number>" in want, want)
    n = 0
    for name in golden_names():
        src = os.path.join(CONFIG, name + ".ini")
        if not os.path.isfile(src):
            continue  # the cases of a folder, and the missing rule file
        tmp = run.path("next.ini")
        shutil.copyfile(src, tmp)
        os.rename(tmp, ini)
        crp.send_signal(signal.SIGHUP)
        n += 1
        wait_for(lambda: crp.output().count("refused") == n, timeout=3, what=f"refusal of {name}")
        eq(fcgi_request(crp.listen, GOOD)[2], want, f"answer after {name}")
    time.sleep(0.6)
    eq(crp.output().count("refused"), n, "one refusal per bad file")
    log_lines_only(crp.output(), "callrouter log")
    expect(n >= 12, f"only {n} files tried")
