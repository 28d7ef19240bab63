#!/usr/bin/env bats
# cf-uast: languages, detection, the tree's shape, and files it must refuse.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# tree FILE: "depth type[roles] name" per node, from cf-dump's JSON
tree() {
	cf-uast "$@" | cf-dump | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "error" in r:
        print("error", r["error"]); continue
    depth = {}
    for i, n in enumerate(r["nodes"]):
        t, roles, parent, child, nxt, s, e, l, el, name = n
        depth[i] = 0 if parent is None else depth[parent] + 1
        print("%d %s%s %s" % (depth[i], t, "[" + roles + "]" if roles else "", name))'
}

@test "cf-uast lists the 13 languages" {
	run cf-uast --languages
	assert_success
	assert_output "$(printf '%s\n' bash c c_sharp cpp go java javascript php python ruby rust tsx typescript)"
}

@test "cf-uast maps an if/else-if/else chain of C" {
	printf 'int f(int a)\n{\n\tif (a > 1 && a < 5)\n\t\treturn 1;\n\telse if (!a)\n\t\treturn 2;\n\telse\n\t\treturn 3;\n}\n' > f.c
	run tree f.c
	assert_success
	assert_output "0 file 
1 function f
2 identifier f
2 identifier a
2 if 
3 binary[logical] &&
4 binary >
5 identifier a
5 literal 1
4 binary <
5 identifier a
5 literal 5
3 return 
4 literal 1
3 if[elseif] 
4 unary !
5 identifier a
4 return 
5 literal 2
4 else 
5 return 
6 literal 3"
}

@test "cf-uast: Go else becomes a synthetic else, receivers make methods" {
	printf 'package p\n\nfunc (c *T) M() int {\n\tif c.x {\n\t\treturn 1\n\t} else {\n\t\treturn 2\n\t}\n}\n' > m.go
	run tree m.go
	assert_success
	assert_line "1 function[method] M"
	assert_line "3 member[self] x"
	assert_line "3 else[synthetic] "
}

@test "cf-uast: a Python docstring is a doc comment, imports are named by module" {
	printf 'import os, sys\nfrom .a import b\n\ndef f():\n    """Doc."""\n    return 1\n' > m.py
	run tree m.py
	assert_success
	assert_line "1 import os"
	assert_line "1 import sys"
	assert_line "1 import .a"
	assert_line "2 comment[doc] "
}

@test "cf-uast: no identifiers from types, declarators assign =, bash lists and tests" {
	printf 'fn f(x: Vec<u8>) -> &'"'"'static str {\n    let y = 1;\n    "a"\n}\n' > t.rs
	run tree t.rs
	assert_success
	assert_output "0 file 
1 function f
2 identifier f
2 identifier x
2 assign =
3 identifier y
3 literal 1
2 literal \"a\""
	printf 'package p\n\nfunc f(w http.ResponseWriter) { g(w) }\n' > t.go
	run tree t.go
	refute_line --partial "identifier http"
	assert_line "2 identifier w"
	printf 'class C { int F(System.IO.Stream s) { int n = 0; return n; } }\n' > t.cs
	run tree t.cs
	assert_output "0 file 
1 class C
2 identifier C
2 function[method] F
3 identifier F
3 identifier s
3 assign =
4 identifier n
4 literal 0
3 return 
4 identifier n"
	printf 'for a in x; do\n  [ -z "$a" ] && break\ndone\n' > t.sh
	run tree t.sh
	assert_output '0 file 
1 loop 
2 identifier a
2 literal x
2 binary[logical] &&
3 unary [
4 unary -z
5 literal "$a"
3 break '
}

@test "cf-uast: language by extension, shebang, and .h by content" {
	printf '#!/usr/bin/env python3\nx = 1\n' > script
	printf 'namespace n { int f(); }\n' > a.h
	printf 'int f(void);\n' > b.h
	printf 'echo hi\n' > noext
	run bash -c 'cf-uast script a.h b.h noext 2>/dev/null | cf-dump | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); print(r[\"path\"], r.get(\"lang\", \"-\"), r.get(\"error\", \"ok\"))"'
	assert_success
	assert_output "script python ok
a.h cpp ok
b.h c ok
noext - unknown language"
}

@test "cf-uast reports and skips binary, invalid UTF-8, syntax errors, large files" {
	printf 'int x;\0\n' > bin.c
	printf 'int x; /* \xff\xfe */\n' > utf.c
	printf 'int f( {\n' > syn.c
	printf 'int ok;\n' > ok.c
	truncate -s 50M big.c
	run bash -c 'cf-uast bin.c utf.c syn.c big.c ok.c 2>err | cf-dump | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); print(r[\"path\"], r.get(\"error\", \"ok\"))"; cat err'
	assert_success
	assert_output "bin.c binary (NUL byte)
utf.c invalid UTF-8 at line 1
syn.c syntax error at line 1
big.c too large (52428800 bytes, limit 16777216)
ok.c ok
cf-uast: warning: skipping 'bin.c': binary (NUL byte)
cf-uast: warning: skipping 'utf.c': invalid UTF-8 at line 1
cf-uast: warning: skipping 'syn.c': syntax error at line 1
cf-uast: warning: skipping 'big.c': too large (52428800 bytes, limit 16777216)"
}

@test "cf-uast parses a sample of every language without error" {
	printf 'f() { case "$1" in a) echo a;; *) echo b;; esac; }\n' > a.sh
	printf 'class A { int f(int x) { return x > 0 ? 1 : 0; } }\n' > a.cs
	printf 'class A { public: int f(int x) { try { return x; } catch (...) { return 0; } } };\n' > a.cpp
	printf 'class A { int f(int x) { for (int i : xs) x++; return x; } }\n' > A.java
	printf '<?php\nfunction f($x) { foreach ($x as $y) { echo $y; } }\n' > a.php
	printf 'def f(x)\n  x.each { |y| puts y } unless x.nil?\nend\n' > a.rb
	printf 'fn f(x: i32) -> i32 { match x { 0 => 1, _ => x } }\n' > a.rs
	printf 'function f(x: number): number { return x ?? 0; }\n' > a.ts
	printf 'const A = () => <div>{1}</div>;\n' > a.tsx
	run bash -c 'cf-uast a.sh a.cs a.cpp A.java a.php a.rb a.rs a.ts a.tsx | cf-dump | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l); print(r[\"lang\"], r.get(\"error\", len(r[\"nodes\"]) > 3))"'
	assert_success
	assert_output "bash True
c_sharp True
cpp True
java True
php True
ruby True
rust True
typescript True
tsx True"
}
