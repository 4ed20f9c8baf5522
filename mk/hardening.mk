# Hardening targets: sanitize, valgrind, fuzz (doc/testing.md).
# Included by the Makefile.
#
#   make fuzz [FUZZ_SECONDS=600] [FUZZERS="form number config fastcgi ics"]
#                      builds the libFuzzer drivers (tests/fuzz/, clang, ASan + UBSan) and runs
#                      each for FUZZ_SECONDS; new inputs go to $(BUILD)/fuzz/corpus/NAME,
#                      crashes to $(BUILD)/fuzz/artifacts/. Seeds: tests/fuzz/corpus/NAME,
#                      dictionaries: tests/fuzz/NAME.dict.
#   make fuzz-build    only builds them (make check then runs each for 30 s as a named case)
#   make sanitize      the whole test suite (doctest units and tests/it_*.py) against a build
#                      with AddressSanitizer and UndefinedBehaviorSanitizer; fails on any report
#   make valgrind      10,000 FastCGI requests to build/callrouter under memcheck; fails on
#                      any error or leak

FUZZ_CXX      ?= clang++
FUZZ_SECONDS  ?= 600
FUZZERS       ?= form number config fastcgi ics
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CXXFLAGS := -O1 -g -std=c++17 $(WARN) -Isrc $(shell pkg-config --cflags libxml-2.0 2>/dev/null) \
                 -DCALLROUTER_VERSION='"$(VERSION)"' $(FUZZ_SAN) -MMD -MP
FUZZ_OBJ      := $(CORE_SRC:src/%.cpp=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS     := $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)

SAN_DIR       := $(BUILD)/san
SAN_FLAGS     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

.PHONY: fuzz fuzz-build sanitize valgrind

ifeq ($(shell command -v $(FUZZ_CXX) 2>/dev/null),)
fuzz-build:
	@echo "make fuzz-build: $(FUZZ_CXX) is missing, the fuzz drivers are not built (make deps installs clang)"
else
fuzz-build: $(FUZZ_BINS)
endif

$(FUZZ_DIR)/obj/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_%.o: tests/fuzz/fuzz_%.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CXX) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(CR_LDLIBS) $(LDLIBS)

# Each driver in turn, one process (-jobs is left to the caller: FUZZ_ARGS="-jobs=2").
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$f $(FUZZ_DIR)/artifacts; \
	  echo "make fuzz: $$f for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$f- -dict=tests/fuzz/$$f.dict $(FUZZ_ARGS) \
	    $(FUZZ_DIR)/corpus/$$f tests/fuzz/corpus/$$f \
	    2>$(FUZZ_DIR)/$$f.log || { tail -40 $(FUZZ_DIR)/$$f.log; exit 1; }; \
	  grep -E '^(stat::number_of_executed_units|Done)' $(FUZZ_DIR)/$$f.log || true; \
	done

# The same tests as make check, against binaries built with ASan + UBSan in $(BUILD)/san
# (CALLROUTER_BIN, and the unit tests). The tests get $(BUILD)/san-run as their build
# folder, so that the ones that build binaries themselves (make static, make install)
# build ordinary ones there and never mix them with the sanitized objects.
# Every sanitizer report (also a leak at exit of a CGI or FastCGI process) is written
# to $(SAN_DIR)/reports/; any file there fails the target.
# The report folder is also compiled in (__asan_default_options), so that a process
# started with a clean environment (CGI) still writes its reports there. EMBED= links
# every library shared there: AddressSanitizer's operator new and delete take the place
# of a shared libstdc++'s, not of one linked in.
SAN_REPORTS   := $(abspath $(SAN_DIR))/reports

$(SAN_DIR)/san_options.o: mk/hardening.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' \
	  '__attribute__((visibility("default"), used)) const char* __asan_default_options(void) {' \
	  '    return "log_path=$(SAN_REPORTS)/asan:detect_leaks=1"; }' \
	  '__attribute__((visibility("default"), used)) const char* __ubsan_default_options(void) {' \
	  '    return "log_path=$(SAN_REPORTS)/ubsan:print_stacktrace=1:halt_on_error=1"; }' > $(SAN_DIR)/san_options.c
	$(CC) -c -o $@ $(SAN_DIR)/san_options.c

sanitize: deps
	@# The sample rules' secret (etc/menu.ini, etc/legs.ini), as make all makes it.
	@$(MAKE) --no-print-directory $(SAN_DIR)/san_options.o etc/secret
	@CXXFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined $(abspath $(SAN_DIR))/san_options.o" \
	  $(MAKE) --no-print-directory BUILD=$(SAN_DIR) EMBED= $(SAN_DIR)/callrouter $(SAN_DIR)/unit-tests
	@rm -rf $(SAN_DIR)/reports && mkdir -p $(SAN_DIR)/reports
	@rm -rf $(SAN_DIR)-run && mkdir -p $(SAN_DIR)-run && cp $(SAN_DIR)/unit-tests $(SAN_DIR)-run/
	@rc=0; \
	ASAN_OPTIONS=log_path=$(SAN_REPORTS)/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=log_path=$(SAN_REPORTS)/ubsan:print_stacktrace=1:halt_on_error=1 \
	CALLROUTER_BIN=$(abspath $(SAN_DIR))/callrouter \
	  python3 tests/run.py --build $(SAN_DIR)-run | tee $(SAN_DIR)/tests.log | grep -vE '^ok ' || rc=1; \
	tail -1 $(SAN_DIR)/tests.log | grep -q ' 0 failed$$' || rc=1; \
	if [ -n "$$(ls -A $(SAN_DIR)/reports)" ]; then \
	  echo "make sanitize: sanitizer reports:"; head -60 $(SAN_DIR)/reports/*; rc=1; \
	else echo "make sanitize: no sanitizer report"; fi; \
	exit $$rc

valgrind: deps
	@$(MAKE) --no-print-directory all
	@python3 tests/valgrind_fcgi.py --build $(BUILD) --requests $(or $(VALGRIND_REQUESTS),10000)
-include $(FUZZ_OBJ:.o=.d) $(FUZZ_DIR)/obj/fuzz_form.d $(FUZZ_DIR)/obj/fuzz_number.d $(FUZZ_DIR)/obj/fuzz_config.d $(FUZZ_DIR)/obj/fuzz_fastcgi.d
.SECONDARY: $(FUZZ_OBJ)
