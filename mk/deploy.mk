# Deployment targets: install, uninstall, static, deb (doc/deploy.md).
# Included by the Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=...]   binary, man pages, docs, examples,
#                                                    systemd units, sample rule file
#   make uninstall [PREFIX=...] [DESTDIR=...]        removes what install put there; keeps a
#                                                    rule file that differs from the sample
#   make static                                      build/callrouter-static: linked
#                                                    statically, the C library too; no
#                                                    shared library, not PIE (see below)
#   make deb                                         build/callrouter_VERSION-REV_ARCH.deb: debian/ built by
#                                                    dpkg-buildpackage in a copy under build/deb/

PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/callrouter
UNITDIR     ?= $(PREFIX)/lib/systemd/system
# callrouter looks for /etc/callrouter/callrouter.ini whatever the PREFIX.
SYSCONFDIR  ?= /etc
CONFDIR     := $(SYSCONFDIR)/callrouter
INSTALL     ?= install
# make install makes the secret of the tokens, unless it installs into DESTDIR.
MAKE_SECRET ?= $(if $(DESTDIR),no,yes)

# Files an admin copies from, installed as examples beside the docs.
DEPLOY_EXAMPLES := nginx/callrouter-server.conf nginx/callrouter-fastcgi.conf nginx/callrouter-allow-sipgate.conf \
                   apache/callrouter-proxy-fcgi.conf apache/callrouter-require-sipgate.conf apache/callrouter-fcgid.conf apache/htaccess \
                   etc/systemd/callrouter.socket etc/systemd/callrouter.service etc/menu.ini etc/legs.ini \
                   etc/notify.ini etc/systemd/callrouter-notify-local-mta.conf etc/switches.ini etc/office-closed.ics etc/oncall.ics \
                   lighttpd/callrouter-lighttpd-socket.conf lighttpd/callrouter-lighttpd-spawn.conf caddy/Caddyfile \
                   h2o/callrouter-h2o-connect.conf h2o/callrouter-h2o-spawn.conf

# The units: the answering service and its socket; --notify, and the timers of
# --digest and --metrics (none enabled by install or the package).
UNITS := callrouter.socket callrouter.service callrouter-notify.service callrouter-digest.service \
         callrouter-digest.timer callrouter-metrics.service callrouter-metrics.timer

.PHONY: install uninstall static deb

install: $(BUILD)/callrouter
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR)
	$(INSTALL) -m 755 $(BUILD)/callrouter $(DESTDIR)$(SBINDIR)/callrouter
	$(INSTALL) -m 644 doc/callrouter.8 $(DESTDIR)$(MANDIR)/man8/callrouter.8
	$(INSTALL) -m 644 doc/callrouter.ini.5 $(DESTDIR)$(MANDIR)/man5/callrouter.ini.5
	$(INSTALL) -m 644 README.md doc/deploy.md doc/testing.md LICENSE $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 etc/callrouter.ini $(DESTDIR)$(DOCDIR)/examples/callrouter.ini
	$(INSTALL) -m 644 $(DEPLOY_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	for u in $(UNITS); do \
	  sed -e 's|/usr/local/sbin/callrouter|$(SBINDIR)/callrouter|g' \
	      -e 's|/etc/callrouter/callrouter.ini|$(CONFDIR)/callrouter.ini|g' \
	      etc/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u.tmp && mv $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u; \
	done
	@if [ -e $(DESTDIR)$(CONFDIR)/callrouter.ini ]; then \
	  echo "make install: kept the existing $(DESTDIR)$(CONFDIR)/callrouter.ini (the sample is $(DOCDIR)/examples/callrouter.ini)"; \
	else \
	  $(INSTALL) -m 644 etc/callrouter.ini $(DESTDIR)$(CONFDIR)/callrouter.ini && \
	  echo "make install: installed the sample rules as $(DESTDIR)$(CONFDIR)/callrouter.ini"; \
	fi
	@# The secret of the tokens (callrouter(8), TOKENS): made once, kept ever after;
	@# mode 0640, in the group callrouter when there is one (the service's user). Not
	@# in a staged install (DESTDIR, a package): a secret in a package is everyone's,
	@# so the package makes its own when it is installed (debian/callrouter.postinst).
	@if [ "$(MAKE_SECRET)" = yes ] && [ ! -e $(DESTDIR)$(CONFDIR)/secret ]; then \
	  (umask 027 && head -c 32 /dev/urandom | base64 > $(DESTDIR)$(CONFDIR)/secret) && \
	  if getent group callrouter >/dev/null; then chgrp callrouter $(DESTDIR)$(CONFDIR)/secret; \
	  else echo "make install: made $(DESTDIR)$(CONFDIR)/secret, mode 0640, group root: give it the service's group (doc/deploy.md, \"The secret\")"; fi; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/callrouter $(DESTDIR)$(MANDIR)/man8/callrouter.8 $(DESTDIR)$(MANDIR)/man5/callrouter.ini.5 \
	    $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -rf $(DESTDIR)$(DOCDIR)
	@if cmp -s etc/callrouter.ini $(DESTDIR)$(CONFDIR)/callrouter.ini; then \
	  rm -f $(DESTDIR)$(CONFDIR)/callrouter.ini $(DESTDIR)$(CONFDIR)/secret; rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONFDIR)/callrouter.ini ]; then \
	  echo "make uninstall: kept $(DESTDIR)$(CONFDIR)/callrouter.ini (changed from the sample)"; \
	fi

