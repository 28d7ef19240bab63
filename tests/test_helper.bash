# tests/test_helper.bash: loaded by every tests/NN-name.bats with
#
#	load test_helper
#
# It loads bats-support, bats-assert and bats-file, pins the environment
# (locale, time zone, identities, no user or system git configuration), puts
# $CF_BIN first on PATH, and provides the shared fixtures and the independent
# expectations computed with git itself:
#
#	commit_at DATE NAME EMAIL MSG	commit the index with both dates fixed
#	make_history DIR		THE standard fixture (linear, 64 commits)
#	make_merge_history DIR		a small fixture with merge commits
#	blame_bands REPO G		expected burndown at HEAD: "band count"
#	numstat_by_author REPO		expected devs: "Name <email>\tcommits\tadded\tremoved"
#	shm_snapshot, assert_no_new_shm	nothing new may appear in /dev/shm
#	pipeline REPO [STAGE]...	cf-revlist|cf-treediff|cf-blobload|cf-diff|STAGE...
#	run_pipeline REPO [STAGE]...	the same under bats' run
#	replay SRC DST SHIFT		SRC's history again, SHIFT seconds later
#	union DST NAME...		one history of repositories NAME under NAME/
#	merges_agree			a.mp, b.mp, c.mp merged in any grouping and
#					order: the same bytes (abc.mp)
#
# Fixtures are deterministic: fixed dates, fixed identities, and a fixed
# linear congruential generator instead of $RANDOM, so that tests can assert
# exact numbers.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

export LC_ALL=C TZ=UTC
unset LANG LANGUAGE

# Nothing from the user's or the machine's git setup may leak in.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_CEILING_DIRECTORIES \
	GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_CONFIG GIT_CONFIG_PARAMETERS \
	GIT_CONFIG_COUNT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Codefang Test" GIT_AUTHOR_EMAIL="test@example.com"
export GIT_COMMITTER_NAME="Codefang Test" GIT_COMMITTER_EMAIL="test@example.com"
export GIT_TERMINAL_PROMPT=0 GIT_PAGER=cat PAGER=cat
# libgit2 reads $HOME/.gitconfig and $XDG_CONFIG_HOME/git/config: point both
# at an empty per-test (or per-file, in setup_file) directory.
HOME="${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}}}/home"
export HOME XDG_CONFIG_HOME="$HOME/.config"
mkdir -p "$HOME"

if [[ -z ${CF_BIN:-} ]]; then
	CF_BIN=$(cd "$BATS_TEST_DIRNAME/.." && pwd)/bin
fi
export CF_BIN
case ":$PATH:" in
"$CF_BIN:"*) ;;
*) export PATH="$CF_BIN:$PATH" ;;
esac

# git init with a fixed branch name and without the hints.
git_init() {
	git -c init.defaultBranch=main init -q "$@"
}

# commit_at DATE AUTHOR_NAME AUTHOR_EMAIL MSG
# Commits the index of the repository in the current directory.  DATE is
# anything git accepts, e.g. "2023-01-02 10:00:00 +0000" or "@1672653600 +0100";
# it becomes both the author and the committer date, and the author becomes
# the committer too.
commit_at() {
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" \
	GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" \
	GIT_COMMITTER_NAME="$2" GIT_COMMITTER_EMAIL="$3" \
		git commit -q --no-verify --allow-empty --no-gpg-sign -m "$4"
}

# The fixtures' random numbers: a 31-bit LCG with a constant seed.
# _rand N sets REPLY to 0..N-1 (no subshell, so the state advances).
_rand() {
	_cf_seed=$(( (_cf_seed * 1103515245 + 12345) & 0x7fffffff ))
	REPLY=$(( (_cf_seed >> 8) % $1 ))
}

# The fixtures' files live in the associative array _cf_file (path -> text,
# lines joined by newlines, no final one) while they are generated, so that
# make_history needs no process per edit: the whole history goes to one
# git fast-import.

