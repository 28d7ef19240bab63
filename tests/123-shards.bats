#!/usr/bin/env bats
# cf-reduce --shards: one history analysed in three commit-range shards
# (cf-run history --range A..B --shard) merges to the analysis of the whole
# range byte for byte: renames, a deletion and a file added again across
# the shards' boundaries, three authors, ticks restarting at each shard's
# t0.  The shards must chain by base and head; gaps, overlaps, duplicates
# and analyzers whose shards cannot be exact are refused.

load test_helper

# 12 commits, one a day from 2023-01-01 10:00, by Alice, Bob and Carol in turn.
_day=0
day() {
	_day=$((_day + 1))
	git add -A
	commit_at "2023-01-$(printf %02d $_day) 10:00:00 +0000" "$1" "${1,,}@example.com" "c$_day"
}

lines() {
	for i in $(seq 1 "$2"); do echo "$1 line $i"; done
}

make_repo() {
	git_init r
	cd r
	lines a 8 > a.c; lines b 8 > b.c; lines c 8 > c.py; lines d 6 > d.txt
	day Alice
	echo "a more" >> a.c; echo "b more" >> b.c; day Bob
	git rm -q d.txt; echo "c more" >> c.py; day Carol
	mkdir lib; git mv b.c lib/b.c; echo "b again" >> lib/b.c; day Alice
	git tag s1
	# the first commit of the second shard renames a file of the first
	mkdir src; git mv a.c src/a.c; day Bob
	# a file deleted in the first shard comes back: its history goes on
	lines d 3 > d.txt; day Carol
	echo "c third" >> c.py; echo "b third" >> lib/b.c; day Alice
	git rm -q c.py; day Bob
	git tag s2
	# deleted at the end of the second shard, back in the third
	lines c 4 > c.py; day Carol
	echo "a fourth" >> src/a.c; echo "d fourth" >> d.txt; lines e 5 > e.c; day Alice
	# back to the path the second shard emptied
	git mv lib/b.c b.c; day Bob
	echo "b fifth" >> b.c; echo "e fifth" >> e.c; day Carol
	cd ..
}

# A second history for the analyzers of syntax records: comments, typo
# fixes and imports in C and Python, 7 commits from 2023-02-01.
make_syntax_repo() {
	_day=0
	git_init y
	cd y
	printf '#include <stdio.h>\n#include <stdlib.h>\n\n' > m.c
	printf '/* This function is really wonderful and works great for everyone */\n' >> m.c
	printf 'int cmpute(int x)\n{\n\tint valeu = x + 1;\n\treturn valeu;\n}\n' >> m.c
	yday Alice
	sed -i 's/valeu = x/value = x/' m.c; yday Bob
	git tag y1
	printf 'import os\nimport sys\n\n' > n.py
	printf '# This is a terrible awful hack that breaks everything badly\n' >> n.py
	printf 'def lenght(p):\n    return len(os.listdir(p))\n' >> n.py
	yday Carol
	sed -i 's/def lenght/def length/' n.py; yday Alice
	printf '\n/* Sadly this code is bad and ugly and broken in many ways */\n' >> m.c
	printf 'int twice(int y)\n{\n\treturn cmpute(y) * 2;\n}\n' >> m.c
	yday Bob
	git tag y2
	sed -i 's/int cmpute(int x)/int compute(int x)/' m.c; yday Carol
	printf '\n# A lovely helper, happy and excellent at what it does\n' >> n.py
	printf 'def size(p):\n    return os.path.getsize(p)\n' >> n.py
	yday Alice
	cd ..
}

yday() {
	_day=$((_day + 1))
	git add -A
	commit_at "2023-02-$(printf %02d $_day) 10:00:00 +0000" "$1" "${1,,}@example.com" "y$_day"
}

# analyse OUT RANGE ANALYZERS [cf-run option]...: the msgpack result of RANGE of r.
analyse() {
	local out=$1 range=$2 a=$3
	shift 3
	cf-run history --quiet -a "$a" --range "$range" -f msgpack -o "$out" "$@" ${REPO:-r}
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	make_repo
	A=devs,couples,file-history
	analyse w.mp main $A --shard
	analyse p1.mp s1 $A --shard
	analyse p2.mp s1..s2 $A --shard
	analyse p3.mp s2..main $A --shard
	cf-reduce --shards -f json w.mp > w.json
	cf-reduce --shards -f json p1.mp p2.mp p3.mp > s.json
	# another repository, for the fleet
	"$BATS_TEST_DIRNAME/../bench/genrepo" -n 20 -f 5 -a 2 -s 7 o >/dev/null
	cf-run history --quiet -a $A -f msgpack -o o.mp o
}

setup() {
	cd "$BATS_FILE_TMPDIR"
}

@test "shards: devs, couples and file-history of three shards equal the whole range's, byte for byte" {
	run cmp w.json s.json
	assert_success
	# the stream record of the chain is the whole range's
	run jq -c '.codefang.repositories[0] | [.name, .range, .commits, .t0, .base]' s.json
	assert_output '["r","main",12,1672531200,null]'
	run jq -r '.codefang.repositories[0].head' s.json
	assert_output "$(git -C r rev-parse main)"
}

