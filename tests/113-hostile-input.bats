#!/usr/bin/env bats
# Hostile input: the crashes the fuzzers found (fuzz/RESULTS.md), replayed
# through the normal tools from tests/fuzz-corpus/crashes/, and streams with
# absurd numbers (line counts, ticks, hunks, commit counts) that must end in
# a result or a clear error, in bounded memory, never in a crash.

load test_helper

CRASHES=$BATS_TEST_DIRNAME/fuzz-corpus/crashes

setup_file() {
	local d=$BATS_FILE_TMPDIR
	git_init "$d/r"
	(
	cd "$d/r"
	printf 'a\nb\nc\n' >f.c
	git add -A && commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com one
	printf 'a\nB\nc\nd\n' >f.c
	git add -A && commit_at "2023-01-03 10:00:00 +0000" Bob bob@example.com two
	printf 'a\nc\n' >f.c
	git add -A && commit_at "2023-01-09 10:00:00 +0000" Alice alice@example.com three
	) >/dev/null
	cf-revlist "$d/r" | cf-treediff "$d/r" | cf-blobload "$d/r" | cf-diff |
		cf-dump -k >"$d/diff.json"
	# JSON lines back to records; 40-hex strings of oid fields, and blob data, become bin.
	cat >"$d/mp.py" <<'PY'
import json, re, struct, sys
OIDS = {"id", "tree", "old", "new", "parents", "oid"}
def enc(o, out, key=None):
    if o is None: out.append(b'\xc0')
    elif o is True: out.append(b'\xc3')
    elif o is False: out.append(b'\xc2')
    elif isinstance(o, int):
        out.append(b'\xcf' + struct.pack('>Q', o) if o >= 0 else b'\xd3' + struct.pack('>q', o))
    elif isinstance(o, float): out.append(b'\xcb' + struct.pack('>d', o))
    elif isinstance(o, str):
        if key in OIDS and re.fullmatch('[0-9a-f]{40}', o):
            out.append(b'\xc4\x14' + bytes.fromhex(o))
        elif key == "data":
            b = bytes.fromhex(o)
            out.append(b'\xc6' + struct.pack('>I', len(b)) + b)
        else:
            b = o.encode('utf-8', 'surrogateescape')
            out.append(b'\xdb' + struct.pack('>I', len(b)) + b)
    elif isinstance(o, list):
        out.append(b'\xdd' + struct.pack('>I', len(o)))
        for x in o: enc(x, out, key)
    elif isinstance(o, dict):
        out.append(b'\xdf' + struct.pack('>I', len(o)))
        for k, v in o.items(): enc(k, out); enc(v, out, k)
for line in sys.stdin:
    out = []
    enc(json.loads(line), out)
    sys.stdout.buffer.write(b''.join(out))
PY
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
}

# hostile PYTHON [JSON]: the fixture's cf-diff stream (or the records of
# JSON, cf-dump -k lines) with PYTHON applied to each record r (a dict), on
# stdout.
hostile() {
	python3 -c '
import json, sys
for line in open(sys.argv[2]):
    r = json.loads(line)
    exec(sys.argv[1])
    print(json.dumps(r))' "$1" "${2:-diff.json}" | python3 mp.py
}

# bounded CMD...: runs CMD (stdin from the caller) under /usr/bin/time;
# status 0 or 3 only, at most 200 MB resident.
bounded() {
	local st=0 rss
	timeout 60 /usr/bin/time -f '%M' -o rss "$@" >/dev/null 2>err || st=$?
	[[ $st == 0 || $st == 3 ]] || fail "$*: exit $st: $(cat err)"
	rss=$(tail -n 1 rss)
	[[ $rss -lt 200000 ]] || fail "$*: $rss KiB resident"
}

@test "fuzz crash: an empty stream (undefined pointer arithmetic in the reader, cf-couples' qsort)" {
	local t
	for t in cf-dump cf-burndown cf-devs cf-couples cf-file-history; do
		command -v "$t" >/dev/null || continue
		run --separate-stderr "$t" <"$CRASHES/empty-stream"
		assert_success
		assert_equal "$t: $stderr" "$t: "
	done
}

@test "fuzz crash: a state file claiming a 3 GB string is refused without allocating it" {
	# The address-space cap proves nothing is allocated; ASan's shadow memory cannot live under it.
	run --separate-stderr bash -c 'ldd "$(command -v cf-burndown)" | grep -q libasan ||
		ulimit -v 400000 2>/dev/null; cf-burndown --resume "$1" </dev/null' \
		state "$CRASHES/state-burndown-huge-length"
	assert_failure 3
	assert_equal "$stderr" "cf-burndown: fatal: '$CRASHES/state-burndown-huge-length': record 1 (byte 0): string or bin longer than the record limit"
}