# The static binary, for a cgi-bin (doc/deploy.md, "Shared hosting"): every library
# linked in, glibc's too, so that it runs on any x86-64 Linux whatever its C library,
# and a CGI process maps no shared library and runs no dynamic loader. libxml2.a calls
# seven ICU functions (for encodings iconv does not know, which callrouter never uses);
# src/static/icu-stub.c answers them "unsupported", so that ICU's 30 MB data library
# stays out. STATIC_ICU=full links the real ICU instead. libcrypto comes from
# libcrypto.a through src/static/crypto-linked.cpp, in place of src/signature/crypto.cpp;
# it sends no webhook (src/static/post-none.cpp in place of src/notify/post.cpp, which
# opens libcurl): --notify runs with the binary of make or the package. Nor does it read
# calendars (src/static/ical-none.cpp in place of src/time/ical.cpp, which opens libical).
STATIC_ICU  ?= stub
STATIC_LIBS := -linih -lcrypto
ifeq ($(STATIC_ICU),full)
STATIC_LIBS += $(shell pkg-config --static --libs-only-l libxml-2.0)
STATIC_STUB :=
else
STATIC_LIBS += -lxml2 -lz -llzma -lm
STATIC_STUB := $(BUILD)/obj/static/icu-stub.o
endif
STATIC_LIBS += -pthread
STATIC_OBJ  := $(filter-out $(BUILD)/obj/signature/crypto.o $(BUILD)/obj/notify/post.o $(BUILD)/obj/base/library.o \
                 $(BUILD)/obj/time/ical.o,$(CORE_OBJ)) $(MAIN_OBJ) $(BUILD)/obj/static/crypto-linked.o \
               $(BUILD)/obj/static/post-none.o $(BUILD)/obj/static/ical-none.o $(STATIC_STUB)

static: $(BUILD)/callrouter-static

# It is linked without PIE, the one hardening flag given up, and only here: libcrypto,
# linked in for the signature, brings some 20,000 relative relocations, and a PIE
# applies them at every start, touching its data pages; as CGI that cost 2.2 times the
# bare C CGI's time per request against 1.6 without PIE (bench/README.md, "CGI"). Full
# RELRO, the stack protector and _FORTIFY_SOURCE stay; the executable's addresses (the
# C library's with it) are the same in every process, the stack's and the heap's are
# still random.
#
# glibc, linked in, still looks users, groups and host names up through NSS: `files`
# and `dns` are in it, any other module (systemd, sss, ldap) it loads from the host,
# which works only with the glibc it was built with. ld says so for each such function
# ("Using 'getpwnam_r' in statically linked applications requires at runtime ..."):
# getpwnam_r and initgroups (--user), getaddrinfo (--listen HOST:PORT), and two that
# are never called, libcrypto's gethostbyname (BIO sockets) and dlopen (engines and
# providers named in openssl.cnf, which the static binary does not read). Those five
# are expected: --user and --listen HOST are for servers, which run the binary of `make`
# or the package (doc/deploy.md). The rule prints ld's other output as it is.
STATIC_LDFLAGS := -static -no-pie -Wl,-z,relro,-z,now

