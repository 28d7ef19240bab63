#!/usr/bin/env bats
# cf-devs: commits and lines per developer.  The numbers are checked against
# git itself: `git log --first-parent --numstat` summed per author for
# commits, added and removed, and the -U0 hunk headers for changed lines.

load test_helper

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# JSON lines to records; {"$bin": HEX} is a bin value.
	cat > "$d/mp.py" <<'EOF'
import json, struct, sys
def enc(o, out):
    if o is None: out.append(b'\xc0')
    elif o is True: out.append(b'\xc3')
    elif o is False: out.append(b'\xc2')
    elif isinstance(o, int):
        out.append(b'\xcf' + struct.pack('>Q', o) if o >= 0 else b'\xd3' + struct.pack('>q', o))
    elif isinstance(o, str):
        b = o.encode('utf-8', 'surrogateescape')
        out.append(b'\xdb' + struct.pack('>I', len(b)) + b)
    elif isinstance(o, list):
        out.append(b'\xdd' + struct.pack('>I', len(o)))
        for x in o: enc(x, out)
    elif isinstance(o, dict) and list(o) == ['$bin']:
        b = bytes.fromhex(o['$bin'])
        out.append(b'\xc6' + struct.pack('>I', len(b)) + b)
    else:
        out.append(b'\xdf' + struct.pack('>I', len(o)))
        for k, v in o.items(): enc(k, out); enc(v, out)
out = []
for line in sys.stdin:
    if line.strip(): enc(json.loads(line), out)
sys.stdout.buffer.write(b''.join(out))
EOF
	# The stream cf-diff would write for a first-parent history, computed
	# by git (numstat and -U0 hunks): tests cf-devs without the stages
	# before it.
	cat > "$d/git_stream.py" <<'EOF'
import json, re, subprocess, sys
repo = sys.argv[1]
def git(*args):
    return subprocess.run(["git", "-C", repo] + list(args), check=True,
                          stdout=subprocess.PIPE).stdout.decode("utf-8", "surrogateescape")
log = git("log", "--first-parent", "--reverse", "--numstat",
          "--format=%x01%H%x02%ct%x02%aN%x02%aE%x02%P")
patch = git("log", "--first-parent", "--reverse", "-p", "-U0", "--format=%x01%H")
hunks = {}
for block in patch.split("\x01")[1:]:
    lines = block.split("\n")
    files = hunks.setdefault(lines[0], {})
    path = None
    for l in lines[1:]:
        m = re.match(r"diff --git a/(\S+) b/(\S+)$", l)
        if m:
            path = m.group(2); files[path] = []; continue
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", l)
        if m:
            a, b, c, d = m.groups()
            files[path] += [int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d)]
t0 = None
for n, block in enumerate(log.split("\x01")[1:]):
    lines = block.split("\n")
    h, ct, name, email, parents = lines[0].split("\x02")
    ct = int(ct)
    if t0 is None:
        t0 = ct - ct % 86400
        print(json.dumps({"t": "stream", "v": 1, "tick_size": 86400, "t0": t0}))
    print(json.dumps({"t": "commit", "v": 1, "n": n, "author": name, "email": email,
                      "tick": (ct - t0) // 86400,
                      "parents": [{"$bin": p} for p in parents.split()]}))
    for l in lines[1:]:
        if not l.strip():
            continue
        a, r, path = l.split("\t")
        rec = {"t": "change", "v": 1, "n": n, "s": "M", "path": path}
        if a == "-":
            rec.update({"add": 0, "del": 0, "bin": True})
        else:
            rec.update({"add": int(a), "del": int(r)})
            if hunks.get(h, {}).get(path):
                rec["hunks"] = hunks[h][path]
        print(json.dumps(rec))
EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Records from JSON lines on stdin.
records() {
	python3 "$BATS_FILE_TMPDIR/mp.py"
}

need_python() {
	command -v python3 >/dev/null || skip "python3 is needed to write test streams"
}

