"""Hostile rule files (issue 5, item 2): each is refused as a whole with the right
FILE:LINE: message, three ways through the real binary: `--check` (exit 1, exactly these
lines on stderr, nothing on stdout), CGI (500, one text/plain line, each problem in the
log) and FastCGI start (exit 1, each problem in the log, "not started"). And a running
FastCGI process that is handed the same file keeps its rules."""

import os
import signal
import stat
import subprocess

from fixtures import GOOD
from harness import case, eq, expect, fcgi_request, log_lines_only, wait_for

OK_RULE = "[rule ok]\naction = hangup\n"

# name, files ({name: text or bytes; "rules.ini" is the rule file; a value of None makes a
# directory, "fifo" a named pipe}), expected problems: (file, line or None, message).
# "{dir}" in a message stands for the test's folder.
CASES = []


def C(name, files, *problems):
    if isinstance(files, (str, bytes)):
        files = {"rules.ini": files}
    CASES.append((name, files, problems))


R = "rules.ini"

# --- every problem class of SPEC section 5 ---
C("unknown section", "[rules x]\naction = hangup\n" + OK_RULE,
  (R, 1, "unknown section '[rules x]'; expected [settings], [list NAME], [hours NAME] or [rule NAME]"))
C("unknown key in a rule", "[rule a]\nform = 4930123456\naction = hangup\n",
  (R, 2, "unknown key 'form' in [rule] (known: direction, from, to, diversion, when, action, caller_id, anonymous)"))
C("unknown key in [settings]", "[settings]\ncountry = 49\n" + OK_RULE,
  (R, 2, "unknown key 'country' in [settings] (known: country_code, timezone, max_body, require_user, log)"))
C("unknown key in a list", "[list l]\nnumber = 4930123456\n" + OK_RULE,
  (R, 1, "[list l] has neither 'numbers' nor 'file'"),
  (R, 2, "unknown key 'number' in [list] (known: numbers, file)"))
C("unknown action", "[rule a]\naction = ring 4930123456\n",
  (R, 2, "unknown action 'ring' (expected dial, voicemail, play, reject, hangup or pass)"))
C("bad number in from", "[rule a]\nfrom = 49abc\naction = hangup\n",
  (R, 2, "bad number pattern '49abc': not a number"))
C("bad number in dial", "[rule a]\naction = dial 4930x\n", (R, 2, "dial: '4930x': not a number"))
C("a number of 21 digits", "[rule a]\nto = 123456789012345678901\naction = hangup\n",
  (R, 2, "bad number pattern '123456789012345678901': more than 20 digits"))
C("'*' inside a pattern", "[rule a]\nfrom = 49*30\naction = hangup\n",
  (R, 2, "bad number pattern '49*30': '*' may only end a pattern"))
C("national number without country_code", "[rule a]\nfrom = 0211 123456\naction = hangup\n",
  (R, 2, "bad number pattern '0211 123456': national number (leading 0) but no country_code is set"))
C("@name naming no list", "[rule a]\nfrom = @vip\naction = hangup\n", (R, 2, "unknown list 'vip' (no [list vip])"))
C("a list that includes a list", "[list a]\nnumbers = 4930123456, @b\n[list b]\nnumbers = 1\n" + OK_RULE,
  (R, 2, "a list cannot include another list (@b)"))
C("when naming no hours", "[rule a]\nwhen = !office\naction = hangup\n",
  (R, 2, "unknown hours 'office' (no [hours office])"))
C("more than 5 numbers", "[rule a]\naction = dial 1 2 3 4 5 6\n", (R, 2, "dial takes 1 to 5 numbers, not 6"))
C("dial without a number", "[rule a]\naction = dial\n", (R, 2, "dial takes 1 to 5 numbers, not 0"))
C("a URL that is not http(s)", "[rule a]\naction = play ftp://example.com/a.wav\n",
  (R, 2, "play: 'ftp://example.com/a.wav' is not an http:// or https:// URL"))
C("a URL with a space-less quote", "[rule a]\naction = play https://example.com/a\"b.wav\n",
  (R, 2, "play: 'https://example.com/a\"b.wav' is not an http:// or https:// URL"))
