"""Hostile requests, each through the real binary twice: as CGI
(environment and stdin) and as FastCGI behind a real nginx (the shipped snippet), sent
with a raw HTTP client so that anything can be sent. Each case checks the documented
status and message (callrouter's one text/plain line, or nginx's own page where nginx
refuses the request before callrouter sees it, see LIMITS and FAILURE BEHAVIOUR in callrouter(8)), that the request
left exactly one log line and only whole log lines, and that the process still answers
a good request afterwards."""

import time

from fixtures import DIAL_OFFICE, EMPTY, GOOD, RULES, TEXT, XML
from harness import FORM, FcgiClient, case, eq, expect, fcgi_params, http, log_lines_only, status_lines, wait_for

BIG_RULES = RULES.replace("max_body = 1024", "max_body = 1048576")


def bigger_nginx(snippet):
    return (snippet.replace("client_max_body_size 16k;", "client_max_body_size 2m;")
            .replace("client_body_buffer_size 16k;", "client_body_buffer_size 2m;"))


def at(body, needle):
    """The 1-based byte offset that callrouter names for a bad %-escape."""
    return body.index(needle) + 1


def dial(*numbers, attrs=""):
    inner = "".join(f"    <Number>{n}</Number>\n" for n in numbers)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial{attrs}>\n{inner}  </Dial>\n</Response>\n'




# Expected answers: ("cr", status, exact body) from callrouter; ("nginx", status, title) from nginx
# itself; ("none",) when nginx closes the connection without an answer (the client hung up).
def cr(status, body):
    return ("cr", status, body if status == 200 or body == "" else body + "\n")


def ng(status, title):
    return ("nginx", status, title)


M405 = "method not allowed: sipgate.io POSTs"
M415 = "unsupported media type: expected application/x-www-form-urlencoded"
M411 = "length required: no Content-Length"
MBADCL = "bad Content-Length: not a decimal number"
MNODIR = "missing field 'direction'"
MEVENT = "unknown event: expected newCall, answer, hangup or dtmf"
NG400 = ng(400, "400 Bad Request")

# name, request, CGI answer, nginx answer (None: the same as CGI).
# request keys: body, method, ctype (None: no header), clen ("auto", None: no header, or literal;
# CGI: CONTENT_LENGTH as given), query (QUERY_STRING / the URL's query), big (max_body 1 MiB and
# nginx's body limit 2 MiB), slow (body in 5 parts, 0.2 s apart), hangup (the client closes after
# half the body).
CASES = []


def H(name, req, cgi_want, nginx_want=None):
    CASES.append((name, req, cgi_want, nginx_want or cgi_want))


# --- Content-Length ---
# Behind nginx a request without a length has no body (HTTP/1.1), and callrouter
# reads the FastCGI body to its end: empty, so the fields are missing.
H("CONTENT_LENGTH missing is 411 (nginx: no body, 400)", dict(body=GOOD, clen=None), cr(411, M411),
  cr(400, "missing field 'direction'"))
H("CONTENT_LENGTH empty is 411 (nginx: its own 400)", dict(body=GOOD, clen=""), cr(411, M411), NG400)
H("CONTENT_LENGTH -1 (a body of unknown length) is 411 as CGI", dict(body=GOOD, clen="-1"),
  cr(411, "length required: Content-Length -1 (a body of unknown length)"), NG400)
H("CONTENT_LENGTH negative is 400", dict(body=GOOD, clen="-2"), cr(400, MBADCL), NG400)
H("CONTENT_LENGTH non-numeric is 400", dict(body=GOOD, clen="abc"), cr(400, MBADCL), NG400)
H("CONTENT_LENGTH with a plus sign is 400", dict(body=GOOD, clen="+44"), cr(400, MBADCL), NG400)
H("CONTENT_LENGTH in hex is 400", dict(body=GOOD, clen="0x2c"), cr(400, MBADCL), NG400)
H("CONTENT_LENGTH with a trailing space is 400", dict(body=GOOD, clen="44 x"), cr(400, MBADCL), NG400)
H("CONTENT_LENGTH huge (20 digits) is 413 without reading",
  dict(body=GOOD, clen="99999999999999999999"), cr(413, "body too large: more than max_body (1024 bytes)"), NG400)
