#!/usr/bin/env bats
# Scope: --include/--exclude globs, --skip-vendored, --languages and
# cf-blobload's --max-blob-size leave changes out and count them in "scope"
# records, which cf-reduce adds up into its document.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_scope_history "$FIX/scope"
}

# make_scope_history DIR: two commits touching sources, docs, vendored
# and generated files, and a submodule.
make_scope_history() {
	git_init "$1"
	(
	cd "$1" || exit 1
	mkdir -p src/deep vendor/lib web/node_modules/x third_party docs gen
	echo 'int main(void) { return 0; }' >src/main.c
	echo 'int f(void);' >src/deep/f.h
	echo 'print(1)' >src/tool.py
	echo '# doc' >docs/README.md
	echo 'var x;' >vendor/lib/v.js
	echo 'module.exports = 1;' >web/node_modules/x/index.js
	echo 'tp' >third_party/t.c
	echo 'a{}' >web/app.min.js
	echo '{}' >package-lock.json
	echo 'h1' >web/go.sum
	echo 'package gen' >gen/api.pb.go
	echo 'x' >gen/model_generated.ts
	head -c 3000 /dev/zero | tr '\0' 'z' >big.txt
	git add -A . || exit 1
	git update-index --add --cacheinfo 160000,1111111111111111111111111111111111111111,sub
	commit_at "2023-01-02 10:00:00 +0000" Alice alice@example.com one || exit 1
	echo 'int g(void);' >>src/deep/f.h
	echo 'more' >>docs/README.md
	echo 'var y;' >>vendor/lib/v.js
	echo 'print(2)' >>src/tool.py
	head -c 4000 /dev/zero | tr '\0' 'y' >big.txt
	git add -A -- . ':!sub' || exit 1
	git update-index --cacheinfo 160000,2222222222222222222222222222222222222222,sub
	commit_at "2023-01-03 10:00:00 +0000" Bob bob@example.com two || exit 1
	)
}

# paths_scope ARGS...: the kept paths (sorted, unique), then the scope record.
paths_scope() {
	cf-revlist "$FIX/scope" | cf-treediff "$@" "$FIX/scope" | cf-dump -t change -t scope |
		jq -r 'if .t == "change" then .path else "scope \(.skipped | tostring)" end' | sort -u
}

@test "no filter: every file, submodule changes counted" {
	run paths_scope
	assert_success
	assert_line 'scope {"excluded":0,"gitlinks":2,"language":0,"vendored":0}'
	assert_equal "$(grep -vc '^scope' <<<"$output")" 13
}

@test "--include and --exclude: globs on the whole path, counted" {
	run paths_scope --include 'src/**' --exclude '*.py'
	assert_success
	assert_output $'scope {"excluded":13,"gitlinks":2,"language":0,"vendored":0}\nsrc/deep/f.h\nsrc/main.c\nsrc/tool.py'
	# '*' does not cross '/', '**' does; a directory matches what is under it
	run paths_scope --include '*.c'
	assert_output $'scope {"excluded":18,"gitlinks":2,"language":0,"vendored":0}'
	run paths_scope --include '**/*.c' --exclude third_party
	assert_output $'scope {"excluded":17,"gitlinks":2,"language":0,"vendored":0}\nsrc/main.c'
	run paths_scope --include src --include docs --exclude 'src/deep/*'
	assert_output $'docs/README.md\nscope {"excluded":13,"gitlinks":2,"language":0,"vendored":0}\nsrc/main.c\nsrc/tool.py'
	run paths_scope --include 'src/[a-m]*.?'
	assert_output $'scope {"excluded":17,"gitlinks":2,"language":0,"vendored":0}\nsrc/main.c'
}

@test "--skip-vendored: vendor/, node_modules/, third_party/, minified, lock and generated files" {
	run paths_scope --skip-vendored
	assert_success
	assert_output $'big.txt\ndocs/README.md\nscope {"excluded":0,"gitlinks":2,"language":0,"vendored":9}\nsrc/deep/f.h\nsrc/main.c\nsrc/tool.py'
}

@test "--languages: by extension, names in any case" {
	run paths_scope --languages c,PYTHON
	assert_success
	assert_output $'scope {"excluded":0,"gitlinks":2,"language":12,"vendored":0}\nsrc/deep/f.h\nsrc/main.c\nsrc/tool.py\nthird_party/t.c'
	run cf-treediff --languages c,klingon "$FIX/scope"
	assert_failure 2
	assert_output --partial "unknown language 'klingon'"
}

