"""Issue 4: the files an admin copies, each proved by starting the real server
from it: nginx (nginx/callrouter-server.conf + nginx/callrouter-fastcgi.conf)
over HTTPS, Apache with mod_proxy_fcgi, with mod_fcgid and as a CGI from cgi-bin
with the shipped .htaccess (the static binary), the systemd units, make install
and make uninstall, make static.

The shipped files are used as they are; the tests replace only paths and ports,
and fail when a path they replace is no longer in the file."""

import base64
import filecmp
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time

from fixtures import DEPLOY_CALL, DEPLOY_DIAL, DEPLOY_RULES, XML as XML_TYPE
from harness import (FORM, ROOT, Failure, Process, case, eq, expect, fcgi_request, figures, free_port, shipped,
                     substitute, wait_for, _can_connect_unix, _read, _user_group)

# The deployments check Basic Auth: the rules require the user the web server sets.
RULES = DEPLOY_RULES.replace("max_body = 8192\n", "max_body = 8192\nrequire_user = sipgate\n")
CALL, XML, DIAL = DEPLOY_CALL, XML_TYPE, DEPLOY_DIAL
USERS = (("sipgate", "s3cret pass"), ("mallory", "other"))


# --- helpers ---------------------------------------------------------------

def htpasswd(run):
    """A password file with sipgate (the user require_user names) and mallory."""
    lines = []
    for user, pw in USERS:
        r = subprocess.run(["openssl", "passwd", "-apr1", pw], capture_output=True, text=True, check=True)
        lines.append(f"{user}:{r.stdout.strip()}\n")
    return run.write(run.unique("htpasswd"), "".join(lines))


def certificate(run):
    """A self-signed certificate for calls.example.com and 127.0.0.1; returns (cert, key)."""
    cert, key = run.path("calls.example.com.pem"), run.path("calls.example.com.key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=calls.example.com",
                        "-addext", "subjectAltName=DNS:calls.example.com,IP:127.0.0.1"],
                       capture_output=True, text=True)
    expect(r.returncode == 0, "openssl req: " + r.stderr)
    os.chmod(key, 0o600)
    return cert, key


class Client:
    """One HTTP(S) connection, kept alive across requests as sipgate.io's client may."""

    def __init__(self, port, path, cafile=None):
        self.path = path
        if cafile:
            ctx = ssl.create_default_context(cafile=cafile)  # verifies the chain and 127.0.0.1
            self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=15)
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)

    def request(self, body=None, user=None, method="POST", ctype=FORM, path=None):
        headers = {"Host": "calls.example.com", "User-Agent": "callrouter-test (like sipgate.io)"}
        if body is not None:
            headers["Content-Type"] = ctype
        if user:
            headers["Authorization"] = "Basic " + base64.b64encode(user.encode()).decode()
        self.conn.request(method, path or self.path, body=body.encode() if isinstance(body, str) else body,
                          headers=headers)
        r = self.conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")

    def close(self):
        self.conn.close()


def auth_cases(port, path, cafile=None):
    """The authentication cases (doc/deploy.md) and a rule answer, against one server."""
    c = Client(port, path, cafile)
    # sipgate.io's sequence: the POST without credentials, 401 with a Basic
    # challenge, then the same POST with them.
    s, h, b = c.request(CALL)
    eq(s, 401, "sipgate.io's first POST, without credentials")
    expect(h.get("www-authenticate", "").lower().startswith("basic"),
           f"401 without a Basic challenge: {h.get('www-authenticate')!r}")
    s, h, b = c.request(CALL, user="sipgate:s3cret pass")
    eq(s, 200, "sipgate.io's retry with credentials")
    eq(h.get("content-type"), XML, "content type")
    eq(b, DIAL, "the rule's answer")
    c.close()

    c = Client(port, path, cafile)
    eq(c.request(CALL)[0], 401, "no credentials")
    eq(c.request(CALL, user="sipgate:wrong")[0], 401, "wrong password")
    eq(c.request(CALL, user="nobody:s3cret pass")[0], 401, "unknown user")
    s, h, b = c.request(CALL, user="mallory:other")
    eq(s, 403, "another user the web server authenticated (require_user = sipgate)")
    expect(h.get("content-type", "").startswith("text/plain"), f"403 content type {h.get('content-type')}")
    s, h, b = c.request(None, user="sipgate:s3cret pass", method="GET")
    eq(s, 405, "GET with credentials")
    eq(h.get("allow"), "POST", "Allow")
    s, h, b = c.request(CALL + "&x=" + "9" * 20000, user="sipgate:s3cret pass")
    eq(s, 413, "a body over the limit")
    c.close()


