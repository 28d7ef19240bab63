#!/usr/bin/env bats
# cf-diff: hunks and line counts equal git's own, on fixtures built here.

load test_helper

# cf_hunks: the "M" change records of a cf-dump stream on stdin, as git
# prints hunk headers with -U0, counts always written out.
cf_hunks() {
	grep '"s":"M"' | sed -n 's/.*"hunks":\[\([0-9,]*\)\].*/\1/p' | tr ',' '\n' |
	awk 'NF { v[n++ % 4] = $1; if (n % 4 == 0) printf "@@ -%d,%d +%d,%d @@\n", v[0], v[1], v[2], v[3] }'
}

# git_hunks REPO [OPTION]...: the same from git log, modifications only.
git_hunks() {
	local repo=$1
	shift
	git -C "$repo" log --first-parent --reverse -p -U0 --format= --no-renames \
		--diff-filter=M "$@" | _git_headers
}

_git_headers() {
	awk '/^@@ / {
		split(substr($2, 2), o, ","); split(substr($3, 2), n, ",")
		printf "@@ -%d,%d +%d,%d @@\n", o[1], (2 in o) ? o[2] : 1, n[1], (2 in n) ? n[2] : 1
	}'
}

# cf_numstat: change records as git's --numstat lines ("-" for binary).
cf_numstat() {
	grep '"t":"change"' |
	sed 's/.*"add":\([0-9]*\).*"bin":\([a-z]*\).*"del":\([0-9]*\).*"path":"\([^"]*\)".*/\1 \2 \3 \4/' |
	awk '{ if ($2 == "true") printf "-\t-\t%s\n", $4; else printf "%d\t%d\t%s\n", $1, $3, $4 }'
}

git_numstat() {
	git -C "$1" log --first-parent --reverse --numstat --format= --no-renames | grep -v '^$'
}

_c_funcs() {	# the indent heuristic fixture, one line per argument
	printf '%s\n' "$@"
}

# The edits fixture: start/middle/end edits, pure insertions and deletions,
# a file without a final newline, a binary file, a change whose hunk the
# indent heuristic moves, additions and deletions of files.
make_edits() {
	local r=$1 d=1680000000
	git_init "$r"
	(
	cd "$r" || exit 1
	seq 1 40 >a.txt
	printf 'one\ntwo\nthree' >nonl.txt
	printf 'BIN\0\001\002data\n' >bin.dat
	_c_funcs 'int a(void)' '{' '	if (x) {' '		foo();' '	}' '' '	return 1;' '}' '' \
		'int c(void)' '{' '	return 3;' '}' >code.c
	git add . && commit_at "@$d +0000" A a@example.com c0
	sed -i -e '1s/.*/first/' -e '20s/.*/twenty/' -e '40s/.*/last/' a.txt
	printf 'one\ntwo\nTHREE' >nonl.txt
	printf 'BIN\0\001\003data\n' >bin.dat
	git add . && commit_at "@$((d + 60)) +0000" A a@example.com c1
	sed -i -e '10a\inserted 1\ninserted 2\ninserted 3' -e '36,38d' a.txt
	printf 'one\ntwo\nTHREE\n' >nonl.txt
	git add . && commit_at "@$((d + 120)) +0000" B b@example.com c2
	_c_funcs 'int a(void)' '{' '	if (x) {' '		foo();' '	}' '' '	return 1;' '}' '' \
		'int c(void)' '{' '	return 2;' '}' '' 'int b(void)' '{' '	return 3;' '}' >code.c
	git add . && commit_at "@$((d + 180)) +0000" B b@example.com c3
	printf 'zero\n' | cat - a.txt >a.tmp && mv a.tmp a.txt
	git rm -q nonl.txt && seq 1 5 >new.txt
	git add . && commit_at "@$((d + 240)) +0000" A a@example.com c4
	sed -i '1,2d' a.txt
	printf 'one\ntwo\nTHREE\nfour' >new.txt
	git add . && commit_at "@$((d + 300)) +0000" A a@example.com c5
	)
}

