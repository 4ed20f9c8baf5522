"""Menus and the call journal (callrouter.ini(5), [menu NAME] and JOURNAL; callrouter(8),
--query and --calls), through a real nginx: a two-level menu walk, a PIN, no input,
keys the menu does not list, a menu gone after a reload, the journal under 50
concurrent writers, a whole call (newCall, answer, hangup) as one row of --calls, and
the <Gather> of sipgate.io's official Node.js library, element for element."""

import json
import os
import re
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

from harness import FORM, ROOT, case, curl, eq, expect, Failure, free_port, replace, wait_for

PUBLIC = "https://sipgate:secret@calls.example.com/callrouter"

MENU_RULES = f"""[settings]
country_code = 49
public_url = {PUBLIC}
journal = {{journal}}

[menu main]
prompt = https://example.com/sounds/welcome.wav
1 = dial 4921112345601 4921112345602
2 = menu support
0 = voicemail
none = voicemail
other = menu main

[menu support]
prompt = https://example.com/sounds/support.wav
timeout = 8
1 = dial 4921112345610
hash = menu main
other = hangup

[menu pin]
prompt = https://example.com/sounds/pin.wav
digits = 4
timeout = 10
4711 = dial 4915112345678
other = reject

[rule hotline]
direction = in
to = 4921199999
action = menu main

[rule private]
direction = in
to = 4921188888
action = menu pin

[rule rest]
action = pass
"""

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
EVENTS = f' onAnswer="{PUBLIC}" onHangup="{PUBLIC}"'


def gather(menu, prompt, digits=1, timeout=5000):
    return (f'{HEAD}<Response{EVENTS}>\n  <Gather onData="{PUBLIC}?menu={menu}" maxDigits="{digits}" '
            f'timeout="{timeout}">\n    <Play>\n      <Url>{prompt}</Url>\n    </Play>\n  </Gather>\n</Response>\n')


def dial(*numbers):
    inner = "".join(f"    <Number>{n}</Number>\n" for n in numbers)
    return f"{HEAD}<Response{EVENTS}>\n  <Dial>\n{inner}  </Dial>\n</Response>\n"


def element(xml):
    return f"{HEAD}<Response{EVENTS}>\n  {xml}\n</Response>\n"


VOICEMAIL = f"{HEAD}<Response{EVENTS}>\n  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n"
NOTHING = f"{HEAD}<Response{EVENTS}/>\n"
MAIN = gather("main", "https://example.com/sounds/welcome.wav")
SUPPORT = gather("support", "https://example.com/sounds/support.wav", timeout=8000)
PIN = gather("pin", "https://example.com/sounds/pin.wav", digits=4, timeout=10000)


def start(run, journal=None):
    """callrouter (2 event loops) with MENU_RULES behind nginx; returns (callrouter, base URL, rules)."""
    journal = journal or run.path("calls.jsonl")
    ini = run.write("rules.ini", MENU_RULES.replace("{journal}", journal))
    cr = run.callrouter(ini, threads=2)
    ng, port = run.nginx(cr.listen[5:])
    return cr, f"http://127.0.0.1:{port}", ini


def post(base, body, on_data=None):
    """POSTs body to nginx: to the path and query of on_data (a URL in an answer), else to /."""
    target = "/"
    if on_data:
        m = re.match(r"https?://[^/]+(/.*)$", on_data)
        expect(m, f"onData {on_data!r} is no URL with a path")
        target = m.group(1)
    st, _, text = curl(base + target, data=body, headers=[f"Content-Type: {FORM}"])
    eq(st, 200, f"POST {target} {body}: status; body {text!r}")
    return text


