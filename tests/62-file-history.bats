#!/usr/bin/env bats
# cf-file-history: every alive file's commits equal `git log --first-parent
# --format=%H -- PATH`, its lines per author `git log --numstat -- PATH`
# summed, its changed lines the -U0 hunks; deletions and re-additions,
# renames, hotspots, determinism and bad input.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	make_history "$REPO"
	# The result as lines: "commits PATH ID...", "lines PATH NAME <EMAIL>
	# COMMITS ADDED REMOVED CHANGED", "total PATH ADDED REMOVED CHANGED CHURN",
	# "hot PATH COMMITS CHURN".
	cat >"$BATS_FILE_TMPDIR/flat.py" <<'PY'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("t") != "result" or r.get("analyzer") != "file-history":
        continue
    d = r["data"]
    for f in d["files"]:
        p = f["path"]
        print("commits", p, *f["commits"])
        for x in f["people"]:
            w = d["people"][x["person"]]
            print("lines", p, "%s <%s>" % (w["name"], w["email"]), x["commits"],
                  x["added"], x["removed"], x["changed"])
        print("total", p, f["added"], f["removed"], f["changed"], f["churn"])
    for h in d["hotspots"]:
        print("hot", h["path"], h["commits"], h["churn"])
PY
	# The same from git, for every path alive at HEAD.
	cat >"$BATS_FILE_TMPDIR/expect.py" <<'PY'
import re, subprocess, sys
repo = sys.argv[1]
def git(*a):
    return subprocess.run(["git", "-C", repo] + list(a), check=True,
                          stdout=subprocess.PIPE).stdout.decode()
