#!/usr/bin/env bats
# cf-revlist: the commits, their order and their fields equal what git
# rev-list and git log say about the same repository.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_history "$FIX/hist"
	make_merge_history "$FIX/merge"
}

# ids REPO [ARGS]...: the commit ids cf-revlist writes, one a line.
ids() {
	local repo=$1
	shift
	cf-revlist "$@" "$repo" | cf-dump -t commit | jq -r .id
}

# stream_field REPO FIELD [ARGS]...: one field of the stream record.
stream_field() {
	local repo=$1 field=$2
	shift 2
	cf-revlist "$@" "$repo" | cf-dump -t stream | jq -r ".$field"
}

@test "first-parent commits equal git rev-list --reverse --first-parent" {
	for repo in "$FIX/hist" "$FIX/merge"; do
		run ids "$repo"
		assert_success
		assert_output "$(git -C "$repo" rev-list --reverse --first-parent HEAD)"
	done
	run ids "$FIX/hist"
	assert_equal "${#lines[@]}" 64
	run ids "$FIX/merge"
	assert_equal "${#lines[@]}" 6
}

@test "--full-history equals git rev-list --reverse --topo-order" {
	run ids "$FIX/merge" --full-history
	assert_success
	assert_equal "${#lines[@]}" 9
	assert_output "$(git -C "$FIX/merge" rev-list --reverse --topo-order HEAD)"
	run stream_field "$FIX/merge" first_parent --full-history
	assert_output false
}

@test "the stream record: commits, head, range, tick size, t0, repo" {
	local head t0
	head=$(git -C "$FIX/hist" rev-parse HEAD)
	t0=$(git -C "$FIX/hist" log --reverse --format=%ct | head -n 1)
	run bash -c "cf-revlist '$FIX/hist' | cf-dump -t stream | jq -c '[.commits, .head, .range, .first_parent, .tick_size, .t0, .repo, .v]'"
	assert_success
	assert_output "[64,\"$head\",\"HEAD\",true,86400,$((t0 / 86400 * 86400)),\"$FIX/hist/.git\",1]"
	# the count is that of the records that follow, whatever the limits
	for args in "--max-count 5" "--skip 60" "--since @1690000000" "--until @1672653600"; do
		n=$(stream_field "$FIX/hist" commits $args)
		assert_equal "$n" "$(ids "$FIX/hist" $args | grep -c .)"
	done
}

@test "--max-count and --skip equal git's" {
	for args in "5 0" "5 3" "0 0" "100 0" "10 60" "3 64"; do
		set -- $args
		run ids "$FIX/hist" --max-count "$1" --skip "$2"
		assert_success
		assert_output "$(git -C "$FIX/hist" rev-list --reverse --first-parent \
			--max-count="$1" --skip="$2" HEAD)"
	done
	run ids "$FIX/hist" -n 3
	assert_equal "${#lines[@]}" 3
	run ids "$FIX/merge" --full-history --max-count 4 --skip 2
	assert_output "$(git -C "$FIX/merge" rev-list --reverse --topo-order \
		--max-count=4 --skip=2 HEAD)"
}

@test "--since and --until equal git's, on committer time" {
	local since until
	since=$(git -C "$FIX/hist" log -1 --format=%ct HEAD~40)
	until=$(git -C "$FIX/hist" log -1 --format=%ct HEAD~10)
	run ids "$FIX/hist" --since "@$since" --until "@$until"
	assert_success
	assert_equal "${#lines[@]}" 31
	assert_output "$(git -C "$FIX/hist" rev-list --reverse --first-parent \
		--since="@$since +0000" --until="@$until +0000" HEAD)"
	# one second later excludes HEAD~40, one second earlier HEAD~10
	run ids "$FIX/hist" --since "@$((since + 1))" --until "@$((until - 1))"
	assert_equal "${#lines[@]}" 29
	# the other date forms name the same instants
	run ids "$FIX/hist" --since "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)" \
		--until "$(date -u -d "@$until" +%Y-%m-%dT%H:%M:%S+00:00)"
	assert_equal "${#lines[@]}" 31
	run ids "$FIX/hist" --since "$(date -u -d "@$((since + 3600))" +%Y-%m-%dT%H:%M:%S+01:00)"
	assert_output "$(git -C "$FIX/hist" rev-list --reverse --first-parent \
		--since="@$since +0000" HEAD)"
	run ids "$FIX/hist" --since 2023-03-01 --until 2023-06-30
	assert_output "$(git -C "$FIX/hist" rev-list --reverse --first-parent \
		--since="2023-03-01 00:00:00 +0000" --until="2023-06-30 00:00:00 +0000" HEAD)"
	run ids "$FIX/merge" --full-history --since 2023-04-03 --skip 1
	assert_output "$(git -C "$FIX/merge" rev-list --reverse --topo-order \
		--since="2023-04-03 00:00:00 +0000" --skip=1 HEAD)"
}