setup_file() {
	export EDITS=$BATS_FILE_TMPDIR/edits HIST=$BATS_FILE_TMPDIR/hist
	make_edits "$EDITS"
	make_history "$HIST"
	# A self-contained stream (blobs inline) for the stage alone.
	(set -o pipefail; cf-revlist "$EDITS" | cf-treediff "$EDITS" |
		cf-blobload --blob-arena-size 0 "$EDITS" >"$BATS_FILE_TMPDIR/edits.mp")
}

@test "cf-diff: -h prints the usage, a bad option exits 2" {
	run cf-diff -h
	assert_success
	assert_line --index 0 --partial 'usage: cf-diff '
	run cf-diff --no-such-option
	assert_failure 2
	run cf-diff --workers 0
	assert_failure 2
	run cf-diff extra-argument
	assert_failure 2
}

@test "cf-diff: the man page's synopsis matches the usage" {
	local man=$BATS_TEST_DIRNAME/../man/cf-diff.1
	assert_file_exists "$man"
	run grep -c -e '^\.Op Fl -patience' -e '^\.Op Fl -minimal' -e '^\.Op Fl j Ar N' \
		-e '^\.Op Fl -exact-numstat' "$man"
	assert_output 4
}

@test "cf-diff: hunks equal git log -p -U0 on the edits fixture" {
	run_pipeline "$EDITS" cf-dump
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$EDITS")" ]
	# The fixture has what it is meant to have.
	run git_hunks "$EDITS"
	assert_line '@@ -1,1 +1,1 @@'		# edit at the start
	assert_line '@@ -40,1 +40,1 @@'		# edit at the end
	assert_line '@@ -3,1 +3,1 @@'		# last line without a newline
	assert_line '@@ -10,0 +11,3 @@'		# pure insertion
	assert_line '@@ -36,3 +38,0 @@'		# pure deletion
	assert_line '@@ -0,0 +1,1 @@'		# insertion at the very start
	assert_line '@@ -1,2 +0,0 @@'		# deletion at the very start
}

@test "cf-diff: add and del equal git log --numstat, binary files 0" {
	run_pipeline "$EDITS" cf-dump
	assert_success
	[ "$(cf_numstat <<<"$output")" = "$(git_numstat "$EDITS")" ]
	assert_line --partial '"add":0,"bin":true,"del":0,'
	refute_line --regexp '"bin":true.*"hunks"'
}

@test "cf-diff: the indent heuristic places the hunk where git does" {
	local with without
	with=$(git -C "$EDITS" show -U0 --format= HEAD~2 -- code.c | _git_headers)
	without=$(git -C "$EDITS" -c diff.indentHeuristic=false show -U0 --format= HEAD~2 -- code.c |
		_git_headers)
	assert_equal "$with" '@@ -10,0 +11,5 @@'
	assert_equal "$without" '@@ -11,0 +12,5 @@'
	run_pipeline "$EDITS" "cf-dump -t change"
	assert_success
	assert_line --regexp '"hunks":\[10,0,11,5\].*"path":"code.c"'
}

@test "cf-diff: hunks and counts equal git on the standard 64-commit history" {
	run_pipeline "$HIST" cf-dump
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$HIST")" ]
	[ "$(cf_numstat <<<"$output")" = "$(git_numstat "$HIST")" ]
}

@test "cf-diff: a change next to a long common tail is placed as git -U0 places it" {
	# git diffs without context after cutting the common tail in 1 KiB
	# blocks; here that stops the inserted r1..r3 from sliding down by 3.
	local r=$BATS_TEST_TMPDIR/tail i
	git_init "$r"
	_tail_file() {
		for i in 0 1 2 3 4; do echo "head $i"; done
		printf 'r1\nr2\nr3\n'
		(($1)) && printf 'r1\nr2\nr3\n'
		for i in $(seq 0 48); do printf 'unique tail line %04d\n' "$i"; done
		printf '%965s\n' '' | tr ' ' x
	}
	_tail_file 0 >"$r/t.txt"
	git -C "$r" add t.txt && (cd "$r" && commit_at "@1680000000 +0000" A a@example.com t0)
	_tail_file 1 >"$r/t.txt"
	git -C "$r" add t.txt && (cd "$r" && commit_at "@1680000060 +0000" A a@example.com t1)
	run git_hunks "$r"
	assert_output '@@ -7,0 +8,3 @@'
	run_pipeline "$r" "cf-dump -t change"
	assert_success
	[ "$(cf_hunks <<<"$output")" = '@@ -7,0 +8,3 @@' ]
}