@test "a rename is kept when either path is included and neither excluded" {
	local r="$BATS_TEST_TMPDIR/r"
	git_init "$r"
	(
	cd "$r" && mkdir src attic && seq 1 50 >src/a.txt && seq 1 60 >attic/b.txt && git add -A &&
	commit_at "2023-01-02 10:00:00 +0000" A a@x one && git mv src/a.txt attic/a.txt &&
	git mv attic/b.txt src/b.txt && commit_at "2023-01-03 10:00:00 +0000" A a@x two
	) >/dev/null
	run bash -c "cf-revlist '$r' | cf-treediff --include 'src/**' '$r' | cf-dump -t change -t scope | jq -c 'select(.n == 1 or .t == \"scope\") | [.s, .old_path, .path, .renames.exact, .skipped.excluded]'"
	assert_output $'["R","src/a.txt","attic/a.txt",null,null]\n["R","attic/b.txt","src/b.txt",null,null]\n[null,null,null,2,1]'
	run bash -c "cf-revlist '$r' | cf-treediff --include 'src/**' --exclude attic '$r' | cf-dump -t change | jq -c '[.n, .s, .path]'"
	assert_output '[0,"A","src/a.txt"]'
}

@test "--max-blob-size: cf-blobload counts the changes it did not read" {
	run bash -c "set -o pipefail; cf-revlist '$FIX/scope' | cf-treediff '$FIX/scope' | cf-blobload --max-blob-size 2999 '$FIX/scope' | cf-dump -t scope"
	assert_success
	assert_line --index 1 '{"skipped":{"too_large":2},"t":"scope","v":1}'
	run bash -c "set -o pipefail; cf-revlist '$FIX/scope' | cf-treediff '$FIX/scope' | cf-blobload --max-blob-size 3500 '$FIX/scope' | cf-dump -t scope"
	assert_line --index 1 '{"skipped":{"too_large":1},"t":"scope","v":1}'
}

@test "cf-reduce: scope records summed into a scope section (json, yaml, text, msgpack)" {
	run bash -c "set -o pipefail; cf-revlist '$FIX/scope' | cf-treediff --skip-vendored '$FIX/scope' |
		cf-blobload --max-blob-size 2999 '$FIX/scope' | cf-diff | cf-devs | cf-reduce | jq -c .scope"
	assert_success
	assert_output '{"renames":{"exact":0,"limited_commits":0,"similar":0},"skipped":{"excluded":0,"gitlinks":2,"language":0,"too_large":2,"vendored":9}}'
	# records add up, and msgpack output keeps the sum as one record
	run bash -c "set -o pipefail; { cf-revlist '$FIX/scope' | cf-treediff --skip-vendored '$FIX/scope' |
		cf-blobload '$FIX/scope' | cf-diff | cf-devs | cf-reduce -f msgpack;
		printf '\\x83\\xa1t\\xa5scope\\xa1v\\x01\\xa7skipped\\x81\\xa8vendored\\x01'; } |
		cf-reduce -f msgpack | cf-dump -t scope"
	assert_output '{"renames":{"exact":0,"limited_commits":0,"similar":0},"skipped":{"excluded":0,"gitlinks":2,"language":0,"too_large":0,"vendored":10},"t":"scope","v":1}'
	run pipeline "$FIX/scope" cf-devs 'cf-reduce -f yaml'
	assert_line '"scope":'
	assert_line '    "vendored": 0'
	run pipeline "$FIX/scope" cf-devs 'cf-reduce -f text'
	assert_line '  skipped: {"excluded":0,"gitlinks":2,"language":0,"too_large":0,"vendored":0}'
	# a malformed scope record is bad input
	run bash -c "printf '\x83\xa1t\xa5scope\xa1v\x01\xa7skipped\x05' | cf-reduce"
	assert_failure 3
	assert_output --partial "'skipped' must be a map of counts"
}

@test "cf-run passes the scope flags to their stages" {
	run cf-run history --dry-run -a devs --include 'src/**' --exclude '*.md' --skip-vendored \
		--languages c --max-blob-size 1MiB "$FIX/scope"
	assert_success
	assert_output --partial "| cf-treediff --include 'src/**' --exclude '*.md' --skip-vendored --languages c $FIX/scope |"
	assert_output --partial "--max-blob-size 1MiB $FIX/scope |"
	run cf-run history -a devs -f json --skip-vendored --max-blob-size 2999 "$FIX/scope"
	assert_success
	[ "$(jq -c .scope.skipped <<<"$output")" = '{"excluded":0,"gitlinks":2,"language":0,"too_large":2,"vendored":9}' ]
	run cf-run history --max-blob-size lots "$FIX/scope"
	assert_failure 2
}