@test "shards: files followed across the boundaries: renames, a deletion, additions again" {
	run jq -c '."file-history".files[] | [.path, (.commits | length), .added, .removed]' s.json
	assert_output - <<-'EOF'
	["r:b.c",6,12,0]
	["r:c.py",5,14,10]
	["r:d.txt",4,10,6]
	["r:e.c",2,6,0]
	["r:src/a.c",4,10,0]
	EOF
	# the commits of a file in order: d.txt's c1, c3 (deleted), c6 (again), c10
	run jq -r '."file-history".files[2].commits | join(" ")' s.json
	assert_output "$(git -C r log --reverse --format=%H main -- d.txt | paste -sd' ')"
	run jq -c '.couples | [.files, .revisions, (.matrix | length), .top[0]]' s.json
	assert_output '[["r:b.c","r:c.py","r:d.txt","r:e.c","r:src/a.c"],[6,4,3,2,4],9,{"co_changes":2,"file1":"r:d.txt","file2":"r:src/a.c","strength":0.5714285714}]'
}

@test "shards: ticks restart at each shard's t0 and line up on calendar time" {
	run jq -r '.codefang.t0' <(cf-reduce -f json p2.mp)
	assert_output 1672876800
	run jq -c '.devs | [.t0, [.ticks[][0]], [.people[] | [.name, .commits, .first_tick, .last_tick]]]' s.json
	assert_output '[1672531200,[0,1,2,3,4,5,6,7,8,9,10,11],[["Alice",4,0,9],["Bob",4,1,10],["Carol",4,2,11]]]'
	# ticks of three days: the second boundary falls inside a tick, whose sums add up
	analyse w3.mp main devs --tick-size 72
	analyse p13.mp s1 devs --tick-size 72
	analyse p23.mp s1..s2 devs --tick-size 72
	analyse p33.mp s2..main devs --tick-size 72
	cf-reduce --shards -f json w3.mp > w3.json
	cf-reduce --shards -f json p13.mp p23.mp p33.mp > s3.json
	run cmp w3.json s3.json
	assert_success
	run jq -c '[.devs.ticks[] | .[0:2]]' s3.json
	assert_output '[[0,1],[1,3],[2,3],[3,3],[4,2]]'
}

@test "shards: the order of the shards and of the inputs does not matter" {
	cf-reduce --shards -f json p3.mp p1.mp p2.mp > o1.json
	run cmp o1.json s.json
	assert_success
	cat p2.mp p3.mp p1.mp | cf-reduce --shards -f json > o2.json
	run cmp o2.json s.json
	assert_success
}

@test "shards: merged then merged with another repository equals the other order" {
	cf-reduce --shards -f msgpack p1.mp p2.mp p3.mp > r.mp
	cf-reduce -f json r.mp o.mp > a.json
	cf-reduce --shards -f json o.mp p2.mp p1.mp p3.mp > b.json
	cf-reduce --shards -f json w.mp o.mp > c.json
	run cmp a.json b.json
	assert_success
	run cmp a.json c.json
	assert_success
	run jq -c '[.codefang.commits, [.codefang.repositories[].name], .devs.commits]' a.json
	assert_output '[32,["o","r"],32]'
}

@test "shards: cf-revlist writes the excluded end of A..B as base, none for a revision or a cut" {
	run jq -r '.codefang.base' <(cf-reduce -f json p2.mp)
	assert_output "$(git -C r rev-parse s1)"
	run jq -r '.codefang | has("base")' <(cf-reduce -f json p1.mp)
	assert_output false
	# base promises an interval of the end's first-parent walk: not with a cut, not
	# in topological order, not from another branch
	run jq -c '[.commits, has("base")]' <(cf-revlist r s1..s2 --since 2023-01-06 | cf-dump | head -1)
	assert_output '[3,false]'
	run jq -c '[.commits, has("base")]' <(cf-revlist r s1..s2 --full-history | cf-dump | head -1)
	assert_output '[4,false]'
	rm -rf r2
	git clone -q r r2
	git -C r2 checkout -q -b topic s1~1
	echo x > r2/x.txt
	git -C r2 add x.txt
	(cd r2 && commit_at "2023-01-20 10:00:00 +0000" Tom tom@example.com topic)
	run jq -c '[.commits, has("base")]' <(cf-revlist r2 topic..s2 | cf-dump | head -1)
	assert_output '[5,false]'
	run jq -c '[.commits, has("base")]' <(cf-revlist r2 s1~2..s2 | cf-dump | head -1)
	assert_output '[6,true]'
}

