"""Issue 12: the Debian package. `make deb` builds build/callrouter_VERSION-REVISION_ARCH.deb
from debian/ with dpkg-buildpackage, in a copy of the sources under build/deb/; lintian
finds no error in it. Installed with dpkg on this machine, it puts the binary, the units
(not enabled), the man pages, the nginx snippet, the Apache configuration and the
sample rules (made into /etc/callrouter/callrouter.ini by postinst, no conffile) where
they belong and makes the user callrouter; an edited rule file survives a reinstall and
an unattended upgrade to a version whose sample changed; a purge leaves nothing of the
package, keeps a file the admin put in /etc/callrouter, and leaves nginx and Apache
loadable.

The install case needs root, and refuses to run on a machine where callrouter is
already installed in any way (a package, `make install`, a user or a rule file of that
name): it would take an admin's installation apart. It is skipped, with the reason, in
those cases and under `make sanitize` (the package builds its own binary)."""

import base64
import glob
import grp
import os
import pwd
import re
import shutil
import subprocess
import time

from harness import ROOT, Failure, case, eq, expect, figures

PKG = "callrouter"
CONF = "/etc/callrouter/callrouter.ini"
SECRET = "/etc/callrouter/secret"
SAMPLE = "/usr/share/callrouter/callrouter.ini"
# What the package makes outside its file list, and what a purge must take away.
MADE = ("/etc/callrouter", "/var/lib/callrouter", "/var/lib/private/callrouter")
SYSTEMD_STATE = ("/var/lib/systemd/deb-systemd-helper-enabled", "/var/lib/systemd/deb-systemd-helper-masked")
_BUILT = {}


def _version():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return re.search(r"^VERSION\s*:=\s*(\S+)", f.read(), re.M).group(1)


def _deb_version(revision=0):
    """The package's version as debian/changelog says it (0.1.0-2), or with its Debian
    revision `revision` higher (the next version an upgrade test builds)."""
    v = _sh(["dpkg-parsechangelog", "-l", os.path.join(ROOT, "debian", "changelog"), "-S", "Version"]).stdout.strip()
    base, _, rev = v.rpartition("-")
    return f"{base}-{int(rev) + revision}"


def _read(path):
    with open(path, errors="replace") as f:
        return f.read()


