#!/bin/sh
# Writes the seed corpora of the structural and churn analyzers' harnesses
# (tool-uastdiff, tool-shotness ... tool-anomaly, state-shotness ...
# state-anomaly) into tests/fuzz-corpus from the real pipeline run on a
# 4-commit repository: a Python and a C file with functions, a class,
# imports, comments of both moods and an identifier typo fixed.
#
#	PATH=bin:$PATH sh fuzz/seed-corpus.sh [DIR]
#
# The tools come from PATH; DIR (default tests/fuzz-corpus) gets the files.
set -eu
out=${1:-tests/fuzz-corpus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/repo
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config

commit() {
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" GIT_AUTHOR_NAME=$2 \
	GIT_AUTHOR_EMAIL=$3 GIT_COMMITTER_NAME=$2 GIT_COMMITTER_EMAIL=$3 \
		git -C "$r" commit -q --no-verify --no-gpg-sign -m "$4"
}

git -c init.defaultBranch=main init -q "$r"
printf 'import os\nimport sys\n\n# This helper is terrible and broken, sadly.\ndef alpha(vlaue):\n    return vlaue + 1\n\n\ndef beta():\n    return 2\n' >"$r/m.py"
printf '#include <stdio.h>\n/* prints a greeting, which is great */\nint main(void)\n{\n\tif (1)\n\t\tputs("hi");\n\treturn 0;\n}\n' >"$r/a.c"
git -C "$r" add . && commit "2024-01-01 10:00 +0000" Ann ann@x "add m.py and a.c"
sed -i 's/vlaue/value/g' "$r/m.py"
git -C "$r" add . && commit "2024-01-02 10:00 +0000" Bob bob@x "fix a typo"
printf '\n\nclass K:\n    # a lovely and wonderful class\n    def gamma(self):\n        for i in range(3):\n            if i:\n                return i\n' >>"$r/m.py"
git -C "$r" add . && commit "2024-01-05 10:00 +0000" Ann ann@x "add K"
sed -i 's/hi/hello/; s/great/awful and sad/' "$r/a.c"
git -C "$r" add . && commit "2024-01-09 10:00 +0000" Bob bob@x "edit a.c"

# Blobs inline (no ring: a harness input is one file); cf-diff keeps blobs
# only into a pipe, hence the cats.
keep() {
	cf-revlist "$@" "$r" | cf-treediff "$r" | cf-blobload --blobs=all --blob-arena-size 0 "$r" |
		cf-diff -j 1 --keep-blobs | cat
}
plain() {
	cf-revlist "$@" "$r" | cf-treediff "$r" | cf-blobload --blob-arena-size 0 "$r" | cf-diff -j 1 | cat
}
keep >"$tmp/keep"
cf-uastdiff -j 1 <"$tmp/keep" >"$tmp/syntax"
plain >"$tmp/diff"
keep --chunk-size 2 | cf-uastdiff -j 1 >"$tmp/syntax2"
plain --chunk-size 2 >"$tmp/diff2"

mkdir -p "$out/tool-uastdiff" "$out/tool-anomaly"
cp "$tmp/keep" "$out/tool-uastdiff/diff-keep-blobs"
cp "$tmp/diff" "$out/tool-anomaly/diff"
for a in shotness typos sentiment imports quality anomaly; do
	in=$tmp/syntax2
	[ $a = anomaly ] && in=$tmp/diff2
	mkdir -p "$tmp/state-$a" "$out/state-$a"
	"cf-$a" --state-dir "$tmp/state-$a" <"$in" >/dev/null
	cp "$tmp/state-$a/chunk-0.state" "$out/state-$a/chunk-0"
	[ $a = anomaly ] && continue
	mkdir -p "$out/tool-$a"
	cp "$tmp/syntax" "$out/tool-$a/syntax"
done
