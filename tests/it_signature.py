"""sipgate.io's push signature (callrouter(8), SIGNATURE; callrouter(8), --signature):
with signature = require, every way a header can be wrong is a 403 with its one line and
signature=missing|bad in the log line, and a good one is routed, through the real binary
as CGI, behind nginx and behind Apache (mod_proxy_fcgi), so that the header's way
through each web server is proven. Key pairs are made here with openssl; sipgate.io's
own vector (tests/signature/) checks the built-in key. Also: --test --signature, the
warnings of --check, and the shipped sender-address snippets."""

import base64
import os
import re
import subprocess

from fixtures import DIAL_OFFICE, EMPTY, GOOD, RULES, TEXT, XML
from harness import FORM, ROOT, case, curl, eq, expect, fcgi_request, wait_for

VECTOR = os.path.join(ROOT, "tests", "signature")
HEADER = "X-Sipgate-Signature"


def openssl(*args, data=None):
    r = subprocess.run(["openssl"] + list(args), input=data, capture_output=True, timeout=60)
    expect(r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout


class Keys:
    """Two RSA key pairs of the run's own: `pub` is the one the rules trust."""

    def __init__(self, run):
        self.run = run
        self.key, self.other = run.path("key.pem"), run.path("other.pem")
        for k in (self.key, self.other):
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k)
        self.pub = run.path("pub.pem")
        openssl("pkey", "-in", self.key, "-pubout", "-out", self.pub)

    def sign(self, body, key=None):
        raw = openssl("dgst", "-sha256", "-sign", key or self.key, data=body.encode())
        return base64.b64encode(raw).decode()


def vector():
    with open(os.path.join(VECTOR, "signed-body.txt")) as f:
        body = f.read()
    with open(os.path.join(VECTOR, "signed-body.sig")) as f:
        sig = f.read().strip()
    return body, sig


def signed_rules(run, keys=None):
    key = f"signature_key = {keys.pub}\n" if keys else ""
    return run.write("rules.ini", RULES.replace("max_body = 1024\n", "max_body = 1024\nsignature = require\n" + key))


def header_cases(keys):
    """(name, body sent, header value or None, status, log word, 403 line)."""
    sig = keys.sign(GOOD)
    bad = "the X-Sipgate-Signature header does not verify: the body was not signed with this key, or was changed on the way"
    return [
        ("good signature", GOOD, sig, 200, "ok", None),
        ("signed by another key", GOOD, keys.sign(GOOD, keys.other), 403, "bad", bad),
        ("a changed body", GOOD.replace("492111234567", "492111234568"), sig, 403, "bad", bad),
        ("a body one byte longer", GOOD + "&", sig, 403, "bad", bad),
        ("a cut signature", GOOD, sig[:-8], 403, "bad",
         "the X-Sipgate-Signature header holds 252 bytes, not the 256 of a signature by a 2048-bit key"),
        ("a missing header", GOOD, None, 403, "missing", "no X-Sipgate-Signature header, and signature = require"),
        ("an empty header", GOOD, "", 403, "missing",
         "the X-Sipgate-Signature header is empty, and signature = require"),
        ("garbage", GOOD, "not*base64!", 403, "bad", "the X-Sipgate-Signature header is not base64"),
    ]


def check_answer(what, got, status, line, body_ok=DIAL_OFFICE):
    st, ctype, body = got
    eq(st, status, what + ": status")
    if status == 200:
        eq(ctype, XML, what + ": content type")
        eq(body, body_ok, what + ": body")
    else:
        eq(ctype, TEXT, what + ": content type")
        eq(body, "forbidden: " + line + "\n", what + ": body")


def check_log(what, log, word):
    lines = [ln for ln in log.splitlines() if "status=" in ln]
    expect(lines, f"{what}: no log line in {log!r}")
    expect(f" signature={word} " in lines[-1], f"{what}: log line without signature={word}: {lines[-1]}")


def through_web_server(run, url, keys, log_of):
    """Every header case through a web server at url; log_of() gives callrouter's log."""
    for name, body, value, status, word, line in header_cases(keys):
        headers = [f"Content-Type: {FORM}"]
        if value is not None:
            headers.append(f"{HEADER}: {value}" if value else f"{HEADER};")  # curl's way to send it empty
        st, hdrs, text = curl(url, data=body, headers=headers)
        check_answer(name, (st, hdrs.get("content-type"), text), status, line)
        check_log(name, log_of(), word)


@case("signature: as CGI, each header case (good, another key, changed body, one byte longer, cut, missing, "
      "empty, garbage): 200 or 403 with its line, signature=ok|missing|bad logged")
def _(run):
    keys = Keys(run)
    ini = signed_rules(run, keys)
    for name, body, value, status, word, line in header_cases(keys):
        env = {} if value is None else {"HTTP_X_SIPGATE_SIGNATURE": value}
        st, hdrs, text, err = run.cgi(body, config=ini, env=env)
        check_answer(name, (st, hdrs.get("content-type"), text), status, line)
        check_log(name, err, word)


