#!/usr/bin/env bats
# cf-typos: identifier typo fixes in lines replaced one for one.  The
# fixture fixes widht -> width in two lines of one commit (a repeated fix: a
# pattern), recieve_buf -> receive_buf once, and makes two edits of the same
# shape that are not typo fixes: a literal changed (no identifier changed)
# and an identifier replaced by one too far away (distance over 4).

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	printf 'def area(widht):\n    return widht * 2\n\n\ndef get(recieve_buf):\n    return 1\n\n\ndef scale(x):\n    return x * 2\n' >t.py
	git add t.py
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "add"
	sed -i 's/widht/width/g' t.py
	git add t.py
	commit_at "2024-01-02 10:00 +0000" Ann ann@x "fix widht twice"
	sed -i 's/recieve_buf/receive_buf/' t.py
	git add t.py
	commit_at "2024-01-03 10:00 +0000" Ann ann@x "fix recieve"
	sed -i 's/def scale(x)/def scale(magnitude)/; s/return x \* 2/return x * 3/' t.py
	git add t.py
	commit_at "2024-01-04 10:00 +0000" Ann ann@x "not typos"
	cat >"$BATS_FILE_TMPDIR/flat.py" <<'PY'
import json, subprocess, sys
d = json.load(sys.stdin)["typos"]
ids = subprocess.run(["git", "-C", sys.argv[1], "log", "--format=%H %s"], check=True,
                     capture_output=True, text=True).stdout.split("\n")
subject = dict(l.split(" ", 1) for l in ids if l)
for t in d["typos"]:
    print("typo", t["wrong"], t["correct"], t["file"], t["line"], subject[t["commit"]])
for p in d["patterns"]:
    print("pattern", p["wrong"], p["correct"], p["count"])
print("totals", d["total_typos"], d["unique_patterns"], d["affected_files"])
PY
}

typos_with() {
	syntax_stream "$REPO" | cf-typos "$@" | cf-reduce -f json |
		python3 "$BATS_FILE_TMPDIR/flat.py" "$REPO"
}

@test "cf-typos: exactly the three fixes, the repeated one a pattern" {
	run bash -c "cf-run history -a typos -f json '$REPO' | python3 '$BATS_FILE_TMPDIR/flat.py' '$REPO'"
	assert_success
	assert_output "typo widht width t.py 1 fix widht twice
typo widht width t.py 2 fix widht twice
typo recieve_buf receive_buf t.py 5 fix recieve
pattern widht width 2
totals 3 2 1"
}

@test "cf-typos: --typos-max-distance 1 leaves out the two-letter swaps" {
	run typos_with --typos-max-distance 1
	assert_success
	assert_output "totals 0 0 0"
}

@test "cf-typos: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" typos cf-typos
	assert_success
}

@test "cf-typos: a bad distance is a usage error" {
	run cf-typos --typos-max-distance 0
	assert_failure 2
}

@test "cf-typos -f text: the fixes with place and commit, the repeated ones" {
	local twice recieve
	twice=$(git -C "$REPO" rev-parse HEAD~2 | cut -c1-7)
	recieve=$(git -C "$REPO" rev-parse HEAD~1 | cut -c1-7)
	run bash -c "cf-run history -a typos -f text '$REPO' | sed -n '/^typos/,\$p'"
	assert_success
	assert_output - <<OUT
typos (schema 1)
  fixes 3, distinct 2, repeated 1, files 1, max distance 4

  fixes
     #  wrong                     correct                 where                         commit
     1  widht                  -> width                   t.py:1                        $twice
     2  widht                  -> width                   t.py:2                        $twice
     3  recieve_buf            -> receive_buf             t.py:5                        $recieve

  repeated fixes
     #  count  wrong                             correct
     1      2  widht                          -> width
OUT
}