need_pipeline() {
	local t
	for t in cf-revlist cf-treediff cf-blobload cf-diff; do
		command -v "$t" >/dev/null || skip "$t is not built yet"
	done
}

export -f records

# --- the fixtures ------------------------------------------------------------

fixture_commit() {	# N MESSAGE: commit as one of three identities, 9 days apart
	local date
	date=$(date -u -d "2020-01-01 +$(($1 * 9)) days" +%Y-%m-%dT12:00:00Z)
	case $(($1 % 3)) in
	0) export GIT_AUTHOR_NAME="Alice Doe" GIT_AUTHOR_EMAIL=alice@example.org ;;
	1) export GIT_AUTHOR_NAME="Bob Roe" GIT_AUTHOR_EMAIL=bob@example.org ;;
	2) export GIT_AUTHOR_NAME="alice" GIT_AUTHOR_EMAIL=alice@old.example ;;
	esac
	git add -A
	GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git commit -q --allow-empty -m "$2"
}

fixture_edit() {	# FILE SEED: replace a line, insert two, delete one
	awk -v s="$2" -v n="$(wc -l < "$1")" '
		NR == (s * 7) % n + 1 { print "edited " s " " $0; next }
		NR == (s * 3) % n + 1 { print; print "inserted " s; print "inserted again " s; next }
		NR == (s * 11) % n + 1 && n > 12 { next }
		{ print }' "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

devs_init() {
	git init -q -b main "$1" && cd "$1" || return 1
	git config user.name Committer
	git config user.email committer@example.org
	export GIT_COMMITTER_NAME=Committer GIT_COMMITTER_EMAIL=committer@example.org
}

# 60 first-parent commits over 531 days by Alice (two addresses joined by
# .mailmap) and Bob: edits, insertions, deletions, files added and deleted,
# a binary file added, changed and deleted; never a delete and an add in the
# same commit, so git sees no renames.
make_devs_fixture() {
	devs_init "$1" || return 1
	printf 'Alice Doe <alice@example.org> <alice@old.example>\n' > .mailmap
	mkdir -p src docs lib
	seq 1 30 | sed 's/^/int line_/; s/$/;/' > src/main.c
	seq 1 20 | sed 's/^/def f/; s/$/(): pass/' > src/tool.py
	fixture_commit 0 "start"
	local i
	for ((i = 1; i < 60; i++)); do
		case $((i % 10)) in
		0) mkdir -p docs; seq 1 $((i / 2 + 3)) | sed "s/^/doc $i /" > "docs/page$i.md" ;;
		1) fixture_edit src/main.c "$i" ;;
		2) fixture_edit src/tool.py "$i" ;;
		3) printf 'bin\0ary %d\n' "$i" > lib/blob.bin ;;
		4) seq 1 $((i % 7 + 2)) | sed "s/^/#define H$i /" >> lib/util.h ;;
		5) [ -e "docs/page$((i - 5)).md" ] && git rm -q "docs/page$((i - 5)).md" ;;
		6) fixture_edit src/main.c "$i"; fixture_edit src/tool.py "$i" ;;
		7) sed -i '1,3d' src/main.c ;;
		8) [ $i = 48 ] && git rm -q lib/blob.bin ;;
		9) [ $i = 29 ] || fixture_edit src/main.c "$((i * 5))" ;;
		esac
		fixture_commit "$i" "commit $i"
	done
}

# A side branch merged into main after main moved on: the merge's diff
# against its first parent brings the side's lines.
make_merge_fixture() {
	devs_init "$1" || return 1
	seq 1 10 > a.txt
	fixture_commit 0 base
	git checkout -q -b side
	seq 1 12 > a.txt
	printf 'x\ny\n' > b.c
	fixture_commit 1 side
	git checkout -q main
	{ echo 0; seq 1 10; } > a.txt
	fixture_commit 2 main
	GIT_AUTHOR_DATE=2020-02-01T12:00:00Z GIT_COMMITTER_DATE=2020-02-01T12:00:00Z \
	GIT_AUTHOR_NAME="Bob Roe" GIT_AUTHOR_EMAIL=bob@example.org \
		git merge -q --no-edit side
}

