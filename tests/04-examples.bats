#!/usr/bin/env bats
# The EXAMPLES of every man page, run as written: each literal block (.Bd
# -literal ... .Ed) and each display line (.Dl) of the EXAMPLES section is
# one shell script, run with pipefail in a generated repository that has
# what the examples name (tags v1.0 and v2.0, src/main.c, main.go, more
# than 200 commits for the chunked example, ~/src/jq, and jq, redis and
# git beside it).  A block that begins with "..." continues the standard
# pipeline (cf-revlist . | cf-treediff . | cf-blobload . | cf-diff).  Every
# block must exit 0, or 1 when it ends with a diff (which then found
# differences).

load test_helper

GENREPO=$BATS_TEST_DIRNAME/../bench/genrepo
MAN=$BATS_TEST_DIRNAME/../man

setup_file() {
	local d=$BATS_FILE_TMPDIR
	"$GENREPO" -n 300 -f 24 -a 4 -s 9 --checkout "$d/proj" >/dev/null
	cd "$d/proj"
	mkdir -p src
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >src/main.c
	printf 'package main\n\nfunc main() {\n}\n' >main.go
	git add src/main.c main.go
	commit_at "2021-01-01 10:00 +0000" Ann ann@example.com "main programs"
	git tag v1.0 HEAD~100
	git tag v2.0 HEAD
	for r in jq redis git; do
		git clone -q --bare . "$r"
	done
	mkdir -p "$HOME/src"
	git clone -q --bare . "$HOME/src/jq"
	# The blocks, one file each: NAME.N.sh
	mkdir "$d/ex"
	python3 - "$MAN" "$d/ex" <<-'PY'
	import os, re, sys
	man, out = sys.argv[1], sys.argv[2]
	def unescape(s):
	    s = s.replace("\\e", "\0").replace("\\&", "").replace("\\-", "-")
	    s = s.replace("\\(aq", "'").replace("\\(dq", '"')
	    return s.replace("\0", "\\")
	for page in sorted(os.listdir(man)):
	    lines = open(os.path.join(man, page)).read().split("\n")
	    blocks, inside, block, literal = [], False, None, False
	    for line in lines:
	        if line.startswith(".Sh "):
	            inside = line == ".Sh EXAMPLES"
	            continue
	        if not inside:
	            continue
	        if line.startswith(".Bd") and "-literal" in line:
	            block, literal = [], True
	        elif line.startswith(".Ed") and literal:
	            blocks.append("\n".join(block))
	            literal = False
	        elif literal:
	            block.append(unescape(line))
	        elif line.startswith(".Dl "):
	            blocks.append(unescape(line[4:]))
	    for n, b in enumerate(blocks, 1):
	        b = re.sub(r"^\.\.\.", "cf-revlist . | cf-treediff . | cf-blobload . | cf-diff", b)
	        with open(os.path.join(out, "%s.%d.sh" % (page, n)), "w") as f:
	            f.write("set -eo pipefail\n" + b + "\n")
	PY
}

@test "the EXAMPLES of every man page run and exit 0" {
	local failed=() pages=0 blocks=0 page rc
	export HOME=$BATS_FILE_TMPDIR/home	# where setup_file put src/jq
	for page in "$MAN"/*.[157]; do
		pages=$((pages + 1))
		compgen -G "$BATS_FILE_TMPDIR/ex/$(basename "$page").*.sh" >/dev/null ||
			failed+=("$(basename "$page"): no example")
	done
	for ex in "$BATS_FILE_TMPDIR"/ex/*.sh; do
		blocks=$((blocks + 1))
		rc=0
		(cd "$BATS_FILE_TMPDIR/proj" && timeout 120 bash "$ex" >"$ex.out" 2>"$ex.err") || rc=$?
		if ((rc == 1)) && [[ $(tail -n 1 "$ex") == diff\ * ]]; then
			rc=0
		fi
		((rc == 0)) || failed+=("$(basename "$ex"): exit $rc: $(tail -n 3 "$ex.err" | tr '\n' ' ')")
	done
	printf '%s\n' "${failed[@]}"
	[ "${#failed[@]}" -eq 0 ]
	# the pages of the five sections all have examples, and there are many
	[ "$pages" -ge 22 ]
	[ "$blocks" -ge 45 ]
}