@test "cf-diff: --exact-numstat counts what the dropped common tail changes in xdiff" {
	# X is the one line the middles share.  Followed by 600 X lines, which
	# git's -U0 drops with the tail, it occurs too often in the whole files
	# and xdiff discards it among unmatched lines: numstat counts 9 and 9,
	# the hunks 8 and 8.  Followed by 600 Y lines, nothing changes.
	local r=$BATS_TEST_TMPDIR/classes last
	git_init "$r"
	for last in X Y; do
		class_file old "$last" >"$r/$last.txt"
		git -C "$r" add "$last.txt"
	done
	(cd "$r" && commit_at "@1680000000 +0000" A a@example.com c0)
	for last in X Y; do
		class_file new "$last" >"$r/$last.txt"
	done
	(cd "$r" && git add . && commit_at "@1680000060 +0000" A a@example.com c1)
	run git_hunks "$r" -- X.txt
	assert_output $'@@ -6,4 +6,4 @@\n@@ -11,4 +11,4 @@'
	run git -C "$r" log -1 --numstat --format=
	assert_output $'9\t9\tX.txt\n8\t8\tY.txt'
	run bash -c "set -o pipefail; cf-revlist '$r' | cf-treediff '$r' | cf-blobload '$r' |
		cf-diff --exact-numstat | cf-dump -t change"
	assert_success
	[ "$(cf_numstat <<<"$output")" = "$(git_numstat "$r")" ]
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r")" ]
	# changed: 9 edited lines in numstat's diff, 8 in the hunks'.
	cf-revlist "$r" | cf-treediff "$r" | cf-blobload "$r" --blob-arena-size 0 > "$BATS_TEST_TMPDIR/b.mp"
	run -0 bash -c "cf-diff --exact-numstat < '$BATS_TEST_TMPDIR/b.mp' | cf-dump -t change |
		jq -c 'select(.s == \"M\") | [.path, .add, .del, .changed]'"
	assert_output $'["X.txt",9,9,9]\n["Y.txt",8,8,8]'
	# --no-hunks: the same counts from one diff of the whole blobs.
	run -0 bash -c "cf-diff -v --exact-numstat --no-hunks < '$BATS_TEST_TMPDIR/b.mp' 2>'$BATS_TEST_TMPDIR/v' |
		cf-dump -t change | jq -c 'select(.s == \"M\") | [.path, .add, .del, .changed, has(\"hunks\")]'"
	assert_output $'["X.txt",9,9,9,false]\n["Y.txt",8,8,8,false]'
	grep -q -- '--exact-numstat: 0 diffs of the whole blobs' "$BATS_TEST_TMPDIR/v"
	# Without the option, add, del and changed are the hunks'.
	run_pipeline "$r" "cf-dump -t change"
	assert_line --regexp '"add":8,.*"changed":8,"del":8,.*"path":"X.txt"'
	run -0 bash -c "cf-diff --no-hunks < '$BATS_TEST_TMPDIR/b.mp' | cf-dump -t change |
		jq -c 'select(.s == \"M\") | [.path, .add, .del, .changed, has(\"hunks\")]'"
	assert_output $'["X.txt",8,8,8,false]\n["Y.txt",8,8,8,false]'
}

@test "cf-diff: --patience equals git diff --patience, and differs from myers here" {
	local r=$BATS_TEST_TMPDIR/p
	git_init "$r"
	printf '%s\n' a x x x x x x x x x x u x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x a \
		>"$r/p"
	git -C "$r" add p && (cd "$r" && commit_at "@1680000000 +0000" A a@example.com p0)
	printf '%s\n' b x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x u x x x x x x x x x x b \
		>"$r/p"
	git -C "$r" add p && (cd "$r" && commit_at "@1680000060 +0000" A a@example.com p1)
	run_pipeline "$r" "cf-dump -t change"
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r")" ]
	myers=$(cf_hunks <<<"$output")
	run pipeline_patience "$r"
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r" --patience)" ]
	[ "$(cf_hunks <<<"$output")" != "$myers" ]
}