H("CONTENT_LENGTH over max_body is 413 before reading", dict(body=GOOD + "&pad=" + "x" * 4951),
  cr(413, "body too large: 5000 bytes, max_body is 1024"))
H("CONTENT_LENGTH max_body + 1 is 413", dict(body=GOOD + "&pad=" + "x" * (1025 - len(GOOD) - 5)),
  cr(413, "body too large: 1025 bytes, max_body is 1024"))
H("CONTENT_LENGTH exactly max_body is 200", dict(body=GOOD + "&pad=" + "x" * (1024 - len(GOOD) - 5)),
  cr(200, DIAL_OFFICE))
H("CONTENT_LENGTH with leading zeros is a number", dict(body=GOOD, clen="00" + str(len(GOOD))), cr(200, DIAL_OFFICE))
H("CONTENT_LENGTH larger than the body is 400 (nginx: the client hangs up)",
  dict(body=GOOD, clen=str(len(GOOD) + 20), hangup=True),
  cr(400, f"body shorter than Content-Length: got {len(GOOD)} of {len(GOOD) + 20} bytes"), ("none",))
H("CONTENT_LENGTH smaller than the body: only that many bytes count",
  dict(body=GOOD + "&from=1&direction=out", clen=str(len(GOOD))), cr(200, DIAL_OFFICE))
H("CONTENT_LENGTH 0 with a body is an empty body", dict(body=GOOD, clen="0"), cr(400, MNODIR))

# --- Content-Type ---
H("no CONTENT_TYPE is 415", dict(body=GOOD, ctype=None), cr(415, M415))
H("empty CONTENT_TYPE is 415", dict(body=GOOD, ctype=""), cr(415, M415))
H("multipart/form-data is 415", dict(body="--x\r\nContent-Disposition: form-data; name=from\r\n\r\n1\r\n--x--\r\n",
                                      ctype="multipart/form-data; boundary=x"), cr(415, M415))
H("text/plain is 415", dict(body=GOOD, ctype="text/plain"), cr(415, M415))
H("application/json is 415", dict(body='{"from":"492111234567"}', ctype="application/json"), cr(415, M415))
H("a longer type name is 415", dict(body=GOOD, ctype="application/x-www-form-urlencodedx"), cr(415, M415))
H("a shorter type name is 415", dict(body=GOOD, ctype="application/x-www-form"), cr(415, M415))
H("charset=UTF-8 is fine", dict(body=GOOD, ctype=FORM + "; charset=UTF-8"), cr(200, DIAL_OFFICE))
H("charset=ISO-8859-1 is fine", dict(body=GOOD, ctype=FORM + ";charset=ISO-8859-1"), cr(200, DIAL_OFFICE))
H("type in upper case is fine", dict(body=GOOD, ctype=FORM.upper()), cr(200, DIAL_OFFICE))
H("type with a bare ';' is fine", dict(body=GOOD, ctype=FORM + ";"), cr(200, DIAL_OFFICE))

# --- %-escapes and bytes ---
B = "from=%ZZ&to=4921112345&direction=in"
H("bad %-escape %ZZ is 400", dict(body=B), cr(400, f"malformed body: bad %-escape at byte {at(B, '%ZZ')}"))
B = GOOD + "&x=%"
H("cut %-escape at the end is 400", dict(body=B), cr(400, f"malformed body: bad %-escape at byte {len(B)}"))
B = GOOD + "&x=%4"
H("cut %-escape %4 at the end is 400", dict(body=B), cr(400, f"malformed body: bad %-escape at byte {len(B) - 1}"))
B = "fr%om=492111234567&to=4921112345&direction=in"
H("bad %-escape in a field name is 400", dict(body=B), cr(400, f"malformed body: bad %-escape at byte {at(B, '%om')}"))
B = GOOD + "&unknown=%G1"
H("bad %-escape in an unknown field is 400", dict(body=B), cr(400, f"malformed body: bad %-escape at byte {at(B, '%G1')}"))
H("%-escapes decode: +49 211 1234567", dict(body="from=%2B49%20211%201234567&to=4921112345&direction=in"),
  cr(200, DIAL_OFFICE))
