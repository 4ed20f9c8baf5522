"""Calendars (callrouter.ini(5), closed_ics, open_ics, [rota NAME]; callrouter(8),
CALENDARS), through the real binary: the calendars of Nextcloud, Thunderbird, Google
Calendar and Outlook (tests/ics/, written as each client exports them), whose weekly
team meeting crosses the change to winter time with one meeting moved and one deleted;
the shipped etc/switches.ini with its rota handing over at midnight; a rota through
nginx whose calendar changes, breaks (refused with its line while the last good rules
answer on) and mends; --week with a switch and a calendar closure, in headless
chromium."""

import os
import re
import shutil
import subprocess
import time

from harness import FORM, ROOT, case, curl, eq, expect, wait_for

OFFICE = """[settings]
timezone = Europe/Berlin

[hours office]
mon-fri = 08:00-18:00
closed_ics = {ics}

[rule office]
when = office
action = dial 4921112345

[rule closed]
action = voicemail
"""

CALL = "from=4921155555&to=4921199999&direction=in"


def test_at(run, ini, at, body=CALL):
    p = subprocess.run([run.bin, "--config", ini, "--test", body, "--at", at], capture_output=True, text=True,
                       timeout=30)
    expect(p.returncode == 0, f"--test --at {at}: {p.returncode} {p.stderr}")
    return p.stdout, p.stderr


# (time, open?, what the trace says) for the team meeting of every client's calendar:
# Mondays 09:00-10:00 in Europe/Berlin from 2026-10-05; 2026-10-19 moved to Tuesday
# 2026-10-20 14:00-15:00; 2026-11-02 deleted; 2026-10-25 the clocks go back an hour.
MEETING = [
    ("2026-10-12 09:30", False, 'closed_ics event "Team meeting'),
    ("2026-10-12 10:00", True, "open, mon-fri 08:00-18:00"),
    ("2026-10-19 09:30", True, "open, mon-fri 08:00-18:00"),
    ("2026-10-20 14:30", False, 'closed_ics event "Team meeting'),
    ("2026-10-20 15:00", True, "open, mon-fri"),
    ("2026-10-26 08:59", True, "open, mon-fri"),
    ("2026-10-26 09:00", False, 'closed_ics event "Team meeting'),
    ("2026-10-26 09:59", False, 'closed_ics event "Team meeting'),
    ("2026-10-26 10:00", True, "open, mon-fri"),
    ("2026-11-02 09:30", True, "open, mon-fri"),
    ("2026-11-09 09:30", False, 'closed_ics event "Team meeting'),
]

CLIENTS = {
    "nextcloud": "-//Sabre//Sabre VObject",
    "thunderbird": "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
    "google": "-//Google Inc//Google Calendar",
    "outlook": "-//Microsoft Corporation//Outlook",
}


def client_case(client, prodid):
    @case(f"calendar: {client}'s export (PRODID {prodid}...): the weekly team meeting closes the office at "
          f"09:00-10:00 on the wall clock before and after the change to winter time; the one moved to a Tuesday "
          f"afternoon closes then; the one deleted does not; --week names it by its SUMMARY")
    def _(run):
        src = os.path.join(ROOT, "tests", "ics", client + ".ics")
        expect(prodid in open(src, encoding="utf-8").read(), f"{src}: not {client}'s PRODID")
        shutil.copy(src, run.path(client + ".ics"))
        ini = run.write("rules.ini", OFFICE.replace("{ics}", client + ".ics"))
        p = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True, timeout=30)
        eq((p.returncode, p.stderr), (0, ""), "--check")
        for at, is_open, why in MEETING:
            out, err = test_at(run, ini, at)
            expect(("4921112345" in out) == is_open, f"{client} at {at}: want {'open' if is_open else 'closed'}: "
                                                     f"{out}{err}")
            expect(why in err, f"{client} at {at}: the trace does not say {why!r}: {err}")
        p = subprocess.run([run.bin, "--config", ini, "--week", "2026-10-19", "--from", "8", "--to", "18"],
                           capture_output=True, text=True, timeout=30)
        eq(p.returncode, 0, p.stderr)
        notes = [ln for ln in p.stdout.splitlines() if ln.startswith("* ")]
        expect(any(n.startswith("* Tue 2026-10-20: office: closed_ics \"Team meeting") and n.endswith("14:00-15:00")
                   for n in notes), f"{client}: the moved meeting in the week's notes: {notes}")
        expect(not any(n.startswith("* Mon 2026-10-19") and "Team meeting" in n for n in notes),
               f"{client}: no meeting on the Monday it was moved from: {notes}")
        row = [ln for ln in p.stdout.splitlines() if ln.startswith("14:00")]
        expect(row and "closed" in row[0], f"{client}: the 14:00 row: {row}")
    return _


for _client, _prodid in CLIENTS.items():
    client_case(_client, _prodid)


