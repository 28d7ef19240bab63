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
