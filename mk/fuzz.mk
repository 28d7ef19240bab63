# libFuzzer harnesses (fuzz/): included by the Makefile.
#
#   make fuzz [FUZZ_TIME=60] [FUZZ="reader size ..."]  run each harness FUZZ_TIME s
#   make fuzz-build                                    build them only
#
# Harnesses and libcf are built with clang, ASan and UBSan under $(O)/fuzz;
# each run starts from tests/fuzz-corpus/NAME and keeps what it finds in
# $(O)/fuzz/corpus/NAME; a crash is written to $(O)/fuzz/crashes/ and makes
# the target fail.  Needs clang and libclang-rt-14-dev (libFuzzer itself).
# fuzz/RESULTS.md has what the harnesses are and what they found.

FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_DIR     := $(O)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -pthread -Iinclude $(WARN) -g -O1 \
		-fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		$(shell pkg-config --cflags $(DEP_PC) 2>/dev/null)
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer -Wl,-T,fuzz/cntrs.ld
# Harnesses that catch the code's exit() (see fuzz/reader.c and fuzz/tool.c).
FUZZ_WRAP    := -Wl,--wrap=exit
FUZZ_LIBCF   := $(FUZZ_DIR)/libcf.a
FUZZ_LIBOBJ  := $(LIB_SRC:common/%.c=$(FUZZ_DIR)/common/%.o)

# In-process harnesses, one source each.
FUZZ_LIB_HARNESSES := reader size object quickdiff narrow linediff basecache

# Tools run on one input by fuzz/tool.c: HARNESS:TOOL:ARGS, "@@" in ARGS
# standing for a file holding the input (stdin is then empty), "," for a
# space.  cf-diff gets one thread: forks are cheaper.
FUZZ_TOOL_SPECS := \
	tool-dump:cf-dump: \
	tool-diff:cf-diff:-j,1,--diff-cache-size,0 \
	tool-burndown:cf-burndown: \
	tool-devs:cf-devs: \
	tool-couples:cf-couples: \
	tool-file-history:cf-file-history: \
	tool-reduce:cf-reduce:-f,json \
	state-burndown:cf-burndown:--resume,@@ \
	state-devs:cf-devs:--resume,@@ \
	state-couples:cf-couples:--resume,@@ \
	state-file-history:cf-file-history:--resume,@@ \
	uast-c:cf-uast:-l,c,@@ \
	uast-python:cf-uast:-l,python,@@ \
	uast-javascript:cf-uast:-l,javascript,@@ \
	uast-go:cf-uast:-l,go,@@ \
	tool-uastdiff:cf-uastdiff:-j,1 \
	tool-shotness:cf-shotness: \
	tool-typos:cf-typos: \
	tool-sentiment:cf-sentiment: \
	tool-imports:cf-imports: \
	tool-quality:cf-quality: \
	tool-anomaly:cf-anomaly: \
	state-shotness:cf-shotness:--resume,@@ \
	state-typos:cf-typos:--resume,@@ \
	state-sentiment:cf-sentiment:--resume,@@ \
	state-imports:cf-imports:--resume,@@ \
	state-quality:cf-quality:--resume,@@ \
	state-anomaly:cf-anomaly:--resume,@@ \
	uast-typescript:cf-uast:-l,typescript,@@ \
	uast-tsx:cf-uast:-l,tsx,@@ \
	uast-rust:cf-uast:-l,rust,@@ \
	uast-java:cf-uast:-l,java,@@ \
	uast-cpp:cf-uast:-l,cpp,@@ \
	uast-ruby:cf-uast:-l,ruby,@@ \
	uast-php:cf-uast:-l,php,@@ \
	uast-c_sharp:cf-uast:-l,c_sharp,@@ \
	uast-bash:cf-uast:-l,bash,@@

fuzz_word     = $(word $(2),$(subst :, ,$(1)))
# Only the harnesses whose tool exists in this tree.
FUZZ_TOOL_SPECS := $(foreach s,$(FUZZ_TOOL_SPECS),$(if $(wildcard tools/$(call fuzz_word,$(s),2).c),$(s)))
FUZZ_TOOL_HARNESSES := $(foreach s,$(FUZZ_TOOL_SPECS),$(call fuzz_word,$(s),1))
FUZZ_ALL     := $(FUZZ_LIB_HARNESSES) $(FUZZ_TOOL_HARNESSES)
FUZZ         ?= $(FUZZ_ALL)

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_ALL:%=$(FUZZ_DIR)/bin/%)

