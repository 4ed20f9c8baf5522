# callrouter: `make run` serves the sample rules through nginx on :3000;
# `make check` runs every test and ends with "N passed, N failed".

VERSION   := 0.1.0
CXX       ?= g++
BUILD     ?= build
PORT      ?= 3000

# A user's CXXFLAGS (optimisation and debug, -O2 -g unless given), CPPFLAGS, LDFLAGS and
# LDLIBS add to what the build needs, which lives in the CR_ variables.
CXXFLAGS  ?= -O2 -g
WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
HARDEN    := -fstack-protector-strong -fPIE
CR_CPPFLAGS := -Isrc $(shell pkg-config --cflags libxml-2.0 2>/dev/null) -D_FORTIFY_SOURCE=2 \
               -DCALLROUTER_VERSION='"$(VERSION)"' -MMD -MP
CR_CXXFLAGS := -std=c++17 $(WARN) $(HARDEN)
CR_LDFLAGS  := -pie -Wl,-z,relro,-z,now -Wl,-O1 -Wl,--as-needed
CR_LDLIBS   := $(or $(shell pkg-config --libs libxml-2.0 inih 2>/dev/null),-lxml2 -linih) -pthread

# What build/callrouter carries in itself. As CGI, every request starts a process, and
# each shared library costs its loading: Debian's libxml2 brings ICU (a C++ library and
# 30 MB of data), lzma, z, and with ICU libstdc++ (bench/README.md, "CGI": 2.3 to 2.4 times
# the bare C CGI's time with all of them shared, 1.4 to 1.5 with these two in). EMBED names
# the ones linked in:
#   xml2  libxml2.a, with src/static/icu-stub.c for the ICU calls (as make static does:
#         the same libxml2 code writes every document; no ICU, lzma or z library loaded)
#   cxx   libstdc++ and libgcc (-static-libstdc++ -static-libgcc)
# `make EMBED=` links every library shared, from Debian, as a distribution package would
# (a security update of a library then reaches callrouter without a rebuild). inih and
# the C library stay shared either way. libcrypto is not linked: callrouter opens
# libcrypto.so.3 when a rule file asks for a signature key (src/crypto.h), since loading
# and relocating it costs a CGI process about a third of the bare C CGI's time. The hardening flags stay: PIE, full RELRO (-z now; lazy binding
# measured no faster), -D_FORTIFY_SOURCE=2, -fstack-protector-strong.
EMBED       ?= xml2 cxx
BIN_LDLIBS  := $(CR_LDLIBS)
BIN_EXTRA   :=
BIN_LDFLAGS :=
ifneq ($(filter xml2,$(EMBED)),)
BIN_LDLIBS  := -Wl,-Bstatic -lxml2 -lz -llzma -Wl,-Bdynamic -linih -lm -pthread
BIN_EXTRA   := $(BUILD)/obj/static/icu-stub.o
endif
ifneq ($(filter cxx,$(EMBED)),)
BIN_LDFLAGS := -static-libstdc++ -static-libgcc
endif
COMPILE   = $(CXX) $(CR_CPPFLAGS) $(CPPFLAGS) $(CR_CXXFLAGS) $(CXXFLAGS)
LINK      = $(CXX) $(CR_LDFLAGS) $(LDFLAGS)

# Everything the build, the tests and `make run` use, from Debian.
DEB_PACKAGES := g++ make pkg-config libfcgi-dev libfcgi-bin libxml2-dev libinih-dev libssl-dev doctest-dev \
                nginx spawn-fcgi curl python3 tzdata openssl procps \
                apache2 libapache2-mod-fcgid systemd groff-base man-db mandoc zlib1g-dev liblzma-dev \
                clang libclang-rt-14-dev valgrind wrk lighttpd caddy h2o logrotate chromium \
                debhelper dpkg-dev lintian php8.2-fpm php8.2-cli nodejs fcgiwrap clang-format time \
                libcurl4-openssl-dev msmtp python3-aiosmtpd prometheus libical-dev

