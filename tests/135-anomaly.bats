#!/usr/bin/env bats
# cf-anomaly: one file, one author, one commit a day, each appending lines.
# The churn repeats 2, 6, 4 (from the third day on, every ordinary day is
# within |z| <= 1.5 of the days before it: e.g. day 2, 4 against [2, 6]:
# mean 4, sigma 2, z 0; day 4, 6 against [2, 6, 4, 2]: mean 3.5, sigma
# 1.658, z 1.508) and day 7 appends 300 lines: that day, and only that day,
# is flagged.  Files, languages and authors never change: their z is 0.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	local day n
	for day in 0 1 2 3 4 5 6 7 8 9 10; do
		case $((day % 3)) in 0) n=2 ;; 1) n=6 ;; 2) n=4 ;; esac
		((day == 7)) && n=300
		seq 1 $n | sed "s/^/day $day line /" >>f.txt
		git add f.txt
		commit_at "2024-01-$(printf %02d $((day + 1))) 10:00 +0000" Ann ann@x "day $day"
	done
}

@test "cf-anomaly: the injected spike is flagged, nothing else" {
	run bash -c "cf-run history -a anomaly -f json '$REPO' | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"anomaly\"]
print(\"anomalies\", d[\"anomalies\"], d[\"window\"], d[\"threshold\"])
for t in d[\"ticks\"]:
    print(t[\"tick\"], t[\"churn\"], t[\"files\"], t[\"languages\"], t[\"authors\"],
          t[\"z\"][\"churn\"], t[\"z\"][\"files\"], t[\"anomaly\"])'"
	assert_success
	assert_output "anomalies [7] 20 2.0
0 2 1 1 1 None None False
1 6 1 1 1 None None False
2 4 1 1 1 0.0 0.0 False
3 2 1 1 1 -1.2247 0.0 False
4 6 1 1 1 1.5076 0.0 False
5 4 1 1 1 0.0 0.0 False
6 2 1 1 1 -1.2247 0.0 False
7 300 1 1 1 177.844 0.0 True
8 4 1 1 1 -0.375 0.0 False
9 2 1 1 1 -0.3723 0.0 False
10 6 1 1 1 -0.3058 0.0 False"
}

@test "cf-anomaly: a window of 3 and a threshold of 100 flag the spike alone too" {
	run bash -c "cf-revlist '$REPO' | cf-treediff '$REPO' | cf-blobload '$REPO' | cf-diff |
		cf-anomaly --anomaly-window 3 --anomaly-threshold 100 | cf-reduce -f json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[\"anomaly\"][\"anomalies\"])'"
	assert_success
	assert_output "[7]"
}

@test "cf-anomaly: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" anomaly cf-anomaly
	assert_success
}

@test "cf-anomaly: a bad threshold is a usage error" {
	run cf-anomaly --anomaly-threshold abc
	assert_failure 2
}

# A second history: one line of q.py replaced every day (churn 2, one file,
# one author, one language throughout), its condition alternating between
# two and three operands (cyclomatic 3, 4) and its comment between two
# positive ones (VADER 0.2732, 0.4404); day 7 has 31 operands (cyclomatic
# 32), day 10 a very negative comment.  The own series flag nothing; the
# quality and sentiment series flag exactly those days.
make_spikes() {
	git_init "$1"
	cd "$1"
	printf 'def f(x):\n    if x:  # the first version of the check\n        return 1\n    return 2\n' >q.py
	git add q.py
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "day 0"
	local day conds note
	for day in 1 2 3 4 5 6 7 8 9 10 11; do
		conds="x and x" note="this check works well"
		((day % 2)) && conds="x and x and x" note="this check is good and works"
		((day == 7)) && conds="x$(printf ' and x%.0s' $(seq 1 30))"
		((day == 10)) && note="this check is terrible, awful, horrible and broken"
		sed -i "2s/.*/    if $conds:  # $note/" q.py
		git add q.py
		commit_at "2024-01-$(printf %02d $((day + 1))) 10:00 +0000" Ann ann@x "day $day"
	done
}

@test "cf-anomaly: quality and sentiment spikes before it in the stream are flagged, nothing else" {
	make_spikes "$BATS_TEST_TMPDIR/s" >/dev/null
	cf-run history -a anomaly,quality,sentiment -f json "$BATS_TEST_TMPDIR/s" \
		>"$BATS_TEST_TMPDIR/s.json"
	run jq -c '.anomaly | [.schema, .anomalies, .series]' "$BATS_TEST_TMPDIR/s.json"
	assert_output '[3,[7,10],["churn","files","languages","authors","quality.cognitive","quality.comment_density","quality.cyclomatic","quality.doc_coverage","quality.max_cyclomatic","quality.volume","sentiment"]]'
	run jq -r '.anomaly.ticks[] | [.tick, .churn, .files, ."quality.cyclomatic", .sentiment,
		.z.churn, .z."quality.cyclomatic", .z.sentiment, (.flagged | join(","))] | @tsv' \
		"$BATS_TEST_TMPDIR/s.json"
	assert_output "$(printf '%s\n' \
		'0	4	1	2	0				' \
		'1	2	1	4	0.4404				' \
		'2	2	1	3	0.2732	-1	0	0.2407	' \
		'3	2	1	4	0.4404	-0.7071	1.2247	1.1158	' \
		'4	2	1	3	0.2732	-0.5774	-0.3015	-0.085	' \
		'5	2	1	4	0.4404	-0.5	1.069	0.9618	' \
		'6	2	1	3	0.2732	-0.4472	-0.4472	-0.2409	' \
		'7	2	1	32	0.4404	-0.4082	41.029	0.9161	quality.cyclomatic,quality.max_cyclomatic,quality.volume' \
		'8	2	1	3	0.2732	-0.378	-0.4071	-0.3424	' \
		'9	2	1	4	0.4404	-0.3536	-0.2699	0.8992	' \
		'10	2	1	3	-0.9136	-0.3333	-0.3711	-9.1956	sentiment' \
		'11	2	1	4	0.4404	-0.3162	-0.2308	0.5894	')"
	# The quality and sentiment results pass through it unchanged.
	run jq -c '[(.quality.ticks | length), (.sentiment.ticks | length)]' "$BATS_TEST_TMPDIR/s.json"
	assert_output '[12,12]'
	# Alone, it scores its own four series, none stands out, and its result
	# keeps schema 2 (no series, no flagged).
	run bash -c "cf-run history -a anomaly -f json '$BATS_TEST_TMPDIR/s' |
		jq -c '.anomaly | [.schema, .anomalies, has(\"series\"), (.ticks[0] | keys)]'"
	assert_output '[2,[],false,["anomaly","authors","churn","files","language_names","languages","max_abs_z","people","tick","z"]]'
}

@test "cf-anomaly: a quality result without ticks is refused" {
	run bash -c "printf '\x85\xa1t\xa6result\xa1v\x01\xa8analyzer\xa7quality\xa6schema\x01\xa4data\x80' |
		cf-anomaly"
	assert_failure 3
	assert_output --partial "quality: 'data' must be a map with 'ticks', an array"
}

@test "cf-anomaly -f text: the flagged ticks with series, value and z" {
	make_spikes "$BATS_TEST_TMPDIR/s" >/dev/null
	run bash -c "cf-run history -a quality,anomaly,sentiment -f text '$BATS_TEST_TMPDIR/s' |
		sed -n '/^anomaly/,\$p'"
	assert_success
	assert_output - <<'OUT'
anomaly (schema 3)
  ticks 12, anomalies 2, window 20, threshold 2
  series churn, files, languages, authors, quality.cognitive, quality.comment_density,
         quality.cyclomatic, quality.doc_coverage, quality.max_cyclomatic, quality.volume,
         sentiment

  flagged ticks
  date              series                                 value           z
  2024-01-08        quality.cyclomatic                        32      41.029
                    quality.max_cyclomatic                    32      41.029
                    quality.volume                      190.9001      36.569
  2024-01-11        sentiment                            -0.9136      -9.196
OUT
}

@test "cf-anomaly: results of schema 3 merge as schema 2 and are scored again from the merged series" {
	make_spikes "$BATS_TEST_TMPDIR/one" >/dev/null
	make_spikes "$BATS_TEST_TMPDIR/two" >/dev/null
	cf-run history -a quality,sentiment,anomaly -f msgpack "$BATS_TEST_TMPDIR/one" >"$BATS_TEST_TMPDIR/one.mp"
	cf-run history -a quality,sentiment,anomaly -f msgpack "$BATS_TEST_TMPDIR/two" >"$BATS_TEST_TMPDIR/two.mp"
	# Two equal histories: every tick twice, the means and so the scores unchanged.
	run bash -c "cf-reduce -f json '$BATS_TEST_TMPDIR/one.mp' '$BATS_TEST_TMPDIR/two.mp' |
		jq -c '.anomaly | [.schema, .anomalies, (.series | length), .ticks[7].churn,
			.ticks[7].\"quality.cyclomatic\", .ticks[7].z.\"quality.cyclomatic\",
			.ticks[10].flagged]'"
	assert_success
	assert_output '[3,[7,10],11,4,32,41.029,["sentiment"]]'
}