# STATIC_NSS: the functions ld is expected to warn about (above); a warning about any
# other, and everything else ld says, is printed with the "in function" line before it.
STATIC_NSS  := getpwnam_r|initgroups|getaddrinfo|gethostbyname|dlopen

$(BUILD)/callrouter-static: $(STATIC_OBJ) mk/deploy.mk
	$(CXX) $(STATIC_LDFLAGS) $(LDFLAGS) -s -o $@ $(filter %.o,$^) $(STATIC_LIBS) 2>$@.ld || \
	  { cat $@.ld >&2; rm -f $@.ld; exit 1; }
	@awk -v nss="^.*warning: Using '($(STATIC_NSS))' in statically linked applications requires at runtime" \
	  '/: in function `/ { if (held != "" && !used) print held; held = $$0; used = 0; next } \
	   $$0 ~ nss { n++; used = 1; next } \
	   { if (held != "") print held; held = ""; print } \
	   END { if (held != "" && !used) print held; if (n) print "make static: glibc linked in: the " n " warnings of ld about NSS and dlopen are expected (mk/deploy.mk)" }' \
	  $@.ld >&2
	@rm -f $@.ld
	@ls -l $@ | awk '{print "make static: " $$NF ", " $$5 " bytes"}'

$(BUILD)/obj/static/icu-stub.o: src/static/icu-stub.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -fPIE -c -o $@ $<

# The Debian package. dpkg-buildpackage writes its files beside the source tree, so it
# builds a copy of the sources (the files git knows, or all but build/ outside git) in
# $(DEB_DIR)/callrouter-$(VERSION)/, and only the .deb comes back to $(BUILD). The
# outer make's variables (BUILD, PREFIX, -j ...) stay out of the package's own build.
DEB_DIR     := $(BUILD)/deb
DEB_SRC     := $(DEB_DIR)/callrouter-$(VERSION)

deb:
	@for t in dpkg-buildpackage dh dpkg-parsechangelog; do command -v $$t >/dev/null || \
	  { echo "make deb: $$t is missing (make build-deps installs what building the package needs)"; exit 1; }; done
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); case "$$v" in $(VERSION)-*) ;; \
	  *) echo "make deb: debian/changelog is at $$v, the Makefile at $(VERSION)"; exit 1;; esac
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files -z --cached --others --exclude-standard | grep -zv '^$(BUILD)/'; \
	else \
	  find . -path ./build -prune -o -path ./$(BUILD) -prune -o -path ./.git -prune -o -type f -print0; \
	fi | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u DESTDIR -u PREFIX -u SBINDIR -u MANDIR \
	  -u DOCDIR -u UNITDIR -u SYSCONFDIR \
	  DEB_BUILD_OPTIONS="$(strip noddebs $(DEB_BUILD_OPTIONS))" dpkg-buildpackage -b -us -uc
	@# Named as Debian names it (NAME_VERSION-REVISION_ARCH.deb), so that two builds of
	@# one upstream version are told apart.
	@arch=$$(dpkg-architecture -qDEB_HOST_ARCH) && v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && \
	  cp $(DEB_DIR)/callrouter_$${v}_$$arch.deb $(BUILD)/callrouter_$${v}_$$arch.deb && \
	  echo "make deb: $(BUILD)/callrouter_$${v}_$$arch.deb" && ls -l $(BUILD)/callrouter_$${v}_$$arch.deb