# src/ holds a folder per layer (README.md, "Source layout"); objects mirror the tree.
CORE_SRC  := $(sort $(filter-out src/cli/main.cpp,$(shell find src -name '*.cpp' -not -path 'src/static/*')))
CORE_OBJ  := $(CORE_SRC:src/%.cpp=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/cli/main.o
UNIT_SRC  := $(sort $(shell find tests/unit -name '*.cpp'))
UNIT_OBJ  := $(UNIT_SRC:tests/unit/%.cpp=$(BUILD)/obj/unit/%.o)

.PHONY: all deps build-deps run check bench bench-cgi clean layers format format-check

all: $(BUILD)/callrouter etc/secret

# The secret that binds menus and announcements to their call (callrouter(8),
# TOKENS), for the sample rules that name it (etc/menu.ini): made once, mode 0640,
# never in git. The package and make install make their own.
etc/secret:
	@umask 027 && head -c 32 /dev/urandom | base64 > $@.tmp && mv $@.tmp $@ && \
	  echo "make: made $@ (the secret of etc/menu.ini's tokens, mode 0640)"

# Installs the Debian packages that are missing (apt-get; sudo when not root).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# node and npm (one test runs sipgate.io's Node.js library): Debian's, unless a node
	@# with its own npm is there already.
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "make deps: installing nodejs npm"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi

# Installs what building the package needs, and nothing else: debian/control's
# Build-Depends with build-essential (apt-get build-dep), when dpkg-checkbuilddeps finds
# one missing. Not make deps: that is the test stack (web servers that start on port 80,
# a browser, clang, valgrind), which has no place on a server that only builds.
build-deps:
	@if command -v dpkg-checkbuilddeps >/dev/null && dpkg-checkbuilddeps >/dev/null 2>&1; then \
	  echo "make build-deps: debian/control's Build-Depends are installed"; \
	else \
	  echo "make build-deps: installing debian/control's Build-Depends (apt-get build-dep ./)"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends ./; \
	fi

# EMBED is in the rule's text: `make EMBED=` after `make` links again.
$(BUILD)/callrouter: $(CORE_OBJ) $(MAIN_OBJ) $(BIN_EXTRA) $(BUILD)/embed-$(or $(subst $() ,-,$(strip $(EMBED))),none)
	$(LINK) $(BIN_LDFLAGS) -o $@ $(filter %.o,$^) $(BIN_LDLIBS) $(LDLIBS)

$(BUILD)/embed-%:
	@mkdir -p $(BUILD) && rm -f $(BUILD)/embed-* && touch $@

# The unit tests make keys and signatures of their own with libcrypto.
$(BUILD)/unit-tests: $(CORE_OBJ) $(UNIT_OBJ)
	$(LINK) -o $@ $^ $(CR_LDLIBS) -lcrypto $(LDLIBS)

$(BUILD)/obj/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	$(COMPILE) -c -o $@ $<

$(BUILD)/obj/unit/%.o: tests/unit/%.cpp
	@mkdir -p $(dir $@)
	$(COMPILE) -Itests/unit -c -o $@ $<

# Serves etc/callrouter.ini through a real nginx on 127.0.0.1:$(PORT) until Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory all
	@exec nginx/run-local.sh $(BUILD)/callrouter etc/callrouter.ini $(PORT)

check: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests fuzz-build
	@python3 tests/run.py --build $(BUILD)

# The house rules of src/ (README.md, "Source layout"): each folder includes only from
# the layers below it, no include cycle, no file over 600 lines. make check runs it too
# (tests/it_layers.py).
layers:
	@python3 mk/layers.py

# The layout of the C++ code, as .clang-format says (make check compares it too).
FORMAT_FILES = $(shell find src tests/unit tests/fuzz bench -name '*.cpp' -o -name '*.h' | sort)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files as .clang-format lays them out"

$(BUILD)/bench-lookup: bench/lookup.cpp $(BUILD)/obj/rules/number.o
	$(COMPILE) $(CR_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.cpp %.o,$^)

# The cost of signature = require (bench/signature.cpp), on the core's objects.
$(BUILD)/bench-signature: bench/signature.cpp $(CORE_OBJ)
	$(COMPILE) $(CR_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.cpp %.o,$^) $(CR_LDLIBS) $(LDLIBS)

# The cost of a calendar of 10,000 events (bench/calendar.cpp): its load and at(), on the
# core's objects (libical is opened with dlopen, as callrouter does).
$(BUILD)/bench-calendar: bench/calendar.cpp $(CORE_OBJ)
	$(COMPILE) $(CR_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.cpp %.o,$^) $(CR_LDLIBS) $(LDLIBS)

# The floor of the bench: a bare libfcgi responder (libfcgi-dev).
$(BUILD)/bench-floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $< -lfcgi

# The floor of the CGI rows: a bare C CGI program; and the driver that times CGI
# programs started as a web server starts them (bench/cgi-time.c).
$(BUILD)/bench-cgi-floor: bench/cgi-floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench-cgi-time: bench/cgi-time.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

BENCH_BINS := all static $(BUILD)/bench-lookup $(BUILD)/bench-floor $(BUILD)/bench-signature $(BUILD)/bench-cgi-floor \
              $(BUILD)/bench-cgi-time $(BUILD)/bench-calendar

# Benchmarks side by side in one run (ratios, not absolute times); needs wrk, nginx,
# spawn-fcgi, libfcgi-dev, php8.2-fpm, nodejs and fcgiwrap (DEB_PACKAGES). SECONDS: each
# wrk run (10).
bench: deps
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo apt-get install -y -qq wrk; }
	@$(MAKE) --no-print-directory $(BENCH_BINS)
	@bench/run.sh $(BUILD) $(or $(SECONDS),10)

# Only the CGI comparison: callrouter (this build and make static) against the bare C
# CGI, each started per request with the sample rules, taking turns; REQUESTS (300).
bench-cgi: deps
	@$(MAKE) --no-print-directory all static $(BUILD)/bench-cgi-floor $(BUILD)/bench-cgi-time
	@bench/cgi.sh $(BUILD) $(or $(REQUESTS),300)

clean:
	rm -rf $(BUILD)

include mk/deploy.mk mk/hardening.mk

-include $(CORE_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(BUILD)/bench-lookup.d $(BUILD)/bench-signature.d \
         $(BUILD)/bench-calendar.d $(BUILD)/obj/static/crypto-linked.d $(BUILD)/obj/static/post-none.d \
         $(BUILD)/obj/static/ical-none.d
