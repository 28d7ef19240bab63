#!/usr/bin/env bats
# cf-couples: co-changes, revisions and people x file counts, checked against
# git itself (`git log --first-parent --no-renames --name-status`, deletions
# left out), the change cap, renames, determinism and bad input.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	make_history "$REPO"
	# The result as lines: "pair A B CO", "rev F N", "who NAME <EMAIL> F N",
	# "skipped N", "top A B CO STRENGTH".
	cat >"$BATS_FILE_TMPDIR/flat.py" <<'PY'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("t") != "result" or r.get("analyzer") != "couples":
        continue
    d = r["data"]
    f = d["files"]
    for a, b, n in d["matrix"]:
        assert a < b
        print("pair", f[a], f[b], n)
    for i, n in enumerate(d["revisions"]):
        print("rev", f[i], n)
    for p, i, n in d["people_files"]:
        who = d["people"][p]
        print("who", "%s <%s>" % (who["name"], who["email"]), f[i], n)
    print("skipped", d["skipped_commits"])
    for t in d["top"]:
        print("top", t["file1"], t["file2"], t["co_changes"], "%.4f" % t["strength"])
PY
	# The same lines from git: per first-parent commit, the paths it added
	# or modified (a commit with more than MAX of them is skipped), among
	# the paths alive at HEAD.
	cat >"$BATS_FILE_TMPDIR/expect.py" <<'PY'
import itertools, subprocess, sys
repo, cap = sys.argv[1], int(sys.argv[2])
def git(*a):
    return subprocess.run(["git", "-C", repo] + list(a), check=True,
                          stdout=subprocess.PIPE).stdout.decode()
alive = set(git("ls-tree", "-r", "--name-only", "HEAD").split("\n")) - {""}
pairs, revs, who, skipped = {}, {}, {}, 0
for block in git("log", "--first-parent", "--no-renames", "--name-status",
                 "--format=%x01%aN <%aE>").split("\x01")[1:]:
    lines = block.strip("\n").split("\n")
    ctx = sorted({l.split("\t")[1] for l in lines[1:] if l and l[0] in "AMT"})
    if len(ctx) > cap:
        skipped += 1
        continue
    for p in ctx:
        revs[p] = revs.get(p, 0) + 1
        who[lines[0], p] = who.get((lines[0], p), 0) + 1
    for a, b in itertools.combinations(ctx, 2):
        pairs[a, b] = pairs.get((a, b), 0) + 1
for (a, b), n in sorted(pairs.items()):
    if a in alive and b in alive:
        print("pair", a, b, n)
for p in sorted(alive):
    print("rev", p, revs.get(p, 0))
for (w, p), n in sorted(who.items()):
    if p in alive:
        print("who", w, p, n)
print("skipped", skipped)
PY
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

flat() {
	cf-dump | python3 "$BATS_FILE_TMPDIR/flat.py"
}

# couples REPO [OPTIONS]: the flattened result of cf-couples after cf-treediff.
couples() {
	local repo=$1
	shift
	(set -o pipefail; cf-revlist "$repo" | cf-treediff "$repo" | cf-couples "$@" | flat)
}

# People x file lines sorted like the expectation (by name, then path).
sorted_lines() {
	grep -v '^top ' | LC_ALL=C sort
}

@test "cf-couples: every pair, revision and person count equals git's" {
	couples "$REPO" | sorted_lines >got
	python3 "$BATS_FILE_TMPDIR/expect.py" "$REPO" 1000 | LC_ALL=C sort >want
	diff want got
	# The fixture's numbers, pinned: 9 files alive, 23 coupled pairs.
	[[ $(grep -c '^rev ' got) == 9 ]]
	[[ $(grep -c '^pair ' got) == 23 ]]
	grep -qx 'pair a.c lib/x.py 7' got
	grep -qx 'rev lib/x.py 22' got
}

@test "cf-couples: --max-changes skips larger commits and counts them" {
	couples "$REPO" --max-changes 2 | sorted_lines >got
	python3 "$BATS_FILE_TMPDIR/expect.py" "$REPO" 2 | LC_ALL=C sort >want
	diff want got
	run grep -x 'skipped [0-9]*' got
	assert_output 'skipped 13'
}

@test "cf-couples: top pairs by co-changes, then strength, then names" {
	couples "$REPO" --top 5 | grep '^top ' >got
	[[ $(wc -l <got) == 5 ]]
	run sort -s -k4,4nr -k5,5r -k2,2 -k3,3 got
	assert_output "$(cat got)"
	# strength = co / ((rev_a + rev_b) / 2): a.c 18, lib/x.py 22, 7 together
	couples "$REPO" --top 0 | grep '^top a.c lib/x.py ' >one
	run cat one
	assert_output 'top a.c lib/x.py 7 0.3500'
}

@test "cf-couples: passes the stream through and is byte-identical across runs" {
	cf-revlist "$REPO" | cf-treediff "$REPO" >stream
	cf-couples <stream >out1
	cf-couples <stream >out2
	cmp out1 out2
	cf-dump <stream >in.json
	cf-dump <out1 | head -n "$(wc -l <in.json)" >passed.json
	cmp in.json passed.json
	run bash -c "cf-dump <out1 | tail -n +$(($(wc -l <in.json) + 1)) | wc -l"
	assert_output 1
}