# _line EXT TAG K: sets REPLY to a generated line, unique per TAG and K, that
# looks like the language of EXT.
_line() {
	case $1 in
	c|h)	REPLY="int f_$2_$3(int x) { return x * $3; }" ;;
	py)	REPLY="def f_$2_$3(x): return x * $3" ;;
	js)	REPLY="const f_$2_$3 = (x) => x * $3;" ;;
	md)	REPLY="- item $2.$3" ;;
	*)	REPLY="note $2 line $3" ;;
	esac
}

# _edit FILE WHERE DEL NEW TAG [R]
# Removes DEL lines of _cf_file[FILE] and inserts NEW generated lines at
# WHERE: start, middle, end, or R modulo the line count.  A file never
# shrinks below three lines.
_edit() {
	local f=$1 where=$2 del=$3 new=$4 tag=$5 r=${6:-0} n pos k
	local -a old=() out=()
	[[ -n ${_cf_file[$f]} ]] && mapfile -t old <<<"${_cf_file[$f]}"
	n=${#old[@]}
	((n - del < 3)) && del=0
	case $where in
	start)	pos=0 ;;
	middle)	pos=$(( (n - del) / 2 )) ;;
	end)	pos=$(( n - del )) ;;
	*)	pos=$(( r % (n - del + 1) )) ;;
	esac
	out=("${old[@]:0:pos}")
	for ((k = 1; k <= new; k++)); do
		_line "${f##*.}" "$tag" "$k"
		out+=("$REPLY")
	done
	out+=("${old[@]:pos+del}")
	local IFS=$'\n'
	_cf_file[$f]="${out[*]}"
}

# _new_file FILE LINES TAG: a new text file of LINES generated lines.
_new_file() {
	_cf_file[$1]=
	_edit "$1" start 0 "$2" "$3"
}

# _text FILE: the file's bytes; docs/notes.txt never ends with a newline.
_text() {
	if [[ $1 == *notes.txt ]]; then
		REPLY=${_cf_file[$1]}
	else
		REPLY=${_cf_file[$1]}$'\n'
	fi
}

# _binary N: prints a binary file with NUL bytes, different for each N, of
# 15 + 7 * (40 + 7 * N) bytes.
_binary() {
	local i
	printf '\211CFB\r\n\032\n\0\0\0\015HDR'
	for ((i = 0; i < 40 + $1 * 7; i++)); do
		printf '\0\001\002%03d\377' "$(( (i * 37 + $1) % 1000 ))"
	done
}

