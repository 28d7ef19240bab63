#!/usr/bin/env bats
# Streaming mode's barriers, analyzer states and cf-run's checkpoints: a run
# cut into chunks, or killed and resumed, gives the same bytes as one that
# was not.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

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

# --- cf-run: checkpoints after each chunk, resume after a crash -------------

# run_history ANALYZERS [OPTIONS...]: streaming on, chunks of 40 commits, checkpoints in cp
run_history() {
	local a=$1
	shift
	CF_CHUNK_SIZE=40 cf-run history --streaming-mode=on --checkpoint-dir cp -a "$a" "$@" "$GEN"
}

gen() {
	export GEN="$BATS_FILE_TMPDIR/gen"
	[[ -d $GEN ]] || "$BATS_TEST_DIRNAME/../bench/genrepo" -n 250 -f 25 -s 9 "$GEN"
}

analyzers() {	# the analyzers that save state here
	local a=devs
	cf-burndown -h | grep -q -- --state-dir && a=burndown,$a
	cf-couples -h 2>/dev/null | grep -q -- --state-dir && a=$a,couples
	cf-file-history -h 2>/dev/null | grep -q -- --state-dir && a=$a,file-history
	echo "$a"
}

@test "cf-run: killed after chunk 1, 2 or 5 and resumed: the same bytes as one run" {
	gen
	a=$(analyzers)
	cf-run history --streaming-mode=off -a "$a" "$GEN" >full.json
	for c in 0 1 4; do
		CF_TEST_CRASH_AFTER_CHUNK=$c run run_history "$a"
		assert_failure 137
		run cat cp/*/checkpoint.json
		assert_line "  \"chunk\": $c,"
		assert_line "  \"commits_done\": $(((c + 1) * 40)),"
		assert_line "  \"analyzers\": \"$a\","
		# the chunk the checkpoint names is kept, older ones are gone (the
		# analyzers may have saved later ones before the crash)
		run bash -c "ls cp/*/analyzer_0 | head -1"
		assert_output "chunk-$c.state"
		run --separate-stderr run_history "$a"
		assert_success
		assert_line --index 0 '{'
		[[ $stderr == *"streaming: resuming after chunk $((c + 1))/7 ($(((c + 1) * 40)) commits done)"* ]]
		diff full.json <(printf '%s\n' "$output")
		# success clears the checkpoint
		run find cp -type f
		assert_output ""
	done
}

@test "cf-run: SIGKILL at random moments, then resumed: the same bytes" {
	gen
	cf-run history --streaming-mode=off -a devs "$GEN" >full.json
	for delay in 0.05 0.2 0.4 0.7; do
		CF_CHUNK_SIZE=20 setsid cf-run history --streaming-mode=on --checkpoint-dir cp \
			-a devs -o out.json "$GEN" 2>/dev/null &
		pid=$!
		sleep "$delay"
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" || true
		# whatever got saved, the next run finishes the work and agrees
		CF_CHUNK_SIZE=20 timeout 60 cf-run history --streaming-mode=on --checkpoint-dir cp \
			-a devs -o out.json "$GEN" 2>/dev/null
		cmp full.json out.json
		rm -f out.json
	done
}

@test "cf-run: a checkpoint of another analyzer set, head or option is ignored, with a message" {
	gen
	cf-run history --streaming-mode=off -a devs "$GEN" >devs.json
	CF_TEST_CRASH_AFTER_CHUNK=1 run run_history devs
	assert_failure 137
	if cf-burndown -h | grep -q -- --state-dir; then
		run --separate-stderr run_history burndown,devs
		assert_success
		[[ $stderr == "cf-run: checkpoint ignored: analyzer set differs (devs vs burndown,devs)"* ]]
		CF_TEST_CRASH_AFTER_CHUNK=1 run run_history devs
	fi
	run --separate-stderr run_history devs --tick-size 12
	assert_success
	[[ $stderr == "cf-run: checkpoint ignored: options differ (cf-revlist $GEN |"*"vs cf-revlist --tick-size 12 $GEN |"* ]]
	CF_TEST_CRASH_AFTER_CHUNK=1 run run_history devs
	run --separate-stderr run_history devs --range HEAD~1
	[[ $stderr == *"checkpoint ignored: head commit differs"* ]]
	CF_TEST_CRASH_AFTER_CHUNK=1 run run_history devs
	run --separate-stderr run_history devs --resume=false
	assert_success
	[[ $stderr == "cf-run: checkpoint ignored: --resume=false"* ]]
	diff devs.json <(printf '%s\n' "$output")
}

@test "cf-run: --clear-checkpoint starts afresh; --checkpoint=false saves nothing" {
	gen
	CF_TEST_CRASH_AFTER_CHUNK=2 run run_history devs
	assert_failure 137
	run --separate-stderr run_history devs --clear-checkpoint
	assert_success
	[[ $stderr != *resuming* ]]
	[[ $stderr == "streaming: processing 250 commits in 7 chunks"* ]]
	run find cp -type f
	assert_output ""
	CF_TEST_CRASH_AFTER_CHUNK=2 run run_history devs --checkpoint=false
	assert_success
	run find cp -type f
	assert_output ""
}

@test "cf-run: a checkpoint directory that cannot be written is an error before anything runs" {
	gen
	touch file
	run run_history devs --checkpoint-dir file/cp
	assert_failure 1
	assert_output --partial "cf-run: fatal: cannot write checkpoints in 'file/cp/"
	refute_output --partial "streaming: processing"
	if ((EUID)); then
		mkdir ro && chmod 555 ro
		run run_history devs --checkpoint-dir ro
		assert_failure 1
		assert_output --partial "cannot write checkpoints in 'ro/"
	fi
}

@test "cf-run: a damaged checkpoint.json is ignored, never trusted" {
	gen
	CF_TEST_CRASH_AFTER_CHUNK=1 run run_history devs
	sed -i 's/"chunk_size": 40/"chunk_size": forty/' cp/*/checkpoint.json
	cf-run history --streaming-mode=off -a devs "$GEN" >devs.json
	run --separate-stderr run_history devs
	assert_success
	[[ $stderr == "cf-run: checkpoint ignored: 'cp/"*"/checkpoint.json' is damaged"* ]]
	diff devs.json <(printf '%s\n' "$output")
}
