#!/usr/bin/env bats
# cf-run history: the pipeline it assembles (--dry-run, -v), its usage
# errors, its supervision (a failing stage named, a killed stage, forwarded
# signals, no process or shared memory left), and the ready pipelines of
# pipelines/ giving the same bytes.

load test_helper

setup_file() {
	make_history "$BATS_FILE_TMPDIR/h" >/dev/null
}

# make_big_repo DIR N: N commits, each rewriting 12 of the 600 lines of
# one 24 KB file, so that blob bytes far exceed a 64 KiB ring and pipe.
make_big_repo() {
	git_init "$1"
	awk -v n="$2" 'BEGIN {
		for (l = 0; l < 600; l++)
			line[l] = sprintf("line %04d of a file that is rewritten a little every day.", l)
		for (c = 0; c < n; c++) {
			for (k = 0; k < 12; k++)
				line[(c * 37 + k * 53) % 600] = sprintf("commit %05d changed this line, number %d.", c, k)
			body = ""
			for (l = 0; l < 600; l++)
				body = body line[l] "\n"
			msg = "commit " c "\n"
			t = 1672653600 + c * 86400
			printf "commit refs/heads/main\ncommitter Big <big@example.com> %d +0000\n", t
			printf "data %d\n%s", length(msg), msg
			printf "M 644 inline big.txt\ndata %d\n%s\n", length(body), body
		}
	}' | git -C "$1" fast-import --quiet
	git -C "$1" reset -q --hard
}

# gate_diff DIR: a copy of the tools in DIR whose cf-diff waits for the file
# DIR/go before it starts, so that a test controls when data flows instead
# of racing the pipeline.  cf-run is copied (it finds its stages beside its
# own executable); the other tools are links.
gate_diff() {
	local dir=$1 t
	mkdir -p "$dir"
	for t in "$CF_BIN"/cf-*; do
		ln -sf "$t" "$dir/${t##*/}"
	done
	rm -f "$dir/cf-run" "$dir/cf-diff"
	cp "$CF_BIN/cf-run" "$dir/cf-run"
	cat >"$dir/cf-diff" <<-EOF
	#!/usr/bin/env bash
	while [ ! -e "$dir/go" ]; do sleep 0.02; done
	exec "$CF_BIN/cf-diff" "\$@"
	EOF
	chmod +x "$dir/cf-diff"
}

# wait_child PARENT NAME: sets REPLY to the pid of PARENT's child NAME.
wait_child() {
	local i
	for ((i = 0; i < 400; i++)); do
		REPLY=$(pgrep -P "$1" -x "$2") && return 0
		sleep 0.025
	done
	return 1
}

@test "--dry-run prints the pipeline as one quoted shell line" {
	run -0 --separate-stderr cf-run history -a burndown,devs -j 3 --granularity 7 \
		--range 'v1..HEAD' --since 2024-01-01 -o "out file.json" --dry-run "my repo's"
	assert_output "cf-revlist --since 2024-01-01 'my repo'\\''s' v1..HEAD | cf-treediff 'my repo'\\''s' | cf-blobload --workers 3 --commit-batch-size 100 --blob-cache-size 1GiB --blob-arena-size 4MiB --arenas 6 'my repo'\\''s' | cf-diff --workers 3 --commit-batch-size 100 --diff-cache-size 10000 --exact-numstat | cf-burndown --granularity 7 | cf-devs | cf-reduce -f json -o 'out file.json'"
	# file-history's added and removed are git's numstat, alone or not;
	# without cf-burndown or cf-uastdiff nothing reads the hunks.
	run -0 cf-run history -a file-history -j 1 --dry-run repo
	assert_output --partial "| cf-diff --workers 1 --commit-batch-size 100 --diff-cache-size 10000 --exact-numstat --no-hunks | cf-file-history |"
	run -0 cf-run history -a couples -j 1 --dry-run repo
	refute_output --partial "--exact-numstat"
	assert_output --partial "--no-hunks"
	run -0 cf-run history -a devs,shotness -j 1 --dry-run repo
	refute_output --partial "--no-hunks"
	run -0 cf-run history -j 1 --blob-cache-size 500MB --dry-run -- -odd
	assert_output "cf-revlist -- -odd | cf-treediff -- -odd | cf-blobload --workers 1 --commit-batch-size 100 --blob-cache-size 500000000 --blob-arena-size 4MiB --arenas 2 -- -odd | cf-diff --workers 1 --commit-batch-size 100 --diff-cache-size 10000 | cf-burndown | cf-reduce -f json"
}

