"""--week: the table of the sample rules in Christmas week 2026 against a model of the sample's
hours computed here and against --test --at of the same binary; a DST week in Europe/Berlin;
--from/--to; usage and rule file errors; the --html page, parsed here and rendered by a real
headless chromium (its DOM and a screenshot)."""

import datetime
import html.parser
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import zlib
from zoneinfo import ZoneInfo

from harness import ROOT, case, eq, expect

SAMPLE = os.path.join(ROOT, "etc", "callrouter.ini")
CALL = "from=0211123456&to=4915791234567&direction=in"  # an ordinary caller to the office

# The office hours of the sample (etc/callrouter.ini), written out here independently of
# the program: minutes open per weekday (Monday 0), the closed date and the holidays.
OPEN = {0: [(540, 750), (810, 1020)], 1: [(540, 750), (810, 1020)], 2: [(540, 750), (810, 1020)],
        3: [(540, 750), (810, 1020)], 4: [(540, 840)]}
CLOSED = {datetime.date(2026, 12, 24): "office: closed 2026-12-24 (line 28)",
          datetime.date(2026, 12, 25): "office: holiday DE-NW 1. Weihnachtstag",
          datetime.date(2026, 12, 26): "office: holiday DE-NW 2. Weihnachtstag"}
CHRISTMAS = datetime.date(2026, 12, 21)


def sample_rule(day, minute):
    """The rule of the sample an ordinary incoming call to the office meets."""
    if day in CLOSED:
        return "closed"
    return "office" if any(a <= minute < b for a, b in OPEN.get(day.weekday(), [])) else "closed"


def week(run, *args, config=SAMPLE, code=0):
    r = subprocess.run([run.bin, "--config", config, "--week", *args], capture_output=True, text=True, timeout=60)
    eq(r.returncode, code, "exit status of --week " + " ".join(args) + ": " + r.stderr)
    return r