C("then after something that is not play", "[rule a]\naction = hangup then voicemail\n",
  (R, 2, "only 'play URL' may be followed by 'then'"))
C("reject with an unknown reason", "[rule a]\naction = reject later\n", (R, 2, "reject takes nothing, 'busy' or 'rejected'"))
C("a time range that does not parse", "[hours h]\nmon = 9-17\n[rule a]\nwhen = h\naction = hangup\n",
  (R, 1, "[hours h] is empty: give day keys such as mon-fri = 09:00-17:00"),
  (R, 2, "bad time range '9-17': bad time '9': expected HH:MM"))
C("a bad time 25:00", "[hours h]\nmon = 09:00-25:00\ntue = 10:00-12:00\n[rule a]\nwhen = h\naction = hangup\n",
  (R, 2, "bad time range '09:00-25:00': bad time '25:00': hours run from 00 to 23 (24:00 may end a range)"))
C("a bad date 2026-02-30", "[hours h]\nmon = 09:00-17:00\nclosed = 2026-02-30\n" + OK_RULE,
  (R, 3, "bad date '2026-02-30': February 2026 has 28 days"))
C("an unknown holiday region", "[hours h]\nmon = 09:00-17:00\nholidays = DE-XX\n" + OK_RULE,
  (R, 3, "unknown holiday region 'DE-XX': expected DE or DE-XX for a state (BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH)"))
C("a day set twice", "[hours h]\nmon-fri = 09:00-17:00\nwed = 10:00-11:00\n" + OK_RULE,
  (R, 3, "wed already set on line 2 (by 'mon-fri')"))
C("an unknown time zone", "[settings]\ntimezone = Mars/Olympus\n" + OK_RULE,
  (R, 2, "unknown time zone 'Mars/Olympus' (no such zone in /usr/share/zoneinfo)"))
C("a time zone that is a path", "[settings]\ntimezone = ../../../etc/passwd\n" + OK_RULE,
  (R, 2, "unknown time zone '../../../etc/passwd' (not an IANA name like Europe/Berlin)"))
C("country_code with a leading 0", "[settings]\ncountry_code = 049\n" + OK_RULE,
  (R, 2, "country_code must be 1 to 3 digits, not starting with 0 (e.g. 49), not '049'"))
C("max_body too small", "[settings]\nmax_body = 10\n" + OK_RULE,
  (R, 2, "max_body must be a number of bytes from 64 to 1048576, not '10'"))
C("max_body huge", "[settings]\nmax_body = 99999999999\n" + OK_RULE,
  (R, 2, "max_body must be a number of bytes from 64 to 1048576, not '99999999999'"))
C("an unknown log level", "[settings]\nlog = verbose\n" + OK_RULE,
  (R, 2, "log must be error, warn, info or debug, not 'verbose'"))
C("require_user with a space", "[settings]\nrequire_user = sip gate\n" + OK_RULE,
  (R, 2, "require_user must be one user name, not 'sip gate'"))
C("direction sideways", "[rule a]\ndirection = sideways\naction = hangup\n",
  (R, 2, "direction must be 'in' or 'out', not 'sideways'"))
C("anonymous maybe", "[rule a]\naction = dial 4930123456\nanonymous = maybe\n",
  (R, 3, "anonymous must be 'true' or 'false', not 'maybe'"))
C("caller_id on a reject", "[rule a]\naction = reject\ncaller_id = 4930123456\n",
  (R, 3, "caller_id and anonymous apply only to 'dial' and 'voicemail'"))
C("a rule without action", "[rule a]\nfrom = 4930123456\n", (R, 1, "[rule a] has no 'action'"))

# --- names and keys given twice ---
C("a rule name given twice", OK_RULE + "[rule ok]\naction = pass\n", (R, 3, "duplicate section [rule ok] (first at line 1)"))
C("a list name given twice", "[list l]\nnumbers = 1\n[list l]\nnumbers = 2\n" + OK_RULE,
  (R, 3, "duplicate section [list l] (first at line 1)"))
C("an hours name given twice", "[hours h]\nmon = 09:00-17:00\n[hours h]\ntue = 09:00-17:00\n" + OK_RULE,
  (R, 3, "duplicate section [hours h] (first at line 1)"))
