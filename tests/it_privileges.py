"""Least privilege: --user (the ids, the groups, the capabilities, the socket's owner
and mode, reloads as that user, in CGI mode too), the root warning without it, and
nothing in src that runs a program or takes a format from data."""

import os
import pwd
import re
import signal
import subprocess

from fixtures import GOOD, TEAM, TEAM_RULES
from harness import FORM, ROOT, case, eq, expect, fcgi_request, free_port, replace, wait_for


def proc_ids(pid):
    with open(f"/proc/{pid}/status") as f:
        st = f.read()
    get = lambda k: re.search(rf"^{k}:\s*(.*)$", st, re.M).group(1).split()  # noqa: E731
    return get("Uid"), get("Gid"), get("Groups"), get("CapEff")[0]


@case("privileges: --user nobody serves as nobody:nogroup, gives it the socket, cannot regain root")
def _(run):
    if os.geteuid() != 0:
        r = subprocess.run([run.bin, "--config", run.write("rules.ini", TEAM_RULES.format(action="hangup")),
                            "--listen", "unix:" + run.path("s.sock"), "--user", "root"], capture_output=True,
                           text=True, timeout=10)
        eq(r.returncode, 1, "exit code as a user")
        return
    ini = run.write("rules.ini", TEAM_RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini, extra=["--user", "nobody"])
    nobody = pwd.getpwnam("nobody")
    uid, gid = str(nobody.pw_uid), str(nobody.pw_gid)
    uids, gids, groups, cap = proc_ids(crp.pid)
    eq(uids, [uid] * 4, "real, effective, saved and fs uid")
    eq(gids, [gid] * 4, "real, effective, saved and fs gid")
    expect("0" not in groups, f"supplementary groups {groups}")
    eq(int(cap, 16), 0, "effective capabilities")
    st = os.stat(crp.listen[5:])
    eq((st.st_uid, st.st_gid, oct(st.st_mode & 0o777)), (nobody.pw_uid, nobody.pw_gid, "0o660"), "socket")
    eq(fcgi_request(crp.listen, GOOD)[0], 200, "answer")
    out = crp.output()
    expect(f"running as user nobody (uid {uid}, gid {gid})" in out, out)
    expect("running as root" not in out, "root warning given with --user")
    # Reloads happen as nobody: a file only root can read is refused.
    os.chmod(ini, 0o600)
    replace(run, "rules.ini", TEAM_RULES.format(action="voicemail"))
    os.chmod(ini, 0o600)
    crp.send_signal(signal.SIGHUP)
    wait_for(lambda: "refused" in crp.output(), timeout=3, what="refusal")
    expect("Permission denied" in crp.output(), crp.output()[-800:])
    expect("<Hangup/>" in fcgi_request(crp.listen, GOOD)[2], "last good rules")


@case("privileges: --user with a unix socket and --socket-mode 0600")
def _(run):
    if os.geteuid() != 0:
        return
    run.write("team.txt", TEAM)
    crp = run.callrouter(run.write("rules.ini", TEAM_RULES.format(action="hangup")),
                         extra=["--user", "nobody", "--socket-mode", "0600"])
    st = os.stat(crp.listen[5:])
    eq((pwd.getpwuid(st.st_uid).pw_name, oct(st.st_mode & 0o777)), ("nobody", "0o600"))
    eq(fcgi_request(crp.listen, GOOD)[0], 200)


@case("privileges: --user on TCP switches before the first request")
def _(run):
    if os.geteuid() != 0:
        return
    run.write("team.txt", TEAM)
    port = free_port()
    crp = run.callrouter(run.write("rules.ini", TEAM_RULES.format(action="hangup")), listen=f"127.0.0.1:{port}",
                         extra=["--user", "nobody"])
    eq(proc_ids(crp.pid)[0][1], str(pwd.getpwnam("nobody").pw_uid), "euid")
    eq(fcgi_request(f"127.0.0.1:{port}", GOOD)[0], 200)
    out = crp.output()
    expect(out.index("running as user nobody") < out.index("serving FastCGI"), out)


@case("privileges: --user refuses an unknown user and root (the socket's file removed again), and goes not with --check")
def _(run):
    ini = run.write("rules.ini", TEAM_RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    for user, msg in (("no-such-user-here", "no such user"), ("root", "that is root")):
        sock = run.unique("s") + ".sock"
        r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + sock, "--user", user],
                           capture_output=True, text=True, timeout=10)
        eq(r.returncode, 1, f"--user {user}: exit code")
        expect(msg in r.stderr and "not started" in r.stderr, r.stderr)
        # It was bound before the user was looked up: a failed start removes it, as a stop does.
        expect(not os.path.exists(sock), f"--user {user}: the socket file {sock} is left behind")
    r = subprocess.run([run.bin, "--config", ini, "--check", "--user", "nobody"], capture_output=True, text=True,
                       timeout=10)
    eq(r.returncode, 2, "--check --user: exit code")
    r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + run.path("x.sock"), "--user"],
                       capture_output=True, text=True, timeout=10)
    eq(r.returncode, 2, "--user without a name: exit code")