def shipped_switches(run):
    """etc/switches.ini as shipped, beside its calendars, with its journal in the run's folder."""
    for f in ("office-closed.ics", "oncall.ics"):
        shutil.copy(os.path.join(ROOT, "etc", f), run.path(f))
    text = open(os.path.join(ROOT, "etc", "switches.ini")).read()
    expect("journal = /var/lib/callrouter/calls.jsonl" in text, "etc/switches.ini: its journal line changed")
    text = text.replace("/var/lib/callrouter/calls.jsonl", run.path("calls.jsonl"))
    os.chmod(run.write("secret", "c2VjcmV0IG9mIHRoZSB0ZXN0cyBzZWNyZXQgb2YgdGhlIHRlc3Rz\n"), 0o600)
    return run.write("switches.ini", text)


@case("calendar: etc/switches.ini's rota hands over at midnight: 23:59 rings Anna, 00:00 Bob (the event that "
      "began last); Christmas Eve Carla's event over Bob's; the trace names the event by SUMMARY and line")
def _(run):
    ini = shipped_switches(run)
    p = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True, timeout=30)
    eq(p.returncode, 0, p.stderr)
    for at, number, who in (("2026-11-08 23:59", "4915799912345", "Bereitschaft Anna"),
                            ("2026-11-09 00:00", "491705550123", "Bereitschaft Bob"),
                            ("2026-11-16 00:00", "4915799912345", "Bereitschaft Anna"),
                            ("2026-12-23 23:59", "491705550123", "Bereitschaft Bob"),
                            ("2026-12-24 00:00", "4915123456789", "Bereitschaft Carla (Weihnachten)"),
                            ("2026-12-27 00:00", "491705550123", "Bereitschaft Bob")):
        out, err = test_at(run, ini, at)
        expect(f"<Number>{number}</Number>" in out, f"at {at}: want {number}: {out}{err}")
        expect(re.search(rf'rota oncall: event "{re.escape(who)}" \(\S*oncall.ics line \d+\) -> {number}', err),
               f"at {at}: the trace: {err}")
        expect(f"rota={number}" in err, f"at {at}: the log line: {err}")


ROTA = """[settings]
country_code = 49
timezone = Europe/Berlin

[rota oncall]
ics = oncall.ics
fallback = voicemail

[rule oncall]
action = dial @rota:oncall
"""


def ics(events):
    """A calendar as Google exports it, of (start, end, summary, location) in UTC seconds."""
    def stamp(t):
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
    out = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
           "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Bereitschaft", "X-WR-TIMEZONE:Europe/Berlin"]
    for i, (start, end, summary, location) in enumerate(events):
        out += ["BEGIN:VEVENT", f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}", f"DTSTAMP:{stamp(start)}",
                f"UID:rota{i}@google.com", f"SUMMARY:{summary}", f"LOCATION:{location}", "STATUS:CONFIRMED",
                "END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def swap(run, name, text):
    """Replaces a file by rename, as an editor or a sync client does, with a newer mtime."""
    tmp = run.path(name + ".tmp")
    with open(tmp, "w", newline="") as f:
        f.write(text)
    later = time.time() + 2
    os.utime(tmp, (later, later))
    os.rename(tmp, run.path(name))


@case("calendar: a rota through nginx: the event running now rings its number; the calendar broken on disk "
      "is refused with its FILE:LINE while the last good rules answer on; mended without the event: the fallback")
def _(run):
    now = int(time.time())
    run.write("oncall.ics", ics([(now - 3600, now + 3600, "Bereitschaft Anna", "0157 99912345")]))
    ini = run.write("rules.ini", ROTA)
    cr, _, url = run.stack(ini)
    st, _, body = curl(url, data=CALL, headers=[f"Content-Type: {FORM}"])
    expect(st == 200 and "<Number>4915799912345</Number>" in body, body)
    broken = ics([(now - 3600, now + 3600, "Bereitschaft Anna", "0157 99912345")]).replace(
        f"DTEND:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now + 3600))}",
        f"DTEND:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now - 7200))}")
    line = broken.split("\r\n").index(next(ln for ln in broken.split("\r\n") if ln.startswith("DTEND"))) + 1
    swap(run, "oncall.ics", broken)
    wait_for(lambda: "refused" in cr.output(), timeout=10, what="the refusal")
    expect(re.search(rf"oncall.ics:{line}: .*DTEND is before DTSTART", cr.output()), cr.output())
    st, _, body = curl(url, data=CALL, headers=[f"Content-Type: {FORM}"])
    expect(st == 200 and "<Number>4915799912345</Number>" in body, "the last good rules: " + body)
    swap(run, "oncall.ics", ics([(now + 86400, now + 90000, "Bereitschaft Bob", "+49 170 5550123")]))
    wait_for(lambda: "reload on change: " in cr.output(), timeout=10, what="the reload")
    st, _, body = curl(url, data=CALL, headers=[f"Content-Type: {FORM}"])
    expect(st == 200 and "<Voicemail/>" in body, "no event now: the fallback: " + body)
    expect("rota=fallback" in cr.output(), cr.output())