H("%00 in from is 400", dict(body="from=49211%0012&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("%00 in an unknown field is ignored", dict(body=GOOD + "&junk=%00%00"), cr(200, DIAL_OFFICE))
H("%00 in event is 400", dict(body="event=newCall%00&" + GOOD), cr(400, MEVENT))
H("a raw NUL byte in from is 400", dict(body=b"from=49\x00&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("CR LF in direction is 400", dict(body="from=492111234567&to=4921112345&direction=in%0D%0A"),
  cr(400, "bad direction: expected 'in' or 'out'"))
H("control characters in callId are answered, logged escaped",
  dict(body=GOOD + "&callId=a%0Ab%0D%0Ac%1B%5B31m%07%09d", logged="callId=a\\x0ab\\x0d\\x0ac\\x1b[31m\\x07\\x09d"),
  cr(200, DIAL_OFFICE))
H("raw control bytes in an unknown field are ignored", dict(body=GOOD.encode() + b"&x=\x01\x02\x7f\x1b"),
  cr(200, DIAL_OFFICE))
H("invalid UTF-8 in from is 400", dict(body="from=%FF%FE&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("invalid UTF-8 in user[] is answered, logged escaped",
  dict(body=GOOD + "&user%5B%5D=%C0%AF%FF&callId=%E2%82", logged="callId=\\xe2\\x82"), cr(200, DIAL_OFFICE))
H("raw invalid UTF-8 bytes in the body are 400 in from", dict(body=b"from=\xc3\x28&to=4921112345&direction=in"),
  cr(400, "bad from: not a number"))

# --- sizes ---
TEN_K = "&".join(f"f{i}=" for i in range(10000))
H("10,000 fields within max_body are answered", dict(body=TEN_K + "&" + GOOD, big=True), cr(200, DIAL_OFFICE))
H("10,000 fields over max_body are 413 (nginx: its own 413)", dict(body=TEN_K + "&" + GOOD),
  cr(413, f"body too large: {len(TEN_K) + 1 + len(GOOD)} bytes, max_body is 1024"), ng(413, "413 Request Entity Too Large"))
H("a 100,000-byte field name is ignored", dict(body="n" * 100000 + "=1&" + GOOD, big=True), cr(200, DIAL_OFFICE))
H("a 100,000-byte callId is answered, logged cut", dict(body=GOOD + "&callId=" + "c" * 100000, big=True,
                                                        logged="callId=" + "c" * 200 + "... "), cr(200, DIAL_OFFICE))
H("a 10,000-digit from is 400", dict(body="from=" + "4" * 10000 + "&to=4921112345&direction=in", big=True),
  cr(400, "bad from: more than 20 digits"))
H("a 30-digit from is 400", dict(body="from=" + "1" * 30 + "&to=4921112345&direction=in"),
  cr(400, "bad from: more than 20 digits"))
H("a 21-digit to is 400", dict(body="from=492111234567&to=" + "4" * 21 + "&direction=in"),
  cr(400, "bad to: more than 20 digits"))
H("a 20-digit from is a number", dict(body="from=" + "5" * 20 + "&to=4921112345&direction=in"), cr(200, DIAL_OFFICE))

# --- fields ---
H("from given twice is 400", dict(body=GOOD + "&from=4930123456"), cr(400, "field 'from' given more than once"))
H("to given twice is 400", dict(body=GOOD + "&to=4921112345"), cr(400, "field 'to' given more than once"))
H("direction given twice is 400", dict(body=GOOD + "&direction=out"), cr(400, "field 'direction' given more than once"))
H("event given twice is 400", dict(body="event=newCall&event=hangup&" + GOOD), cr(400, "field 'event' given more than once"))
H("user[] repeated 50 times is fine", dict(body=GOOD + "".join(f"&user%5B%5D=u{i}" for i in range(50))),
  cr(200, DIAL_OFFICE))
H("letters in from are 400", dict(body="from=abc&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("letters in to are 400", dict(body="from=492111234567&to=49211abc&direction=in"), cr(400, "bad to: not a number"))
H("ANONYMOUS in upper case is 400", dict(body="from=ANONYMOUS&to=4921112345&direction=in"),
  cr(400, "bad from: not a number"))
H("a lone + in from is 400", dict(body="from=%2B&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("two + in from are 400", dict(body="from=%2B%2B4930123456&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("a SIP-ID 123456e0 in from is answered", dict(body="from=123456e0&to=4921112345&direction=in"), cr(200, DIAL_OFFICE))
H("a SIP-ID in to of an outgoing call: no number to dial, <Response/>",
  dict(body="from=492111234567&to=123456e0&direction=out"), cr(200, EMPTY))
H("a national from is normalised with country_code", dict(body="from=0301234567&to=4921112345&direction=in"),
  cr(200, DIAL_OFFICE))
H("an empty to is 400", dict(body="from=492111234567&to=&direction=in"), cr(400, "bad to: not a number"))
H("direction=IN is 400", dict(body="from=492111234567&to=4921112345&direction=IN"),
  cr(400, "bad direction: expected 'in' or 'out'"))
H("direction with a space is 400", dict(body="from=492111234567&to=4921112345&direction=in+"),
  cr(400, "bad direction: expected 'in' or 'out'"))
H("an empty direction is 400", dict(body="from=492111234567&to=4921112345&direction="),
  cr(400, "bad direction: expected 'in' or 'out'"))
H("an unknown event is 400", dict(body="event=ringing&" + GOOD), cr(400, MEVENT))
H("an empty event is 400", dict(body="event=&" + GOOD), cr(400, MEVENT))
H("event in the wrong case is 400", dict(body="event=NEWCALL&" + GOOD), cr(400, MEVENT))
H("shell and format strings are only data",
  dict(body="from=%24%28touch+%2Ftmp%2Fpwned%29&to=4921112345&direction=in"), cr(400, "bad from: not a number"))
H("format strings in callId are logged as they are",
  dict(body=GOOD + "&callId=%25n%25s%25x%25n", logged="callId=%n%s%x%n"), cr(200, DIAL_OFFICE))

# --- bodies ---
H("an empty body is 400", dict(body=""), cr(400, MNODIR))
H("a body of only '&' is 400", dict(body="&&&&"), cr(400, MNODIR))
H("a body of only '=' is 400", dict(body="="), cr(400, MNODIR))
H("a body of bare names is 400", dict(body="from&to&direction"), cr(400, "bad direction: expected 'in' or 'out'"))
H("a query string instead of a body is 400", dict(body="", query=GOOD), cr(400, MNODIR))
H("a body sent slowly in 5 parts is answered", dict(body=GOOD, slow=True), cr(200, DIAL_OFFICE))
H("a client that hangs up halfway: 400 (nginx: no answer)",
  dict(body=GOOD, hangup=True), cr(400, f"body shorter than Content-Length: got {len(GOOD) // 2} of {len(GOOD)} bytes"),
  ("none",))

# --- methods ---
for _m in ("GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"):
    H(f"{_m} is 405 with Allow: POST", dict(body=GOOD if _m in ("PUT", "PATCH") else "", method=_m,
                                              clen="auto" if _m in ("PUT", "PATCH") else None),
      cr(405, M405), cr(405, "") if _m == "HEAD" else None)  # HEAD: nginx sends no body
H("GET with the fields in the query string is 405", dict(body="", method="GET", clen=None, query=GOOD), cr(405, M405))
H("TRACE is 405 (nginx: its own 405)", dict(body="", method="TRACE", clen=None), cr(405, M405), ng(405, "405 Not Allowed"))
H("CONNECT is 405 (nginx: its own 405)", dict(body="", method="CONNECT", clen=None), cr(405, M405),
  ng(405, "405 Not Allowed"))
H("lower-case post is 405 (nginx: its own 400)", dict(body=GOOD, method="post"), cr(405, M405), NG400)


# --- running the cases ---

def check_answer(where, got, want):
    kind = want[0]
    if kind == "none":
        expect(got is None, f"{where}: expected no answer, got {got!r}")
        return
    expect(got is not None, f"{where}: no answer")
    status, headers, body = got
    eq(status, want[1], f"{where}: status")
    if kind == "nginx":
        expect(headers.get("content-type", "").startswith("text/html"), f"{where}: nginx's own page expected")
        expect(f"<title>{want[2]}</title>" in body, f"{where}: nginx page {body[:200]!r} lacks {want[2]!r}")
        return
    eq(headers.get("content-type"), XML if status == 200 else TEXT, f"{where}: content type")
    eq(body, want[2], f"{where}: body")
    if status == 405:
        eq(headers.get("allow"), "POST", f"{where}: Allow header")


def rules_for(run, req):
    return run.write("rules.ini", BIG_RULES if req.get("big") else RULES)


def cgi_case(req, want):
    def fn(run):
        ini = rules_for(run, req)
        body = req.get("body", "")
        body = body.encode() if isinstance(body, str) else body
        env = {"QUERY_STRING": req["query"]} if "query" in req else None
        clen = req.get("clen", "auto")
        feed = body[:len(body) // 2] if req.get("hangup") and clen == "auto" else body
        if req.get("hangup") and clen == "auto":
            clen = str(len(body))
        rc, status, headers, out, err = run.cgi(feed, method=req.get("method", "POST"),
                                                content_type=req.get("ctype", FORM), content_length=clen, config=ini,
                                                env=env, stdin_pieces=5 if req.get("slow") else None,
                                                delay=0.2 if req.get("slow") else 0, exit_code=True)
        eq(rc, 0, "exit code")
        check_answer("cgi", (status, headers, out), want)
        log_lines_only(err, "cgi log")
        lines = status_lines(err)
        eq(len(lines), 1, "log lines of the request")
        expect(f"status={want[1]} " in lines[0], "log line has the status: " + lines[0])
        if "logged" in req:
            expect(req["logged"] in lines[0], f"log line lacks {req['logged']!r}: {lines[0][:400]}")
        # The next request is answered as usual.
        rc, status, headers, out, err = run.cgi(GOOD, config=ini, exit_code=True)
        eq((rc, status, out), (0, 200, DIAL_OFFICE), "the next request")
    return fn


def nginx_case(req, want):
    def fn(run):
        ini = rules_for(run, req)
        crp = run.callrouter(ini)
        ngp, port = run.nginx(crp.listen[5:], snippet_edit=bigger_nginx if req.get("big") else None)
        headers = []
        if req.get("ctype", FORM) is not None:
            headers.append(("Content-Type", req.get("ctype", FORM)))
        target = req.get("target") or "/" + ("?" + req["query"] if "query" in req else "")
        body = req.get("body", "")
        body = body.encode() if isinstance(body, str) else body
        clen = req.get("clen", "auto")
        hang = None
        if req.get("hangup"):
            hang = len(body) // 2 if clen == "auto" else len(body)
        got = http(port, method=req.get("method", "POST"), body=body, headers=headers, content_length=clen,
                   target=target, pieces=5 if req.get("slow") else None, delay=0.2, hangup_after=hang)
        check_answer("nginx", got, want)
        # The request left one log line when callrouter answered it, none when nginx did.
        got2 = http(port, body=GOOD, headers=[("Content-Type", FORM)])
        check_answer("nginx, the next request", got2, cr(200, DIAL_OFFICE))
        expect(crp.alive(), "callrouter died")
        out = crp.output()
        log_lines_only(out, "callrouter log")
        lines = status_lines(out)
        eq(len(lines), 2 if want[0] == "cr" else 1, "log lines")
        if want[0] == "cr":
            expect(f"status={want[1]} " in lines[0], "log line has the status: " + lines[0])
            if "logged" in req:
                expect(req["logged"] in lines[0], f"log line lacks {req['logged']!r}: {lines[0][:400]}")
        expect("status=200 " in lines[-1], lines[-1])
    return fn


for _name, _req, _cgi, _nginx in CASES:
    case("hostile cgi: " + _name)(cgi_case(_req, _cgi))
    case("hostile nginx: " + _name)(nginx_case(_req, _nginx))


# --- FastCGI directly: what nginx keeps from callrouter (slow and vanishing clients) ---

def fcgi_good(crp):
    from harness import fcgi_request
    eq(fcgi_request(crp.listen, GOOD)[::2], (200, DIAL_OFFICE), "the next request")


@case("hostile fastcgi: a body sent slowly, 4 bytes at a time, is answered")
def _(run):
    crp = run.callrouter(run.write("rules.ini", RULES))
    c = FcgiClient(crp.listen)
    c.begin(fcgi_params(GOOD.encode()))
    for i in range(0, len(GOOD), 4):
        c.send(GOOD[i:i + 4].encode())
        time.sleep(0.03)
    c.end()
    s, h, b = c.answer()
    eq((s, b), (200, DIAL_OFFICE))
    fcgi_good(crp)


@case("hostile fastcgi: a client that hangs up halfway through the body: logged 400, next served")
def _(run):
    crp = run.callrouter(run.write("rules.ini", RULES))
    c = FcgiClient(crp.listen)
    c.begin(fcgi_params(GOOD.encode()))
    c.send(GOOD[:20].encode())
    c.close()
    wait_for(lambda: len(status_lines(crp.output())) == 1, what="the log line of the cut request")
    line = status_lines(crp.output())[0]
    expect(f"status=400 " in line and f"got 20 of {len(GOOD)} bytes" in line, line)
    fcgi_good(crp)
    log_lines_only(crp.output(), "callrouter log")


@case("hostile fastcgi: a client that hangs up before reading the answer: next served")
def _(run):
    crp = run.callrouter(run.write("rules.ini", RULES), threads=1)
    for _ in range(20):
        c = FcgiClient(crp.listen)
        c.begin(fcgi_params(GOOD.encode()))
        c.send(GOOD.encode())
        c.end()
        c.close()
    wait_for(lambda: len(status_lines(crp.output())) == 20, what="20 log lines")
    fcgi_good(crp)
    expect(crp.alive(), "died")


@case("hostile fastcgi: connections that send nothing, garbage or half a record: next served")
def _(run):
    import socket
    crp = run.callrouter(run.write("rules.ini", RULES), threads=2)
    path = crp.listen[5:]
    for data in (b"", b"GET / HTTP/1.1\r\n\r\n", b"\x01\x01\x00\x01\x00\x08", b"\xff" * 4096,
                 b"\x01\x04\x00\x01\xff\xff\x00\x00" + b"\x7f" * 100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(data)
        s.close()
    fcgi_good(crp)
    # A client that connects and says nothing does not hold up the others.
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(path)
    idle.sendall(b"\x01\x01\x00\x01\x00\x08\x00\x00")
    t0 = time.monotonic()
    fcgi_good(crp)
    fcgi_good(crp)
    expect(time.monotonic() - t0 < 2, "an idle client held up the others")
    idle.close()
    expect(crp.alive(), "died")
    log_lines_only(crp.output(), "callrouter log")


@case("hostile log: a request full of newlines and control bytes leaves one line")
def _(run):
    crp = run.callrouter(run.write("rules.ini", RULES))
    body = "from=49%0A211&to=49211%0D%0A2026-01-01T00:00:00Z+callrouter[1]:+info:+status=200&direction=in%0A"
    from harness import fcgi_request
    s, h, b = fcgi_request(crp.listen, body)
    eq(s, 400)
    body2 = GOOD + "&callId=x%0Ainfo:+status=200+fake%0D%00%1B%5B2J%E2%80%AE"
    eq(fcgi_request(crp.listen, body2)[0], 200)
    out = crp.output()
    log_lines_only(out, "callrouter log")
    lines = status_lines(out)
    eq(len(lines), 2, "log lines")
    expect("from=49\\x0a211" in lines[0] and "\\x0d\\x0a2026" in lines[0], lines[0])
    expect("callId=\"x\\x0ainfo:" in lines[1] and "\\x00\\x1b[2J\\xe2\\x80\\xae" in lines[1], lines[1])


@case("hostile fastcgi: a client that stalls mid-record holds its worker at most 12 s (10 s read bound, 2 s close linger)")
def _(run):
    import socket
    crp = run.callrouter(run.write("rules.ini", RULES), threads=1)
    stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stalled.connect(crp.listen[5:])
    stalled.sendall(b"\x01\x01\x00\x01\x00\x08\x00\x00")  # a record header, and then nothing
    time.sleep(0.2)
    t0 = time.monotonic()
    c = FcgiClient(crp.listen)
    c.sock.settimeout(20)
    c.begin(fcgi_params(GOOD.encode()))
    c.send(GOOD.encode())
    c.end()
    s, h, b = c.answer()
    took = time.monotonic() - t0
    eq((s, b), (200, DIAL_OFFICE))
    expect(took < 13, f"the only worker was held {took:.1f} s")
    stalled.close()
    expect(crp.alive(), "died")
