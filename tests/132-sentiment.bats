#!/usr/bin/env bats
# cf-sentiment: VADER compound scores of the comments each commit adds or
# changes, and nothing else.  The scores were worked out by hand from
# vader_lexicon.txt (valences: great 3.1, good 1.9, solution 1.3, bad -2.5)
# and VADER's rules, compound = s / sqrt(s^2 + 15):
#
#   "This function works great and is very fast"
#     great 3.1 (the booster "very" follows it, so it does not apply)
#     3.1 / sqrt(9.61 + 15) = 3.1 / 4.96085 = 0.6249
#   "This is not a good solution at all"
#     good 1.9, "not" two words before it: 1.9 * -0.74 = -1.406
#     solution 1.3, "not" three words before it: 1.3 * -0.74 = -0.962
#     s = -2.368; -2.368 / sqrt(5.607424 + 15) = -2.368 / 4.53954 = -0.5216
#   "The parser is VERY good but the lexer is bad!!"
#     good 1.9 + booster "VERY" 0.293 + 0.733 for its capitals (some words,
#     not all, are capitals) = 2.926, before "but": * 0.5 = 1.463
#     bad -2.5, after "but": * 1.5 = -3.75
#     s = -2.287, two "!" add 2 * 0.292 away from 0: -2.871
#     -2.871 / sqrt(8.242641 + 15) = -2.871 / 4.82106 = -0.5955
#
# The commit of tick 1 edits code only and the one of tick 4 adds a
# licence line and a short comment: those ticks have no score at all.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	printf '# This function works great and is very fast\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n' >s.py
	git add s.py
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "one"
	sed -i 's/return 1/return 11/' s.py
	git add s.py
	commit_at "2024-01-02 10:00 +0000" Ann ann@x "code only"
	sed -i 's/^# This function.*/# This is not a good solution at all/' s.py
	git add s.py
	commit_at "2024-01-03 10:00 +0000" Ann ann@x "changed comment"
	sed -i 's/^def g():/# The parser is VERY good but the lexer is bad!!\ndef g():/' s.py
	git add s.py
	commit_at "2024-01-04 10:00 +0000" Ann ann@x "new comment"
	printf '# Copyright 2024 Example Corp, all rights reserved\n' | cat - s.py >s.new
	printf '# fix it\n' >>s.new
	mv s.new s.py
	git add s.py
	commit_at "2024-01-05 10:00 +0000" Ann ann@x "licence and short"
	cat >"$BATS_FILE_TMPDIR/flat.py" <<'PY'
import json, sys
d = json.load(sys.stdin)["sentiment"]
for t in d["ticks"]:
    print("tick", t["tick"], t["comments"], "%.4f" % t["mean"], t["positive"], t["negative"])
a = d["aggregate"]
print("total", a["comments"], "%.4f" % a["mean"], a["ticks"])
for c in d["most_negative"]:
    print("low", "%.4f" % c["compound"], c["file"], c["line"], c["text"])
PY
}

@test "cf-sentiment: scores of added and changed comments only, per tick" {
	run bash -c "cf-run history -a sentiment -f json '$REPO' | python3 '$BATS_FILE_TMPDIR/flat.py'"
	assert_success
	assert_output "tick 0 1 0.6249 1 0
tick 2 1 -0.5216 0 1
tick 3 1 -0.5955 0 1
total 3 -0.1641 3
low -0.5955 s.py 6 The parser is VERY good but the lexer is bad!!
low -0.5216 s.py 1 This is not a good solution at all
low 0.6249 s.py 1 This function works great and is very fast"
}

@test "cf-sentiment: a history without comments has no mean" {
	run bash -c "cf-run history -a sentiment -f json --range HEAD~4..HEAD~3 '$REPO' |
		python3 -c 'import json,sys; d=json.load(sys.stdin)[\"sentiment\"]; print(d[\"ticks\"], d[\"aggregate\"][\"mean\"])'"
	assert_success
	assert_output "[] None"
}

@test "cf-sentiment: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" sentiment cf-sentiment
	assert_success
}

@test "cf-sentiment -f text: per-tick dates, means and counts, the most negative" {
	run bash -c "cf-run history -a sentiment -f text '$REPO' | sed -n '/^sentiment/,\$p'"
	assert_success
	assert_output - <<'OUT'
sentiment (schema 2)
  comments 3, ticks 3, positive 1, negative 2, neutral 0, mean -0.164

  per tick
  date            comments     mean  positive  negative  neutral
  2024-01-01             1    0.625         1         0        0
  2024-01-03             1   -0.522         0         1        0
  2024-01-04             1   -0.596         0         1        0

  most negative ticks
  date            comments     mean  positive  negative  neutral
  2024-01-04             1   -0.596         0         1        0
  2024-01-03             1   -0.522         0         1        0

  most negative comments
   score  date              where                     comment
  -0.596  2024-01-04        s.py:6                    The parser is VERY good but the lexer is bad!!
  -0.522  2024-01-03        s.py:1                    This is not a good solution at all
OUT
}
