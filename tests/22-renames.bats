#!/usr/bin/env bats
# Renames: cf-treediff pairs them as git log --first-parent -M does (exact,
# similar, below the threshold, --no-renames, the rename limit), and the
# stages after it diff a rename's two blobs.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_rename_history "$FIX/ren"
	make_mass_rename "$FIX/mass"
}

# _lines TAG N: N distinct lines.
_lines() {
	local k
	for ((k = 1; k <= $2; k++)); do
		echo "line $k of $1, long enough to weigh in the similarity"
	done
}

# make_rename_history DIR: exact renames (a file, a symlink, one of two
# identical files), renames with edits above and below 50%, a rename
# across directories with the same base name, a pure deletion, CRLF.
make_rename_history() {
	git_init "$1"
	(
	cd "$1" || exit 1
	mkdir -p src docs
	_lines a 40 >src/a.c; _lines b 40 >src/b.c; _lines c 40 >src/c.c
	_lines d 40 >docs/d.md; _lines e 10 >e.txt; _lines gone 5 >gone.txt
	_lines same 3 >one.txt; cp one.txt two.txt; ln -s src/a.c link
	_lines crlf 30 | sed 's/$/\r/' >win.txt
	git add -A . && commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com one || exit 1
	git mv src/a.c src/a2.c				# exact
	git mv link link2				# exact symlink
	git mv two.txt docs/two.txt			# exact, one of two identical
	git mv src/b.c lib.c; _edit_file lib.c middle 4 4 b1	# similar, new base name
	git mv src/c.c src/c3.c; _edit_file src/c3.c start 30 30 c1	# below 50%
	mkdir -p manual; git mv docs/d.md manual/d.md; _edit_file manual/d.md end 2 1 d1
	git rm -q gone.txt
	_lines crlf 30 >unix.txt; git rm -q win.txt	# CRLF to LF: similar
	git add -A . && commit_at "2023-01-03 10:00:00 +0000" Bob bob@example.com two || exit 1
	git mv e.txt e2.txt; _edit_file e2.txt start 3 0 e1	# 70%: -M60 pairs, -M80 does not
	git add -A . && commit_at "2023-01-04 10:00:00 +0000" Alice alice@example.com three || exit 1
	)
}

# make_mass_rename DIR: 5,000 files moved (exact renames), then 1,200 of
# them moved again with an edit and new names (similar renames, over the
# default rename limit), with fast-import.
make_mass_rename() {
	git_init "$1"
	python3 - <<'PY' | git -C "$1" fast-import --quiet
import sys
w = sys.stdout.write
def data(s):
    w("data %d\n%s\n" % (len(s.encode()), s))
def body(i, edited=False):
    return "".join("file %d line %d\n" % (i, k) for k in range(19 if edited else 20)) + ("edited\n" if edited else "")
w("commit refs/heads/main\ncommitter A <a@x> 1672653600 +0000\n"); data("one")
for i in range(5000):
    w("M 100644 inline old/f%04d.txt\n" % i); data(body(i))
w("commit refs/heads/main\ncommitter A <a@x> 1672740000 +0000\n"); data("two")
for i in range(5000):
    w("D old/f%04d.txt\nM 100644 inline new/f%04d.txt\n" % (i, i)); data(body(i))
w("commit refs/heads/main\ncommitter A <a@x> 1672826400 +0000\n"); data("three")
for i in range(1200):
    w("D new/f%04d.txt\nM 100644 inline moved/g%04d.txt\n" % (i, i)); data(body(i, True))
w("done\n")
PY
}

# cf_status REPO [cf-treediff ARGS]...: git's --name-status lines from the
# change records, "@id" per commit.
cf_status() {
	local repo=$1
	shift
	cf-revlist "$repo" | cf-treediff "$@" "$repo" | cf-dump -t commit -t change | jq -r '
		if .t == "commit" then "@\(.id)"
		elif .s == "R" then "R\(1000 + .score | tostring | .[1:])\t\(.old_path)\t\(.path)"
		else "\(.s)\t\(.path)" end'
}

git_status() {
	local repo=$1
	shift
	git -C "$repo" -c core.quotepath=off log --reverse --first-parent --name-status \
		--format=@%H "$@" | grep -v '^$' | sed 's/^T\t/M\t/'
}

@test "renames equal git log --first-parent -M --name-status" {
	run cf_status "$FIX/ren"
	assert_success
	assert_output "$(git_status "$FIX/ren" -M)"
	# what the fixture holds
	assert_line $'R100\tsrc/a.c\tsrc/a2.c'
	assert_line $'R100\tlink\tlink2'
	assert_line $'R100\ttwo.txt\tdocs/two.txt'
	assert_line --regexp $'^R0[5-9][0-9]\tsrc/b.c\tlib.c$'
	assert_line --regexp $'^R0[5-9][0-9]\tdocs/d.md\tmanual/d.md$'
	assert_line --regexp $'^R[01][0-9][0-9]\twin.txt\tunix.txt$'
	assert_line $'D\tsrc/c.c'
	assert_line $'A\tsrc/c3.c'
	assert_line $'D\tgone.txt'
}

