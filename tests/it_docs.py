"""The documentation against the program: both man pages pass mandoc's lint and render
with groff without a warning; every option `callrouter --help` prints is described in
callrouter(8); every section, key, action and value the loader knows is described in
callrouter.ini(5), the lists taken from the binary's own error messages so that the test
follows the code; the README's tour answers as the README says."""

import os
import re
import shutil
import subprocess

from harness import ROOT, case, eq, expect

PAGE8 = os.path.join(ROOT, "doc", "callrouter.8")
PAGE5 = os.path.join(ROOT, "doc", "callrouter.ini.5")
SAMPLE = os.path.join(ROOT, "etc", "callrouter.ini")


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _plain(text):
    """man(7) source as text: escapes and font changes undone, quotes of macro arguments
    dropped."""
    for a, b in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\&", ""), ("\\e", "\\"),
                 ("\\c", "")):
        text = text.replace(a, b)
    return re.sub(r"\\f[BIRP]", "", text)


def _sections(path):
    """{.SH heading: [tag lines of its .TP paragraphs, as plain text]}"""
    out = {}
    lines = _read(path).splitlines()
    current = None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            current = _plain(line[4:]).strip().strip('"')
            out[current] = []
        elif current and re.match(r"\.TP\b", line) and i + 1 < len(lines):
            tag = re.sub(r"^\.(B|I|BR|RB|BI|IB|IR|RI)\s+", "", lines[i + 1])
            out[current].append(_plain(tag).replace('"', ""))
    return out


def _tokens(tags):
    return {t.strip(",:;.") for tag in tags for t in re.findall(r"[\w$@!.\[\]-]+", tag)}


def _check(run, text):
    """Runs --check on a rule file of this text; returns its stderr lines."""
    path = run.write("rules.ini", text)
    r = subprocess.run([run.bin, "--config", path, "--check"], capture_output=True, text=True)
    eq(r.returncode, 1, "--check of a bad rule file: " + r.stdout + r.stderr)
    return r.stderr.splitlines()


def _message(lines, pattern):
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return m
    raise AssertionError(f"no message matches {pattern!r} in: {lines}")


def _words(listing):
    """'a, b, c or d' -> [a, b, c, d]"""
    return [w.strip(" '") for w in re.split(r",\s*|\s+or\s+", listing) if w.strip(" '")]


@case("docs: mandoc -Tlint -Wwarning finds nothing in callrouter.8 and callrouter.ini.5")
def _(run):
    mandoc = shutil.which("mandoc")
    expect(mandoc, "mandoc not installed (make deps installs it)")
    for page in (PAGE8, PAGE5):
        r = subprocess.run([mandoc, "-Tlint", "-Wwarning", page], capture_output=True, text=True)
        eq((r.returncode, r.stdout + r.stderr), (0, ""), "mandoc -Tlint -Wwarning " + os.path.basename(page))


@case("docs: both man pages render with groff -man -Tutf8 -ww without a warning")
def _(run):
    groff = shutil.which("groff")
    expect(groff, "groff not installed (make deps installs groff-base)")
    for page in (PAGE8, PAGE5):
        r = subprocess.run([groff, "-man", "-Tutf8", "-ww", page], capture_output=True, text=True)
        eq((r.returncode, r.stderr), (0, ""), "groff " + os.path.basename(page))
        text = re.sub(".\b", "", r.stdout)  # bold and underline by overstrike
        expect("NAME" in text and "SEE ALSO" in text, "rendered page incomplete: " + page)


@case("docs: every option callrouter --help prints is described under OPTIONS in callrouter.8")
def _(run):
    r = subprocess.run([run.bin, "--help"], capture_output=True, text=True)
    eq(r.returncode, 0, "--help")
    options = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", r.stdout)))
    expect(len(options) >= 10, f"too few options in --help: {options}")
    described = _tokens(_sections(PAGE8).get("OPTIONS", []))
    missing = [o for o in options if o not in described]
    eq(missing, [], "options of --help without an entry under OPTIONS in callrouter.8")