# --- what git says -------------------------------------------------------------

# "Name <email>\tcommits\tadded\tremoved" per author, sorted.
git_numstat() {
	git -C "$1" log --first-parent --numstat --format='@%aN <%aE>' |
	awk -F'\t' '
		/^@/ { a = substr($0, 2); c[a]++; next }
		NF == 3 && $1 != "-" { ad[a] += $1; rm[a] += $2 }
		END { for (a in c) printf "%s\t%d\t%d\t%d\n", a, c[a], ad[a], rm[a] }' |
	LC_ALL=C sort
}

# "Name <email>\tchanged" per author: min(old, new) over -U0 hunk headers.
git_changed() {
	git -C "$1" log --first-parent -p -U0 --format='@%aN <%aE>' |
	awk '
		/^@[^@]/ { a = substr($0, 2); ch[a] += 0; next }
		/^@@ / {
			no = split($2, o, ","); nn = split($3, n, ",")
			oc = no > 1 ? o[2] : 1; nc = nn > 1 ? n[2] : 1
			ch[a] += oc < nc ? oc : nc
		}
		END { for (a in ch) printf "%s\t%d\n", a, ch[a] }' |
	LC_ALL=C sort
}

# The same shapes from a devs result on stdin.
devs_numstat() {
	cf-dump -t result | jq -r '.data.people[] |
		"\(.name) <\(.email)>\t\(.commits)\t\(.added)\t\(.removed)"' | LC_ALL=C sort
}

devs_changed() {
	cf-dump -t result | jq -r '.data.people[] | "\(.name) <\(.email)>\t\(.changed)"' |
	LC_ALL=C sort
}

# The same from the json document of cf-run history -a devs.
run_devs_changed() {
	jq -r '.devs.people[] | "\(.name) <\(.email)>\t\(.changed)"' "$1" | LC_ALL=C sort
}

# --- the command line ------------------------------------------------------------

@test "devs: -h prints the usage that the man page's SYNOPSIS shows" {
	run cf-devs -h
	assert_success
	assert_line --index 0 "usage: cf-devs [--state-dir DIR] [--resume FILE]"
	grep -q '^\.Op Fl -state-dir Ar DIR$' "$BATS_TEST_DIRNAME/../man/cf-devs.1"
}

@test "devs: a bad option or an argument is a usage error" {
	run cf-devs --frobnicate
	assert_failure 2
	run cf-devs extra
	assert_failure 2
	assert_output --partial "'extra'"
}

# --- crafted streams ---------------------------------------------------------------

small_stream() {
	records <<'EOF'
{"t":"stream","v":1,"tick_size":86400,"t0":1600000000,"commits":3}
{"t":"commit","v":1,"n":0,"author":"A","email":"a@x","tick":0,"parents":[]}
{"t":"change","v":1,"n":0,"s":"A","path":"src/main.c","add":10,"del":0}
{"t":"change","v":1,"n":0,"s":"A","path":"README.md","add":3,"del":0}
{"t":"commit","v":1,"n":1,"author":"B","email":"b@x","tick":2,"parents":[{"$bin":"0000000000000000000000000000000000000000"}]}
{"t":"change","v":1,"n":1,"s":"M","path":"src/main.c","add":4,"del":3,"hunks":[1,2,1,3,9,1,10,0,20,0,21,1]}
{"t":"change","v":1,"n":1,"s":"M","path":"logo.png","add":0,"del":0,"bin":true}
{"t":"commit","v":1,"n":2,"author":"A","email":"a@x","tick":2,"parents":[{"$bin":"0000000000000000000000000000000000000000"},{"$bin":"0000000000000000000000000000000000000001"}]}
{"t":"change","v":1,"n":2,"s":"D","path":"README.md","add":0,"del":3}
{"t":"result","v":1,"analyzer":"other","schema":1,"data":{}}
EOF
}

