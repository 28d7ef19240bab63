#!/usr/bin/env bats
# cf-run at scale: the memory budget and the knobs it derives, streaming
# mode's decision and chunks, and the history generator bench/genrepo.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/gen"
	"$BATS_TEST_DIRNAME/../bench/genrepo" -n 300 -f 30 -a 5 -s 3 "$REPO"
}

# knob NAME: the value -v printed for a knob, from $output
knob() {
	local line
	line=$(grep "^cf-run: $1 = " <<<"$output") || return 1
	line=${line#"cf-run: $1 = "}
	echo "${line%% (*}"
}

in_range() {	# VALUE LOW HIGH
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# mib SIZE-AS-PRINTED: "99.8 MiB" -> 99.8
mib() {
	case $1 in
	*" GiB") awk -v v="${1% GiB}" 'BEGIN { print v * 1024 }' ;;
	*" MiB") echo "${1% MiB}" ;;
	*) return 1 ;;
	esac
}

@test "genrepo: deterministic from its seed, the commits and authors asked for" {
	"$BATS_TEST_DIRNAME/../bench/genrepo" -n 300 -f 30 -a 5 -s 3 again
	[[ $(git -C again rev-parse main) == "$(git -C "$REPO" rev-parse main)" ]]
	"$BATS_TEST_DIRNAME/../bench/genrepo" -n 300 -f 30 -a 5 -s 4 other
	[[ $(git -C other rev-parse main) != "$(git -C "$REPO" rev-parse main)" ]]
	run git -C "$REPO" rev-list --count main
	assert_output 300
	run bash -c "git -C '$REPO' log --format=%an main | sort -u | wc -l"
	assert_output 5
	# insertions and deletions both happen
	run bash -c "git -C '$REPO' log --numstat --format= main | awk '\$1 > 0 && \$2 > 0' | wc -l"
	(( output > 100 ))
	run "$BATS_TEST_DIRNAME/../bench/genrepo" -n x y
	assert_failure 2
}

@test "--memory-budget below 128 MiB is refused" {
	run cf-run history --memory-budget=100MiB "$REPO"
	assert_failure 2
	assert_line --index 0 "cf-run: usage: --memory-budget: '100MiB' is below the minimum of 128 MiB"
	run cf-run history --memory-budget=134217727 "$REPO"
	assert_failure 2
	run cf-run history --memory-budget 128MiB -a devs "$REPO"
	assert_success
}

@test "malformed and negative sizes are refused, naming the flag" {
	for flag in --memory-budget --blob-cache-size --blob-arena-size; do
		for bad in -5MiB 12XB '' 1.5.2GiB MiB; do
			run cf-run history "$flag=$bad" "$REPO"
			assert_failure 2
			assert_output --partial "$flag: "
		done
	done
	run cf-run history --streaming-mode=sometimes "$REPO"
	assert_failure 2
	assert_output --partial "--streaming-mode: not auto, on or off: 'sometimes'"
	run cf-run history --checkpoint=maybe "$REPO"
	assert_failure 2
	assert_output --partial "--checkpoint: not true or false: 'maybe'"
}

@test "the knobs derived from 256 MiB, 512 MiB, 1 GiB and 2 GiB are in the seed's ranges" {
	# budget, workers, blob cache (MiB), diff cache, buffer size: the seed's table +-20%
	while read -r budget w_lo w_hi bc_lo bc_hi dc_lo dc_hi bs_lo bs_hi; do
		run cf-run history -v --memory-budget="$budget" -a devs -o out.json "$REPO"
		assert_success
		assert_line --partial "memory-budget = "
		in_range "$(knob workers)" "$w_lo" "$w_hi"
		in_range "$(mib "$(knob blob-cache-size)")" "$bc_lo" "$bc_hi"
		in_range "$(knob diff-cache-size)" "$dc_lo" "$dc_hi"
		in_range "$(knob buffer-size)" "$bs_lo" "$bs_hi"
		assert_line "cf-run: workers = $(knob workers) (memory budget)"
		assert_line --partial "cf-run: blob-arena-size = "
		assert_line "cf-run: commit-batch-size = 100 (default)"
	done <<-'EOF'
	256MiB 1 2 72 108 1840 2760 2 4
	512MiB 2 4 160 240 4000 6000 4 8
	1GiB 4 8 320 480 8000 12000 8 16
	2GiB 8 16 680 1020 17600 26400 16 32
	EOF
}