@case("signature: behind nginx (fastcgi_pass), each header case answered as the core decides")
def _(run):
    keys = Keys(run)
    cr, ng, url = run.stack(signed_rules(run, keys))
    through_web_server(run, url, keys, cr.output)


@case("signature: behind Apache mod_proxy_fcgi, each header case answered as the core decides")
def _(run):
    keys = Keys(run)
    cr = run.callrouter(signed_rules(run, keys), extra=["--socket-mode", "0666"])
    conf = f"""<Location "/callrouter">
    Require all granted
    ProxyPass "unix:{cr.listen[5:]}|fcgi://localhost/callrouter"
</Location>"""
    ap, port, d = run.apache(conf, ["proxy", "proxy_fcgi"])
    through_web_server(run, f"http://127.0.0.1:{port}/callrouter", keys, cr.output)


@case("signature: sipgate.io's own vector verifies with the built-in key: as CGI, behind nginx, and with "
      "--test --signature; one byte more is a 403")
def _(run):
    body, sig = vector()
    ini = signed_rules(run)
    st, hdrs, text, err = run.cgi(body, config=ini, env={"HTTP_X_SIPGATE_SIGNATURE": sig})
    check_answer("vector as CGI", (st, hdrs.get("content-type"), text), 200, None, EMPTY)
    check_log("vector as CGI", err, "ok")
    st, hdrs, text, err = run.cgi(body + "&", config=ini, env={"HTTP_X_SIPGATE_SIGNATURE": sig})
    eq(st, 403, "vector with one byte more")

    cr, ng, url = run.stack(ini)
    st, hdrs, text = curl(url, data=body, headers=[f"Content-Type: {FORM}", f"{HEADER}: {sig}"])
    eq((st, text), (200, EMPTY), "vector behind nginx")
    check_log("vector behind nginx", cr.output(), "ok")

    r = subprocess.run([run.bin, "--config", ini, "--test", body, "--signature", sig], capture_output=True, text=True)
    eq(r.returncode, 0, "--test --signature with the vector: exit code; stderr: " + r.stderr)
    eq(r.stdout, EMPTY, "--test --signature with the vector")
    check_log("--test --signature", r.stderr, "ok")
    expect("signature: verified with sipgate.io's key" in r.stderr, "--test does not say which key: " + r.stderr)
    # A forged push replayed: 403, exit 1; without --signature: missing.
    r = subprocess.run([run.bin, "--config", ini, "--test", body.replace("4912354678", "4912354679"),
                        "--signature", sig], capture_output=True, text=True)
    eq(r.returncode, 1, "--test with a forged body: exit code")
    expect(r.stdout.startswith("forbidden: the X-Sipgate-Signature header does not verify"), r.stdout)
    check_log("--test forged", r.stderr, "bad")
    r = subprocess.run([run.bin, "--config", ini, "--test", body], capture_output=True, text=True)
    eq(r.returncode, 1, "--test without --signature: exit code")
    check_log("--test without --signature", r.stderr, "missing")
    # --signature alone is a usage error.
    r = subprocess.run([run.bin, "--config", ini, "--signature", sig], capture_output=True, text=True)
    eq(r.returncode, 2, "--signature without --test")
    expect("--signature goes with --test" in r.stderr, r.stderr)


@case("signature: off (the default) ignores the header; a 413 or 405 comes before the signature is looked at")
def _(run):
    ini = run.write("rules.ini", RULES)
    st, hdrs, text, err = run.cgi(GOOD, config=ini, env={"HTTP_X_SIPGATE_SIGNATURE": "garbage"})
    eq((st, text), (200, DIAL_OFFICE), "signature = off, a garbage header")
    expect("signature=" not in err, "signature = off logs a signature word: " + err)
    keys = Keys(run)
    ini = signed_rules(run, keys)
    st, _, text, err = run.cgi(GOOD, config=ini, method="GET", env={"HTTP_X_SIPGATE_SIGNATURE": keys.sign(GOOD)})
    eq(st, 405, "GET with a good signature")
    big = GOOD + "&pad=" + "x" * 2000
    st, _, text, err = run.cgi(big, config=ini, env={"HTTP_X_SIPGATE_SIGNATURE": keys.sign(big)})
    eq(st, 413, "a signed body over max_body")


@case("signature: --check warns of signature_key while signature = off, and of play URL then an action "
      "that cannot lead on (no public_url); exit 0; the sample rules give no warning")