@test "devs: counts a crafted stream exactly" {
	need_python
	small_stream > in.mp
	cf-devs < in.mp > out.mp
	run cf-dump -t result out.mp
	assert_success
	assert_line --index 1 '{"analyzer":"devs","data":{"active_ticks":2,"added":17,"bus_factor":1,"bus_factor_people":[0],"changed":2,"commits":3,"contributors":2,"files":5,"first_tick":0,"languages":{"C":{"added":14,"bus_factor":1,"bus_factor_people":[0],"changed":2,"contributors":2,"files":2,"removed":3},"Markdown":{"added":3,"bus_factor":1,"bus_factor_people":[0],"changed":0,"contributors":1,"files":2,"removed":3},"Other":{"added":0,"bus_factor":0,"bus_factor_people":[],"changed":0,"contributors":0,"files":1,"removed":0}},"last_tick":2,"merges":1,"people":[{"active_ticks":2,"added":13,"changed":0,"commits":2,"email":"a@x","files":3,"first_tick":0,"languages":{"C":{"added":10,"changed":0,"files":1,"removed":0},"Markdown":{"added":3,"changed":0,"files":2,"removed":3}},"last_tick":2,"merges":1,"name":"A","removed":3,"ticks":[[0,1,13,0,0],[2,1,0,3,0]]},{"active_ticks":1,"added":4,"changed":2,"commits":1,"email":"b@x","files":2,"first_tick":2,"languages":{"C":{"added":4,"changed":2,"files":1,"removed":3},"Other":{"added":0,"changed":0,"files":1,"removed":0}},"last_tick":2,"merges":0,"name":"B","removed":3,"ticks":[[2,1,4,3,2]]}],"removed":6,"t0":1600000000,"tick_size":86400,"ticks":[[0,1,13,0,0],[2,2,4,6,2]]},"schema":1,"t":"result","v":1}'
	assert_equal "${#lines[@]}" 2
}

@test "devs: passes every record through unchanged and appends its result last" {
	need_python
	small_stream > in.mp
	cf-devs < in.mp > out.mp
	cmp -n "$(stat -c %s in.mp)" in.mp out.mp
	run cf-dump out.mp
	assert_equal "${#lines[@]}" 11
	assert_line --index 10 --partial '{"analyzer":"devs",'
	assert_line --index 9 --partial '{"analyzer":"other",'
}

@test "devs: output is byte-identical across runs, keys in byte order" {
	need_python
	small_stream > in.mp
	cf-devs < in.mp > a.mp
	cf-devs < in.mp > b.mp
	cmp a.mp b.mp
	# cf-dump -k keeps the stream's key order: it must already be sorted.
	assert_equal "$(cf-dump -k -t result a.mp | jq -c .data)" \
		"$(cf-dump -t result a.mp | jq -c .data)"
}

@test "devs: people sorted by commits, then name; references are indexes" {
	need_python
	records > in.mp <<'EOF'
{"t":"commit","v":1,"n":0,"author":"Zed","email":"z@x","tick":0,"parents":[]}
{"t":"change","v":1,"n":0,"s":"A","path":"a.go","add":40,"del":0}
{"t":"commit","v":1,"n":1,"author":"Bea","email":"b2@x","tick":1,"parents":[]}
{"t":"change","v":1,"n":1,"s":"A","path":"b.go","add":35,"del":0}
{"t":"commit","v":1,"n":2,"author":"Bea","email":"b1@x","tick":1,"parents":[]}
{"t":"change","v":1,"n":2,"s":"A","path":"c.go","add":25,"del":0}
{"t":"commit","v":1,"n":3,"author":"Zed","email":"z@x","tick":5,"parents":[]}
EOF
	run bash -c 'cf-devs < in.mp | cf-dump -t result | jq -c ".data | [[.people[] | [.name, .email, .commits]], .bus_factor, .bus_factor_people, .languages.Go.bus_factor_people]"'
	assert_success
	# Zed 40, Bea <b2> 35, Bea <b1> 25 of 100 lines: 40 < 50, 75 >= 50.
	assert_output '[[["Zed","z@x",2],["Bea","b1@x",1],["Bea","b2@x",1]],2,[0,2],[0,2]]'
}