# _history_stream: the fast-import stream of make_history on stdout.
_history_stream() {
	local c t=1672653600 tz name email where f n del new edits
	local -a files=(a.c b.h lib/x.py) wheres=(start middle end random)
	local -a touched
	local -A _cf_file=()
	_cf_seed=20230102
	echo "feature done"
	for ((c = 0; c < 64; c++)); do
		touched=()
		case $c in
		0)	_cf_file[.mailmap]='Alice <alice@example.com> Alice Old <alice@old.example>'
			_new_file a.c 30 a0
			_new_file b.h 12 b0
			_new_file lib/x.py 25 x0
			touched=(.mailmap a.c b.h lib/x.py) ;;
		2)	_new_file web/app.js 20 app2; files+=(web/app.js) ;;
		3)	_new_file README.md 15 readme3; files+=(README.md) ;;
		5)	_new_file docs/notes.txt 10 notes5; files+=(docs/notes.txt) ;;
		12)	_new_file lib/y.py 18 y12; files+=(lib/y.py) ;;
		18)	_new_file web/old.js 14 old18; files+=(web/old.js) ;;
		45)	_new_file src/late.c 22 late45; files+=(src/late.c) ;;
		esac
		case $c in
		2|3|5|12|18|45) touched+=("${files[-1]}") ;;
		37)	unset '_cf_file[lib/y.py]'; files=("${files[@]/lib\/y.py}") ;;
		50)	unset '_cf_file[web/old.js]'; files=("${files[@]/web\/old.js}") ;;
		esac
		# One to three edits of files that exist.
		if ((c > 0)); then
			_rand 3; edits=$((REPLY + 1))
			for ((n = 0; n < edits; n++)); do
				_rand ${#files[@]}
				f=${files[REPLY]}
				_rand 4; where=${wheres[REPLY]}
				_rand 4; del=$REPLY
				_rand 6; new=$REPLY
				_rand 1000
				[[ -n $f ]] || continue
				_edit "$f" "$where" "$del" "$new" "c${c}n$n" "$REPLY"
				touched+=("$f")
			done
		fi
		# Alice Old writes only in the first half, as people change addresses.
		_rand 10
		if ((c < 3)); then
			n=$c
		elif ((REPLY < 4)); then
			n=0
		elif ((REPLY < 7)); then
			n=1
		else
			n=$(( c < 32 ? 2 : REPLY % 2 ))
		fi
		case $n in
		0) name=Alice email=alice@example.com tz=+0100 ;;
		1) name=Bob email=bob@example.com tz=-0500 ;;
		2) name="Alice Old" email=alice@old.example tz=+0000 ;;
		esac
		printf 'commit refs/heads/main\nmark :%d\n' $((c + 1))
		printf 'author %s <%s> %d %s\n' "$name" "$email" $t $tz
		printf 'committer %s <%s> %d %s\n' "$name" "$email" $t $tz
		printf 'data %d\ncommit %d\n' $(( ${#c} + 8 )) $c
		((c > 0)) && printf 'from :%d\n' $c
		case $c in
		6|22|41)
			printf 'M 100644 inline bin/logo.bin\ndata %d\n' $(( 15 + 7 * (40 + 7 * c) ))
			_binary $c
			echo ;;
		37)	echo "D lib/y.py" ;;
		50)	echo "D web/old.js" ;;
		esac
		for f in $(printf '%s\n' "${touched[@]}" | sort -u); do
			[[ -n ${_cf_file[$f]+set} ]] || continue
			_text "$f"
			printf 'M 100644 inline %s\ndata %d\n%s\n' "$f" ${#REPLY} "$REPLY"
		done
		# The next date: the same day, a few days, a week or two, or weeks.
		_rand 20
		if ((REPLY < 6)); then
			_rand 4; t=$((t + 3600 + REPLY * 2400))
		elif ((REPLY < 13)); then
			_rand 5; t=$((t + 86400 * (2 + REPLY) + 1800))
		elif ((REPLY < 18)); then
			_rand 7; t=$((t + 86400 * (8 + REPLY) + 600))
		else
			_rand 12; t=$((t + 86400 * (18 + REPLY) + 900))
		fi
	done
	echo "done"
}

# make_history DIR
# THE standard fixture, a linear history (no merges, no renames) of 64
# commits from 2023-01-02 over about 14 months: dates strictly increasing,
# several commits on some days, gaps of weeks; authors Alice, Bob and
# "Alice Old <alice@old.example>", whom the committed .mailmap maps to Alice;
# a.c b.h lib/x.py web/app.js README.md docs/notes.txt (no final newline)
# edited at the start, middle and end, blocks inserted, deleted and
# replaced; lib/y.py, web/old.js and src/late.c added (the first two deleted
# later); bin/logo.bin (NUL bytes) added and modified twice.  Branch main,
# checked out.
make_history() {
	git_init "$1" || return 1
	# In a bash of its own: bats' DEBUG trap would slow the loop 30 times.
	bash -c "LC_ALL=C; $(declare -f _rand _line _edit _new_file _text _binary \
		_history_stream); _history_stream" |
		git -C "$1" fast-import --quiet || return 1
	git -C "$1" reset -q --hard
}

# _edit_file FILE WHERE DEL NEW TAG: _edit on a file in the work tree.
_edit_file() {
	local -A _cf_file=()
	[[ -f $1 ]] && _cf_file[$1]=$(<"$1")
	_edit "$@"
	mkdir -p "$(dirname "$1")"
	_text "$1"
	printf '%s' "$REPLY" >"$1"
}

# _merge_at DAY MSG: merges feature into main as Alice.
_merge_at() {
	GIT_AUTHOR_DATE="@$1 +0000" GIT_COMMITTER_DATE="@$1 +0000" \
	GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.com \
	GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.com \
		git merge -q --no-ff --no-edit -m "$2" feature
}

