#!/usr/bin/env bats
# Every stage of the core pipeline under valgrind's memcheck on the standard
# fixture: no invalid access, no use of uninitialised memory, no leak.
# Skipped without valgrind, and for sanitizer builds (make test-asan), which
# valgrind cannot run.

load test_helper

setup_file() {
	command -v valgrind >/dev/null || return 0
	make_history "$BATS_FILE_TMPDIR/h" >/dev/null
}

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if nm "$(command -v cf-diff)" 2>/dev/null | grep -q __asan_init; then
		skip "a sanitizer build"
	fi
	cd "$BATS_FILE_TMPDIR" || return 1
	shm_snapshot
}

teardown() {
	assert_no_new_shm
}

# vg OUT CMD...: CMD under memcheck, stdout to OUT; any error exits 9.
vg() {
	local out=$1
	shift
	timeout 600 valgrind --error-exitcode=9 -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$@" >"$out"
}

@test "the pipeline's stages one by one are clean under valgrind" {
	run vg rev cf-revlist h
	assert_success
	run vg td cf-treediff h <rev
	assert_success
	# Blobs inline (a file between the stages), then through the arena.
	run vg bl cf-blobload -j 2 --blob-arena-size 0 h <td
	assert_success
	run vg diff cf-diff -j 2 <bl
	assert_success
	run vg bd cf-burndown <diff
	assert_success
	run vg devs cf-devs <bd
	assert_success
	run vg json cf-reduce -f json <devs
	assert_success
	run vg dump cf-dump <devs
	assert_success
	# The same bytes as without valgrind.
	cf-revlist h | cf-treediff h | cf-blobload h | cf-diff | cf-burndown | cf-devs |
		cf-reduce -f json >plain.json
	cmp json plain.json
}

@test "cf-blobload and cf-diff sharing the arena are clean under valgrind" {
	cf-revlist h | cf-treediff h >td
	run bash -o pipefail -c 'valgrind --error-exitcode=9 -q --leak-check=full cf-blobload -j 2 h <td |
		valgrind --error-exitcode=9 -q --leak-check=full cf-diff -j 2 >diff2'
	assert_success
	cf-blobload h <td | cf-diff >diff1
	assert_equal "$(cf-dump -t change diff2 | md5sum)" "$(cf-dump -t change diff1 | md5sum)"
}
