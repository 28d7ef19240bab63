#!/usr/bin/env bats
# cf-reduce: result records of a crafted stream rendered as json, yaml, text
# and msgpack; its errors; -o writing atomically.
#
# Streams are written as JSON lines and encoded to msgpack by a small
# encoder (mp, below) so that every field and type is under the test's
# control; "hex:..." strings become bin values.

load test_helper

setup_file() {
	cat >"$BATS_FILE_TMPDIR/mp.py" <<'PY'
import json, struct, sys
def enc(o):
    if o is None: return b'\xc0'
    if o is True: return b'\xc3'
    if o is False: return b'\xc2'
    if isinstance(o, int):
        if 0 <= o < 128: return bytes([o])
        if o >= 0: return b'\xcf' + struct.pack('>Q', o)
        return b'\xd3' + struct.pack('>q', o)
    if isinstance(o, float): return b'\xcb' + struct.pack('>d', o)
    if isinstance(o, str):
        if o.startswith('hex:'):
            b = bytes.fromhex(o[4:])
            return b'\xc6' + struct.pack('>I', len(b)) + b
        b = o.encode('utf-8', 'surrogateescape')
        return b'\xdb' + struct.pack('>I', len(b)) + b
    if isinstance(o, list):
        return b'\xdd' + struct.pack('>I', len(o)) + b''.join(map(enc, o))
    if isinstance(o, dict):
        return b'\xdf' + struct.pack('>I', len(o)) + b''.join(enc(k) + enc(v) for k, v in o.items())
    raise TypeError(o)
for line in sys.stdin.buffer:
    if line.strip():
        sys.stdout.buffer.write(enc(json.loads(line.decode('utf-8', 'surrogateescape'))))
PY
}

# mp < JSON-LINES > STREAM
mp() {
	python3 "$BATS_FILE_TMPDIR/mp.py"
}

STREAM='{"t":"stream","v":1,"repo":"/r/.git","head":"hex:0123456789abcdef0123456789abcdef01234567","range":"HEAD","first_parent":true,"commits":1,"tick_size":86400,"t0":1577836800}'
COMMIT='{"t":"commit","v":1,"n":0}'
BURNDOWN='{"t":"result","v":1,"analyzer":"burndown","schema":1,"data":{"granularity":30,"sampling":30,"tick_size":86400,"t0":1577836800,"last_tick":65,"samples":3,"bands":3,"commits":3,"files":2,"lines":25,"resyncs":0,"band_start":[0,30,60],"matrix":[[10,0,0],[8,12,0],[5,10,10]],"people":2}}'
DEVS='{"t":"result","v":1,"analyzer":"devs","schema":1,"data":{"people":[{"name":"Bob","email":"bob@x","commits":1,"added":5,"removed":0,"changed":0},{"name":"Alice","email":"alice@x","commits":2,"added":20,"removed":5,"changed":3}],"commits":3,"merges":0,"files":4,"added":25,"removed":5,"changed":3,"contributors":2,"bus_factor":1,"bus_factor_people":[1],"languages":{"C":{"files":3,"added":20,"removed":5,"changed":3,"contributors":2,"bus_factor":1},"Markdown":{"files":1,"added":5,"removed":0,"changed":0,"contributors":1,"bus_factor":1}}}}'
OTHER='{"t":"result","v":1,"analyzer":"mystery","schema":3,"data":{"a":1,"b":"text","c":[1,2,3],"d":{"e":[{"x":1},{"y":"z"}]},"f":-5,"g":1.5}}'

stream() {
	printf '%s\n' "$STREAM" "$COMMIT" "$BURNDOWN" "$DEVS" | mp >"$BATS_TEST_TMPDIR/s.mp"
}