# make_merge_history DIR
# A small fixture with two merges: Alice works on main, Bob on the branch
# "feature", which both change files and Alice merges twice (--no-ff, no
# conflicts); main has a commit after each merge.  One commit a day from
# 2023-04-01 12:00 UTC:
#
#	0 main start, 1 feature add, 2 main edit, 3 feature more, 4 merge,
#	5 main after merge, 6 feature again, 7 merge again, 8 main last
make_merge_history() {
	local t=1680350400 day=86400
	git_init "$1" || return 1
	(
	cd "$1" || exit 1
	_edit_file main.c start 0 20 m0
	_edit_file lib/util.py start 0 12 u0
	git add -A . && commit_at "@$t +0000" Alice alice@example.com "main: start" || exit 1
	git checkout -q -b feature
	_edit_file feature.js start 0 10 f1
	git add -A . && commit_at "@$((t + day)) +0000" Bob bob@example.com "feature: add" || exit 1
	git checkout -q main
	_edit_file main.c start 2 3 m2
	git add -A . && commit_at "@$((t + 2 * day)) +0000" Alice alice@example.com "main: edit" || exit 1
	git checkout -q feature
	_edit_file lib/util.py end 1 4 f3
	_edit_file feature.js middle 0 2 f3
	git add -A . && commit_at "@$((t + 3 * day)) +0000" Bob bob@example.com "feature: more" || exit 1
	git checkout -q main
	_merge_at $((t + 4 * day)) "merge feature" || exit 1
	_edit_file main.c end 1 2 m5
	git add -A . && commit_at "@$((t + 5 * day)) +0000" Alice alice@example.com "main: after merge" || exit 1
	git checkout -q feature
	_edit_file feature.js start 1 1 f6
	git add -A . && commit_at "@$((t + 6 * day)) +0000" Bob bob@example.com "feature: again" || exit 1
	git checkout -q main
	_merge_at $((t + 7 * day)) "merge feature again" || exit 1
	_edit_file lib/util.py middle 0 3 m8
	git add -A . && commit_at "@$((t + 8 * day)) +0000" Alice alice@example.com "main: last" || exit 1
	)
}

# blame_bands REPO GRANULARITY
# The expected burndown at HEAD, computed by git blame alone: for every text
# file at HEAD (git's rule: no NUL byte in the first 8000 bytes), every line
# counts in band ((committer-time - t0) / 86400) / GRANULARITY, t0 being the
# first (root, first-parent) commit's committer time rounded down to a day.
# Prints "band count", ascending, bands with lines only.
blame_bands() {
	local repo=$1 g=$2 t0 path
	t0=$(git -C "$repo" log --first-parent --format=%ct HEAD | tail -n 1) || return 1
	t0=$((t0 / 86400 * 86400))
	git -C "$repo" grep -I -l -z -e '' HEAD -- |
	while IFS= read -r -d '' path; do
		git -C "$repo" blame --first-parent --line-porcelain HEAD -- "${path#HEAD:}" || exit 1
	done |
	awk -v t0="$t0" -v g="$g" '
		/^committer-time / { n[int(int(($2 - t0) / 86400) / g)]++ }
		END { for (b in n) print b, n[b] }' | sort -n
}

# numstat_by_author REPO
# The expected devs, by git log alone: for each author (through .mailmap)
# "Name <email>\tcommits\tadded\tremoved" over first-parent history, binary
# changes counting 0 lines.  Renames count as a deletion and an addition
# (--no-renames), as in the change records, which have no rename status.
numstat_by_author() {
	git -C "$1" log --first-parent --no-renames --numstat \
		--format='@%aN <%aE>' HEAD |
	awk -F '\t' '
		/^@/ { who = substr($0, 2); c[who]++; a[who] += 0; d[who] += 0; next }
		NF == 3 {
			if ($1 != "-") a[who] += $1
			if ($2 != "-") d[who] += $2
		}
		END { for (w in c) printf "%s\t%d\t%d\t%d\n", w, c[w], a[w], d[w] }' |
	sort
}

