#!/usr/bin/env bats
# The test harness itself: tests/run's closing line and exit status, and the
# fixtures of test_helper.bash, pinned by what git says about them, so that a
# change to a fixture is a deliberate, visible change of these numbers.

load test_helper

setup_file() {
	make_history "$BATS_FILE_TMPDIR/h"
	make_merge_history "$BATS_FILE_TMPDIR/m"
}

# runner FILE...: tests/run on the given bats files, as CI runs it: in a
# clean environment, and with neither the stdin of the bats running this file
# (its list of tests, which a nested bats would eat) nor its fd 3.
# Bats puts its libexec directory first on PATH, whose "bats" is not the
# command; it is taken out.
runner() {
	local path=:$PATH:
	while [[ $path == *:*/bats-core:* ]]; do
		path=$(sed 's|:[^:]*/bats-core:|:|' <<<"$path")
	done
	path=${path#:}
	env -i PATH="${path%:}" HOME="$HOME" CF_BIN="${CF_BIN_INNER:-$CF_BIN}" \
		${CF_TEST_TIMEOUT:+CF_TEST_TIMEOUT=$CF_TEST_TIMEOUT} \
		bash "$BATS_TEST_DIRNAME/run" "$@" </dev/null 3>&-
}

# mkbats FILE: a bats file from stdin, "%test" standing for "@test" (bats
# would take an "@test" line of a here-document as a test of this file).
mkbats() {
	sed 's/^%test/@test/' >"$1"
}

@test "tests/run: passes, failures and skips are counted; any failure fails" {
	mkbats "$BATS_TEST_TMPDIR/mixed.bats" <<-'EOF'
	%test "passes" {
		true;
	}
	%test "fails" {
		false;
	}
	%test "skips" {
		skip "not today";
	}
	%test "passes too" {
		true;
	}
	EOF
	run runner "$BATS_TEST_TMPDIR/mixed.bats"
	assert_failure
	assert_line --index 0 "1..4"
	assert_line "not ok 2 fails"
	assert_equal "${lines[-1]}" "2 passed, 1 failed, 1 skipped"
}

@test "tests/run: all passing exits 0, and no ', N skipped' without skips" {
	mkbats "$BATS_TEST_TMPDIR/good.bats" <<-'EOF'
	%test "one" {
		true;
	}
	%test "two" {
		[[ :$PATH: == *":$CF_BIN:"* && $CF_BIN == /nonexistent/bin ]];
	}
	EOF
	CF_BIN_INNER=/nonexistent/bin run runner "$BATS_TEST_TMPDIR/good.bats"
	assert_success
	assert_equal "${lines[-1]}" "2 passed, 0 failed"
}

@test "tests/run: bats failing by itself is a failure" {
	echo '%test "broken" {' | mkbats "$BATS_TEST_TMPDIR/broken.bats"
	run runner "$BATS_TEST_TMPDIR/broken.bats"
	assert_failure
	[[ ${lines[-1]} =~ ^0\ passed,\ [0-9]+\ failed$ ]]
	run runner "$BATS_TEST_TMPDIR/no-such-file.bats"
	assert_failure
	[[ ${lines[-1]} =~ ^0\ passed,\ [0-9]+\ failed$ ]]
}

@test "tests/run: a hung test fails the run after CF_TEST_TIMEOUT, nothing left running" {
	mkbats "$BATS_TEST_TMPDIR/hang.bats" <<-'EOF'
	%test "hangs" {
		sleep 4711 | cat
	}
	EOF
	CF_TEST_TIMEOUT=2 run runner "$BATS_TEST_TMPDIR/hang.bats"
	assert_failure
	assert_line "# tests/run: bats stopped after the time limit of 2 s (CF_TEST_TIMEOUT)"
	assert_equal "${lines[-1]}" "0 passed, 1 failed"
	# No pgrep: procps is not on a fresh Debian.
	local f
	for f in /proc/[0-9]*/cmdline; do
		[[ "$(tr '\0' ' ' <"$f" 2>/dev/null)" != "sleep 4711 " ]] ||
			fail "still running: ${f%/cmdline}"
	done
}

@test "the environment is pinned" {
	assert_equal "$LC_ALL $TZ" "C UTC"
	assert_equal "$GIT_CONFIG_GLOBAL $GIT_CONFIG_NOSYSTEM" "/dev/null 1"
	[[ $HOME == "$BATS_TEST_TMPDIR"* ]]
	[[ $PATH == "$CF_BIN:"* ]]
	cd "$BATS_TEST_TMPDIR"
	run git config --list
	assert_output ""
}

@test "make_history is deterministic: the same commit ids every time" {
	make_history "$BATS_TEST_TMPDIR/again"
	assert_equal "$(git -C "$BATS_TEST_TMPDIR/again" rev-parse HEAD)" \
		"$(git -C "$BATS_FILE_TMPDIR/h" rev-parse HEAD)"
	assert_equal "$(git -C "$BATS_FILE_TMPDIR/h" rev-parse HEAD)" \
		819ba0775af9c71d3fdf8ab0c3643cc3150b58cf
	run git -C "$BATS_FILE_TMPDIR/h" status --porcelain
	assert_output ""
}

@test "make_history: 64 linear commits over 14 months, strictly increasing dates" {
	cd "$BATS_FILE_TMPDIR/h"
	assert_equal "$(git rev-list --count HEAD)" 64
	assert_equal "$(git rev-list --count --merges HEAD)" 0
	run git log --reverse --format=%ct
	assert_equal "${lines[0]} ${lines[-1]}" "1672653600 1708797900"
	local i same=0 weeks=0
	for ((i = 1; i < ${#lines[@]}; i++)); do
		((lines[i] > lines[i - 1])) || fail "commit $i: date ${lines[i]} after ${lines[i - 1]}"
		((lines[i] / 86400 == lines[i - 1] / 86400)) && same=$((same + 1))
		((lines[i] - lines[i - 1] >= 18 * 86400)) && weeks=$((weeks + 1))
	done
	assert_equal "$same weeks:$weeks" "20 weeks:7"
}

@test "make_history: authors, .mailmap, files, binary, no final newline, no renames" {
	cd "$BATS_FILE_TMPDIR/h"
	run bash -c "git log --format='%an <%ae>' | sort | uniq -c"
	assert_output "$(printf '%7d %s\n' 35 'Alice <alice@example.com>' 9 'Alice Old <alice@old.example>' 20 'Bob <bob@example.com>')"
	run bash -c "git log --format='%aN <%aE>' | sort -u"
	assert_output $'Alice <alice@example.com>\nBob <bob@example.com>'
	run git ls-tree -r --name-only HEAD
	assert_output "$(printf '%s\n' .mailmap README.md a.c b.h bin/logo.bin docs/notes.txt lib/x.py src/late.c web/app.js)"
	run bash -c "git log --format= --name-status | cut -f1 | sort | uniq -c"
	assert_output "$(printf '%7d %s\n' 11 A 2 D 99 M)"
	run git log -M --diff-filter=R --format=%h
	assert_output ""
	# bin/logo.bin: added, modified twice, binary to git.
	run git log --format= --numstat -- bin/logo.bin
	assert_output $'-\t-\tbin/logo.bin\n-\t-\tbin/logo.bin\n-\t-\tbin/logo.bin'
	assert_equal "$(git cat-file -s HEAD:bin/logo.bin)" 2304
	assert_equal "$(git cat-file blob HEAD:docs/notes.txt | tail -c 1 | od -An -c | tr -d ' ')" 0
	assert_equal "$(git cat-file blob HEAD:a.c | tail -c 1 | od -An -c | tr -d ' ')" '\n'
}

@test "blame_bands and numstat_by_author on make_history" {
	run blame_bands "$BATS_FILE_TMPDIR/h" 30
	assert_success
	assert_equal "$(echo $output)" "0 60 1 18 2 7 3 5 4 18 5 2 6 9 7 2 8 10 9 25 10 2 11 23 12 16 13 22"
	# Their sum is every line of every text file at HEAD.
	assert_equal "$(awk '{ s += $2 } END { print s }' <<<"$output")" \
		"$(git -C "$BATS_FILE_TMPDIR/h" grep -I -c -e '' HEAD | awk -F: '{ s += $NF } END { print s }')"
	run numstat_by_author "$BATS_FILE_TMPDIR/h"
	assert_success
	assert_output $'Alice <alice@example.com>\t44\t308\t171\nBob <bob@example.com>\t20\t134\t52'
}

@test "make_merge_history: two merges; first-parent numstat" {
	cd "$BATS_FILE_TMPDIR/m"
	assert_equal "$(git rev-parse HEAD)" 3b58efc6789645b54c2894cc3b093dec080baa41
	assert_equal "$(git rev-list --count HEAD)" 9
	assert_equal "$(git rev-list --count --merges HEAD)" 2
	assert_equal "$(git rev-list --count --first-parent HEAD)" 6
	run numstat_by_author .
	assert_output $'Alice <alice@example.com>\t6\t57\t5'
	run blame_bands . 1
	assert_equal "$(echo $output)" "0 28 2 3 4 15 5 2 7 1 8 3"
}

@test "pipeline and run_pipeline: stages, extra stages, pipefail" {
	run_pipeline "$BATS_FILE_TMPDIR/h" "cf-dump -t commit" "wc -l"
	assert_success
	assert_output 64
	run_pipeline "$BATS_TEST_TMPDIR/not-a-repository" "cf-dump"
	assert_failure
}

@test "shm_snapshot and assert_no_new_shm" {
	shm_snapshot
	assert_no_new_shm
	local f=/dev/shm/cf-harness-test.$$
	: >"$f"
	run assert_no_new_shm
	rm -f "$f"
	assert_failure
	assert_output --partial "cf-harness-test"
}
