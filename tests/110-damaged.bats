#!/usr/bin/env bats
# Damaged and strange repositories: each gives the result git gives (burndown
# at HEAD against git blame, devs against git log --numstat) or a clear error
# naming the object; never a crash, a hang or shared memory left behind.

load test_helper

setup() {
	shm_snapshot
}

teardown() {
	assert_no_new_shm
}

# analyze REPO [G]: the pipeline with cf-burndown -g G (default 30) and
# cf-devs into $BATS_TEST_TMPDIR/out.bin, stderr in err; bounded in time.
# $revlist_opts are cf-revlist's options.
analyze() {
	timeout 300 bash -o pipefail -c 'cf-revlist $3 "$1" | cf-treediff "$1" |
		cf-blobload "$1" | cf-diff | cf-burndown -g "$2" | cf-devs' \
		analyze "$1" "${2:-30}" "${revlist_opts:-}" >"$BATS_TEST_TMPDIR/out.bin" 2>"$BATS_TEST_TMPDIR/err"
}

# result_py PYTHON: runs PYTHON with r = {analyzer: data} of out.bin.
result_py() {
	cf-dump -t result "$BATS_TEST_TMPDIR/out.bin" | python3 -c '
import json, sys
r = {d["analyzer"]: d["data"] for d in map(json.loads, sys.stdin)}
exec(sys.argv[1])' "$1"
}

# The last burndown row as "band count" lines, like blame_bands.
last_row() {
	result_py 'print("\n".join("%d %d" % (j, n) for j, n in enumerate(r["burndown"]["matrix"][-1]) if n))'
}

# The devs people as numstat_by_author prints them.
devs_people() {
	result_py '
for p in r["devs"]["people"]:
    print("%s <%s>\t%d\t%d\t%d" % (p["name"], p["email"], p["commits"], p["added"], p["removed"]))' |
		LC_ALL=C sort
}

# check_against_git REPO [G]: the pipeline succeeds and agrees with git.
check_against_git() {
	run analyze "$1" "${2:-30}"
	assert_success
	assert_equal "$(last_row)" "$(blame_bands "$1" "${2:-30}")"
	assert_equal "$(devs_people)" "$(numstat_by_author "$1" | LC_ALL=C sort)"
}

# small_repo DIR: three commits by Alice and Bob over two months.
small_repo() {
	git_init "$1"
	(
	cd "$1" || exit 1
	printf 'one\ntwo\nthree\n' >a.txt
	printf 'int x;\n' >b.c
	git add -A && commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com first || exit 1
	printf 'one\n2\nthree\nfour\n' >a.txt
	git add -A && commit_at "2023-02-02 10:00:00 +0000" Bob bob@example.com second || exit 1
	printf 'int x;\nint y;\n' >b.c
	git add -A && commit_at "2023-03-02 10:00:00 +0000" Alice alice@example.com third
	)
}

@test "a missing blob (a deleted loose object): exit 1 naming the object" {
	local repo=$BATS_TEST_TMPDIR/r oid
	small_repo "$repo"
	oid=$(git -C "$repo" rev-parse HEAD~1:a.txt)
	rm "$repo/.git/objects/${oid:0:2}/${oid:2}"
	run analyze "$repo"
	assert_failure 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial "cf-blobload: "
	assert_output --partial "$oid"
}