# class_file PREFIX LAST: the file of the xdiff class tests.  The middle,
# PREFIX1..8 around one X, is what changes; 600 LAST lines end it.  With
# LAST=X, the X in the middle occurs too often in the whole file for
# xdiff to match it, which git's -U0 (dropping the common tail) cannot see.
class_file() {
	local i
	for i in 1 2 3 4 5; do echo "head $i"; done
	for i in 1 2 3 4; do echo "$1$i"; done
	echo X
	for i in 5 6 7 8; do echo "$1$i"; done
	for i in $(seq 1 43); do printf 'filler line %04d ..\n' "$i"; done
	for i in $(seq 600); do echo "$2"; done
}

# The edited lines per author of the diff git's numstat counts (the whole
# files; only git's -U0 drops their common tail first): of each run of
# removed and added lines between context lines of -U1, the smaller count.
# "Name <email>\tchanged", over first-parent history.
edited_by_author() {
	git -C "$1" log --first-parent --no-renames -p -U1 --format='@%aN <%aE>' HEAD |
	awk '
		function flush() { if (d || i) ch[who] += d < i ? d : i; d = i = 0 }
		/^@@ / { flush(); body = 1; next }
		body && /^-/ { d++; next }
		body && /^\+/ { i++; next }
		body && /^\\/ { next }
		body && /^ / { flush(); next }
		{ flush(); body = 0 }
		/^@[^@]/ { who = substr($0, 2); ch[who] += 0 }
		END { flush(); for (w in ch) printf "%s\t%d\n", w, ch[w] }' |
	LC_ALL=C sort
}

# shm_snapshot; ...; assert_no_new_shm
# The stages share memory through memfd_create, so nothing may ever be left
# in /dev/shm, even when a stage dies.
shm_snapshot() {
	ls -A /dev/shm 2>/dev/null | sort >"$BATS_TEST_TMPDIR/.shm-before"
}

assert_no_new_shm() {
	local new
	new=$(ls -A /dev/shm 2>/dev/null | sort | comm -13 "$BATS_TEST_TMPDIR/.shm-before" -)
	if [[ -n $new ]]; then
		fail "new entries in /dev/shm: $(echo $new)"
	fi
}

# pipeline REPO [STAGE]...
# Runs cf-revlist REPO | cf-treediff REPO | cf-blobload REPO | cf-diff | STAGE
# | ... with pipefail: the status is that of the last stage that failed.
# Each STAGE is one string, split into words ("cf-burndown -g 30").
pipeline() {
	local repo=$1
	shift
	(
		set -o pipefail
		cf-revlist "$repo" | cf-treediff "$repo" | cf-blobload "$repo" |
			cf-diff | _pipe_stages "$@"
	)
}