def hung_backend(path):
    """A FastCGI socket that takes connections and never answers."""
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(16)
    return s


def times_out_when_backend_hangs(cr, sock, port, cafile, what):
    """Stops callrouter and puts a socket that never answers in its place: the web server
    in front gives up (504) well before sipgate.io does."""
    cr.stop()
    hold = hung_backend(sock)
    try:
        c = Client(port, "/callrouter", cafile)
        t0 = time.monotonic()
        s, _, _ = c.request(CALL, user="sipgate:s3cret pass")
        took = time.monotonic() - t0
        c.close()
    finally:
        hold.close()
    eq(s, 504, f"{what}: a backend that never answers")
    expect(took < 8, f"{what}: gave up after {took:.1f} s, not well under 10 s")


def make(run, *targets, env_extra=None, stderr=False):
    """Runs make in ROOT with the run's build folder; returns its stdout (and stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(env_extra or {})
    r = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "BUILD=" + run.build] + list(targets),
                       capture_output=True, text=True, env=env, timeout=300)
    expect(r.returncode == 0, f"make {' '.join(targets)}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return (r.stdout, r.stderr) if stderr else r.stdout


def wwwdata_socket_mode():
    # Apache's children run as www-data when the tests run as root.
    return ["--socket-mode", "0666"] if os.getuid() == 0 else []


# --- nginx -----------------------------------------------------------------

def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@case("deploy nginx: callrouter-server.conf over HTTPS: none 401, wrong 401, sipgate's 401-then-retry 200 XML, "
      "other user 403, 16k body 413, hung backend 504 under 10 s")
def _(run):
    ini = run.write("rules.ini", RULES)
    cr = run.callrouter(ini)
    sock = cr.listen[5:]
    cert, key = certificate(run)
    pw = htpasswd(run)
    port, port2 = free_port(), free_port()
    d = run.unique("nginx")
    os.makedirs(d)
    listen6 = f"listen [::1]:{port2} ssl;" if ipv6_loopback() else f"listen 127.0.0.1:{port2} ssl;"
    server = substitute(shipped("nginx/callrouter-server.conf"), [
        ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        ("listen [::]:443 ssl;", listen6),
        ("/etc/ssl/certs/calls.example.com.pem", cert),
        ("/etc/ssl/private/calls.example.com.key", key),
        ("/etc/nginx/callrouter.htpasswd", pw),
        ("unix:/run/callrouter/callrouter.sock", "unix:" + sock),
        ("/etc/nginx/snippets/callrouter-fastcgi.con[f]", os.path.join(ROOT, "nginx", "callrouter-fastcgi.conf")),
    ], "nginx/callrouter-server.conf")
    expect(not re.search(r"^\s*[^#\s][^#]*(/etc/|/run/)", server, re.M), "a system path left in the server block")
    run.write(os.path.join(d, "callrouter-server.conf"), server)
    user, group = _user_group()
    # What /etc/nginx/nginx.conf around sites-enabled/ gives, in the test's folder.
    conf = f"""daemon off;