C("[settings] given twice", "[settings]\nlog = info\n[settings]\nlog = warn\n" + OK_RULE,
  (R, 3, "duplicate section [settings] (first at line 1)"))
C("a key given twice in a rule", "[rule a]\naction = hangup\naction = pass\n",
  (R, 3, "duplicate key 'action' (first at line 2)"))
C("a key given twice in [settings]", "[settings]\ncountry_code = 49\ncountry_code = 43\n" + OK_RULE,
  (R, 3, "duplicate key 'country_code' (first at line 2)"))
C("a bad section name", "[rule a b!]\naction = hangup\n" + OK_RULE,
  (R, 1, "[rule NAME]: bad or missing name 'a b!' (letters, digits, '_', '-', '.')"))

# --- lexical garbage ---
LONG = "line longer than 198 characters; continue a list on indented lines, or use a list file"
NUL = "line holds a NUL byte (is this a text file?)"
C("a 1 MB line", "[rule a]\naction = dial 4930123456\nfrom = " + "1," * 500000 + "\n", (R, 3, LONG))
C("binary garbage with NUL bytes: the first 50 problems, then a count", bytes(range(256)) * 400,
  *[(R, n, NUL) for n in range(1, 51)], (R, None, "351 more problems"))
C("binary garbage without NUL bytes", bytes([0xff, 0xfe, 0x80, 0x1b]) * 1000 + b"\n[rule a]\naction = hangup\n",
  (R, 1, LONG))
C("a NUL byte in a line", b"[rule a]\naction = hangup\x00 then\n", (R, 1, "[rule a] has no 'action'"), (R, 2, NUL))
C("a section header without ']'", "[rule a\naction = hangup\n", (R, 1, "section header without ']'"))
C("a key outside any section", "action = hangup\n" + OK_RULE, (R, 1, "key 'action' outside any section"))
C("a line without '='", "[rule a]\naction = hangup\njust words\n", (R, 3, "expected 'key = value', found 'just words'"))
C("an indented key under another", "[rule a]\nfrom = 4930123456\n  action = hangup\n", (R, 1, "[rule a] has no 'action'"),
  (R, 3, "indented line continues the value of 'from'; remove the indentation to start a new key"))
C("an empty file", "", (R, 1, "no sections: the rule file is empty"))
C("a file of comments only", "; nothing\n# here\n", (R, 2, "no sections: the rule file is empty"))
C("a file without rules", "[settings]\ncountry_code = 49\n", (R, 2, "no [rule NAME] section: nothing to answer with"))

# --- the rule file and list files themselves ---
C("the rule file missing", {}, (R, None, "cannot open: No such file or directory"))
C("the rule file is a directory", {R: None}, (R, None, "not a regular file"))
C("a list file missing", "[list l]\nfile = missing.txt\n" + OK_RULE,
  (R, 2, "list file {dir}/missing.txt: cannot open: No such file or directory"))
C("a list file that is a directory", {R: "[list l]\nfile = sub\n" + OK_RULE, "sub": None},
  (R, 2, "list file {dir}/sub: not a regular file"))
C("a list file that is a named pipe", {R: "[list l]\nfile = pipe\n" + OK_RULE, "pipe": "fifo"},
  (R, 2, "list file {dir}/pipe: not a regular file"))
C("a list file with a bad entry on line 4",
  {R: "[settings]\ncountry_code = 49\n[list l]\nfile = l.txt\n" + OK_RULE, "l.txt": "# team\n4930123456\n\n49x1\n"},
  ("l.txt", 4, "bad number pattern '49x1': not a number"))
C("a list file with bad entries on lines 2 and 5",
  {R: "[list l]\nfile = l.txt\n" + OK_RULE, "l.txt": "1\n0211 1\n3\n4\n+49 (30) 12 x\n"},
  ("l.txt", 2, "bad number pattern '0211 1': national number (leading 0) but no country_code is set"),
  ("l.txt", 5, "bad number pattern '+49 (30) 12 x': not a number"))
C("a list file of binary garbage", {R: "[list l]\nfile = l.bin\n" + OK_RULE, "l.bin": b"\x00\xff\xfe\n\x80"},
  ("l.bin", 1, "bad number pattern '\\x00\\xff\\xfe': not a number"), ("l.bin", 2, "bad number pattern '\\x80': not a number"))


