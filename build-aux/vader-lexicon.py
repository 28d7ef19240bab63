#!/usr/bin/env python3
# Turns vader_lexicon.txt (word TAB mean TAB sd TAB ratings) into a C array
# sorted by bytes, for bsearch in cf-sentiment.  Every byte that is not a
# letter or a digit is written as an octal escape.
#
#	python3 build-aux/vader-lexicon.py vader_lexicon.txt > vader-lexicon.c
import sys

words = {}
with open(sys.argv[1], "rb") as f:
    for line in f:
        parts = line.rstrip(b"\r\n").split(b"\t")
        if len(parts) >= 2 and parts[0]:
            words[parts[0]] = float(parts[1])

def c_string(b):
    return "".join(chr(c) if chr(c).isalnum() and c < 128 else "\\%03o" % c for c in b)

out = sys.stdout
out.write("/* Generated from vader_lexicon.txt by build-aux/vader-lexicon.py. */\n")
out.write("#include <stddef.h>\n\nstruct cf_vader_word { const char *word; double valence; };\n\n")
out.write("const struct cf_vader_word cf_vader_lexicon[] = {\n")
for w in sorted(words):
    out.write('\t{ "%s", %r },\n' % (c_string(w), words[w]))
out.write("};\n\nconst size_t cf_vader_lexicon_size = sizeof(cf_vader_lexicon) / sizeof(cf_vader_lexicon[0]);\n")
