#!/usr/bin/env bats
# Faults around the stages: a full output device, a consumer that goes away,
# signals to cf-run, any one stage killed, and a checkpoint directory that is
# read-only or full.  Each ends in a clear error or a quiet exit, never in a
# hang, a partial document, a process left running or shared memory left.

load test_helper

setup_file() {
	local d=$BATS_FILE_TMPDIR
	export REPO=$d/repo
	# 2000 commits of one appended line each, in 20 files, by two authors:
	# every stage writes far more than a pipe holds.
	git_init "$REPO"
	awk 'BEGIN {
		for (c = 0; c < 2000; c++) {
			printf "commit refs/heads/main\ncommitter %s %d +0000\ndata 5\nc%04d\n",
				c % 3 ? "Bob <bob@example.com>" : "Alice <alice@example.com>", 1672653600 + c * 7200, c
			f = c % 20
			body[f] = body[f] sprintf("line %d of file %d\n", c, f)
			printf "M 644 inline src/f%02d.c\ndata %d\n%s\n", f, length(body[f]), body[f]
		}
	}' | git -C "$REPO" fast-import --quiet
	git -C "$REPO" reset -q --hard
	# Each stage's input, blobs inline so that cf-diff can read a file.
	cf-revlist "$REPO" >"$d/rev"
	cf-treediff "$REPO" <"$d/rev" >"$d/td"
	cf-blobload --blob-arena-size 0 "$REPO" <"$d/td" >"$d/bl"
	cf-diff <"$d/bl" >"$d/diff"
	cf-devs <"$d/diff" >"$d/devs"
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
	shm_snapshot
}

teardown() {
	unmount_all
	assert_no_new_shm
}

# Every stage and tool that writes to standard output, with its input.
commands() {
	cat <<EOF
cf-revlist $REPO
cf-treediff $REPO <rev
cf-blobload $REPO <td
cf-blobload --blob-arena-size 0 $REPO <td
cf-diff <bl
cf-burndown <diff
cf-devs <diff
cf-couples <td
cf-file-history <diff
cf-reduce -f json <devs
cf-reduce -f msgpack <devs
cf-dump <rev
cf-run history -a burndown,devs $REPO
EOF
}

@test "standard output on /dev/full: every stage exits 1 with one 'write failure' line" {
	local cmd tool
	while IFS= read -r cmd; do
		tool=${cmd%% *}
		command -v "$tool" >/dev/null || continue
		run --separate-stderr timeout 60 bash -c "$cmd >/dev/full"
		assert_equal "$cmd: $status" "$cmd: 1"
		assert_equal "$cmd: $stderr" \
			"$cmd: $tool: fatal: write failure on standard output: No space left on device"
	done < <(commands)
}

@test "a consumer that exits early (| head -c1): every stage ends quietly by SIGPIPE" {
	local cmd tool
	while IFS= read -r cmd; do
		tool=${cmd%% *}
		command -v "$tool" >/dev/null || continue
		run --separate-stderr timeout 60 bash -c "$cmd | head -c1 >/dev/null; echo \${PIPESTATUS[0]}"
		assert_equal "$cmd: $stderr" "$cmd: "
		# A (small) document, written at the end, may well fit in the pipe.
		if [[ $tool == cf-run || $tool == cf-reduce ]]; then
			assert [ "$output" = 141 -o "$output" = 0 ]
		else
			assert_equal "$cmd: $output" "$cmd: 141"
		fi
	done < <(commands)
}

# start_run: cf-run on REPO in the background with small pipes, one worker;
# sets pid.
start_run() {
	cf-run history -a burndown,devs -j 1 --buffer-size 1 --commit-batch-size 1 \
		--blob-arena-size 64KiB "$REPO" >out 2>err &
	pid=$!
}

# freeze_stages: waits for six of cf-run's seven stages (cf-revlist may be
# done already) and stops them all at once; 1 if cf-run ended first.
freeze_stages() {
	local i kids
	for ((i = 0; i < 3000; i++)); do
		kids=$(pgrep -P "$pid")
		if (($(wc -w <<<"$kids") >= 6)); then
			kill -STOP $kids 2>/dev/null && return 0
			thaw_stages	# some had just ended: the run is ending
			return 1
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
	fail "cf-run did not start its stages"
}

thaw_stages() {
	kill -CONT $(pgrep -P "$pid") 2>/dev/null || true
}

# finish_run STATUS: waits for cf-run (60 s at most), checks its status,
# that it printed nothing after a failure and that none of its stages is left.
finish_run() {
	local st=0 kids=$(pgrep -P "$pid" | tr '\n' ' ') i p
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "cf-run did not end"; }
	wait "$pid" || st=$?
	assert_equal "$st" "$1"
	(($1 == 0)) || assert_equal "$(wc -c <out)" 0
	for p in $kids; do
		! kill -0 "$p" 2>/dev/null || fail "stage process $p is still there"
	done
}

