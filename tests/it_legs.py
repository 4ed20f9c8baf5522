"""A call, not a push (SPEC section 9; callrouter.ini(5) leg, user, secret, tries, invalid;
callrouter(8) TOKENS and --calls), through the real binary as CGI and as FastCGI behind a
real nginx: a call of three legs (the first forwarded, the second to the voicemail) with
its answers, its journal and its one --calls row; a rule for the voicemail leg;
announcements that lead on to dial, voicemail and a menu, each through the dtmf push
that follows; tokens refused (another call's, none, another menu's); a menu's tries
running out; a call whose hangup never comes, open and then lost; a push to another
path than public_url's, said once."""

import json
import os
import re
import subprocess

from harness import FORM, case, curl, eq, expect, wait_for

PUBLIC = "https://sipgate:secret@calls.example.com/callrouter"
SECRET = "the-secret-of-the-legs-test-0123456789abcdef"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
EVENTS = f' onAnswer="{PUBLIC}" onHangup="{PUBLIC}"'
NOTHING = f"{HEAD}<Response{EVENTS}/>\n"

RULES = f"""[settings]
country_code = 49
public_url = {PUBLIC}
journal = {{journal}}
secret = secret

[list desks]
users = Anna Schmidt, Bob

[menu main]
prompt = https://example.com/sounds/welcome.wav
tries = 1
invalid = https://example.com/sounds/invalid.wav
1 = dial 4921112345601
other = voicemail

[rule voicemail-leg]
leg = voicemail
action = play https://example.com/sounds/after-hours.wav then voicemail

[rule desk-leg]
leg = later
user = @desks
action = pass

[rule office]
direction = in
to = 4921199999
action = dial 4921112345601 4921112345602

[rule announce-dial]
to = 4921199991
action = play https://example.com/sounds/hold.wav then dial 4921112345603

[rule announce-voicemail]
to = 4921199992
action = play https://example.com/sounds/closed.wav then voicemail

[rule announce-menu]
to = 4921199993
action = play https://example.com/sounds/hello.wav then menu main

[rule announce-to]
to = 4921199994
action = play https://example.com/sounds/hold.wav then dial $to
"""


def rules(run):
    """The rule file and its secret (mode 0640) in the run's folder; returns (ini, journal)."""
    journal = run.path("calls.jsonl")
    ini = run.write("rules.ini", RULES.replace("{journal}", journal))
    os.chmod(run.write("secret", SECRET + "\n"), 0o640)
    return ini, journal


def token(call_id, what):
    """The token callrouter(8) TOKENS defines, computed here with openssl(1)."""
    r = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", SECRET, "-hex"], input=f"{call_id}\n{what}",
                       capture_output=True, text=True, check=True)
    return r.stdout.strip().split()[-1][:32]


def dial(*numbers):
    inner = "".join(f"    <Number>{n}</Number>\n" for n in numbers)
    return f"{HEAD}<Response{EVENTS}>\n  <Dial>\n{inner}  </Dial>\n</Response>\n"


VOICEMAIL = f"{HEAD}<Response{EVENTS}>\n  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n"


def gather(query, sound, call_id, what, digits=1, timeout=0):
    return (f'{HEAD}<Response{EVENTS}>\n  <Gather onData="{PUBLIC}?{query}&amp;t={token(call_id, what)}" '
            f'maxDigits="{digits}" timeout="{timeout}">\n    <Play>\n      <Url>{sound}</Url>\n    </Play>\n'
            f'  </Gather>\n</Response>\n')


def on_data(xml):
    m = re.search(r'<Gather onData="([^"]+)"', xml)
    expect(m, "no <Gather onData> in " + xml)
    return m.group(1).replace("&amp;", "&")


class Nginx:
    """callrouter behind a real nginx; posts go to the path and query sipgate.io would use."""

    def __init__(self, run, ini):
        self.cr = run.callrouter(ini, threads=2)
        _, port = run.nginx(self.cr.listen[5:])
        self.base = f"http://127.0.0.1:{port}"

    def post(self, body, url=PUBLIC, status=200):
        path = re.match(r"https?://[^/]+(/.*)$", url).group(1)
        st, _, text = curl(self.base + path, data=body, headers=[f"Content-Type: {FORM}"])
        eq(st, status, f"POST {path} {body}: {text!r}")
        return text


