#!/usr/bin/env bats
# cf-static and cf-run analyze: hand-computed fixtures (tests/static/*),
# pmccabe agreement on our own C, skipped files, aggregation.

load test_helper

fixtures() {
	echo "$BATS_TEST_DIRNAME/static"
}

table() {
	python3 "$(fixtures)/table.py"
}

# Lines of a .expected file that start with # explain the hand counts.
@test "cf-static: the fixture of each language, every analyzer exactly" {
	cd "$(fixtures)"
	for f in c.c go.go python.py javascript.js typescript.ts tsx.tsx cpp.cpp \
		java.java rust.rs ruby.rb php.php c_sharp.cs bash.sh; do
		run bash -c "cf-static $f | cf-dump | python3 table.py"
		assert_success
		assert_output "$(grep -v '^#' "${f%.*}.expected")"
	done
	# and every language has one
	run bash -c "cf-static -f json . | python3 -c '
import json, sys
print(\" \".join(sorted({f[\"lang\"] for f in json.load(sys.stdin)[\"files\"]})))'"
	assert_output "$(cf-uast --languages | sort | xargs)"
}

@test "cf-static: cyclomatic equals pmccabe's traditional McCabe number on common/ and tools/" {
	command -v pmccabe >/dev/null || skip "pmccabe is not installed (apt-get install pmccabe)"
	cd "$BATS_TEST_DIRNAME/.."
	cf-static -a complexity common/*.c tools/*.c 2>"$BATS_TEST_TMPDIR/err" | cf-dump | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if "file" in r:
        for f in r["file"]["functions"]:
            print("%s:%d %s %d" % (r["file"]["path"], f["line"], f["name"], f["cyclomatic"]))' |
		sort >"$BATS_TEST_TMPDIR/ours"
	pmccabe common/*.c tools/*.c | awk '{ split($6, a, "("); sub(/\):$/, "", a[2]);
		print a[1] ":" a[2] " " $7 " " $2 }' | sort >"$BATS_TEST_TMPDIR/theirs"
	# Rule 1: a file tree-sitter does not parse is skipped (pmccabe measures it).
	skipped=$(sed -n "s/^cf-static: warning: skipping '\([^']*\)'.*/\1/p" "$BATS_TEST_TMPDIR/err")
	[[ $skipped == tools/cf-revlist.c ]]
	# Rules 2 and 3: pmccabe names a function "__attribute__" when one precedes
	# its name, and starts it at a prototype ending in __attribute__((...)),
	# so functions are compared as each file's list of numbers.
	per_file() {
		awk '{ split($1, a, ":"); print a[1], $NF }' "$1" | sort -k1,1 -k2n |
			awk '{ l[$1] = l[$1] " " $2 } END { for (f in l) print f l[f] }' | sort
	}
	diff <(per_file "$BATS_TEST_TMPDIR/ours") \
		<(awk '{ print $1, $2, $3 }' "$BATS_TEST_TMPDIR/theirs" | grep -v '^tools/cf-revlist.c:' > "$BATS_TEST_TMPDIR/theirs2"; per_file "$BATS_TEST_TMPDIR/theirs2")
	# and where both name the same line, the same number
	run bash -c "join <(awk '{print \$1, \$3}' '$BATS_TEST_TMPDIR/ours') <(awk '{print \$1, \$3}' '$BATS_TEST_TMPDIR/theirs') | awk '\$2 != \$3'"
	assert_output ""
}

@test "cf-static: tree-sitter-c does not parse __typeof__ declarations (the pmccabe rule 1)" {
	cd "$BATS_TEST_TMPDIR"
	printf 'void f(int *p)\n{\n\t__typeof__(*p) t = *p;\n}\n' > t.c
	run bash -c 'cf-static t.c 2>&1 >/dev/null'
	assert_output "cf-static: warning: skipping 't.c': syntax error at line 3"
}

@test "cf-static --partial: a file with a syntax error is analysed and marked, not skipped" {
	cd "$BATS_TEST_TMPDIR"
	# An attribute macro, as in git's sources: tree-sitter-c reads an error.
	cat > m.c <<-'EOF'
	#define UNUSED __attribute__((unused))

	static int before(int a)
	{
		if (a > 0 && a < 10)
			return 1;
		return 0;
	}

	static int hook(int argc UNUSED, const char **argv)
	{
		return argv ? 1 : 0;
	}

	static int after(int x)
	{
		for (int i = 0; i < x; i++)
			if (i == 3)
				return i;
		return -1;
	}
	EOF
	run --separate-stderr cf-static -a complexity m.c
	assert_equal "$stderr" "cf-static: warning: skipping 'm.c': syntax error at line 10"
	run --separate-stderr bash -c 'cf-static --partial -a complexity m.c | cf-dump -t static |
		jq -r ".partial, (.file.functions[] | \"\(.name) \(.cyclomatic)\")"'
	assert_success
	assert_equal "$stderr" "cf-static: warning: 'm.c': analysed despite a syntax error at line 10"
	# before: if and &&; hook: ?:; after: for and if
	assert_output "syntax error at line 10
before 3
hook 2
after 3"
	run bash -c 'cf-run analyze --partial -a complexity m.c 2>/dev/null |
		jq -c "[.overall.files, .overall.cyclomatic, .skipped, .partial]"'
	assert_output '[1,8,[],[{"path":"m.c","reason":"syntax error at line 10"}]]'
	run bash -c 'cf-static --partial -a complexity -f text m.c 2>/dev/null | head -1'
	assert_output "m.c: partial: syntax error at line 10"
	# without --partial the report has no list of partial files
	run bash -c 'cf-run analyze -a complexity m.c 2>/dev/null | jq -c "[.overall.files, has(\"partial\")]"'
	assert_output '[0,false]'
}

@test "cf-run analyze: .gitignore, vendored, skipped files, per-directory sums" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p w/src/sub w/vendor w/build
	cp "$(fixtures)/c.c" w/src/a.c
	cp "$(fixtures)/c.c" w/src/sub/b.c
	cp "$(fixtures)/c.c" w/vendor/v.c
	cp "$(fixtures)/c.c" w/build/gen.c
	printf 'build/\n' > w/.gitignore
	printf 'int f( {\n' > w/src/bad.c
	printf 'x\0y' > w/src/blob.bin
	git -C w init -q
	run bash -c 'cf-run analyze -a complexity w 2>err | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(d[\"overall\"][\"files\"], d[\"overall\"][\"functions\"], d[\"overall\"][\"cyclomatic\"])
for k, v in sorted(d[\"directories\"].items()):
    print(k, v[\"files\"], v[\"cyclomatic\"], v[\"cyclomatic_max\"])
print([s[\"path\"] for s in d[\"skipped\"]])"; cat err'
	assert_success
	assert_output "2 14 34
. 2 34 5
w 2 34 5
w/src 2 34 5
w/src/sub 1 17 5
['w/src/bad.c']
cf-static: warning: skipping 'w/src/bad.c': syntax error at line 1"
}

@test "cf-run analyze: the same outside git (simple .gitignore reader), yaml and text" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p w/src w/build
	cp "$(fixtures)/go.go" w/src/a.go
	cp "$(fixtures)/go.go" w/build/gen.go
	printf 'build/\n' > w/.gitignore
	run bash -c 'cf-run analyze -f yaml -a cohesion,imports w | grep -E "^  \\\"(files|lcom4_max|imports)\\\":"'
	assert_success
	assert_output '  "files": 1
  "lcom4_max": 2
  "imports": 2'
	run bash -c 'cf-run analyze -f text -a complexity w | head -2'
	assert_output "w/src/a.go (go, 40 lines)
  Add                                 15  cyclomatic 4 cognitive 4 nesting 1"
}

@test "cf-static -o: the report written atomically, records refused, an unwritable place named" {
	cd "$BATS_TEST_TMPDIR"
	cp "$(fixtures)/c.c" c.c
	cf-static -f json c.c >stdout.json
	run cf-static -f json -o out.json c.c
	assert_success
	assert_output ''
	cmp stdout.json out.json
	run cf-run analyze -f plot -o page.html c.c
	assert_success
	run head -c 15 page.html
	assert_output '<!DOCTYPE html>'
	run cf-static -o x c.c
	assert_failure 2
	assert_output --partial "-o: records go to standard output"
	run cf-static -f json -o /nonexistent/dir/out.json c.c
	assert_failure 1
	assert_output --partial "cannot create a temporary file beside '/nonexistent/dir/out.json'"
	run ls
	refute_output --partial ".tmp-"
	# nothing to analyse: an empty report and an empty page
	mkdir empty
	run cf-static -f json empty
	assert_success
	run cf-static -f plot empty
	assert_success
}
