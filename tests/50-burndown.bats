#!/usr/bin/env bats
# cf-burndown: line ages replayed from the stream's hunks.  The numbers are
# checked against git itself: the last row of the matrix, band by band, must
# be what `git blame --first-parent` says at HEAD, and every row what it says
# at the last commit of its sample.  Crafted streams check the accounting,
# the resynchronisation and the errors exactly.

load test_helper

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# records.py json: JSON lines to records ("x:HEX" is a bin value).
	# records.py git REPO [OPTION]...: the stream cf-diff would write for
	# first-parent history, computed from git's own -U0 diffs: checks
	# cf-burndown without the stages before it.  Options: renames (git's
	# -M, "R" changes), every=K (a barrier after every K commits),
	# after=K (only the commits after the first K, as cf-revlist
	# --resume-after writes them).
	cat >"$d/records.py" <<'EOF'
import json, re, struct, subprocess, sys

def enc(o, out):
    if o is None: out += b'\xc0'
    elif o is True: out += b'\xc3'
    elif o is False: out += b'\xc2'
    elif isinstance(o, int):
        out += b'\xcf' + struct.pack('>Q', o) if o >= 0 else b'\xd3' + struct.pack('>q', o)
    elif isinstance(o, str) and o.startswith('x:'):
        b = bytes.fromhex(o[2:]); out += b'\xc4' + bytes([len(b)]) + b
    elif isinstance(o, str):
        b = o.encode('utf-8', 'surrogateescape'); out += b'\xdb' + struct.pack('>I', len(b)) + b
    elif isinstance(o, list):
        out += b'\xdd' + struct.pack('>I', len(o))
        for x in o: enc(x, out)
    else:
        out += b'\xdf' + struct.pack('>I', len(o))
        for k, v in o.items(): enc(k, out); enc(v, out)

