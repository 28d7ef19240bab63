#!/usr/bin/env bats
# cf-treediff: the change records equal git log --raw --no-renames, and
# every other record passes through unchanged.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_history "$FIX/hist"
	make_merge_history "$FIX/merge"
	make_special "$FIX/special"
}

# make_special DIR: modes, symlinks, type changes, a file that becomes a
# directory and back, a submodule, names that sort around "/".
make_special() {
	git_init "$1"
	(
	cd "$1" || exit 1
	mkdir dir d
	echo a >a.txt; echo run >run.sh; ln -s a.txt link; echo x >dir/x
	echo f >f; echo one >d/one; echo dash >d-1; echo dot >d.c
	git add -A . || exit 1
	git update-index --add --cacheinfo 160000,1111111111111111111111111111111111111111,sub
	commit_at "2023-01-01 10:00:00 +0000" A a@x one || exit 1
	chmod +x run.sh; echo a2 >a.txt; rm link; ln -s run.sh link
	rm -r dir; echo now-a-file >dir; echo sp >"sp ace.txt"; echo two >d/two
	git add -A -- . ':!sub' || exit 1
	git update-index --cacheinfo 160000,2222222222222222222222222222222222222222,sub
	commit_at "2023-01-02 10:00:00 +0000" A a@x two || exit 1
	rm a.txt; ln -s f a.txt; rm f; mkdir f; echo g >f/g; rm d-1 d/one
	git add -A -- . ':!sub' || exit 1
	commit_at "2023-01-03 10:00:00 +0000" A a@x three || exit 1
	rm -r f; echo back >f; git rm -q --cached sub
	git add -A -- . ':!sub' || exit 1
	commit_at "2023-01-04 10:00:00 +0000" A a@x four || exit 1
	)
}

# cf_changes REPO [cf-revlist ARGS]...: "C id" per commit, then per change
# "old_mode new_mode old new status path", modes in octal, absent ids zero.
cf_changes() {
	local repo=$1
	shift
	cf-revlist "$repo" "$@" | cf-treediff "$repo" | cf-dump | jq -r '
		def oct: . as $n | [range(0; 6)] | map(($n / pow(8; 5 - .) | floor) % 8 | tostring) | join("");
		def id: . // "0000000000000000000000000000000000000000";
		if .t == "commit" then "C \(.id)"
		elif .t == "change" then "\(.old_mode | oct) \(.new_mode | oct) \(.old | id) \(.new | id) \(.s) \(.path)"
		else empty end'
}

# git_changes REPO [git log ARGS]...: the same from git log --raw, without
# submodules, type changes ("T") shown as modifications.
git_changes() {
	local repo=$1
	shift
	git -C "$repo" -c core.quotepath=off log --reverse --raw --no-renames --no-abbrev \
		--format='C %H' "$@" |
	awk '/^C / { print; next }
		/^:/ {
			split($0, a, "\t"); split(a[1], f, " ")
			m = substr(f[1], 2)
			if (m == "160000" || f[2] == "160000") next
			s = f[5] == "T" ? "M" : f[5]
			print m, f[2], f[3], f[4], s, a[2]
		}'
}

@test "changes equal git log --first-parent --raw --no-renames" {
	for repo in "$FIX/hist" "$FIX/merge" "$FIX/special"; do
		run cf_changes "$repo"
		assert_success
		assert_output "$(git_changes "$repo" --first-parent)"
	done
	run bash -c "cf-revlist '$FIX/hist' | cf-treediff '$FIX/hist' | cf-dump -t change | grep -c ."
	assert_output 112
}

@test "the special cases: modes, symlinks, file to directory, submodules skipped" {
	run bash -c "cf-revlist '$FIX/special' | cf-treediff '$FIX/special' | cf-dump -t change | jq -r '\"\(.n) \(.s) \(.path) \(.old_mode) \(.new_mode)\"'"
	assert_success
	assert_output "$(cat <<-'EOF'
	0 A a.txt 0 33188
	0 A d-1 0 33188
	0 A d.c 0 33188
	0 A d/one 0 33188
	0 A dir/x 0 33188
	0 A f 0 33188
	0 A link 0 40960
	0 A run.sh 0 33188
	1 M a.txt 33188 33188
	1 A d/two 0 33188
	1 A dir 0 33188
	1 D dir/x 33188 0
	1 M link 40960 40960
	1 M run.sh 33188 33261
	1 A sp ace.txt 0 33188
	2 M a.txt 33188 40960
	2 D d-1 33188 0
	2 D d/one 33188 0
	2 D f 33188 0
	2 A f/g 0 33188
	3 A f 0 33188
	3 D f/g 33188 0
	EOF
	)"
}

@test "full history: commits against their only parent, merges without changes" {
	run cf_changes "$FIX/merge" --full-history
	assert_success
	assert_output "$(git_changes "$FIX/merge" --topo-order --diff-merges=off)"
	run cf_changes "$FIX/merge"
	assert_output "$(git_changes "$FIX/merge" --first-parent)"
	run cf_changes "$FIX/hist" HEAD~20..HEAD~3
	assert_output "$(git_changes "$FIX/hist" --first-parent HEAD~20..HEAD~3)"
}