@test "a malformed date is a usage error naming the flag" {
	for d in 2023-13-01 2023-02-30 yesterday @ @12x 2023-01-01T25:00:00 2023-01-01Zulu; do
		run cf-revlist --since "$d" "$FIX/hist"
		assert_failure 2
		assert_line --index 0 --partial "--since: not a date: '$d'"
	done
	run cf-revlist --until nope "$FIX/hist"
	assert_failure 2
	assert_line --index 0 --partial "--until: not a date: 'nope'"
}

@test "ranges, branches, tags and ids equal git's" {
	git -C "$FIX/merge" tag -f v1 HEAD~1 >/dev/null
	for range in HEAD~3..HEAD HEAD~2.. feature main v1 "$(git -C "$FIX/merge" rev-parse HEAD~2)" feature..main main..feature; do
		run bash -c "cf-revlist '$FIX/merge' '$range' | cf-dump -t commit | jq -r .id"
		assert_success
		assert_output "$(git -C "$FIX/merge" rev-list --reverse --first-parent "$range")"
		run bash -c "cf-revlist --full-history '$FIX/merge' '$range' | cf-dump -t commit | jq -r .id"
		assert_output "$(git -C "$FIX/merge" rev-list --reverse --topo-order "$range")"
	done
	run bash -c "cf-revlist '$FIX/merge' HEAD~2..HEAD | cf-dump -t stream | jq -r '.range + \" \" + .head'"
	assert_output "HEAD~2..HEAD $(git -C "$FIX/merge" rev-parse HEAD)"
}

@test "identities are resolved through .mailmap as git log %aN <%aE> does" {
	run bash -c "cf-revlist '$FIX/hist' | cf-dump -t commit | jq -r '.author + \" <\" + .email + \">\"'"
	assert_success
	assert_output "$(git -C "$FIX/hist" log --reverse --format='%aN <%aE>')"
	refute_output --partial "Alice Old"
	run bash -c "cf-revlist --no-mailmap '$FIX/hist' | cf-dump -t commit | jq -r '.author + \" <\" + .email + \">\"'"
	assert_output "$(git -C "$FIX/hist" log --reverse --format='%an <%ae>')"
	assert_output --partial "Alice Old <alice@old.example>"
}

@test "every form of mailmap line, mailmap.file and bare repositories follow git" {
	local r="$BATS_TEST_TMPDIR/mm"
	git_init "$r"
	cd "$r"
	commit_at "@1700000000 +0000" "Ann" "ann@a.example" one
	commit_at "@1700000100 +0000" "ann x" "ANN@A.example" two
	commit_at "@1700000200 +0000" "Bo" "bo@b.example" three
	commit_at "@1700000300 +0000" "Cy" "cy@c.example" four
	commit_at "@1700000400 +0000" "Cy Old" "cy@c.example" five
	commit_at "@1700000500 +0000" "Di" "di@d.example" six
	commit_at "@1700000600 +0000" "Ed" "ed@e.example" seven
	cat >.mailmap <<-'EOF'
	# a comment <not@an.entry>
	Ann Proper <ann@a.example> trailing junk is ignored
	<bo@proper.example> <bo@b.example>
	Cy New <cy@new.example> cy old <cy@c.example>
	Di Proper <di@proper.example> Di <di@d.example>
	Di Later <di@later.example> Di <di@d.example>
	EOF
	git add .mailmap
	commit_at "@1700000700 +0000" "Ann" "ann@a.example" mailmap
	run bash -c "cf-revlist . | cf-dump -t commit | jq -r '.author + \" <\" + .email + \">\"'"
	assert_output "$(git log --reverse --format='%aN <%aE>')"
	assert_line --index 0 "Ann Proper <ann@a.example>"
	assert_line --index 4 "Cy New <cy@new.example>"
	assert_line --index 5 "Di Later <di@later.example>"
	# mailmap.file is read after .mailmap, and wins
	echo "Ed Filed <ed@filed.example> <ed@e.example>" >"$BATS_TEST_TMPDIR/extra"
	git config mailmap.file "$BATS_TEST_TMPDIR/extra"
	run bash -c "cf-revlist . | cf-dump -t commit | jq -r '.author + \" <\" + .email + \">\"'"
	assert_line --index 6 "Ed Filed <ed@filed.example>"
	assert_output "$(git log --reverse --format='%aN <%aE>')"
	git config --unset mailmap.file
	# a bare repository reads HEAD:.mailmap, as git does
	git clone -q --bare "$r" "$r.git"
	run bash -c "cf-revlist '$r.git' | cf-dump -t commit | jq -r '.author + \" <\" + .email + \">\"'"
	assert_output "$(git -C "$r.git" log --reverse --format='%aN <%aE>')"
	assert_line --index 0 "Ann Proper <ann@a.example>"
}