@case("docs: every section and key the loader knows is described in its section of callrouter.ini.5")
def _(run):
    lines = _check(run, "[settings]\nfoo = 1\n[list l]\nnumbers = 1\nfoo = 1\n"
                        "[hours h]\nmon = 09:00-10:00\nfoo = 1\n[rule r]\naction = pass\nfoo = 1\n"
                        "[menu m]\nfoo = 1\n[notify n]\non = missed\nmail = a@example.com\nfoo = 1\n[nonsense x]\n"
                        "[switch s]\nfoo = 1\n[rota o]\nfoo = 1\n")
    known = {}
    for kind in ("settings", "list", "rule", "notify", "switch", "rota"):
        m = _message(lines, r"unknown key 'foo' in \[" + kind + r"[^\]]*\] \(known: ([^)]*)\)")
        known[kind] = _words(m.group(1))
    m = _message(lines, r"unknown key 'foo' in \[menu\] \(known: (.*), and the keys a caller types")
    known["menu"] = _words(m.group(1))
    m = _message(lines, r"unknown key 'foo' in \[hours [^\]]*\]: expected a day \(([^)]*)\), "
                        r"a day range such as (\S+), (.*)$")
    known["hours"] = m.group(1).split() + [m.group(2).rstrip(",")] + _words(m.group(3))
    m = _message(lines, r"unknown section .*; expected (.*)$")
    headings = _words(m.group(1))
    eq(headings, ["[settings]", "[list NAME]", "[hours NAME]", "[switch NAME]", "[rota NAME]", "[menu NAME]",
                  "[rule NAME]", "[notify NAME]"], "section kinds")

    sections = _sections(PAGE5)
    missing = [h for h in headings if h not in sections]
    eq(missing, [], "section kinds without a .SH in callrouter.ini.5")
    heading = {"settings": "[settings]", "list": "[list NAME]", "hours": "[hours NAME]",
               "menu": "[menu NAME]", "rule": "[rule NAME]", "notify": "[notify NAME]", "switch": "[switch NAME]",
               "rota": "[rota NAME]"}
    for kind, keys in known.items():
        expect(len(keys) >= (1 if kind == "switch" else 2), f"too few keys parsed for [{kind}]: {keys}")
        described = _tokens(sections[heading[kind]])
        missing = [k for k in keys if k not in described]
        eq(missing, [], f"keys of [{kind}] without an entry in its section of callrouter.ini.5")


@case("docs: every action, reject reason, log level and holiday region the loader knows is in callrouter.ini.5")
def _(run):
    lines = _check(run, "[settings]\nlog = foo\n[hours h]\nmon = 09:00-10:00\nholidays = XX\n"
                        "[rule a]\naction = frobnicate\n[rule b]\naction = reject foo\n")
    actions = _words(_message(lines, r"unknown action 'frobnicate' \(expected ([^)]*)\)").group(1))
    reasons = re.findall(r"'(\w+)'", _message(lines, r"reject takes nothing, (.*)$").group(1))
    levels = _words(_message(lines, r"log must be (.*), not 'foo'").group(1))
    m = _message(lines, r"unknown holiday region 'XX': expected (\S+) or \S+ for a state \(([^)]*)\)")
    regions = [m.group(1)] + ["DE-" + s for s in m.group(2).split()]
    expect(len(actions) >= 6 and len(reasons) >= 2 and len(levels) == 4 and len(regions) >= 17,
           f"parsed too little: {actions} {reasons} {levels} {regions}")

    sections = _sections(PAGE5)
    action_tags = sections.get("ACTIONS", [])
    missing = [a for a in actions if a not in _tokens(action_tags)]
    eq(missing, [], "actions without an entry under ACTIONS")
    missing = [r for r in reasons if not any("reject " + r in t for t in action_tags)]
    eq(missing, [], "reject reasons without an entry under ACTIONS")
    log_tag = [t for t in sections["[settings]"] if t.startswith("log ")]
    missing = [lv for lv in levels if lv not in _tokens(log_tag)]
    eq(missing, [], "log levels missing from the log entry of [settings]")
    missing = [g for g in regions if g not in _tokens(sections.get("PUBLIC HOLIDAYS", []))]
    eq(missing, [], "holiday regions without an entry under PUBLIC HOLIDAYS")