@test "change records: fields and n of the commit before them" {
	run bash -c "cf-revlist '$FIX/hist' | cf-treediff '$FIX/hist' | cf-dump | jq -c 'select(.t == \"change\") | [.n, .s, (.old != null), (.new != null), .v]' | sort -u"
	assert_output --partial '[0,"A",false,true,1]'
	assert_output --partial '[37,"D",true,false,1]'
	assert_output --partial '[62,"M",true,true,1]'
	# commits 48 and 63 change nothing
	refute_output --partial '[48,'
	refute_output --partial '[63,'
	# every change follows the commit it belongs to
	run bash -c "cf-revlist '$FIX/hist' | cf-treediff '$FIX/hist' | cf-dump | jq -r 'if .t == \"commit\" then \"c \(.n)\" elif .t == \"change\" then \"x \(.n)\" else .t end' |
		awk '\$1 == \"c\" { n = \$2 } \$1 == \"x\" && \$2 != n { bad++ } END { print bad + 0 }'"
	assert_output 0
}

@test "every other record passes through unchanged, in order" {
	run bash -c "cf-revlist --full-history '$FIX/merge' | cf-treediff '$FIX/merge' | cf-dump | jq -c 'select(.t != \"change\" and .t != \"scope\")'"
	assert_success
	assert_output "$(cf-revlist --full-history "$FIX/merge" | cf-dump)"
	# a record type it does not know: {"t":"zz","v":1,"x":[1,2]}
	run bash -c "{ printf '\x83\xa1t\xa2zz\xa1v\x01\xa1x\x92\x01\x02'; cf-revlist '$FIX/merge'; } | cf-treediff '$FIX/merge' | cf-dump | head -n 2"
	assert_line --index 0 '{"t":"zz","v":1,"x":[1,2]}'
	assert_line --index 1 --partial '"t":"stream"'
	run bash -c "cf-treediff '$FIX/merge' </dev/null | wc -c"
	assert_output 0
}

@test "garbage and truncated input: exit 3, one line" {
	run --separate-stderr bash -c "echo garbage | cf-treediff '$FIX/hist'"
	assert_failure 3
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "cf-treediff: fatal: record 1 (byte 0): a record must be a msgpack map"
	run --separate-stderr bash -c "cf-revlist '$FIX/hist' | head -c 300 | cf-treediff '$FIX/hist'"
	assert_failure 3
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^cf-treediff: fatal: record [0-9]+ \(byte [0-9]+\): truncated"
	# a commit record without its tree
	run --separate-stderr bash -c "printf '\x82\xa1t\xa6commit\xa1v\x01' | cf-treediff '$FIX/hist'"
	assert_failure 3
	assert_equal "${#stderr_lines[@]}" 1
}

@test "objects missing from the repository: exit 1 naming the commit" {
	local other="$BATS_TEST_TMPDIR/other" first
	git_init "$other"
	(cd "$other" && commit_at "@1700000000 +0000" A a@x one)
	first=$(git -C "$FIX/hist" rev-list --max-parents=0 HEAD)
	run --separate-stderr bash -c "cf-revlist '$FIX/hist' | cf-treediff '$other'"
	assert_failure 1
	assert_regex "${stderr_lines[-1]}" "^cf-treediff: fatal: commit $first: "
	assert_regex "$stderr" "$(git -C "$FIX/hist" rev-parse "$first^{tree}")"
	# a parent that is not in the stream and not in the repository
	run --separate-stderr bash -c "cf-revlist '$FIX/hist' HEAD~1..HEAD | cf-treediff '$other'"
	assert_failure 1
	assert_equal "${stderr_lines[-1]}" "cf-treediff: fatal: commit $(git -C "$FIX/hist" rev-parse HEAD): cannot read its parent $(git -C "$FIX/hist" rev-parse HEAD~1)"
}

@test "usage: REPO is required, and must be a repository" {
	run cf-treediff
	assert_failure 2
	run cf-treediff "$FIX/hist" extra
	assert_failure 2
	run cf-treediff "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_output "cf-treediff: fatal: not a git repository: '$BATS_TEST_TMPDIR'"
}

@test "--delta-cache-size: the smallest cache gives the same changes; outside 1MiB-1TiB is refused" {
	git clone -q --bare "$FIX/hist" "$BATS_TEST_TMPDIR/packed"
	git -C "$BATS_TEST_TMPDIR/packed" repack -adfq --depth=50
	cf-revlist "$BATS_TEST_TMPDIR/packed" >"$BATS_TEST_TMPDIR/rev"
	cf-treediff "$BATS_TEST_TMPDIR/packed" <"$BATS_TEST_TMPDIR/rev" >"$BATS_TEST_TMPDIR/default"
	cf-treediff --delta-cache-size 1MiB "$BATS_TEST_TMPDIR/packed" <"$BATS_TEST_TMPDIR/rev" |
		cmp - "$BATS_TEST_TMPDIR/default"
	run cf-dump -t change <"$BATS_TEST_TMPDIR/default"
	assert_equal "${#lines[@]}" 112
	for bad in 1023KiB 2TiB; do
		run cf-treediff --delta-cache-size "$bad" "$FIX/hist"
		assert_failure 2
		assert_line --index 0 "cf-treediff: usage: --delta-cache-size: between 1MiB and 1TiB"
	done
}