pipeline_patience() {
	(set -o pipefail; cf-revlist "$1" | cf-treediff "$1" | cf-blobload "$1" |
		cf-diff --patience | cf-dump -t change)
}

@test "cf-diff: --histogram is refused (libgit2 1.5 has no histogram diff)" {
	run --separate-stderr cf-diff --histogram </dev/null
	assert_failure 2
	[[ ${stderr_lines[0]} == *"--histogram: libgit2"*"has no histogram diff" ]]
}

@test "cf-diff: workers, batch sizes, arena sizes and the cache change nothing" {
	local ref
	ref=$(cf-diff <"$BATS_FILE_TMPDIR/edits.mp" | cf-dump)
	[ -n "$ref" ]
	[ "$(cf-diff -j 1 --commit-batch-size 1 <"$BATS_FILE_TMPDIR/edits.mp" | cf-dump)" = "$ref" ]
	[ "$(cf-diff -j 4 --diff-cache-size 0 <"$BATS_FILE_TMPDIR/edits.mp" | cf-dump)" = "$ref" ]
	[ "$(cf-diff --exact-numstat <"$BATS_FILE_TMPDIR/edits.mp" | cf-dump)" = "$ref" ]
	run bash -c "set -o pipefail; cf-revlist '$HIST' | cf-treediff '$HIST' |
		cf-blobload --blob-arena-size 16KiB '$HIST' | cf-diff -j 2 --commit-batch-size 3 | cf-dump"
	assert_success
	[ "$output" = "$(pipeline "$HIST" cf-dump)" ]
}

@test "cf-diff: a repeated blob pair comes from the cache" {
	local r=$BATS_TEST_TMPDIR/rev
	git_init "$r"
	(
	cd "$r" || exit 1
	seq 1 10 >f && git add f && commit_at "@1680000000 +0000" A a@example.com r0
	seq 2 11 >f && git add f && commit_at "@1680000060 +0000" A a@example.com r1
	seq 1 10 >f && git add f && commit_at "@1680000120 +0000" A a@example.com r2
	seq 2 11 >f && git add f && commit_at "@1680000180 +0000" A a@example.com r3
	)
	run bash -c "set -o pipefail; cf-revlist '$r' | cf-treediff '$r' | cf-blobload '$r' |
		cf-diff -v --commit-batch-size 1 2>'$BATS_TEST_TMPDIR/err' | cf-dump -t change"
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r")" ]
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial '1 cache hits'
}

@test "cf-diff: consumes arena and blob records, passes everything else in order" {
	run bash -c "cf-revlist '$EDITS' | cf-treediff '$EDITS' | cf-blobload '$EDITS' | cf-diff |
		cf-dump | sed 's/.*\"t\":\"\\([a-z]*\\)\".*/\\1/' | uniq -c | awk '{print \$2}' | sort -u"
	assert_success
	assert_output $'change\ncommit\nscope\nstream'
	[ "$(cf-revlist "$EDITS" | cf-treediff "$EDITS" | cf-dump -t commit)" = \
	  "$(pipeline "$EDITS" "cf-dump -t commit")" ]
}

@test "cf-diff: garbage and truncated input exit 3 with one line" {
	run --separate-stderr bash -c "printf 'garbage' | cf-diff"
	assert_failure 3
	[ "${#stderr_lines[@]}" -eq 1 ]
	run --separate-stderr bash -c "head -c -5 '$BATS_FILE_TMPDIR/edits.mp' | cf-diff >/dev/null"
	assert_failure 3
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *truncated* ]]
}

# A change record of a modification: {t, v, n, s, path, old, new}.
_change_M() {
	printf '\x87\xa1t\xa6change\xa1v\x01\xa1n\x00\xa1s\xa1M\xa4path\xa5f.txt'
	printf '\xa3old\xc4\x14'; printf '\x11%.0s' {1..20}
	printf '\xa3new\xc4\x14'; printf '\x22%.0s' {1..20}
}

