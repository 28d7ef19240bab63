#!/usr/bin/env bats
# Streaming mode's barriers, analyzer states and cf-run's checkpoints: a run
# cut into chunks, or killed and resumed, gives the same bytes as one that
# was not.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	make_history "$REPO"
}

# stages REVLIST-OPTIONS...: the stages before the analyzers.
stages() {
	cf-revlist "$@" "$REPO" | cf-treediff "$REPO" | cf-blobload "$REPO" | cf-diff
}

@test "cf-revlist --count prints the number of commits" {
	run cf-revlist --count "$REPO"
	assert_success
	assert_output 64
	run cf-revlist --count -n 5 "$REPO"
	assert_output 5
}

@test "cf-revlist --chunk-size writes numbered barriers, none at the end" {
	run bash -c "cf-revlist --chunk-size 16 '$REPO' | cf-dump | grep -c '\"t\":\"barrier\"'"
	assert_output 3
	run bash -c "cf-revlist --chunk-size 16 '$REPO' | cf-dump | grep '\"t\":\"barrier\"' | head -1"
	assert_output --partial '"chunk":0,"commits":16'
	run bash -c "cf-revlist --chunk-size 8 --resume-after 48 '$REPO' | cf-dump | grep -c '\"t\":\"commit\"'"
	assert_output 16
	run bash -c "cf-revlist --chunk-size 8 --resume-after 48 '$REPO' | cf-dump | grep '\"t\":\"barrier\"'"
	assert_output --partial '"chunk":6,"commits":56'
}

@test "cf-revlist --resume-after keeps positions and ticks of the whole walk" {
	full=$(cf-revlist "$REPO" | cf-dump | grep '"t":"commit"' | tail -10)
	part=$(cf-revlist --resume-after 54 "$REPO" | cf-dump | grep '"t":"commit"')
	[[ $full == "$part" ]]
	run cf-revlist --resume-after 65 "$REPO"
	assert_failure 1
	assert_output --partial "the walk has only 64 commits"
}

@test "cf-devs: saved on every barrier, resumed from any chunk, same result" {
	(set -o pipefail; stages | cf-devs | cf-reduce) >full.json
	(set -o pipefail; stages --chunk-size 10 | cf-devs --state-dir st | cf-reduce) >chunked.json
	cmp full.json chunked.json
	run ls st
	assert_output "$(printf 'chunk-%d.state\n' 0 1 2 3 4 5)"
	for c in 0 2 5; do
		(set -o pipefail; stages --chunk-size 10 --resume-after $(((c + 1) * 10)) |
			cf-devs --resume st/chunk-$c.state | cf-reduce) >resumed.json
		cmp full.json resumed.json
	done
}

@test "cf-reduce --barrier-fd reports each barrier that reaches it" {
	(set -o pipefail; stages --chunk-size 30 | cf-devs | cf-reduce --barrier-fd 7 7>bar >/dev/null)
	run cut -d' ' -f1-4 bar
	assert_output "$(printf 'chunk 0 commits 30\nchunk 1 commits 60')"
	run cf-reduce --barrier-fd 9 </dev/null
	assert_failure 2
	assert_output --partial "--barrier-fd: 9 is not an open file descriptor"
}

@test "a state file is checked: analyzer, schema, commits, contents" {
	(set -o pipefail; stages --chunk-size 20 | cf-devs --state-dir st >/dev/null)
	run bash -c "cf-revlist --resume-after 20 '$REPO' | cf-devs --resume st/chunk-1.state >/dev/null"
	assert_failure 3
	assert_output --partial "where the resumed state expects commit 40"
	printf '\x82\xa1t\xa5state\xa1v\x01' >bad.state
	run cf-devs --resume bad.state </dev/null
	assert_failure 3
	assert_output --partial "state file 'bad.state': not a state of the analyzer 'devs'"
	run cf-devs --resume missing.state </dev/null
	assert_failure 1
	assert_output --partial "cannot open the state file 'missing.state'"
	head -c 100 st/chunk-0.state >cut.state
	run cf-devs --resume cut.state </dev/null
	assert_failure 3
}

@test "a state directory that cannot be written is a runtime error naming it" {
	run bash -c "set -o pipefail; cf-revlist --chunk-size 20 '$REPO' | cf-treediff '$REPO' |
		cf-blobload '$REPO' | cf-diff | cf-devs --state-dir /dev/null/st >/dev/null"
	assert_failure 1
	assert_output --partial "cannot create the state directory '/dev/null/st'"
}