@test "fuzz finding: a plain byte count is exact up to 2^64-1 (was read through a double)" {
	CF_MAX_RECORD=18446744073709551615 run --separate-stderr cf-dump </dev/null
	assert_success
	CF_MAX_RECORD=18446744073709551616 run --separate-stderr cf-dump </dev/null
	assert_failure 1
	assert_equal "$stderr" "cf-dump: fatal: CF_MAX_RECORD: not a size of at least 64 bytes: '18446744073709551616'"
}

@test "absurd line counts, hunks, ticks and commit counts: a result or a clear error, bounded memory" {
	local k t
	hostile 'if r["t"] == "change" and r["s"] == "A": r["new_lines"] = r["add"] = 2**32' >lines
	hostile 'if r["t"] == "change" and r["s"] == "A": r["new_lines"] = r["add"] = 2**63' >lines64
	hostile 'if r["t"] == "commit" and r["n"] == 2: r["tick"] = 2**40' >tick
	hostile 'if r["t"] == "commit" and r["n"] == 2: r["tick"] = 2**64 - 1' >tick64
	hostile 'if "hunks" in r: r["hunks"] = [1, 2**32, 1, 2**32]; r["add"] = r["del"] = 2**32' >hunks
	hostile 'if "hunks" in r: r.update(hunks=[1, 0, 1, 2**32 - 1], add=2**32 - 1, new_lines=2**32 + 2)' >hunks2
	hostile 'if r["t"] == "stream": r["commits"] = 2**62' >commits
	for k in lines lines64 tick tick64 hunks hunks2 commits; do
		for t in "cf-burndown" "cf-burndown -g 1 -s 1" "cf-devs" "cf-couples" "cf-file-history" "cf-anomaly"; do
			command -v "${t%% *}" >/dev/null || continue
			bounded $t <"$k"
		done
	done
	# The clear errors, for two of them.
	run --separate-stderr cf-burndown <tick
	assert_failure 3
	assert_regex "$stderr" "^cf-burndown: fatal: record [0-9]+ \\(byte [0-9]+\\): 'commit': 'tick' 1099511627776 is beyond 4294967295\$"
	run --separate-stderr cf-reduce -f json <commits
	assert_failure 3
	assert_equal "$stderr" "cf-reduce: fatal: truncated stream: 3 of the 4611686018427387904 commits it announced (a stage before failed)"
}

# The fixture's changes with the fields the bounds decide, one line each.
diff_bounded() {
	cf-revlist r | cf-treediff r | cf-blobload r | cf-diff "$@" |
		cf-dump -t change -t scope | jq -c 'if .t == "change" then [.n, .bin, .new_bin, .add, .del, .hunks] else .skipped end'
}

@test "cf-diff --max-diff-size: a pair over it goes on as binary, undiffed, and is counted in scope" {
	# Commit two pairs 6 + 8 bytes, commit three 8 + 4.
	run diff_bounded --max-diff-size 13
	assert_success
	assert_output '[0,false,false,3,0,null]
[1,true,true,0,0,null]
[2,false,false,0,2,[2,1,1,0,4,1,2,0]]
{"excluded":0,"gitlinks":0,"language":0,"vendored":0}
{"too_large":0}
{"too_large":1}'
	# At the bound itself the pair is diffed, as without one.
	run diff_bounded --max-diff-size 14
	assert_success
	assert_output "$(diff_bounded --max-diff-size 0)"
	assert_line --index 1 '[1,false,false,2,1,[2,1,2,1,3,0,4,1]]'
	run --separate-stderr cf-diff --max-diff-size x </dev/null
	assert_failure 2
}

@test "cf-diff --max-diff-lines: lines counted in the blobs, a pair over it is binary" {
	# Commit two pairs 3 + 4 lines, commit three 4 + 2.
	run diff_bounded --max-diff-lines 6
	assert_success
	assert_line --index 1 '[1,true,true,0,0,null]'
	assert_line --index 2 '[2,false,false,0,2,[2,1,1,0,4,1,2,0]]'
	assert_line --index 5 '{"too_large":1}'
	run diff_bounded --max-diff-lines 7
	assert_success
	assert_line --index 1 '[1,false,false,2,1,[2,1,2,1,3,0,4,1]]'
	refute_output --partial '{"too_large":1}'
}

@test "cf-diff: by default a pair of over 8 Mi lines is not diffed (bounded memory)" {
	# 4 Mi and 4 Mi + 1 empty lines: xdiff would hold some 1.3 GB for them.
	git_init big
	(
	cd big
	head -c 4194304 /dev/zero | tr '\0' '\n' >f
	git add f && commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com one
	echo >>f
	git add f && commit_at "2023-01-03 10:00:00 +0000" Alice alice@example.com two
	) >/dev/null
	cf-revlist big | cf-treediff big | cf-blobload --blob-arena-size 0 big >big.mp
	bounded cf-diff -j 1 <big.mp
	run bash -c "cf-diff -j 1 <big.mp | cf-dump -t change | jq -c '[.n, .bin, .add, .del, .new_lines]'"
	assert_success
	assert_output '[0,false,4194304,0,4194304]
[1,true,0,0,4194305]'
}