@test "json: the header, then one key per analyzer in stream order, keys as produced" {
	stream
	run --separate-stderr cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	assert_success
	[[ -z $stderr ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	jq . "$BATS_TEST_TMPDIR/out.json" >/dev/null
	run jq -c 'keys_unsorted, .codefang, (.burndown | keys_unsorted), .burndown.matrix[2], .devs.people[1].name' \
		"$BATS_TEST_TMPDIR/out.json"
	assert_output - <<'OUT'
["codefang","burndown","devs"]
{"format":1,"repository":"/r/.git","head":"0123456789abcdef0123456789abcdef01234567","range":"HEAD","first_parent":true,"commits":1,"tick_size":86400,"t0":1577836800}
["schema","granularity","sampling","tick_size","t0","last_tick","samples","bands","commits","files","lines","resyncs","band_start","matrix","people"]
[5,10,10]
"Alice"
OUT
}

@test "json: pretty with two spaces, exactly" {
	printf '%s\n' '{"t":"result","v":1,"analyzer":"tiny","schema":2,"data":{"n":1,"l":[1,"a"],"m":{},"e":[]}}' |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f json <"$BATS_TEST_TMPDIR/s.mp"
	assert_output - <<'OUT'
{
  "codefang": {
    "format": 1
  },
  "tiny": {
    "schema": 2,
    "n": 1,
    "l": [
      1,
      "a"
    ],
    "m": {},
    "e": []
  }
}
OUT
}

@test "yaml: exact for a small result, and the same data as json" {
	printf '%s\n' '{"t":"result","v":1,"analyzer":"tiny","schema":2,"data":{"n":1,"rows":[[1,2],[3,4]],"p":[{"a":"x","b":[1]},{"a":"y","b":[]}],"m":{}}}' |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f yaml <"$BATS_TEST_TMPDIR/s.mp"
	assert_output - <<'OUT'
---
"codefang":
  "format": 1
"tiny":
  "schema": 2
  "n": 1
  "rows":
    - [1,2]
    - [3,4]
  "p":
    - "a": "x"
      "b": [1]
    - "a": "y"
      "b": []
  "m": {}
OUT
	python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
	stream
	cf-reduce -f yaml <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/out.yaml"
	cf-reduce -f json <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/out.json"
	run python3 -c 'import json, sys, yaml
print(yaml.safe_load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' \
		"$BATS_TEST_TMPDIR/out.yaml" "$BATS_TEST_TMPDIR/out.json"
	assert_output True
}

@test "text: burndown, devs and an unknown analyzer" {
	printf '%s\n' "$STREAM" "$BURNDOWN" "$DEVS" "$OTHER" | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_output - <<'OUT'
repository  /r/.git
head        0123456789abcdef0123456789abcdef01234567
history     HEAD, first parents, 1 commit

burndown (schema 1)
  bands of 30 ticks, samples every 30 ticks, a tick is 1 day
  from 2020-01-01 to 2020-03-06 (tick 65)
  samples 3, bands 3, commits 3, files tracked 2, resyncs 0
  lines alive at the last sample: 25

  band born from        lines   share
  2020-01-01                 5   20.0%
  2020-01-31                10   40.0%
  2020-03-01                10   40.0%

devs (schema 1)
  commits 3, merges 0, files 4, contributors 2
  lines added 25, removed 5, changed 3
  bus factor 1: Alice

     #  name                      email                        commits     added   removed   changed
     1  Alice                     alice@x                           2        20         5         3
     2  Bob                       bob@x                             1         5         0         0

  language                 files     added   removed   changed  contributors  bus factor
  C                            3        20         5         3             2           1
  Markdown                     1         5         0         0             1           1

mystery (schema 3)
  a: 1
  b: "text"
  c: [1,2,3]
  d: {"e":[{"x":1},{"y":"z"}]}
  f: -5
  g: 1.5
OUT
}

@test "text: 25 developers show the top 20 and '… 5 more'; no line over 100 columns" {
	local i people=
	for ((i = 1; i <= 25; i++)); do
		people+="${people:+,}{\"name\":\"Developer number $i with a very long name indeed\",\"email\":\"dev$i@a-rather-long-domain.example.com\",\"commits\":$((100 + i)),\"added\":$((i * 1000000)),\"removed\":$i,\"changed\":0}"
	done
	printf '%s\n' "{\"t\":\"result\",\"v\":1,\"analyzer\":\"devs\",\"schema\":1,\"data\":{\"people\":[$people]}}" \
		"{\"t\":\"result\",\"v\":1,\"analyzer\":\"wide\",\"schema\":1,\"data\":{\"long\":\"$(printf 'x%.0s' {1..300})\",\"list\":[$(seq -s, 1 100)]}}" |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_line --index 2 "     1  Developer number 25 wit…  dev25@a-rather-long-domai…      125  25000000        25         0"
	assert_line --partial "… 5 more"
	refute_line --partial "Developer number 5 "
	assert_line "  list: (100 items)"
	run awk '{ n = gsub(/\xe2\x80\xa6/, "x"); if (length($0) > 100) print NR": "length($0) }' <<<"$output"
	assert_output ""
}

@test "text and json: missing and mistyped fields are skipped, not trusted" {
	printf '%s\n' '{"t":"result","v":1,"analyzer":"burndown","schema":1,"data":{"matrix":[[1,"x"],5,[]],"band_start":"no","t0":"no"}}' \
		'{"t":"result","v":1,"analyzer":"devs","schema":1,"data":{"people":[1,{"name":7},{}],"bus_factor":2,"bus_factor_people":[9,0,"a"],"languages":{"C":3}}}' |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_line "  bus factor 2"
	run -0 cf-reduce -f json <"$BATS_TEST_TMPDIR/s.mp"
	printf '%s\n' '{"t":"result","v":1,"analyzer":"burndown","schema":1,"data":{"matrix":[[4,6]],"granularity":7}}' |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_line "  tick 7                     6   60.0%"
}

@test "json: bytes that are not UTF-8 become U+FFFD and the output stays valid" {
	printf '%s\n' "{\"t\":\"result\",\"v\":1,\"analyzer\":\"devs\",\"schema\":1,\"data\":{\"people\":[{\"name\":\"a$(printf '\xff')b\",\"commits\":1}]}}" |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	run jq -r '.devs.people[0].name' <<<"$output"
	assert_output "a�b"
}

@test "msgpack: the stream and result records again, which render the same" {
	stream
	cf-reduce -f msgpack <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/again.mp"
	run -0 cf-dump -t stream -t result -t commit "$BATS_TEST_TMPDIR/again.mp"
	assert_equal "${#lines[@]}" 3
	cf-reduce -f json <"$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/a.json"
	cf-reduce -f json <"$BATS_TEST_TMPDIR/again.mp" >"$BATS_TEST_TMPDIR/b.json"
	cmp "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
}

@test "no result at all: exit 1 with 'no analyzer results in the input'" {
	printf '%s\n' "$STREAM" "$COMMIT" | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -1 --separate-stderr cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	assert_equal "$stderr" "cf-reduce: fatal: no analyzer results in the input"
	assert_output ""
	run -1 --separate-stderr cf-reduce </dev/null
	assert_equal "$stderr" "cf-reduce: fatal: no analyzer results in the input"
}

@test "two results of one analyzer are merged; without a merge rule: an error naming it" {
	# (the merge itself is tested in 120-merge.bats)
	printf '%s\n' "$STREAM" "$OTHER" "$OTHER" | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -1 --separate-stderr cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	assert_output ""
	assert_equal "$stderr" "cf-reduce: fatal: cannot merge the results of analyzer 'mystery' (record 2): it has no merge rule"
}

@test "fewer commits than the stream record announced: exit 3, nothing rendered" {
	printf '%s\n' "${STREAM/\"commits\":1/\"commits\":3}" "$COMMIT" "$COMMIT" "$BURNDOWN" |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -3 --separate-stderr cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	assert_output ""
	assert_equal "$stderr" "cf-reduce: fatal: truncated stream: 2 of the 3 commits it announced (a stage before failed)"
}

@test "a malformed result record: exit 3, naming the record" {
	printf '%s\n' '{"t":"result","v":1,"analyzer":"x","schema":1,"data":[1]}' | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -3 --separate-stderr cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	assert_equal "$stderr" "cf-reduce: fatal: record 1 (byte 0): 'result': 'data' must be a map"
	printf '%s\n' '{"t":"result","v":1,"schema":1,"data":{}}' | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -3 cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	printf '%s\n' '{"t":"result","v":1,"analyzer":"codefang","schema":1,"data":{}}' | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -3 cf-reduce <"$BATS_TEST_TMPDIR/s.mp"
	head -c 20 "$BATS_TEST_TMPDIR/s.mp" >"$BATS_TEST_TMPDIR/cut.mp"
	run -3 cf-reduce <"$BATS_TEST_TMPDIR/cut.mp"
}

@test "-o writes the file whole, leaves no temporary file, and keeps the old one on failure" {
	stream
	cd "$BATS_TEST_TMPDIR"
	run -0 cf-reduce -f text -o out.txt <s.mp
	assert_output ""
	cf-reduce -f text <s.mp | cmp - out.txt
	echo old >keep.json
	run -1 cf-reduce -o keep.json </dev/null
	assert_equal "$(cat keep.json)" old
	run -1 cf-reduce -o no/such/dir/x.json <s.mp
	assert_output --partial "cannot create a temporary file beside 'no/such/dir/x.json'"
	run ls -A
	assert_output - <<'OUT'
home
keep.json
out.txt
s.mp
OUT
}

@test "-o onto a FIFO or a device writes into it and never replaces it" {
	stream
	cd "$BATS_TEST_TMPDIR"
	mkfifo pipe
	timeout 60 cat pipe >got.txt &
	run -0 cf-reduce -f text -o pipe <s.mp
	wait $!
	cf-reduce -f text <s.mp | cmp - got.txt
	[ -p pipe ]
	run -1 cf-reduce -f text -o /dev/full <s.mp
	assert_output --partial "cannot write '/dev/full': No space left on device"
	[ -c /dev/full ]
	run ls -A
	assert_output - <<'OUT'
got.txt
home
pipe
s.mp
OUT
}

@test "usage errors exit 2" {
	run -2 --separate-stderr cf-reduce -f xml
	assert_equal "$stderr" "cf-reduce: usage: -f: unknown format 'xml' (known: json, yaml, text, plot, msgpack)
Try 'cf-reduce -h' for more information."
	run -1 --separate-stderr cf-reduce no-such-file
	assert_equal "$stderr" "cf-reduce: fatal: cannot open 'no-such-file': No such file or directory"
}

@test "writing to a full disk fails with exit 1" {
	stream
	run -1 --separate-stderr bash -c 'cf-reduce <"$1" >/dev/full' - "$BATS_TEST_TMPDIR/s.mp"
	assert_equal "$stderr" "cf-reduce: fatal: write failure on standard output: No space left on device"
}

@test "text: burndown schema 2 parts: files, people, ownership, overwrites; mistyped cells skipped" {
	local long=$(printf 'dir/%.0s' {1..30})file.c
	printf '%s\n' "{\"t\":\"result\",\"v\":1,\"analyzer\":\"burndown\",\"schema\":2,\"data\":{\"lines\":40,
\"people\":[{\"name\":\"Alice\",\"email\":\"a@x\"},{\"name\":\"Bob with a very long name\",\"email\":\"b@x\"},{\"name\":\"Carol\",\"email\":\"c@x\"}],
\"file_burndown\":[{\"path\":\"a.c\",\"lines\":10,\"sparse\":[[0,4],[0,3,1,7]]},{\"path\":\"$long\",\"lines\":30,\"sparse\":[[],[0,30]]},{\"path\":\"bad\",\"sparse\":7}],
\"people_burndown\":[[[0,4],[0,3,1,5]],[[],[0,30,1,\"x\"]],[[],[1,2]]],\"written\":[12,35,2],
\"ownership\":[{\"path\":\"a.c\",\"owners\":[0,8,2,2]},{\"path\":\"$long\",\"owners\":[1,30]},{\"path\":\"x\",\"owners\":[0,\"y\",9,1]}],
\"overwrites\":[[0,3,1,1],[1,5],[]]}}" | jq -c . | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_output - <<'OUT'
burndown (schema 2)


  files by lines alive
     #     lines   share  path
     1        30   75.0%  dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/dir/d…
     2        10   25.0%  a.c

  people by lines alive
     #  name                      email                          alive   share    written
     1  Bob with a very long na…  b@x                               30   75.0%         35
     2  Alice                     a@x                                8   20.0%         12
     3  Carol                     c@x                                2    5.0%          2

  ownership of the largest files
     #     lines  path                                    top owners
     1        30  dir/dir/dir/dir/dir/dir/dir/dir/dir/d…  Bob with a very… 100%
     2        10  a.c                                     Alice 80%, Carol 20%
     3         1  x                                       #9 100%

  overwrites: lines of (row) removed by (column)
                        Bob with…      Alice      Carol     others
  Bob with a very lon…          5          0          0          0
  Alice                         1          3          0          0
  Carol                         0          0          0          0
OUT
	run awk '{ gsub(/\xe2\x80\xa6/, "x"); if (length($0) > 100) print NR": "length($0) }' <<<"$output"
	assert_output ""
}

# Results of the structure-aware analyzers with long names and paths,
# large numbers and more entries than the tables show, as JSON lines.
wide_syntax_results() {
	python3 - <<'PY'
import json
L = "very/long/directory/name/" * 6
N = "a_function_name_that_goes_on_and_on_" * 3
def res(name, data, schema=1):
    print(json.dumps({"t": "result", "v": 1, "analyzer": name, "schema": schema, "data": data}))
print(json.dumps({"t": "stream", "v": 1, "repo": "/r/.git", "tick_size": 86400, "t0": 1577836800}))
units = [{"file": L + "f%d.py" % i, "kind": "function", "name": N + str(i), "changes": 1000000 + i,
          "coupled": 99999, "hotness": 1.0} for i in range(30)]
res("shotness", {"units": units, "commits": 123456789, "total_couplings": 40, "max_units": 200,
    "skipped_commits": 1, "couplings": [{"a": i, "b": i + 1, "co_changes": 12345678,
    "strength": 0.5} for i in range(25)] + [{"a": 999, "b": 0, "co_changes": 1}]})
res("typos", {"typos": [{"wrong": N + "x", "correct": N + "y", "file": L + "t.c",
    "line": 123456789, "commit": "ab" * 20} for _ in range(25)],
    "patterns": [{"wrong": N, "correct": N + "z", "count": 1000000}] * 22,
    "total_typos": 25, "unique_patterns": 1, "affected_files": 1, "max_distance": 1e300})
res("sentiment", {"ticks": [{"tick": t, "comments": 1000000, "mean": -0.99 + t / 100,
    "positive": 100000, "negative": 100000, "neutral": 100000} for t in range(45)],
    "aggregate": {"comments": 45000000, "ticks": 45, "positive": 1, "negative": 2,
    "neutral": 3, "mean": -0.5}, "most_negative": [{"compound": -0.9999, "tick": 3,
    "commit": "cd" * 20, "file": L + "s.py", "line": 987654321, "text": "bad " * 60}] * 8,
    "min_length": 20, "top": 20})
people = [{"name": "Developer %d %s" % (i, N), "email": "dev%d@%s.example.com" % (i, N)}
          for i in range(12)]
res("imports", {"people": people, "imports": [{"person": p, "lang": "language-" + N,
    "module": "module%d.%s" % (m, N), "count": 1000 + m, "ticks": [[0, 1]]}
    for p in range(12) for m in range(25)] + [{"person": 99, "lang": "x", "module": "y",
    "count": 1}]})
metric = {"n": 100000, "mean": 123456.789, "median": 1.5, "p95": 99999.99, "max": 1e9}
res("quality", {"ticks": [{"tick": t, "files": 100000, "cyclomatic": metric,
    "a_metric_with_a_very_long_name_indeed": metric} for t in range(15)],
    "total_files": 1500000})
series = ["churn", "files", "languages", "authors"] + ["quality." + N + str(i) for i in range(6)]
res("anomaly", {"series": series, "threshold": 2.0, "window": 20, "anomalies": list(range(45)),
    "ticks": [dict({"tick": t, "anomaly": True, "flagged": series, "churn": 123456789012,
    "z": {s: -123456.789 for s in series[:-1]}}, **{s: 1.5 for s in series[4:]})
    for t in range(45)]}, schema=2)
PY
}

@test "text: the structure-aware analyzers' tables fit 100 columns, paths keep their end" {
	wide_syntax_results | mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	# Paths and names are cut at the front, so the file or function stays readable.
	assert_line '     1  1000029    99999    1.000  function  …_goes_on_and_on_a_function_name_that_goes_on_and_on_29'
	assert_line '     1  a_function_name_that_… -> a_function_name_that_…  …irectory/name/t.c:123456789  abababa'
	assert_line '  … 10 more'
	assert_line '  per tick (the latest 40 of 45)'
	assert_line '  per tick (the latest 10 of 15)'
	assert_line '  cyclomatic        1500000   123456.79        1.0G'
	assert_line '  2020-01-06        100000  cyclomatic       100000   123456.79        1.50    99999.99        1.0G'
	assert_line '  2020-01-01        churn                           123456789012     -123.5k'
	assert_line '                    quality.a_function_name_that_…        1.5000         inf'
	assert_line '  … 2 more'
	run grep -c '^  … 5 more$' <<<"$output"
	assert_output 3
	run awk '{ gsub(/\xe2\x80\xa6/, "x"); if (length($0) > 100) print NR": "length($0) }' <<<"$output"
	assert_output ""
}

@test "text: an anomaly result of schema 1 (no flagged list): the series over the threshold" {
	printf '%s\n' "$STREAM" '{"t":"result","v":1,"analyzer":"anomaly","schema":1,"data":{"anomalies":[7,9],"threshold":2.0,"window":20,"ticks":[{"tick":6,"anomaly":false,"churn":2,"files":1,"languages":1,"authors":1,"max_abs_z":1.2,"z":{"churn":-1.2,"files":0.0,"languages":0.0,"authors":0.0}},{"tick":7,"anomaly":true,"churn":300,"files":1,"languages":1,"authors":1,"max_abs_z":177.844,"z":{"churn":177.844,"files":0.0,"languages":0.0,"authors":0.0}},{"tick":9,"anomaly":true,"churn":2,"files":4,"languages":1,"authors":1,"max_abs_z":null,"z":{"churn":-0.3,"files":null,"languages":0.0,"authors":0.0}}]}}' |
		mp >"$BATS_TEST_TMPDIR/s.mp"
	run -0 cf-reduce -f text <"$BATS_TEST_TMPDIR/s.mp"
	assert_output - <<'OUT'
repository  /r/.git
head        0123456789abcdef0123456789abcdef01234567
history     HEAD, first parents, 1 commit

anomaly (schema 1)
  ticks 3, anomalies 2, window 20, threshold 2

  flagged ticks
  date              series                                 value           z
  2020-01-08        churn                                    300     177.844
  2020-01-10
OUT
}

@test "cf-reduce: json and yaml are written from the msgpack bytes as from decoded objects, every type" {
	python3 - >"$BATS_TEST_TMPDIR/types.mp" <<'PY'
import struct, sys
def s(x):
    b = x.encode() if isinstance(x, str) else x
    return bytes([0xa0 | len(b)]) + b if len(b) < 32 else b'\xd9' + bytes([len(b)]) + b
def m(pairs): return bytes([0x80 | len(pairs)]) + b''.join(k + v for k, v in pairs)
def a(items): return bytes([0x90 | len(items)]) + b''.join(items)
data = m([
    (s("neg"), a([b'\xff', b'\xe0', b'\xd0\x80', b'\xd1' + struct.pack('>h', -300),
                  b'\xd2' + struct.pack('>i', -70000), b'\xd3' + struct.pack('>q', -(1 << 40)),
                  b'\xd0\x05'])),
    (s("pos"), a([b'\x00', b'\x7f', b'\xcc\xff', b'\xcd\xff\xff', b'\xce' + struct.pack('>I', 1 << 31),
                  b'\xcf' + struct.pack('>Q', (1 << 64) - 1)])),
    (s("flt"), a([b'\xca' + struct.pack('>f', 1.5), b'\xcb' + struct.pack('>d', 0.1),
                  b'\xcb' + struct.pack('>d', 3.0), b'\xcb' + struct.pack('>d', float('nan'))])),
    (s("bin"), b'\xc4\x03\x01\xab\xff'),
    (s("ext"), b'\xd4\x01\x7f'),
    (s("str"), a([s("caf\xe9".encode('latin1')), s('"q"\n\t'), s("\u00e9")])),
    (s("empty"), a([a([]), m([])])),
    (b'\x07', s("int key")),
    (s("nest"), m([(s("x"), a([m([(s("y"), b'\xc0')]), b'\xc3', b'\xc2']))])),
])
rec = m([(s("t"), s("result")), (s("v"), b'\x01'), (s("analyzer"), s("zz")),
         (s("schema"), b'\x01'), (s("data"), data)])
sys.stdout.buffer.write(rec)
PY
	# What cf_json_obj gives for the decoded objects (the renderer before).
	run -0 cf-reduce -f json "$BATS_TEST_TMPDIR/types.mp"
	assert_output - <<'OUT'
{
  "codefang": {
    "format": 1
  },
  "zz": {
    "schema": 1,
    "neg": [
      -1,
      -32,
      -128,
      -300,
      -70000,
      -1099511627776,
      5
    ],
    "pos": [
      0,
      127,
      255,
      65535,
      2147483648,
      18446744073709551615
    ],
    "flt": [
      1.5,
      0.1,
      3.0,
      null
    ],
    "bin": "01abff",
    "ext": "7f",
    "str": [
      "caf�",
      "\"q\"\n\t",
      "é"
    ],
    "empty": [
      [],
      {}
    ],
    "7": "int key",
    "nest": {
      "x": [
        {
          "y": null
        },
        true,
        false
      ]
    }
  }
}
OUT
	# and the yaml the decoded objects gave (before cf_yaml_raw)
	run -0 cf-reduce -f yaml "$BATS_TEST_TMPDIR/types.mp"
	assert_output - <<'OUT'
---
"codefang":
  "format": 1
"zz":
  "schema": 1
  "neg": [-1,-32,-128,-300,-70000,-1099511627776,5]
  "pos": [0,127,255,65535,2147483648,18446744073709551615]
  "flt": [1.5,0.1,3.0,null]
  "bin": "01abff"
  "ext": "7f"
  "str": ["caf�","\"q\"\n\t","é"]
  "empty":
    - []
    - {}
  "7": "int key"
  "nest":
    "x":
      - "y": null
      - true
      - false
OUT
}

@test "cf-reduce: a document of several MiB is written in parts, the same text as whole" {
	# 60,000 maps in a list: json and yaml past the renderer's MiB, with
	# yaml's "- key" lines, whose dash is set after the map is written.
	cd "$BATS_TEST_TMPDIR" || return 1
	python3 - "$BATS_TEST_TMPDIR" <<'PY'
import json, sys
d = sys.argv[1]
def s(x):
    b = x.encode()
    return bytes([0xa0 | len(b)]) + b
def u(n): return b'\xcd' + n.to_bytes(2, 'big') if n > 127 else bytes([n])
rows = [{"a": i % 60000, "b": "x" * (i % 9)} for i in range(60000)]
body = b''.join(b'\x82' + s("a") + u(r["a"]) + s("b") + s(r["b"]) for r in rows)
data = b'\x81' + s("rows") + b'\xdc' + len(rows).to_bytes(2, 'big') + body
rec = b'\x85' + s("t") + s("result") + s("v") + b'\x01' + s("analyzer") + s("zz") + \
      s("schema") + b'\x01' + s("data") + data
open(d + "/big.mp", "wb").write(rec)
doc = {"codefang": {"format": 1}, "zz": {"schema": 1, "rows": rows}}
open(d + "/big.json", "w").write(json.dumps(doc, indent=2) + "\n")
y = ['---', '"codefang":', '  "format": 1', '"zz":', '  "schema": 1', '  "rows":']
for r in rows:
    y += ['    - "a": %d' % r["a"], '      "b": "%s"' % r["b"]]
open(d + "/big.yaml", "w").write("\n".join(y) + "\n")
PY
	cf-reduce -f json big.mp >out.json
	(( $(wc -c <out.json) > 2 << 20 ))
	cmp out.json big.json
	cf-reduce -f yaml -o out.yaml big.mp
	cmp out.yaml big.yaml
}
