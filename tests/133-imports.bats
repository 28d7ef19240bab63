#!/usr/bin/env bats
# cf-imports: per developer, language, module and tick, the changed files
# that import the module (new side of additions and modifications, each
# module once per file).  Go, Python and JavaScript fixtures by two people.
# JavaScript's require() is a call, not an import, in the UAST (cf-uast(7)):
# only the import statement counts.

load test_helper

setup_file() {
	export REPO="$BATS_FILE_TMPDIR/repo"
	git_init "$REPO"
	cd "$REPO"
	printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Println(os.Args) }\n' >a.go
	git add a.go
	commit_at "2024-01-01 10:00 +0000" Ann ann@x "go"
	printf 'import os\nimport sys\nimport os\nfrom collections import OrderedDict\n\nprint(os, sys, OrderedDict)\n' >b.py
	git add b.py
	commit_at "2024-01-02 10:00 +0000" Bob bob@x "python"
	printf "const fs = require('fs');\nimport path from 'path';\nconsole.log(fs, path);\n" >c.js
	git add c.js
	commit_at "2024-01-02 12:00 +0000" Bob bob@x "javascript"
	sed -i 's/OrderedDict)/OrderedDict, 1)/' b.py
	sed -i 's/os.Args)/os.Args, 1)/' a.go
	git add b.py a.go
	commit_at "2024-01-03 10:00 +0000" Ann ann@x "edit both"
	git rm -q c.js
	commit_at "2024-01-04 10:00 +0000" Bob bob@x "delete"
}

@test "cf-imports: per-developer counts for Go, Python and JavaScript" {
	run bash -c "cf-run history -a imports -f json '$REPO' | python3 -c '
import json, sys
d = json.load(sys.stdin)[\"imports\"]
p = d[\"people\"]
for e in d[\"imports\"]:
    print(p[e[\"person\"]][\"name\"], e[\"lang\"], e[\"module\"], e[\"count\"], e[\"ticks\"])'"
	assert_success
	assert_output "Ann go fmt 2 [[0, 1], [2, 1]]
Ann go os 2 [[0, 1], [2, 1]]
Ann python collections 1 [[2, 1]]
Ann python os 1 [[2, 1]]
Ann python sys 1 [[2, 1]]
Bob javascript path 1 [[1, 1]]
Bob python collections 1 [[1, 1]]
Bob python os 1 [[1, 1]]
Bob python sys 1 [[1, 1]]"
}

@test "cf-imports: a resumed run gives the uninterrupted result" {
	run resume_matches "$REPO" imports cf-imports
	assert_success
}

@test "cf-imports -f text: top modules, and per developer and language" {
	run bash -c "cf-run history -a imports -f text '$REPO' | sed -n '/^imports/,\$p'"
	assert_success
	assert_output - <<'OUT'
imports (schema 2)
  developers 2, entries 9 (developer, language, module), files 11

  top modules
     #  module                                    language            files  developers
     1  fmt                                       go                      2           1
     2  os                                        go                      2           1
     3  collections                               python                  2           2
     4  os                                        python                  2           2
     5  sys                                       python                  2           2
     6  path                                      javascript              1           1

  per developer and language: the modules of most files
  Ann <ann@x>                                                                            7 files
    go              fmt 2, os 2
    python          collections 1, os 1, sys 1
  Bob <bob@x>                                                                            4 files
    python          collections 1, os 1, sys 1
    javascript      path 1
OUT
}