worker_processes 1;
user {user} {group};
pid {d}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    fastcgi_temp_path {d}/fastcgi;
    proxy_temp_path {d}/proxy;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    default_type text/plain;
    include {d}/callrouter-server.conf;
}}
"""
    cpath = run.write(os.path.join(d, "nginx.conf"), conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    t = subprocess.run([nginx, "-e", "stderr", "-p", d, "-c", cpath, "-t", "-q"], capture_output=True, text=True)
    expect(t.returncode == 0, "nginx -t: " + t.stderr)
    ng = Process(run, [nginx, "-e", "stderr", "-p", d, "-c", cpath], "nginx")
    wait_for(lambda: _port_open(port) or not ng.alive(), what="nginx port")
    expect(ng.alive(), "nginx did not start: " + ng.output())

    auth_cases(port, "/callrouter", cafile=cert)
    # Nothing but /callrouter is served.
    c = Client(port, "/", cert)
    eq(c.request(CALL, user="sipgate:s3cret pass")[0], 404, "another path")
    c.close()
    if listen6.startswith("listen [::1]"):
        c = http.client.HTTPSConnection("::1", port2, context=_no_verify(), timeout=10)
        c.request("POST", "/callrouter", body=CALL, headers={"Content-Type": FORM})
        eq(c.getresponse().status, 401, "the IPv6 listener, no credentials")
        c.close()
    expect("status=200" in cr.output(), "no log line of the 200 from callrouter")

    times_out_when_backend_hangs(cr, sock, port, cert, "nginx")


def _no_verify():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# --- Apache ----------------------------------------------------------------

SSL_AUTH_MODULES = ["ssl", "auth_basic", "authn_file", "authz_user"]


def apache_vhost(run, rel, port, cert, key, pw, extra=()):
    vhost = substitute(shipped(rel), [
        ("<VirtualHost *:443>", f"<VirtualHost 127.0.0.1:{port}>"),
        ("/etc/ssl/certs/calls.example.com.pem", cert),
        ("/etc/ssl/private/calls.example.com.key", key),
        ("/etc/apache2/callrouter.htpasswd", pw),
    ] + list(extra), rel)
    expect(not re.search(r"^\s*[^#\s][^#]*(/etc/|/run/|/usr/local)", vhost, re.M), f"{rel}: a system path left")
    return vhost


@case("deploy apache mod_proxy_fcgi: callrouter-proxy-fcgi.conf over HTTPS: none 401, wrong 401, "
      "sipgate's 401-then-retry 200 XML, other user 403, 16k body 413, hung backend 504 under 10 s")
def _(run):
    ini = run.write("rules.ini", RULES)
    cr = run.callrouter(ini, extra=wwwdata_socket_mode())
    sock = cr.listen[5:]
    cert, key = certificate(run)
    pw = htpasswd(run)
    port = free_port()
    vhost = apache_vhost(run, "apache/callrouter-proxy-fcgi.conf", port, cert, key, pw,
                         [("unix:/run/callrouter/callrouter.sock|", f"unix:{sock}|")])
    ap, port, d = run.apache(vhost, SSL_AUTH_MODULES + ["proxy", "proxy_fcgi"], port=port)
    auth_cases(port, "/callrouter", cafile=cert)
    expect("status=200" in cr.output(), "no log line of the 200 from callrouter")
    times_out_when_backend_hangs(cr, sock, port, cert, "apache mod_proxy_fcgi")


@case("deploy apache mod_fcgid: callrouter-fcgid.conf over HTTPS: Apache starts callrouter, none 401, wrong 401, "
      "sipgate's 401-then-retry 200 XML, other user 403, 20k body 413, 70k refused")
def _(run):
    # Apache's user must read and run them: the test's own folder, not the work tree.
    sbin = run.path("sbin")
    os.makedirs(sbin)
    binary = os.path.join(sbin, "callrouter")
    shutil.copy(run.bin, binary)
    os.chmod(binary, 0o755)
    ini = run.write("rules.ini", RULES)
    cert, key = certificate(run)
    pw = htpasswd(run)
    port = free_port()
    fcgid = run.path("fcgid")
    vhost = apache_vhost(run, "apache/callrouter-fcgid.conf", port, cert, key, pw,
                         [('"/usr/local/sbin/callrouter"', f'"{binary}"'),
                          ("CALLROUTER_CONFIG /etc/callrouter/callrouter.ini", f"CALLROUTER_CONFIG {ini}")])
    server = f"FcgidIPCDir {fcgid}\nFcgidProcessTableFile {fcgid}/shm\n" + vhost
    ap, port, d = run.apache(server, SSL_AUTH_MODULES + ["alias", "fcgid"], port=port)
    auth_cases(port, "/callrouter", cafile=cert)
    # Over FcgidMaxRequestLen: refused by mod_fcgid, callrouter never sees it.
    c = Client(port, "/callrouter", cert)
    s, _, _ = c.request(CALL + "&x=" + "9" * 70000, user="sipgate:s3cret pass")
    expect(s in (413, 500), f"a body over FcgidMaxRequestLen: {s}")
    c.close()
    log = _read(ap.error_log)
    expect("status=200" in log, "no log line of callrouter in Apache's error log:\n" + log[-1500:])
    expect("70047 bytes" not in log, "the body over FcgidMaxRequestLen reached callrouter")
    # mod_fcgid started callrouter once and kept it for every request.
    pids = set(re.findall(r"callrouter\[(\d+)\]: info: status=", log))
    eq(len(pids), 1, "callrouter processes that answered")


@case("deploy apache cgi-bin: static binary as CGI with the shipped .htaccess: none 401, wrong 401, "
      "sipgate's 401-then-retry 200 XML, other user 403, rule file beside it not served")
def _(run):
    make(run, "static")
    static = os.path.join(run.build, "callrouter-static")
    cgibin, docs = run.path("cgi-bin"), run.path("htdocs")
    os.makedirs(cgibin)
    os.makedirs(docs)
    # The host's layout: the binary, its rules beside it, the .htaccess; the password file outside.
    shutil.copy(static, os.path.join(cgibin, "callrouter"))
    os.chmod(os.path.join(cgibin, "callrouter"), 0o755)
    run.write(os.path.join(cgibin, "callrouter.ini"), RULES)
    pw = htpasswd(run)
    run.write(os.path.join(cgibin, ".htaccess"), substitute(
        shipped("apache/htaccess"), [("/home/USER/callrouter.htpasswd", pw)], "apache/htaccess"))
    for p in (cgibin, docs):
        os.chmod(p, 0o755)
    # What a shared host's main config gives a customer: a cgi-bin, .htaccess for AuthConfig.
    server = f"""DocumentRoot {docs}
