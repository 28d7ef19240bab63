#!/usr/bin/env bats
# cf-blobload: sizes, line counts and binary flags against git itself; the
# blob records carry exactly the bytes git stores; errors and exit codes.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_blobs "$FIX/blobs"
	make_history "$FIX/hist"
	cf-revlist "$FIX/blobs" | cf-treediff "$FIX/blobs" >"$FIX/blobs.td"
	cf-revlist "$FIX/hist" | cf-treediff "$FIX/hist" >"$FIX/hist.td"
}

setup() {
	shm_snapshot
}

teardown() {
	assert_no_new_shm
}

# make_blobs DIR: an empty file, a file without a final newline, a binary
# file, a file larger than 4 KiB, all added, modified and deleted.
make_blobs() {
	git_init "$1"
	(
	cd "$1" || exit 1
	printf 'a\nb\nc\n' >text.txt
	printf 'x\ny' >nonl.txt
	: >empty.txt
	printf 'BIN\0\001\002\n' >bin.dat
	seq 1 3000 >big.txt
	git add -A . && commit_at "2023-01-01 10:00:00 +0000" A a@x one || exit 1
	printf 'a\nb\nc\nd\n' >text.txt
	printf 'x\ny\nz' >nonl.txt
	printf 'now\n' >empty.txt
	printf 'BIN\0\001\003\n' >bin.dat
	seq 1 3001 >big.txt
	git add -A . && commit_at "2023-01-02 10:00:00 +0000" A a@x two || exit 1
	git rm -q nonl.txt
	: >empty.txt
	printf 'text now\n' >bin.dat
	printf 'b\nc\nd\n' >text.txt
	git add -A . && commit_at "2023-01-03 10:00:00 +0000" A a@x three || exit 1
	)
}

# blob_lines REPO OID: newlines, plus one for a last line without one.
blob_lines() {
	git -C "$1" cat-file blob "$2" | awk 'END { print NR }'
}

