#!/usr/bin/env bats
# cf-reduce merging the results of shotness, typos, sentiment, imports,
# quality and anomaly: the merge of three repositories equals the analysis
# of one repository whose history is their union under a/, b/ and c/
# ("a/x" there is "a:x" in the merge, commit ids are the replayed ones),
# and the merge is associative and independent of the order, byte for byte.
# The three histories overlap in time, so that ticks of several
# repositories add up.

load test_helper

ANALYZERS=shotness,typos,sentiment,imports,quality,anomaly

# analyse REPO [OPTIONS...]: the six analyzers' results, msgpack.
analyse() {
	local repo=$1
	shift
	cf-run history -j 1 -a "$ANALYZERS" -f msgpack "$@" "$repo"
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	cat >gen.py <<'PY'
# gen.py DIR SEED COMMITS START: a bare repository DIR of COMMITS commits
# from START (Unix time) on, one every 3 to 30 hours, by four people, over
# three Python files and a README: functions added and edited (one or two
# at a time), comments written, imports changed, misspelled names fixed.
import subprocess, sys

d, seed, commits, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
state = seed

def rand(n):
    global state
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return (state >> 8) % n

people = [("Ann", "ann@x"), ("Bob", "bob@x"), ("Cy", "cy@x"), ("Dee", "dee@x")]
modules = ["os", "sys", "json", "re", "math", "collections"]
moods = ["a great and happy helper that works well", "this is a terrible and ugly hack",
         "the nice clean way to read the data", "awful broken code that we hate",
         "counts the items of the list in order", "a good fix for the bad old bug",
         "love this simple and lovely little loop", "sad slow and painful conversion"]
typos = [("valeu", "value"), ("lenght", "length"), ("widht", "width"), ("adress", "address")]
files = {}      # path -> {"imports": [...], "funcs": [[name, mood, var, const, ifs]]}
readme = ["notes"]
serial = 0

def new_func():
    global serial
    serial += 1
    var = typos[rand(4)][rand(2)]
    return ["f%d" % serial, moods[rand(8)], var, rand(9), rand(3)]

def render(f):
    out = ["import %s" % m for m in f["imports"]] + [""]
    for name, mood, var, const, ifs in f["funcs"]:
        out += ["", "# %s" % mood, "def %s(x):" % name, "    total = %s + x" % var]
        for k in range(ifs):
            out += ["    if total > %d:" % k, "        total -= %d" % (k + 1)]
        out += ["    return total + %d" % const, ""]
    return "\n".join(out) + "\n"

def change(f):
    op = rand(6)
    if op == 0 or not f["funcs"]:
        f["funcs"].append(new_func())
    elif op == 1:
        g = f["funcs"][rand(len(f["funcs"]))]
        g[3] += 1
        h = f["funcs"][rand(len(f["funcs"]))]
        h[3] += 2
    elif op == 2:
        f["funcs"][rand(len(f["funcs"]))][1] = moods[rand(8)]
    elif op == 3:
        for g in f["funcs"]:
            for wrong, right in typos:
                if g[2] == wrong:
                    g[2] = right
                    return
        f["funcs"][rand(len(f["funcs"]))][3] += 1
    elif op == 4:
        m = modules[rand(6)]
        f["imports"] = sorted(set(f["imports"]) ^ {m}) or ["os"]
    else:
        f["funcs"][rand(len(f["funcs"]))][4] = rand(4)

def blob(path, text):
    b = text.encode()
    return b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(b), b)

out = []
for n in range(commits):
    t += 3600 * (3 + rand(28))
    who = people[rand(4)]
    touched = []
    for _ in range(1 + rand(2)):
        p = ["m0.py", "lib/m1.py", "m2.py", "README.md"][rand(4)]
        if p == "README.md":
            readme.append("line %d" % n)
        else:
            if p not in files:
                files[p] = {"imports": [modules[rand(6)]], "funcs": [new_func()]}
            else:
                change(files[p])
        touched.append(p)
    out.append(b"commit refs/heads/main\nmark :%d\n" % (n + 1))
    out.append(b"author %s <%s> %d +0000\n" % (who[0].encode(), who[1].encode(), t))
    out.append(b"committer %s <%s> %d +0000\n" % (who[0].encode(), who[1].encode(), t))
    msg = b"commit %d" % n
    out.append(b"data %d\n%s\n" % (len(msg), msg))
    if n:
        out.append(b"from :%d\n" % n)
    for p in sorted(set(touched)):
        out.append(blob(p, "\n".join(readme) + "\n" if p == "README.md" else render(files[p])))
    out.append(b"\n")