@test "cf-run passes --max-diff-size and --max-diff-lines to cf-diff; the scope counts the pair" {
	run cf-run history -a devs --max-diff-size 13 --max-diff-lines 100 --dry-run r
	assert_success
	assert_output --partial '| cf-diff --workers'
	assert_output --partial ' --max-diff-size 13 --max-diff-lines 100 '
	run bash -c "cf-run history -a devs --max-diff-size 13 -f json r | jq -c '[.scope.skipped.too_large, .devs.added, .devs.removed]'"
	assert_success
	# Without the bound: 5 added, 3 removed (commit two's 2 and 1 are not counted).
	assert_output '[1,3,2]'
	run bash -c "cf-run history -a devs -f json r | jq -c '[.scope.skipped.too_large, .devs.added, .devs.removed]'"
	assert_output '[0,5,3]'
	run --separate-stderr cf-run history -a devs --max-diff-lines -1 r
	assert_failure 2
}

@test "cf-diff and cf-uastdiff refuse a third blob record before a change (they would hold it)" {
	local t
	cf-revlist r | cf-treediff r | cf-blobload --blob-arena-size 0 r | cf-dump -k >blobs.json
	python3 -c '
import json, sys
for line in open("blobs.json"):
    print(line, end="")
    if json.loads(line)["t"] == "blob":
        print(line, end="")' | python3 mp.py >three
	for t in cf-diff cf-uastdiff; do
		command -v "$t" >/dev/null || continue
		run --separate-stderr "$t" <three
		assert_failure 3
		# Records 5 and 6 are the old blob and its copy, 7 the new blob; the
		# byte offset depends on the length of the repository's path.
		[[ $stderr =~ ^$t:\ fatal:\ record\ 7\ \(byte\ [0-9]+\):\ \'blob\':\ more\ than\ 2\ blob\ records\ before\ a\ change$ ]]
	done
	# The same stream without the copies is read whole.
	python3 mp.py <blobs.json | cf-diff | cf-dump -t change | jq -c .hunks >hunks
	run cat hunks
	assert_output 'null
[2,1,2,1,3,0,4,1]
[2,1,1,0,4,1,2,0]'
}

@test "absurd ticks, spans, hunks and metrics in a syntax stream: a result or a clear error, bounded memory" {
	local k t
	# The seed of the structural analyzers' harnesses: a real cf-uastdiff stream.
	cf-dump -k <"$BATS_TEST_DIRNAME/fuzz-corpus/tool-shotness/syntax" >syntax.json
	[ "$(python3 mp.py <syntax.json | cf-dump -k)" = "$(cat syntax.json)" ]
	hostile 'if r["t"] == "commit" and r["n"] == 2: r["tick"] = 2**40' syntax.json >tick
	hostile 'if r["t"] == "commit" and r["n"] == 2: r["tick"] = 2**64 - 1' syntax.json >tick64
	hostile 'if r["t"] == "syntax" and r["new"]: r["new"]["units"] = [["function", "f", 1, 2**32 - 1]]' syntax.json >span
	hostile 'if r["t"] == "syntax" and r["new"]: r["new"]["units"] = [["function", "f", 2**31, 2**32 - 5]]' syntax.json >span2
	hostile 'if r["t"] == "syntax" and r["new"]: r["new"]["comments"] = [[1, 2**32 - 1, "a terrible awful comment"]]' syntax.json >comment
	hostile 'if "hunks" in r: r["hunks"] = [1, 2**32 - 1, 1, 2**32 - 1]' syntax.json >hunks
	hostile 'if r["t"] == "syntax" and r["new"]: r["new"]["metrics"].update(lines=2**64 - 1, cyclomatic=2**64 - 1, volume=1.7e308)' syntax.json >metrics
	hostile 'if r["t"] == "syntax" and r["new"]: r["new"]["units"] = [["function", "f%d" % i, 1, 2] for i in range(20000)]' syntax.json >units
	for k in tick tick64 span span2 comment hunks metrics units; do
		for t in cf-shotness cf-typos cf-sentiment cf-imports cf-quality; do
			command -v "$t" >/dev/null || continue
			bounded $t <"$k"
		done
	done
	# Two of the clear errors.
	run --separate-stderr cf-quality <tick64
	assert_failure 3
	assert_equal "$stderr" "cf-quality: fatal: record 13 (byte 5226): 'commit': tick 8 after tick 18446744073709551615"
	run --separate-stderr cf-shotness <span
	assert_failure 3
	assert_equal "$stderr" "cf-shotness: fatal: record 4 (byte 757): 'syntax': a unit's end line must be a line number"
	# Absurd metrics still give valid JSON; a volume of 1e300 or more counts 0.
	run bash -c "cf-quality <metrics | cf-reduce -f json | jq -c '.quality.ticks[0] | [.cyclomatic.max, .volume.max]'"
	assert_success
	assert_output '[18446744070000000000,0]'
}