def table(text):
    """{'HH:MM': [cell of each day]} and the header's day labels, from the terminal table."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("time "))
    days = re.findall(r"\w{3} \d\d-\d\d(?: \*)?", lines[head])
    rows = {}
    for line in lines[head + 1:]:
        if not re.match(r"\d\d:\d\d  ", line):
            break
        rows[line[:5]] = [line[7 + 12 * i:7 + 12 * i + 11].strip() for i in range(7)]
    return days, rows


def oracle(run, day, clock):
    """The rule --test names for the ordinary call at that wall-clock time."""
    r = subprocess.run([run.bin, "--config", SAMPLE, "--test", CALL, "--at", f"{day} {clock}"],
                       capture_output=True, text=True, timeout=20)
    m = re.search(r"^status=200 .* rule=(\S+) ", r.stderr, re.M)
    expect(m, f"--test at {day} {clock}: {r.stderr}")
    return m.group(1)


@case("week: Christmas week 2026 of the sample rules names the closed day and holidays, 12:30 and 13:30 rows")
def _(run):
    out = week(run, "2026-12-21").stdout
    days, rows = table(out)
    eq(days, ["Mon 12-21", "Tue 12-22", "Wed 12-23", "Thu 12-24 *", "Fri 12-25 *", "Sat 12-26 *", "Sun 12-27"],
       "day headers")
    expect(out.startswith("callrouter --week: " + SAMPLE + ", 2026-12-21 to 2026-12-27, 00:00-24:00, "
                          "time zone Europe/Berlin\n"), "title line: " + out[:200])
    # Every hour, and the minutes where Monday to Wednesday change.
    want_rows = sorted([f"{h:02}:00" for h in range(24)] + ["12:30", "13:30"])
    eq(sorted(rows), want_rows, "rows")
    for clock, cells in rows.items():
        minute = int(clock[:2]) * 60 + int(clock[3:])
        want = [sample_rule(CHRISTMAS + datetime.timedelta(days=i), minute) for i in range(7)]
        eq(cells, want, "row " + clock)
    for line in ("10:00  office      office      office      closed      closed      closed      closed",
                 "12:30  closed      closed      closed      closed      closed      closed      closed",
                 "13:30  office      office      office      closed      closed      closed      closed"):
        expect("\n" + line + "\n" in out, "no line " + repr(line) + " in:\n" + out)
    for day, note in CLOSED.items():
        line = f"* {day.strftime('%a')} {day}: {note}"
        expect("\n" + line + "\n" in out, "no note " + repr(line) + " in:\n" + out)
    expect("  office (line 48): direction in, to 4915791234567, when office\n"
           "      -> dial 4921112345601 4921112345602 4921112345603\n" in out, "legend of office:\n" + out)
    expect("  vip (line 31): direction in, from @vip\n" in out, "the rules for particular callers:\n" + out)
    widest = max(len(line) for line in out.splitlines() if re.match(r"time |\d\d:\d\d  ", line))
    expect(widest <= 100, f"a row of the table of {widest} columns")


@case("week: each cell of Christmas week is what --test --at answers at that time and a minute before the next row")
def _(run):
    _, rows = table(week(run, "2026-12-21").stdout)
    starts = sorted(rows)
    for i in range(7):
        day = CHRISTMAS + datetime.timedelta(days=i)
        for j, clock in enumerate(starts):
            eq(oracle(run, day, clock), rows[clock][i], f"{day} {clock}")
            nxt = starts[j + 1] if j + 1 < len(starts) else "24:00"
            end = int(nxt[:2]) * 60 + int(nxt[3:]) - 1
            if day.weekday() < 3 and clock in ("12:00", "13:00", "16:00"):
                last = f"{end // 60:02}:{end % 60:02}"
                eq(oracle(run, day, last), rows[clock][i], f"{day} {last}")


DST_RULES = """[settings]
timezone = Europe/Berlin
[hours night]
sun = 02:30-04:00
[rule night]
direction = in
when = night
action = reject
[rule day]
direction = in
action = voicemail
"""


@case("week: DST weeks in Europe/Berlin: 2027-03-28 skips 02:00-03:00, 2026-10-25 has it twice")
def _(run):
    ini = run.write("dst.ini", DST_RULES)
    out = week(run, "2027-03-28", "--from", "1", "--to", "5", config=ini).stdout
    days, rows = table(out)
    eq(days[0], "Sun 03-28", "first day")
    eq(sorted(rows), ["01:00", "02:00", "03:00", "04:00"], "rows of the spring week")
    eq(rows["02:00"][0], "-- skipped", "02:00 on 2027-03-28")
    eq(rows["03:00"][0], "night", "03:00 on 2027-03-28")
    eq(rows["04:00"][0], "day", "04:00 on 2027-03-28")
    eq(rows["02:00"][1:], ["day"] * 6, "02:00 on the other days")
    expect("\n-- skipped: the clock jumps over this time that day (daylight saving time begins)\n" in out,
           "the skipped hour explained:\n" + out)

    out = week(run, "2026-10-25", "--from", "1", "--to", "5", config=ini).stdout
    days, rows = table(out)
    eq(sorted(rows), ["01:00", "02:00", "02:30", "03:00", "04:00"], "rows of the autumn week")
    eq([rows[c][0] for c in sorted(rows)], ["day", "day 2x", "night 2x", "night", "day"], "2026-10-25")
    eq(rows["02:30"][1:], ["day"] * 6, "02:30 on the other days")
    expect("\n2x: this time happens twice that day" in out, "the repeated hour explained:\n" + out)
    # Both 02:30s answer as the table says.
    for at in ("2026-10-25T02:45+02:00", "2026-10-25T02:45+01:00"):
        r = subprocess.run([run.bin, "--config", ini, "--test", "from=492111234567&to=492111234567&direction=in",
                            "--at", at], capture_output=True, text=True, timeout=20)
        expect("rule=night " in r.stderr, f"--test at {at}: {r.stderr}")


@case("week: --from 8 --to 18 limits the rows; no DATE is today in the rule file's zone")
def _(run):
    out = week(run, "2026-12-21", "--from", "8", "--to", "18").stdout
    _, rows = table(out)
    eq(sorted(rows), sorted([f"{h:02}:00" for h in range(8, 18)] + ["12:30", "13:30"]), "rows 8 to 18")
    expect(", 08:00-18:00, " in out.splitlines()[0], "title: " + out.splitlines()[0])
    before = datetime.datetime.now(ZoneInfo("Europe/Berlin")).date()
    out = week(run, "--to", "1").stdout
    after = datetime.datetime.now(ZoneInfo("Europe/Berlin")).date()
    first = re.search(r", (\d{4}-\d\d-\d\d) to ", out.splitlines()[0]).group(1)
    expect(first in (str(before), str(after)), f"default DATE {first}, today {before}")


@case("week: argument errors are usage errors: one line, the usage, exit 2")
def _(run):
    bad = [
        (["--week", "2026-02-30"], "--week needs a date"),
        (["--week", "tomorrow"], "--week needs a date"),
        (["--week", "9999-12-31"], "--week needs a date"),
        (["--week", "--from", "25"], "--from needs an hour"),
        (["--week", "--from", "24"], "--from needs an hour"),
        (["--week", "--to", "0"], "--to needs an hour"),
        (["--week", "--to", "x"], "--to needs an hour"),
        (["--week", "--from", "-1"], "--from needs an hour"),
        (["--week", "--from", "10", "--to", "10"], "--from must be an hour before --to"),
        (["--week", "--from", "12", "--to", "8"], "--from must be an hour before --to"),
        (["--from", "8"], "--from goes with --week"),
        (["--to", "8"], "--to goes with --week"),
        (["--html"], "--html goes with --week"),
        (["--week", "--check"], "--check, --test, --calls, --week, --notify, --digest, --metrics, --switch and --switches exclude each other"),
        (["--week", "--test", "from=1&to=2&direction=in"], "--check, --test, --calls, --week, --notify, --digest, --metrics, --switch and --switches exclude each other"),
        (["--week", "--listen", "unix:/tmp/x.sock"], "--listen does not go with --check, --test, --calls, --week, --notify, --digest, --metrics, --switch or --switches"),
        (["--week", "--at", "2026-12-21 10:00"], "--at goes with --test"),
        (["--week", "2026-12-21", "2026-12-22"], "unknown argument '2026-12-22'"),
        (["--week=2026-12-21"], "unknown argument '--week=2026-12-21'"),
    ]
    for args, message in bad:
        r = subprocess.run([run.bin, "--config", SAMPLE, *args], capture_output=True, text=True, timeout=20)
        eq(r.returncode, 2, f"exit status of {args}")
        eq(r.stdout, "", f"stdout of {args}")
        first, _, rest = r.stderr.partition("\n")
        expect(first.startswith("callrouter: " + message), f"{args}: {first!r}")
        expect(rest.startswith("usage: callrouter"), f"{args}: no usage after the line: {r.stderr[:300]!r}")


@case("week: a bad rule file is reported as FILE:LINE: message, exit 1, nothing on stdout")
def _(run):
    ini = run.write("bad.ini", "[rule office]\nwhen = office\naction = dail 4921112345601\n")
    for extra in ([], ["--html"]):
        r = week(run, "2026-12-21", *extra, config=ini, code=1)
        eq(r.stdout, "", "stdout")
        expect(re.search(r"^" + re.escape(ini) + r":2: ", r.stderr, re.M) and
               re.search(r"^" + re.escape(ini) + r":3: unknown action 'dail'", r.stderr, re.M),
               "FILE:LINE messages: " + r.stderr)


class Page(html.parser.HTMLParser):
    """Checks nesting while parsing; collects tags, attributes, text by element."""
    VOID = {"meta", "br", "link", "img", "input", "hr", "col", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs, self.text = [], [], [], [], []
        self.title = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "title":
            self.title += data
        self.text.append(data)


def parse_page(text):
    p = Page()
    p.feed(text)
    p.close()
    eq(p.errors, [], "tag nesting")
    eq(p.stack, [], "tags left open")
    return p


@case("week: --html is one well-formed, self-contained page: no script, no link, nothing fetched, names escaped")
def _(run):
    text = week(run, "2026-12-21", "--html").stdout
    expect(text.startswith("<!DOCTYPE html>\n"), "doctype: " + text[:60])
    p = parse_page(text)
    eq(p.title, "callrouter week 2026-12-21 to 2026-12-27: " + SAMPLE, "title")
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        expect(tag not in p.tags, f"<{tag}> in the page")
    external = [(t, k, v) for t, k, v in p.attrs if k in ("src", "href", "action") or "url(" in v]
    eq(external, [], "attributes that fetch something")
    expect(not re.search(r"@import|url\(", text), "CSS that fetches something")
    expect(p.tags.count("style") == 1, "one inline style sheet")
    body = "".join(p.text)
    for name in ("office", "closed", "vip", "anonymous-after-hours", "office: holiday DE-NW 1. Weihnachtstag",
                 "office: closed 2026-12-24 (line 28)", "dial 4921112345601 4921112345602 4921112345603"):
        expect(name in body, f"{name!r} not in the page's text")

    # A rule file whose path and play URL hold markup characters.
    d = run.path("a<b>&'\"")
    os.makedirs(d)
    ini = os.path.join(d, "rules.ini")
    with open(ini, "w") as f:
        f.write("[rule x-1]\naction = play https://example.com/a.wav?x=1&y='2' then hangup\n")
    r = subprocess.run([run.bin, "--config", ini, "--week", "2026-12-21", "--html"], capture_output=True, text=True)
    eq(r.returncode, 0, "--html of a path with markup: " + r.stderr)
    p = parse_page(r.stdout)
    expect(p.title.endswith(ini), "the path, unescaped by the parser, in the title: " + p.title)
    expect("a.wav?x=1&y=" in "".join(p.text), "the URL in the text")
    expect("a<b>" not in r.stdout and "&y=" not in r.stdout and "'2'" not in r.stdout, "markup characters escaped")
    expect("a.wav?x=1&amp;y=&#39;2&#39;" in r.stdout, "the URL escaped")


def _png_pixels(path):
    """(width, height, set of (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            expect(depth == 8 and ctype in (2, 6) and interlace == 0, f"PNG kind {depth} {ctype} {interlace}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 4))
        prev = line
    return w, h, colours


def _chromium(args, timeout=90):
    """Runs headless chromium in a process group of its own and a temporary profile; kills
    the whole group afterwards, whatever happened. Returns (status, stdout, stderr)."""
    exe = shutil.which("chromium")
    expect(exe, "chromium is not installed (make deps installs it)")
    profile = tempfile.mkdtemp(prefix="callrouter-chromium.")
    argv = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile] + args
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        shutil.rmtree(profile, ignore_errors=True)


@case("week: --html in headless chromium: the DOM has the legend and the holidays, the screenshot the rules' colours")
def _(run):
    page = run.write("week.html", week(run, "2026-12-21", "--html").stdout)
    status, dom, err = _chromium(["--dump-dom", "file://" + page])
    eq(status, 0, "chromium --dump-dom: " + err[-1000:])
    legend = re.search(r'<table class="legend">(.*?)</table>', dom, re.S)
    expect(legend, "no legend in the rendered DOM: " + dom[:500])
    for name in ("office", "closed"):
        expect(f"<b>{name}</b>" in legend.group(1), f"rule {name} not in the legend")
    heads = re.findall(r"<th[^>]*>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", dom, re.S).group(1), re.S)
    fri = next(h for h in heads if "2026-12-25" in h)
    expect("holiday DE-NW 1. Weihnachtstag" in fri, "Friday's header: " + fri)
    thu = next(h for h in heads if "2026-12-24" in h)
    expect("closed 2026-12-24" in thu, "Thursday's header: " + thu)

    shot = run.path("week.png")
    status, _, err = _chromium(["--screenshot=" + shot, "--window-size=1400,1000", "--hide-scrollbars",
                                "file://" + page])
    eq(status, 0, "chromium --screenshot: " + err[-1000:])
    w, h, colours = _png_pixels(shot)
    eq((w, h), (1400, 1000), "screenshot size")
    expect(len(colours) > 20, f"only {len(colours)} colours: a blank page?")
    styles = dict(re.findall(r"\.(r\d+)\{background:#([0-9a-f]{6})\}", page and open(page).read()))
    cls = dict(re.findall(r'<td class="swatch (r\d+)"></td><td><b>([^<]+)</b>', legend.group(1)))
    for c, name in cls.items():
        rgb = bytes.fromhex(styles[c])
        expect(rgb in colours, f"the colour #{styles[c]} of rule {name} is not on the screenshot")


@case("week: the README's sample table is what --week prints")
def _(run):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    m = re.search(r"^    \$ build/callrouter (--config etc/callrouter\.ini --week [^\n]*)\n\n```\n(.*?)```", readme,
                  re.M | re.S)
    expect(m, "README shows no --week command and table")
    r = subprocess.run([run.bin] + m.group(1).split(), capture_output=True, text=True, cwd=ROOT, timeout=60)
    eq(r.returncode, 0, "the README's --week: " + r.stderr)
    eq(r.stdout, m.group(2), "the README's table")


TWO_NUMBERS = """[settings]
country_code = 49
timezone = Europe/Berlin

[hours office]
mon-fri = 09:00-17:00

[rule hotline]
direction = in
to = 0211 99999
action = dial 4915799912345

[rule office]
direction = in
to = 0211 12345
when = office
action = dial 4921112345601

[rule closed]
direction = in
to = 0211 12345
action = voicemail
"""


@case("week: a rule file for two called numbers: the week is of the first (the hotline), the office's rules are "
      "listed as for another number, --number shows the office's week; the same in --html; a bad --number is exit 2")
def _(run):
    ini = run.write("two.ini", TWO_NUMBERS)
    out = week(run, "2026-12-21", "--from", "8", "--to", "10", config=ini).stdout
    expect("An incoming call from an ordinary caller (on no list, not withheld) to 4921199999.\n" in out, out)
    _, rows = table(out)
    expect(sorted(rows) == ["08:00", "09:00"] and all(set(cells) == {"hotline"} for cells in rows.values()),
           f"the hotline's week: {rows}")
    expect("For other called numbers (not in the table):\n  office (line 13): direction in, to 0211 12345, when "
           "office\n      -> dial 4921112345601\n  closed (line 19): direction in, to 0211 12345\n      -> voicemail\n"
           in out, out)
    expect(out.endswith("The rules route 4921199999 and 4921112345: --number N shows the week of calls to N.\n"), out)

    office = week(run, "2026-12-21", "--from", "8", "--to", "10", "--number", "0211 12345", config=ini).stdout
    expect("to 4921112345.\n" in office, office)
    _, rows = table(office)
    eq(rows["08:00"][:5], ["closed"] * 5, "Mon-Fri 08:00 of the office")
    eq(rows["09:00"][:5], ["office"] * 5, "Mon-Fri 09:00 of the office")
    expect("For other called numbers (not in the table):\n  hotline (line 8)" in office, office)

    page = week(run, "2026-12-21", "--number", "4921112345", "--html", config=ini).stdout
    expect("to 4921112345 meets" in page and "<h2>For other called numbers</h2>" in page and
           "The rules route 4921199999 and 4921112345" in page, page[:2000])

    # Rules that route by a list alone: the week of a number no rule names, the list's rule listed.
    lists = run.write("lists.ini", "[settings]\ncountry_code = 49\n[list team]\nnumbers = 4930111\n"
                                   "[rule team]\nto = @team\naction = voicemail\n[rule rest]\naction = hangup\n")
    out = week(run, "2026-12-21", "--from", "8", "--to", "9", config=lists).stdout
    expect("to a number no rule's 'to' names.\n" in out and "For other called numbers (not in the table):\n  team "
           in out, out)
    expect(set(table(out)[1]["08:00"]) == {"rest"}, out)
    # By a prefix alone: the week of its digits.
    prefix = run.write("prefix.ini", "[settings]\ncountry_code = 49\n[rule berlin]\nto = 4930*\naction = voicemail\n")
    expect("to 4930.\n" in week(run, "2026-12-21", config=prefix).stdout, "the week of a prefix's digits")

    r = subprocess.run([run.bin, "--config", ini, "--week", "--number", "0211x"], capture_output=True, text=True)
    eq((r.returncode, r.stdout), (2, ""), "a bad --number")
    expect(r.stderr.startswith("callrouter: --number: '0211x': "), r.stderr)
    r = subprocess.run([run.bin, "--config", ini, "--check", "--number", "4921112345"], capture_output=True, text=True)
    eq(r.returncode, 2, "--number without --week: " + r.stderr)
    expect("--number goes with --week" in r.stderr, r.stderr)
