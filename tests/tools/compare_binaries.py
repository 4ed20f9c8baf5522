#!/usr/bin/env python3
"""Holds two builds of callrouter side by side: every message, exit code and answer must be
the same. For a reshape of the code that must not change behaviour (make the old binary
from the commit before it, e.g. `git worktree add /tmp/old HEAD~N && make -C /tmp/old`).

What is compared, each as its own case (stdout, stderr, exit status; times, dates, process
ids and the temporary folder masked):
- --check of every golden rule file (tests/config), every seed of the config fuzzer
  (tests/fuzz/corpus/config) and the sample rules (etc/);
- --test of generated requests (a fixed seed: the same requests every run) against the
  sample rules, the menu example and two rule files of this script, at several moments,
  with --query and --signature;
- the same requests as CGI (environment and stdin), with methods, content types, lengths,
  REMOTE_USER and X-Sipgate-Signature varied;
- --week (text and --html), --calls of a journal, and command lines that are usage errors.

usage: tests/tools/compare_binaries.py OLD NEW [--requests N] [--ignore REGEX]...
Prints one line per difference (the first 20 in full) and "N cases compared, M differ";
exits 1 when any differs."""

import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ callrouter\[\d+\]"), "TIME callrouter[PID]"),
    (re.compile(r"time=\d+\.\d+ms"), "time=Xms"),
    (re.compile(r"loaded in \d+\.\d+ ms"), "loaded in X ms"),
]

RULES_SIGNED = """[settings]
country_code = 49
signature = require
[rule all]
action = voicemail
"""

RULES_MIXED = """[settings]
country_code = 49
max_body = 300
require_user = sipgate
[list team]
numbers = 4921112345, 4930*
[hours office]
mon-fri = 09:00-17:00
closed = 2026-12-24
holidays = DE-NW
[rule team]
from = @team
diversion = 4989*
action = play https://example.com/a.wav then hangup
[rule out]
direction = out
action = dial $to
caller_id = 0211 999
[rule office]
when = office
action = dial 4915799912345 4915799912346
anonymous = true
[rule rest]
action = reject busy
"""


def mask(text, tmp):
    text = text.replace(tmp, "TMP")
    for rx, repl in MASKS:
        text = rx.sub(repl, text)
    return text


class Compare:
    def __init__(self, old, new, tmp, ignore=()):
        self.old, self.new, self.tmp = old, new, tmp
        self.ignore = [re.compile(rx) for rx in ignore]
        self.cases = 0
        self.diffs = []

    def drop(self, text):
        """`text` without the lines an --ignore pattern finds (an intended change)."""
        if not self.ignore:
            return text
        return "".join(line for line in text.splitlines(True) if not any(rx.search(line) for rx in self.ignore))

    def run(self, name, args, env=None, stdin=b""):
        outs = []
        for binary in (self.old, self.new):
            e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC"}
            e.update(env or {})
            r = subprocess.run([binary] + args, input=stdin, capture_output=True, env=e, timeout=30, cwd=self.tmp)
            outs.append((r.returncode, self.drop(mask(r.stdout.decode("utf-8", "replace"), self.tmp)),
                         self.drop(mask(r.stderr.decode("utf-8", "replace"), self.tmp))))
        self.cases += 1
        if outs[0] != outs[1]:
            self.diffs.append((name, args, outs))