@test "a corrupt pack (bytes of a blob's data flipped): exit 1 naming the object" {
	local repo=$BATS_TEST_TMPDIR/r oid pack off
	small_repo "$repo"
	git -C "$repo" repack -q -a -d
	oid=$(git -C "$repo" rev-parse HEAD:a.txt)
	pack=$(ls "$repo"/.git/objects/pack/*.pack)
	off=$(git verify-pack -v "${pack%.pack}.idx" | awk -v o="$oid" '$1 == o { print $5 }')
	[[ -n $off ]]
	# The entry's header is 1-2 bytes, then its zlib stream: break the stream.
	chmod u+w "$pack"
	printf '\377\377\377\377' | dd of="$pack" bs=1 seek=$((off + 4)) conv=notrunc status=none
	run analyze "$repo"
	assert_failure 1
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "cf-(treediff|blobload): .*$oid"
}

@test "a shallow clone: refused, or with --allow-shallow the history it has, as git sees it" {
	local repo=$BATS_TEST_TMPDIR/full
	make_history "$repo" >/dev/null
	git clone -q --depth 5 "file://$repo" "$BATS_TEST_TMPDIR/shallow"
	[[ -f $BATS_TEST_TMPDIR/shallow/.git/shallow ]]
	run analyze "$BATS_TEST_TMPDIR/shallow"
	assert_failure 1
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" \
		"cf-revlist: fatal: repository '$BATS_TEST_TMPDIR/shallow' is shallow: its history is incomplete (use --allow-shallow to analyse what is there)"
	revlist_opts=--allow-shallow check_against_git "$BATS_TEST_TMPDIR/shallow"
	assert_equal "$(result_py 'print(r["devs"]["commits"])')" 5
}

@test "a submodule: the gitlink is not a file; the rest as git sees it" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$BATS_TEST_TMPDIR/sub"
	small_repo "$repo"
	(
	cd "$repo"
	git -c protocol.file.allow=always submodule add -q "$BATS_TEST_TMPDIR/sub" sub
	commit_at "2023-03-05 10:00:00 +0000" Bob bob@example.com "add sub"
	git -C sub reset -q --hard HEAD~1
	git add sub && commit_at "2023-03-06 10:00:00 +0000" Bob bob@example.com "move sub"
	)
	run analyze "$repo"
	assert_success
	assert_equal "$(last_row)" "$(blame_bands "$repo" 30)"
	# .gitmodules is the only file the two commits add: 3 lines.
	assert_equal "$(result_py 'print(r["devs"]["commits"], r["devs"]["added"])')" "5 10"
}

@test "Git LFS pointer files are small text files" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	printf '*.bin filter=lfs diff=lfs merge=lfs -text\n' >.gitattributes
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%064d\nsize 1048576\n' 1 >big.bin
	git add -A && commit_at "2023-03-10 10:00:00 +0000" Bob bob@example.com lfs
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%064d\nsize 2097152\n' 2 >big.bin
	git add -A && commit_at "2023-04-10 10:00:00 +0000" Alice alice@example.com "lfs 2"
	)
	check_against_git "$repo"
}

@test "a 100 MB text file: right counts, bounded memory" {
	local repo=$BATS_TEST_TMPDIR/r rss
	git_init "$repo"
	# 1,600,000 lines of 64 bytes, then 10 lines appended, 2 replaced.
	awk 'BEGIN { for (i = 0; i < 1600000; i++) printf "%-63d\n", i }' >"$repo/big.txt"
	# Uncompressed objects: zlib would take most of the test's time.
	git -C "$repo" config core.looseCompression 0
	(cd "$repo" && git add big.txt && commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com big)
	[[ $(stat -c %s "$repo/big.txt") -eq 102400000 ]]
	sed -i -e '1000s/$/x/' -e '900000s/$/y/' "$repo/big.txt"
	seq 10 >>"$repo/big.txt"
	(cd "$repo" && git add big.txt && commit_at "2023-03-02 10:00:00 +0000" Bob bob@example.com more)
	run /usr/bin/time -f 'rss %M' -o "$BATS_TEST_TMPDIR/time" bash -c \
		'cf-revlist "$1" | cf-treediff "$1" | cf-blobload -j 1 "$1" | cf-diff -j 1 >"$2"' \
		big "$repo" "$BATS_TEST_TMPDIR/diff.bin"
	assert_success
	cf-burndown <"$BATS_TEST_TMPDIR/diff.bin" | cf-devs >"$BATS_TEST_TMPDIR/out.bin"
	assert_equal "$(last_row)" "$(printf '0 1599998\n1 12')"
	# git log --numstat's numbers, known here without its minute of diffing.
	assert_equal "$(devs_people)" "$(printf 'Alice <alice@example.com>\t1\t1600000\t0\nBob <bob@example.com>\t1\t12\t2')"
	# Two 100 MB versions in memory at most, a few times over: not more.
	rss=$(awk '/^rss/ { print $2 }' "$BATS_TEST_TMPDIR/time")
	[[ $rss -lt 1500000 ]] || fail "peak RSS of a stage: $rss KiB"
}

@test "a file turning from binary into text and back" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	printf 'bin\0ary\n' >f && git add f && commit_at "2023-04-01 10:00:00 +0000" Bob bob@example.com bin
	printf 'now\ntext\n' >f && git add f && commit_at "2023-05-01 10:00:00 +0000" Alice alice@example.com text
	printf 'now\ntext\nmore\n' >f && git add f && commit_at "2023-05-02 10:00:00 +0000" Bob bob@example.com more
	printf 'again\0bin\n' >f && git add f && commit_at "2023-06-01 10:00:00 +0000" Bob bob@example.com bin2
	printf 'text\n' >f && git add f && commit_at "2023-07-01 10:00:00 +0000" Alice alice@example.com text2
	)
	check_against_git "$repo"
}

@test "invalid UTF-8 in paths, names and messages: counted; JSON stays valid" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	printf 'x\ny\n' >$'caf\xe9.txt'
	git add -A && commit_at "2023-04-01 10:00:00 +0000" $'Ren\xe9' rene@example.com $'bad \xc3\x28 message'
	printf 'x\n' >$'caf\xe9.txt'
	git add -A && commit_at "2023-04-02 10:00:00 +0000" $'\xff\xfe' odd@example.com $'\xff'
	)
	run analyze "$repo"
	assert_success
	assert_equal "$(last_row)" "$(blame_bands "$repo" 30)"
	# Names are not comparable (JSON has no invalid UTF-8): the sums are.
	assert_equal "$(result_py 'print(r["devs"]["commits"], r["devs"]["added"], r["devs"]["removed"])')" \
		"$(numstat_by_author "$repo" | awk -F '\t' '{ c += $2; a += $3; d += $4 } END { print c, a, d }')"
	run bash -c 'cf-reduce -f json <"$1" | python3 -c "import json, sys; json.load(sys.stdin)"' \
		json "$BATS_TEST_TMPDIR/out.bin"
	assert_success
}

@test "CRLF files and files without a final newline count as git counts" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	printf 'a\r\nb\r\nc\r\n' >crlf.txt
	printf 'a\nb\nno end' >noeol.txt
	git add -A && commit_at "2023-04-01 10:00:00 +0000" Bob bob@example.com crlf
	printf 'a\r\nB\r\nc\r\nd' >crlf.txt
	printf 'a\nb\nno end\n' >noeol.txt
	git add -A && commit_at "2023-05-01 10:00:00 +0000" Alice alice@example.com edit
	printf 'a\nb\nno end\nstill none' >noeol.txt
	git add -A && commit_at "2023-05-03 10:00:00 +0000" Alice alice@example.com edit2
	)
	check_against_git "$repo" 7
}

@test "commit dates out of order and in the future; time zones +0545, -0930, +1400" {
	local repo=$BATS_TEST_TMPDIR/r
	git_init "$repo"
	(
	cd "$repo"
	printf '1\n2\n3\n' >a.txt && git add -A && commit_at "2023-03-01 10:00:00 +0545" Alice alice@example.com one
	printf '1\n2\n3\n4\n' >a.txt && git add -A && commit_at "2023-06-01 10:00:00 -0930" Bob bob@example.com two
	printf '0\n1\n2\n3\n4\n' >a.txt && git add -A && commit_at "2023-04-01 10:00:00 +0000" Alice alice@example.com back
	printf '0\n1\n2\n3\n4\n5\n' >a.txt && git add -A && commit_at "2099-01-01 00:00:00 +1400" Bob bob@example.com future
	)
	run bash -c 'cf-revlist "$1" | cf-dump -t commit | python3 -c "
import json, sys
for c in map(json.loads, sys.stdin): print(c[\"tz\"], c[\"tick\"])"' tz "$repo"
	assert_success
	# Minutes east of UTC; days since the first commit, never smaller than
	# the previous commit's (cf-records(5)): "back" is in tick 92, not 31.
	assert_output "$(printf '345 0\n-570 92\n0 92\n840 27699')"
	# So git blame's band of "0" (1) is not ours (3); the rest is.
	run analyze "$repo"
	assert_success
	assert_equal "$(last_row)" "$(printf '0 3\n3 2\n923 1')"
	assert_equal "$(devs_people)" "$(numstat_by_author "$repo" | LC_ALL=C sort)"
}

@test "an empty commit counts as a commit without lines" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(cd "$repo" && git commit -q --allow-empty -m empty --date "2023-04-01 10:00:00 +0000")
	check_against_git "$repo"
	assert_equal "$(result_py 'print(r["devs"]["commits"])')" 4
}

@test "several root commits joined by merges" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	git checkout -q --orphan other
	git rm -q -r -f .
	printf 'o1\no2\n' >o.txt && git add o.txt && commit_at "2023-01-20 10:00:00 +0000" Bob bob@example.com "other root"
	git checkout -q --orphan third
	git rm -q -r -f .
	printf 't1\n' >t.txt && git add t.txt && commit_at "2023-02-20 10:00:00 +0000" Carol carol@example.com "third root"
	git checkout -q main
	GIT_AUTHOR_DATE="2023-04-01 10:00:00 +0000" GIT_COMMITTER_DATE="2023-04-01 10:00:00 +0000" \
		git merge -q --allow-unrelated-histories -m "join other" other
	GIT_AUTHOR_DATE="2023-05-01 10:00:00 +0000" GIT_COMMITTER_DATE="2023-05-01 10:00:00 +0000" \
		git merge -q --allow-unrelated-histories -m "join third" third
	)
	check_against_git "$repo"
}

@test "a commit touching 20,000 files" {
	local repo=$BATS_TEST_TMPDIR/r
	git_init "$repo"
	awk 'BEGIN {
		for (c = 0; c < 2; c++) {
			printf "commit refs/heads/main\ncommitter %s %d +0000\ndata 2\nc%d\n",
				c ? "Bob <bob@example.com>" : "Alice <alice@example.com>", 1672653600 + c * 40 * 86400, c
			for (i = 0; i < 20000; i++) {
				body = sprintf("file %d\n%s %d\nend\n", i, c ? "changed" : "line", i)
				printf "M 644 inline d%02d/f%05d.txt\ndata %d\n%s\n", i % 100, i, length(body), body
			}
		}
	}' | git -C "$repo" fast-import --quiet
	run analyze "$repo"
	assert_success
	assert_equal "$(last_row)" "$(printf '0 40000\n1 20000')"
	assert_equal "$(devs_people)" "$(numstat_by_author "$repo" | LC_ALL=C sort)"
	assert_equal "$(result_py 'print(r["burndown"]["files"])')" 20000
}

@test "paths with newlines, spaces, quotes and backslashes" {
	local repo=$BATS_TEST_TMPDIR/r
	small_repo "$repo"
	(
	cd "$repo"
	mkdir 'dir with space'
	printf 'a\nb\n' >$'dir with space/new\nline.txt'
	printf 'q\n' >'dir with space/"quoted" \back.c'
	printf 's\n' >' leading space'
	git add -A && commit_at "2023-04-01 10:00:00 +0000" Bob bob@example.com odd
	printf 'a\nB\nc\n' >$'dir with space/new\nline.txt'
	git add -A && commit_at "2023-04-02 10:00:00 +0000" Alice alice@example.com odd2
	)
	check_against_git "$repo"
	run bash -c 'cf-revlist "$1" | cf-treediff "$1" | cf-dump -t change | grep -c "new\\\\nline"' p "$repo"
	assert_output 2
}
