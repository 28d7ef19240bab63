#!/usr/bin/env bats
# cf-reduce merging the results of several repositories: the merge of three
# repositories equals the analysis of one repository whose history is their
# union under a/, b/ and c/ (paths "a/x" there are "a:x" in the merge), and
# the merge is associative and independent of the order, byte for byte.

load test_helper

GENREPO=$BATS_TEST_DIRNAME/../bench/genrepo

# analyse REPO: every mergeable analyzer, calendar bands of 7 days sampled
# every 5, on standard output as msgpack.
analyse() {
	pipeline "$1" "cf-burndown --calendar -g 7 -s 5 --burndown-files --burndown-people" \
		cf-devs cf-couples cf-file-history "cf-reduce --quiet -f msgpack"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	"$GENREPO" -n 40 -f 8 -a 3 -s 11 g1 >/dev/null
	"$GENREPO" -n 30 -f 6 -a 4 -s 12 g2 >/dev/null
	"$GENREPO" -n 25 -f 5 -a 2 -s 13 g3 >/dev/null
	# three starts: 2020-01-01, 45 and 100 days later
	replay g1 a 0
	replay g2 b 3888000
	replay g3 c 8640000
	union u a b c
	for r in a b c u; do
		analyse "$r" > "$r.mp"
	done
	cf-reduce -f json u.mp > u.json
	cf-reduce -f json a.mp b.mp c.mp > m.json
}

setup() {
	cd "$BATS_FILE_TMPDIR"
}

# jq: the union's "x/path" as the merge's "x:path".
Q='def q: sub("^(?<r>[abc])/"; "\(.r):");'

@test "merge: devs of three repositories equal the devs of their union" {
	run jq -e --slurpfile u u.json '.devs == $u[0].devs' m.json
	assert_success
	# people unified across repositories: Dev 0 and Dev 1 work in all three
	run jq -r '.devs | "\(.commits) \(.people | length) \(.people[0].name) \(.t0)"' m.json
	assert_output "95 4 Dev 0 1577836800"
}

@test "merge: couples equal the union's, paths qualified by repository" {
	run jq -e --slurpfile u u.json "$Q"'
		($u[0].couples | .files |= map(q) | .top |= map(.file1 |= q | .file2 |= q))
		== .couples' m.json
	assert_success
	run jq -r '.couples | "\(.commits) \(.files | length) \(.files[0]) \(.matrix | length)"' m.json
	assert_output "95 19 a:file0.c 21"
}

@test "merge: file-history equals the union's, commits and per-file data kept" {
	git -C u log --format='%H %s' | awk '{ print "\"" $1 "\": \"" $3 "\"" }' |
		paste -sd, | sed 's/^/{/; s/$/}/' > ids.json
	run jq -e --slurpfile u u.json --slurpfile ids ids.json "$Q"'
		($u[0]."file-history" | .files |= map(.path |= q | .commits |= map($ids[0][.]))
			| .hotspots |= map(.path |= q)) == ."file-history"' m.json
	assert_success
	# every commit of every file is there: the sum equals git's count of file changes
	run jq '[."file-history".files[].commits | length] | add' m.json
	local want
	want=$(for r in a b c; do git -C $r log --first-parent --format= --name-only; done |
		grep -c .)
	assert_output "$want"
}

@test "merge: burndown per calendar band equals the union's" {
	run jq -e --slurpfile u u.json "$Q"'
		def core: {granularity, sampling, tick_size, t0, last_tick, samples, bands,
			   commits, files, lines, resyncs, renames, band_start, matrix,
			   deleted_burndown};
		($u[0].burndown | core) == (.burndown | core)
		and ($u[0].burndown.file_burndown | map(.path |= q)) == .burndown.file_burndown' m.json
	assert_success
	# t0 is on a 35-day boundary from the epoch (lcm of 7 and 5 days)
	run jq -r '.burndown | "\(.t0 % (35 * 86400)) \(.t0) \(.samples) \(.bands) \(.lines)"' m.json
	assert_output "0 1575504000 27 19 909"
	# people by name: what each wrote, and their ownership, as the union says
	run jq -e --slurpfile u u.json "$Q"'
		def byname($b): [range($b.people | length) as $i |
			{($b.people[$i].name): [$b.written[$i], $b.people_burndown[$i]]}] | add;
		def owners($b): [$b.ownership[] | {(.path | q):
			[.owners | _nwise(2) | {($b.people[.[0]].name): .[1]}] | add}] | add;
		byname($u[0].burndown) == byname(.burndown)
		and owners($u[0].burndown) == owners(.burndown)' m.json
	assert_success
}

@test "merge: associative and order-independent, byte for byte" {
	merges_agree
	# and the merged header lists the repositories by name
	run jq -c '.codefang | [.merged, .commits, [.repositories[].name]]' m.json
	assert_output '[true,95,["a","b","c"]]'
}

@test "merge: --name renames a repository for the merge" {
	cf-reduce --name x -f msgpack < a.mp > x.mp
	run cf-reduce -f json x.mp a.mp
	assert_success
	run jq -r '[.couples.files[] | split(":")[0]] | unique | join(" ")' <<<"$output"
	assert_output "a x"
	run cf-reduce --name x a.mp b.mp
	assert_failure 1
	assert_output --partial "--name: the input holds the results of several repositories"
	run cf-reduce --name a:b a.mp
	assert_failure 2
}

@test "merge: refusals name what cannot be merged" {
	run cf-reduce a.mp a.mp
	assert_failure 3
	assert_output --partial "the repository 'a' is in two inputs"
	# bands that do not line up: burndown without --calendar
	pipeline a "cf-burndown -g 7 -s 5" "cf-reduce --quiet -f msgpack" > a0.mp
	pipeline b "cf-burndown -g 7 -s 5" "cf-reduce --quiet -f msgpack" > b0.mp
	run cf-reduce a0.mp b0.mp
	assert_failure 3
	assert_output --partial "cannot merge the 'burndown' result"
	assert_output --partial "run cf-burndown with --calendar"
	# another granularity
	pipeline b "cf-burndown --calendar -g 14 -s 5" "cf-reduce --quiet -f msgpack" > b1.mp
	run cf-reduce a.mp b1.mp
	assert_failure 3
	assert_output --partial "its granularity 14 differs from the 7"
	# an analyzer without a merge rule
	printf '\x85\xa1t\xa6result\xa1v\x01\xa8analyzer\xa3foo\xa6schema\x01\xa4data\x80' > foo.mp
	run cf-reduce foo.mp foo.mp
	assert_failure 1
	assert_output --partial "cannot merge the results of analyzer 'foo'"
	# one repository alone is not merged: its document is unchanged
	run cf-reduce -f json a.mp
	assert_success
	run jq -r '.couples.files[0]' <<<"$output"
	assert_output "file0.c"
}
