#!/usr/bin/env bats
# cf-quality: per tick statistics of the static metrics of the files each
# commit changed.  Tick 0 adds f (an if: cyclomatic 2, cognitive 1) and g
# (cyclomatic 1, cognitive 0); tick 1 edits only f (if with "and", a for:
# cyclomatic 4, cognitive 3); tick 2 adds h, undocumented, beside g in
# b.py (cyclomatic 1 + 1, doc coverage 1 of 2).  p95 interpolates at 0.95 * (n - 1):
# 1 + 0.95 * (2 - 1) = 1.95.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	printf 'def f(x):\n    if x:\n        return 1\n    return 2\n' >a.py
	printf '# A doc comment for g.\ndef g():\n    return 1\n' >b.py
	git add a.py b.py
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "one"
	printf 'def f(x):\n    if x and x > 1:\n        return 1\n    for i in x:\n        pass\n    return 2\n' >a.py
	git add a.py
	commit_at "2024-01-02 10:00 +0000" Ann ann@x "two"
	printf '\n\ndef h():\n    return 2\n' >>b.py
	git add b.py
	commit_at "2024-01-03 10:00 +0000" Ann ann@x "three"
}

@test "cf-quality: per-tick mean, median, p95 and max over the changed files" {
	run bash -c "cf-run history -a quality -f json '$REPO' | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"quality\"]
for t in d[\"ticks\"]:
    for m in (\"cyclomatic\", \"cognitive\", \"doc_coverage\"):
        s = t[m]
        print(t[\"tick\"], t[\"files\"], m, s[\"n\"], s[\"mean\"], s[\"median\"], s[\"p95\"], s[\"max\"])
print(\"total\", d[\"total_files\"])'"
	assert_success
	assert_output "0 2 cyclomatic 2 1.5 1.5 1.95 2.0
0 2 cognitive 2 0.5 0.5 0.95 1.0
0 2 doc_coverage 2 0.5 0.5 0.95 1.0
1 1 cyclomatic 1 4.0 4.0 4.0 4.0
1 1 cognitive 1 3.0 3.0 3.0 3.0
1 1 doc_coverage 1 0.0 0.0 0.0 0.0
2 1 cyclomatic 1 2.0 2.0 2.0 2.0
2 1 cognitive 1 0.0 0.0 0.0 0.0
2 1 doc_coverage 1 0.5 0.5 0.5 0.5
total 4"
}

@test "cf-quality: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" quality cf-quality
	assert_success
}

@test "cf-quality -f text: over all ticks, then per tick and metric" {
	run bash -c "cf-run history -a quality -f text '$REPO' | sed -n '/^quality/,\$p'"
	assert_success
	assert_output - <<'OUT'
quality (schema 2)
  file changes 4, ticks 3

  over all ticks
  metric                  n        mean         max
  cyclomatic              4        2.25        4.00
  cognitive               4        1.00        3.00
  max_cyclomatic          4        2.00        4.00
  volume                  4       21.19       49.83
  comment_density         4        0.10        0.25
  doc_coverage            4        0.38        1.00

  per tick
  date               files  metric                n        mean      median         p95         max
  2024-01-01             2  cyclomatic            2        1.50        1.50        1.95        2.00
                            cognitive             2        0.50        0.50        0.95        1.00
                            max_cyclomatic        2        1.50        1.50        1.95        2.00
                            volume                2       12.72       12.72       19.88       20.68
                            comment_density       2        0.12        0.12        0.24        0.25
                            doc_coverage          2        0.50        0.50        0.95        1.00
  2024-01-02             1  cyclomatic            1        4.00        4.00        4.00        4.00
                            cognitive             1        3.00        3.00        3.00        3.00
                            max_cyclomatic        1        4.00        4.00        4.00        4.00
                            volume                1       49.83       49.83       49.83       49.83
                            comment_density       1        0.00        0.00        0.00        0.00
                            doc_coverage          1        0.00        0.00        0.00        0.00
  2024-01-03             1  cyclomatic            1        2.00        2.00        2.00        2.00
                            cognitive             1        0.00        0.00        0.00        0.00
                            max_cyclomatic        1        1.00        1.00        1.00        1.00
                            volume                1        9.51        9.51        9.51        9.51
                            comment_density       1        0.17        0.17        0.17        0.17
                            doc_coverage          1        0.50        0.50        0.50        0.50
OUT
}