# A history with a rename: a.c and b.c change together four times, and a.c
# becomes c.c (same content) in the third commit.
make_rename_repo() {
	git_init "$1" && cd "$1" || return 1
	seq 1 40 >a.c && seq 100 140 >b.c
	git add -A && commit_at "2023-01-01 10:00 +0000" Alice alice@example.com one
	seq 1 41 >a.c && seq 100 141 >b.c
	git add -A && commit_at "2023-01-02 10:00 +0000" Bob bob@example.com two
	git mv a.c c.c && seq 100 142 >b.c
	git add -A && commit_at "2023-01-03 10:00 +0000" Alice alice@example.com three
	seq 0 41 >c.c && seq 99 142 >b.c
	git add -A && commit_at "2023-01-04 10:00 +0000" Bob bob@example.com four
	cd - >/dev/null
}

treediff_renames() {
	cf-treediff -h | grep -q -- --no-renames
}

@test "cf-couples: a renamed file keeps its counts under its new name" {
	treediff_renames || skip "cf-treediff does not detect renames yet"
	make_rename_repo rr
	couples rr | sorted_lines >got
	grep -qx 'pair b.c c.c 4' got
	grep -qx 'rev c.c 4' got
	grep -qx 'who Alice <alice@example.com> c.c 2' got
	run grep -c '^rev ' got
	assert_output 2
}

@test "cf-couples: renames from a crafted stream, and paths taken over by a rename" {
	# x and y change together; x moves to z; y moves onto an old, dead path
	# w whose history must not come back.
	python3 - >s.bin <<'PY'
import struct, sys
def enc(o):
    if isinstance(o, bool): return b"\xc3" if o else b"\xc2"
    if isinstance(o, int): return b"\xcf" + struct.pack(">Q", o)
    if isinstance(o, str): o = o.encode(); return b"\xdb" + struct.pack(">I", len(o)) + o
    if isinstance(o, bytes): return b"\xc6" + struct.pack(">I", len(o)) + o
    if isinstance(o, list): return b"\xdd" + struct.pack(">I", len(o)) + b"".join(map(enc, o))
    return b"\xdf" + struct.pack(">I", len(o)) + b"".join(enc(k) + enc(v) for k, v in o.items())
recs = []
def commit(n, who):
    recs.append({"t": "commit", "v": 1, "n": n, "id": bytes([n]) * 20, "parents": [],
                 "author": who, "email": who + "@x", "tick": n})
def change(n, s, path, old=None):
    r = {"t": "change", "v": 1, "n": n, "s": s, "path": path}
    if old: r["old_path"] = old
    recs.append(r)
commit(0, "a"); change(0, "A", "w"); change(0, "A", "v")
commit(1, "a"); change(1, "M", "v"); change(1, "D", "w")
commit(2, "b"); change(2, "A", "x"); change(2, "A", "y")
commit(3, "b"); change(3, "M", "x"); change(3, "M", "y")
commit(4, "a"); change(4, "R", "z", "x"); change(4, "R", "w", "y")
commit(5, "a"); change(5, "M", "z"); change(5, "M", "w")
sys.stdout.buffer.write(b"".join(map(enc, recs)))
PY
	cf-couples <s.bin | flat | sorted_lines >got
	cat >want <<'EOF'
pair w z 4
rev v 2
rev w 4
rev z 4
skipped 0
who a <a@x> v 2
who a <a@x> w 2
who a <a@x> z 2
who b <b@x> w 2
who b <b@x> z 2
EOF
	diff want got
}

@test "cf-couples: malformed input exits 3, bad options 2" {
	printf 'garbage' >bad
	run cf-couples <bad
	assert_failure 3
	run bash -c "printf '\x82\xa1t\xa6change\xa1v\x01' | cf-couples"
	assert_failure 3
	assert_output --partial 'change before any commit'
	run cf-couples --max-changes 0
	assert_failure 2
	run cf-couples --frobnicate
	assert_failure 2
}

@test "cf-couples: saved on every barrier, resumed from any chunk, same result" {
	stages() {
		cf-revlist "$@" "$REPO" | cf-treediff "$REPO"
	}
	(set -o pipefail; stages | cf-couples --max-changes 3 | cf-dump -t result) >full.json
	(set -o pipefail; stages --chunk-size 10 | cf-couples --max-changes 3 --state-dir st |
		cf-dump -t result) >chunked.json
	cmp full.json chunked.json
	run ls st
	assert_output "$(printf 'chunk-%d.state\n' 0 1 2 3 4 5)"
	for c in 0 3 5; do
		(set -o pipefail; stages --chunk-size 10 --resume-after $(((c + 1) * 10)) |
			cf-couples --max-changes 3 --resume st/chunk-$c.state | cf-dump -t result) >resumed.json
		cmp full.json resumed.json
	done
	run cf-couples --resume st/chunk-0.state </dev/null
	assert_failure 1
	assert_output --partial 'was saved with --max-changes 3, not 1000'
	run bash -c "cf-revlist --resume-after 15 '$REPO' | cf-treediff '$REPO' |
		cf-couples --max-changes 3 --resume st/chunk-0.state >/dev/null"
	assert_failure 3
	assert_output --partial 'where the resumed state expects commit 10'
	printf 'x' >st/bad.state
	run cf-couples --resume st/bad.state </dev/null
	assert_failure 3
}
