# Codefang — GNU make.
#
#   make                 build libcf.a and every tool into bin/
#   make test            the bats suite; ends with "N passed, N failed"
#   make test-asan       the same suite under ASan and UBSan
#   make bench REPO=DIR  benchmarks against git on the same machine
#   make install PREFIX=/usr/local DESTDIR=
#
# O=DIR puts every build product under DIR (objects in DIR/build, tools in
# DIR/bin), so that several builds can share one source tree.
# When a dependency is missing and make runs as root, it is installed with
# apt-get; otherwise make prints the one command that would install it.

O        ?= .
BUILD    := $(O)/build
BIN      := $(O)/bin
PREFIX   ?= /usr/local
DESTDIR  ?=

CC       ?= cc
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
WARN     := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-sign-compare
ifeq ($(DEVELOPER),1)
WARN     += -Werror
endif
SAN      ?=
MSGPACK_PC := $(shell pkg-config --exists msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
DEP_PC   := libgit2 $(MSGPACK_PC) zlib libdeflate
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Iinclude $(WARN) $(CFLAGS) $(SAN) \
	     $(shell pkg-config --cflags $(DEP_PC) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(DEP_PC) 2>/dev/null) -lm -pthread

APT_PKGS := libgit2-dev libmsgpack-dev zlib1g-dev libdeflate-dev pkg-config git bats bats-support \
	    bats-assert bats-file gcc libc6-dev groff-base python3

LIB_SRC  := $(sort $(wildcard common/*.c))
LIB_OBJ  := $(LIB_SRC:common/%.c=$(BUILD)/common/%.o)
TOOL_SRC := $(sort $(wildcard tools/cf-*.c))
TOOLS    := $(TOOL_SRC:tools/%.c=%)
TOOL_BIN := $(TOOLS:%=$(BIN)/%)
LIBCF    := $(BUILD)/libcf.a

.PHONY: all deps test test-asan bench install uninstall clean check-headers
.DELETE_ON_ERROR:

all: $(BUILD)/.deps-ok $(TOOL_BIN) $(if $(filter cf-run,$(TOOLS)),$(BIN)/codefang)

# Dependencies: checked once per build directory, installed when possible.
$(BUILD)/.deps-ok: Makefile
	@mkdir -p $(BUILD)
	@missing=""; \
	for pc in libgit2 zlib libdeflate; do pkg-config --exists $$pc 2>/dev/null || missing=1; done; \
	pkg-config --exists msgpack 2>/dev/null || pkg-config --exists msgpack-c 2>/dev/null || missing=1; \
	for cmd in $(firstword $(CC)) git bats groff python3; do \
		command -v $$cmd >/dev/null 2>&1 || missing=1; \
	done; \
	for lib in bats-support bats-assert bats-file; do \
		[ -f /usr/lib/bats/$$lib/load.bash ] || missing=1; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "make: installing $(APT_PKGS)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq $(APT_PKGS) >/dev/null || exit 1; \
		else \
			echo "make: missing dependencies; install them with:" >&2; \
			echo "  sudo apt-get install $(APT_PKGS)" >&2; exit 1; \
		fi; \
	fi
	@touch $@

deps: $(BUILD)/.deps-ok

$(BUILD)/common/%.o: common/%.c $(wildcard include/cf/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tools/%.o: tools/%.c $(wildcard include/cf/*.h) $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCF): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/cf-%: $(BUILD)/tools/cf-%.o $(LIBCF)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) $< $(LIBCF) $(LDLIBS) -o $@

include mk/treesitter.mk
include mk/vader.mk

$(BIN)/codefang: $(BIN)/cf-run
	ln -sf cf-run $@

check-headers:
	@for h in include/cf/*.h; do \
		echo "#include \"$${h#include/}\"" | $(CC) $(ALL_CFLAGS) -x c -c - -o /dev/null || exit 1; \
	done; echo "headers ok"

# What the suite checks against or drives, beyond the build's dependencies:
# pmccabe (cyclomatic numbers), GNU parallel and sshd (fleets over ssh), a
# single-node Slurm, chromium (plots), valgrind.  Installed in one go when
# make runs as root; otherwise the tests that need them are skipped, each
# saying what is missing.
TEST_PKGS := pmccabe parallel openssh-server openssh-client slurm-wlm munge \
	     chromium python3-yaml valgrind jq
TEST_CMDS := pmccabe parallel /usr/sbin/sshd /usr/sbin/slurmctld /usr/sbin/munged chromium valgrind jq

$(BUILD)/.test-deps-ok: Makefile $(BUILD)/.deps-ok
	@missing=""; \
	for cmd in $(TEST_CMDS); do command -v $$cmd >/dev/null 2>&1 || missing=1; done; \
	python3 -c 'import yaml' 2>/dev/null || missing=1; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: installing the test tools: $(TEST_PKGS)"; \
		DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq \
			$(TEST_PKGS) >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
			apt-get install -y -qq $(TEST_PKGS) >/dev/null 2>&1; } || \
		echo "make: some test tools could not be installed; their tests are skipped" >&2; \
	elif [ -n "$$missing" ]; then \
		echo "make: for every test: sudo apt-get install $(TEST_PKGS)" >&2; \
	fi
	@touch $@

# The suite runs the tools from $(BIN); tests/run prints the closing line.
test: all $(BUILD)/.test-deps-ok
	@CF_BIN=$(abspath $(BIN)) bash tests/run $(TESTS)

test-asan:
	$(MAKE) O=$(O)/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test

bench: all
	@test -n "$(REPO)" || { echo "usage: make bench REPO=path [ANALYZERS=burndown] [RUNS=3]" >&2; exit 2; }
	@CF_BIN=$(abspath $(BIN)) bash bench/run "$(REPO)" "$(or $(ANALYZERS),burndown)" "$(or $(RUNS),3)"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/codefang/pipelines
	install -m 755 $(TOOL_BIN) $(DESTDIR)$(PREFIX)/bin/
	ln -sf cf-run $(DESTDIR)$(PREFIX)/bin/codefang
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 755 $(wildcard pipelines/*.sh) $(DESTDIR)$(PREFIX)/share/codefang/pipelines/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/bin/codefang
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(wildcard man/*.1)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(wildcard man/*.5)))
	rm -rf $(DESTDIR)$(PREFIX)/share/codefang

clean:
	rm -rf $(BUILD) $(BIN)
include mk/fuzz.mk