def from_git(repo, out, opts):
    every, after = int(opts.get('every', 0)), int(opts.get('after', 0))
    log = subprocess.run(['git', '-C', repo, '-c', 'core.quotePath=false', 'log',
        '--first-parent', '--reverse', '--diff-merges=first-parent',
        '-M' if 'renames' in opts else '--no-renames',
        '--raw', '-p', '-U0', '--no-abbrev', '--format=%x00C %H %ct %aN%x01%aE'],
        capture_output=True, check=True).stdout
    cat = subprocess.Popen(['git', '-C', repo, 'cat-file', '--batch'],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    def count(sha):
        cat.stdin.write(sha.encode() + b'\n'); cat.stdin.flush()
        size = int(cat.stdout.readline().split()[2])
        data = cat.stdout.read(size); cat.stdout.read(1)
        return data.count(b'\n') + (1 if data and not data.endswith(b'\n') else 0)
    t0, last = None, 0
    for n, block in enumerate(log.split(b'\0C ')[1:]):
        head, _, rest = block.decode('utf-8', 'surrogateescape').partition('\n')
        sha, ct, ident = head.split(' ', 2)
        name, email = ident.split('\x01')
        ct = int(ct)
        if t0 is None:
            t0 = ct - ct % 86400
            enc({'t': 'stream', 'v': 1, 'tick_size': 86400, 't0': t0}, out)
        last = max(last, (ct - t0) // 86400)
        if n and every and n % every == 0 and n > after:
            enc({'t': 'barrier', 'v': 1, 'chunk': n // every - 1, 'commits': n,
                 'last': 'x:' + prev}, out)
        prev = sha
        if n < after:
            continue
        enc({'t': 'commit', 'v': 1, 'n': n, 'id': 'x:' + sha, 'tick': last,
             'author': name, 'email': email}, out)
        raws, hunks, binary, cur = [], {}, set(), None
        for l in rest.split('\n'):
            if l.startswith(':'):
                meta, path = l.split('\t', 1)
                omode, nmode, old, new, s = meta[1:].split(' ')
                if '160000' in (omode, nmode):
                    continue
                if s == 'T':
                    raws += [('D', path, old, new), ('A', path, old, new)]
                elif s.startswith('R'):
                    frm, path = path.split('\t')
                    raws.append(('R', path, old, new, frm))
                else:
                    raws.append((s, path, old, new))
            elif l.startswith('diff --git '):
                cur = l.split(' b/', 1)[1]; hunks[cur] = []
            elif l.startswith('Binary files'):
                binary.add(cur)
            elif l.startswith('@@ '):
                a, b, c, d = re.match(r'@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@', l).groups()
                hunks[cur] += [int(a), int(b or 1), int(c), int(d or 1)]
        for s, path, old, new, *frm in raws:
            rec = {'t': 'change', 'v': 1, 'n': n, 's': s, 'path': path, 'bin': path in binary}
            if s != 'D': rec['new_lines'] = count(new)
            if s != 'A': rec['old_lines'] = count(old)
            if s in 'MR': rec['hunks'] = hunks.get(path, [])
            if s == 'R': rec['old_path'] = frm[0]
            enc(rec, out)

out = bytearray()
if sys.argv[1] == 'git':
    from_git(sys.argv[2], out, dict((a.split('=') + [''])[:2] for a in sys.argv[3:]))
else:
    for line in sys.stdin:
        if line.strip(): enc(json.loads(line), out)
sys.stdout.buffer.write(out)
EOF
	make_history "$d/h" >/dev/null || return 1
	extend_history "$d/h" || return 1
	make_merge_history "$d/m" >/dev/null || return 1
	make_rename_history "$d/r" >/dev/null || return 1
}

# extend_history DIR: six more commits, nine days apart, on the standard
# fixture, the last more than a year after the first; a.c edited, lib/x.py
# appended to, README.md deleted and web/new.js added among them.
extend_history() {
	(
	cd "$1" || exit 1
	local c k t first
	first=$(git log --reverse --format=%ct | head -n 1)
	t=$(git log -1 --format=%ct)
	((t + 5 * 9 * 86400 > first + 370 * 86400)) || t=$((first + 325 * 86400))
	for ((c = 0; c < 6; c++)); do
		t=$((t + 9 * 86400))
		awk -v c=$c 'NR == 3 { for (k = 0; k < 3; k++) print "int late" c "_" k "(void);" }
			NR == 3 || NR == 4 { next } { print }' a.c >a.c.new && mv a.c.new a.c || exit 1
		printf 'def late%d_%d(): pass\n' $c 0 $c 1 >>lib/x.py
		((c == 2)) && { git rm -q README.md || exit 1; }
		((c == 3)) && { printf 'const n%d = 1;\n' 1 2 3 4 5 6 7 8 9 >web/new.js; }
		git add -A . || exit 1
		commit_at "@$t +0000" Bob bob@example.com "late $c" || exit 1
	done
	)
}

records() {
	python3 "$BATS_FILE_TMPDIR/records.py" "$@"
}

# result_field FILE KEY...: data.KEY of the burndown result, as JSON.
result_field() {
	_result "$1" 'for k in args: print(json.dumps(d[k], separators=(",", ":")))' "${@:2}"
}

# row FILE I: row I of the matrix as "band count" lines, bands with lines.
row() {
	_result "$1" 'print("\n".join("%d %d" % (j, n) for j, n in enumerate(d["matrix"][int(args[0])]) if n))' "$2"
}

# last_row FILE: the same for the last row.
last_row() {
	row "$1" -1
}

# _result FILE PYTHON ARG...: runs PYTHON with d = the data of the burndown
# result in FILE and args = the ARGs.
_result() {
	cf-dump -t result "$1" | python3 -c '
import json, sys
args = sys.argv[2:]
d = [r for r in map(json.loads, sys.stdin) if r["analyzer"] == "burndown"][0]["data"]
exec(sys.argv[1])' "$2" "${@:3}"
}

# A small stream: a.c born at tick 0 (10 lines), edited at ticks 35 and 70.
small_stream() {
	records json <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":1600000000,"commits":3}
{"t":"commit","v":1,"n":0,"id":"x:1a2b3c4d00000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"a.c","new_lines":10,"bin":false}
{"t":"change","v":1,"n":0,"s":"A","path":"logo.png","new_lines":3,"bin":true}
{"t":"commit","v":1,"n":1,"id":"x:2a2b3c4d00000000000000000000000000000002","tick":35,"author":"B","email":"b@x"}
{"t":"change","v":1,"n":1,"s":"M","path":"a.c","old_lines":10,"new_lines":11,"bin":false,"hunks":[3,2,3,3],"add":3,"del":2}
{"t":"change","v":1,"n":1,"s":"A","path":"b.c","new_lines":4,"bin":false}
{"t":"commit","v":1,"n":2,"id":"x:3a2b3c4d00000000000000000000000000000003","tick":70,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":2,"s":"M","path":"a.c","old_lines":11,"new_lines":13,"bin":false,"hunks":[0,0,1,1,4,0,6,1,11,1,13,1],"add":3,"del":1}
{"t":"change","v":1,"n":2,"s":"D","path":"b.c","old_lines":4,"bin":false}
{"t":"result","v":1,"analyzer":"other","schema":1,"data":{}}
EOF
}

@test "a crafted stream: every record passes unchanged, then the exact result" {
	small_stream >"$BATS_TEST_TMPDIR/in"
	cf-burndown <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	# The input, byte for byte, then one result record.
	run cmp -n "$(stat -c %s "$BATS_TEST_TMPDIR/in")" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	assert_success
	run cf-dump "$BATS_TEST_TMPDIR/out"
	assert_equal "${#lines[@]}" 12
	run cf-dump -t result "$BATS_TEST_TMPDIR/out"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '{"analyzer":"other","data":{},"schema":1,"t":"result","v":1}'
	# Tick 0: 10 lines.  Tick 35: lines 3-4 die, 3 are born: 8 + 3.
	# Tick 70: 1 born at the top, 1 after old line 4, old line 11 (born 35)
	# replaced; b.c (4 lines, born 35) deleted.
	assert_line --index 1 '{"analyzer":"burndown","data":{"band_start":[0,30,60],"bands":3,"commits":3,"files":1,"granularity":30,"last_tick":70,"lines":13,"matrix":[[10,0,0],[8,7,0],[7,3,3]],"people":[{"email":"a@x","name":"A"},{"email":"b@x","name":"B"}],"renames":0,"resyncs":0,"samples":3,"sampling":30,"t0":1600000000,"tick_size":86400},"schema":2,"t":"result","v":1}'
}

@test "sampling smaller than granularity, and the reverse, are valid (hercules #260)" {
	small_stream >"$BATS_TEST_TMPDIR/in"
	cf-burndown -g 30 -s 20 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/a"
	run result_field "$BATS_TEST_TMPDIR/a" samples bands matrix band_start
	assert_output "$(printf '%s\n' 4 3 '[[10,0,0],[8,7,0],[8,7,0],[7,3,3]]' '[0,30,60]')"
	cf-burndown --granularity 20 --sampling 50 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/b"
	run result_field "$BATS_TEST_TMPDIR/b" samples bands matrix band_start
	assert_output "$(printf '%s\n' 2 4 '[[8,7,0,0],[7,3,0,3]]' '[0,20,40,60]')"
	cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/c"
	run result_field "$BATS_TEST_TMPDIR/c" samples bands
	assert_output "$(printf '%s\n' 71 71)"
	run row "$BATS_TEST_TMPDIR/c" 34
	assert_output "0 10"
	run row "$BATS_TEST_TMPDIR/c" 69
	assert_output "$(printf '%s\n' "0 8" "35 7")"
	run last_row "$BATS_TEST_TMPDIR/c"
	assert_output "$(printf '%s\n' "0 7" "35 3" "70 3")"
}

@test "an inconsistent hunk resynchronises its file, with one warning" {
	records json >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1a2b3c4d00000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"src/a.c","new_lines":10,"bin":false}
{"t":"change","v":1,"n":0,"s":"A","path":"src/b.c","new_lines":5,"bin":false}
{"t":"commit","v":1,"n":1,"id":"x:2b3c4d5e00000000000000000000000000000002","tick":40,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":1,"s":"M","path":"src/a.c","old_lines":10,"new_lines":12,"bin":false,"hunks":[12,3,12,5]}
{"t":"change","v":1,"n":1,"s":"M","path":"src/b.c","old_lines":5,"new_lines":6,"bin":false,"hunks":[5,0,6,1]}
{"t":"commit","v":1,"n":2,"id":"x:3c4d5e6f00000000000000000000000000000003","tick":45,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":2,"s":"M","path":"src/a.c","old_lines":12,"new_lines":12,"bin":false,"hunks":[1,1,1,1]}
EOF
	run --separate-stderr cf-burndown <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$stderr" "cf-burndown: warning: 'src/a.c' at commit 2b3c4d5: hunk -12,3 outside 10 lines; file resynchronised"
	cf-burndown <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	# a.c is 12 lines born at tick 40, then one of them is rewritten at 45;
	# b.c keeps 5 lines of tick 0 and gains one.
	run result_field "$BATS_TEST_TMPDIR/out" resyncs lines matrix
	assert_output "$(printf '%s\n' 1 18 '[[15,0],[5,13]]')"
}

@test "past 10 paths, resynchronised files are counted, not named" {
	{
		echo '{"t":"stream","v":1,"tick_size":86400,"t0":0}'
		echo '{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}'
		for i in $(seq 1 13); do
			echo "{\"t\":\"change\",\"v\":1,\"n\":0,\"s\":\"M\",\"path\":\"f$i\",\"old_lines\":1,\"new_lines\":1,\"bin\":false,\"hunks\":[1,1,1,1]}"
		done
		echo '{"t":"change","v":1,"n":0,"s":"M","path":"f1","old_lines":5,"new_lines":5,"bin":false,"hunks":[]}'
	} | records json >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr cf-burndown <"$BATS_TEST_TMPDIR/in"
	assert_success
	[ "$(grep -c "modified but not tracked" <<<"$stderr")" -eq 10 ]
	assert_equal "$(sed -n 10p <<<"$stderr")" "cf-burndown: warning: 'f10' at commit 1000000: modified but not tracked; file resynchronised"
	assert_equal "$(sed -n 11,12p <<<"$stderr")" "cf-burndown: warning: 3 more files resynchronised, not shown one by one (a history that starts after they were added: a range, --since or --max-count?)
cf-burndown: warning: 1 more resynchronisations of files already reported"
	cf-burndown <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	run result_field "$BATS_TEST_TMPDIR/out" resyncs
	assert_output 14
}

@test "each kind of inconsistency is reported once per path and counted" {
	records json >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"a","new_lines":10,"bin":false}
{"t":"change","v":1,"n":0,"s":"M","path":"ghost","old_lines":3,"new_lines":4,"bin":false,"hunks":[3,0,4,1]}
{"t":"change","v":1,"n":0,"s":"D","path":"never","old_lines":3,"bin":false}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":1,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":1,"s":"M","path":"a","old_lines":9,"new_lines":9,"bin":false,"hunks":[]}
{"t":"change","v":1,"n":1,"s":"A","path":"ghost","new_lines":2,"bin":false}
{"t":"commit","v":1,"n":2,"id":"x:3000000000000000000000000000000000000003","tick":2,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":2,"s":"M","path":"a","old_lines":9,"new_lines":9,"bin":false,"hunks":[2,2,2,2,3,1,3,1]}
{"t":"change","v":1,"n":2,"s":"M","path":"ghost","old_lines":2,"new_lines":2,"bin":false,"hunks":[1,1,2,1]}
EOF
	run --separate-stderr cf-burndown <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$stderr" "cf-burndown: warning: 'ghost' at commit 1000000: modified but not tracked; file resynchronised
cf-burndown: warning: 'never' at commit 1000000: deleted but not tracked; file resynchronised
cf-burndown: warning: 'a' at commit 2000000: old_lines 9 but 10 lines tracked; file resynchronised
cf-burndown: warning: 3 more resynchronisations of files already reported"
	cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	# a: 10 lines born at 0, 9 at 1, then overlapping hunks: 9 born at 2.
	# ghost: 4 lines at 0, added again at 1 (2), bad new side at 2 (2).
	run result_field "$BATS_TEST_TMPDIR/out" resyncs files lines matrix
	assert_output "$(printf '%s\n' 6 2 11 '[[14,0,0],[0,11,0],[0,0,11]]')"
}

@test "binary files are not tracked; text to binary dies, binary to text is born" {
	records json >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"t","new_lines":10,"bin":false}
{"t":"change","v":1,"n":0,"s":"A","path":"b","new_lines":7,"bin":true}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":1,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":1,"s":"M","path":"t","old_lines":10,"new_lines":3,"bin":true}
{"t":"change","v":1,"n":1,"s":"M","path":"b","old_lines":7,"new_lines":8,"bin":true}
{"t":"commit","v":1,"n":2,"id":"x:3000000000000000000000000000000000000003","tick":2,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":2,"s":"M","path":"b","old_lines":8,"new_lines":4,"bin":false,"hunks":[1,8,1,4]}
{"t":"change","v":1,"n":2,"s":"D","path":"t","bin":true}
EOF
	run --separate-stderr cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$stderr" ""
	cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	run result_field "$BATS_TEST_TMPDIR/out" resyncs files lines matrix
	assert_output "$(printf '%s\n' 0 1 4 '[[10,0,0],[0,0,0],[0,0,4]]')"
}

@test "without input, one result with a 1 x 1 matrix" {
	cf-burndown </dev/null >"$BATS_TEST_TMPDIR/out"
	run cf-dump "$BATS_TEST_TMPDIR/out"
	assert_output '{"analyzer":"burndown","data":{"band_start":[0],"bands":1,"commits":0,"files":0,"granularity":30,"last_tick":0,"lines":0,"matrix":[[0]],"people":[],"renames":0,"resyncs":0,"samples":1,"sampling":30,"t0":0,"tick_size":0},"schema":2,"t":"result","v":1}'
}

@test "garbage, truncated and malformed streams exit 3 with one message" {
	run -3 cf-burndown <<<"this is not msgpack"
	assert_output --regexp '^cf-burndown: fatal: record 1 \(byte 0\): '
	small_stream | head -c 300 >"$BATS_TEST_TMPDIR/cut"
	run -3 cf-burndown <"$BATS_TEST_TMPDIR/cut"
	assert_output --partial 'truncated'
	run -3 cf-burndown < <(records json <<<'{"t":"change","v":1,"s":"A","path":"a","new_lines":1}')
	assert_output "cf-burndown: fatal: record 1 (byte 0): 'change': before any 'commit'"
	run -3 cf-burndown < <(records json <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":5,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"a","new_lines":1}
{"t":"change","v":1,"n":0,"s":"M","path":"a","old_lines":1,"new_lines":1,"hunks":[1,1,1]}
EOF
)
	assert_output --regexp "^cf-burndown: fatal: record 4 \(byte [0-9]+\): 'change': 'hunks' has 3 entries, not a multiple of 4$"
	run -3 cf-burndown < <(records json <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":5,"author":"A","email":"a@x"}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":4,"author":"A","email":"a@x"}
EOF
)
	assert_output --regexp "'tick' 4 is smaller than the previous commit's 5$"
	run -3 cf-burndown < <(records json <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":5,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"a","new_lines":2000000000000}
EOF
)
	assert_output --regexp "'new_lines' 2000000000000 is beyond 1099511627776$"
}

@test "bad option values are usage errors" {
	run -2 cf-burndown -g 0
	run -2 cf-burndown --sampling x
	run -2 cf-burndown -s 4294967296
	run -2 cf-burndown extra
}

@test "a history too long for the matrix is refused, not allocated" {
	run -1 cf-burndown -g 1 -s 1 < <(records json <<'EOF'
{"t":"stream","v":1,"tick_size":1,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":400000000,"author":"A","email":"a@x"}
EOF
)
	assert_output --partial "raise --granularity or --sampling"
}

@test "random edits: the matrix equals a line-by-line model, for random granularity and sampling" {
	# An independent model keeps one birth tick per line; the streams have
	# several hunks per change, at the start, the end, and back to back.
	cat >"$BATS_TEST_TMPDIR/model.py" <<'EOF'
import json, random, subprocess, sys
def case(seed):
    rnd = random.Random(seed)
    g, s = rnd.randint(1, 6), rnd.randint(1, 6)
    files, recs, snaps, tick = {}, [{"t": "stream", "v": 1, "tick_size": 86400, "t0": 0}], [], 0
    for c in range(rnd.randint(1, 40)):
        tick += rnd.choice([0, 0, 1, 2, 7])
        recs.append({"t": "commit", "v": 1, "n": c, "id": "x:%040x" % (c + 1), "tick": tick,
                     "author": "A%d" % rnd.randint(0, 2), "email": "e"})
        for _ in range(rnd.randint(0, 4)):
            p = "f%d" % rnd.randint(0, 5)
            if p not in files:
                files[p] = [tick] * rnd.randint(0, 30)
                recs.append({"t": "change", "v": 1, "n": c, "s": "A", "path": p,
                             "new_lines": len(files[p]), "bin": False})
                continue
            if rnd.random() < 0.1:
                del files[p]
                recs.append({"t": "change", "v": 1, "n": c, "s": "D", "path": p, "bin": False})
                continue
            old, new, hunks, pos = files[p], [], [], 0
            while pos <= len(old) and rnd.random() < 0.7:
                at = rnd.randint(pos, len(old))
                oc, nc = rnd.randint(0, min(5, len(old) - at)), rnd.randint(0, 5)
                if not oc and not nc:
                    continue
                npos = len(new) + at - pos
                hunks += [at + 1 if oc else at, oc, npos + 1 if nc else npos, nc]
                new += old[pos:at] + [tick] * nc
                pos = at + oc
                if not oc:
                    new += old[pos:pos + 1]; pos += 1
            new += old[pos:]
            recs.append({"t": "change", "v": 1, "n": c, "s": "M", "path": p, "old_lines": len(old),
                         "new_lines": len(new), "bin": False, "hunks": hunks})
            files[p] = new
        snaps.append((tick, [b for f in files.values() for b in f]))
    matrix = []
    for i in range(tick // s + 1):
        alive = ([[]] + [a for t, a in snaps if t <= (i + 1) * s - 1])[-1]
        matrix.append([sum(1 for b in alive if b // g == j) for j in range(tick // g + 1)])
    return g, s, recs, matrix
bad = 0
for seed in range(int(sys.argv[2])):
    g, s, recs, matrix = case(seed)
    stream = subprocess.run(["python3", sys.argv[1], "json"], check=True, capture_output=True,
                            input="\n".join(map(json.dumps, recs)).encode()).stdout
    out = subprocess.run("cf-burndown -g %d -s %d | cf-dump -t result" % (g, s), shell=True,
                         input=stream, capture_output=True)
    d = json.loads(out.stdout)["data"]
    if d["matrix"] != matrix or d["resyncs"] or out.stderr:
        bad += 1
        print("seed %d, -g %d -s %d: %s\n got %s\n want %s" % (seed, g, s, out.stderr, d["matrix"], matrix))
sys.exit(bad > 0)
EOF
	run python3 "$BATS_TEST_TMPDIR/model.py" "$BATS_FILE_TMPDIR/records.py" 60
	assert_success
	assert_output ""
}

# need_pipeline: skips while a stage of the pipeline is not built yet.
need_pipeline() {
	local t
	for t in cf-revlist cf-treediff cf-blobload cf-diff; do
		command -v "$t" >/dev/null || skip "$t is not built yet"
	done
}

# check_blame STREAM REPO G S: the last row equals git blame at HEAD.
check_blame() {
	local out=$BATS_TEST_TMPDIR/result-$3-$4
	cf-burndown -g "$3" -s "$4" <"$1" >"$out" || return 1
	assert_equal "$(result_field "$out" resyncs)" 0
	assert_equal "$(last_row "$out")" "$(blame_bands "$2" "$3")"
}

@test "from git's own diffs, the last row is git blame at HEAD" {
	local r gs
	for r in h m; do
		records git "$BATS_FILE_TMPDIR/$r" >"$BATS_TEST_TMPDIR/$r.bin"
		for gs in "30 30" "7 30" "30 7" "1 1"; do
			check_blame "$BATS_TEST_TMPDIR/$r.bin" "$BATS_FILE_TMPDIR/$r" $gs
		done
	done
}

@test "the pipeline: the last row is git blame --first-parent at HEAD" {
	local r gs h=$BATS_FILE_TMPDIR/h
	need_pipeline
	# The fixture spans more than a year, by two authors at least.
	assert [ $(git -C "$h" rev-list --count HEAD) -ge 50 ]
	assert [ $(($(git -C "$h" log -1 --format=%ct) - $(git -C "$h" log --reverse --format=%ct | head -n 1))) -gt $((366 * 86400)) ]
	for r in h m; do
		pipeline "$BATS_FILE_TMPDIR/$r" >"$BATS_TEST_TMPDIR/$r.bin"
		for gs in "30 30" "7 30" "30 7" "1 1"; do
			check_blame "$BATS_TEST_TMPDIR/$r.bin" "$BATS_FILE_TMPDIR/$r" $gs
		done
	done
	# As one pipeline, with cf-dump at its end.
	run_pipeline "$h" cf-burndown "cf-dump -t result"
	assert_success
	assert_output --partial '"analyzer":"burndown"'
}

@test "the pipeline: every row is git blame at the last commit of its sample" {
	local h=$BATS_FILE_TMPDIR/h s=30 t0 i=0 sha
	need_pipeline
	pipeline "$h" cf-burndown >"$BATS_TEST_TMPDIR/out"
	t0=$(git -C "$h" log --first-parent --format=%ct | tail -n 1)
	t0=$((t0 / 86400 * 86400))
	# For each sample i, the last commit with tick <= (i + 1) * s - 1.
	git -C "$h" log --first-parent --reverse --format='%H %ct' |
	awk -v t0="$t0" -v s="$s" '
		{ i = int(int(($2 - t0) / 86400) / s); last[i] = $1; if (i > n) n = i }
		END { for (i = 0; i <= n; i++) { if (i in last) c = last[i]; print i, c } }' \
		>"$BATS_TEST_TMPDIR/samples"
	while read -r i sha; do
		rm -rf "$BATS_TEST_TMPDIR/wt"
		git -C "$h" worktree add -q --detach "$BATS_TEST_TMPDIR/wt" "$sha"
		assert_equal "$i: $(row "$BATS_TEST_TMPDIR/out" "$i" | tr '\n' ' ')" \
			"$i: $(blame_bands "$BATS_TEST_TMPDIR/wt" 30 | tr '\n' ' ')"
		git -C "$h" worktree remove --force "$BATS_TEST_TMPDIR/wt"
	done <"$BATS_TEST_TMPDIR/samples"
	assert_equal "$(result_field "$BATS_TEST_TMPDIR/out" samples)" \
		"$(wc -l <"$BATS_TEST_TMPDIR/samples")"
	assert [ "$(wc -l <"$BATS_TEST_TMPDIR/samples")" -ge 13 ]
}

# make_rename_history DIR: files renamed as they are, renamed and edited in
# the same commit, moved between directories and edited after; Alice, Bob
# and Alice's old address, which .mailmap maps to Alice.
make_rename_history() {
	local t=1680350400 day=86400
	git_init "$1" || return 1
	(
	cd "$1" || exit 1
	printf 'Alice <alice@example.com> <alice@old.example>\n' >.mailmap
	_edit_file src/a.c start 0 30 a0
	_edit_file src/b.c start 0 20 b0
	_edit_file doc/readme.md start 0 10 r0
	_edit_file lib/util.py start 0 15 u0
	git add -A . && commit_at "@$t +0000" Alice alice@example.com "start" || exit 1
	_edit_file src/a.c middle 2 4 a1
	git add -A . && commit_at "@$((t + 3 * day)) +0000" Bob bob@example.com "edit a" || exit 1
	mkdir core && git mv src/a.c core/a.c || exit 1
	commit_at "@$((t + 13 * day)) +0000" Alice alice@example.com "move a" || exit 1
	git mv src/b.c core/b2.c && _edit_file core/b2.c end 2 3 b3 || exit 1
	git add -A . && commit_at "@$((t + 50 * day)) +0000" Bob bob@example.com "move b, edit" || exit 1
	_edit_file core/a.c start 1 2 a4
	mkdir lib/helpers && git mv lib/util.py lib/helpers/util.py || exit 1
	_edit_file lib/helpers/util.py middle 1 1 u4
	git add -A . && commit_at "@$((t + 85 * day)) +0000" "Alice Old" alice@old.example "util" || exit 1
	git mv doc/readme.md README.md || exit 1
	_edit_file core/b2.c start 0 2 b5
	git add -A . && commit_at "@$((t + 105 * day)) +0000" Bob bob@example.com "readme" || exit 1
	_edit_file core/b2.c end 1 2 b6
	_edit_file web/new.js start 0 7 n6
	git add -A . && commit_at "@$((t + 136 * day)) +0000" Alice alice@example.com "more" || exit 1
	git mv core/a.c a.c && _edit_file a.c middle 3 2 a7 || exit 1
	git add -A . && commit_at "@$((t + 170 * day)) +0000" Bob bob@example.com "a back" || exit 1
	)
}

# blame_people REPO G: the expected people burndown at HEAD by git blame
# --first-parent: "Name <email> band count" for every person and band with
# lines, authors through .mailmap, bands as in blame_bands.
blame_people() {
	_blame_lines "$1" | awk -F '\t' -v g="$2" '{ n[$2 " " int($3 / g)]++ }
		END { for (k in n) print k, n[k] }' | sort
}

# blame_owners REPO: "path<TAB>Name <email><TAB>lines" at HEAD.
blame_owners() {
	_blame_lines "$1" | awk -F '\t' '{ n[$1 "\t" $2]++ } END { for (k in n) print k "\t" n[k] }' |
		sort
}

# _blame_lines REPO: one "path<TAB>Name <email><TAB>day" line per line of
# every text file at HEAD (day = tick of its commit), computed once per
# fixture.
_blame_lines() {
	local cache=$BATS_FILE_TMPDIR/blame-${1##*/}
	[[ -s $cache ]] || _blame_lines_of "$1" >"$cache" || return 1
	cat "$cache"
}

_blame_lines_of() {
	local repo=$1 t0 path
	t0=$(git -C "$repo" log --first-parent --format=%ct HEAD | tail -n 1) || return 1
	t0=$((t0 / 86400 * 86400))
	git -C "$repo" grep -I -l -z -e '' HEAD -- |
	while IFS= read -r -d '' path; do
		path=${path#HEAD:}
		git -C "$repo" blame --first-parent --line-porcelain HEAD -- "$path" |
			awk -v p="$path" -v t0="$t0" '
			/^author / { a = substr($0, 8) }
			/^author-mail / { m = substr($0, 13) }
			/^committer-time / { printf "%s\t%s %s\t%d\n", p, a, m, int(($2 - t0) / 86400) }'
	done
}

# people_rows FILE: the same from the result's last row of people_burndown.
people_rows() {
	_result "$1" '
for p, m in zip(d["people"], d["people_burndown"]):
    r = m[-1]
    for k in range(0, len(r), 2):
        print("%s <%s> %d %d" % (p["name"], p["email"], r[k], r[k + 1]))' | sort
}

# owner_rows FILE: blame_owners's format from the result's ownership.
owner_rows() {
	_result "$1" '
for f in d["ownership"]:
    o = f["owners"]
    for k in range(0, len(o), 2):
        p = d["people"][o[k]]
        print("%s\t%s <%s>\t%d" % (f["path"], p["name"], p["email"], o[k + 1]))' | sort
}

# check_sums FILE: the invariants of the per-file and per-person parts:
# files + deleted = global, people = global, written = alive + overwritten,
# ownership = the people's last row, every file's lines = its last row.
check_sums() {
	_result "$1" '
S, B = d["samples"], d["bands"]
def dense(m):
    assert len(m) == S
    out = [[0] * B for _ in range(S)]
    for i, r in enumerate(m):
        for k in range(0, len(r), 2):
            assert r[k + 1] > 0 and (k == 0 or r[k] > r[k - 2])
            out[i][r[k]] = r[k + 1]
    return out
def total(ms):
    t = [[0] * B for _ in range(S)]
    for m in ms:
        for i in range(S):
            for j in range(B): t[i][j] += m[i][j]
    return t
files = [dense(f["sparse"]) for f in d["file_burndown"]]
assert [sum(m[-1]) for m in files] == [f["lines"] for f in d["file_burndown"]]
assert d["deleted_burndown"][-1] == []
assert total(files + [dense(d["deleted_burndown"])]) == d["matrix"], "files"
people = [dense(m) for m in d["people_burndown"]]
assert total(people) == d["matrix"], "people"
alive = [sum(m[-1]) for m in people]
assert [w - sum(r[1::2]) for w, r in zip(d["written"], d["overwrites"])] == alive
own = [0] * len(people)
for f in d["ownership"]:
    for k in range(0, len(f["owners"]), 2): own[f["owners"][k]] += f["owners"][k + 1]
assert own == alive
print(len(files), len(people))'
}

@test "per person: the last row is git blame --first-parent per author, through .mailmap" {
	local h=$BATS_FILE_TMPDIR/h g
	records git "$h" >"$BATS_TEST_TMPDIR/h.bin"
	for g in 30 7 1; do
		cf-burndown --burndown-people -g $g -s 30 <"$BATS_TEST_TMPDIR/h.bin" >"$BATS_TEST_TMPDIR/out"
		assert_equal "$(people_rows "$BATS_TEST_TMPDIR/out")" "$(blame_people "$h" $g)"
	done
	# Alice's old address is Alice: two people, whose lines make the total.
	run result_field "$BATS_TEST_TMPDIR/out" people
	assert_output '[{"email":"alice@example.com","name":"Alice"},{"email":"bob@example.com","name":"Bob"}]'
	run owner_rows "$BATS_TEST_TMPDIR/out"
	assert_output "$(blame_owners "$h")"
	assert [ "${#lines[@]}" -ge 12 ]
}

@test "per file and per person add up to the global matrix, on every row" {
	local r
	for r in h m; do
		records git "$BATS_FILE_TMPDIR/$r" >"$BATS_TEST_TMPDIR/$r.bin"
		cf-burndown --burndown-files --burndown-people -g 7 -s 5 <"$BATS_TEST_TMPDIR/$r.bin" \
			>"$BATS_TEST_TMPDIR/out"
		run check_sums "$BATS_TEST_TMPDIR/out"
		assert_success
	done
	# h: the text files at HEAD, in byte order; three deleted files (lib/y.py,
	# web/old.js, README.md) had lines in earlier rows.
	cf-burndown --burndown-files <"$BATS_TEST_TMPDIR/h.bin" >"$BATS_TEST_TMPDIR/f"
	run _result "$BATS_TEST_TMPDIR/f" 'print(" ".join(f["path"] for f in d["file_burndown"]))
print(any(d["deleted_burndown"]), "people_burndown" in d)'
	assert_output "$(printf '%s\n' "$(git -C "$BATS_FILE_TMPDIR/h" grep -I -l -e '' HEAD -- |
		sed 's/^HEAD://' | sort | tr '\n' ' ' | sed 's/ $//')" "True False")"
}

# Three people, one rename, one deletion: every overwrite counted by hand.
overwrite_stream() {
	records json <<'EOF2'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"f","new_lines":10,"bin":false}
{"t":"change","v":1,"n":0,"s":"A","path":"g","new_lines":4,"bin":false}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":1,"author":"B","email":"b@x"}
{"t":"change","v":1,"n":1,"s":"M","path":"f","old_lines":10,"new_lines":11,"bin":false,"hunks":[3,2,3,3]}
{"t":"commit","v":1,"n":2,"id":"x:3000000000000000000000000000000000000003","tick":2,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":2,"s":"M","path":"f","old_lines":11,"new_lines":9,"bin":false,"hunks":[3,2,2,0,11,1,9,1]}
{"t":"commit","v":1,"n":3,"id":"x:4000000000000000000000000000000000000004","tick":3,"author":"B","email":"b@x"}
{"t":"change","v":1,"n":3,"s":"D","path":"g","old_lines":4,"bin":false}
{"t":"commit","v":1,"n":4,"id":"x:5000000000000000000000000000000000000005","tick":4,"author":"C","email":"c@x"}
{"t":"change","v":1,"n":4,"s":"R","old_path":"f","path":"h","old_lines":9,"new_lines":9,"bin":false,"hunks":[1,1,1,1]}
{"t":"commit","v":1,"n":5,"id":"x:6000000000000000000000000000000000000006","tick":5,"author":"B","email":"b@x"}
{"t":"change","v":1,"n":5,"s":"A","path":"k","new_lines":3,"bin":false}
{"t":"change","v":1,"n":5,"s":"M","path":"h","old_lines":9,"new_lines":8,"bin":false,"hunks":[3,1,2,0]}
EOF2
}

@test "overwrites, written, ownership and the per-file history, counted by hand" {
	overwrite_stream >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr cf-burndown -g 1 -s 1 --burndown-files --burndown-people <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$stderr" ""
	cf-burndown -g 1 -s 1 --burndown-files --burndown-people <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	# f: A's 10 lines; B replaces A's lines 3-4 by 3 (A->B 2); A removes
	# B's first 2 (B->A 2) and replaces its own last line (A->A 1); B
	# deletes g, A's 4 lines (A->B 4); C renames f to h, replacing A's
	# first line (A->C 1); B removes its own last line of h (B->B 1).
	run result_field "$BATS_TEST_TMPDIR/out" people written overwrites ownership renames lines
	assert_output "$(printf '%s\n' \
		'[{"email":"a@x","name":"A"},{"email":"b@x","name":"B"},{"email":"c@x","name":"C"}]' \
		'[15,6,1]' \
		'[[0,1,1,6,2,1],[0,2,1,1],[]]' \
		'[{"owners":[0,7,2,1],"path":"h"},{"owners":[1,3],"path":"k"}]' \
		1 11)"
	run result_field "$BATS_TEST_TMPDIR/out" people_burndown
	assert_output '[[[0,14],[0,12],[0,11,2,1],[0,7,2,1],[0,6,2,1],[0,6,2,1]],[[],[1,3],[1,1],[1,1],[1,1],[5,3]],[[],[],[],[],[4,1],[4,1]]]'
	# h has f's history; g's is the deleted files'.
	run result_field "$BATS_TEST_TMPDIR/out" file_burndown deleted_burndown matrix
	assert_output "$(printf '%s\n' \
		'[{"lines":8,"path":"h","sparse":[[0,10],[0,8,1,3],[0,7,1,1,2,1],[0,7,1,1,2,1],[0,6,1,1,2,1,4,1],[0,6,2,1,4,1]]},{"lines":3,"path":"k","sparse":[[],[],[],[],[],[5,3]]}]' \
		'[[0,4],[0,4],[0,4],[],[],[]]' \
		'[[14,0,0,0,0,0],[12,3,0,0,0,0],[11,1,1,0,0,0],[7,1,1,0,0,0],[6,1,1,0,1,0],[6,0,1,0,1,3]]')"
}

@test "a rename from an untracked path or onto a tracked one resynchronises" {
	records json >"$BATS_TEST_TMPDIR/in" <<'EOF2'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"A","path":"a","new_lines":5,"bin":false}
{"t":"change","v":1,"n":0,"s":"A","path":"b","new_lines":3,"bin":false}
{"t":"commit","v":1,"n":1,"id":"x:2000000000000000000000000000000000000002","tick":1,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":1,"s":"R","old_path":"a","path":"b","old_lines":5,"new_lines":6,"bin":false,"hunks":[5,0,6,1]}
{"t":"change","v":1,"n":1,"s":"R","old_path":"x","path":"y","old_lines":2,"new_lines":2,"bin":false}
{"t":"change","v":1,"n":1,"s":"R","old_path":"b","path":"b","old_lines":6,"new_lines":6,"bin":false}
EOF2
	run --separate-stderr cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$stderr" "cf-burndown: warning: 'b' at commit 2000000: renamed from 'a' onto a file already tracked; file resynchronised
cf-burndown: warning: 'y' at commit 2000000: renamed from 'x', which is not tracked; file resynchronised"
	cf-burndown -g 1 -s 1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	run result_field "$BATS_TEST_TMPDIR/out" resyncs renames files lines matrix
	assert_output "$(printf '%s\n' 2 0 2 8 '[[8,0],[0,8]]')"
	run -3 cf-burndown < <(records json <<'EOF2'
{"t":"stream","v":1,"tick_size":86400,"t0":0}
{"t":"commit","v":1,"n":0,"id":"x:1000000000000000000000000000000000000001","tick":0,"author":"A","email":"a@x"}
{"t":"change","v":1,"n":0,"s":"R","path":"a","new_lines":1,"old_lines":1}
EOF2
)
	assert_output --regexp "^cf-burndown: fatal: record 3 \(byte [0-9]+\): 'change': missing field 'old_path'$"
}

@test "renames: a moved file keeps its line ages; git blame --first-parent at HEAD" {
	local r=$BATS_FILE_TMPDIR/r g
	records git "$r" renames >"$BATS_TEST_TMPDIR/r.bin"
	# Five renames, two of them with edits, as git log -M pairs them.
	assert_equal "$(git -C "$r" log --first-parent -M --name-status --format= | grep -c '^R')" 5
	for g in 30 7 1; do
		cf-burndown -g $g --burndown-people <"$BATS_TEST_TMPDIR/r.bin" >"$BATS_TEST_TMPDIR/out"
		run result_field "$BATS_TEST_TMPDIR/out" resyncs renames
		assert_output "$(printf '%s\n' 0 5)"
		assert_equal "$(last_row "$BATS_TEST_TMPDIR/out")" "$(blame_bands "$r" $g)"
		assert_equal "$(people_rows "$BATS_TEST_TMPDIR/out")" "$(blame_people "$r" $g)"
	done
	assert_equal "$(owner_rows "$BATS_TEST_TMPDIR/out")" "$(blame_owners "$r")"
	# Without renames, moved lines would be born again: not what blame says.
	records git "$r" >"$BATS_TEST_TMPDIR/nr.bin"
	cf-burndown -g 1 <"$BATS_TEST_TMPDIR/nr.bin" >"$BATS_TEST_TMPDIR/nr"
	assert_not_equal "$(last_row "$BATS_TEST_TMPDIR/nr")" "$(blame_bands "$r" 1)"
	# The renamed file's history is under its last name.
	cf-burndown -g 1 -s 1 --burndown-files --burndown-people <"$BATS_TEST_TMPDIR/r.bin" >"$BATS_TEST_TMPDIR/f"
	run check_sums "$BATS_TEST_TMPDIR/f"
	assert_success
	run _result "$BATS_TEST_TMPDIR/f" 'print(" ".join("%s:%d" % (f["path"], sum(1 for r in f["sparse"] if r)) for f in d["file_burndown"]))'
	assert_output ".mailmap:171 README.md:171 a.c:171 core/b2.c:171 lib/helpers/util.py:171 web/new.js:35"
}

# need_renames: skips while the pipeline's stages do not carry renames.
need_renames() {
	need_pipeline
	pipeline "$1" | cf-dump -t change 2>/dev/null | grep -q '"s":"R"' ||
		skip "the pipeline does not detect renames yet"
}

@test "the pipeline with renames: git blame --first-parent at HEAD, per band and per person" {
	local r=$BATS_FILE_TMPDIR/r
	need_renames "$r"
	pipeline "$r" "cf-burndown -g 1 --burndown-people" >"$BATS_TEST_TMPDIR/out"
	run result_field "$BATS_TEST_TMPDIR/out" resyncs renames
	assert_output "$(printf '%s\n' 0 5)"
	assert_equal "$(last_row "$BATS_TEST_TMPDIR/out")" "$(blame_bands "$r" 1)"
	assert_equal "$(people_rows "$BATS_TEST_TMPDIR/out")" "$(blame_people "$r" 1)"
	assert_equal "$(owner_rows "$BATS_TEST_TMPDIR/out")" "$(blame_owners "$r")"
}

# The result of FILE, as JSON.
result_json() {
	cf-dump -t result "$1"
}

@test "checkpoints: barriers anywhere, resumed from any chunk, the same result" {
	local h=$BATS_FILE_TMPDIR/h c k n opts="-g 7 -s 11 --burndown-files --burndown-people"
	cd "$BATS_TEST_TMPDIR" || return 1
	n=$(git -C "$h" rev-list --count HEAD)
	records git "$h" >"$BATS_TEST_TMPDIR/plain.bin"
	cf-burndown $opts <"$BATS_TEST_TMPDIR/plain.bin" >"$BATS_TEST_TMPDIR/plain"
	for k in 1 10; do
		rm -rf st
		records git "$h" every=$k >"$BATS_TEST_TMPDIR/chunked.bin"
		cf-burndown $opts --state-dir st <"$BATS_TEST_TMPDIR/chunked.bin" >"$BATS_TEST_TMPDIR/chunked"
		assert_equal "$(result_json "$BATS_TEST_TMPDIR/chunked")" "$(result_json "$BATS_TEST_TMPDIR/plain")"
		# Every barrier passes, after its state file; none after the last commit.
		assert_equal "$(cf-dump -t barrier "$BATS_TEST_TMPDIR/chunked" | wc -l)" $(((n - 1) / k))
		assert_equal "$(ls st | wc -l)" $(((n - 1) / k))
		for c in 0 $(((n - 1) / k / 2)) $(((n - 1) / k - 1)); do
			records git "$h" every=$k after=$(((c + 1) * k)) |
				cf-burndown $opts --resume st/chunk-$c.state >"$BATS_TEST_TMPDIR/resumed"
			assert_equal "$k $c $(result_json "$BATS_TEST_TMPDIR/resumed")" \
				"$k $c $(result_json "$BATS_TEST_TMPDIR/plain")"
		done
	done
}

@test "checkpoints: the pipeline, cf-revlist --chunk-size and --resume-after" {
	local h=$BATS_FILE_TMPDIR/h c
	cd "$BATS_TEST_TMPDIR" || return 1
	need_pipeline
	pipeline "$h" "cf-burndown --burndown-people --burndown-files" >"$BATS_TEST_TMPDIR/plain"
	(set -o pipefail; cf-revlist --chunk-size 20 "$h" | cf-treediff "$h" | cf-blobload "$h" |
		cf-diff | cf-burndown --burndown-people --burndown-files --state-dir st) >"$BATS_TEST_TMPDIR/chunked"
	assert_equal "$(result_json "$BATS_TEST_TMPDIR/chunked")" "$(result_json "$BATS_TEST_TMPDIR/plain")"
	for c in 0 1 2; do
		(set -o pipefail; cf-revlist --chunk-size 20 --resume-after $(((c + 1) * 20)) "$h" |
			cf-treediff "$h" | cf-blobload "$h" | cf-diff |
			cf-burndown --burndown-people --burndown-files --resume st/chunk-$c.state) >"$BATS_TEST_TMPDIR/resumed"
		assert_equal "$(result_json "$BATS_TEST_TMPDIR/resumed")" "$(result_json "$BATS_TEST_TMPDIR/plain")"
	done
}

@test "checkpoints: a state is checked against the options, the stream and itself" {
	local h=$BATS_FILE_TMPDIR/h
	cd "$BATS_TEST_TMPDIR" || return 1
	records git "$h" every=20 | cf-burndown --burndown-people --state-dir st >/dev/null
	run -2 cf-burndown --resume st/chunk-0.state </dev/null
	assert_line --index 0 "cf-burndown: usage: state file 'st/chunk-0.state' was saved with --granularity 30 --sampling 30 --burndown-people, not with these options"
	run -3 cf-burndown --burndown-people --resume st/chunk-1.state < <(records git "$h" after=20)
	assert_output --regexp "'commit': commit 20 where the resumed state expects commit 40$"
	run -3 cf-devs --resume st/chunk-0.state </dev/null
	assert_output --partial "not a state of the analyzer 'devs'"
	run -1 cf-burndown --resume st/none.state </dev/null
	# A state whose runs do not add up, and one with a run of a later tick.
	cat >bad.json <<'EOF2'
{"t":"state","v":1,"analyzer":"burndown","schema":1,"chunk":0,"commits":1,"data":{"have_stream":true,"tick_size":86400,"t0":0,"commits":1,"warnings":0,"commit":"x:1000000000000000000000000000000000000001","burndown":{"granularity":30,"sampling":30,"flags":0,"started":true,"tick":0,"author":0,"lines":5,"tracked":1,"resyncs":0,"renames":0,"acc":"x:0500000000000000","cells":"x:","authors":[["x:41","x:61",0,"x:"]],"files":[["x:61",1,false,5,"x:040000000000000000000000","x:"]],"deleted":"x:","overwrites":"x:"}}}
EOF2
	records json <bad.json >bad.state
	run -3 cf-burndown --resume bad.state </dev/null
	assert_output "cf-burndown: fatal: state file 'bad.state': a file's runs add up to 4 lines, not 5"
	sed 's/x:040000000000000000000000/x:050000000100000000000000/' bad.json | records json >bad2.state
	run -3 cf-burndown --resume bad2.state </dev/null
	assert_output "cf-burndown: fatal: state file 'bad2.state': a run of 'files' is empty, or of a later tick or unknown author"
	sed 's/x:040000000000000000000000/x:050000000000000000000000/' bad.json | records json >good.state
	run cf-burndown --resume good.state </dev/null
	assert_success
	run result_field <(cf-burndown --resume good.state </dev/null) lines matrix people
	assert_output "$(printf '%s\n' 5 '[[5]]' '[{"email":"a","name":"A"}]')"
}
