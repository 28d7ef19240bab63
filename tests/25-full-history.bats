#!/usr/bin/env bats
# Full history: merges have no changes (git log --no-merges), every other
# commit its diff against its only parent; devs equal git log --no-merges
# --numstat per author; burndown stays first-parent.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_merge_history "$FIX/merge"
}

@test "cf-treediff: merges without changes, the others against their parent" {
	run bash -c "cf-revlist --full-history '$FIX/merge' | cf-treediff '$FIX/merge' | cf-dump -t commit -t change |
		jq -r 'if .t == \"commit\" then \"@\(.id)\" else \"\(.s)\t\(.path)\" end'"
	assert_success
	assert_output "$(git -C "$FIX/merge" log --reverse --topo-order --name-status --format=@%H | grep -v '^$')"
	[ "$(grep -c '^@' <<<"$output")" = 9 ]
}

@test "devs in full-history mode equal git log --no-merges --numstat per author" {
	run bash -c "set -o pipefail; cf-revlist --full-history '$FIX/merge' | cf-treediff '$FIX/merge' |
		cf-blobload '$FIX/merge' | cf-diff | cf-devs | cf-dump -t result |
		jq -r '.data.people[] | \"\(.name) <\(.email)>\t\(.commits)\t\(.added)\t\(.removed)\"' | sort"
	assert_success
	assert_output "$(git -C "$FIX/merge" log --no-merges --numstat --format='@%aN <%aE>' |
		awk -F '\t' '/^@/ { who = substr($0, 2); c[who]++; a[who] += 0; d[who] += 0; next }
			NF == 3 { if ($1 != "-") a[who] += $1; if ($2 != "-") d[who] += $2 }
			END { for (w in c) printf "%s\t%d\t%d\t%d\n", w, c[w], a[w], d[w] }' | sort)"
	assert_line $'Bob <bob@example.com>\t3\t17\t2'
	# first-parent mode still counts merges, as git log --first-parent does
	run bash -c "set -o pipefail; cf-revlist '$FIX/merge' | cf-treediff '$FIX/merge' |
		cf-blobload '$FIX/merge' | cf-diff | cf-devs | cf-dump -t result | jq -r '\"\(.data.commits) \(.data.merges)\"'"
	assert_output '6 2'
}

@test "cf-run: --full-history reaches cf-revlist; burndown refuses it" {
	run cf-run history --dry-run -a devs --full-history "$FIX/merge"
	assert_success
	assert_output --partial "cf-revlist --full-history $FIX/merge | cf-treediff $FIX/merge |"
	run cf-run history -a devs --full-history "$FIX/merge"
	assert_success
	[ "$(jq -r '"\(.devs.commits) \(.devs.merges) \(.codefang.first_parent)"' <<<"$output")" = "7 0 false" ]
	run cf-run history -a burndown,devs --full-history "$FIX/merge"
	assert_failure 2
	assert_output --partial 'burndown follows first parents only'
}