ScriptSock {run.path('cgid.sock')}
ScriptAlias /cgi-bin/ {cgibin}/
<Directory {cgibin}>
    AllowOverride AuthConfig
    Options None
    Require all granted
</Directory>
"""
    ap, port, d = run.apache(server, ["alias", "cgid", "auth_basic", "authn_file", "authz_user"])
    auth_cases(port, "/cgi-bin/callrouter")
    c = Client(port, "/cgi-bin/callrouter.ini")
    s, _, b = c.request(None, user="sipgate:s3cret pass", method="GET")
    eq(s, 403, "the rule file beside the binary")
    expect("require_user" not in b, "the rule file was served")
    c.close()
    log = _read(ap.error_log)
    expect("status=200" in log, "no log line of callrouter in Apache's error log:\n" + log[-1500:])


# --- make static -----------------------------------------------------------

def elf_segments(path):
    """The p_type of each program header of a 64-bit little-endian ELF file."""
    import struct
    with open(path, "rb") as f:
        head = f.read(64)
        expect(head[:4] == b"\x7fELF" and head[4] == 2 and head[5] == 1, f"{path} is no 64-bit LE ELF")
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return [struct.unpack_from("<I", table, k * phentsize)[0] for k in range(phnum)]


@case("deploy static: make static builds callrouter-static, no shared library, same answers, the signature, --user")
def _(run):
    # Linked again (-W: as if mk/deploy.mk were new), so that what ld says is seen: only
    # the summary of the expected warnings about glibc's NSS functions, nothing else.
    _, err = make(run, "-W", "mk/deploy.mk", "static", stderr=True)
    lines = [line for line in err.splitlines() if line.strip()]
    eq(len(lines), 1, "lines ld and the rule wrote to stderr:\n" + err[-3000:])
    expect(re.fullmatch(r"make static: glibc linked in: the 5 warnings of ld about NSS and dlopen are expected "
                        r"\(mk/deploy.mk\)", lines[0]), lines[0])
    static = os.path.join(run.build, "callrouter-static")
    types = elf_segments(static)
    PT_DYNAMIC, PT_INTERP, PT_GNU_RELRO = 2, 3, 0x6474E552
    expect(PT_INTERP not in types and PT_DYNAMIC not in types,
           f"callrouter-static has a dynamic loader or dynamic section: {types}")
    expect(PT_GNU_RELRO in types, "callrouter-static has no RELRO segment")
    eq(os.path.getsize(static) < 10_000_000, True, f"size {os.path.getsize(static)}")
    ini = os.path.join(ROOT, "etc", "callrouter.ini")
    for at in ("2026-11-30 10:00", "2026-11-30 20:00"):
        argv = ["--config", ini, "--test", "from=0211123456&to=4915791234567&direction=in", "--at", at]
        a = subprocess.run([run.bin] + argv, capture_output=True, text=True)
        b = subprocess.run([static] + argv, capture_output=True, text=True)
        eq((b.returncode, b.stdout), (a.returncode, a.stdout), "--test at " + at)
    # libcrypto linked in: sipgate.io's vector verifies, a changed body does not.
    sig_ini = run.write("sig.ini", "[settings]\nsignature = require\n[rule a]\naction = hangup\n")
    with open(os.path.join(ROOT, "tests", "signature", "signed-body.txt")) as f:
        body = f.read().strip()
    with open(os.path.join(ROOT, "tests", "signature", "signed-body.sig")) as f:
        sig = f.read().strip()
    # An openssl.cnf that asks for a provider no one has: the binary of make (the system's
    # libcrypto) cannot decode a key with it; the static one does not read it.
    cnf = run.write("openssl.cnf", "openssl_conf = init\n[init]\nproviders = prov\n[prov]\nmissing = missing_sect\n"
                                   "[missing_sect]\nmodule = " + run.path("no-such-provider.so") + "\nactivate = 1\n")
    env = dict(os.environ, OPENSSL_CONF=cnf)
    for b, code, word in ((body, 0, "signature=ok"), (body.replace("from=", "from=1", 1), 1, "signature=bad")):
        r = subprocess.run([static, "--config", sig_ini, "--test", b, "--signature", sig],
                           capture_output=True, text=True, timeout=10, env=env)
        eq(r.returncode, code, f"--test --signature: {r.stderr[-400:]}")
        expect(word in r.stderr, f"{word} not in {r.stderr[-400:]}")
    r = subprocess.run([run.bin, "--config", sig_ini, "--test", body, "--signature", sig],
                       capture_output=True, text=True, timeout=10, env=env)
    expect(r.returncode != 0 and "signature=ok" not in r.stderr,
           f"the binary of make read the same OPENSSL_CONF and still verified: {r.stderr[-400:]}")
    expect(sig_ini + ":2: the built-in sipgate.io key: libcrypto cannot read it (is OPENSSL_CONF or openssl.cnf "
           "broken?)" in r.stderr, r.stderr[-400:])
    # glibc linked in looks the user up (NSS files) and drops to it.
    if os.geteuid() == 0:
        port = free_port()
        p = Process(run, [static, "--config", ini, "--listen", f"127.0.0.1:{port}", "--user", "nobody"],
                    "callrouter-static")
        wait_for(lambda: _port_open(port) or not p.alive(), what="callrouter-static port")
        expect(p.alive(), "callrouter-static did not start: " + p.output())
        status, _, answer = fcgi_request(f"127.0.0.1:{port}", "from=492111234567&to=4915791234567&direction=in")
        eq(status, 200, "FastCGI answer of callrouter-static")
        expect("<Response>" in answer, answer)
        expect("running as user nobody" in p.output(), p.output()[-800:])
        eq(p.stop(), 0, "exit code at SIGTERM")


# --- systemd ---------------------------------------------------------------

def unit(rel):
    """A unit file's keys: {key: [values]}."""
    keys = {}
    for line in shipped(rel).splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            k, _, v = line.partition("=")
            keys.setdefault(k, []).append(v)
    return keys