def lines_of(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_lines(path, n):
    """A FastCGI process writes its journal from a thread of its own: waits for n lines."""
    wait_for(lambda: lines_of(path) >= n, timeout=10, what=f"{n} lines in {path}")


def on_data(xml):
    m = re.search(r'<Gather onData="([^"]+)"', xml)
    expect(m, "no <Gather onData> in " + xml)
    return m.group(1).replace("&amp;", "&")


def keys(base, xml, typed, call="c1"):
    """The answer to typing `typed` (None: the dtmf field absent) at the menu of answer `xml`."""
    body = f"event=dtmf&callId={call}" + ("" if typed is None else "&dtmf=" + typed.replace("#", "%23"))
    return post(base, body, on_data(xml))


@case("menus: a two-level walk through nginx: hotline -> main, 2 -> support, # -> main, 1 -> dial; "
      "the query string reaches callrouter")
def _(run):
    cr, base, _ = start(run)
    a = post(base, "from=0211123456&to=4921199999&direction=in&callId=c1")
    eq(a, MAIN, "newCall to the hotline")
    b = keys(base, a, "2")
    eq(b, SUPPORT, "2 in main")
    c = keys(base, b, "#")
    eq(c, MAIN, "# in support")
    d = keys(base, c, "1")
    eq(d, dial("4921112345601", "4921112345602"), "1 in main")
    out = cr.output()
    for detail in ("menu=main dtmf=2 choice=2", "menu=support dtmf=# choice=#", "menu=main dtmf=1 choice=1"):
        expect(f'detail="{detail}"' in out, f"no log line with {detail}: {out}")


@case("menus: a PIN of 4 keys: the right one dials, a wrong one or too few keys is 'other'")
def _(run):
    cr, base, _ = start(run)
    a = post(base, "from=0211123456&to=4921188888&direction=in&callId=p1")
    eq(a, PIN, "newCall to the private line")
    eq(keys(base, a, "4711", "p1"), dial("4915112345678"), "the right PIN")
    eq(keys(base, a, "4712", "p1"), element('<Reject/>'), "a wrong PIN")
    eq(keys(base, a, "47", "p1"), element('<Reject/>'), "two keys, then the timeout")


@case("menus: no input (dtmf empty, and absent) is 'none'; a key the menu does not list, or garbage, is "
      "'other'; a menu without them answers no action")
def _(run):
    cr, base, _ = start(run)
    a = post(base, "from=0211123456&to=4921199999&direction=in&callId=n1")
    eq(keys(base, a, "", "n1"), VOICEMAIL, "dtmf empty")
    eq(keys(base, a, None, "n1"), VOICEMAIL, "dtmf absent")
    eq(keys(base, a, "9", "n1"), MAIN, "9: not listed, other = menu main")
    eq(keys(base, a, "x%00%0a", "n1"), MAIN, "garbage keys")
    s = keys(base, a, "2", "n1")
    eq(keys(base, s, "", "n1"), NOTHING, "support has no 'none': no action")
    eq(post(base, "event=dtmf&callId=n1&dtmf=1"), NOTHING, "keys without menu=NAME in the query")
    eq(post(base, "event=dtmf&callId=n1&dtmf=1", f"{PUBLIC}?menu=nosuch"), NOTHING, "keys for an unknown menu")
    expect("no such menu (any more)" in cr.output(), cr.output())


@case("menus: a menu removed by a reload while a caller is in it: the keys are answered 200 with no action, logged")
def _(run):
    cr, base, ini = start(run)
    a = post(base, "from=0211123456&to=4921199999&direction=in&callId=r1")
    s = keys(base, a, "2", "r1")
    with open(ini) as f:
        text = f.read()
    text = text.replace("2 = menu support\n", "2 = voicemail\n")
    text = text[:text.index("[menu support]")] + text[text.index("[menu pin]"):]
    replace(run, "rules.ini", text)
    wait_for(lambda: cr.output().count("reload") >= 1 and "3 rules" in cr.output().split("reload")[-1],
             timeout=10, what="the reload")
    eq(keys(base, s, "1", "r1"), NOTHING, "keys for the removed menu")
    expect('detail="menu=support dtmf=1; no such menu (any more)"' in cr.output(), cr.output())
    eq(keys(base, a, "2", "r1"), VOICEMAIL, "main's 2 after the reload")


@case("journal: 50 concurrent writers (25 FastCGI clients through nginx, 25 CGI processes) x 20 events: "
      "every line whole, parseable and there, none lost")
def _(run):
    journal = run.path("calls.jsonl")
    cr, base, ini = start(run, journal)
    errors = []

    def fastcgi(i):
        try:
            for k in range(20):
                post(base, f"from=0211123456&to=4921199999&direction=in&callId=f{i}-{k}&user%5B%5D=" + "x" * 150)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    def cgi(i):
        try:
            for k in range(20):
                st, _, _, err = run.cgi(f"event=hangup&callId=g{i}-{k}&cause=normalClearing", config=ini)
                if st != 200:
                    errors.append(f"CGI {st}: {err}")
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=fastcgi, args=(i,)) for i in range(25)]
    threads += [threading.Thread(target=cgi, args=(i,)) for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(errors, [], "errors of the writers")
    wait_lines(journal, 1000)
    with open(journal, "rb") as f:
        data = f.read()
    expect(data.endswith(b"\n"), "the journal does not end with a newline")
    lines = data.decode().splitlines()
    eq(len(lines), 1000, "journal lines")
    ids = set()
    for ln in lines:
        e = json.loads(ln)   # raises on a torn or interleaved line
        ids.add(e["callId"])
        expect(e["event"] in ("newCall", "hangup"), ln)
    eq(len(ids), 1000, "distinct callIds")
    eq(os.stat(journal).st_mode & 0o777, 0o640, "the journal's mode")


@case("journal: a whole call (newCall, answer, hangup) is one row of --calls, with who answered, ring and "
      "talk time and the cause; a journal that cannot be written is logged once, calls still answered")
def _(run):
    journal = run.path("calls.jsonl")
    cr, base, ini = start(run, journal)
    post(base, "from=0211123456&to=4921199999&direction=in&callId=w1&user%5B%5D=Alice")
    a = keys(base, MAIN, "1", "w1")
    expect("<Dial>" in a, a)
    time.sleep(1.2)
    post(base, "event=answer&callId=w1&user=Alice&userId=w0&answeringNumber=4921112345601")
    time.sleep(2.2)
    post(base, "event=hangup&callId=w1&cause=normalClearing")
    wait_lines(journal, 4)
    r = subprocess.run([run.bin, "--config", ini, "--calls"], capture_output=True, text=True)
    eq(r.returncode, 0, "--calls: " + r.stderr)
    rows = r.stdout.splitlines()
    eq(len(rows), 3, "--calls: header, one call, the count: " + r.stdout)
    expect(rows[0].split()[:3] == ["start", "dir", "from"], rows[0])
    row = rows[1]
    for want in (" in ", "49211123456", "4921199999", "hotline", "[main:1] dial 4921112345601 49211123456\u2026",
                 "Alice (4921112345601)", "normalClearing"):
        expect(want in row, f"--calls row without {want!r}: {row}")
    m = re.search(r"  (\d+)s  +(\d+)s  normalClearing$", row)
    expect(m, "no ring and talk time in " + row)
    ring, talk = int(m.group(1)), int(m.group(2))
    expect(1 <= ring <= 2 and 2 <= talk <= 3, f"ring {ring}s, talk {talk}s; want about 1 and 2: {row}")
    eq(rows[2], "1 call", "--calls count")

    # The journal's folder goes away: calls are answered, one error line until it is back.
    os.rename(journal, journal + ".1")
    d = run.path("jdir")
    os.makedirs(d)
    ini2 = run.write("rules2.ini", MENU_RULES.replace("{journal}", os.path.join(d, "calls.jsonl")))
    cr2 = run.callrouter(ini2)
    shutil.rmtree(d)
    from harness import fcgi_request
    for i in range(5):
        eq(fcgi_request(cr2.listen, f"from=0211123456&to=4921199999&direction=in&callId=x{i}")[0], 200, "answered")
    wait_for(lambda: "cannot append" in cr2.output(), timeout=10, what="the error line")
    time.sleep(0.5)
    eq(cr2.output().count("cannot append"), 1, "errors logged: " + cr2.output())
    os.makedirs(d)
    eq(fcgi_request(cr2.listen, "event=hangup&callId=x1&cause=normalClearing")[0], 200, "answered")
    wait_for(lambda: "appending again" in cr2.output(), timeout=10, what="appending again")
    expect(os.path.exists(os.path.join(d, "calls.jsonl")), "no journal once the folder is back")


@case("journal: --calls from a journal of known times: the exact table; --since; lines that are no event "
      "are skipped and counted; a rotated journal (renamed away) is started anew by the next event")
def _(run):
    journal = run.path("calls.jsonl")
    ini = run.write("rules.ini", MENU_RULES.replace("{journal}", journal).replace(
        "country_code = 49\n", "country_code = 49\ntimezone = Europe/Berlin\n"))
    lines = [
        '{"time":"2026-11-27T08:59:58Z","event":"newCall","callId":"a","direction":"in","from":"49211123456",'
        '"to":"4921199999","rule":"hotline","action":"menu main","users":["Alice","Bob"]}',
        '{"time":"2026-11-27T09:00:03Z","event":"dtmf","callId":"a","menu":"main","dtmf":"2","choice":"2",'
        '"action":"menu support"}',
        '{"time":"2026-11-27T09:00:09Z","event":"dtmf","callId":"a","menu":"support","dtmf":"1","choice":"1",'
        '"action":"dial 4921112345610"}',
        'not json',
        '{"time":"2026-11-27T09:00:21Z","event":"answer","callId":"a","user":"Bob","answeringNumber":"4921112345610"}',
        '{"time":"2026-11-28T10:00:00Z","event":"newCall","callId":"b","direction":"out","from":"4921112345601",'
        '"to":"4930123456","rule":"outgoing","action":"dial 4930123456"}',
        '{"time":"2026-11-27T09:03:45Z","event":"hangup","callId":"a","cause":"normalClearing"}',
        '{"time":"2026-11-28T10:00:40Z","event":"hangup","callId":"b","cause":"busy"}',
    ]
    with open(journal, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([run.bin, "--config", ini, "--calls", "--since", "2026-11-01"], capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    eq(r.stderr, f"callrouter: --calls: {journal}: 1 lines are no event of the journal; skipped\n", "stderr")
    eq(r.stdout.splitlines(), [
        "start                dir  from           to          legs      action                                 "
        "outcome   answered by          ring   talk  cause",
        "2026-11-27 09:59:58  in   49211123456    4921199999  hotline   [main:2 support:1] dial 4921112345610  "
        "answered  Bob (4921112345610)   23s  3m24s  normalClearing",
        "2026-11-28 11:00:00  out  4921112345601  4930123456  outgoing  dial 4930123456                        "
        "missed    -                     40s      -  busy",
        "2 calls",
    ], "--calls table")
    r = subprocess.run([run.bin, "--config", ini, "--calls", "--since", "2026-11-28 10:30"], capture_output=True,
                       text=True)
    eq(r.stdout.splitlines()[1:], [r.stdout.splitlines()[1], "1 call"], "--since 2026-11-28 10:30")
    expect("outgoing" in r.stdout and "hotline" not in r.stdout, r.stdout)
    for args, msg in ((["--since", "2026-11-28"], "--since goes with --calls or --digest"),
                      (["--calls", "--since", "yesterday"], "--since: ")):
        r = subprocess.run([run.bin, "--config", ini] + args, capture_output=True, text=True)
        eq(r.returncode, 2, f"{args}: exit code")
        expect(msg in r.stderr, r.stderr)

    # Rotation as logrotate does it by default: rename, and the next event makes a new file.
    os.rename(journal, journal + ".1")
    st, _, _, err = run.cgi("event=hangup&callId=c&cause=normalClearing", config=ini)
    eq(st, 200, err)
    with open(journal) as f:
        eq(len(f.read().splitlines()), 1, "lines in the new journal")


@case("menus: the <Gather> answers are the ones sipgate.io's official Node.js library (npm sipgateio 2.15.1) "
      "writes, element for element and attribute for attribute: a menu's, and an announcement's that leads on "
      "(timeout 0)")
def _(run):
    npm = shutil.which("npm")
    expect(npm and shutil.which("node"), "node and npm are needed (make deps installs them)")
    lib = os.path.join(run.build, "npm")
    if not os.path.isdir(os.path.join(lib, "node_modules", "sipgateio")):
        os.makedirs(lib, exist_ok=True)
        r = subprocess.run([npm, "install", "--prefix", lib, "--no-audit", "--no-fund", "--loglevel=error",
                            "sipgateio@2.15.1"], capture_output=True, text=True, timeout=300)
        expect(r.returncode == 0, "npm install sipgateio@2.15.1: " + r.stderr[-2000:])
    # A valid prompt for the library's audio check (8 kHz mono 16-bit PCM WAV), served on loopback.
    import struct
    samples = b"\x00\x00" * 800
    wav = (b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " +
           struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16) + b"data" + struct.pack("<I", len(samples)) + samples)
    www = run.path("www")
    os.makedirs(www)
    with open(os.path.join(www, "menu.wav"), "wb") as f:
        f.write(wav)
    wport, lport = free_port(), free_port()
    from harness import Process
    Process(run, ["python3", "-m", "http.server", str(wport), "--bind", "127.0.0.1", "--directory", www], "www")
    prompt = f"http://127.0.0.1:{wport}/menu.wav"
    server_address = f"http://127.0.0.1:{lport}/callrouter"
    script = run.write("lib.js", f"""
const {{ createWebhookModule, WebhookResponse }} = require({json.dumps(os.path.join(lib, "node_modules", "sipgateio"))});
(async () => {{
  const server = await createWebhookModule().createServer({{
    port: {lport}, hostname: '127.0.0.1', serverAddress: '{server_address}', skipSignatureVerification: true }});
  server.onNewCall((call) => call.to.endsWith('2')
    ? WebhookResponse.gatherDTMF({{ maxDigits: 1, timeout: 0, announcement: '{prompt}' }})
    : WebhookResponse.gatherDTMF({{ maxDigits: 4, timeout: 7000, announcement: '{prompt}' }}));
  server.onAnswer(() => {{}});
  server.onHangUp(() => {{}});
  console.log('listening');
}})().catch((e) => {{ console.error(e); process.exit(1); }});
""")
    node = Process(run, ["node", script], "node")
    wait_for(lambda: "listening" in node.output() or not node.alive(), timeout=20, what="the library's server")
    expect(node.alive(), node.output())
    wait_for(lambda: subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{wport}/menu.wav"]).returncode == 0,
             timeout=10, what="the prompt's server")
    def library(to):
        st, _, xml = curl(server_address, data=f"event=newCall&from=4921123456&to={to}&direction=in&callId=1",
                          headers=[f"Content-Type: {FORM}"])
        eq(st, 200, "the library's answer: " + xml)
        return xml

    os.chmod(run.write("secret", "the-secret-of-the-library-test-0123456789\n"), 0o640)
    ini = run.write("lib.ini", f"""[settings]
public_url = {server_address}
journal = {run.path('lib.jsonl')}
secret = secret
[menu main]
prompt = {prompt}
digits = 4
timeout = 7
1234 = voicemail
[rule announce]
to = 4921199992
action = play {prompt} then dial 4921112345601
[rule a]
action = menu main
""")

    def ours(to):
        r = subprocess.run([run.bin, "--config", ini, "--test",
                            f"event=newCall&from=4921123456&to={to}&direction=in&callId=1"],
                           capture_output=True, text=True)
        eq(r.returncode, 0, r.stderr)
        return r.stdout

    def shape(xml):
        root = ET.fromstring(xml.encode())
        out = []
        for el in root.iter():
            attrs = dict(el.attrib)
            if "onData" in attrs:   # callrouter adds what follows and its token; the library cannot
                expect(attrs["onData"] == server_address or
                       re.fullmatch(re.escape(server_address) + r"\?(menu=main|then=rule\.announce)&t=[0-9a-f]{32}",
                                    attrs["onData"]), attrs["onData"])
                attrs["onData"] = "URL"
            out.append((el.tag, sorted(attrs.items()), (el.text or "").strip()))
        return out
    for to, what in (("4921199999", "a menu"), ("4921199992", "an announcement that leads on")):
        mine, theirs = ours(to), library(to)
        eq(shape(mine), shape(theirs), f"{what}: callrouter's <Gather> against the library's\n{mine}\n{theirs}")


@case("journal: the shipped etc/logrotate/callrouter rotates a journal with the real logrotate, and the next "
      "event starts a new one")
def _(run):
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    expect(os.path.exists(logrotate), "logrotate is needed (make deps installs it)")
    journal = run.path("calls.jsonl")
    with open(os.path.join(ROOT, "etc", "logrotate", "callrouter")) as f:
        conf = f.read()
    expect("/var/lib/callrouter/calls.jsonl {" in conf, conf)
    conf_path = run.write("logrotate.conf", conf.replace("/var/lib/callrouter/calls.jsonl", journal))
    ini = run.write("rules.ini", MENU_RULES.replace("{journal}", journal))
    for i in range(3):
        eq(run.cgi(f"event=hangup&callId=r{i}&cause=normalClearing", config=ini)[0], 200, "before the rotation")
    r = subprocess.run([logrotate, "-f", "-s", run.path("logrotate.state"), conf_path], capture_output=True, text=True)
    eq(r.returncode, 0, "logrotate: " + r.stderr)
    # delaycompress: the last rotated file stays plain (callrouter --notify and --digest read it).
    expect(os.path.exists(journal + ".1"), f"no rotated journal: {os.listdir(run.dir)}")
    with open(journal + ".1") as f:
        eq([json.loads(ln)["callId"] for ln in f], ["r0", "r1", "r2"], "the rotated journal, plain")
    expect(not os.path.exists(journal), "the journal is still there after the rotation")
    eq(run.cgi("event=hangup&callId=r9&cause=normalClearing", config=ini)[0], 200, "after the rotation")
    with open(journal) as f:
        eq([json.loads(ln)["callId"] for ln in f], ["r9"], "the new journal")