@test "cf-diff: a modification without its blobs exits 3 naming record and path" {
	run --separate-stderr bash -c "$(declare -f _change_M); _change_M | cf-diff"
	assert_failure 3
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"record 1 "* ]]
	[[ $stderr == *"'f.txt'"* ]]
	[[ $stderr == *1111111111111111111111111111111111111111* ]]
}

@test "cf-diff: a blob in an arena never announced exits 3" {
	# {t: blob, v: 1, oid, size: 4, arena: 7, off: 0}
	run --separate-stderr bash -c "{ printf '\x86\xa1t\xa4blob\xa1v\x01\xa3oid\xc4\x14'
		printf '\x33%.0s' {1..20}; printf '\xa4size\x04\xa5arena\x07\xa3off\x00'; } | cf-diff"
	assert_failure 3
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"arena 7"* ]]
}

@test "cf-diff: an inline blob whose size is wrong exits 3" {
	# {t: blob, v: 1, oid, size: 5, data: bin "abc"}
	run --separate-stderr bash -c "{ printf '\x85\xa1t\xa4blob\xa1v\x01\xa3oid\xc4\x14'
		printf '\x33%.0s' {1..20}; printf '\xa4size\x05\xa4data\xc4\x03abc'; } | cf-diff"
	assert_failure 3
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"'size' is 5"* ]]
}

# make_edited REPO sliding|wide: a history of random block edits over a
# few repeated lines, generated from a fixed seed.  sliding: small files,
# whose changed blocks share lines and slide often (where cf-diff's quick
# path and xdiff could disagree, if they ever did).  wide: large files
# with edits near each other, which cf-diff narrows (cf/narrow.h), and
# margins that hold lines that slide.
make_edited() {
	git_init "$1"
	python3 - "$2" <<'PY' | git -C "$1" fast-import --quiet
import random, sys
wide = sys.argv[1] == "wide"
rnd = random.Random(11 if wide else 7)
alphabet = ["a\n", "b\n", "\n", "}\n", "{\n", "\treturn 0;\n", "x\n"]
if wide:
    alphabet = ["a\n", "\n", "}\n", "{\n", "\treturn 0;\n", "\t}\n", "\tx;\n"]
def line():
    if rnd.random() < (0.5 if wide else 0.6):
        return rnd.choice(alphabet)
    return "line %d\n" % rnd.randrange(300 if wide else 1000)
def edit(v):
    if not wide:
        at = rnd.randrange(len(v) + 1)
        v[at:at + rnd.choice([0, 0, 1, 1, 2, 3, 8])] = [line() for _ in range(rnd.choice([0, 1, 1, 2, 3, 5]))]
        return
    base = rnd.randrange(len(v) + 1)
    for _ in range(rnd.choice([1, 2, 3])):    # edits near each other
        at = min(len(v), base + rnd.randrange(60))
        v[at:at + rnd.choice([0, 1, 2, 5])] = [line() for _ in range(rnd.choice([0, 1, 3, 6]))]
if wide:
    files = {"w%d.c" % i: [line() for _ in range(rnd.randrange(700, 1500))] for i in range(3)}
else:
    files = {"f%d.txt" % i: [line() for _ in range(rnd.randrange(1, 60))] for i in range(4)}
for n in range(150 if wide else 400):
    name = rnd.choice(sorted(files))
    v = files[name]
    edit(v)
    if not v:
        v.append(line())
    data = "".join(v)
    if not wide and rnd.random() < 0.1:
        data = data.rstrip("\n")
    print("commit refs/heads/main")
    print("author A <a@example.com> %d +0000" % (1680000000 + 60 * n))
    print("committer A <a@example.com> %d +0000" % (1680000000 + 60 * n))
    msg = "c%d" % n
    print("data %d\n%s" % (len(msg), msg))
    for f in sorted(files):
        body = data if f == name else "".join(files[f])
        print("M 100644 inline %s\ndata %d\n%s" % (f, len(body.encode()), body))
PY
}