@case("docs: the README's tour answers as the README shows (--check line, --test trace)")
def _(run):
    readme = _read(os.path.join(ROOT, "README.md"))
    r = subprocess.run([run.bin, "--config", "etc/callrouter.ini", "--check"], capture_output=True, text=True,
                       cwd=ROOT)
    eq(r.returncode, 0, "--check of the sample")
    shown = re.search(r"^    (etc/callrouter\.ini: ok: [^\n]*?); loaded in", readme, re.M)
    expect(shown, "README shows no --check line")
    expect(r.stdout.startswith(shown.group(1) + "; loaded in "), f"--check says {r.stdout!r}")

    r = subprocess.run([run.bin, "--config", SAMPLE, "--test", "from=0211123456&to=4915791234567&direction=in",
                        "--at", "2026-11-30 10:00"], capture_output=True, text=True)
    eq(r.returncode, 0, "--test of the tour")
    trace = re.search(r"```\n(rule vip .*?)```", readme, re.S)
    expect(trace, "README shows no --test trace")
    strip_time = lambda s: re.sub(r" time=[\d.]+ms", "", s).strip()  # noqa: E731
    eq(strip_time(r.stderr), strip_time(trace.group(1)), "the trace of the README's --test")


@case("docs: what a package user reads is true: the unknown-key example is what the binary prints; no path of make "
      "install's without the package's; the example site and socket unit send package users nowhere wrong; every "
      "htpasswd file is made 0640")
def _(run):
    # The example message of callrouter.ini(5), DIAGNOSTICS, against the binary's own.
    page = _plain(_read(os.path.join(ROOT, "doc", "callrouter.ini.5")))
    m = re.search(r"^(rules\.ini:2: unknown key 'foo' in \[settings\] \(known:.*?\))$", page, re.M | re.S)
    expect(m, "no unknown-key example in callrouter.ini(5)")
    example = " ".join(m.group(1).split())
    ini = run.write("rules.ini", "[settings]\nfoo = 1\n")
    r = subprocess.run([run.bin, "--config", "rules.ini", "--check"], capture_output=True, text=True, cwd=run.dir)
    eq(example, r.stderr.strip(), "the example message against the binary's")
    # Each path of make install's (/usr/local/share/doc/callrouter) beside the package's.
    for name in ("callrouter.8", "callrouter.ini.5"):
        lines = _read(os.path.join(ROOT, "doc", name)).splitlines()
        for i, line in enumerate(lines):
            if "/usr/local/share/doc/callrouter" in line:
                near = "\n".join(lines[max(0, i - 6):i + 7])
                expect("/usr/share/doc/callrouter" in near or "/usr/share/callrouter" in near,
                       f"{name}:{i + 1} names make install's path alone: {line}")
    # The example site: package users are not told to install the snippet over the conffile.
    site = _read(os.path.join(ROOT, "nginx", "callrouter-server.conf"))
    header = site[:site.index("\nupstream")]
    expect(header.index("from the source tree") < header.index("install -m 644 nginx/callrouter-fastcgi.conf"),
           "the example site tells package users to install the snippet: " + header)
    # The socket unit: enable the installed units; its Apache line is the shipped one.
    unit = _read(os.path.join(ROOT, "etc", "systemd", "callrouter.socket"))
    expect(unit.index("systemctl enable --now callrouter.socket") < unit.index("/etc/systemd/system/"),
           "the socket unit's first word is to copy it into /etc/systemd/system")
    proxy = re.search(r'ProxyPass "([^"]+)"', _read(os.path.join(ROOT, "apache", "callrouter-proxy-fcgi.conf")))
    expect(proxy and proxy.group(1) in unit, "the socket unit's Apache line is not the shipped ProxyPass")
    # Every htpasswd file a recipe makes as root is made 0640 (a password file every
    # user may read is a password every user may try offline).
    for rel in ("doc/deploy.md", "nginx/callrouter-server.conf", "apache/callrouter-proxy-fcgi.conf",
                "apache/callrouter-fcgid.conf"):
        text = _read(os.path.join(ROOT, rel))
        for m in re.finditer(r"sudo htpasswd -c (\S+)", text):
            expect(f"chmod 640 {m.group(1)}" in text[m.end():m.end() + 400], f"{rel}: {m.group(1)} left 0644")
