#!/usr/bin/env bats
# Progress on standard error: shown on a terminal (a pseudo-terminal made
# by script(1)), not when standard error is a file unless --progress, never
# with --quiet, and never on standard output; cf-diff's heartbeat names the
# commit and the file of a long diff.

load test_helper

setup_file() {
	make_history "$BATS_FILE_TMPDIR/h" >/dev/null
	cf-run history -a burndown,devs -f json "$BATS_FILE_TMPDIR/h" >"$BATS_FILE_TMPDIR/plain.json"
}

# on_tty COMMAND: runs COMMAND with a pseudo-terminal as its standard error
# (and input); prints what the terminal got, carriage returns as newlines.
on_tty() {
	timeout 120 script -qfec "$1" /dev/null </dev/null | tr '\r' '\n'
}

@test "progress: on a terminal, commits done of those announced; stdout untouched" {
	local out=$BATS_TEST_TMPDIR/out.json
	run on_tty "cf-run history -a burndown,devs -f json '$BATS_FILE_TMPDIR/h' >'$out'"
	assert_line --regexp '^cf-reduce: [0-9]+/64 commits'
	assert_line --regexp '^cf-reduce: 64/64 commits in [0-9.]+ s'
	cmp "$out" "$BATS_FILE_TMPDIR/plain.json"
}

@test "progress: nothing when standard error is a file, lines with --progress" {
	run --separate-stderr cf-run history -a burndown,devs -f json "$BATS_FILE_TMPDIR/h"
	assert_success
	assert_equal "$stderr" ""
	cmp <(printf '%s\n' "$output") "$BATS_FILE_TMPDIR/plain.json"
	run --separate-stderr cf-run history -a burndown,devs -f json --progress "$BATS_FILE_TMPDIR/h"
	assert_success
	cmp <(printf '%s\n' "$output") "$BATS_FILE_TMPDIR/plain.json"
	# Plain lines, no terminal codes: the first commit, then the total.
	assert_equal "${stderr_lines[0]}" "cf-reduce: 1/64 commits (2%)"
	[[ ${stderr_lines[-1]} =~ ^cf-reduce:\ 64/64\ commits\ in\ [0-9.]+\ s$ ]]
	[[ $stderr != *$'\e'* && $stderr != *$'\r'* ]]
}

@test "progress: --quiet silences it on a terminal; --dry-run shows the flags passed" {
	local out=$BATS_TEST_TMPDIR/out.json
	run on_tty "cf-run history -a burndown,devs -f json --quiet '$BATS_FILE_TMPDIR/h' >'$out'"
	assert_output ''
	cmp "$out" "$BATS_FILE_TMPDIR/plain.json"
	run -0 cf-run history --progress --dry-run r
	assert_output --partial '| cf-diff --workers'
	assert_output --partial '--diff-cache-size 10000 --progress | cf-burndown | cf-reduce -f json --progress'
	run -0 cf-run history --quiet --dry-run r
	assert_output --partial 'cf-reduce -f json --quiet'
}

@test "progress: cf-reduce draws in place on a terminal and ends the line" {
	local s=$BATS_TEST_TMPDIR/s.mp
	pipeline "$BATS_FILE_TMPDIR/h" cf-devs >"$s"
	run on_tty "cf-reduce -f text <'$s' >/dev/null"
	assert_line --regexp '^cf-reduce: 64/64 commits in [0-9.]+ s.\[K$'
	run --separate-stderr cf-reduce --progress -f msgpack -o "$BATS_TEST_TMPDIR/r.mp" <"$s"
	assert_success
	assert_output ''
	assert_equal "${stderr_lines[0]}" "cf-reduce: 1/64 commits (2%)"
}

@test "heartbeat: cf-diff --progress names the commit and file of a long diff" {
	local repo=$BATS_TEST_TMPDIR/big
	git_init "$repo"
	# Two unrelated files of 60000 short lines: a diff of a good part of a second.
	awk 'BEGIN { srand(1); for (i = 0; i < 60000; i++) print "x" int(rand() * 1000) }' >"$repo/big.c"
	git -C "$repo" add big.c
	(cd "$repo" && commit_at "2024-01-01 10:00:00 +0000" A a@x one)
	awk 'BEGIN { srand(2); for (i = 0; i < 60000; i++) print "x" int(rand() * 1000) }' >"$repo/big.c"
	git -C "$repo" add big.c
	(cd "$repo" && commit_at "2024-01-02 10:00:00 +0000" A a@x two)
	head=$(git -C "$repo" rev-parse --short=7 HEAD)
	run --separate-stderr bash -c "cf-revlist '$repo' | cf-treediff '$repo' | cf-blobload '$repo' |
		CF_HEARTBEAT_SECONDS=0.01 cf-diff -j 1 --progress | cf-dump"
	assert_success
	assert_regex "${stderr_lines[0]}" "^cf-diff: still at commit $head, 'big\\.c' \\([0-9.]+ s\\)$"
	plain=$(cf-revlist "$repo" | cf-treediff "$repo" | cf-blobload "$repo" | cf-diff -j 1 | cf-dump)
	assert_equal "$output" "$plain"
	run -2 env CF_HEARTBEAT_SECONDS=0.01 cf-diff --progress --bogus
	CF_HEARTBEAT_SECONDS=x run -1 --separate-stderr cf-diff --progress </dev/null
	assert_equal "$stderr" "cf-diff: fatal: CF_HEARTBEAT_SECONDS: 'x' is not a number of seconds from 0.01 to 86400"
}