@test "cf-diff: the quick path for one replaced block gives git's hunks and numstat" {
	local r=$BATS_TEST_TMPDIR/sliding
	make_edited "$r" sliding
	run bash -c "set -o pipefail; cf-revlist '$r' | cf-treediff --no-renames '$r' |
		cf-blobload '$r' | cf-diff -v --exact-numstat --diff-cache-size 0 2>'$BATS_TEST_TMPDIR/v' | cf-dump"
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r")" ]
	[ "$(cf_numstat <<<"$output")" = "$(git_numstat "$r")" ]
	# The fixture exercises both paths.
	run grep -o '[0-9]* diffs decided without xdiff' "$BATS_TEST_TMPDIR/v"
	assert_success
	[ "${output%% *}" -gt 100 ]
	[ "$(git -C "$r" rev-list --count HEAD)" -eq 400 ]
}

@test "cf-diff: narrowed sides give git's hunks and numstat" {
	local r=$BATS_TEST_TMPDIR/wide
	make_edited "$r" wide
	run bash -c "set -o pipefail; cf-revlist '$r' | cf-treediff --no-renames '$r' |
		cf-blobload '$r' | cf-diff -v --exact-numstat --diff-cache-size 0 2>'$BATS_TEST_TMPDIR/v' | cf-dump"
	assert_success
	[ "$(cf_hunks <<<"$output")" = "$(git_hunks "$r")" ]
	[ "$(cf_numstat <<<"$output")" = "$(git_numstat "$r")" ]
	# 57 of 144: the whole-blob diffs that reuse the first one's lines are not narrowed.
	run grep -o '[0-9]* on narrowed sides' "$BATS_TEST_TMPDIR/v"
	assert_success
	[ "${output%% *}" -gt 40 ]
	(set -o pipefail; cf-revlist "$r" | cf-treediff "$r" |
		cf-blobload --blob-arena-size 0 "$r" >"$BATS_TEST_TMPDIR/w.mp")
	cmp <(cf-diff --exact-numstat <"$BATS_TEST_TMPDIR/w.mp") \
	    <(cf-diff --exact-numstat --no-quick-diff <"$BATS_TEST_TMPDIR/w.mp")
}

@test "cf-diff: --no-quick-diff changes no byte of the stream" {
	local r=$BATS_TEST_TMPDIR/sliding
	make_edited "$r" sliding
	(set -o pipefail; cf-revlist "$r" | cf-treediff "$r" |
		cf-blobload --blob-arena-size 0 "$r" >"$BATS_TEST_TMPDIR/s.mp")
	for opt in "" --exact-numstat; do
		# shellcheck disable=SC2086
		cmp <(cf-diff $opt <"$BATS_TEST_TMPDIR/s.mp") \
		    <(cf-diff $opt --no-quick-diff <"$BATS_TEST_TMPDIR/s.mp")
	done
	cf-diff --no-quick-diff -v <"$BATS_TEST_TMPDIR/s.mp" 2>&1 >/dev/null |
		{ ! grep -q 'without xdiff'; }
}

@test "cf-diff: its own xdiff gives libgit2's hunks and counts byte for byte" {
	local r kind
	for kind in sliding wide; do
		r=$BATS_TEST_TMPDIR/$kind
		make_edited "$r" $kind
		(set -o pipefail; cf-revlist "$r" | cf-treediff "$r" |
			cf-blobload --blob-arena-size 0 "$r" >"$BATS_TEST_TMPDIR/$kind.mp")
		for opt in "" --exact-numstat --minimal "--exact-numstat --no-quick-diff"; do
			# shellcheck disable=SC2086
			cmp <(cf-diff $opt --diff-cache-size 0 <"$BATS_TEST_TMPDIR/$kind.mp") \
			    <(cf-diff $opt --diff-cache-size 0 --libgit2-diff <"$BATS_TEST_TMPDIR/$kind.mp")
		done
	done
	# The whole-blob diffs of the wide fixture reuse the lines of the first.
	cf-diff -v --exact-numstat --diff-cache-size 0 <"$BATS_TEST_TMPDIR/wide.mp" 2>&1 >/dev/null |
		grep -- '--exact-numstat:' >"$BATS_TEST_TMPDIR/v"
	run sed -n 's/.*, \([0-9]*\) on the lines the first diff read/\1/p' "$BATS_TEST_TMPDIR/v"
	assert_success
	[ "$output" -gt 10 ]
}
