#!/usr/bin/env bats
# cf-shotness: units touched by each commit, from hunks mapped onto the
# function spans of cf-uastdiff's syntax records.  The fixture edits one
# function of a three-function file, renames a function, moves one, edits
# two together and renames the file with an edit; every count is exact.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	printf 'def alpha():\n    return 1\n\n\ndef beta():\n    return 2\n\n\ndef gamma():\n    return 3\n' >m.py
	git add m.py
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "add alpha, beta, gamma"
	sed -i 's/return 2/return 22/' m.py
	git add m.py
	commit_at "2024-01-02 10:00 +0000" Ann ann@x "edit beta"
	sed -i 's/def gamma/def delta/' m.py
	git add m.py
	commit_at "2024-01-03 10:00 +0000" Ann ann@x "rename gamma to delta"
	printf 'def beta():\n    return 22\n\n\ndef delta():\n    return 3\n\n\ndef alpha():\n    return 1\n' >m.py
	git add m.py
	commit_at "2024-01-04 10:00 +0000" Ann ann@x "move alpha to the end"
	sed -i 's/return 22/return 23/; s/return 3/return 33/' m.py
	git add m.py
	commit_at "2024-01-05 10:00 +0000" Ann ann@x "edit beta and delta"
	git mv m.py n.py
	sed -i 's/return 1$/return 11/' n.py
	git add n.py
	commit_at "2024-01-06 10:00 +0000" Ann ann@x "rename the file, edit alpha"
	cat >"$BATS_FILE_TMPDIR/flat.py" <<'PY'
import json, sys
d = json.load(sys.stdin)["shotness"]
u = d["units"]
print("commits", d["commits"])
for x in u:
    print("unit", x["file"], x["kind"], x["name"], x["changes"], x["coupled"],
          "%.4f" % x["hotness"])
for c in d["couplings"]:
    print("pair", u[c["a"]]["name"], u[c["b"]]["name"], c["co_changes"],
          "%.4f" % c["strength"])
PY
}

@test "cf-shotness: per-function changes and co-changes, renames and moves" {
	run bash -c "cf-run history -a shotness -f json '$REPO' | python3 '$BATS_FILE_TMPDIR/flat.py'"
	assert_success
	# alpha: added, moved, edited after the file rename (the unit follows
	# the file to n.py); beta: added, edited twice; gamma: added, renamed
	# away (its def line is a deleted old line); delta: renamed to (a new
	# unit), edited with beta.
	assert_output "commits 6
unit n.py function alpha 3 2 1.0000
unit n.py function beta 3 3 1.0000
unit n.py function delta 2 2 0.6667
unit n.py function gamma 2 3 0.6667
pair alpha beta 1 0.3333
pair alpha gamma 1 0.3333
pair beta delta 1 0.3333
pair beta gamma 1 0.3333
pair delta gamma 1 0.5000"
}

@test "cf-shotness: a move touches only the moved function" {
	# The move alone: git's zero-context diff deletes alpha's lines at the
	# top and inserts them at the end; beta and delta are untouched.
	run bash -c "cf-run history -a shotness -f json --range HEAD~3..HEAD~2 '$REPO' |
		python3 '$BATS_FILE_TMPDIR/flat.py'"
	assert_success
	assert_output "commits 1
unit m.py function alpha 1 0 1.0000"
}

@test "cf-shotness: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" shotness cf-shotness
	assert_success
}

@test "cf-shotness: a syntax record that does not follow its change is refused" {
	run bash -c "printf '\x83\xa1t\xa6syntax\xa1v\x01\xa4path\xa1x' | cf-shotness"
	assert_failure 3
	assert_output --partial "must follow its change record"
}

@test "cf-shotness -f text: hot functions and the most coupled pairs" {
	run bash -c "cf-run history -a shotness -f text '$REPO' | sed -n '/^shotness/,\$p'"
	assert_success
	assert_output - <<'OUT'
shotness (schema 2)
  commits 6, units 4, coupled pairs 5, skipped commits 0, max units 200

  hot functions
     #  changes  coupled  hotness  kind      file:name
     1        3        2    1.000  function  n.py:alpha
     2        3        3    1.000  function  n.py:beta
     3        2        2    0.667  function  n.py:delta
     4        2        3    0.667  function  n.py:gamma

  most coupled pairs
     #  co-changes  strength  function a                          function b
     1           1     0.333  n.py:alpha                          n.py:beta
     2           1     0.333  n.py:alpha                          n.py:gamma
     3           1     0.333  n.py:beta                           n.py:delta
     4           1     0.333  n.py:beta                           n.py:gamma
     5           1     0.500  n.py:delta                          n.py:gamma
OUT
}

@test "cf-uastdiff: old sides served from the tree cache give the bytes of parsing them" {
	# Within one batch (an earlier change's new side) and across batches;
	# one thread, so that every earlier change of a batch is parsed first.
	local base="cf-revlist $REPO | cf-treediff -M $REPO | cf-blobload --blobs=all $REPO | cf-diff --keep-blobs"
	for batch in 100 1; do
		run --separate-stderr bash -c "$base | cf-uastdiff -v -j 1 --commit-batch-size $batch | cf-dump -t syntax"
		assert_success
		echo "$output" >"$BATS_TEST_TMPDIR/cached.$batch"
		assert_equal "$stderr" "cf-uastdiff: 6 changes, 6 analysed, 6 blobs parsed (5 old sides from the tree cache), 6 syntax records"
		run --separate-stderr bash -c "$base | cf-uastdiff -v -j 1 --tree-cache-size 0 --commit-batch-size $batch | cf-dump -t syntax"
		assert_success
		assert_equal "$stderr" "cf-uastdiff: 6 changes, 6 analysed, 11 blobs parsed (0 old sides from the tree cache), 6 syntax records"
		assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/cached.$batch")"
	done
	run cf-uastdiff --tree-cache-size 12XB </dev/null
	assert_failure 2
	assert_output --partial "--tree-cache-size: "
}
