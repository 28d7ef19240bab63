#!/usr/bin/env bats
# cf-reduce -f plot: one self-contained HTML page, rendered in headless
# Chromium with the network disabled: no console errors, no requests, and
# each chart's SVG has as many series or bars as the crafted results call
# for.  Chromium is installed by setup_file when missing and the tests run
# as root; without it the rendering tests are skipped, saying why.

load test_helper

# The results, as Python literals encoded to msgpack (no msgpack module needed).
setup_file() {
	cat >"$BATS_FILE_TMPDIR/stream.py" <<'PY'
import struct, sys
def enc(o):
    if o is None: return b'\xc0'
    if isinstance(o, bool): return b'\xc3' if o else b'\xc2'
    if isinstance(o, int):
        return b'\xcf' + struct.pack('>Q', o) if o >= 0 else b'\xd3' + struct.pack('>q', o)
    if isinstance(o, float): return b'\xcb' + struct.pack('>d', o)
    if isinstance(o, str):
        b = o.encode(); return b'\xdb' + struct.pack('>I', len(b)) + b
    if isinstance(o, bytes): return b'\xc6' + struct.pack('>I', len(o)) + o
    if isinstance(o, list): return b'\xdd' + struct.pack('>I', len(o)) + b''.join(map(enc, o))
    return b'\xdf' + struct.pack('>I', len(o)) + b''.join(enc(k) + enc(v) for k, v in o.items())
T0, DAY = 1577836800, 86400
people = [{"name": "Alice <&>", "email": "a@x"}, {"name": "Bob", "email": "b@x"}]
burndown = {"granularity": 30, "sampling": 30, "tick_size": DAY, "t0": T0, "last_tick": 65,
    "samples": 3, "bands": 3, "lines": 25, "files": 1, "band_start": [0, 30, 60],
    "matrix": [[10, 0, 0], [8, 12, 0], [5, 10, 10]], "people": people,
    "people_burndown": [[[0, 10], [0, 8, 1, 2], [0, 5, 1, 2, 2, 4]], [[], [1, 10], [1, 8, 2, 6]]],
    "file_burndown": [{"path": "a.c", "lines": 25,
                       "sparse": [[0, 10], [0, 8, 1, 12], [0, 5, 1, 10, 2, 10]]}]}
devs = {"people": [{"name": "Alice <&>", "email": "a@x", "commits": 3,
                    "ticks": [[0, 2, 20, 5, 3], [9, 1, 3, 1, 0]]},
                   {"name": "Bob", "email": "b@x", "commits": 1, "ticks": [[5, 1, 5, 0, 0]]}],
    "commits": 4, "added": 28, "removed": 6, "first_tick": 0, "last_tick": 9,
    "ticks": [[0, 2, 20, 5, 3], [5, 1, 5, 0, 0], [9, 1, 3, 1, 0]],
    "languages": {"C": {"added": 20, "removed": 5}, "Markdown": {"added": 8, "removed": 1}},
    "tick_size": DAY, "t0": T0}
couples = {"commits": 5, "files": ["a.c", "b.h", "z<&>.py"], "revisions": [3, 2, 1],
    "matrix": [[0, 1, 2], [0, 2, 1]], "max_changes": 1000, "skipped_commits": 0,
    "people": people, "people_files": [[0, 0, 3], [1, 1, 2]],
    "top": [{"co_changes": 2, "file1": "a.c", "file2": "b.h", "strength": 0.8},
            {"co_changes": 1, "file1": "a.c", "file2": "z<&>.py", "strength": 0.5}]}
file_history = {"commits": 5, "files": [], "people": people,
    "hotspots": [{"path": "a.c", "commits": 3, "churn": 40},
                 {"path": "b.h", "commits": 2, "churn": 12},
                 {"path": "z<&>.py", "commits": 1, "churn": 3}]}
units = [{"file": "n.py", "kind": "function", "name": n, "changes": c, "coupled": 2,
          "hotness": c / 3} for n, c in (("alpha", 3), ("beta", 3), ("delta", 2), ("g<&>", 2))]
shotness = {"commits": 6, "units": units, "total_couplings": 2, "max_units": 200,
    "skipped_commits": 0, "couplings": [{"a": 0, "b": 1, "co_changes": 1, "strength": 0.33},
                                        {"a": 2, "b": 3, "co_changes": 1, "strength": 0.5}]}
typos = {"typos": [{"wrong": "widht", "correct": "width", "file": "t.py", "line": l,
                    "commit": "ab" * 20} for l in (1, 2)] +
                  [{"wrong": "recieve", "correct": "receive", "file": "t.py", "line": 5,
                    "commit": "cd" * 20}],
    "patterns": [{"wrong": "widht", "correct": "width", "count": 2}],
    "total_typos": 3, "unique_patterns": 2, "affected_files": 1, "max_distance": 4}
sentiment = {"ticks": [{"tick": t, "comments": 1, "mean": m, "positive": int(m > 0),
                        "negative": int(m < 0), "neutral": 0}
                       for t, m in ((0, 0.6249), (2, -0.5216), (3, -0.5955), (7, 0.1))],
    "aggregate": {"comments": 4, "ticks": 4, "positive": 2, "negative": 2, "neutral": 0,
                  "mean": -0.098}, "most_negative": [], "min_length": 20, "top": 20}
imports = {"people": people, "imports": [
    {"person": 0, "lang": "go", "module": "fmt", "count": 2, "ticks": [[0, 2]]},
    {"person": 0, "lang": "python", "module": "os", "count": 1, "ticks": [[2, 1]]},
    {"person": 1, "lang": "python", "module": "os", "count": 1, "ticks": [[1, 1]]},
    {"person": 1, "lang": "python", "module": "sys", "count": 1, "ticks": [[1, 1]]}]}
def stat(m, p): return {"n": 2, "mean": m, "median": m, "p95": p, "max": p}
quality = {"ticks": [{"tick": t, "files": 2, "cyclomatic": stat(m, p), "cognitive": stat(1, 1)}
                     for t, m, p in ((0, 1.5, 1.95), (1, 4.0, 4.0), (4, 2.0, 2.0))],
    "total_files": 6}
anomaly = {"series": ["churn", "files", "languages", "authors"], "threshold": 2.0,
    "window": 20, "anomalies": [3],
    "ticks": [{"tick": t, "churn": c, "files": 1, "languages": 1, "authors": 1,
               "anomaly": t == 3, "flagged": ["churn"] if t == 3 else [], "max_abs_z": 0.0,
               "z": {"churn": None, "files": None, "languages": None, "authors": None}}
              for t, c in ((0, 2), (1, 6), (2, 4), (3, 300), (5, 2))]}
recs = [{"t": "stream", "v": 1, "repo": "/src/proj/.git", "head": bytes(range(20)),
         "range": "HEAD", "first_parent": True, "commits": 4, "tick_size": DAY, "t0": T0}]
for name, data in (("burndown", burndown), ("devs", devs), ("couples", couples),
                   ("file-history", file_history), ("mystery", {"a": 1, "b": "x<y"}),
                   ("shotness", shotness), ("typos", typos), ("sentiment", sentiment),
                   ("imports", imports), ("quality", quality), ("anomaly", anomaly)):
    if name in sys.argv[1:]:
        recs.append({"t": "result", "v": 1, "analyzer": name, "schema": 1, "data": data})
sys.stdout.buffer.write(b''.join(map(enc, recs)))
PY
	CHROMIUM=$(command -v chromium || true)
	if [[ -z $CHROMIUM && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq chromium \
			>"$BATS_FILE_TMPDIR/apt.log" 2>&1 ||
			DEBIAN_FRONTEND=noninteractive timeout 600 sh -c \
				'apt-get update -qq && apt-get install -y -qq chromium' \
				>>"$BATS_FILE_TMPDIR/apt.log" 2>&1 || true
		CHROMIUM=$(command -v chromium || true)
	fi
	export CHROMIUM
}

# results NAME... > STREAM
results() {
	python3 "$BATS_FILE_TMPDIR/stream.py" "$@"
}

need_chromium() {
	[[ -n $CHROMIUM ]] || skip "chromium is not installed (apt-get install chromium, as root)"
}

# render PAGE: loads a copy of PAGE, with a probe script at its end, in
# Chromium without network (any request would go to a dead proxy), and
# prints the probe's findings, one line per chart: "KIND COUNT MARKS", then
# "requests N" and "errors N"; Chromium's console lines go to console.log.
render() {
	local page=$BATS_TEST_TMPDIR/probe.html profile=$BATS_TEST_TMPDIR/profile
	mkdir -p "$profile"
	sed 's|</body>|<script>window.onerror=function(){errs++};var errs=0;</script>&|' "$1" >"$page"
	cat >>"$page" <<'JS'
<script>
var out = [];
document.querySelectorAll('svg.chart').forEach(function (s) {
	out.push(s.dataset.chart + ' ' + s.dataset.count + ' ' +
		 s.querySelectorAll('.series, .bar, .cell').length);
});
document.querySelectorAll('ul.legend[data-legend]').forEach(function (l) {
	out.push('legend-' + l.dataset.legend + ' ' + l.dataset.count + ' ' + l.children.length);
});
out.push('requests ' + performance.getEntriesByType('resource').length);
out.push('errors ' + errs);
var pre = document.createElement('pre');
pre.id = 'findings';
pre.textContent = '\n' + out.join('\n') + '\n';
document.body.appendChild(pre);
</script>
JS
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--proxy-server=127.0.0.1:9 --user-data-dir="$profile" --enable-logging=stderr \
		--dump-dom "file://$page" >"$BATS_TEST_TMPDIR/dom.html" 2>"$BATS_TEST_TMPDIR/chromium.log"
	sed -n '/<pre id="findings">/,/<\/pre>/p' "$BATS_TEST_TMPDIR/dom.html" | sed '1d;$d'
	grep -c 'CONSOLE' "$BATS_TEST_TMPDIR/chromium.log" | sed 's/^/console /'
}

@test "plot: one self-contained page, no address, same bytes twice" {
	results burndown devs mystery >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	cf-reduce -f plot -o "$BATS_TEST_TMPDIR/b.html" <"$BATS_TEST_TMPDIR/s.mp"
	cmp "$BATS_TEST_TMPDIR/a.html" "$BATS_TEST_TMPDIR/b.html"
	run head -n 1 "$BATS_TEST_TMPDIR/a.html"
	assert_output '<!DOCTYPE html>'
	# Nothing to fetch: no src or href, no url(), no @import; the only
	# address is the SVG namespace, which is a name, never loaded.
	run -1 bash -c "grep -Eoi '(src|href)=|url\\(|@import|https?://[^\"]*' '$BATS_TEST_TMPDIR/a.html' |
		grep -v '^http://www.w3.org/2000/svg\$'"
	assert_output ''
	run grep -c 'xmlns="http://www.w3.org/2000/svg"' "$BATS_TEST_TMPDIR/a.html"
	assert_output "$(grep -c '<svg class="chart"' "$BATS_TEST_TMPDIR/a.html")"
	run grep -c '<script' "$BATS_TEST_TMPDIR/a.html"
	assert_output 0
	# The title names the work tree and the parameters; names are escaped.
	run grep -o '<h1>.*</h1>' "$BATS_TEST_TMPDIR/a.html"
	assert_output '<h1>Codefang: /src/proj</h1>'
	grep -q 'HEAD at 000102030405, first parents, 4 commits, a tick is 24 hours, from 2020-01-01' \
		"$BATS_TEST_TMPDIR/a.html"
	grep -q 'Alice &lt;&amp;&gt;' "$BATS_TEST_TMPDIR/a.html"
	! grep -q 'Alice <&>' "$BATS_TEST_TMPDIR/a.html"
	grep -q '<td>b</td><td>x&lt;y</td>' "$BATS_TEST_TMPDIR/a.html"
}

@test "plot: the axes carry dates from t0 and the tick size" {
	results burndown >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	# 66 days from 2020-01-01: a label every 14 days, on each of the six
	# charts (burndown, survival, ownership, two people, one file).
	run grep -c '>2020-01-29</text>' "$BATS_TEST_TMPDIR/a.html"
	assert_output 6
	# The bands' legend: their start dates.
	run grep -o '<ul class="legend" data-legend="bands".*</ul>' "$BATS_TEST_TMPDIR/a.html"
	assert_output --partial '2020-01-01</li>'
	assert_output --partial '2020-01-31</li>'
	assert_output --partial '2020-03-01</li>'
}

@test "plot in chromium: burndown, survival, ownership, per person and per file" {
	need_chromium
	results burndown >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	run render "$BATS_TEST_TMPDIR/a.html"
	assert_output - <<'OUT'
burndown 3 3
survival 3 3
ownership 2 2
burndown-people 2 2
burndown-people 3 3
burndown-files 3 3
legend-bands 3 3
legend-owners 2 2
requests 0
errors 0
console 0
OUT
}

@test "plot in chromium: devs activity, churn, developers and languages" {
	need_chromium
	results devs >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	run render "$BATS_TEST_TMPDIR/a.html"
	# Ten one-day bins: Alice's bars on days 0 and 9, Bob's on day 5;
	# added on three days, removed on two.
	assert_output - <<'OUT'
activity 3 3
churn 5 5
developers 2 2
languages 2 2
legend-developers 2 2
requests 0
errors 0
console 0
OUT
}

@test "plot in chromium: an unknown analyzer and a stream of results only" {
	need_chromium
	results mystery >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	run render "$BATS_TEST_TMPDIR/a.html"
	assert_output - <<'OUT'
requests 0
errors 0
console 0
OUT
	grep -q '<section class="analyzer" data-analyzer="mystery">' "$BATS_TEST_TMPDIR/a.html"
}

@test "plot in chromium: cf-run -f plot of the standard history" {
	need_chromium
	make_history "$BATS_TEST_TMPDIR/h" >/dev/null
	cf-run history -a burndown,devs -f plot -o "$BATS_TEST_TMPDIR/h.html" "$BATS_TEST_TMPDIR/h"
	cf-run history -a burndown,devs -f json "$BATS_TEST_TMPDIR/h" >"$BATS_TEST_TMPDIR/h.json"
	bands=$(jq '[.burndown.matrix | transpose[] | select(any(. > 0))] | length' \
		"$BATS_TEST_TMPDIR/h.json")
	devs=$(jq '.devs.people | length' "$BATS_TEST_TMPDIR/h.json")
	langs=$(jq '.devs.languages | length' "$BATS_TEST_TMPDIR/h.json")
	run render "$BATS_TEST_TMPDIR/h.html"
	assert_line "burndown $bands $bands"
	assert_line "developers $devs $devs"
	assert_line "languages $langs $langs"
	assert_line "requests 0"
	assert_line "errors 0"
	assert_line "console 0"
}

@test "plot in chromium: couples top pairs and heatmap, file-history hotspots" {
	need_chromium
	results couples file-history >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	run render "$BATS_TEST_TMPDIR/a.html"
	# The heatmap: three diagonal cells (revisions) and two pairs, each
	# drawn on both sides of the diagonal.
	assert_output - <<'OUT'
couples 2 2
couples-heatmap 7 7
hotspots 3 3
requests 0
errors 0
console 0
OUT
	# Names are escaped; tooltips carry the numbers.
	grep -q '>a.c ↔ z&lt;&amp;&gt;.py</text>' "$BATS_TEST_TMPDIR/a.html"
	grep -q '<title>a.c and z&lt;&amp;&gt;.py: 1 commit</title>' "$BATS_TEST_TMPDIR/a.html"
	grep -q '<title>z&lt;&amp;&gt;.py: 1 commit</title>' "$BATS_TEST_TMPDIR/a.html"
	grep -q '>3 commits, churn 40</text>' "$BATS_TEST_TMPDIR/a.html"
}

# The number of bands with lines in a sparse matrix, for jq.
SPARSE_BANDS='def bands: [.[] | . as $r | range(0; length; 2) | select($r[. + 1] > 0) | $r[.]]
	| unique | length;'

@test "plot in chromium: every analyzer of the standard history, per file and per person" {
	need_chromium
	local h=$BATS_TEST_TMPDIR/h
	make_history "$h" >/dev/null
	pipeline "$h" "cf-burndown --burndown-files --burndown-people" cf-devs cf-couples \
		cf-file-history "cf-reduce -f msgpack" >"$BATS_TEST_TMPDIR/h.mp"
	cf-reduce -f plot -o "$BATS_TEST_TMPDIR/h.html" <"$BATS_TEST_TMPDIR/h.mp"
	cf-reduce -f json <"$BATS_TEST_TMPDIR/h.mp" >"$BATS_TEST_TMPDIR/h.json"
	# The fixture's numbers, so that a change of make_history shows here first.
	run jq -c '[(.burndown.file_burndown | length), (.burndown.people | length),
		(.couples.files | length), (.couples.matrix | length),
		(.couples.top | length), (."file-history".hotspots | length)]' \
		"$BATS_TEST_TMPDIR/h.json"
	assert_output '[8,2,9,23,20,9]'
	render "$BATS_TEST_TMPDIR/h.html" >"$BATS_TEST_TMPDIR/found"
	# One small burndown per file and per person, as many areas as bands with lines.
	jq -r "$SPARSE_BANDS"' .burndown.file_burndown[] | .sparse | bands |
		"burndown-files \(.) \(.)"' "$BATS_TEST_TMPDIR/h.json" | sort >"$BATS_TEST_TMPDIR/want"
	grep '^burndown-files ' "$BATS_TEST_TMPDIR/found" | sort | diff - "$BATS_TEST_TMPDIR/want"
	jq -r "$SPARSE_BANDS"' .burndown.people_burndown[] | bands |
		"burndown-people \(.) \(.)"' "$BATS_TEST_TMPDIR/h.json" | sort >"$BATS_TEST_TMPDIR/want"
	grep '^burndown-people ' "$BATS_TEST_TMPDIR/found" | sort | diff - "$BATS_TEST_TMPDIR/want"
	# All nine files in the heatmap: their revisions on the diagonal, each pair twice.
	cells=$(jq '([.couples.revisions[] | select(. > 0)] | length) + 2 * (.couples.matrix | length)' \
		"$BATS_TEST_TMPDIR/h.json")
	run grep -v '^burndown-files \|^burndown-people ' "$BATS_TEST_TMPDIR/found"
	assert_output - <<OUT
burndown 14 14
survival 14 14
ownership 2 2
activity 46 46
churn 74 74
developers 2 2
languages 6 6
couples 20 20
couples-heatmap $cells $cells
hotspots 9 9
legend-bands 14 14
legend-owners 2 2
legend-developers 2 2
requests 0
errors 0
console 0
OUT
	run grep -c '^burndown-files ' "$BATS_TEST_TMPDIR/found"
	assert_output 8
}

@test "plot in chromium: shotness, typos, imports bars; sentiment, quality, anomaly over time" {
	need_chromium
	results shotness typos sentiment imports quality anomaly >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	run render "$BATS_TEST_TMPDIR/a.html"
	# Four functions, their changes on the heatmap's diagonal and two pairs
	# on both sides; one repeated fix, three modules (fmt, os of python,
	# sys); one sentiment line, the mean and p95 of quality, five ticks of
	# churn.
	assert_output - <<'OUT'
shotness 4 4
shotness-heatmap 8 8
typos 1 1
sentiment 1 1
imports 3 3
quality 2 2
anomaly 5 5
requests 0
errors 0
console 0
OUT
}

@test "plot: ticks without a value break the lines; the anomalous tick is marked" {
	results sentiment quality anomaly typos imports >"$BATS_TEST_TMPDIR/s.mp"
	cf-reduce -f plot <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.html"
	local page=$BATS_TEST_TMPDIR/a.html
	# Sentiment at ticks 0, 2, 3, 7: three pieces (a new "M" at 2 and at 7),
	# a dot per tick, and the dashed zero line.
	run bash -c "grep -o '<path class=\"series line\" d=\"[^\"]*' '$page' | head -1 | grep -o M | wc -l"
	assert_output 3
	run bash -c "sed -n '/data-chart=\"sentiment\"/,/<\\/svg>/p' '$page' | grep -c '<circle class=\"dot\"'"
	assert_output 4
	run bash -c "sed -n '/data-chart=\"sentiment\"/,/<\\/svg>/p' '$page' | grep -c '<line class=\"zero\"'"
	assert_output 1
	# Quality at ticks 0, 1, 4: two pieces per series.
	run bash -c "sed -n '/data-chart=\"quality\"/,/<\\/svg>/p' '$page' | grep -o '<path class=\"series line\" d=\"[^\"]*' | tr -cd M"
	assert_output MMMM
	# One of the five churn bars is the anomaly, its tooltip says why.
	run bash -c "sed -n '/data-chart=\"anomaly\"/,/<\\/svg>/p' '$page' | grep -c 'fill=\"#e15759\"'"
	assert_output 1
	grep -q '<title>2020-01-04: churn 300; anomaly in churn</title>' "$page"
	# Dates on the axes from the header's t0 and tick size.
	grep -q '>2020-01-03</text>' "$page"
	# The fixes' table, the bars' labels escaped.
	grep -q '<table class="fields" data-table="typos" data-count="3">' "$page"
	grep -q '>widht → width</text>' "$page"
	grep -q '>os (python)</text>' "$page"
	grep -q '>2 files, 2 developers</text>' "$page"
}

@test "plot in chromium: the structure-aware analyzers on the standard history" {
	need_chromium
	local h=$BATS_TEST_TMPDIR/h a=shotness,typos,sentiment,imports,quality,anomaly
	make_history "$h" >/dev/null
	cf-run history -a $a -f plot -o "$BATS_TEST_TMPDIR/h.html" "$h"
	cf-run history -a $a -f json "$h" >"$BATS_TEST_TMPDIR/h.json"
	# The fixture's numbers: functions, quality ticks, ticks with commits and
	# anomalies; no comments, imports or typos, so no chart of theirs.
	run jq -c '[(.shotness.units | length), (.quality.ticks | length), (.anomaly.ticks | length),
		(.anomaly.anomalies | length), (.sentiment.ticks | length), (.imports.imports | length),
		(.typos.patterns | length)]' "$BATS_TEST_TMPDIR/h.json"
	assert_output '[281,39,44,18,0,0,0]'
	# The heatmap: the 16 functions changed most (ties by label), their
	# changes on the diagonal, the reported couplings among them twice.
	cells=$(jq '.shotness as $s | [$s.units | to_entries[] | {i: .key, c: .value.changes,
		l: "\(.value.name) (\(.value.file))"}] | sort_by(-.c, .l) | .[:16] | map(.i) as $top |
		16 + 2 * ([$s.couplings[] | select((.a as $a | $top | index($a)) and
		(.b as $b | $top | index($b)))] | length)' "$BATS_TEST_TMPDIR/h.json")
	run render "$BATS_TEST_TMPDIR/h.html"
	assert_output - <<OUT