for p in sorted(git("ls-tree", "-r", "--name-only", "HEAD").split()):
    ids = git("log", "--first-parent", "--format=%H", "--", p).split()
    print("commits", p, *reversed(ids))
    who, tot = {}, [0, 0, 0]
    for block in git("log", "--first-parent", "--no-renames", "--numstat",
                     "--format=%x01%aN <%aE>", "--", p).split("\x01")[1:]:
        lines = block.strip("\n").split("\n")
        w = who.setdefault(lines[0], [0, 0, 0, 0])
        w[0] += 1
        for l in lines[1:]:
            if l:
                a, r, _ = l.split("\t")
                w[1] += 0 if a == "-" else int(a)
                w[2] += 0 if r == "-" else int(r)
    for block in git("log", "--first-parent", "--no-renames", "-p", "-U0",
                     "--format=%x01%aN <%aE>", "--", p).split("\x01")[1:]:
        w = block.split("\n")[0]
        for m in re.finditer(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", block, re.M):
            o, n = (1 if g is None else int(g) for g in m.groups())
            who[w][3] += min(o, n)
    for w in sorted(who):
        print("lines", p, w, *who[w])
        for i in range(3):
            tot[i] += who[w][i + 1]
    print("total", p, *tot, tot[0] + tot[1])
PY
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

flat() {
	cf-dump | python3 "$BATS_FILE_TMPDIR/flat.py"
}

# history REPO [OPTIONS]: the flattened result after cf-diff.
history() {
	local repo=$1
	shift
	(set -o pipefail; pipeline "$repo" "cf-file-history $*" | flat)
}

@test "cf-file-history: commits, lines per author and totals equal git's for every path" {
	history "$REPO" | grep -v '^hot ' >got
	python3 "$BATS_FILE_TMPDIR/expect.py" "$REPO" >want
	diff want got
	[[ $(grep -c '^commits ' got) == 9 ]]
	run grep '^total lib/x.py ' got
	assert_output 'total lib/x.py 87 36 28 123'
}

@test "cf-file-history: hotspots by commits, then churn, then path; --top" {
	history "$REPO" --top 4 | grep '^hot ' >got
	run cat got
	assert_output "$(printf '%s\n' 'hot lib/x.py 22 123' 'hot b.h 20 82' 'hot a.c 18 95' \
		'hot README.md 11 62')"
	history "$REPO" --top 0 | grep '^hot ' >all
	[[ $(wc -l <all) == 9 ]]
	run sort -s -k3,3nr -k4,4nr -k2,2 all
	assert_output "$(cat all)"
}

# A path deleted and added again, and a file deleted for good.
make_readd_repo() {
	git_init "$1" && cd "$1" || return 1
	seq 1 10 >keep.c && seq 1 5 >again.c && seq 1 3 >gone.c
	git add -A && commit_at "2023-01-01 10:00 +0000" Alice alice@example.com one
	seq 1 12 >keep.c && seq 1 6 >again.c
	git add -A && commit_at "2023-01-02 10:00 +0000" Bob bob@example.com two
	git rm -q again.c gone.c && seq 2 12 >keep.c
	git add -A && commit_at "2023-01-03 10:00 +0000" Alice alice@example.com three
	seq 1 12 >keep.c
	git add -A && commit_at "2023-01-04 10:00 +0000" Bob bob@example.com four
	seq 7 9 >again.c
	git add -A && commit_at "2023-01-05 10:00 +0000" Bob bob@example.com five
	seq 7 10 >again.c
	git add -A && commit_at "2023-01-06 10:00 +0000" Alice alice@example.com six
	cd - >/dev/null
}

@test "cf-file-history: a path deleted and added again lists both lives, as git log does" {
	make_readd_repo ra
	history ra | grep -v '^hot ' >got
	python3 "$BATS_FILE_TMPDIR/expect.py" ra >want
	diff want got
	# one, two, three (the deletion), five, six
	[[ $(grep '^commits again.c ' got | wc -w) == 7 ]]
	run grep -c gone.c got
	assert_output 0
}

treediff_renames() {
	cf-treediff -h | grep -q -- --no-renames
}

@test "cf-file-history: a renamed file keeps its history" {
	treediff_renames || skip "cf-treediff does not detect renames yet"
	git_init rr && cd rr || return 1
	seq 1 40 >a.c
	git add -A && commit_at "2023-01-01 10:00 +0000" Alice alice@example.com one
	seq 1 41 >a.c
	git add -A && commit_at "2023-01-02 10:00 +0000" Bob bob@example.com two
	git mv a.c c.c
	git add -A && commit_at "2023-01-03 10:00 +0000" Alice alice@example.com three
	seq 0 41 >c.c
	git add -A && commit_at "2023-01-04 10:00 +0000" Bob bob@example.com four
	cd .. && history rr >got
	run grep '^commits c.c ' got
	assert_output "commits c.c $(git -C rr log --format=%H --reverse | tr '\n' ' ' | sed 's/ $//')"
	run grep '^total c.c ' got
	assert_output 'total c.c 42 0 0 42'	# git log -M --numstat: +40, +1, rename, +1
}

@test "cf-file-history: byte-identical across runs; the stream passes through" {
	pipeline "$REPO" >stream
	cf-file-history <stream >out1
	cf-file-history <stream >out2
	cmp out1 out2
	cf-dump <stream >in.json
	cf-dump <out1 | head -n "$(wc -l <in.json)" | cmp - in.json
}

@test "cf-file-history: malformed input exits 3, bad options 2" {
	printf '\x91\x01' >bad
	run cf-file-history <bad
	assert_failure 3
	# A change without line counts: the stream did not go through cf-diff.
	(cf-revlist "$REPO" | cf-treediff "$REPO") >nolines
	run cf-file-history <nolines
	assert_failure 3
	assert_output --partial "'add'"
	run cf-file-history --top x
	assert_failure 2
	run cf-file-history extra
	assert_failure 2
}

@test "cf-file-history: saved on every barrier, resumed from any chunk, same result" {
	stages() {
		cf-revlist "$@" "$REPO" | cf-treediff "$REPO" | cf-blobload "$REPO" | cf-diff
	}
	(set -o pipefail; stages | cf-file-history | cf-dump -t result) >full.json
	(set -o pipefail; stages --chunk-size 16 | cf-file-history --state-dir st |
		cf-dump -t result) >chunked.json
	cmp full.json chunked.json
	run ls st
	assert_output "$(printf 'chunk-%d.state\n' 0 1 2)"
	for c in 0 1 2; do
		(set -o pipefail; stages --chunk-size 16 --resume-after $(((c + 1) * 16)) |
			cf-file-history --resume st/chunk-$c.state | cf-dump -t result) >resumed.json
		cmp full.json resumed.json
	done
	run cf-couples --resume st/chunk-0.state </dev/null
	assert_failure 3
}