@case("calendar: broken calendars are refused by --check with the calendar's own FILE:LINE, each in its words")
def _(run):
    good = open(os.path.join(ROOT, "tests", "ics", "nextcloud.ics"), encoding="utf-8").read()
    lines = good.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("DTSTART;TZID=Europe/Berlin:20261005"))
    for what, text, line, want in (
            ("a bad DTSTART", "\n".join(lines[:start] + ["DTSTART;TZID=Europe/Berlin:2026100T090000"] +
                                        lines[start + 1:]), start + 1, "DTSTART"),
            ("an unknown TZID", "\n".join(lines[:start] + ["DTSTART;TZID=Mars/Olympus:20261005T090000"] +
                                          lines[start + 1:]), start + 1, "Mars/Olympus"),
            ("END:VEVENT missing", good.replace("END:VEVENT\nBEGIN:VEVENT", "BEGIN:VEVENT", 1), None, "")):
        run.write("office.ics", text)
        ini = run.write("rules.ini", OFFICE.replace("{ics}", "office.ics"))
        p = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True, timeout=30)
        expect(p.returncode == 1 and p.stdout == "", f"{what}: {p.returncode} {p.stdout}")
        m = re.match(r"(\S+office\.ics):(\d+): (.*)$", p.stderr.strip())
        expect(m, f"{what}: not FILE:LINE: message: {p.stderr}")
        if line:
            eq(int(m.group(2)), line, f"{what}: the line ({p.stderr.strip()})")
        expect(want in m.group(3), f"{what}: {p.stderr}")


@case("calendar: --week --html of etc/switches.ini with the office closed by a switch (Tue 15:00 to Wed 08:00) "
      "and by the calendar between the years: the notes in the page, and a screenshot by headless chromium")
def _(run):
    ini = shipped_switches(run)
    tue = int(subprocess.run(["date", "-d", 'TZ="Europe/Berlin" 2026-12-22 15:00', "+%s"], capture_output=True,
                             text=True, check=True).stdout)
    with open(run.path("switches"), "w") as f:
        f.write(f"closed on at={tue} until={tue + 17 * 3600} by=call c1 from 4915112345678\n")
    p = subprocess.run([run.bin, "--config", ini, "--week", "2026-12-21", "--from", "7", "--to", "19", "--html"],
                       capture_output=True, text=True, timeout=30)
    eq(p.returncode, 0, p.stderr)
    page = p.stdout
    for want in ("switch closed on from 15:00", "switch closed off from 08:00 (its default)",
                 "office: closed_ics &quot;", "rota oncall: &quot;Bereitschaft Carla (Weihnachten)&quot;"):
        expect(want in page, f"the page has no {want!r}")
    html = run.write("week.html", page)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    expect(chromium, "chromium is not installed (make deps installs it)")
    png = run.path("week.png")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={run.path('chromium')}", "--window-size=1400,1100", f"--screenshot={png}",
                    "file://" + html], capture_output=True, timeout=60)
    expect(os.path.exists(png) and os.path.getsize(png) > 10000, "no screenshot")
    keep = os.environ.get("CALLROUTER_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(png, keep)


@case("calendar: the rota's number is the first phone number of LOCATION, else of SUMMARY, written with + or 0 "
      "(not a year, a room, a date or a time; after tel:, Tel.: or Handy/ too); (0) after a country code dropped; "
      "' / ' parts two; no number: the fallback, with the rule's caller_id and anonymous")
def _(run):
    day = 86400
    start = int(subprocess.run(["date", "-d", "2026-12-01T00:00:00Z", "+%s"], capture_output=True, text=True,
                               check=True).stdout)
    events = [("Bereitschaft 2026 Anna 0171 1234567", "", "491711234567"),
              ("Bob 0170 5550123", "Raum 1234", "491705550123"),
              ("Carla 08:00-16:00 0171 1112223", "", "491711112223"),
              ("Dora +49 (0)171 7654321", "", "491717654321"),
              ("Emil", "Büro, +49 211 99999", "4921199999"),
              ("Franz tel:+4917112345678", "", "4917112345678"),
              ("Gina Tel.:0171 2345678", "", "491712345678"),
              ("Hans Handy/0171 7654321", "", "491717654321"),
              ("Ida 0171 123456 / 0172 654321", "", "49171123456"),
              ("Fritz 12/08/2026 08:00-16:00 (no number)", "", None)]
    run.write("oncall.ics", ics([(start + i * day, start + (i + 1) * day, summary, location)
                                 for i, (summary, location, _) in enumerate(events)]))
    ini = run.write("rules.ini", ROTA + "caller_id = 4921112345\nanonymous = true\n")
    p = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True, timeout=30)
    expect(p.returncode == 0 and "1 event(s) of" in p.stderr and "name no number" in p.stderr, p.stderr)
    for i, (summary, _, number) in enumerate(events):
        out, err = test_at(run, ini, time.strftime("%Y-%m-%dT12:00:00Z", time.gmtime(start + i * day)))
        expect('<Dial callerId="4921112345" anonymous="true">' in out, f"{summary}: the dial attributes: {out}")
        if number:
            expect(f"<Number>{number}</Number>" in out, f"{summary}: want {number}: {out}{err}")
        else:
            expect("<Voicemail/>" in out and "names no number -> fallback voicemail" in err, f"{summary}: {out}{err}")