@test "ticks: days from t0, the first commit's day; never decreasing" {
	local t0
	t0=$(git -C "$FIX/hist" log --reverse --format=%ct | head -n 1)
	t0=$((t0 / 86400 * 86400))
	run bash -c "cf-revlist '$FIX/hist' | cf-dump -t commit | jq -r '.tick'"
	assert_output "$(git -C "$FIX/hist" log --reverse --format=%ct | awk -v t0=$t0 '{ print int(($1 - t0) / 86400) }')"
	assert_line --index 63 418
	run bash -c "cf-revlist --tick-size 6 '$FIX/hist' | cf-dump | jq -r '.tick // .tick_size'"
	assert_line --index 0 21600
	assert_line --index 64 1674
	# a commit dated before its parent keeps its parent's tick
	local r="$BATS_TEST_TMPDIR/skew"
	git_init "$r"
	cd "$r"
	commit_at "2023-05-01 13:00:00 +0000" A a@x one
	commit_at "2023-05-06 01:00:00 +0000" A a@x two
	commit_at "2023-05-03 09:00:00 +0000" A a@x three
	commit_at "2023-05-09 23:59:59 +0000" A a@x four
	commit_at "2023-04-01 00:00:00 +0000" A a@x five
	run bash -c "cf-revlist . | cf-dump | jq -c '[.t0, .tick]'"
	assert_output "$(printf '%s\n' '[1682899200,null]' '[null,0]' '[null,5]' '[null,5]' '[null,8]' '[null,8]')"
}

@test "commit fields: tree, parents, times, time zone, n" {
	run bash -c "cf-revlist --full-history '$FIX/merge' | cf-dump -t commit | jq -r '[.n, .id, .tree, (.parents | join(\",\")), .time, .atime, .tz] | join(\" \")'"
	assert_success
	assert_output "$(git -C "$FIX/merge" log --reverse --topo-order --format='%ct %at %H %T %P' |
		awk '{ p = ""; for (i = 5; i <= NF; i++) p = p (i > 5 ? "," : "") $i; print NR - 1, $3, $4, p, $1, $2, 0 }')"
	run bash -c "cf-revlist '$FIX/hist' | cf-dump -t commit | jq -r .tz | sort -u"
	assert_output "$(printf '%s\n' -300 0 60)"
}

@test "a subdirectory of a work tree opens its repository" {
	run bash -c "cd '$FIX/hist/lib' && cf-revlist . | cf-dump -t stream | jq -r .repo"
	assert_success
	assert_output "$FIX/hist/.git"
}

@test "not a repository, no commits, unknown revision: one line, exit 1" {
	mkdir "$BATS_TEST_TMPDIR/plain"
	run cf-revlist "$BATS_TEST_TMPDIR/plain"
	assert_failure 1
	assert_output "cf-revlist: fatal: not a git repository: '$BATS_TEST_TMPDIR/plain'"
	git_init "$BATS_TEST_TMPDIR/empty"
	run cf-revlist "$BATS_TEST_TMPDIR/empty"
	assert_failure 1
	assert_output "cf-revlist: fatal: repository '$BATS_TEST_TMPDIR/empty' has no commits"
	run cf-revlist "$FIX/hist" nosuch
	assert_failure 1
	assert_output "cf-revlist: fatal: unknown revision 'nosuch'"
	run cf-revlist "$FIX/hist" HEAD~2..nosuch
	assert_failure 1
	assert_output "cf-revlist: fatal: unknown revision 'nosuch'"
	run cf-revlist "$FIX/hist" "HEAD:a.c"
	assert_failure 1
	assert_output "cf-revlist: fatal: revision 'HEAD:a.c' is not a commit"
	run cf-revlist "$FIX/hist" HEAD~2...HEAD
	assert_failure 2
	run cf-revlist
	assert_failure 2
	run cf-revlist "$FIX/hist" HEAD extra
	assert_failure 2
	run cf-revlist --max-count -1 "$FIX/hist"
	assert_failure 2
	assert_line --index 0 --partial "--max-count"
	run cf-revlist --tick-size 0 "$FIX/hist"
	assert_failure 2
}

@test "a shallow repository is refused unless --allow-shallow" {
	local s="$BATS_TEST_TMPDIR/shallow"
	git clone -q --depth 2 "file://$FIX/hist" "$s"
	run cf-revlist "$s"
	assert_failure 1
	assert_output "cf-revlist: fatal: repository '$s' is shallow: its history is incomplete (use --allow-shallow to analyse what is there)"
	run bash -c "cf-revlist --allow-shallow '$s' | cf-dump | jq -c '[.commits, .id, (.parents | length?)]'"
	assert_success
	assert_line --index 0 "[2,null,0]"
	assert_line --index 1 "[null,\"$(git -C "$FIX/hist" rev-parse HEAD~1)\",0]"
	assert_line --index 2 "[null,\"$(git -C "$FIX/hist" rev-parse HEAD)\",1]"
	assert_equal "${#lines[@]}" 3
	run bash -c "cf-revlist --allow-shallow '$s' | cf-dump -t commit | jq -r .id"
	assert_output "$(git -C "$s" rev-list --reverse --first-parent HEAD)"
}
