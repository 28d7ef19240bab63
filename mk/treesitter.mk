# tree-sitter: the runtime and the grammars, from the npm tarballs pinned in
# third_party/tree-sitter.lock, compiled as C.  Included by the Makefile.
#
# Sources are unpacked once into $(TS_CACHE)/src by build-aux/fetch-npm-
# sources.sh and the libraries compiled once into $(TS_CACHE)/lib (plain -O2,
# no sanitizers: the grammars are generated tables), so every O= build and
# make test-asan share them.  Only the tools in TS_TOOLS link them; the history
# tools stay small.

TS_LOCK   := third_party/tree-sitter.lock
TS_FETCH  := build-aux/fetch-npm-sources.sh
TS_CACHE  ?= $(CURDIR)/.cache
TS_TOOLS  := cf-uast cf-static cf-uastdiff
TS_CC     ?= cc
TS_CFLAGS := -O2 -std=c11 -fPIC -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE -w

# lang -> "package version subdir" from the lock.
ts_field   = $(shell awk '$$1 == "$(1)" { print $$$(2) }' $(TS_LOCK))
TS_LANGS  := $(shell awk '!/^\#/ && NF == 5 && $$1 != "runtime" { print $$1 }' $(TS_LOCK))
ts_dir     = $(TS_CACHE)/src/$(call ts_field,$(1),2)-$(call ts_field,$(1),3)/$(call ts_field,$(1),4)
ts_lib     = $(TS_CACHE)/lib/$(1)-$(call ts_field,$(1),3).a

TS_RUNTIME_DIR := $(call ts_dir,runtime)
TS_RUNTIME_LIB := $(call ts_lib,runtime)
TS_STAMP  := $(TS_CACHE)/src/.fetched
$(foreach l,$(TS_LANGS),$(eval TS_DIR_$(l) := $(call ts_dir,$(l))))
$(foreach l,$(TS_LANGS),$(eval TS_LIB_$(l) := $(call ts_lib,$(l))))
TS_GRAMMAR_LIBS := $(foreach l,$(TS_LANGS),$(TS_LIB_$(l)))
TS_LIBS   := $(TS_GRAMMAR_LIBS) $(TS_RUNTIME_LIB)

.PHONY: grammars
grammars: $(TS_LIBS)

$(TS_STAMP): $(TS_LOCK) $(TS_FETCH)
	sh $(TS_FETCH) $(TS_LOCK) $(TS_CACHE)
	@touch $@

# Compiled into a temporary name and renamed: several builds may race here.
$(TS_RUNTIME_LIB): $(TS_STAMP)
	@mkdir -p $(dir $@)
	$(TS_CC) $(TS_CFLAGS) -I$(TS_RUNTIME_DIR)/include -I$(TS_RUNTIME_DIR)/src \
		-c $(TS_RUNTIME_DIR)/src/lib.c -o $@.$$$$.o && \
	rm -f $@.$$$$ && $(AR) rcs $@.$$$$ $@.$$$$.o && rm -f $@.$$$$.o && mv -f $@.$$$$ $@

# A shell loop, not $(wildcard): the sources do not exist yet when make reads
# this file on a fresh checkout.
define ts_grammar_rule
$(TS_LIB_$(1)): $(TS_STAMP)
	@mkdir -p $$(dir $$@)
	@set -e; objs=""; for f in parser scanner; do \
		[ -f $(TS_DIR_$(1))/$$$$f.c ] || continue; \
		echo "$(TS_CC) $(TS_CFLAGS) -c $(TS_DIR_$(1))/$$$$f.c"; \
		$(TS_CC) $(TS_CFLAGS) -I$(TS_DIR_$(1)) -c $(TS_DIR_$(1))/$$$$f.c -o $$@.$$$$$$$$.$$$$f.o; \
		objs="$$$$objs $$@.$$$$$$$$.$$$$f.o"; \
	done; \
	rm -f $$@.$$$$$$$$; $(AR) rcs $$@.$$$$$$$$ $$$$objs; rm -f $$$$objs; mv -f $$@.$$$$$$$$ $$@
endef
$(foreach l,$(TS_LANGS),$(eval $(call ts_grammar_rule,$(l))))

# The modules that call tree-sitter see its header; the tools that use them
# link the libraries (after libcf.a, grammars before the runtime).
TS_OBJS := $(filter $(BUILD)/common/uast%.o $(BUILD)/common/static%.o,$(LIB_OBJ))
$(TS_OBJS): $(TS_STAMP)
$(TS_OBJS): ALL_CFLAGS += -I$(TS_RUNTIME_DIR)/include
$(TS_TOOLS:%=$(BIN)/%): $(TS_LIBS)
$(TS_TOOLS:%=$(BIN)/%): LDLIBS += $(TS_LIBS)

distclean-ts:
	rm -rf $(TS_CACHE)
.PHONY: distclean-ts
$(TS_OBJS): common/uast-map.h