@test "devs: a share of exactly half makes a bus factor of one" {
	need_python
	records > in.mp <<'EOF'
{"t":"commit","v":1,"n":0,"author":"A","email":"a","tick":0,"parents":[]}
{"t":"change","v":1,"n":0,"s":"M","path":"x.rs","add":30,"del":20,"hunks":[1,20,1,30]}
{"t":"commit","v":1,"n":1,"author":"B","email":"b","tick":0,"parents":[]}
{"t":"change","v":1,"n":1,"s":"A","path":"y.rs","add":30,"del":0}
{"t":"commit","v":1,"n":2,"author":"C","email":"c","tick":0,"parents":[]}
{"t":"change","v":1,"n":2,"s":"A","path":"z.rs","add":20,"del":0}
EOF
	run bash -c 'cf-devs < in.mp | cf-dump -t result | jq -c ".data | [.bus_factor, .bus_factor_people, .changed, .languages.Rust.contributors]"'
	assert_output '[1,[0],20,3]'
}

@test "devs: languages by file name and extension" {
	need_python
	{
		echo '{"t":"commit","v":1,"n":0,"author":"A","email":"a","tick":0,"parents":[]}'
		for p in a.go b/c.py d.js e.ts f.c g.h h.cc i.hpp j.C k.java l.rs m.rb n.php o.cs \
			p.sh q.md r.yaml s.yml t.json Makefile sub/makefile x.mk CMakeLists.txt \
			y.cmake z.html A.CSS B.pl C.tcl D.lua E.kt F.swift G.scala H.sql \
			README I.txt .bashrc J.PY K noext. .hidden L.unknown M.tar.gz; do
			printf '{"t":"change","v":1,"n":0,"s":"A","path":"%s","add":1,"del":0}\n' "$p"
		done
	} | records > in.mp
	run bash -c 'cf-devs < in.mp | cf-dump -t result | jq -r ".data.languages | to_entries[] | \"\(.key)=\(.value.files)\""'
	assert_success
	assert_output "$(printf '%s\n' C=2 C#=1 C++=3 CMake=2 CSS=1 Go=1 HTML=1 JSON=1 Java=1 \
		JavaScript=1 Kotlin=1 Lua=1 Makefile=3 Markdown=1 Other=5 PHP=1 Perl=1 \
		Python=2 Ruby=1 Rust=1 SQL=1 Scala=1 Shell=2 Swift=1 Tcl=1 Text=2 \
		TypeScript=1 YAML=2)"
}

@test "devs: an empty stream gives an empty result" {
	run bash -c 'cf-devs < /dev/null | cf-dump'
	assert_success
	assert_output '{"analyzer":"devs","data":{"active_ticks":0,"added":0,"bus_factor":0,"bus_factor_people":[],"changed":0,"commits":0,"contributors":0,"files":0,"first_tick":0,"languages":{},"last_tick":0,"merges":0,"people":[],"removed":0,"t0":0,"tick_size":0,"ticks":[]},"schema":1,"t":"result","v":1}'
}

# --- bad input -----------------------------------------------------------------------

@test "devs: garbage and truncated input exit 3" {
	need_python
	printf 'not msgpack at all' > garbage
	run cf-devs < garbage
	assert_failure 3
	small_stream > in.mp
	head -c 150 in.mp > cut.mp
	run cf-devs < cut.mp
	assert_failure 3
	assert_output --partial "truncated"
}

bad_stream() {	# JSON lines of a malformed stream -> exit 3 and a message
	records > bad.mp
	run cf-devs < bad.mp
	assert_failure 3
	assert_output --partial "$1"
}