# expected_changes REPO: per change "path s old_size new_size old_lines
# new_lines bin", computed by git (binary: numstat's "-").
expected_changes() {
	local repo=$1 c
	git -C "$repo" rev-list --first-parent --reverse HEAD | while read -r c; do
		git -C "$repo" diff-tree --root -r --no-renames --no-commit-id --raw "$c" |
		while read -r om nm oo no s path; do
			local os=0 ns=0 ol=0 nl=0 bin=false
			om=${om#:}
			[[ $s == A ]] || { os=$(git -C "$repo" cat-file -s "$oo"); ol=$(blob_lines "$repo" "$oo"); }
			[[ $s == D ]] || { ns=$(git -C "$repo" cat-file -s "$no"); nl=$(blob_lines "$repo" "$no"); }
			git -C "$repo" diff-tree --root -r --no-renames --no-commit-id --numstat "$c" -- "$path" |
				grep -q '^-' && bin=true
			echo "$path $s $os $ns $ol $nl $bin"
		done
	done
}

actual_changes() {
	cf-dump -t change | jq -r '"\(.path) \(.s) \(.old_size) \(.new_size) \(.old_lines) \(.new_lines) \(.bin)"'
}

@test "cf-blobload: -h shows the usage, no REPO is a usage error" {
	run cf-blobload -h
	assert_success
	assert_line --index 0 --partial "usage: cf-blobload"
	run cf-blobload
	assert_failure 2
	run cf-blobload --bogus "$FIX/blobs"
	assert_failure 2
	run cf-blobload --blob-arena-size 12zz "$FIX/blobs"
	assert_failure 2
	assert_output --partial "--blob-arena-size"
}

@test "cf-blobload: sizes, line counts, binary flags equal git's (empty, no final newline, binary)" {
	expected_changes "$FIX/blobs" >"$BATS_TEST_TMPDIR/want"
	cf-blobload --blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td" | actual_changes >"$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	# The cases the fixture is for, spelled out.
	run cat "$BATS_TEST_TMPDIR/got"
	assert_line "empty.txt A 0 0 0 0 false"
	assert_line "nonl.txt A 0 3 0 2 false"
	assert_line "empty.txt M 0 4 0 1 false"
	assert_line "bin.dat M 7 7 1 1 true"
	assert_line "bin.dat M 7 9 1 1 true"
	assert_line "nonl.txt D 5 0 3 0 false"
	assert_line "big.txt M 13893 13898 3000 3001 false"
}

@test "cf-blobload: the standard history's numbers equal git's" {
	expected_changes "$FIX/hist" >"$BATS_TEST_TMPDIR/want"
	cf-blobload -j 2 --commit-batch-size 3 --blob-cache-size 1KiB --blob-arena-size 0 \
		"$FIX/hist" <"$FIX/hist.td" | actual_changes >"$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	[ "$(wc -l <"$BATS_TEST_TMPDIR/got")" -gt 64 ]
}

@test "cf-blobload: --delta-cache-size changes no number, and is checked" {
	cf-blobload -j 1 --delta-cache-size 1MiB --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" |
		actual_changes >"$BATS_TEST_TMPDIR/small"
	cf-blobload -j 1 --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" |
		actual_changes >"$BATS_TEST_TMPDIR/default"
	run diff "$BATS_TEST_TMPDIR/small" "$BATS_TEST_TMPDIR/default"
	assert_success
	for bad in 0 1KiB 2TiB -1MiB x; do
		run cf-blobload --delta-cache-size "$bad" "$FIX/hist" </dev/null
		assert_failure 2
		assert_output --partial "--delta-cache-size: "
	done
}

@test "cf-blobload: inline blob records carry git's bytes, old then new, before each text modification" {
	cf-blobload --blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td" |
		cf-dump -t blob -t change | jq -r '
			if .t == "blob" then "blob \(.oid) \(.size) \(.data)"
			else "change \(.path) \(.s) \(.bin)" end' >"$BATS_TEST_TMPDIR/got"
	# blob lines: "blob OID SIZE HEX"; change lines: "change PATH S BIN".
	local want=() kind a b c nblobs=0
	while read -r kind a b c; do
		if [[ $kind == blob ]]; then
			[ "$(git -C "$FIX/blobs" cat-file -s "$a")" = "$b" ]
			[ "$(git -C "$FIX/blobs" cat-file blob "$a" | od -An -v -tx1 | tr -d ' \n')" = "$c" ]
			nblobs=$((nblobs + 1))
		else
			want+=("$a $b $nblobs")
			nblobs=0
		fi
	done <"$BATS_TEST_TMPDIR/got"
	# Blob pairs go exactly with the text modifications.
	printf '%s\n' "${want[@]}" >"$BATS_TEST_TMPDIR/pairs"
	run cat "$BATS_TEST_TMPDIR/pairs"
	assert_line "text.txt M 2"
	assert_line "nonl.txt M 2"
	assert_line "empty.txt M 2"
	assert_line "big.txt M 2"
	assert_line "bin.dat M 0"
	assert_line "text.txt A 0"
	refute_line "nonl.txt D 2"
	[ "$(grep -c ' 2$' "$BATS_TEST_TMPDIR/pairs")" -eq 6 ]
}

@test "cf-blobload: a blob larger than the arena travels inline, the rest in the arena" {
	# Only the first two commits: cf-dump releases nothing, so the small
	# blobs must all fit the 4 KiB ring.
	cf-revlist "$FIX/blobs" HEAD~1 | cf-treediff "$FIX/blobs" >"$BATS_TEST_TMPDIR/two.td"
	run bash -c "timeout 60 cf-blobload --blob-arena-size 4096 --arenas 1 '$FIX/blobs' <'$BATS_TEST_TMPDIR/two.td' |
		cf-dump -t arena -t blob | jq -r 'if .t == \"arena\" then \"arena \(.size)\"
			elif .data then \"inline \(.size)\" else \"ring \(.size) \(.off)\" end'"
	assert_success
	assert_line --index 0 "arena 4096"
	assert_line "inline 13893"
	assert_line "inline 13898"
	[ "$(grep -c '^ring ' <<<"$output")" -eq 6 ]
}

@test "cf-blobload: the ring holds --arenas arenas, twice the workers by default" {
	cf-revlist "$FIX/blobs" HEAD~1 | cf-treediff "$FIX/blobs" >"$BATS_TEST_TMPDIR/two.td"
	ring() { timeout 60 cf-blobload "$@" "$FIX/blobs" <"$BATS_TEST_TMPDIR/two.td" |
		cf-dump -t arena | jq -r .size; }
	assert_equal "$(ring -j 3 --blob-arena-size 4096)" 24576
	assert_equal "$(ring -j 1 --blob-arena-size 4096 --arenas 5)" 20480
	# blobs that fit the ring, not one arena, go through the ring
	run bash -c "timeout 60 cf-blobload -j 1 --blob-arena-size 4096 --arenas 8 '$FIX/blobs' \
		<'$BATS_TEST_TMPDIR/two.td' | cf-dump -t blob | jq -r 'select(.data) | .size'"
	assert_success
	assert_output ""
	run cf-blobload --arenas 0 "$FIX/blobs"
	assert_failure 2
	assert_output --partial "--arenas"
	run cf-blobload --blob-arena-size 1TiB --arenas 2 "$FIX/blobs"
	assert_failure 2
	assert_output --partial "at most 1TiB"
}

@test "cf-blobload: a blob larger than a slab chunk, and a batch of many chunks, keep git's bytes" {
	local repo=$BATS_TEST_TMPDIR/slabs oid hex n=0
	git_init "$repo"
	(
	cd "$repo" || exit 1
	seq 1 200000 >big.txt
	for i in $(seq 1 12); do seq "$i" 30000 >"f$i.txt"; done
	git add -A . && commit_at "2023-01-01 10:00:00 +0000" A a@x one || exit 1
	for f in *.txt; do echo more >>"$f"; done
	git add -A . && commit_at "2023-01-02 10:00:00 +0000" A a@x two || exit 1
	)
	cf-revlist "$repo" | cf-treediff "$repo" >"$BATS_TEST_TMPDIR/td"
	cf-blobload -v -j 1 --blob-arena-size 0 "$repo" <"$BATS_TEST_TMPDIR/td" \
		2>"$BATS_TEST_TMPDIR/err" |
		cf-dump -t blob | jq -r '"\(.oid) \(.data)"' >"$BATS_TEST_TMPDIR/blobs"
	while read -r oid hex; do
		[ "$(xxd -r -p <<<"$hex" | git -C "$repo" hash-object --stdin)" = "$oid" ]
		n=$((n + 1))
	done <"$BATS_TEST_TMPDIR/blobs"
	assert_equal "$n" 26
	# One batch of 26 blobs: the two versions of big.txt (1,288,895 and
	# 1,288,900 bytes) in a chunk of their own each, the 24 others (about
	# 169 KB each, six to a 1 MiB chunk) in five chunks, as a chunk is left
	# behind when a large blob comes between.
	run grep -c "batch slabs 7.5 MiB" "$BATS_TEST_TMPDIR/err"
	assert_output 1
}

@test "cf-blobload: -v reports blobs read and the cache" {
	run bash -c "cf-blobload -v --blob-arena-size 0 '$FIX/hist' <'$FIX/hist.td' >/dev/null"
	assert_success
	assert_output --partial "blobs read:"
	assert_output --partial "from the blob cache:"
	assert_output --partial "blob records:"
}

@test "cf-blobload: --batch-bytes ends batches between changes, the stream unchanged" {
	cf-blobload --commit-batch-size 1 --blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td" \
		>"$BATS_TEST_TMPDIR/whole"
	# One batch per commit, the last with the scope record.
	run --separate-stderr cf-blobload -v --commit-batch-size 1 --blob-arena-size 0 \
		"$FIX/blobs" <"$FIX/blobs.td"
	assert_equal "${stderr%%$'\n'*}" "cf-blobload: 3 commits, 14 changes in 3 batches"
	# A change counts twice its old side's size when an earlier batch read
	# that side: with 1 byte, a batch ends after commit two's big.txt,
	# nonl.txt and text.txt, and commit three's empty.txt and text.txt
	# (bin.dat is binary, empty.txt was empty, nonl.txt deleted); the next
	# commit joins the batch a change ended, and the scope record comes last.
	run --separate-stderr cf-blobload -v --commit-batch-size 1 --batch-bytes 1 \
		--blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td"
	assert_success
	assert_equal "${stderr%%$'\n'*}" "cf-blobload: 3 commits, 14 changes in 7 batches"
	# 10 bytes: big.txt (2 x 13,893), then nonl.txt and text.txt together
	# (6 + 12), then commit three's empty.txt and text.txt (8 + 16).
	run --separate-stderr cf-blobload -v --commit-batch-size 1 --batch-bytes 10 \
		--blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td"
	assert_equal "${stderr%%$'\n'*}" "cf-blobload: 3 commits, 14 changes in 5 batches"
	# 0 is no limit; the default, 16MiB, is far above this history's text.
	run --separate-stderr cf-blobload -v --commit-batch-size 1 --batch-bytes 0 \
		--blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td"
	assert_equal "${stderr%%$'\n'*}" "cf-blobload: 3 commits, 14 changes in 3 batches"
	for n in 0 1 10 16MiB; do
		cf-blobload --commit-batch-size 1 --batch-bytes $n --blob-arena-size 0 "$FIX/blobs" \
			<"$FIX/blobs.td" | cmp - "$BATS_TEST_TMPDIR/whole"
	done
	run cf-blobload --batch-bytes 12XB "$FIX/blobs"
	assert_failure 2
	assert_output --partial "--batch-bytes: "
}

@test "cf-blobload: cached bytes a batch writes out survive what the next batch evicts" {
	# One commit a batch: each batch is written out while the next is read
	# and remembered, whose puts evict and drop the bytes the written one
	# still sends.  Every cache size gives the stream of no cache at all
	# (and the sanitizer suite sees any use after free).
	cf-blobload --commit-batch-size 1 --blob-cache-size 0 --blob-arena-size 0 \
		"$FIX/hist" <"$FIX/hist.td" >"$BATS_TEST_TMPDIR/none"
	for size in 8 2KiB 4KiB 1MiB; do
		cf-blobload -v --commit-batch-size 1 --blob-cache-size $size --blob-arena-size 0 \
			"$FIX/hist" <"$FIX/hist.td" 2>"$BATS_TEST_TMPDIR/v.$size" |
			cmp - "$BATS_TEST_TMPDIR/none"
		cf-blobload --commit-batch-size 1 --blob-cache-size $size --release-memory \
			"$FIX/hist" <"$FIX/hist.td" | cf-diff | cf-dump >"$BATS_TEST_TMPDIR/arena.$size"
	done
	cmp "$BATS_TEST_TMPDIR/arena.8" "$BATS_TEST_TMPDIR/arena.1MiB"
	run grep -h "blob cache:" "$BATS_TEST_TMPDIR/v.4KiB"
	assert_output --regexp "blob cache: [1-9][0-9]* evicted, [1-9][0-9]* dropped"
}

@test "cf-blobload: -v says where the memory was when the stage was largest" {
	# One thread, one batch, sampled before anything is cached; the objects
	# are loose, so no delta base is kept.  Under a sanitizer's allocator
	# glibc's malloc counters say nothing, and are left out.
	run bash -c "cf-blobload -v -j 1 --blob-arena-size 0 '$FIX/blobs' <'$FIX/blobs.td' >/dev/null"
	assert_success
	assert_line --regexp "^cf-blobload: memory at the largest: [0-9.]+ MiB resident; blob cache 0 B, delta caches 0 B, batch slabs 1 MiB(; malloc: [0-9.]+ MiB in use of [0-9.]+ MiB taken)?$"
}

@test "cf-blobload: --max-blob-size makes larger blobs binary and unread" {
	cf-blobload --max-blob-size 10kB --blob-arena-size 0 "$FIX/blobs" <"$FIX/blobs.td" |
		actual_changes >"$BATS_TEST_TMPDIR/got"
	run cat "$BATS_TEST_TMPDIR/got"
	assert_line "big.txt A 0 13893 0 0 true"
	assert_line "big.txt M 13893 13898 0 0 true"
	assert_line "text.txt M 6 8 3 4 false"
}

@test "cf-blobload: garbage or a truncated stream is exit 3" {
	run bash -c "printf 'garbage' | cf-blobload '$FIX/blobs'"
	assert_failure 3
	run bash -c "head -c 200 '$FIX/blobs.td' | cf-blobload '$FIX/blobs' >/dev/null"
	assert_failure 3
	assert_output --partial "truncated"
}

@test "cf-blobload: a missing blob is exit 1 naming the blob, the path and the commit" {
	git_init "$BATS_TEST_TMPDIR/empty"
	local oid commit
	oid=$(git -C "$FIX/blobs" rev-parse HEAD~2:big.txt)
	commit=$(git -C "$FIX/blobs" rev-parse HEAD~2)
	run bash -c "cf-blobload '$BATS_TEST_TMPDIR/empty' <'$FIX/blobs.td' >/dev/null"
	assert_failure 1
	assert_output --partial "in commit $commit"
	assert_output --regexp "blob '[0-9a-f]{40}' of '[a-z.]+'"
	# Every blob of the first commit is missing; the first change is big.txt.
	assert_output --partial "'$oid' of 'big.txt'"
}

@test "cf-blobload: records it does not handle pass through unchanged" {
	cf-blobload --blob-arena-size 0 "$FIX/hist" <"$FIX/hist.td" |
		cf-dump | jq -c 'select(.t != "change" and .t != "blob")' >"$BATS_TEST_TMPDIR/got"
	cf-dump "$FIX/hist.td" | jq -c 'select(.t != "change")' >"$BATS_TEST_TMPDIR/want"
	# and its own scope record comes last
	echo '{"skipped":{"too_large":0},"t":"scope","v":1}' >>"$BATS_TEST_TMPDIR/want"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
}
