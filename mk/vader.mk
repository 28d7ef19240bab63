# The VADER lexicon for cf-sentiment: the npm tarball pinned in
# third_party/vader.lock, fetched once into $(TS_CACHE) (shared with the
# grammars, see mk/treesitter.mk) and turned into a C array that only
# cf-sentiment links.  Included by the Makefile after mk/treesitter.mk.

VADER_LOCK  := third_party/vader.lock
VADER_VER   := $(shell awk '$$1 == "lexicon" { print $$3 }' $(VADER_LOCK))
VADER_DIR   := $(TS_CACHE)/src/vader-sentiment-$(VADER_VER)
VADER_STAMP := $(VADER_DIR)/.ok
VADER_OBJ   := $(BUILD)/vader-lexicon.o

$(VADER_STAMP): $(VADER_LOCK) $(TS_FETCH)
	sh $(TS_FETCH) $(VADER_LOCK) $(TS_CACHE)

$(BUILD)/vader-lexicon.c: $(VADER_STAMP) build-aux/vader-lexicon.py
	@mkdir -p $(dir $@)
	python3 build-aux/vader-lexicon.py $(VADER_DIR)/vader_lexicon.txt >$@.tmp && mv -f $@.tmp $@

$(VADER_OBJ): $(BUILD)/vader-lexicon.c
	$(CC) $(ALL_CFLAGS) -w -c $< -o $@

$(BIN)/cf-sentiment: $(VADER_OBJ)
$(BIN)/cf-sentiment: LDLIBS += $(VADER_OBJ)