def unit_paths(run, ini):
    return [("/usr/local/sbin/callrouter", run.bin), ("/etc/callrouter/callrouter.ini", ini)]


@case("deploy systemd: callrouter.socket and callrouter.service pass systemd-analyze verify")
def _(run):
    sa = shutil.which("systemd-analyze")
    expect(sa, "systemd-analyze not installed (make deps installs systemd)")
    ini = run.write("rules.ini", RULES)
    d = run.unique("units")
    os.makedirs(d)
    for name in ("callrouter.socket", "callrouter.service"):
        text = shipped("etc/systemd/" + name)
        if name.endswith(".service"):
            text = substitute(text, unit_paths(run, ini), name)
        run.write(os.path.join(d, name), text)
    r = subprocess.run([sa, "verify", "--man=no", os.path.join(d, "callrouter.socket"),
                        os.path.join(d, "callrouter.service")], capture_output=True, text=True)
    expect(r.returncode == 0 and not r.stderr.strip(), f"systemd-analyze verify: {r.stdout}{r.stderr}")
    svc = unit("etc/systemd/callrouter.service")
    for key, want in (("StandardInput", "socket"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                      ("PrivateTmp", "yes"), ("DynamicUser", "yes")):
        eq(svc.get(key), [want], key)
    expect("RestrictAddressFamilies" in svc, "RestrictAddressFamilies")
    r = subprocess.run([sa, "security", "--offline=yes", "--no-pager", os.path.join(d, "callrouter.service")],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", r.stdout)
    if m:  # systemd >= 250
        expect(float(m.group(1)) <= 2.0, f"systemd-analyze security: {m.group(0)}")


@case("deploy systemd: as the units say, socket on fd 0: ExecStartPre check, 200, ExecReload reloads, SIGTERM exit 0")
def _(run):
    sock_unit, svc = unit("etc/systemd/callrouter.socket"), unit("etc/systemd/callrouter.service")
    ini = run.write("rules.ini", RULES)
    repl = unit_paths(run, ini)

    def cmd(line):
        for old, new in repl:
            line = line.replace(old, new)
        return line.split()

    # systemd's part: the socket of ListenStream, with its SocketMode.
    eq(sock_unit["ListenStream"], ["/run/callrouter/callrouter.sock"], "ListenStream")
    path = run.path("callrouter.sock")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    os.chmod(path, int(sock_unit["SocketMode"][0], 8))
    lsock.listen(16)
    try:
        for pre in svc.get("ExecStartPre", []):
            r = subprocess.run(cmd(pre), capture_output=True, text=True)
            expect(r.returncode == 0, f"ExecStartPre {pre}: {r.stderr}")
        eq(svc["StandardInput"], ["socket"], "StandardInput")
        p = Process(run, cmd(svc["ExecStart"][0]), "callrouter", stdin=lsock)
    finally:
        lsock.close()  # the child has it on fd 0
    expect(_can_connect_unix(path), "socket")
    s, h, b = fcgi_request("unix:" + path, CALL, extra={"REMOTE_USER": "sipgate"})
    eq((s, b), (200, DIAL), "request through the socket on fd 0")
    s, h, b = fcgi_request("unix:" + path, CALL, extra={"REMOTE_USER": "mallory"})
    eq(s, 403, "another user")

    run.write("rules.new", RULES.replace("dial 4915799912345", "voicemail"))
    os.rename(run.path("rules.new"), ini)
    reload = svc["ExecReload"][0].replace("$MAINPID", str(p.pid))
    r = subprocess.run(cmd(reload), capture_output=True, text=True)
    expect(r.returncode == 0, f"ExecReload: {r.stderr}")
    wait_for(lambda: "reload on SIGHUP" in p.output() or not p.alive(), what="reload on SIGHUP in the log")
    expect(p.alive(), "callrouter died on ExecReload: " + p.output())
    s, h, b = fcgi_request("unix:" + path, CALL, extra={"REMOTE_USER": "sipgate"})
    eq(s, 200)
    expect("<Voicemail/>" in b, "the reloaded rules did not answer: " + b)
    eq(svc["KillSignal"], ["SIGTERM"], "KillSignal")
    # Within the unit's TimeoutStopSec, as systemd would wait before its SIGKILL.
    stop_sec = int(svc["TimeoutStopSec"][0].rstrip("s"))
    eq(p.stop(signal.SIGTERM, timeout=stop_sec), 0, f"exit code on SIGTERM, within TimeoutStopSec={stop_sec}s")


# --- make install / uninstall ----------------------------------------------

@case("deploy install: make install DESTDIR PREFIX=/usr, installed binary runs, units and man page check, "
      "existing config kept, uninstall removes all but a changed config")
def _(run):
    dest = run.path("dest")
    # A staged install (a package) gets no secret: one in a package would be everyone's.
    staged = run.path("staged")
    make(run, "install", "DESTDIR=" + staged, "PREFIX=/usr")
    expect(os.path.isfile(staged + "/etc/callrouter/callrouter.ini"), "staged install: no rule file")
    expect(not os.path.exists(staged + "/etc/callrouter/secret"), "a staged install made a secret")
    # As on the machine itself (MAKE_SECRET=yes, what an install without DESTDIR does).
    out = make(run, "install", "DESTDIR=" + dest, "PREFIX=/usr", "MAKE_SECRET=yes")
    expect("installed the sample rules" in out, out)
    root = lambda p: dest + p  # noqa: E731
    binary = root("/usr/sbin/callrouter")
    conf = root("/etc/callrouter/callrouter.ini")
    for p in (binary, conf, root("/usr/share/man/man8/callrouter.8"), root("/usr/share/doc/callrouter/README.md"),
              root("/usr/share/doc/callrouter/examples/callrouter.ini"),
              root("/usr/share/doc/callrouter/examples/htaccess"),
              root("/usr/share/doc/callrouter/examples/callrouter-server.conf"),
              root("/usr/lib/systemd/system/callrouter.socket"), root("/usr/lib/systemd/system/callrouter.service")):
        expect(os.path.isfile(p), "not installed: " + p[len(dest):])
    expect(os.access(binary, os.X_OK), "binary not executable")
    expect(filecmp.cmp(conf, os.path.join(ROOT, "etc", "callrouter.ini"), shallow=False), "config is not the sample")
    # The secret of the tokens: made once, mode 0640, kept by the next install.
    secret = root("/etc/callrouter/secret")
    eq(oct(os.stat(secret).st_mode & 0o7777), oct(0o640), "the secret's mode")
    secret_text = _read(secret)
    expect(len(secret_text.strip()) == 44, "the secret: " + secret_text)

    # The installed binary, on the installed rules.
    r = subprocess.run([binary, "--config", conf, "--check"], capture_output=True, text=True)
    expect(r.returncode == 0 and ": ok:" in r.stdout, f"--check: {r.stdout}{r.stderr}")
    r = subprocess.run([binary, "--config", conf, "--test", "from=0211123456&to=4915791234567&direction=in",
                        "--at", "2026-11-30 10:00"], capture_output=True, text=True)
    expect(r.returncode == 0 and "<Number>4921112345601</Number>" in r.stdout, f"--test: {r.stdout}{r.stderr}")
    s, h, b, _ = run.cgi(CALL, argv=[binary], config=conf)
    eq(s, 200, "installed binary as CGI")

    # The units name the installed binary; verified in the installed tree, man page included.
    svc = _read(root("/usr/lib/systemd/system/callrouter.service"))
    expect("ExecStart=/usr/sbin/callrouter --config /etc/callrouter/callrouter.ini" in svc, "ExecStart not adjusted")
    sa = shutil.which("systemd-analyze")
    if sa:
        # With the installed man page found, so Documentation=man:callrouter(8) is checked too.
        units = run.unique("units")
        os.makedirs(units)
        for name in ("callrouter.socket", "callrouter.service"):
            text = _read(root("/usr/lib/systemd/system/" + name)).replace("=/usr/sbin/callrouter", "=" + binary)
            run.write(os.path.join(units, name), text)
        r = subprocess.run([sa, "verify", os.path.join(units, "callrouter.socket"),
                            os.path.join(units, "callrouter.service")], capture_output=True, text=True,
                           env=dict(os.environ, MANPATH=root("/usr/share/man")))
        expect(r.returncode == 0 and not r.stderr.strip(), f"systemd-analyze verify: {r.stdout}{r.stderr}")
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", root("/usr/share/man/man8/callrouter.8")],
                       capture_output=True, text=True)
    expect(r.returncode == 0 and not r.stderr.strip(), "man page: " + r.stderr)

    # A second install keeps the admin's rules.
    run.write(conf, _read(conf) + "\n; changed by the admin\n")
    out = make(run, "install", "DESTDIR=" + dest, "PREFIX=/usr", "MAKE_SECRET=yes")
    expect("kept the existing" in out, out)
    expect("changed by the admin" in _read(conf), "make install overwrote the rule file")
    eq(_read(secret), secret_text, "the secret after a second install")

    out = make(run, "uninstall", "DESTDIR=" + dest, "PREFIX=/usr")
    for p in (binary, root("/usr/share/man/man8/callrouter.8"), root("/usr/share/doc/callrouter"),
              root("/usr/lib/systemd/system/callrouter.service"), root("/usr/lib/systemd/system/callrouter.socket")):
        expect(not os.path.exists(p), "left by uninstall: " + p[len(dest):])
    expect(os.path.exists(conf), "uninstall removed a changed rule file")
    # An unchanged sample goes with the rest.
    shutil.copy(os.path.join(ROOT, "etc", "callrouter.ini"), conf)
    make(run, "uninstall", "DESTDIR=" + dest, "PREFIX=/usr")
    expect(not os.path.exists(conf), "uninstall left the unchanged sample")
    left = [os.path.join(dp, f) for dp, _, fs in os.walk(dest) for f in fs]
    eq(left, [], "files left after uninstall")


TWO_HOSTS_RULES = """[settings]
country_code = 49
public_url = https://example.com/callrouter
journal = {journal}

[rule office]
direction = in
action = dial 4921112345601
"""


@case("deploy two hosts: two callrouters behind one nginx upstream with fastcgi_next_upstream (doc/deploy.md, "
      "Two hosts); one killed with SIGKILL under load: no push fails; the journals merged by time, --calls lists "
      "each call once")
def _(run):
    import threading
    journals = [run.path("host-a.jsonl"), run.path("host-b.jsonl")]
    hosts = []
    for j in journals:
        ini = run.write(os.path.basename(j).replace(".jsonl", ".ini"), TWO_HOSTS_RULES.replace("{journal}", j))
        hosts.append(run.callrouter(ini, threads=2))
    sockets = [h.listen[5:] for h in hosts]
    # The upstream and the location as doc/deploy.md, "Two hosts", writes them (with
    # unix sockets here, where the guide has the hosts' addresses).
    guide = _read(os.path.join(ROOT, "doc", "deploy.md"))
    section = guide[guide.index("## Two hosts"):]
    for line in ("fastcgi_next_upstream error timeout non_idempotent;", "fastcgi_next_upstream_tries 2;",
                 "max_fails=1 fail_timeout=10s;"):
        expect(line in section, f"deploy.md, Two hosts, does not say {line!r}")

    def two(conf):
        conf = re.sub(r"upstream callrouter \{.*?\}", "upstream callrouter {\n" + "".join(
            f"        server unix:{s} max_fails=1 fail_timeout=10s;\n" for s in sockets) + "        keepalive 16;\n    }",
            conf, count=1, flags=re.S)
        return conf.replace("fastcgi_pass callrouter;", "fastcgi_pass callrouter;\n"
                            "            fastcgi_next_upstream error timeout non_idempotent;\n"
                            "            fastcgi_next_upstream_tries 2;")
    _, port = run.nginx(sockets[0], conf_edit=two)

    results, lock = [], threading.Lock()
    stop = threading.Event()

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = 0
        while not stop.is_set():
            call = f"t{k}-{i}"
            i += 1
            try:
                conn.request("POST", "/callrouter", body=f"event=newCall&callId={call}&from=0211123456"
                             "&to=4921199999&direction=in", headers={"Content-Type": FORM})
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 200 and b"<Number>4921112345601</Number>" in body
            except (OSError, http.client.HTTPException) as e:
                ok, body = False, repr(e).encode()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                results.append((call, ok, body[:200]))
    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    before = len(results)
    # Host a hangs first, so that pushes are in flight on it (sent, not answered), then
    # dies: those connections are reset, and nginx must send the pushes to host b.
    hosts[0].send_signal(signal.SIGSTOP)
    time.sleep(0.3)
    hosts[0].send_signal(signal.SIGKILL)
    hosts[0].proc.wait(5)
    eq(hosts[0].proc.returncode, -signal.SIGKILL, "host a ended by SIGKILL")
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(15)
    failed = [(c, b) for c, ok, b in results if not ok]
    figures(f"two hosts: {len(results)} pushes, {before} before host a was killed, {len(failed)} failed")
    eq(failed[:5], [], f"pushes that failed ({len(failed)} of {len(results)})")
    expect(len(results) - before > 20, f"only {len(results) - before} pushes after the kill")

    # Journals per host, merged by time as the guide says (each line starts with its
    # time, each file is in time order), listed by --calls: each answered call once.
    hosts[1].stop()
    merged = run.path("all.jsonl")
    with open(merged, "w") as out:
        subprocess.run(["sort", "-m"] + [j for j in journals if os.path.exists(j)], stdout=out, check=True,
                       env=dict(os.environ, LC_ALL="C"))
    all_ini = run.write("all.ini", TWO_HOSTS_RULES.replace("{journal}", merged))
    r = subprocess.run([run.bin, "--config", all_ini, "--calls", "--since", "2000-01-01"], capture_output=True,
                       text=True)
    eq(r.returncode, 0, r.stderr)
    with open(merged) as f:
        ids = {re.search(r'"callId":"([^"]+)"', line).group(1) for line in f}
    answered = {c for c, ok, _ in results if ok}
    lost = answered - ids
    figures(f"two hosts: {len(ids)} calls in the merged journals, {len(answered - ids)} answered calls without a line "
            "(queued in host a's writer when it was killed)")
    expect(len(lost) <= 64, f"{len(lost)} answered calls have no journal line")
    eq(r.stdout.splitlines()[-1], f"{len(ids)} calls", "--calls over the merged journals: one row per call")