@test "shards: gaps, overlaps, duplicates and other tick sizes are refused" {
	run cf-reduce --shards p1.mp p3.mp
	assert_failure 1
	assert_output --partial "a gap between the shards of 'r'"
	run cf-reduce --shards p1.mp p2.mp p2.mp p3.mp
	assert_failure 1
	assert_output --partial "the same shard of 'r' twice"
	analyse q.mp s1..main devs
	run cf-reduce --shards p1.mp p2.mp q.mp
	assert_failure 1
	assert_output --partial "shards of 'r' overlap (both start after the same commit"
	run cf-reduce --shards w.mp p3.mp
	assert_failure 1
	assert_output --partial "shards of 'r' overlap (both end at the same commit)"
	analyse t.mp s2..main devs --tick-size 12
	run cf-reduce --shards p1.mp p2.mp t.mp
	assert_failure 1
	assert_output --partial "shards of 'r' with different tick_size"
	# without --shards, one repository twice is still refused
	run cf-reduce p1.mp p2.mp
	assert_failure 3
	assert_output --partial "the repository 'r' is in two inputs"
}

@test "shards: burndown and anomaly are refused, and couples without its shard map" {
	analyse b1.mp s1 burndown
	analyse b2.mp s1..main burndown
	run cf-reduce --shards b1.mp b2.mp
	assert_failure 1
	assert_output --partial "cannot merge the 'burndown' results of shards of 'r': the survival of lines needs the whole history before a shard"
	analyse n1.mp s1 anomaly
	analyse n2.mp s1..main anomaly
	run cf-reduce --shards n1.mp n2.mp
	assert_failure 1
	assert_output --partial "cannot merge the 'anomaly' results of shards of 'r': its trailing windows span the shards"
	analyse c1.mp s1 couples
	analyse c2.mp s1..main couples
	run cf-reduce --shards c1.mp c2.mp
	assert_failure 1
	assert_output --partial "the 'couples' result of shard 'r' has no 'shard' map (analyse the shards with cf-run history --shard)"
	# a result in some shards only
	run cf-reduce --shards p1.mp b2.mp
	assert_failure 1
	assert_output --partial "result is in 1 of the 2 shards of 'r'"
}

@test "shards: --shard adds the shard map only; the result is otherwise the same" {
	analyse plain.mp main devs,couples,file-history
	run jq -e --slurpfile s <(cf-reduce -f json w.mp) \
		'($s[0] | .couples |= del(.shard) | ."file-history" |= del(.shard)) == .' \
		<(cf-reduce -f json plain.mp)
	assert_success
	run jq -c '."file-history".shard | [[.files[].path], .from, .alive, .vacated]' <(cf-reduce -f json p2.mp)
	# c.py, deleted at the shard's end, is listed too: the next shard adds it again
	assert_output '[["c.py","d.txt","lib/b.c","src/a.c"],["c.py","d.txt","lib/b.c","a.c"],[false,true,true,true],["a.c"]]'
	run cf-reduce --shards --name x p1.mp
	assert_failure 2
}

@test "shards: sentiment, typos, quality and imports of three shards equal the whole range's" {
	make_syntax_repo
	export REPO=y
	A=sentiment,typos,quality,imports
	analyse yw.mp main $A
	analyse y1.mp y1 $A
	analyse y2.mp y1..y2 $A
	analyse y3.mp y2..main $A
	cf-reduce --shards -f json yw.mp > yw.json
	cf-reduce --shards -f json y2.mp y3.mp y1.mp > ys.json
	run cmp yw.json ys.json
	assert_success
	run jq -c '[.typos.typos[] | [.wrong, .correct, .file]]' ys.json
	assert_output '[["cmpute","compute","y:m.c"],["valeu","value","y:m.c"],["lenght","length","y:n.py"]]'
	run jq -c '[.sentiment.aggregate | .comments, .positive, .negative, .ticks]' ys.json
	assert_output '[4,2,2,4]'
	run jq -c '[[.quality.ticks[].tick], ([.imports.imports[].count] | add)]' ys.json
	assert_output '[[0,1,2,3,4,5,6],14]'
	# shotness follows units through the whole history: refused
	analyse h1.mp y1 shotness
	analyse h2.mp y1..main shotness
	run cf-reduce --shards h1.mp h2.mp
	assert_failure 1
	assert_output --partial "cannot merge the 'shotness' results of shards of 'y': its units and their co-changes follow files through the whole history"
}

@test "shards: a resumed shard keeps where its files were met first" {
	local d=$BATS_TEST_TMPDIR st
	stream() {
		cf-revlist r s1..main "$@" | cf-treediff r | cf-blobload r | cf-diff
	}
	for a in file-history couples; do
		stream | cf-$a --shard | cf-reduce -f json > "$d/full.json"
		stream --chunk-size 2 | cf-$a --shard --state-dir "$d/$a" > /dev/null
		stream --resume-after 2 | cf-$a --shard --resume "$d/$a/chunk-0.state" |
			cf-reduce -f json > "$d/part.json"
		run jq -e --slurpfile f "$d/full.json" --arg a $a '.[$a] == $f[0][$a]' "$d/part.json"
		assert_success
	done
	# the rename of a.c, the range's first commit, is in the saved chunk; b.c came from lib/b.c
	stream --resume-after 2 | cf-file-history --shard --resume "$d/file-history/chunk-0.state" |
		cf-reduce -f json > "$d/part.json"
	run jq -c '."file-history".shard | [[.files[].path], .from]' "$d/part.json"
	assert_output '[["b.c","c.py","d.txt","e.c","src/a.c"],["lib/b.c","c.py","d.txt","e.c","a.c"]]'
}