def _sh(argv, timeout=120, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    if check and r.returncode != 0:
        raise Failure(f"{' '.join(argv)}: exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r


def _deb(run):
    """Builds the package once per test run (make deb BUILD=the run's build dir); its path."""
    if run.build in _BUILT:
        return _BUILT[run.build]
    for tool, pkg in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper")):
        expect(shutil.which(tool), f"{tool} not installed (make deps installs {pkg})")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    t0 = time.monotonic()
    r = _sh(["make", "--no-print-directory", "-C", ROOT, "BUILD=" + run.build, "deb"], timeout=1200, check=False,
            env=env)
    expect(r.returncode == 0, f"make deb: exit {r.returncode}: {r.stdout[-3000:]}{r.stderr[-3000:]}")
    arch = _sh(["dpkg-architecture", "-qDEB_HOST_ARCH"]).stdout.strip()
    # Named with its Debian revision, as debian/changelog says it.
    deb = os.path.join(run.build, f"{PKG}_{_deb_version()}_{arch}.deb")
    expect(os.path.isfile(deb), f"make deb did not write {deb}: {r.stdout[-2000:]}")
    figures(f"make deb: {time.monotonic() - t0:.0f} s, {os.path.getsize(deb)} bytes")
    _BUILT[run.build] = deb
    return deb


@case("deb: make deb builds callrouter_VERSION-REVISION_ARCH.deb with dpkg-buildpackage in a copy under build/, "
      "nothing written beside the sources, lintian reports no error")
def _(run):
    if os.environ.get("CALLROUTER_BIN"):
        figures("CALLROUTER_BIN set (make sanitize): the package builds its own binary; case skipped")
        return
    parent = os.path.dirname(ROOT)
    mine = re.compile(r"^callrouter[_-].*\.(deb|ddeb|changes|buildinfo)$")
    before = {f for f in os.listdir(parent) if mine.match(f)}
    deb = _deb(run)
    # dpkg-buildpackage wrote beside the copy, not beside the worktree, and the
    # worktree's debian/ holds only what is checked in.
    eq(sorted({f for f in os.listdir(parent) if mine.match(f)} - before), [], f"package files made in {parent}")
    for name in ("files", "callrouter", ".debhelper", "debhelper-build-stamp", "callrouter.substvars"):
        expect(not os.path.exists(os.path.join(ROOT, "debian", name)), f"debian/{name} left in the sources")
    fields = _sh(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture"]).stdout
    arch = _sh(["dpkg-architecture", "-qDEB_HOST_ARCH"]).stdout.strip()
    eq(fields, f"Package: {PKG}\nVersion: {_deb_version()}\nArchitecture: {arch}\n", "control fields")

    lintian = shutil.which("lintian")
    expect(lintian, "lintian not installed (make deps installs it)")
    r = _sh([lintian, "--pedantic", "-I", deb], timeout=300, check=False)
    hints = [line for line in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
    for line in hints:
        figures("lintian: " + line)
    if not hints:
        figures("lintian: no hint")
    errors = [line for line in r.stdout.splitlines() if line.startswith("E: ")]
    eq(errors, [], "lintian errors")
    expect(r.returncode == 0, f"lintian: exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")


def _status():
    """dpkg's state of the package: "installed", "config-files", ... or "" when unknown."""
    r = _sh(["dpkg-query", "-W", "-f=${db:Status-Status}", PKG], check=False)
    return r.stdout.strip() if r.returncode == 0 else ""


def _user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _group(name):
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def _systemd_state():
    """deb-systemd-helper's records naming callrouter."""
    found = []
    for d in SYSTEMD_STATE:
        for dp, _, fs in os.walk(d):
            found += [os.path.join(dp, f) for f in fs if "callrouter" in f]
    return found


def _dpkg(*args):
    """dpkg, non-interactive; waits up to a minute when another dpkg holds its lock."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    end = time.monotonic() + 60
    while True:
        r = _sh(["dpkg"] + list(args), timeout=300, check=False, env=env)
        if r.returncode == 0 or "lock" not in r.stderr or time.monotonic() > end:
            break
        time.sleep(2)
    expect(r.returncode == 0, f"dpkg {' '.join(args)}: exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r.stdout + r.stderr


def _installed_already(deb=None):
    """Why this machine already has callrouter in some form, or None; with the
    package, also any file of it that is already there."""
    if _status():
        return f"dpkg knows the package {PKG} ({_status()})"
    if _user(PKG) or _group(PKG):
        return f"a user or group named {PKG} exists"
    for p in ("/usr/sbin/callrouter", "/usr/local/sbin/callrouter") + MADE:
        if os.path.lexists(p):
            return f"{p} exists"
    for path in _deb_files(deb) if deb else ():
        if os.path.lexists(path) and not os.path.isdir(path):
            return f"{path} exists"
    return None


def _deb_files(deb):
    """The paths in the package (dpkg-deb -c), without the leading dot."""
    out = _sh(["dpkg-deb", "-c", deb]).stdout
    return [line.split(None, 5)[5].split(" -> ")[0][1:].rstrip("/") or "/" for line in out.splitlines()]


def _purge_all(created_private):
    """Takes away whatever the package or the case left, even after a failure."""
    if _status():
        _sh(["dpkg", "--purge", PKG], timeout=300, check=False, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    # The case ran only where none of these existed before.
    if _user(PKG):
        _sh(["deluser", "--system", "--quiet", PKG], check=False)
    if _group(PKG):
        _sh(["delgroup", "--system", "--quiet", PKG], check=False)
    for p in MADE:
        if os.path.islink(p) or os.path.isfile(p):
            os.unlink(p)
        elif os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
    if created_private:
        try:
            os.rmdir("/var/lib/private")
        except OSError:
            pass


@case("deb: dpkg -i installs /usr/sbin/callrouter (--check of /etc/callrouter/callrouter.ini ok), the user "
      "callrouter, the units (not enabled), man pages, nginx snippet, Apache conf, the rules made from the sample "
      "(no conffile); an edited rule file survives a reinstall and an unattended upgrade whose sample changed; "
      "dpkg --purge leaves nothing, and nginx and Apache loadable")
def _(run):
    if os.environ.get("CALLROUTER_BIN"):
        figures("CALLROUTER_BIN set (make sanitize): the package builds its own binary; case skipped")
        return
    if os.geteuid() != 0:
        figures("not root: dpkg -i needs root; case skipped")
        return
    why = _installed_already()
    if not why:
        deb = _deb(run)
        why = _installed_already(deb)
    if why:
        figures(f"callrouter is already on this machine ({why}): not touching an admin's installation; "
                "case skipped")
        return
    files = _deb_files(deb)
    existed = {p for p in files if os.path.lexists(p)}
    created_private = not os.path.exists("/var/lib/private")
    try:
        _install_check_purge(run, deb, files, existed, created_private)
    finally:
        _purge_all(created_private)


def _install_check_purge(run, deb, files, existed, created_private):
    out = _dpkg("-i", deb)
    eq(_status(), "installed", "after dpkg -i: " + out[-1000:])

    # The binary, on the installed rules (its default rule file).
    r = _sh(["/usr/sbin/callrouter", "--check"], check=False)
    expect(r.returncode == 0 and r.stdout.startswith(CONF + ": ok:"), f"callrouter --check: {r.stdout}{r.stderr}")
    eq(_read(CONF), _read(os.path.join(ROOT, "etc", "callrouter.ini")), "installed rules are the sample")
    eq(_read(SAMPLE), _read(CONF), "the sample the package keeps")
    r = _sh(["/usr/sbin/callrouter", "--test", "from=0211123456&to=4915791234567&direction=in",
             "--at", "2026-11-30 10:00"], check=False)
    expect(r.returncode == 0 and "<Number>4921112345601</Number>" in r.stdout, f"--test: {r.stdout}{r.stderr}")

    # The system user, its group, and that it can read the rules.
    u, g = _user(PKG), _group(PKG)
    expect(u is not None and g is not None, "no user or group callrouter after install")
    expect(u.pw_uid < 1000 and u.pw_gid == g.gr_gid, f"not a system user with its own group: {u}")
    eq((u.pw_dir, u.pw_shell), ("/nonexistent", "/usr/sbin/nologin"), "home and shell")
    expect(not os.path.exists("/nonexistent"), "/nonexistent was made")
    r = _sh(["setpriv", f"--reuid={u.pw_uid}", f"--regid={g.gr_gid}", "--clear-groups", "/usr/sbin/callrouter",
             "--check"], check=False)
    expect(r.returncode == 0, f"--check as the user callrouter: {r.stdout}{r.stderr}")

    # The secret of the tokens (callrouter(8), TOKENS): made by the install, 32 random
    # bytes in base64, mode 0640, root:callrouter; the service's group reads it, others not.
    st = os.stat(SECRET)
    eq((oct(st.st_mode & 0o7777), st.st_uid, st.st_gid), (oct(0o640), 0, g.gr_gid), "the secret's mode and owner")
    secret = _read(SECRET)
    eq(len(base64.b64decode(secret.strip(), validate=True)), 32, "bytes of the secret")
    bound = run.write("bound.ini", f"[settings]\npublic_url = https://example.com/cr\nsecret = {SECRET}\n"
                                   "[menu m]\nprompt = https://example.com/m.wav\n1 = hangup\n[rule r]\naction = menu m\n")
    os.chmod(bound, 0o644)
    os.chmod(run.dir, 0o755)
    r = _sh(["setpriv", f"--reuid={u.pw_uid}", f"--regid={g.gr_gid}", "--clear-groups", "/usr/sbin/callrouter",
             "--config", bound, "--check"], check=False)
    expect(r.returncode == 0 and not r.stderr, f"--check of menus bound by the package's secret, as the user "
                                               f"callrouter: {r.stdout}{r.stderr}")
    r = _sh(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/sbin/callrouter",
             "--config", bound, "--check"], check=False)
    expect(r.returncode == 1 and "Permission denied" in r.stderr, f"--check as nobody: {r.stdout}{r.stderr}")

    # Files where they belong.
    for p in ("/usr/sbin/callrouter", "/lib/systemd/system/callrouter.socket", "/lib/systemd/system/callrouter.service",
              "/usr/share/man/man8/callrouter.8.gz", "/usr/share/man/man5/callrouter.ini.5.gz",
              "/etc/nginx/snippets/callrouter-fastcgi.conf", "/etc/apache2/conf-available/callrouter.conf",
              "/etc/nginx/snippets/callrouter-allow-sipgate.conf", "/etc/apache2/callrouter-require-sipgate.conf",
              "/etc/logrotate.d/callrouter", "/usr/share/doc/callrouter/examples/menu.ini",
              "/usr/share/doc/callrouter/copyright", "/usr/share/doc/callrouter/examples/callrouter.ini", CONF,
              "/usr/share/doc/callrouter/examples/notify.ini", "/usr/share/doc/callrouter/examples/switches.ini",
              "/usr/share/doc/callrouter/examples/oncall.ics", "/usr/share/doc/callrouter/examples/office-closed.ics",
              "/usr/share/doc/callrouter/examples/callrouter-notify-local-mta.conf",
              "/lib/systemd/system/callrouter-digest.timer", "/lib/systemd/system/callrouter-metrics.timer"):
        expect(os.path.isfile(p), "not installed: " + p)
    # --notify, the digest and the metrics: their units, each with the package's drop-in
    # (the package's user, who reads the journal), pointing at /usr/sbin.
    for name in ("callrouter-notify", "callrouter-digest", "callrouter-metrics"):
        text = _read(f"/lib/systemd/system/{name}.service")
        expect("/usr/sbin/callrouter --config /etc/callrouter/callrouter.ini" in text and "/usr/local" not in text,
               f"{name}.service: " + text)
        expect("User=callrouter" in _read(f"/lib/systemd/system/{name}.service.d/package.conf"), name + " drop-in")
    expect(os.access("/usr/sbin/callrouter", os.X_OK), "binary not executable")
    eq(_read("/etc/nginx/snippets/callrouter-fastcgi.conf"), _read(os.path.join(ROOT, "nginx", "callrouter-fastcgi.conf")),
       "nginx snippet")
    eq(_read("/etc/apache2/conf-available/callrouter.conf"),
       _read(os.path.join(ROOT, "apache", "callrouter-proxy-fcgi.conf")), "Apache conf")
    expect(not os.path.lexists("/etc/apache2/conf-enabled/callrouter.conf"), "Apache conf enabled")
    svc = _read("/lib/systemd/system/callrouter.service")
    expect("ExecStart=/usr/sbin/callrouter --config /etc/callrouter/callrouter.ini\n" in svc, "ExecStart: " + svc)
    expect("ExecStartPre=/usr/sbin/callrouter --config /etc/callrouter/callrouter.ini --check\n" in svc,
           "ExecStartPre")
    expect("/usr/local" not in svc + _read("/lib/systemd/system/callrouter.socket"), "/usr/local left in the units")
    if shutil.which("man"):
        r = _sh(["man", "-w", "callrouter"], check=False)
        eq(r.stdout.strip(), "/usr/share/man/man8/callrouter.8.gz", "man -w callrouter")
        r = _sh(["man", "-w", "5", "callrouter.ini"], check=False)
        eq(r.stdout.strip(), "/usr/share/man/man5/callrouter.ini.5.gz", "man -w 5 callrouter.ini")
    conffiles = _sh(["dpkg-query", "-W", "-f=${Conffiles}", PKG]).stdout
    for p in ("/etc/nginx/snippets/callrouter-fastcgi.conf", "/etc/apache2/conf-available/callrouter.conf",
              "/etc/nginx/snippets/callrouter-allow-sipgate.conf", "/etc/apache2/callrouter-require-sipgate.conf"):
        expect(re.search(rf"^ {re.escape(p)} [0-9a-f]{{32}}$", conffiles, re.M), f"{p} not a conffile: {conffiles}")
    # The rules are the admin's, made from the sample by postinst: no upgrade asks about them.
    expect(CONF not in conffiles, f"{CONF} is a conffile: {conffiles}")
    st = os.stat(CONF)
    eq((oct(st.st_mode & 0o7777), st.st_uid, st.st_gid), (oct(0o640), 0, g.gr_gid), "the rules' mode and owner")

    # Not enabled, not started: no link in any .wants folder.
    links = [os.path.join(dp, f) for dp, _, fs in os.walk("/etc/systemd/system") for f in fs if "callrouter" in f]
    eq(links, [], "units enabled")

    # The admin edits the rules; a reinstall of the same package keeps them, without
    # a prompt (stdin is /dev/null) and without a .dpkg-dist beside them.
    with open(CONF, "a") as f:
        f.write("\n; changed by the admin\n")
    edited = _read(CONF)
    _dpkg("-i", deb)
    eq(_status(), "installed", "after the reinstall")
    expect(_read(CONF) == edited, "the reinstall replaced the edited rule file")
    eq(sorted(os.listdir("/etc/callrouter")), ["callrouter.ini", "secret"], "files in /etc/callrouter after the reinstall")
    eq(_read(SECRET), secret, "the secret after the reinstall")
    r = _sh(["/usr/sbin/callrouter", "--check"], check=False)
    expect(r.returncode == 0, f"--check of the edited rules: {r.stdout}{r.stderr}")

    _unattended_upgrade(run, edited)
    site = _web_servers_before_purge(run)

    _journal_for_the_group(run, u, g)
    # What systemd made for the service of an earlier version (StateDirectory= with
    # DynamicUser=yes, which it moves to /var/lib/callrouter once the drop-in turns
    # that off), and a list file of the admin's own, then the purge.
    os.makedirs("/var/lib/private/callrouter", mode=0o700)
    if created_private:
        os.chmod("/var/lib/private", 0o700)
    os.chown("/var/lib/private/callrouter", u.pw_uid, g.gr_gid)
    admin_file = "/etc/callrouter/team.txt"
    with open(admin_file, "w") as f:
        f.write("4930123456\n")
    listed = [os.path.normpath(p) for p in _sh(["dpkg", "-L", PKG]).stdout.split()]
    out = _dpkg("--purge", PKG)
    eq(_status(), "", "dpkg still knows the package after the purge")
    expect("crontab" not in out, "the purge speaks of a crontab the user never had: " + out)
    expect(os.path.isfile(admin_file), "the purge removed a file the admin made in /etc/callrouter")
    eq(os.listdir("/etc/callrouter"), ["team.txt"], "left in /etc/callrouter besides the admin's file")
    os.unlink(admin_file)
    os.rmdir("/etc/callrouter")

    left = [p for p in set(files) | set(listed) if p not in existed and os.path.lexists(p)]
    eq(sorted(left), [], "left by the purge")
    for p in MADE:
        expect(not os.path.lexists(p), "left by the purge: " + p)
    expect(_user(PKG) is None, "user callrouter left by the purge")
    expect(_group(PKG) is None, "group callrouter left by the purge")
    eq(_systemd_state(), [], "deb-systemd-helper state left by the purge")
    _web_servers_after_purge(run, site)
    eq(glob.glob("/etc/callrouter*") + glob.glob("/etc/nginx/snippets/callrouter*") +
       glob.glob("/etc/apache2/conf-*/callrouter*") + glob.glob("/etc/apache2/callrouter*") +
       glob.glob("/etc/logrotate.d/callrouter*"), [],
       "configuration left by the purge")


@case("deb: make build-deps installs debian/control's Build-Depends (apt-get build-dep ./) and nothing of make "
      "deps' test stack; when they are there it installs nothing; the README sends make deb users to it")
def _(run):
    bin_dir = run.path("shims")
    os.makedirs(bin_dir)
    calls = run.path("apt-calls")
    shims = {
        # apt-get and sudo record what they were asked; dpkg-checkbuilddeps says what the case says.
        "apt-get": f'#!/bin/sh\necho "apt-get $*" >> {calls}\n',
        "sudo": f'#!/bin/sh\necho "sudo" >> {calls}\nexec "$@"\n',
        "dpkg-checkbuilddeps": '#!/bin/sh\nexit "${CHECKBUILDDEPS_RC:-1}"\n',
    }
    for name, text in shims.items():
        with open(os.path.join(bin_dir, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(bin_dir, name), 0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PATH"] = bin_dir + ":" + env.get("PATH", "/usr/bin:/bin")

    r = _sh(["make", "--no-print-directory", "-C", ROOT, "build-deps"], check=False, env=env)
    eq(r.returncode, 0, "make build-deps: " + r.stdout + r.stderr)
    with open(calls) as f:
        asked = [line for line in f.read().splitlines() if line != "sudo"]
    eq(asked, ["apt-get update -qq", "apt-get build-dep -y -qq --no-install-recommends ./"], "what apt-get was asked")
    for test_only in ("nginx", "apache2", "chromium", "valgrind", "lighttpd", "caddy", "h2o", "nodejs", "clang"):
        expect(test_only not in r.stdout + " ".join(asked), f"make build-deps installs {test_only}: {r.stdout}")

    os.unlink(calls)
    r = _sh(["make", "--no-print-directory", "-C", ROOT, "build-deps"], check=False,
            env=dict(env, CHECKBUILDDEPS_RC="0"))
    eq((r.returncode, r.stdout.strip()), (0, "make build-deps: debian/control's Build-Depends are installed"),
       "with every Build-Depends there")
    expect(not os.path.exists(calls), "apt-get was called with every Build-Depends there")

    readme = _read(os.path.join(ROOT, "README.md"))
    install = readme[readme.index("## Install on Debian 12"):]
    install = install[:install.index("\n## ", 1)]
    expect("make build-deps" in install and "make deps" not in install,
           "README's 'Install on Debian 12' does not send make deb users to make build-deps:\n" + install)


def _deb_changed_sample(run):
    """The package of a next version (0.1.0-2) whose sample rules changed: built by make
    deb from a copy of the sources (the files git knows, as they are in the worktree)."""
    src = run.path("next")
    os.makedirs(src)
    names = _sh(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
    for name in filter(None, names.split("\0")):
        if name.startswith("build/") or not os.path.isfile(os.path.join(ROOT, name)):
            continue
        os.makedirs(os.path.dirname(os.path.join(src, name)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), os.path.join(src, name))
    with open(os.path.join(src, "etc", "callrouter.ini"), "a") as f:
        f.write("\n; A line the sample of the next version has and this one has not.\n")
    log = os.path.join(src, "debian", "changelog")
    old = _read(log)
    with open(log, "w") as f:
        f.write("callrouter (%s) unstable; urgency=medium\n\n  * The sample rules changed.\n\n"
                " -- callrouter developers <callrouter@example.com>  Mon, 07 Dec 2026 23:00:00 +0000\n\n"
                % _deb_version(1))
        f.write(old)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = _sh(["make", "--no-print-directory", "-C", src, "BUILD=" + run.path("next-build"), "deb"], timeout=1200,
            check=False, env=env)
    expect(r.returncode == 0, f"make deb of {_deb_version(1)}: exit {r.returncode}: {r.stdout[-3000:]}"
                              f"{r.stderr[-3000:]}")
    arch = _sh(["dpkg-architecture", "-qDEB_HOST_ARCH"]).stdout.strip()
    deb = os.path.join(run.path("next-build"), f"{PKG}_{_deb_version(1)}_{arch}.deb")
    expect(os.path.isfile(deb), f"make deb did not write {deb}")
    return deb, _read(os.path.join(src, "etc", "callrouter.ini"))


def _unattended_upgrade(run, edited):
    """An upgrade as unattended-upgrades runs one: no terminal, stdin /dev/null,
    DEBIAN_FRONTEND=noninteractive, to a version whose sample changed while the admin's
    rules differ from it. It must finish, configured, and keep the admin's rules."""
    deb2, sample2 = _deb_changed_sample(run)
    t0 = time.monotonic()
    r = subprocess.run(["dpkg", "-i", deb2], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       start_new_session=True, timeout=300, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    out = r.stdout + r.stderr
    eq(r.returncode, 0, "unattended upgrade: " + out[-2000:])
    for line in out.splitlines():
        figures("unattended upgrade: " + line)
    figures(f"unattended upgrade to {_deb_version(1)}: exit 0 in {time.monotonic() - t0:.1f} s")
    eq(_status(), "installed", "after the unattended upgrade")
    eq(_sh(["dpkg-query", "-W", "-f=${Version}", PKG]).stdout, _deb_version(1), "version after the upgrade")
    expect(_read(CONF) == edited, "the upgrade replaced the admin's rules")
    eq(_read(SAMPLE), sample2, "the sample of the new version")
    eq(sorted(os.listdir("/etc/callrouter")), ["callrouter.ini", "secret"], "files in /etc/callrouter after the upgrade")
    expect("/usr/share/callrouter/callrouter.ini" in out, "the upgrade does not say where the new sample is: " + out)


def _web_servers_before_purge(run):
    """The shipped nginx site, as the admin installs it, loads with the package's
    snippet (nginx -t); Apache's configuration is valid, and the package's conf is
    enabled as the admin enables it (a2enconf). Returns what the after-purge check needs."""
    d = run.path("site")
    os.makedirs(d)
    _sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=calls.example.com",
         "-keyout", os.path.join(d, "key.pem"), "-out", os.path.join(d, "cert.pem")])
    site = _read("/usr/share/doc/callrouter/examples/callrouter-server.conf")
    for old, new in (("/etc/ssl/certs/calls.example.com.pem", os.path.join(d, "cert.pem")),
                     ("/etc/ssl/private/calls.example.com.key", os.path.join(d, "key.pem"))):
        expect(old in site, f"{old} not in the shipped site")
        site = site.replace(old, new)
    with open(os.path.join(d, "callrouter-site.conf"), "w") as f:
        f.write(site)
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(f"pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n"
                f"http {{\n    access_log off;\n    include {d}/callrouter-site.conf;\n}}\n")
    r = _sh(["nginx", "-t", "-e", os.path.join(d, "error.log"), "-p", d, "-c", os.path.join(d, "nginx.conf")],
            check=False)
    expect(r.returncode == 0, f"nginx -t of the shipped site with the package installed: {r.stdout}{r.stderr}")
    apache = None
    if shutil.which("apache2ctl") and shutil.which("a2enconf"):
        r = _sh(["apache2ctl", "configtest"], check=False)
        if r.returncode == 0:
            _sh(["a2enconf", "-q", "callrouter"])
            expect(os.path.islink("/etc/apache2/conf-enabled/callrouter.conf"), "a2enconf callrouter made no link")
            apache = True
        else:
            figures("apache2ctl configtest fails before the package is installed; the Apache check is skipped: " +
                    (r.stdout + r.stderr).strip()[-300:])
    return d, apache


def _web_servers_after_purge(run, site):
    """After the purge: the shipped nginx site still loads (its include of the snippet
    the purge took matches nothing), and Apache's configuration is valid again (no link
    left to the conf the purge took)."""
    d, apache = site
    r = _sh(["nginx", "-t", "-e", os.path.join(d, "error.log"), "-p", d, "-c", os.path.join(d, "nginx.conf")],
            check=False)
    expect(r.returncode == 0, f"nginx -t of the shipped site after the purge: {r.stdout}{r.stderr}")
    figures("after the purge: nginx -t of the shipped site: " + (r.stdout + r.stderr).strip().splitlines()[-1])
    if apache:
        expect(not os.path.lexists("/etc/apache2/conf-enabled/callrouter.conf"),
               "a link to the purged Apache conf is left in conf-enabled")
        expect(not os.path.exists("/var/lib/apache2/conf/enabled_by_admin/callrouter"),
               "a2enconf's state of the purged conf is left")
        r = _sh(["apache2ctl", "configtest"], check=False)
        expect(r.returncode == 0, f"apache2ctl configtest after the purge: {r.stdout}{r.stderr}")
        figures("after the purge: apache2ctl configtest: " + (r.stdout + r.stderr).strip().splitlines()[-1])


def _journal_for_the_group(run, u, g):
    """The package's drop-in runs the service as its static user, without DynamicUser=,
    its state folder /var/lib/callrouter mode 0750 and its files 0640 (UMask=0027): an
    admin in the group callrouter lists the journal without root, others cannot. No
    systemd runs here as PID 1: the folder is made as StateDirectory= would make it, the
    journal written by callrouter as the service's user with the unit's umask."""
    dropin = "/lib/systemd/system/callrouter.service.d/package.conf"
    text = _read(dropin)
    for line in ("DynamicUser=no", "User=callrouter", "Group=callrouter", "StateDirectoryMode=0750", "UMask=0027"):
        expect(line + "\n" in text, f"{dropin} does not say {line}: {text}")
    sa = shutil.which("systemd-analyze")
    if sa:
        r = _sh([sa, "verify", "/lib/systemd/system/callrouter.socket", "/lib/systemd/system/callrouter.service"],
                check=False)
        expect(r.returncode == 0, f"systemd-analyze verify with the drop-in: {r.stdout}{r.stderr}")
    state = "/var/lib/callrouter"
    os.makedirs(state, mode=0o750)
    os.chmod(state, 0o750)
    os.chown(state, u.pw_uid, g.gr_gid)
    rules = run.write("journal.ini", "[settings]\ncountry_code = 49\npublic_url = https://example.com/cr\n"
                                     f"journal = {state}/calls.jsonl\n[rule r]\naction = voicemail\n")
    os.chmod(rules, 0o644)
    os.chmod(run.dir, 0o755)
    body = "event=newCall&callId=g1&from=0211123456&to=4921199999&direction=in"
    env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST",
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
           "CALLROUTER_CONFIG": rules}
    r = subprocess.run(["setpriv", f"--reuid={u.pw_uid}", f"--regid={g.gr_gid}", "--clear-groups", "sh", "-c",
                        "umask 0027 && exec /usr/sbin/callrouter"], input=body, capture_output=True, text=True,
                       env=env, timeout=30)
    expect("<Voicemail/>" in r.stdout, f"CGI as the user callrouter: {r.stdout}{r.stderr}")
    st = os.stat(f"{state}/calls.jsonl")
    eq((oct(st.st_mode & 0o777), st.st_uid, st.st_gid), (oct(0o640), u.pw_uid, g.gr_gid), "the journal's mode")
    as_admin = ["setpriv", "--reuid=65534", "--regid=65534", f"--groups={g.gr_gid}", "/usr/sbin/callrouter",
                "--config", rules, "--calls"]
    r = _sh(as_admin, check=False)
    expect(r.returncode == 0 and r.stdout.splitlines()[-1:] == ["1 call"],
           f"--calls by a user in the group callrouter: {r.stdout}{r.stderr}")
    figures("--calls by a user in the group callrouter, not root: " + r.stdout.splitlines()[1][:80])
    r = _sh(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/sbin/callrouter", "--config",
             rules, "--calls"], check=False)
    expect(r.returncode == 1 and "Permission denied" in r.stderr, f"--calls by a user not in the group: {r.stderr}")