@test "devs: inconsistent streams exit 3 and name the record" {
	need_python
	C='{"t":"commit","v":1,"n":0,"author":"A","email":"a","tick":0,"parents":[]}'
	bad_stream "record 1 (byte 0): 'change': change before any commit" <<'EOF'
{"t":"change","v":1,"n":0,"s":"A","path":"a","add":1,"del":0}
EOF
	bad_stream "change of commit 4 follows commit 0" <<EOF
$C
{"t":"change","v":1,"n":4,"s":"A","path":"a","add":1,"del":0}
EOF
	bad_stream "missing field 'add'" <<EOF
$C
{"t":"change","v":1,"n":0,"s":"A","path":"a"}
EOF
	bad_stream "'hunks' must hold four numbers per hunk" <<EOF
$C
{"t":"change","v":1,"n":0,"s":"M","path":"a","add":1,"del":1,"hunks":[1,1,1]}
EOF
	bad_stream "'hunks' item 2 is not a line number" <<EOF
$C
{"t":"change","v":1,"n":0,"s":"M","path":"a","add":1,"del":1,"hunks":[1,1,-1,1]}
EOF
	bad_stream "'author' must be a string" <<'EOF'
{"t":"commit","v":1,"n":0,"author":7,"email":"a","tick":0,"parents":[]}
EOF
	bad_stream "line counts overflow" <<EOF
$C
{"t":"change","v":1,"n":0,"s":"A","path":"a","add":18446744073709551615,"del":0}
{"t":"change","v":1,"n":0,"s":"A","path":"b","add":1,"del":0}
EOF
}

# --- against git -------------------------------------------------------------------------

@test "devs: the fixture's history is what the tests say it is" {
	make_devs_fixture repo
	assert_equal "$(git rev-list --first-parent --count HEAD)" 60
	assert_equal "$(git log -1 --format=%cs)" 2021-06-15
	assert_equal "$(git log --first-parent --numstat --format= | grep -c '^-')" 7
	assert_equal "$(git log --summary --format= | grep -c 'delete mode')" 6
	assert_equal "$(git log -M --summary --format= | grep -c rename)" 0
	run git_numstat .
	assert_output "$(printf 'Alice Doe <alice@example.org>\t40\t183\t98\nBob Roe <bob@example.org>\t20\t73\t66')"
	run git_changed .
	assert_output "$(printf 'Alice Doe <alice@example.org>\t19\nBob Roe <bob@example.org>\t10')"
}

@test "devs: a git-made stream of the fixture matches git log --numstat and -U0" {
	need_python
	make_devs_fixture repo
	python3 "$BATS_FILE_TMPDIR/git_stream.py" . | records > in.mp
	assert_equal "$(cf-devs < in.mp | devs_numstat)" "$(git_numstat .)"
	assert_equal "$(cf-devs < in.mp | devs_changed)" "$(git_changed .)"
	run bash -c 'cf-devs < in.mp | cf-dump -t result | jq -c ".data | [.commits, .active_ticks, .first_tick, .last_tick, .bus_factor_people, (.languages | map_values([.files, .added, .removed, .changed]))]"'
	assert_output '[60,60,0,531,[0],{"C":[30,111,51,17],"Markdown":[10,90,90,0],"Other":[8,1,0,0],"Python":[13,54,23,12]}]'
}

@test "devs: the whole pipeline on the fixture matches git log --first-parent --numstat" {
	need_pipeline
	make_devs_fixture repo
	pipeline . cf-devs > out.mp
	assert_equal "$(devs_numstat < out.mp)" "$(git_numstat .)"
	assert_equal "$(devs_changed < out.mp)" "$(git_changed .)"
	run devs_numstat < out.mp
	assert_output "$(printf 'Alice Doe <alice@example.org>\t40\t183\t98\nBob Roe <bob@example.org>\t20\t73\t66')"
}

@test "devs: the pipeline on the suite's standard fixture matches numstat_by_author" {
	need_pipeline
	make_history repo
	pipeline repo cf-devs > out.mp
	assert_equal "$(devs_numstat < out.mp)" "$(numstat_by_author repo)"
	assert_equal "$(devs_changed < out.mp)" "$(git_changed repo)"
}