# libFuzzer is not part of the build's dependencies: checked here only.
$(FUZZ_DIR)/.deps-ok:
	@mkdir -p $(dir $@)
	@echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
		$(FUZZ_CC) -x c -fsanitize=fuzzer - -o $(FUZZ_DIR)/.probe 2>/dev/null || { \
		echo "make fuzz: needs clang with libFuzzer: apt-get install clang libclang-rt-14-dev" >&2; \
		exit 1; }
	@rm -f $(FUZZ_DIR)/.probe; touch $@

$(FUZZ_DIR)/common/%.o: common/%.c $(wildcard include/cf/*.h) | $(FUZZ_DIR)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# libFuzzer brings its own main(); the tool harness calls cmd_main itself.
$(FUZZ_DIR)/common/main.o: common/main.c $(wildcard include/cf/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@.tmp
	objcopy --redefine-sym main=cf_unused_main --redefine-sym cmd_main=cf_fuzz_cmd_main $@.tmp $@
	rm -f $@.tmp

$(FUZZ_LIBCF): $(FUZZ_LIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/tools/%.o: tools/%.c $(wildcard include/cf/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@.tmp
	objcopy --redefine-sym cmd_main=cf_fuzz_cmd_main $@.tmp $@
	rm -f $@.tmp

$(FUZZ_DIR)/harness/%.o: fuzz/%.c $(wildcard include/cf/*.h) | $(FUZZ_DIR)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/bin/reader: FUZZ_LDFLAGS += $(FUZZ_WRAP)
$(FUZZ_LIB_HARNESSES:%=$(FUZZ_DIR)/bin/%): $(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/harness/%.o $(FUZZ_LIBCF) fuzz/cntrs.ld
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $(filter %.o %.a,$^) $(LDLIBS) -o $@

# The driver is not instrumented: a module that names __start___sancov_cntrs
# itself loses its counter registration (clang 14), and it needs no coverage.
define fuzz_tool_rule
$(FUZZ_DIR)/harness/$(1).o: fuzz/tool.c $(wildcard include/cf/*.h)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $$(filter-out -fsanitize=fuzzer-no-link,$$(FUZZ_CFLAGS)) -DCF_FUZZ_TOOL='"$(2)"' \
		-DCF_FUZZ_ARGS='"$(subst $(comma), ,$(3))"' -c $$< -o $$@
$(FUZZ_DIR)/bin/$(1): $(FUZZ_DIR)/harness/$(1).o $(FUZZ_DIR)/tools/$(2).o $(FUZZ_LIBCF) \
		$(if $(filter $(2),$(TS_TOOLS)),$(TS_LIBS)) \
		$(if $(filter $(2),cf-sentiment),$(FUZZ_DIR)/vader-lexicon.o) fuzz/cntrs.ld
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $(FUZZ_WRAP) $$(filter %.o %.a,$$^) $(LDLIBS) -o $$@
endef
comma := ,
$(foreach s,$(FUZZ_TOOL_SPECS),$(eval $(call fuzz_tool_rule,$(call fuzz_word,$(s),1),$(call fuzz_word,$(s),2),$(call fuzz_word,$(s),3))))

# cf-sentiment's lexicon is data: not instrumented.
$(FUZZ_DIR)/vader-lexicon.o: $(BUILD)/vader-lexicon.c | $(FUZZ_DIR)/.deps-ok
	$(FUZZ_CC) -std=c11 -w -c $< -o $@

# The tree-sitter users see its header, as in mk/treesitter.mk.
$(filter $(FUZZ_DIR)/common/uast%.o $(FUZZ_DIR)/common/static%.o,$(FUZZ_LIBOBJ)): FUZZ_CFLAGS += -I$(TS_RUNTIME_DIR)/include
$(filter $(FUZZ_DIR)/common/uast%.o $(FUZZ_DIR)/common/static%.o,$(FUZZ_LIBOBJ)): $(TS_STAMP)

# Each harness in turn, all of them even after a crash; the status says
# whether any crashed.  Harness and tool messages are kept out of the logs
# (-close_fd_mask=3); rerun a crash file with the harness alone to see them.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/crashes; failed=""; \
	for f in $(FUZZ); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$f; \
		echo "fuzz: $$f for $(FUZZ_TIME) s"; \
		$(FUZZ_DIR)/bin/$$f -max_total_time=$(FUZZ_TIME) -timeout=30 \
			-rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/crashes/$$f- \
			$(FUZZ_DIR)/corpus/$$f $$([ -d tests/fuzz-corpus/$$f ] && echo tests/fuzz-corpus/$$f) \
			>$(FUZZ_DIR)/$$f.log 2>&1 || failed="$$failed $$f"; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|^#[0-9]+.*(DONE|cov:)' \
			$(FUZZ_DIR)/$$f.log | tail -n 4; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz: crashed:$$failed (logs and inputs in $(FUZZ_DIR))" >&2; exit 1; }
