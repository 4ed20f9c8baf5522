"""The HTTP answers of callrouter(8), row by row, through the real binary: as CGI (environment and
stdin) and as FastCGI behind a real nginx on a loopback port, driven with curl."""

import os

from fixtures import BUSY, DIAL_OFFICE, EMPTY, RULES, TEXT, XML, write_rules
from harness import FORM, case, curl, eq, expect, Failure

def dial_to(n):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Dial callerId="492111234567">
    <Number>{n}</Number>
  </Dial>
</Response>
"""


# name, request, (status, content type, body or body fragment)
# request keys: body, method, ctype (None: no header), clen (CGI only: override), user
ROWS = [
    ("newCall routed by to", dict(body="from=492111234567&to=4921112345&direction=in"), (200, XML, DIAL_OFFICE)),
    ("seed request, no rule matches", dict(body="from=492111234567&to=4915791234567&direction=in"), (200, XML, EMPTY)),
    ("event=newCall explicit", dict(body="event=newCall&from=492111234567&to=4921112345&direction=in&callId=abc"),
     (200, XML, DIAL_OFFICE)),
    ("from in a list", dict(body="from=%2B4915112345678&to=4921112345&direction=in"), (200, XML,
     '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial>\n    <Number>4915799912345</Number>\n  </Dial>\n</Response>\n')),
    ("anonymous caller rejected busy", dict(body="from=anonymous&to=4921112345&direction=in"), (200, XML, BUSY)),
    ("empty from is anonymous", dict(body="from=&to=4921112345&direction=in"), (200, XML, BUSY)),
    ("prefix 4940* rejected", dict(body="from=494012345&to=4921112345&direction=in"), (200, XML, BUSY)),
    ("outgoing dial $to", dict(body="from=492111234567&to=4915791234567&direction=out"),
     (200, XML, dial_to("4915791234567"))),
    ("outgoing national to normalised", dict(body="from=492111234567&to=0157+91234567&direction=out"),
     (200, XML, dial_to("4915791234567"))),
    ("charset in content type", dict(body="from=492111234567&to=4921112345&direction=in",
                                     ctype="application/x-www-form-urlencoded; charset=UTF-8"), (200, XML, DIAL_OFFICE)),
    ("later fields accepted", dict(body="event=newCall&from=492111234567&to=4921112345&direction=in&callId=123"
                                        "&origCallId=123&xcid=789&diversion=&user%5B%5D=Alice+Smith&user%5B%5D=Bob"
                                        "&userId%5B%5D=w0&fullUserId%5B%5D=1234567w0&unknownField=x"),
     (200, XML, DIAL_OFFICE)),
    ("a later leg no rule names", dict(body="event=newCall&from=492111234567&to=4921112345&direction=in&callId=124"
                                            "&origCallId=123&user%5B%5D=voicemail"),
     (200, XML, EMPTY)),
    ("event answer", dict(body="event=answer&callId=123&user=Alice+Smith&userId=w0&fullUserId=1234567w0"
                               "&from=492111234567&to=4921112345&direction=in&answeringNumber=4921112345"),
     (200, XML, EMPTY)),
    ("event hangup", dict(body="event=hangup&callId=123&cause=normalClearing&from=492111234567&to=4921112345"
                               "&direction=in"), (200, XML, EMPTY)),
    ("event dtmf with digits", dict(body="event=dtmf&callId=123&dtmf=1"), (200, XML, EMPTY)),
    ("event dtmf empty", dict(body="event=dtmf&callId=123&dtmf="), (200, XML, EMPTY)),
    ("event dtmf missing", dict(body="event=dtmf&callId=123"), (200, XML, EMPTY)),
    ("GET is 405", dict(body=None, method="GET"), (405, TEXT, "method not allowed")),
    ("PUT is 405", dict(body="from=1&to=2&direction=in", method="PUT"), (405, TEXT, "method not allowed")),
    ("text/plain is 415", dict(body="from=492111234567&to=4921112345&direction=in", ctype="text/plain"),
     (415, TEXT, "unsupported media type")),
    ("no content type is 415", dict(body="from=492111234567&to=4921112345&direction=in", ctype=None),
     (415, TEXT, "unsupported media type")),
    ("multipart is 415", dict(body="--x\r\n", ctype="multipart/form-data; boundary=x"),
     (415, TEXT, "unsupported media type")),
    ("body over max_body is 413", dict(body="from=492111234567&to=4921112345&direction=in&pad=" + "x" * 1100),
     (413, TEXT, "body too large")),
    ("bad %-escape is 400", dict(body="from=%ZZ&to=4921112345&direction=in"), (400, TEXT, "malformed body")),
    ("cut %-escape is 400", dict(body="from=4921&to=4921112345&direction=in%2"), (400, TEXT, "malformed body")),
    ("missing from is 400", dict(body="to=4921112345&direction=in"), (400, TEXT, "missing field 'from'")),
    ("missing to is 400", dict(body="from=492111234567&direction=in"), (400, TEXT, "missing field 'to'")),
    ("missing direction is 400", dict(body="from=492111234567&to=4921112345"), (400, TEXT, "missing field 'direction'")),
    ("direction IN is 400", dict(body="from=492111234567&to=4921112345&direction=IN"), (400, TEXT, "bad direction")),
    ("letters in from is 400", dict(body="from=abc&to=4921112345&direction=in"), (400, TEXT, "bad from")),
    ("30 digits is 400", dict(body="from=" + "1" * 30 + "&to=4921112345&direction=in"), (400, TEXT, "bad from")),
    ("empty body is 400", dict(body=""), (400, TEXT, "missing field")),
    ("unknown event is 400", dict(body="event=ringing&callId=1"), (400, TEXT, "unknown event")),
]


def check(name, got, want):
    status, headers, body = got
    wstatus, wtype, wbody = want
    eq(status, wstatus, f"{name}: status")
    eq(headers.get("content-type"), wtype, f"{name}: content type")
    if wstatus == 200:
        eq(body, wbody, f"{name}: body")
    else:
        expect(wbody in body and body.count("\n") == 1, f"{name}: body {body!r} lacks {wbody!r} on one line")
    if wstatus == 405:
        eq(headers.get("allow"), "POST", f"{name}: Allow header")


def cgi_row(req, want):
    def fn(run):
        ini = write_rules(run)
        body = req.get("body") or ""
        status, headers, out, err = run.cgi(body, method=req.get("method", "POST"),
                                            content_type=req.get("ctype", FORM), config=ini)
        check("cgi", (status, headers, out), want)
        lines = [l for l in err.splitlines() if "status=" in l]
        eq(len(lines), 1, "log lines for the request")
        expect(f"status={want[0]}" in lines[0], "log line has the status: " + lines[0])
    return fn


def nginx_row(req, want):
    def fn(run):
        ini = write_rules(run)
        cr, ng, url = run.stack(ini)
        headers = []
        ctype = req.get("ctype", FORM)
        if ctype is not None:
            headers.append("Content-Type: " + ctype)
        else:
            headers.append("Content-Type:")
        body = req.get("body")
        got = curl(url, data=body, method=req.get("method", "POST"), headers=headers)
        check("nginx", got, want)
        # The process still serves afterwards.
        again = curl(url, data="from=492111234567&to=4921112345&direction=in", headers=["Content-Type: " + FORM])
        check("nginx, next request", again, (200, XML, DIAL_OFFICE))
    return fn


for _name, _req, _want in ROWS:
    case("cgi: " + _name)(cgi_row(_req, _want))
    case("nginx: " + _name)(nginx_row(_req, _want))


@case("cgi: CONTENT_LENGTH missing is 411")
def _(run):
    s, h, b, _ = run.cgi("from=1&to=2&direction=in", content_length=None, config=write_rules(run))
    eq(s, 411)
    expect("length required" in b, b)


@case("cgi: CONTENT_LENGTH non-numeric is 400")
def _(run):
    for bad in ("abc", "-5", "+5", "5 ", "0x10", "1e3"):
        s, h, b, _ = run.cgi("from=1&to=2&direction=in", content_length=bad, config=write_rules(run))
        eq(s, 400, "CONTENT_LENGTH=" + bad)
        expect("bad Content-Length" in b, b)


@case("cgi: CONTENT_LENGTH huge is 413 without reading")
def _(run):
    s, h, b, _ = run.cgi("from=1", content_length="99999999999999999999", config=write_rules(run))
    eq(s, 413)


@case("cgi: body shorter than CONTENT_LENGTH is 400")
def _(run):
    s, h, b, _ = run.cgi("from=492111234567&to=4921112345&direction=in", content_length="100",
                         config=write_rules(run))
    eq(s, 400)
    expect("shorter than Content-Length" in b, b)


@case("cgi: body longer than CONTENT_LENGTH: only CONTENT_LENGTH bytes read")
def _(run):
    body = "from=492111234567&to=4921112345&direction=in"
    s, h, b, _ = run.cgi(body + "&from=1", content_length=str(len(body)), config=write_rules(run))
    eq(s, 200)
    eq(b, DIAL_OFFICE)


@case("cgi: require_user matches REMOTE_USER is 200")
def _(run):
    ini = run.write("rules.ini", RULES.replace("[settings]", "[settings]\nrequire_user = sipgate"))
    s, h, b, _ = run.cgi("from=492111234567&to=4921112345&direction=in", config=ini, env={"REMOTE_USER": "sipgate"})
    eq(s, 200)


@case("cgi: require_user with another user is 403")
def _(run):
    ini = run.write("rules.ini", RULES.replace("[settings]", "[settings]\nrequire_user = sipgate"))
    s, h, b, _ = run.cgi("from=492111234567&to=4921112345&direction=in", config=ini, env={"REMOTE_USER": "mallory"})
    eq(s, 403)
    s, h, b, _ = run.cgi("from=492111234567&to=4921112345&direction=in", config=ini)
    eq(s, 403, "no REMOTE_USER")


@case("cgi: config that does not load is 500, reason in the log")
def _(run):
    ini = run.write("bad.ini", "[rule x]\naction = explode\n")
    s, h, b, err = run.cgi("from=492111234567&to=4921112345&direction=in", config=ini)
    eq(s, 500)
    eq(h.get("content-type"), TEXT)
    expect("bad.ini:2: unknown action 'explode'" in err, err)


@case("cgi: missing config is 500")
def _(run):
    s, h, b, err = run.cgi("from=1&to=2&direction=in", config=run.path("nope.ini"))
    eq(s, 500)
    expect("nope.ini: cannot open" in err, err)


@case("cgi: callrouter.ini beside the executable is found")
def _(run):
    import shutil
    d = run.path("cgi-bin")
    os.makedirs(d)
    shutil.copy(run.bin, os.path.join(d, "callrouter"))
    run.write(os.path.join(d, "callrouter.ini"), RULES)
    s, h, b, _ = run.cgi("from=492111234567&to=4921112345&direction=in", argv=[os.path.join(d, "callrouter")])
    eq(s, 200)
    eq(b, DIAL_OFFICE)


def htpasswd(run, user, password):
    import subprocess
    hashed = subprocess.run(["openssl", "passwd", "-apr1", password], capture_output=True, text=True,
                            check=True).stdout.strip()
    return run.write(run.unique("htpasswd"), f"{user}:{hashed}\n")


@case("nginx: require_user, Basic Auth: none 401, wrong 401, other user 403, right 200")
def _(run):
    ini = run.write("rules.ini", RULES.replace("[settings]", "[settings]\nrequire_user = sipgate"))
    pw = run.write("htpasswd", "")
    import subprocess
    lines = []
    for u, p in (("sipgate", "secret"), ("mallory", "hunter2")):
        hashed = subprocess.run(["openssl", "passwd", "-apr1", p], capture_output=True, text=True,
                                check=True).stdout.strip()
        lines.append(f"{u}:{hashed}")
    run.write(pw, "\n".join(lines) + "\n")
    cr, ng, url = run.stack(ini, auth=f'auth_basic "callrouter"; auth_basic_user_file {pw};')
    body = "from=492111234567&to=4921112345&direction=in"
    hdr = ["Content-Type: " + FORM]
    eq(curl(url, data=body, headers=hdr)[0], 401, "no credentials")
    eq(curl(url, data=body, headers=hdr, user="sipgate:wrong")[0], 401, "wrong password")
    eq(curl(url, data=body, headers=hdr, user="mallory:hunter2")[0], 403, "another user")
    check("right user", curl(url, data=body, headers=hdr, user="sipgate:secret"), (200, XML, DIAL_OFFICE))


@case("nginx: CONTENT_LENGTH over max_body is 413 from callrouter")
def _(run):
    cr, ng, url = run.stack(write_rules(run))
    s, h, b = curl(url, data="x=" + "1" * 5000, headers=["Content-Type: " + FORM])
    eq(s, 413)
    expect("max_body is 1024" in b, b)


@case("nginx: chunked body without length is 411")
def _(run):
    cr, ng, url = run.stack(write_rules(run))
    s, h, b = curl(url, data="from=492111234567&to=4921112345&direction=in",
                   headers=["Content-Type: " + FORM, "Transfer-Encoding: chunked"])
    expect(s in (200, 411), f"status {s}")
    if s == 200:
        eq(b, DIAL_OFFICE)


@case("cgi: CONTENT_LENGTH with leading zeros is a plain number")
def _(run):
    body = "from=492111234567&to=4921112345&direction=in"
    s, h, b, _ = run.cgi(body, content_length="0000000000" + str(len(body)), config=write_rules(run))
    eq(s, 200)
    eq(b, DIAL_OFFICE)


@case("nginx: a 413 for a 15 KB body reaches the client, 20 times in a row")
def _(run):
    cr, ng, url = run.stack(write_rules(run))
    for _ in range(20):
        s, h, b = curl(url, data="x=" + "1" * 15000, headers=["Content-Type: " + FORM])
        eq(s, 413)