subprocess.run(["git", "init", "-q", "--bare", d], check=True)
subprocess.run(["git", "-C", d, "fast-import", "--quiet"], input=b"".join(out), check=True)
subprocess.run(["git", "-C", d, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
PY
	# three starts: 2020-01-01, 3 and 6 days later
	python3 gen.py a 1 30 1577836800
	python3 gen.py b 2 25 1578096000
	python3 gen.py c 3 20 1578355200
	union u a b c
	for r in a b c u; do
		analyse "$r" > "$r.mp"
	done
	# --top 100: as many couplings as cf-shotness ranks by default
	cf-reduce --top 100 -f json u.mp > u.json
	cf-reduce --top 100 -f json a.mp b.mp c.mp > m.json
	git -C u log --format='%H %s' | awk '{ print "\"" $1 "\": \"" $3 "\"" }' |
		paste -sd, | sed 's/^/{/; s/$/}/' > ids.json
	for r in a b c; do
		cf-reduce -f json "$r.mp" > "$r.json"
	done
}

setup() {
	cd "$BATS_FILE_TMPDIR"
}

# jq: the union's "x/path" as the merge's "x:path", its commits as the replayed ones.
Q='def q: sub("^(?<r>[abc])/"; "\(.r):"); def id: $ids[0][.];'

# sum KEY ANALYZER: the sum of a number of the three repositories' results.
sum() {
	jq -s "map(.\"$2\".$1) | add" a.json b.json c.json
}

@test "merge: shotness of three repositories equals the union's, units qualified" {
	run jq -e --slurpfile u u.json "$Q"'($u[0].shotness | .units |= map(.file |= q)) == .shotness' m.json
	assert_success
	run jq -r '.shotness | "\(.commits) \(.units | length) \(.matrix | length) \(.total_couplings)"' m.json
	assert_output "$(sum commits shotness) $(jq -s 'map(.shotness.units | length) | add' a.json b.json c.json) $(jq -s 'map(.shotness.matrix | length) | add' a.json b.json c.json) $(sum total_couplings shotness)"
	# the couplings are ranked again to cf-reduce's --top, the matrix kept whole
	run jq -r '.shotness | "\(.couplings | length) \(.couplings[0].co_changes) \(.matrix | length)"' \
		<(cf-reduce --top 3 -f json a.mp b.mp c.mp)
	assert_output "3 $(jq '[.shotness.matrix[][2]] | max' m.json) $(jq '.shotness.matrix | length' m.json)"
	# a unit's changes are its repository's
	run jq -r '.shotness.units[] | select(.file == "b:m2.py" and .name == "f1") | .changes' m.json
	assert_output "$(jq -r '.shotness.units[] | select(.file == "m2.py" and .name == "f1") | .changes' b.json)"
}

@test "merge: typos are every repository's fixes, the patterns counted again" {
	run jq -e --slurpfile u u.json --slurpfile ids ids.json "$Q"'
		($u[0].typos | .typos |= (map(.file |= q | .commit |= id) | sort_by(.file, .line, .commit)))
		== .typos' m.json
	assert_success
	run jq -r '.typos | "\(.total_typos) \(.affected_files) \(.unique_patterns) \(.patterns | map("\(.wrong)>\(.correct):\(.count)") | join(","))"' m.json
	local want
	want=$(jq -rs 'map(.typos.typos[] | "\(.wrong)>\(.correct)") | group_by(.) |
		map(select(length > 1) | "\(.[0]):\(length)") | join(",")' a.json b.json c.json)
	assert_output "$(sum total_typos typos) $(sum affected_files typos) $(jq -s '[.[].typos.typos[] | [.wrong, .correct]] | unique | length' a.json b.json c.json) $want"
}

@test "merge: imports equal the union's, people unified and ticks on calendar time" {
	run jq -e --slurpfile u u.json '$u[0].imports == .imports' m.json
	assert_success
	run jq -r '.imports | "\(.people | map(.name) | join(",")) \(.t0) \(.commits) \([.imports[].count] | add)"' m.json
	assert_output "Ann,Bob,Cy,Dee $(jq -s 'map(.imports.t0) | min' a.json b.json c.json) 75 $(jq -s '[.[].imports.imports[].count] | add' a.json b.json c.json)"
}

@test "merge: sentiment per tick equals the union's, means exact" {
	run jq -e --slurpfile u u.json --slurpfile ids ids.json "$Q"'
		($u[0].sentiment | .most_negative |= map(.file |= q | .commit |= id)) == .sentiment' m.json
	assert_success
	# every tick is the sum of the repositories' ticks of that day, some of
	# several repositories
	jq -cs '(map(.sentiment.t0) | min) as $t0 | [.[].sentiment | . as $s | .ticks[] |
		{tick: (.tick + ($s.t0 - $t0) / 86400), comments, sum_nano}] | group_by(.tick) |
		map({tick: .[0].tick, comments: (map(.comments) | add),
		     sum_nano: (map(.sum_nano) | add), shared: (length > 1)})' a.json b.json c.json > want.json
	run jq -e --slurpfile w want.json '[.sentiment.ticks[] | {tick, comments, sum_nano}] ==
		($w[0] | map(del(.shared)))' m.json
	assert_success
	run jq '[.[] | select(.shared)] | length' want.json
	assert_output 8
}

@test "merge: quality per tick equals the union's, statistics of every value" {
	run jq -e --slurpfile u u.json '$u[0].quality == .quality' m.json
	assert_success
	run jq -r '.quality | "\(.total_files) \([.ticks[].cyclomatic.n // 0] | add)"' m.json
	assert_output "$(sum total_files quality) $(jq -s '[.[].quality.ticks[].cyclomatic.n // 0] | add' a.json b.json c.json)"
}

@test "merge: anomaly is scored again over the merged ticks, as the union's" {
	run jq -e --slurpfile u u.json '$u[0].anomaly == .anomaly' m.json
	assert_success
	run jq -r '.anomaly | "\(.ticks | length) \(.anomalies | length) \(.window) \(.threshold)"' m.json
	assert_output "$(jq '.anomaly.ticks | length' u.json) $(jq '.anomaly.anomalies | length' u.json) 20 2"
}

@test "merge: associative and order-independent, byte for byte" {
	merges_agree
	run jq -c '[.codefang.commits, (to_entries | map(.key) | .[1:])]' <(cf-reduce -f json abc.mp)
	assert_output '[75,["scope","anomaly","imports","quality","sentiment","shotness","typos"]]'
}

@test "merge: refusals name what cannot be merged" {
	# other anomaly options
	pipeline b "cf-anomaly --anomaly-window 10" "cf-reduce --quiet -f msgpack" > bw.mp
	run cf-reduce a.mp bw.mp
	assert_failure 3
	assert_output --partial "cannot merge the 'anomaly' result: its --anomaly-window 10 differs from the 20"
	pipeline b "cf-anomaly --anomaly-threshold 2.5" "cf-reduce --quiet -f msgpack" > bt.mp
	run cf-reduce a.mp bt.mp
	assert_failure 3
	assert_output --partial "its --anomaly-threshold 2.5 differs from the 2"
	# other tick sizes
	cf-run history -j 1 -a sentiment --tick-size 12 -f msgpack b > b12.mp
	run cf-reduce a.mp b12.mp
	assert_failure 3
	assert_output --partial "cannot merge the 'sentiment' result: its tick_size 43200 differs from the 86400"
	# a result of the schema before the merge's
	printf '\x85\xa1t\xa6result\xa1v\x01\xa8analyzer\xa7quality\xa6schema\x01\xa4data\x80' > q1.mp
	run cf-reduce q1.mp q1.mp
	assert_failure 1
	assert_output --partial "cannot merge the results of analyzer 'quality' (record 1): schema 1, the merge knows schema 2"
}

@test "cf-run: the six analyzers killed after a chunk and resumed give the same bytes" {
	analyse u -o full.mp
	CF_CHUNK_SIZE=10 CF_TEST_CRASH_AFTER_CHUNK=3 run analyse u --streaming-mode=on --checkpoint-dir cp -o part.mp
	assert_failure 137
	run ls cp/*/
	assert_line analyzer_5
	CF_CHUNK_SIZE=10 run --separate-stderr analyse u --streaming-mode=on --checkpoint-dir cp -o part.mp
	assert_success
	[[ $stderr == *"streaming: resuming after chunk 4/8 (40 commits done)"* ]]
	cmp full.mp part.mp
}