def requests(rng, n):
    """n form bodies of the fields sipgate.io sends, good and bad."""
    numbers = ["492111234567", "4915791234567", "0211123456", "+49 30 123456", "anonymous", "", "123456e0",
               "4930123456", "4921112345", "49891234", "1a2b", "%2B4930123456", "9" * 21, "00492111234567"]
    events = [None, "newCall", "answer", "hangup", "dtmf", "bogus", ""]
    out = []
    for _ in range(n):
        f = []
        ev = rng.choice(events)
        if ev is not None:
            f.append(("event", ev))
        for k in ("from", "to"):
            if rng.random() < 0.9:
                f.append((k, rng.choice(numbers)))
        if rng.random() < 0.9:
            f.append(("direction", rng.choice(["in", "out", "IN", ""])))
        if rng.random() < 0.6:
            f.append(("callId", rng.choice(["c1", "c2", "x%0Ay", "abc"])))
        if rng.random() < 0.3:
            f.append(("diversion", rng.choice(numbers)))
        if rng.random() < 0.3:
            f.append(("user[]", rng.choice(["Alice", "Bj%C3%B6rn", "voicemail"])))
        if rng.random() < 0.2:
            f.append(("answeringNumber", rng.choice(numbers)))
        if rng.random() < 0.2:
            f.append(("cause", rng.choice(["normalClearing", "busy", "cancel"])))
        if rng.random() < 0.3:
            f.append(("dtmf", rng.choice(["1", "2", "", "1234", "9", "%23"])))
        if rng.random() < 0.1:
            f.append(rng.choice(f) if f else ("from", "1"))  # a repeated field
        rng.shuffle(f)
        body = "&".join(f"{k}={v}" for k, v in f)
        if rng.random() < 0.05:
            body += "&x=%zz"  # a bad escape
        out.append(body)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--ignore", action="append", default=[],
                    help="a regular expression: output lines it finds are left out of both (an intended change)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="callrouter-compare.")
    try:
        c = Compare(os.path.abspath(args.old), os.path.abspath(args.new), tmp, args.ignore)
        # --check of every rule file we have.
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "config", "*"))):
            if path.endswith((".err", "README")):
                continue
            ini = os.path.join(path, "rules.ini") if os.path.isdir(path) else path
            dest = os.path.join(tmp, "golden")
            shutil.rmtree(dest, ignore_errors=True)
            if os.path.isdir(path):
                shutil.copytree(path, dest, symlinks=True)
                ini = os.path.join(dest, "rules.ini")
            c.run("check " + os.path.basename(path), ["--config", ini, "--check"])
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "corpus", "config", "*"))):
            c.run("check corpus " + os.path.basename(path), ["--config", path, "--check"])
        for path in sorted(glob.glob(os.path.join(ROOT, "etc", "*.ini"))):
            c.run("check " + os.path.relpath(path, ROOT), ["--config", path, "--check"])

        journal = os.path.join(tmp, "calls.jsonl")
        with open(os.path.join(ROOT, "etc", "menu.ini")) as f:
            menu = f.read().replace("/var/lib/callrouter/calls.jsonl", journal)
        # Without its secret (a key older builds do not know): the menus as both builds read them.
        menu = re.sub(r"(?m)^secret = .*\n", "", menu)
        files = {"sample": os.path.join(ROOT, "etc", "callrouter.ini")}
        for name, text in (("menu", menu), ("signed", RULES_SIGNED), ("mixed", RULES_MIXED)):
            files[name] = os.path.join(tmp, name + ".ini")
            with open(files[name], "w") as f:
                f.write(text)
        with open(os.path.join(ROOT, "tests", "signature", "signed-body.txt"), "rb") as f:
            signed_body = f.read().decode()
        with open(os.path.join(ROOT, "tests", "signature", "signed-body.sig")) as f:
            signature = f.read().strip()

        rng = random.Random(20261207)
        moments = ["2026-11-30 10:00", "2026-12-24 10:00", "2026-12-25 03:00", "2026-03-29 02:30",
                   "2026-11-27T08:30Z", "2026-11-27T09:30+01:00", "bad time"]
        bodies = requests(rng, args.requests) + [signed_body]
        for i, body in enumerate(bodies):
            name = rng.choice(list(files))
            a = ["--config", files[name], "--test", body, "--at", rng.choice(moments)]
            if "dtmf" in body and rng.random() < 0.8:
                a += ["--query", rng.choice(["menu=main", "menu=support", "menu=gone", "x=1", "menu=%zz"])]
            if name == "signed" or rng.random() < 0.05:
                a += ["--signature", rng.choice([signature, "", "AAAA", "not base64!"])]
            c.run(f"test {i} {name}", a)
            # The same request as CGI, with the head varied.
            env = {"GATEWAY_INTERFACE": "CGI/1.1", "CALLROUTER_CONFIG": files[name],
                   "REQUEST_METHOD": rng.choice(["POST"] * 8 + ["GET", "PUT"]),
                   "CONTENT_TYPE": rng.choice(["application/x-www-form-urlencoded"] * 6 +
                                              ["text/plain", "application/x-www-form-urlencoded; charset=UTF-8"])}
            length = rng.choice([str(len(body.encode()))] * 6 + ["", "-1", "abc", "99999999999", str(len(body) + 5), None])
            if length is not None:
                env["CONTENT_LENGTH"] = length
            if rng.random() < 0.5:
                env["REMOTE_USER"] = rng.choice(["sipgate", "mallory", ""])
            if rng.random() < 0.3 or name == "signed":
                env["HTTP_X_SIPGATE_SIGNATURE"] = rng.choice([signature, "", "AAAA"])
            if rng.random() < 0.3:
                env["QUERY_STRING"] = rng.choice(["menu=main", "menu=support", ""])
            c.run(f"cgi {i} {name}", [], env=env, stdin=body.encode())

        with open(journal, "w") as f:
            f.write('{"time":"2026-11-27T08:59:58Z","event":"newCall","callId":"a","direction":"in",'
                    '"from":"49211123456","to":"4921199999","rule":"hotline","action":"menu main"}\n'
                    '{"time":"2026-11-27T09:00:05Z","event":"dtmf","callId":"a","menu":"main","dtmf":"2",'
                    '"choice":"2","action":"menu support"}\n'
                    'not json\n'
                    '{"time":"2026-11-27T09:00:21Z","event":"answer","callId":"a","user":"Bob",'
                    '"answeringNumber":"4921112345610"}\n'
                    '{"time":"2026-11-27T09:03:45Z","event":"hangup","callId":"a","cause":"normalClearing"}\n')
        c.run("calls", ["--config", files["menu"], "--calls", "--since", "2026-11-01"])
        c.run("calls bad since", ["--config", files["menu"], "--calls", "--since", "2026-13-01"])
        for name in ("sample", "mixed"):
            c.run(f"week {name}", ["--config", files[name], "--week", "2026-12-21", "--from", "8", "--to", "18"])
            c.run(f"week html {name}", ["--config", files[name], "--week", "2026-03-23", "--html"])
        for bad in (["--frobnicate"], ["--threads", "0"], ["--check", "--test", "x"], ["--at", "x"],
                    ["--from", "3"], ["--week", "2026-02-30"], ["--listen"], ["--config="], ["-h", "x"],
                    ["--version"], ["--help"], ["--since", "2026-01-01"], ["--week", "--to", "0"]):
            c.run("usage " + " ".join(bad), bad)

        for name, a, outs in c.diffs[:20]:
            print(f"DIFF {name}: {' '.join(a)[:200]}")
            for which, o in zip(("old", "new"), outs):
                print(f"  {which}: exit {o[0]}\n    stdout: {o[1][:400]!r}\n    stderr: {o[2][:600]!r}")
        for name, a, _ in c.diffs[20:]:
            print(f"DIFF {name} (not shown): {' '.join(a)[:200]}")
        print(f"{c.cases} cases compared, {len(c.diffs)} differ")
        return 1 if c.diffs else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