@case("privileges: as root without --user: serves, and warns once")
def _(run):
    ini = run.write("rules.ini", TEAM_RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    crp = run.callrouter(ini)
    for _ in range(10):
        eq(fcgi_request(crp.listen, GOOD)[0], 200)
    crp.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload on SIGHUP" in crp.output(), what="reload")
    warnings = crp.output().count("warn: running as root: give --user NAME")
    eq(warnings, 1 if os.geteuid() == 0 else 0, "root warnings")
    rc, status, _, _, err = run.cgi(GOOD, config=ini, exit_code=True)
    eq((rc, status), (0, 200))
    eq(err.count("running as root"), 1 if os.geteuid() == 0 else 0, "CGI root warnings")


@case("privileges: --user in CGI mode switches before the request")
def _(run):
    if os.geteuid() != 0:
        return
    ini = run.write("rules.ini", TEAM_RULES.format(action="hangup"))
    run.write("team.txt", TEAM)
    import subprocess as sp
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST", "CONTENT_TYPE": FORM,
           "CONTENT_LENGTH": str(len(GOOD)), "CALLROUTER_CONFIG": ini}
    r = sp.run([run.bin, "--user", "nobody"], input=GOOD.encode(), env=env, capture_output=True, timeout=10)
    expect(r.stdout.startswith(b"Status: 200 OK"), r.stdout[:200])
    err = r.stderr.decode()
    expect("running as user nobody" in err and "running as root" not in err, err)
    os.chmod(ini, 0o600)
    r = sp.run([run.bin, "--user", "nobody"], input=GOOD.encode(), env=env, capture_output=True, timeout=10)
    expect(r.stdout.startswith(b"Status: 500"), r.stdout[:200])
    expect("Permission denied" in r.stderr.decode(), r.stderr.decode())


def format_calls(text):
    """(function, format argument) of every printf-family call in C++ source text."""
    pos = {"printf": 0, "fprintf": 1, "dprintf": 1, "sprintf": 1, "snprintf": 2, "syslog": 1, "vsnprintf": 2,
           "vfprintf": 1, "vprintf": 0, "strftime": 2}
    for m in re.finditer(r"\b(" + "|".join(pos) + r")\s*\(", text):
        args, depth, cur, i = [], 0, "", m.end()
        while i < len(text):
            c = text[i]
            if c == '"':  # a string literal, with escapes
                j = i + 1
                while text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                cur += text[i:j + 1]
                i = j + 1
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    args.append(cur.strip())
                    break
                depth -= 1
            elif c == "," and depth == 0:
                args.append(cur.strip())
                cur = ""
                i += 1
                continue
            cur += c
            i += 1
        n = pos[m.group(1)]
        yield m.group(1), args[n] if n < len(args) else ""


@case("privileges: nothing in src runs a shell or takes a format from data; the one program run is --notify's "
      "sendmail (argv, no shell); dlopen opens libcrypto.so.3, libcurl.so.4 and libical.so.3 by their fixed names")
def _(run):
    src = os.path.join(ROOT, "src")
    bad = re.compile(r"\b(system|popen|execl|execlp|execle|execv|execvp|execve|fork|vfork|posix_spawn|dlopen)\s*\(")
    # What may run or open: the one dlopen (base/library.cpp), whose callers name the
    # library by a literal; --notify's sendmail, forked and exec'd with an argv of its
    # own (notify/mail.cpp), which the answering process never reaches (make layers:
    # nothing of fastcgi/, cgi/ or webhook/ includes notify/).
    allowed = {
        "base/library.cpp": [re.compile(r"^\s*handle_ = ::dlopen\(soname, RTLD_NOW \| RTLD_LOCAL\);$")],
        "notify/mail.cpp": [re.compile(r"^\s*const pid_t pid = ::fork\(\);$"),
                            re.compile(r"^\s*::execve\(sendmail\.c_str\(\), const_cast<char\* const\*>\(argv\), "
                                       r"const_cast<char\* const\*>\(envp\)\);$")],
    }
    opens = {"signature/crypto.cpp": 'lib.open("libcrypto.so.3", ', "notify/post.cpp": 'lib.open("libcurl.so.4", ',
             "time/ical.cpp": 'lib.open("libical.so.3", '}
    used = {}
    calls = 0
    names = sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs)
    expect("static/icu-stub.c" in names, "the walk misses src/static/")
    for name in names:
        with open(os.path.join(src, name)) as f:
            text = f.read()
        for n, line in enumerate(text.splitlines(), 1):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', line).split("//")[0]
            if any(a.match(line) for a in allowed.get(name, [])):
                used[name] = used.get(name, 0) + 1
                continue
            expect(not bad.search(code), f"src/{name}:{n}: runs a program: {line.strip()}")
            if "lib.open(" in code:
                expect(name in opens and opens[name] in line, f"src/{name}:{n}: a library opened by another name")
                used[name] = used.get(name, 0) + 1
        for fn, fmt in format_calls(text):
            calls += 1
            expect(fmt.startswith('"') or fmt == "kUsage", f"src/{name}: {fn} with a format that is not a literal: {fmt}")
    eq(used, {"base/library.cpp": 1, "notify/mail.cpp": 2, "signature/crypto.cpp": 1, "notify/post.cpp": 1,
              "time/ical.cpp": 1},
       "the one dlopen, the fork and exec of sendmail, and the libraries opened by name")
    for layer in ("fastcgi", "cgi", "webhook", "rules", "journal"):
        for name in names:
            if name.startswith(layer + "/"):
                with open(os.path.join(src, name)) as f:
                    expect('#include "notify/' not in f.read(), f"src/{name} includes from notify/")
    expect(calls > 5, f"only {calls} format calls found: the check is broken")