@test "SIGINT and SIGTERM to cf-run: its stages end, nothing is printed or left" {
	local sig try
	for sig in INT TERM; do
		for ((try = 0; try < 5; try++)); do
			start_run
			freeze_stages && break
			finish_run 0	# it was too quick for us: once more
		done
		((try < 5)) || fail "cf-run always ended before its stages could be seen"
		kill -"$sig" "$pid"
		thaw_stages
		finish_run $((128 + $(kill -l "$sig")))
	done
}

# kill_stage NAME: with every stage stopped, kills NAME with SIGKILL and
# lets the others go on.  Returns 1 when NAME had already ended by itself
# (then nothing is killed).
kill_stage() {
	local victim state
	freeze_stages || return 1
	victim=$(pgrep -P "$pid" -x "$1")
	state=$(awk '{ print $3 }' "/proc/$victim/stat" 2>/dev/null)
	if [[ -z $victim || -z $state || $state == Z ]]; then
		thaw_stages
		return 1
	fi
	kill -KILL "$victim"
	thaw_stages
	return 0
}

@test "SIGKILL of any one stage: cf-run names it, exits 1, leaves nothing" {
	local stages=(cf-revlist cf-treediff cf-blobload cf-diff cf-burndown cf-devs cf-reduce)
	local i try
	for ((i = 0; i < ${#stages[@]}; i++)); do
		for ((try = 0; try < 10; try++)); do
			start_run
			kill_stage "${stages[i]}" && break
			finish_run 0	# it was too quick for us: once more
		done
		((try < 10)) || fail "${stages[i]} always ended before it could be killed"
		finish_run 1
		run grep -c "^cf-run: fatal: stage $((i + 1)) (${stages[i]}) was killed by signal 9 (Killed)\$" err
		assert_equal "${stages[i]}: $output" "${stages[i]}: 1"
	done
}

# --- checkpoints on a read-only and on a full file system -----------------

# mount_tmpfs DIR SIZE: a tmpfs of SIZE on DIR, or skip the test when this
# machine does not let us mount (not root, no CAP_SYS_ADMIN).
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" cf-test "$1" 2>/dev/null || skip "cannot mount a tmpfs here"
	echo "$1" >>"$BATS_TEST_TMPDIR/.mounts"
}

unmount_all() {
	local m
	[[ -f $BATS_TEST_TMPDIR/.mounts ]] || return 0
	while read -r m; do umount "$m"; done <"$BATS_TEST_TMPDIR/.mounts"
	rm -f "$BATS_TEST_TMPDIR/.mounts"
}

gen() {
	export GEN="$BATS_FILE_TMPDIR/gen"
	[[ -d $GEN ]] || "$BATS_TEST_DIRNAME/../bench/genrepo" -n 250 -f 25 -s 9 "$GEN" >/dev/null
}

# history_cp DIR [OPTIONS...]: streaming, chunks of 40 commits, checkpoints in DIR.
history_cp() {
	local dir=$1
	shift
	CF_CHUNK_SIZE=40 timeout 120 cf-run history --streaming-mode=on --checkpoint-dir "$dir" \
		-a devs "$@" "$GEN"
}

@test "a read-only checkpoint directory: an error naming it before anything runs" {
	cf-run -h | grep -q -- --checkpoint-dir || skip "cf-run has no checkpoints"
	gen
	mount_tmpfs "$BATS_TEST_TMPDIR/ro" 1m
	mount -o remount,ro "$BATS_TEST_TMPDIR/ro"
	run --separate-stderr history_cp "$BATS_TEST_TMPDIR/ro"
	unmount_all
	assert_failure 1
	assert_output ""
	[[ $stderr == "cf-run: fatal: cannot write checkpoints in '$BATS_TEST_TMPDIR/ro/"*"Read-only file system" ]] ||
		fail "stderr: $stderr"
}

@test "a checkpoint directory that fills up: exit 1 naming it; the last checkpoint still resumes" {
	local cp=$BATS_TEST_TMPDIR/cp
	cf-run -h | grep -q -- --checkpoint-dir || skip "cf-run has no checkpoints"
	gen
	cf-run history --streaming-mode=off -a devs "$GEN" >devs.json
	mount_tmpfs "$cp" 2m
	# A checkpoint after chunk 1, then a crash.
	CF_TEST_CRASH_AFTER_CHUNK=1 run history_cp "$cp"
	assert_failure 137
	find "$cp" -type f | sort >files-1
	# Now the disk is full: the next checkpoint cannot be written.
	dd if=/dev/zero of="$cp/filler" bs=4k status=none 2>/dev/null || true
	run --separate-stderr history_cp "$cp"
	assert_failure 1
	assert_output ""
	[[ $stderr == *"No space left on device"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"$cp/"* ]] || fail "the message does not name the directory: $stderr"
	# Room again: the run resumes from a valid checkpoint, to the same bytes.
	rm "$cp/filler"
	run --separate-stderr history_cp "$cp"
	unmount_all
	assert_success
	[[ $stderr == *resuming* ]] || fail "did not resume: $stderr"
	diff devs.json <(printf '%s\n' "$output")
}
