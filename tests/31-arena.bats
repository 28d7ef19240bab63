#!/usr/bin/env bats
# The blob arena between cf-blobload and its consumer: a tiny ring still
# completes (the producer waits, the consumer releases), a dead consumer
# ends the producer, a dead producer leaves nothing behind, and nothing
# ever appears in /dev/shm.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_history "$FIX/hist"
	cf-revlist "$FIX/hist" | cf-treediff "$FIX/hist" >"$FIX/hist.td"
}

setup() {
	shm_snapshot
}

teardown() {
	assert_no_new_shm
}

need_cf_diff() {
	command -v cf-diff >/dev/null || skip "cf-diff is not built"
}

# wait_for_futex PID: until the process sleeps on the arena's futex.
wait_for_futex() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q futex "/proc/$1/wchan" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

@test "arena: a 4 KiB ring gives the same diffs as inline blobs" {
	need_cf_diff
	cf-blobload --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" | cf-diff |
		cf-dump -t change >"$BATS_TEST_TMPDIR/inline"
	timeout 120 cf-blobload -v --blob-arena-size 4096 --arenas 1 "$FIX/hist" <"$FIX/hist.td" \
		2>"$BATS_TEST_TMPDIR/v" | timeout 120 cf-diff | cf-dump -t change >"$BATS_TEST_TMPDIR/ring"
	run diff "$BATS_TEST_TMPDIR/inline" "$BATS_TEST_TMPDIR/ring"
	assert_success
	# Many more bytes went through the ring than it holds.
	run grep -o 'blob records: [0-9]* in the arena' "$BATS_TEST_TMPDIR/v"
	assert_success
	local n=${output#blob records: }
	n=${n% in the arena}
	[ "$n" -gt 50 ]
}

@test "arena: the default ring gives the same diffs as inline blobs" {
	need_cf_diff
	cf-blobload --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" | cf-diff |
		cf-dump -t change >"$BATS_TEST_TMPDIR/inline"
	cf-blobload "$FIX/hist" <"$FIX/hist.td" | timeout 120 cf-diff |
		cf-dump -t change >"$BATS_TEST_TMPDIR/ring"
	run diff "$BATS_TEST_TMPDIR/inline" "$BATS_TEST_TMPDIR/ring"
	assert_success
}

@test "arena: a consumer killed while the producer waits ends the producer by SIGPIPE" {
	mkfifo "$BATS_TEST_TMPDIR/pipe"
	# A reader that reads nothing: the 4 KiB ring fills and the producer waits.
	cf-blobload --blob-arena-size 4096 --arenas 1 "$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/pipe" &
	local producer=$!
	sleep 600 <"$BATS_TEST_TMPDIR/pipe" &
	local consumer=$!
	wait_for_futex "$producer"
	kill -KILL "$consumer"
	local rc=0
	wait "$producer" || rc=$?
	assert_equal "$rc" 141
}

@test "arena: a reader that never maps the ring (cf-dump) does not stall the producer" {
	cf-blobload --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" | cf-dump -t change >"$BATS_TEST_TMPDIR/inline"
	# The 4 KiB ring fills at once; cf-dump drains the pipe and never maps it.
	run timeout 60 bash -c "cf-blobload --blob-arena-size 4096 --arenas 1 '$FIX/hist' <'$FIX/hist.td' |
		cf-dump -t change >'$BATS_TEST_TMPDIR/ring'"
	assert_success
	cmp "$BATS_TEST_TMPDIR/inline" "$BATS_TEST_TMPDIR/ring"
	run cf-dump -t blob <(cf-blobload --blob-arena-size 4096 --arenas 1 "$FIX/hist" <"$FIX/hist.td")
	assert_success
	[[ $(wc -l <<<"$output") -gt 20 ]]
}

@test "arena: a producer killed by SIGKILL leaves nothing behind" {
	mkfifo "$BATS_TEST_TMPDIR/pipe"
	cf-blobload --blob-arena-size 4096 --arenas 1 "$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/pipe" &
	local producer=$!
	sleep 600 <"$BATS_TEST_TMPDIR/pipe" &
	local consumer=$!
	wait_for_futex "$producer"
	kill -KILL "$producer"
	local rc=0
	wait "$producer" || rc=$?
	assert_equal "$rc" 137
	kill "$consumer"
	wait "$consumer" || true
	# The memfd was the process's own: no /proc entry of it survives.
	run ls "/proc/$producer/fd"
	assert_failure
}

@test "arena: a consumer SIGKILLed after attaching leaves nothing behind" {
	need_cf_diff
	mkfifo "$BATS_TEST_TMPDIR/pipe"
	cf-blobload --blob-arena-size 4096 --arenas 1 "$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/pipe" &
	local producer=$!
	cf-diff <"$BATS_TEST_TMPDIR/pipe" >/dev/null &
	local consumer=$!
	wait_for_futex "$producer" || true
	kill -KILL "$consumer" 2>/dev/null || true
	# Finished already, or ended by SIGPIPE: never left waiting.
	local rc=0
	wait "$producer" || rc=$?
	[[ $rc == 0 || $rc == 141 ]]
}

@test "arena: a stream whose producer is gone names the arena path" {
	need_cf_diff
	# To a file, the ring is reused without waiting and dies with its producer.
	cf-blobload "$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/stream"
	run bash -c "cf-diff <'$BATS_TEST_TMPDIR/stream' >/dev/null"
	assert_failure 1
	assert_output --regexp "/proc/[0-9]+/fd/[0-9]+"
}

@test "arena: the arena record comes once, before the first blob record" {
	cf-blobload --blob-arena-size 4MiB "$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/stream"
	run bash -c "cf-dump -t arena -t blob '$BATS_TEST_TMPDIR/stream' | jq -r .t | uniq -c"
	assert_success
	assert_line --index 0 --regexp "^ *1 arena$"
	assert_line --index 1 --regexp "^ *[0-9]+ blob$"
	[ "${#lines[@]}" -eq 2 ]
}

# make_pairs DIR: one file whose versions are 1.2 to 3.4 KiB, so that in a
# 4 KiB ring an old and new side often cannot both fit (nor beside the skip
# at the ring's end), and a second file with small versions in between.
make_pairs() {
	local i n
	git_init "$1"
	for ((i = 0; i < 40; i++)); do
		n=$(( 30 + (i * 37) % 70 ))
		seq -f "line %g of version $i, padded to be long enough" "$n" >"$1/pair.txt"
		seq -f "small %g $i" $((i % 5 + 1)) >"$1/small.txt"
		git -C "$1" add pair.txt small.txt
		(cd "$1" && commit_at "2024-01-01 00:00:$(printf %02d "$i") +0000" A a@x "v$i")
	done
}

@test "arena: a pair that cannot be held together goes inline instead of waiting forever" {
	need_cf_diff
	make_pairs "$BATS_TEST_TMPDIR/pairs"
	cf-revlist "$BATS_TEST_TMPDIR/pairs" | cf-treediff "$BATS_TEST_TMPDIR/pairs" >"$BATS_TEST_TMPDIR/p.td"
	cf-blobload --blob-arena-size 0 "$BATS_TEST_TMPDIR/pairs" <"$BATS_TEST_TMPDIR/p.td" |
		cf-diff | cf-dump -t change >"$BATS_TEST_TMPDIR/inline"
	# A consumer holds the old side until it has the new one: if the new
	# side waited for ring space instead, neither process would move.
	timeout 60 cf-blobload -v --blob-arena-size 4KiB --arenas 1 "$BATS_TEST_TMPDIR/pairs" \
		<"$BATS_TEST_TMPDIR/p.td" 2>"$BATS_TEST_TMPDIR/v" |
		timeout 60 cf-diff --commit-batch-size 1 | cf-dump -t change >"$BATS_TEST_TMPDIR/ring"
	run diff "$BATS_TEST_TMPDIR/inline" "$BATS_TEST_TMPDIR/ring"
	assert_success
	run grep -o '[0-9]* of them beside' "$BATS_TEST_TMPDIR/v"
	assert_success
	[ "${output%% *}" -gt 0 ]
}