@test "the --dry-run line, run by a shell, gives cf-run's output" {
	local repo=$BATS_FILE_TMPDIR/h
	cf-run history -a devs,burndown -f yaml "$repo" >"$BATS_TEST_TMPDIR/run.yaml"
	eval "$(cf-run history -a devs,burndown -f yaml --dry-run "$repo")" >"$BATS_TEST_TMPDIR/sh.yaml"
	cmp "$BATS_TEST_TMPDIR/run.yaml" "$BATS_TEST_TMPDIR/sh.yaml"
	run head -c 4 "$BATS_TEST_TMPDIR/run.yaml"
	assert_output "---"
}

@test "--burndown-files and --burndown-people reach cf-burndown: its matrices in the result" {
	local repo=$BATS_FILE_TMPDIR/h
	run -0 cf-run history --burndown-files --burndown-people -a anomaly,burndown -j 1 \
		--dry-run "$repo"
	assert_output --partial "| cf-burndown --burndown-files --burndown-people | cf-anomaly | cf-reduce"
	cf-run history --burndown-files --burndown-people -f json "$repo" >"$BATS_TEST_TMPDIR/run.json"
	pipeline "$repo" "cf-burndown --burndown-files --burndown-people" "cf-reduce -f json" \
		>"$BATS_TEST_TMPDIR/pipe.json"
	cmp "$BATS_TEST_TMPDIR/run.json" "$BATS_TEST_TMPDIR/pipe.json"
	# The standard history: 8 files alive at the end, 2 people.
	run jq -c '.burndown | [(.file_burndown | length), (.people_burndown | length),
		(.people | length), (.overwrites | length), (.ownership | length)]' \
		"$BATS_TEST_TMPDIR/run.json"
	assert_output '[8,2,2,2,8]'
	cf-run history --burndown-files -f json "$repo" >"$BATS_TEST_TMPDIR/files.json"
	run jq -c '.burndown | [(.file_burndown | length), has("people_burndown")]' \
		"$BATS_TEST_TMPDIR/files.json"
	assert_output '[8,false]'
}

@test "json, yaml, text and msgpack of a real history" {
	local repo=$BATS_FILE_TMPDIR/h
	run -0 --separate-stderr cf-run history -a burndown,devs "$repo"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	run -0 jq -c '[keys_unsorted, .codefang.commits, .codefang.first_parent, .burndown.schema, .devs.commits]' \
		"$BATS_TEST_TMPDIR/out.json"
	assert_output '[["codefang","scope","burndown","devs"],64,true,2,64]'
	run -0 cf-run history -a devs -f text "$repo"
	assert_line "devs (schema 1)"
	assert_line --regexp '^     1  Alice +alice@example.com +44 '
	cf-run history -a burndown -f msgpack "$repo" >"$BATS_TEST_TMPDIR/out.mp"
	run -0 cf-dump -t result "$BATS_TEST_TMPDIR/out.mp"
	assert_equal "${#lines[@]}" 1
}

