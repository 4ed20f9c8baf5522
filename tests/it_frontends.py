"""Issue "A FastCGI engine of our own", item 6: three more front ends, each started
for real from the shipped file (only its @...@ names filled in), in the foreground on
127.0.0.1 in the run's folder, and stopped by PID:

  lighttpd/callrouter-lighttpd-socket.conf  mod_fastcgi to callrouter's --listen socket
  lighttpd/callrouter-lighttpd-spawn.conf   mod_fastcgi with bin-path: lighttpd starts callrouter
  caddy/Caddyfile                           reverse_proxy, transport fastcgi, to the socket
  h2o/callrouter-h2o-connect.conf           fastcgi.connect with kept connections
  h2o/callrouter-h2o-spawn.conf             fastcgi.spawn: h2o starts callrouter

For each: the HTTP contract and where the log line lands; a chunked request body
(Caddy sends CONTENT_LENGTH -1 for it); 200 connections at once with wrk."""

import os
import re
import shutil
import subprocess
import time

from fixtures import DEPLOY_CALL, DEPLOY_DIAL, DEPLOY_RULES, XML as XML_TYPE
from harness import FORM, ROOT, _user_group, case, curl, eq, expect, figures, wait_for

RULES = DEPLOY_RULES
CALL, XML, DIAL = DEPLOY_CALL, XML_TYPE, DEPLOY_DIAL


# --- the front ends, each from its shipped file ----------------------------

class Stack:
    """A front end and where callrouter's log lines land under it."""

    def __init__(self, server, port, callrouter_log, where):
        self.server = server
        self.url = f"http://127.0.0.1:{port}/callrouter"
        self.callrouter_log = callrouter_log  # () -> text
        self.where = where


def _tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    expect(path, f"{name} is not installed (make deps installs it)")
    return path


def lighttpd_socket(run):
    cr = run.callrouter(run.write("rules.ini", RULES))
    lt = _tool("lighttpd")
    p, port, _ = run.frontend("lighttpd", "lighttpd/callrouter-lighttpd-socket.conf", {"@SOCKET@": cr.listen[5:]},
                              [lt, "-D", "-f", "@CONF@"], check=[lt, "-tt", "-f", "@CONF@"])
    return Stack(p, port, cr.output, "callrouter's stderr")


def lighttpd_spawn(run):
    ini = run.write("rules.ini", RULES)
    lt = _tool("lighttpd")
    p, port, _ = run.frontend("lighttpd", "lighttpd/callrouter-lighttpd-spawn.conf", {"@BIN@": run.bin, "@CONFIG@": ini},
                              [lt, "-D", "-f", "@CONF@"], check=[lt, "-tt", "-f", "@CONF@"])
    return Stack(p, port, p.output, "lighttpd's stderr")


def caddy(run):
    cr = run.callrouter(run.write("rules.ini", RULES))
    cd = _tool("caddy")
    # Caddy's data, config (autosave.json) and home in the test's folder; no admin port.
    env = dict(os.environ, HOME="@DIR@", XDG_DATA_HOME="@DIR@/data", XDG_CONFIG_HOME="@DIR@/config")
    p, port, _ = run.frontend("caddy", "caddy/Caddyfile", {"@SOCKET@": cr.listen[5:]},
                              [cd, "run", "--config", "@CONF@", "--adapter", "caddyfile"],
                              check=[cd, "validate", "--config", "@CONF@", "--adapter", "caddyfile"], env=env)
    return Stack(p, port, cr.output, "callrouter's stderr")


def h2o_connect(run):
    cr = run.callrouter(run.write("rules.ini", RULES))
    h2o = _tool("h2o")
    p, port, _ = run.frontend("h2o", "h2o/callrouter-h2o-connect.conf",
                              {"@SOCKET@": cr.listen[5:], "@USER@": _user_group()[0]},
                              [h2o, "-c", "@CONF@"], check=[h2o, "-t", "-c", "@CONF@"])
    return Stack(p, port, cr.output, "callrouter's stderr")


def h2o_spawn(run):
    ini = run.write("rules.ini", RULES)
    h2o = _tool("h2o")
    p, port, _ = run.frontend("h2o", "h2o/callrouter-h2o-spawn.conf",
                              {"@BIN@": run.bin, "@CONFIG@": ini, "@USER@": _user_group()[0]},
                              [h2o, "-c", "@CONF@"], check=[h2o, "-t", "-c", "@CONF@"])
    return Stack(p, port, p.output, "h2o's stderr (not its error-log)")