_pipe_stages() {
	if (($# == 0)); then
		cat
	elif (($# == 1)); then
		$1
	else
		local s=$1
		shift
		$s | _pipe_stages "$@"
	fi
}

# run_pipeline REPO [STAGE]...: pipeline under bats' run ($status, $output,
# $lines; stderr mixed in, as with plain run).
run_pipeline() {
	run pipeline "$@"
}

# syntax_stream REPO [cf-revlist option]...: the stream of the structural
# analyzers (cf-uastdiff's syntax records), on standard output.
syntax_stream() {
	local repo=$1
	shift
	(
		set -o pipefail
		cf-revlist "$@" "$repo" | cf-treediff "$repo" | cf-blobload --blobs=all "$repo" |
			cf-diff --keep-blobs | cf-uastdiff
	)
}

# resume_matches REPO ANALYZER STAGE...: STAGE run over the whole history
# gives the same result data as a run that saved its state at the first
# barrier (--chunk-size 2) and a second run resumed from it.
resume_matches() {
	local repo=$1 name=$2 dir
	shift 2
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/state.XXXXXX")
	syntax_stream "$repo" | "$@" | cf-reduce -f json >"$dir/full.json" || return 1
	syntax_stream "$repo" --chunk-size 2 | "$@" --state-dir "$dir" >/dev/null || return 1
	[ -f "$dir/chunk-0.state" ] || return 1
	syntax_stream "$repo" --resume-after 2 | "$@" --resume "$dir/chunk-0.state" |
		cf-reduce -f json >"$dir/part.json" || return 1
	python3 - "$dir/full.json" "$dir/part.json" "$name" <<'PY'
import json, sys
a, b = (json.load(open(p))[sys.argv[3]] for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
}

# ---- fleets: histories to merge (tests/120-merge.bats, 122-merge-syntax.bats) ----

# replay SRC DST SHIFT: DST is SRC's first-parent history again, every date
# SHIFT seconds later (same trees, same identities).
replay() {
	local src=$1 dst=$2 shift=$3 prev= c t an ae at ct
	git init -q --bare "$dst"
	echo "$(cd "$src" && pwd)/objects" > "$dst/objects/info/alternates"
	while IFS=$'\t' read -r c t an ae at ct; do
		prev=$(GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE="@$((at + shift)) +0000" \
			GIT_COMMITTER_NAME=$an GIT_COMMITTER_EMAIL=$ae \
			GIT_COMMITTER_DATE="@$((ct + shift)) +0000" \
			git -C "$dst" commit-tree "$t" ${prev:+-p "$prev"} -m "$c")
	done < <(git -C "$src" log --first-parent --reverse --format=$'%H\t%T\t%an\t%ae\t%at\t%ct')
	git -C "$dst" update-ref refs/heads/main "$prev"
	git -C "$dst" symbolic-ref HEAD refs/heads/main
	git -C "$dst" repack -qad
	rm "$dst/objects/info/alternates"
}

# union DST NAME... : one history of the repositories NAME (directories of
# the current one), their commits interleaved by committer date, each
# repository's tree under NAME/; a commit's message is "NAME ID" of the
# commit it replays.
union() {
	local dst=$1 prev= r c t an ae at ct tree
	shift
	declare -A cur=()
	git init -q --bare "$dst"
	for r in "$@"; do
		echo "$PWD/$r/objects" >> "$dst/objects/info/alternates"
		git -C "$r" log --first-parent --reverse \
			--format="%ct"$'\t'"$r"$'\t%H\t%T\t%an\t%ae\t%at'
	done | sort -s -t $'\t' -k1,1n > union.list
	while IFS=$'\t' read -r ct r c t an ae at; do
		cur[$r]=$t
		tree=$(for n in "$@"; do
			[[ -n ${cur[$n]:-} ]] && printf '040000 tree %s\t%s\n' "${cur[$n]}" "$n"
		done | git -C "$dst" mktree)
		prev=$(GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE="@$at +0000" \
			GIT_COMMITTER_NAME=$an GIT_COMMITTER_EMAIL=$ae GIT_COMMITTER_DATE="@$ct +0000" \
			git -C "$dst" commit-tree "$tree" ${prev:+-p "$prev"} -m "$r $c")
	done < union.list
	git -C "$dst" update-ref refs/heads/main "$prev"
	git -C "$dst" symbolic-ref HEAD refs/heads/main
}

# merges_agree: cf-reduce merges a.mp, b.mp and c.mp (of the current
# directory) to the same bytes in any grouping and any order; the merge of
# all three is left in abc.mp.
merges_agree() {
	cf-reduce -f msgpack a.mp b.mp c.mp > abc.mp
	cf-reduce -f msgpack b.mp c.mp > bc.mp
	cf-reduce -f msgpack a.mp bc.mp > a-bc.mp
	cf-reduce -f msgpack a.mp b.mp > ab.mp
	cf-reduce -f msgpack ab.mp c.mp > ab-c.mp
	cf-reduce -f msgpack c.mp b.mp a.mp > cba.mp
	cat c.mp a.mp b.mp | cf-reduce -f msgpack > cat.mp
	cmp abc.mp a-bc.mp
	cmp abc.mp ab-c.mp
	cmp abc.mp cba.mp
	cmp abc.mp cat.mp
}