@test "codefang is cf-run under another name" {
	local repo=$BATS_FILE_TMPDIR/h
	cf-run history -a devs "$repo" >"$BATS_TEST_TMPDIR/a"
	codefang history -a devs "$repo" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

@test "-o writes the file and nothing to stdout" {
	cd "$BATS_TEST_TMPDIR"
	run -0 cf-run history -o out.json "$BATS_FILE_TMPDIR/h"
	assert_output ""
	jq -e '.burndown.schema == 2' out.json
}

@test "-o onto a FIFO or a device writes into it and never replaces it" {
	cd "$BATS_TEST_TMPDIR"
	cf-run history -f json "$BATS_FILE_TMPDIR/h" >want.json
	mkfifo pipe
	timeout 60 cat pipe >got.json &
	run -0 cf-run history -f json -o pipe "$BATS_FILE_TMPDIR/h"
	assert_output ""
	wait $!
	cmp want.json got.json
	[ -p pipe ]
	run -1 cf-run history -f json -o /dev/full "$BATS_FILE_TMPDIR/h"
	assert_output --partial "cannot write '/dev/full': No space left on device"
	[ -c /dev/full ]
	run ls -A
	assert_output $'got.json\nhome\npipe\nwant.json'
}

@test "pipelines/burndown.sh and devs.sh give cf-run's bytes" {
	local repo=$BATS_FILE_TMPDIR/h a
	for a in burndown devs; do
		cf-run history -a $a -f json "$repo" >"$BATS_TEST_TMPDIR/run.$a"
		"$BATS_TEST_DIRNAME/../pipelines/$a.sh" "$repo" >"$BATS_TEST_TMPDIR/sh.$a"
		cmp "$BATS_TEST_TMPDIR/run.$a" "$BATS_TEST_TMPDIR/sh.$a"
	done
	cd "$repo"
	"$BATS_TEST_DIRNAME/../pipelines/devs.sh" | cmp - "$BATS_TEST_TMPDIR/run.devs"
}

@test "-v: every knob with its value and source, and the stages" {
	run -0 --separate-stderr cf-run history -v -j 3 --blob-arena-size 8MiB "$BATS_FILE_TMPDIR/h"
	run -0 grep -v '^cf-run: stage ' <<<"$stderr"
	assert_output - <<'OUT'
cf-run: workers = 3 (flag)
cf-run: buffer-size = 6 (default): 384 KiB per pipe
cf-run: commit-batch-size = 100 (default)
cf-run: blob-cache-size = 1 GiB (default)
cf-run: diff-cache-size = 10000 (default)
cf-run: blob-arena-size = 8 MiB (flag): a ring of 6 arenas, 48 MiB
cf-run: streaming = off (auto; 64 commits, estimated peak 1.4 GiB)
OUT
	run -0 grep -c '^cf-run: stage [1-6]: cf-' <<<"$stderr"
	assert_output 6
	run -0 --separate-stderr cf-run history -v --buffer-size 100000 "$BATS_FILE_TMPDIR/h"
	assert_equal "$(grep -c 'clamped to /proc/sys/fs/pipe-max-size' <<<"$stderr")" 1
}

@test "usage errors exit 2 and name the flag" {
	run -2 --separate-stderr cf-run history -a burndown,coupels .
	assert_equal "$stderr" "cf-run: usage: -a: unknown analyzer 'coupels' (known: burndown, devs, couples, file-history, shotness, typos, sentiment, imports, quality, anomaly)
Try 'cf-run -h' for more information."
	run -2 --separate-stderr cf-run history --blob-cache-size 12XB .
	assert_equal "${stderr%%$'\n'*}" "cf-run: usage: --blob-cache-size: not a size: '12XB' (examples: 4096, 500MB, 256MiB, 1GiB)"
	run -2 --separate-stderr cf-run history --blob-arena-size=-4MiB .
	assert_equal "${stderr%%$'\n'*}" "cf-run: usage: --blob-arena-size: not a size: '-4MiB' (examples: 4096, 500MB, 256MiB, 1GiB)"
	run -2 --separate-stderr cf-run history --workers 0 .
	assert_equal "${stderr%%$'\n'*}" "cf-run: usage: --workers: 0 is out of range [1, 1024]"
	run -2 cf-run history -a devs,devs .
	run -2 cf-run history -f xml .
	run -2 cf-run history a b
	run -2 --separate-stderr cf-run graph
	assert_equal "${stderr%%$'\n'*}" "cf-run: usage: unknown command 'graph' (known: history, analyze)"
	run -2 --separate-stderr cf-run history --memory-budget 127MiB .
	assert_equal "${stderr%%$'\n'*}" "cf-run: usage: --memory-budget: '127MiB' is below the minimum of 128 MiB"
	run -2 cf-run
}

@test "a failing stage is named; exit 1; no output" {
	mkdir "$BATS_TEST_TMPDIR/plain"
	run -1 --separate-stderr cf-run history "$BATS_TEST_TMPDIR/plain"
	assert_output ""
	assert_equal "$(grep -c "^cf-revlist: fatal: not a git repository: '$BATS_TEST_TMPDIR/plain'" <<<"$stderr")" 1
	assert_equal "$(tail -n 1 <<<"$stderr")" "cf-run: fatal: stage 1 (cf-revlist) exited with status 1"
}

@test "a stage killed by SIGKILL is reported; nothing is left running or in /dev/shm" {
	local repo=$BATS_TEST_TMPDIR/big pid blob diff kids st
	make_big_repo "$repo" 300
	shm_snapshot
	gate_diff "$BATS_TEST_TMPDIR/g"
	"$BATS_TEST_TMPDIR/g/cf-run" history -a burndown,devs -j 1 --buffer-size 1 \
		--blob-arena-size 64KiB "$repo" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	# Until cf-diff starts reading, cf-blobload cannot get through 300 x 48 KB of blobs.
	wait_child $pid cf-reduce
	wait_child $pid cf-blobload
	blob=$REPLY
	kids=$(pgrep -P $pid | tr '\n' ' ')
	kill -KILL $blob
	touch "$BATS_TEST_TMPDIR/g/go"
	st=0
	wait $pid || st=$?
	assert_equal "$st" 1
	run tail -n 1 "$BATS_TEST_TMPDIR/err"
	assert_output "cf-run: fatal: stage 3 (cf-blobload) was killed by signal 9 (Killed)"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output ""
	for p in $kids; do
		! kill -0 "$p" 2>/dev/null || fail "stage process $p is still there"
	done
	assert_no_new_shm
}

@test "SIGTERM to cf-run is forwarded; cf-run ends by it and leaves nothing running" {
	local repo=$BATS_TEST_TMPDIR/big pid diff kids st
	make_big_repo "$repo" 200
	gate_diff "$BATS_TEST_TMPDIR/g"
	"$BATS_TEST_TMPDIR/g/cf-run" history -j 1 --buffer-size 1 --blob-arena-size 64KiB \
		"$repo" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_child $pid cf-reduce
	kids=$(pgrep -P $pid | tr '\n' ' ')
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	assert_equal "$st" 143
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output ""
	for p in $kids; do
		! kill -0 "$p" 2>/dev/null || fail "stage process $p is still there"
	done
}

@test "a reader of -v that leaves ends cf-run by SIGPIPE, and -o leaves no file behind" {
	local d=$BATS_TEST_TMPDIR/o st
	mkdir "$d"
	# The temporary document exists by the time the stages are listed.
	st=0
	cf-run history -v -a devs -o "$d/out.json" "$BATS_FILE_TMPDIR/h" \
		2> >(sed '/stage 1:/q' >/dev/null) >/dev/null || st=$?
	assert_equal "$st" 141
	run ls -A "$d"
	assert_output ""
}

@test "cf-run works on the project's own clone" {
	local top=$BATS_TEST_DIRNAME/.. n
	git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1 ||
		skip "the source tree is not a git repository with commits"
	n=$(git -C "$top" rev-list --first-parent --count HEAD)
	run -0 --separate-stderr cf-run history -a burndown,devs "$top"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	run jq -r '[.codefang.commits, .devs.commits, (.burndown.matrix | length > 0)] | @tsv' \
		"$BATS_TEST_TMPDIR/out.json"
	assert_output "$n	$n	true"
}