def unreadable_applies():
    return os.geteuid() != 0


def make_files(run, files):
    for name, text in files.items():
        p = run.path(name)
        if text is None:
            os.mkdir(p)
        elif text == "fifo":
            os.mkfifo(p)
        else:
            run.write(p, text, "wb" if isinstance(text, bytes) else "w")
    return run.path(R)


def expected_lines(run, problems):
    out = []
    for f, line, msg in problems:
        where = run.path(f) + (f":{line}" if line is not None else "")
        out.append((where + ":", msg.replace("{dir}", run.dir) if msg else None))
    return out


def matches(lines, want):
    """Each wanted (prefix, message) is one line, in order, and nothing else is there."""
    if len(lines) != len(want):
        return False
    for line, (prefix, msg) in zip(lines, want):
        if not line.startswith(prefix + " ") and not (msg is None and line.startswith(prefix)):
            return False
        if msg is not None and line != prefix + " " + msg:
            return False
    return True


def in_log(log, want):
    """Each problem is in the log, escaped, on a line of its own."""
    for prefix, msg in want:
        needle = prefix + (" " + msg if msg else "")
        needle = needle.encode().decode("unicode_escape") if "\\x" in needle else needle
        expect(any(needle.replace("\\", "\\\\") in l or needle in l for l in log.splitlines()),
               f"log lacks {needle!r}:\n{log[-2000:]}")


def bad_config_case(files, problems):
    def fn(run):
        ini = make_files(run, files)
        want = expected_lines(run, problems)
        # --check
        r = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, timeout=20)
        err = r.stderr.decode("utf-8", "replace")
        eq(r.returncode, 1, "--check exit code")
        eq(r.stdout, b"", "--check stdout")
        expect(matches(err.splitlines(), want),
               "--check stderr:\n" + err[:3000] + "\nwant:\n" + "\n".join(f"{p} {m}" for p, m in want))
        # CGI: 500, and the reasons in the log
        rc, status, headers, body, log = run.cgi(GOOD, config=ini, exit_code=True)
        eq((rc, status), (0, 500), "CGI exit code and status")
        eq(body, "rule file cannot be loaded; see the server's error log\n", "CGI body")
        eq(headers.get("content-type"), "text/plain; charset=UTF-8", "CGI content type")
        log_lines_only(log, "CGI log")
        eq(len([l for l in log.splitlines() if "error: " + run.dir in l]), len(want), "problems in the CGI log")
        # FastCGI start: exit 1
        sock = run.unique("s") + ".sock"
        r = subprocess.run([run.bin, "--config", ini, "--listen", "unix:" + sock], capture_output=True, timeout=20)
        log = r.stderr.decode("utf-8", "replace")
        eq(r.returncode, 1, "FastCGI start exit code")
        log_lines_only(log, "FastCGI log")
        eq(len([l for l in log.splitlines() if "error: " + run.dir in l]), len(want), "problems in the FastCGI log")
        expect("not started: the rule file does not load" in log, log[-1000:])
        expect(not os.path.exists(sock), "socket made by a process that did not start")
    return fn


for _name, _files, _problems in CASES:
    case("bad config: " + _name)(bad_config_case(_files, _problems))


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
    import time
    want = fcgi_request(crp.listen, GOOD)[2]
    expect("<Number>4930123456</Number>" in want, want)
    n = 0
    for name, files, problems in CASES[:12] + [c for c in CASES if "binary" in c[0] or "1 MB" in c[0]]:
        if R not in files or not isinstance(files[R], (str, bytes)) or len(files) > 1:
            continue
        tmp = run.path("next.ini")
        run.write(tmp, files[R], "wb" if isinstance(files[R], bytes) else "w")
        os.rename(tmp, ini)
        crp.send_signal(signal.SIGHUP)
        n += 1
        wait_for(lambda: crp.output().count("refused") == n, timeout=3, what=f"refusal of {name!r}")
        eq(fcgi_request(crp.listen, GOOD)[2], want, f"answer after {name!r}")
    time.sleep(0.6)
    eq(crp.output().count("refused"), n, "one refusal per bad file")
    log_lines_only(crp.output(), "callrouter log")
    expect(n >= 12, f"only {n} files tried")
