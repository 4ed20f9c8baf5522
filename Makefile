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
CR_LDFLAGS  := -pie -Wl,-z,relro,-z,now
CR_LDLIBS   := -lxml2 -linih -lcrypto -pthread
COMPILE   = $(CXX) $(CR_CPPFLAGS) $(CPPFLAGS) $(CR_CXXFLAGS) $(CXXFLAGS)
LINK      = $(CXX) $(CR_LDFLAGS) $(LDFLAGS)

# Everything the build, the tests and `make run` use, from Debian.
DEB_PACKAGES := g++ make pkg-config libfcgi-dev libfcgi-bin libxml2-dev libinih-dev libssl-dev doctest-dev \
                nginx spawn-fcgi curl python3 tzdata openssl procps \
                apache2 libapache2-mod-fcgid systemd groff-base man-db mandoc zlib1g-dev liblzma-dev \
                clang libclang-rt-14-dev valgrind wrk lighttpd caddy h2o logrotate chromium \
                debhelper dpkg-dev lintian

CORE_SRC  := $(filter-out src/main.cpp,$(wildcard src/*.cpp))
CORE_OBJ  := $(CORE_SRC:src/%.cpp=$(BUILD)/obj/%.o)
UNIT_SRC  := $(wildcard tests/unit/*.cpp)
UNIT_OBJ  := $(UNIT_SRC:tests/unit/%.cpp=$(BUILD)/obj/unit/%.o)

.PHONY: all deps run check bench clean

all: $(BUILD)/callrouter

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

$(BUILD)/callrouter: $(CORE_OBJ) $(BUILD)/obj/main.o
	$(LINK) -o $@ $^ $(CR_LDLIBS) $(LDLIBS)

$(BUILD)/unit-tests: $(CORE_OBJ) $(UNIT_OBJ)
	$(LINK) -o $@ $^ $(CR_LDLIBS) $(LDLIBS)

$(BUILD)/obj/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	$(COMPILE) -c -o $@ $<

$(BUILD)/obj/unit/%.o: tests/unit/%.cpp
	@mkdir -p $(dir $@)
	$(COMPILE) -c -o $@ $<

# Serves etc/callrouter.ini through a real nginx on 127.0.0.1:$(PORT) until Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory all
	@exec nginx/run-local.sh $(BUILD)/callrouter etc/callrouter.ini $(PORT)

check: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests fuzz-build
	@python3 tests/run.py --build $(BUILD)

$(BUILD)/bench-lookup: bench/lookup.cpp $(BUILD)/obj/number.o
	$(COMPILE) $(CR_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.cpp %.o,$^)

# The cost of signature = require (bench/signature.cpp), on the core's objects.
$(BUILD)/bench-signature: bench/signature.cpp $(CORE_OBJ)
	$(COMPILE) $(CR_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.cpp %.o,$^) $(CR_LDLIBS) $(LDLIBS)

# The floor of the bench: a bare libfcgi responder (libfcgi-dev).
$(BUILD)/bench-floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $< -lfcgi

# Benchmarks side by side in one run (ratios, not absolute times); needs wrk,
# nginx, spawn-fcgi and libfcgi-dev (DEB_PACKAGES). SECONDS: each wrk run (10).
bench: deps
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo apt-get install -y -qq wrk; }
	@$(MAKE) --no-print-directory all $(BUILD)/bench-lookup $(BUILD)/bench-floor $(BUILD)/bench-signature
	@bench/run.sh $(BUILD) $(or $(SECONDS),10)

clean:
	rm -rf $(BUILD)

include mk/deploy.mk mk/hardening.mk

-include $(CORE_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/obj/main.d $(BUILD)/bench-lookup.d $(BUILD)/bench-signature.d