shotness 20 20
shotness-heatmap $cells $cells
quality 2 2
anomaly 44 44
requests 0
errors 0
console 0
OUT
	run bash -c "sed -n '/data-chart=\"anomaly\"/,/<\\/svg>/p' '$BATS_TEST_TMPDIR/h.html' |
		grep -c 'fill=\"#e15759\"'"
	assert_output 18
}

@test "plot in chromium: cf-run analyze -f plot, the static metrics' distributions" {
	mkdir -p "$BATS_TEST_TMPDIR/w/a" "$BATS_TEST_TMPDIR/w/b"
	cd "$BATS_TEST_TMPDIR"
	cat >w/a/m.c <<-'EOF'
	#define UNUSED __attribute__((unused))
	static int before(int a) { if (a > 0 && a < 10) return 1; return 0; }
	static int hook(int argc UNUSED, const char **argv) { return argv ? 1 : 0; }
	static int after(int x) { for (int i = 0; i < x; i++) if (i == 3) return i; return -1; }
	EOF
	cat >w/b/k.py <<-'EOF'
	class One:
	    def __init__(self):
	        self.a = 1

	    def get(self):
	        return self.a


	class Two:
	    def left(self):
	        return self.x

	    def right(self):
	        return self.y
	EOF
	cf-run analyze -f plot --partial w >a.html 2>/dev/null
	grep -q '<h1>Codefang: w</h1>' a.html
	grep -q '2 files, 7 functions, 2 classes; 0 skipped, 1 partial' a.html
	# cyclomatic: the four methods 1, hook 2, before and after 3
	grep -q '<title>1: 4 functions</title>' a.html
	grep -q '<title>2: 1 functions</title>' a.html
	grep -q '<title>3-4: 2 functions</title>' a.html
	# One is cohesive; Two's methods share no field
	grep -q '<title>1 (cohesive): 1 classes</title>' a.html
	grep -q '<title>2: 1 classes</title>' a.html
	# labels without the directory every file is in
	grep -q '<title>a/m.c:before: 3 cyclomatic</title>' a.html
	need_chromium
	run render a.html
	assert_output - <<'OUT'
cyclomatic 10 10
cognitive 10 10
top-functions 7 7
lcom4 5 5
directories 2 2
volume 2 2
requests 0
errors 0
console 0
OUT
}