def _(run):
    keys = Keys(run)
    ini = run.write("warn.ini", f"""[settings]
signature_key = {keys.pub}

[rule a]
to = 4921112345
action = play https://example.com/a.wav then voicemail

[rule b]
action = play https://example.com/b.wav then hangup
""")
    r = subprocess.run([run.bin, "--config", ini, "--check"], capture_output=True, text=True)
    eq(r.returncode, 0, "--check with warnings: exit code; " + r.stderr)
    warnings = r.stderr.splitlines()
    eq(warnings, [
        f"{ini}:2: warning: signature_key has no effect while signature = off (the default)",
        f"{ini}:6: warning: 'play URL then ACTION' leads on only with public_url in [settings] (sipgate.io asks "
        "there for what follows the announcement): without it, <Play> and the action stay in one answer, which "
        "sipgate.io is not known to obey",
    ], "--check warnings")
    expect(re.match(r".*: ok: 2 rules", r.stdout), r.stdout)
    # A FastCGI process logs them once, at load.
    cr = run.callrouter(ini)
    out = cr.output()
    eq(out.count("warning: 'play URL then ACTION' leads on only with public_url"), 1, "warnings logged at load: " + out)
    r = subprocess.run([run.bin, "--config", os.path.join(ROOT, "etc", "callrouter.ini"), "--check"],
                       capture_output=True, text=True)
    eq((r.returncode, r.stderr), (0, ""), "the sample rules: --check")


@case("signature: the shipped sender-address snippets: nginx and Apache answer 403 themselves to 127.0.0.1; "
      "with 127.0.0.1 added, the call reaches callrouter")
def _(run):
    ini = run.write("rules.ini", RULES)
    nginx_snippet = os.path.join(ROOT, "nginx", "callrouter-allow-sipgate.conf")
    with open(nginx_snippet) as f:
        text = f.read()
    expect("allow 217.116.118.254;" in text and "allow 212.9.46.32;" in text and "deny all;" in text, text)
    cr = run.callrouter(ini, extra=["--socket-mode", "0666"])
    ng, port = run.nginx(cr.listen[5:], auth=f"include {nginx_snippet};")
    st, _, body = curl(f"http://127.0.0.1:{port}/", data=GOOD, headers=[f"Content-Type: {FORM}"])
    eq(st, 403, "nginx with the snippet, from 127.0.0.1")
    expect("status=" not in cr.output(), "the refused call reached callrouter")
    local = run.write("nginx-local.conf", text.replace("deny all;", "allow 127.0.0.1;\ndeny all;"))
    ng2, port2 = run.nginx(cr.listen[5:], auth=f"include {local};")
    eq(curl(f"http://127.0.0.1:{port2}/", data=GOOD, headers=[f"Content-Type: {FORM}"])[::2], (200, DIAL_OFFICE),
       "nginx with 127.0.0.1 allowed")

    apache_snippet = os.path.join(ROOT, "apache", "callrouter-require-sipgate.conf")
    with open(apache_snippet) as f:
        text = f.read()
    expect("Require ip 217.116.118.254 212.9.46.32" in text, text)
    for snippet, want in ((apache_snippet, 403),
                          (run.write("apache-local.conf", text.replace("212.9.46.32", "212.9.46.32 127.0.0.1")), 200)):
        conf = f"""<Location "/callrouter">
    <RequireAll>
        Require all granted
        Include {snippet}
    </RequireAll>
    ProxyPass "unix:{cr.listen[5:]}|fcgi://localhost/callrouter"
</Location>"""
        ap, aport, d = run.apache(conf, ["proxy", "proxy_fcgi", "authz_host"])
        st, _, body = curl(f"http://127.0.0.1:{aport}/callrouter", data=GOOD, headers=[f"Content-Type: {FORM}"])
        eq(st, want, f"Apache with {os.path.basename(snippet)}, from 127.0.0.1")
        ap.stop()


@case("signature: a FastCGI process reloads a changed signature_key file like a list file; a key file that "
      "turns bad is refused and the last good key stays in force")
def _(run):
    keys = Keys(run)
    ini = signed_rules(run, keys)
    cr = run.callrouter(ini)

    def status(sig):
        return fcgi_request(cr.listen, GOOD, extra={"HTTP_X_SIPGATE_SIGNATURE": sig})[0]

    mine, other = keys.sign(GOOD), keys.sign(GOOD, keys.other)
    eq((status(mine), status(other)), (200, 403), "before the key changes")
    with open(keys.pub + ".new", "wb") as f:
        f.write(openssl("pkey", "-in", keys.other, "-pubout"))
    os.replace(keys.pub + ".new", keys.pub)
    wait_for(lambda: status(other) == 200, timeout=10, what="the new key in force")
    eq(status(mine), 403, "the old key's signature after the reload")
    with open(keys.pub + ".new", "w") as f:
        f.write("not a key\n")
    os.replace(keys.pub + ".new", keys.pub)
    wait_for(lambda: "not a public key in PEM form" in cr.output(), timeout=10, what="the refusal logged")
    eq(status(other), 200, "the last good key after a bad one")