@test "devs: a merge counts as a commit with its first-parent diff, as git >= 2.31 does" {
	make_merge_fixture repo
	# git 2.39: --first-parent lists the merge's diff against its first parent.
	run git_numstat .
	assert_output "$(printf '%s\t%d\t%d\t0\n' 'Alice Doe <alice@example.org>' 1 10 \
		'Bob Roe <bob@example.org>' 1 4 'alice <alice@old.example>' 1 1)"
	if command -v python3 >/dev/null; then
		python3 "$BATS_FILE_TMPDIR/git_stream.py" . | records > in.mp
		assert_equal "$(cf-devs < in.mp | devs_numstat)" "$(git_numstat .)"
		assert_equal "$(cf-devs < in.mp | cf-dump -t result | jq .data.merges)" 1
	fi
	need_pipeline
	pipeline . cf-devs > out.mp
	assert_equal "$(devs_numstat < out.mp)" "$(git_numstat .)"
	assert_equal "$(devs_changed < out.mp)" "$(git_changed .)"
	assert_equal "$(cf-dump -t result out.mp | jq .data.merges)" 1
}

@test "devs: cf-run counts the edited lines of the diff git's numstat counts, with burndown or without" {
	need_pipeline
	# X is the one line the two middles share.  Followed by 600 X lines,
	# which git's -U0 drops with the common tail, it occurs too often in
	# the whole files for xdiff to match it: numstat's diff replaces 9
	# lines by 9, the -U0 hunks 4 by 4 twice.  Followed by 600 Y lines,
	# both diffs replace 4 by 4 twice.
	local last
	devs_init repo
	for last in X Y; do class_file old "$last" > "$last.txt"; done
	fixture_commit 0 start
	for last in X Y; do class_file new "$last" > "$last.txt"; done
	fixture_commit 1 edit
	run edited_by_author .
	assert_output "$(printf 'Alice Doe <alice@example.org>\t0\nBob Roe <bob@example.org>\t17')"
	run git_changed .
	assert_line "$(printf 'Bob Roe <bob@example.org>\t16')"
	cf-run history -a devs -f json . > alone.json
	cf-run history -a burndown,devs -f json . > both.json
	assert_equal "$(run_devs_changed alone.json)" "$(edited_by_author .)"
	assert_equal "$(jq -c .devs alone.json)" "$(jq -c .devs both.json)"
	run -0 jq -c '.devs | [.added, .removed, .changed]' alone.json
	assert_output '[1331,17,17]'
}

@test "devs: the fixture through cf-run: numstat and its diff's edited lines, as git has them" {
	need_pipeline
	make_devs_fixture repo
	cf-run history -a devs -f json . > out.json
	assert_equal "$(jq -r '.devs.people[] | "\(.name) <\(.email)>\t\(.commits)\t\(.added)\t\(.removed)"' out.json |
		LC_ALL=C sort)" "$(git_numstat .)"
	assert_equal "$(run_devs_changed out.json)" "$(edited_by_author .)"
}

@test "devs: a change whose 'changed' exceeds its add or del is refused, naming the record" {
	need_python
	records > in.mp <<'EOF'
{"t":"commit","v":1,"n":0,"author":"A","email":"a","tick":0,"parents":[]}
{"t":"change","v":1,"n":0,"s":"M","path":"a.c","add":2,"del":1,"changed":2,"hunks":[1,3,1,3]}
EOF
	run cf-devs < in.mp
	assert_failure 3
	assert_output --partial "record 2"
	assert_output --partial "'changed' (2) exceeds 'add' (2) or 'del' (1)"
}

@test "devs: add and del of cf-diff --exact-numstat win over the hunks' sums" {
	need_python
	records > in.mp <<'EOF'
{"t":"commit","v":1,"n":0,"author":"A","email":"a","tick":0,"parents":[]}
{"t":"change","v":1,"n":0,"s":"M","path":"a.c","add":2,"del":1,"hunks":[1,3,1,3]}
EOF
	run -0 bash -c "cf-devs < in.mp | cf-dump -t result | jq -c '.data | [.added, .removed, .changed]'"
	assert_output '[2,1,1]'
}