class Cgi:
    """callrouter as CGI, as a cgi-bin runs it: the query string and path from the URL."""

    def __init__(self, run, ini):
        self.run, self.ini = run, ini

    def post(self, body, url=PUBLIC, status=200):
        path, _, query = re.match(r"https?://[^/]+(/.*)$", url).group(1).partition("?")
        st, _, text, err = self.run.cgi(body, config=self.ini, env={"QUERY_STRING": query, "REQUEST_URI": path +
                                                                    ("?" + query if query else "")})
        eq(st, status, f"CGI {path}?{query} {body}: {text!r} {err}")
        return text


def journal_lines(path, n):
    wait_for(lambda: os.path.exists(path) and open(path).read().count("\n") >= n, timeout=10,
             what=f"{n} journal lines")
    with open(path) as f:
        return [json.loads(line) for line in f]


def calls(run, ini, *extra):
    r = subprocess.run([run.bin, "--config", ini, "--calls"] + list(extra), capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    return r.stdout


def three_legs(run, client, ini, journal):
    caller = "from=0211123456&to=4921199999&direction=in"
    eq(client.post(f"event=newCall&callId=c1&{caller}&user%5B%5D=Anna+Schmidt"),
       dial("4921112345601", "4921112345602"), "the first leg: the office rule")
    eq(client.post("event=hangup&callId=c1&cause=forwarded"), HEAD + "<Response/>\n", "the first leg forwarded")
    eq(client.post(f"event=newCall&callId=c2&origCallId=c1&{caller}&user%5B%5D=Bob&userId%5B%5D=w1"), NOTHING,
       "the forwarded leg to Bob: desk-leg passes, the account's forward goes on")
    eq(client.post("event=hangup&callId=c2&cause=forwarded"), HEAD + "<Response/>\n", "Bob's leg forwarded")
    vm = client.post(f"event=newCall&callId=c3&origCallId=c1&xcid=x1&{caller}&user%5B%5D=voicemail")
    eq(vm, gather("then=rule.voicemail-leg", "https://example.com/sounds/after-hours.wav", "c3",
                  "then=rule.voicemail-leg"), "the voicemail leg: its announcement, leading on")
    eq(client.post("event=dtmf&callId=c3&dtmf=", on_data(vm)), VOICEMAIL, "after the announcement: the voicemail")
    eq(client.post("event=answer&callId=c3&user=voicemail"), HEAD + "<Response/>\n", "the voicemail answers")
    eq(client.post("event=hangup&callId=c3&cause=normalClearing"), HEAD + "<Response/>\n", "the caller hangs up")
    lines = journal_lines(journal, 8)
    eq([(e["event"], e["callId"]) for e in lines],
       [("newCall", "c1"), ("hangup", "c1"), ("newCall", "c2"), ("hangup", "c2"), ("newCall", "c3"), ("dtmf", "c3"),
        ("answer", "c3"), ("hangup", "c3")], "the journal")
    eq(lines[2].get("origCallId"), "c1", "c2's origCallId")
    eq(lines[2].get("leg"), "later", "c2's leg")
    eq(lines[2].get("userIds"), ["w1"], "c2's userIds")
    eq(lines[4].get("leg"), "voicemail", "c3's leg")
    eq(lines[4].get("xcid"), "x1", "c3's xcid")
    eq(lines[5].get("then"), "rule.voicemail-leg", "the dtmf after the announcement")
    table = calls(run, ini)
    rows = table.splitlines()
    eq(len(rows), 3, "--calls: a head, one row, the count\n" + table)
    expect(re.search(r"office -> desk-leg -> voicemail-leg +dial 4921112345601 4921112345602 +voicemail +voicemail "
                     r"+\d+s +\d+s +normalClearing$", rows[1]), "--calls row:\n" + table)
    eq(rows[2], "1 call", "--calls")
    return table


@case("legs: a call of three legs through nginx (the first forwarded, the second to Bob, the third to the "
      "voicemail): the answers, the journal with origCallId, and one --calls row, its outcome voicemail")
def _(run):
    ini, journal = rules(run)
    table = three_legs(run, Nginx(run, ini), ini, journal)
    print("     figures: --calls:\n" + "\n".join("       " + line for line in table.splitlines()), flush=True)


@case("legs: the same call of three legs as CGI: the same answers, journal and --calls row")
def _(run):
    ini, journal = rules(run)
    three_legs(run, Cgi(run, ini), ini, journal)


@case("legs: a rule with leg = voicemail answers only the voicemail leg; a later leg no rule names gets "
      "<Response/>, the log and --test say why")
def _(run):
    ini, journal = rules(run)
    c = Cgi(run, ini)
    caller = "from=0211123456&to=4921199999&direction=in"
    eq(c.post(f"event=newCall&callId=v1&{caller}&user%5B%5D=voicemail"), dial("4921112345601", "4921112345602"),
       "a first leg with user[] voicemail is a first leg")
    expect(c.post(f"event=newCall&callId=v2&origCallId=v1&{caller}&user%5B%5D=VoiceMail").find("after-hours.wav") > 0,
           "the voicemail leg")
    eq(c.post(f"event=newCall&callId=v3&origCallId=v1&{caller}&user%5B%5D=Carl"), NOTHING, "a later leg to Carl")
    r = subprocess.run([run.bin, "--config", ini, "--test",
                        f"event=newCall&callId=v3&origCallId=v1&{caller}&user%5B%5D=Carl"],
                       capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    for want in ("leg: later, origCallId 'v1' is not callId 'v3'",
                 "rule voicemail-leg (line 17): no match: a later leg, not voicemail",
                 "rule desk-leg (line 21): no match: user[] (carl) names nobody of '@desks'",
                 "rule office (line 26): no match: a later leg (origCallId v1), and the rule names no leg",
                 "no rule matched this later leg of v1: <Response/>, so that the account's own forward or voicemail "
                 "goes on",
                 'status=200 event=newCall direction=in from=49211123456 to=4921199999 callId=v3 leg=later rule=none '
                 'action=none detail="no rule for this later leg of v1: the account\'s own forward or voicemail goes on"'):
        expect(want in r.stderr, f"--test does not say {want!r}:\n{r.stderr}")


@case("announcements that lead on, through nginx: play then dial, then voicemail, then menu, then dial $to, each "
      "answered through the dtmf push that follows the <Gather timeout=\"0\">")
def _(run):
    ini, journal = rules(run)
    n = Nginx(run, ini)
    a = n.post("event=newCall&callId=p1&from=0211123456&to=4921199991&direction=in")
    eq(a, gather("then=rule.announce-dial", "https://example.com/sounds/hold.wav", "p1", "then=rule.announce-dial"),
       "play then dial")
    eq(n.post("event=dtmf&callId=p1&dtmf=", on_data(a)), dial("4921112345603"), "then dial")
    # sipgate.io sends the dtmf push with no dtmf field too; a key typed during it is not read.
    b = n.post("event=newCall&callId=p2&from=0211123456&to=4921199992&direction=in")
    eq(n.post("event=dtmf&callId=p2&dtmf=5", on_data(b)), VOICEMAIL, "then voicemail (a key during it)")
    c = n.post("event=newCall&callId=p3&from=0211123456&to=4921199993&direction=in")
    m = n.post("event=dtmf&callId=p3", on_data(c))
    eq(m, gather("menu=main", "https://example.com/sounds/welcome.wav", "p3", "menu=main", timeout=5000),
       "then menu main")
    eq(n.post("event=dtmf&callId=p3&dtmf=1", on_data(m)), dial("4921112345601"), "1 in the menu")
    # then dial $to: the called number rides in the URL, under the token.
    d = n.post("event=newCall&callId=p4&from=0211123456&to=4921199994&direction=in")
    eq(d, gather("then=rule.announce-to&amp;to=4921199994", "https://example.com/sounds/hold.wav", "p4",
                 "then=rule.announce-to&to=4921199994"), "play then dial $to")
    eq(n.post("event=dtmf&callId=p4&dtmf=", on_data(d)), dial("4921199994"), "then dial $to")
    n.post("event=dtmf&callId=p4&dtmf=", on_data(d).replace("to=4921199994", "to=4919000000"), status=403)
    out = n.cr.output()
    expect('detail="then=rule.announce-voicemail dtmf=5"' in out and "token=ok" in out, out)


@case("tokens through nginx: a dtmf push with another call's token, with none, and with a token for another "
      "menu is refused 403 and logged; the call's own is answered")
def _(run):
    ini, journal = rules(run)
    n = Nginx(run, ini)
    c = n.post("event=newCall&callId=t1&from=0211123456&to=4921199993&direction=in")
    url = on_data(c)
    m = n.post("event=dtmf&callId=t1&dtmf=", url)
    menu_url = on_data(m)
    # Another call's push (a signed one replayed from another account looks the same) with t1's token.
    text = n.post("event=dtmf&callId=t2&dtmf=1", menu_url, status=403)
    eq(text, "forbidden: the token does not fit callId 't2' and menu=main (a push of another call or account "
             "replayed, or a URL made up)\n", "another call's token")
    text = n.post("event=dtmf&callId=t1&dtmf=1", menu_url.split("&t=")[0], status=403)
    eq(text, "forbidden: no token (t=) in the URL of menu=main, and a secret binds it to its call\n", "no token")
    other = menu_url.replace("menu=main", "menu=other")
    text = n.post("event=dtmf&callId=t1&dtmf=1", other, status=403)
    expect(text.startswith("forbidden: the token does not fit callId 't1' and menu=other"), text)
    text = n.post("event=dtmf&callId=t1&dtmf=1", url.replace("then=rule.announce-menu", "then=rule.announce-dial"),
                  status=403)
    expect(text.startswith("forbidden: the token does not fit callId 't1' and then=rule.announce-dial"), text)
    eq(n.post("event=dtmf&callId=t1&dtmf=1", menu_url), dial("4921112345601"), "the call's own token")
    out = n.cr.output()
    eq(out.count("status=403 event=dtmf"), 4, out)
    eq(out.count("token=bad"), 3, out)
    eq(out.count("token=missing"), 1, out)
    # A 403 leaves no journal line: the newCall, two dtmf pushes answered.
    eq(len(journal_lines(journal, 3)), 3, "journal lines")


@case("menus through nginx: a key not listed plays invalid and asks again; when the tries run out, 'other'")
def _(run):
    ini, journal = rules(run)
    n = Nginx(run, ini)
    c = n.post("event=newCall&callId=m1&from=0211123456&to=4921199993&direction=in")
    m = n.post("event=dtmf&callId=m1&dtmf=", on_data(c))
    bad = n.post("event=dtmf&callId=m1&dtmf=9", on_data(m))
    eq(bad, gather("then=invalid.main.2", "https://example.com/sounds/invalid.wav", "m1", "then=invalid.main.2"),
       "9: the invalid sound, leading on")
    again = n.post("event=dtmf&callId=m1&dtmf=", on_data(bad))
    eq(again, gather("menu=main&amp;try=2", "https://example.com/sounds/welcome.wav", "m1", "menu=main&try=2",
                     timeout=5000), "the menu again, try 2")
    eq(n.post("event=dtmf&callId=m1&dtmf=9", on_data(again)), VOICEMAIL, "9 again, the last try: other")
    out = n.cr.output()
    expect('detail="menu=main dtmf=9 choice=invalid try 1 of 2"' in out, out)
    expect('detail="menu=main dtmf=9 try 2 of 2 choice=other"' in out, out)
    lines = journal_lines(journal, 5)
    eq([e.get("choice") for e in lines if e["event"] == "dtmf" and e.get("menu")], ["invalid", "other"], "choices")
    table = calls(run, ini)
    expect("[main:9 main:9] voicemail" in table, table)


@case("calls: the README's curl (no event, no callId) is journalled, and --calls says it left it out; one call "
      "is '1 call'")
def _(run):
    ini, journal = rules(run)
    c = Cgi(run, ini)
    c.post("from=492111234567&to=4921199999&direction=in")
    c.post("event=newCall&callId=n1&from=0211123456&to=4921199999&direction=in")
    eq(len(journal_lines(journal, 2)), 2, "journal lines")
    r = subprocess.run([run.bin, "--config", ini, "--calls"], capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    eq(r.stdout.splitlines()[-1], "1 call", "the count")
    eq(r.stderr, f"callrouter: --calls: {journal}: 1 event without a callId (a push of the oldest form, such as a "
                 "curl with from, to and direction only): no call to join it to; not in the table\n", "stderr")


@case("calls: a call whose hangup never comes is open, and lost once it has had no event for an hour "
      "(--calls --at)")
def _(run):
    ini, journal = rules(run)
    c = Cgi(run, ini)
    c.post("event=newCall&callId=l1&from=0211123456&to=4921199999&direction=in")
    c.post("event=newCall&callId=l2&from=0211123457&to=4921199999&direction=in")
    c.post("event=hangup&callId=l2&cause=cancel")
    import time

    def at(secs):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + secs))
    table = calls(run, ini, "--at", at(60))
    row = [r for r in table.splitlines() if "49211123456 " in r]
    expect(len(row) == 1 and " open " in row[0], table)
    missed = [r for r in table.splitlines() if "49211123457 " in r]
    expect(len(missed) == 1 and " missed " in missed[0] and missed[0].endswith("cancel"), table)
    later = calls(run, ini, "--at", at(3600 + 120))
    row = [r for r in later.splitlines() if "49211123456 " in r]
    expect(len(row) == 1 and " lost " in row[0], later)


@case("path: a push to another path than public_url's is answered, and said with both paths: once by a FastCGI "
      "process, by each CGI request without 'said once'")
def _(run):
    ini, journal = rules(run)
    n = Nginx(run, ini)
    for i in range(3):
        n.post(f"event=newCall&callId=w{i}&from=0211123456&to=4921199999&direction=in",
               url="https://calls.example.com/elsewhere")
    n.post("event=newCall&callId=w9&from=0211123456&to=4921199999&direction=in")
    out = n.cr.output()
    notice = ("a push came to /elsewhere, but public_url's path is /callrouter: sipgate.io sends the keys, answer "
              "and hangup events of its calls to public_url")
    eq(out.count(notice + " (said once)"), 1, out)
    # As CGI each request is a process of its own: each says it, and none says "said once".
    for i in range(2):
        st, _, _, err = run.cgi(f"event=newCall&callId=g{i}&from=0211123456&to=4921199999&direction=in", config=ini,
                                env={"REQUEST_URI": "/elsewhere"})
        eq(st, 200, err)
        expect(notice in err and "said once" not in err, "CGI: " + err)


@case("legs: the shipped etc/legs.ini, as the README shows it: --check, the --test trace of a later leg, and "
      "a call of three legs through it as one --calls row")
def _(run):
    from harness import ROOT
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    m = re.search(r"^    \$ build/callrouter --config etc/legs\.ini --test \\\n        '([^']*)'\n\n```\n(.*?)```", readme,
                  re.M | re.S)
    expect(m, "README shows no --test of etc/legs.ini")
    r = subprocess.run([run.bin, "--config", "etc/legs.ini", "--test", m.group(1)], capture_output=True, text=True,
                       cwd=ROOT)
    eq(r.returncode, 0, r.stderr)
    trace = [line for line in r.stderr.splitlines()
             if not line.startswith(("etc/legs.ini:", "status=", "journal (not written"))]
    eq("\n".join(trace) + "\n", m.group(2), "the README's trace")
    # The example with a journal and a secret of the run's own.
    with open(os.path.join(ROOT, "etc", "legs.ini")) as f:
        text = f.read()
    # callrouter.ini(5) shows it from [settings] on, as it is.
    with open(os.path.join(ROOT, "doc", "callrouter.ini.5")) as f:
        page = f.read()
    m = re.search(r"^\.SS A call of several legs\n.*?^\.EX\n(.*?)^\.EE", page, re.M | re.S)
    expect(m, "callrouter.ini.5 shows no etc/legs.ini")
    eq(m.group(1).replace("\\-", "-").replace("\\\\", "\\"), text[text.index("[settings]"):],
       "etc/legs.ini in callrouter.ini(5)")
    journal = run.path("calls.jsonl")
    expect("journal = /var/lib/callrouter/calls.jsonl" in text, "etc/legs.ini: no journal line; update the test")
    ini = run.write("legs.ini", text.replace("/var/lib/callrouter/calls.jsonl", journal))
    os.chmod(run.write("secret", SECRET + "\n"), 0o640)
    rc = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True)
    eq((rc.returncode, rc.stderr), (0, ""), "--check of etc/legs.ini")
    c = Cgi(run, ini)
    caller = "from=0211123456&to=4921199999&direction=in"
    c.post(f"event=newCall&callId=c1&{caller}")
    c.post("event=hangup&callId=c1&cause=forwarded")
    eq(c.post(f"event=newCall&callId=c2&origCallId=c1&{caller}&user%5B%5D=Bob"), NOTHING, "the desk leg")
    c.post("event=hangup&callId=c2&cause=forwarded")
    vm = c.post(f"event=newCall&callId=c3&origCallId=c1&{caller}&user%5B%5D=voicemail")
    eq(c.post("event=dtmf&callId=c3", on_data(vm)), VOICEMAIL, "after the announcement")
    c.post("event=answer&callId=c3&user=voicemail")
    c.post("event=hangup&callId=c3&cause=normalClearing")
    rows = calls(run, ini).splitlines()
    eq(len(rows), 3, "\n".join(rows))
    expect(" office -> desk-leg -> voicemail-leg " in rows[1] and " voicemail " in rows[1], rows[1])