@test "flags win over the budget, and -v says where each knob came from" {
	run cf-run history -v --memory-budget=256MiB --workers 3 --diff-cache-size 7 -a devs \
		-o out.json "$REPO"
	assert_success
	assert_line "cf-run: workers = 3 (flag)"
	assert_line "cf-run: diff-cache-size = 7 (flag)"
	assert_line "cf-run: buffer-size = 6 (memory budget): 384 KiB per pipe"
	assert_line "cf-run: blob-cache-size = 85.8 MiB (memory budget)"
	run cf-run history -v -j 2 -a devs -o out.json "$REPO"
	assert_line "cf-run: workers = 2 (flag)"
	assert_line "cf-run: buffer-size = 4 (default): 256 KiB per pipe"
	assert_line "cf-run: blob-cache-size = 1 GiB (default)"
}

@test "the budget reaches the stages" {
	run cf-run history -v --memory-budget=256MiB -a devs -o out.json "$REPO"
	# The knobs get 256 MiB less the reserve (devs: 4 MiB and 256 bytes
	# a path; the pipeline: 32 MiB and 3 x the 38 KiB pack index), 219.9
	# MiB.  Its 30% is 66 MiB: an 8th for the ring (its 2 arenas, one
	# for each batch in flight, of 4.1 MiB), a 16th for each of the two
	# batches, 8 MiB of mapped pages, then 1 thread of 27 MiB, whose 41.5
	# MiB less 18 MiB of overhead is its delta cache; cf-treediff gets a
	# 32nd.
	assert_line --regexp "stage 2: cf-treediff --delta-cache-size 7205078 "
	assert_line --regexp "stage 3: cf-blobload --workers 1 --commit-batch-size 100 --blob-cache-size 89919375 --blob-arena-size 4323046 --arenas 2 --delta-cache-size 24613589 --batch-bytes 4323046 --release-memory "
	assert_line "cf-run: blob-arena-size = 4.1 MiB (memory budget): a ring of 2 arenas, 8.2 MiB"
	assert_line "cf-run: delta-cache-size = 23.5 MiB (memory budget): per cf-blobload thread"
	assert_line "cf-run: batch-bytes = 4.1 MiB (memory budget): text a cf-blobload batch holds (two are held)"
	assert_line "cf-run: release-memory (memory budget): cf-blobload gives free memory back after each batch"
	assert_line "cf-run: tree-cache-size = 6.9 MiB (memory budget): cf-treediff's --delta-cache-size"
	assert_line "cf-run: stage 4: cf-diff --workers 1 --commit-batch-size 100 --diff-cache-size 1970 --exact-numstat --no-hunks"
	run cf-run history -v -a devs -o out.json "$REPO"
	refute_line --partial "delta-cache-size"
	refute_line --partial "batch-bytes"
	refute_line --partial "release-memory"
	refute_line --partial "tree-cache-size"
	# a quarter of the blob cache for the parsed trees of the syntax analyzers
	run cf-run history --dry-run --memory-budget=256MiB -a shotness "$REPO"
	assert_output --partial "cf-uastdiff --workers 1 --commit-batch-size 100 --tree-cache-size 22474773 "
	run cf-run history --dry-run -a shotness "$REPO"
	refute_output --partial "--tree-cache-size"
}