@test "the threshold: -M60 and -M80 as git's -M60% and -M80%; --no-renames" {
	run cf_status "$FIX/ren" -M60
	assert_output "$(git_status "$FIX/ren" -M60%)"
	assert_line --regexp $'^R0[67][0-9]\te.txt\te2.txt$'
	run cf_status "$FIX/ren" --find-renames=80
	assert_output "$(git_status "$FIX/ren" -M80%)"
	assert_line $'D\te.txt'
	run cf_status "$FIX/ren" --no-renames
	assert_output "$(git_status "$FIX/ren" --no-renames)"
	refute_line --regexp '^R'
	run cf_status "$FIX/ren" -M100
	assert_output "$(git_status "$FIX/ren" -M100%)"
}

@test "rename records: fields as cf-records(5) gives them" {
	run bash -c "cf-revlist '$FIX/ren' | cf-treediff '$FIX/ren' | cf-dump -t change |
		jq -c 'select(.path == \"src/a2.c\") | [.s, .old_path, .old == .new, .old_mode, .new_mode, .score, .n]'"
	assert_output '["R","src/a.c",true,33188,33188,100,1]'
}

@test "cf-blobload and cf-diff: an exact rename has no hunks, an edited one git's numstat" {
	run bash -c "set -o pipefail; cf-revlist '$FIX/ren' | cf-treediff '$FIX/ren' | cf-blobload '$FIX/ren' |
		cf-diff | cf-dump -t change | jq -r 'select(.s == \"R\") | \"\(.add)\t\(.del)\t\(.old_path)\t\(.path)\t\(.hunks != null)\"' | sort"
	assert_success
	assert_line $'0\t0\tsrc/a.c\tsrc/a2.c\tfalse'
	assert_line $'0\t0\tlink\tlink2\tfalse'
	assert_line $'0\t0\ttwo.txt\tdocs/two.txt\tfalse'
	assert_line $'1\t2\tdocs/d.md\tmanual/d.md\ttrue'
	# the same numbers as git's numstat (-z: a rename is "add del", old, new)
	[ "$(cut -f1-4 <<<"$output")" = "$(git -C "$FIX/ren" log --first-parent -M --numstat -z --format= |
		tr '\0' '\n' | awk -F '\t' 'NF == 3 && $3 == "" { n = $1 "\t" $2; getline o; getline p; print n "\t" o "\t" p }' | sort)" ]
}

@test "devs with renames: a rename with edits counts its edited lines, as git log -M --numstat" {
	run bash -c "set -o pipefail; cf-revlist '$FIX/ren' | cf-treediff '$FIX/ren' | cf-blobload '$FIX/ren' |
		cf-diff | cf-devs | cf-dump -t result | jq -r '.data.people[] | \"\(.name) <\(.email)>\t\(.commits)\t\(.added)\t\(.removed)\"' | sort"
	assert_success
	assert_output "$(git -C "$FIX/ren" log --first-parent -M --numstat --format='@%aN <%aE>' |
		awk -F '\t' '/^@/ { who = substr($0, 2); c[who]++; a[who] += 0; d[who] += 0; next }
			NF == 3 { if ($1 != "-") a[who] += $1; if ($2 != "-") d[who] += $2 }
			END { for (w in c) printf "%s\t%d\t%d\t%d\n", w, c[w], a[w], d[w] }' | sort)"
}

@test "5,000 files moved in one commit: exact renames, quickly; the rename limit" {
	run timeout 60 bash -c "set -o pipefail; cf-revlist '$FIX/mass' | cf-treediff '$FIX/mass' | cf-dump -t scope"
	assert_success
	assert_output '{"renames":{"exact":5000,"limited_commits":1,"similar":0},"skipped":{"excluded":0,"gitlinks":0,"language":0,"vendored":0},"t":"scope","v":1}'
	run timeout 60 bash -c "$(declare -f cf_status); cf_status '$FIX/mass'"
	assert_success
	assert_output "$(git_status "$FIX/mass" -M)"
	# a larger limit lets the 1,200 x 1,200 similar renames through, as git -l1200
	run timeout 60 bash -c "cf-revlist '$FIX/mass' HEAD~1..HEAD | cf-treediff --rename-limit 1200 '$FIX/mass' | cf-dump -t scope"
	assert_output --partial '"renames":{"exact":0,"limited_commits":0,"similar":1200}'
	run timeout 60 bash -c "cf-revlist '$FIX/mass' HEAD~1..HEAD | cf-treediff --rename-limit 1200 '$FIX/mass' | cf-dump -t change | jq -r 'select(.s == \"R\") | .score' | sort -u"
	assert_output "$(git -C "$FIX/mass" log -1 -M -l1200 --name-status --format= | cut -c2-4 | sed 's/^0*//' | sort -u)"
}

@test "usage: bad thresholds and limits exit 2" {
	run cf-treediff -M101 "$FIX/ren"
	assert_failure 2
	run cf-treediff --rename-limit x "$FIX/ren"
	assert_failure 2
	run cf-treediff -h
	assert_success
	assert_output --partial '--find-renames'
}