FRONTENDS = [
    ("lighttpd", "callrouter-lighttpd-socket.conf, mod_fastcgi to --listen socket", lighttpd_socket),
    ("lighttpd", "callrouter-lighttpd-spawn.conf, bin-path starts callrouter", lighttpd_spawn),
    ("caddy", "Caddyfile, reverse_proxy transport fastcgi to --listen socket", caddy),
    ("h2o", "callrouter-h2o-connect.conf, fastcgi.connect with keep-alive", h2o_connect),
    ("h2o", "callrouter-h2o-spawn.conf, fastcgi.spawn starts callrouter", h2o_spawn),
]


# --- the checks --------------------------------------------------------------

def contract(run, start):
    st = start(run)
    s, h, b = curl(st.url, data=CALL, headers=["Content-Type: " + FORM])
    eq(s, 200, "the seed POST")
    eq(h.get("content-type"), XML, "content type")
    eq(b, DIAL, "the rule's answer")
    s, h, b = curl(st.url)
    eq(s, 405, "GET")
    eq(h.get("allow"), "POST", "Allow")
    s, h, b = curl(st.url, data=CALL, headers=["Content-Type: text/plain"])
    eq(s, 415, "a body that is not a form")
    # Over max_body (8192): callrouter's 413; over 16 KiB: the front end's own.
    s, h, b = curl(st.url, data=CALL + "&x=" + "9" * 10000, headers=["Content-Type: " + FORM])
    eq(s, 413, "a 10 KB body (over max_body)")
    expect("max_body" in b, "the 413 for 10 KB is not callrouter's: " + b[:200])
    s, h, b = curl(st.url, data=CALL + "&x=" + "9" * 20000, headers=["Content-Type: " + FORM])
    eq(s, 413, "a 20 KB body (over the front end's 16 KiB)")
    # The log line of one request, told apart by its caller's number.
    s, _, _ = curl(st.url, data="from=4921155501234&to=4921112345&direction=in", headers=["Content-Type: " + FORM])
    eq(s, 200, "the marked POST")
    line = re.compile(r"callrouter\[\d+\]: info: status=200 event=newCall direction=in from=4921155501234 "
                      r"to=4921112345 rule=office")
    try:
        wait_for(lambda: line.search(st.callrouter_log()), what="the log line")
    except AssertionError:
        raise AssertionError(f"the request's log line is not in {st.where}:\n" + st.callrouter_log()[-1500:])
    expect(st.server.alive(), "the front end died")


def chunked(run, start):
    st = start(run)
    s, h, b = curl(st.url, data=CALL, headers=["Content-Type: " + FORM, "Transfer-Encoding: chunked"])
    eq(s, 200, f"a chunked request body: {b.strip()[:200]!r}")
    eq(h.get("content-type"), XML, "content type")
    eq(b, DIAL, "the rule's answer")
    # And one over max_body, chunked: 413, whoever says it.
    s, h, b = curl(st.url, data=CALL + "&x=" + "9" * 10000,
                   headers=["Content-Type: " + FORM, "Transfer-Encoding: chunked"])
    eq(s, 413, "a chunked 10 KB body")


def concurrent(run, start):
    st = start(run)
    wrk = _tool("wrk")
    r = subprocess.run([wrk, "-t2", "-c200", "-d3s", "-s", os.path.join(ROOT, "bench", "post.lua"), st.url],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    expect(r.returncode == 0, "wrk failed: " + out)
    m = re.search(r"(\d+) requests in", out)
    expect(m and int(m.group(1)) > 0, "wrk made no request: " + out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    figures(f"wrk -c200 3 s: {m.group(1)} requests ({rps.group(1) if rps else '?'}/s)")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    expect(not m, f"{m.group(1) if m else 0} answers other than 2xx of {out}")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    expect(not m, "socket errors: " + (m.group(0) if m else "") + "\n" + out)
    # Still serving afterwards.
    time.sleep(0.2)
    s, _, b = curl(st.url, data=CALL, headers=["Content-Type: " + FORM])
    eq(s, 200, "a POST after the load")
    eq(b, DIAL, "the answer after the load")
    expect(st.server.alive(), "the front end died")


def _register(server, what, start):
    @case(f"frontend {server}: {what}: seed POST 200 XML, GET 405 Allow POST, 415, 413, the log line where it lands")
    def _(run):
        contract(run, start)

    @case(f"frontend {server}: {what}: chunked request body 200 XML, chunked oversize 413")
    def _(run):
        chunked(run, start)

    @case(f"frontend {server}: {what}: 200 connections at once with wrk, no error")
    def _(run):
        concurrent(run, start)


for _server, _what, _start in FRONTENDS:
    _register(_server, _what, _start)