@test "the budget sets the analyzers' state and the pipeline's own memory aside first" {
	run cf-run history -v --memory-budget=256MiB -a devs,couples,burndown,file-history \
		-o out.json "$REPO"
	assert_success
	# 29 paths at the tip: 4 MiB a process, and 256 bytes (devs), 406
	# pairs of 24 bytes (couples), 2 KiB (burndown) and 1 KiB a path
	assert_line "cf-run: analyzer-reserve = 16.1 MiB (memory budget): 29 paths at the tip; devs 4.0 MiB, couples 4.0 MiB, burndown 4.1 MiB, file-history 4.0 MiB"
	assert_line "cf-run: pipeline-reserve = 32.1 MiB (memory budget): 32 MiB and 3 x 38.0 KiB of pack index"
	# the blob cache is what the other knobs leave (128 MiB less 36.1 MiB
	# set aside is 91.9 MiB, which the knobs then cost), at least 4 MiB
	run cf-run history -v --memory-budget=128MiB --workers 8 -a devs -o out.json "$REPO"
	assert_line "cf-run: blob-cache-size = 4 MiB (memory budget)"
	run cf-run history -v --memory-budget=128MiB -a devs -o out.json "$REPO"
	assert_line "cf-run: blob-cache-size = 12.6 MiB (memory budget)"
	# without a budget nothing is set aside
	run cf-run history -v -a devs -o out.json "$REPO"
	refute_line --partial "reserve"
	# a reserve that leaves the knobs less than their floors is said
	run --separate-stderr cf-run history --dry-run --memory-budget=128MiB \
		-a burndown,devs,couples,file-history,shotness,typos,sentiment,imports,quality "$REPO"
	assert_success
	assert_equal "$stderr" "cf-run: warning: --memory-budget=128MiB: 68.5 MiB set aside for the analyzers and the pipeline leaves less than the knobs' 64 MiB; the peak may pass the budget"
	run --separate-stderr cf-run history --dry-run --memory-budget=128MiB -a burndown,devs "$REPO"
	assert_equal "$stderr" ""
}

@test "streaming auto: off for a small history without a budget, on past 80% of a budget" {
	run cf-run history -v -a devs -o out.json "$REPO"
	assert_line "cf-run: streaming = off (auto; 300 commits, estimated peak 1.3 GiB)"
	refute_line --partial "streaming: processing"
	run cf-run history -v --memory-budget=256MiB --checkpoint=false -a devs -o out.json "$REPO"
	assert_line --partial "cf-run: streaming = on (auto; 300 commits"
	# 256 MiB: chunks of 50,000 commits, so one chunk here
	assert_line "streaming: processing 300 commits in 1 chunks"
	assert_line "streaming: processing chunk 1/1 (commits 0-300)"
	run cf-run history -v --streaming-mode=off --memory-budget=256MiB -a devs -o out.json "$REPO"
	assert_line --partial "cf-run: streaming = off"
}

@test "streaming: the seed's messages, one line per chunk as it starts" {
	CF_CHUNK_SIZE=120 run --separate-stderr cf-run history --streaming-mode=on \
		--checkpoint=false -a devs "$REPO"
	assert_success
	[[ $stderr == "streaming: processing 300 commits in 3 chunks
streaming: processing chunk 1/3 (commits 0-120)
streaming: processing chunk 2/3 (commits 120-240)
streaming: processing chunk 3/3 (commits 240-300)" ]]
	CF_CHUNK_SIZE=0 run cf-run history --streaming-mode=on -a devs "$REPO"
	assert_failure 1
	assert_output --partial "CF_CHUNK_SIZE: not a positive number: '0'"
}

@test "streaming on and off give byte-identical results (devs, burndown; several chunks)" {
	cf-run history --streaming-mode=off -a devs,burndown "$REPO" >off.json
	export CF_CHUNK_SIZE=37
	cf-run history --streaming-mode=on --checkpoint=false -a devs,burndown "$REPO" >on.json
	cmp off.json on.json
	cf-run history --streaming-mode=on --checkpoint-dir cp -a devs "$REPO" >on-devs.json
	cf-run history --streaming-mode=off -a devs "$REPO" | cmp - on-devs.json
	if cf-burndown -h | grep -q -- --state-dir; then
		cf-run history --streaming-mode=on --checkpoint-dir cp -a burndown,devs "$REPO" >on2.json
		cf-run history --streaming-mode=off -a burndown,devs "$REPO" | cmp - on2.json
	fi
	# a successful run leaves no checkpoint behind
	run find cp -type f
	assert_output ""
}
