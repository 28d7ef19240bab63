#!/usr/bin/env bats
# Every tool in $CF_BIN: its -h, its answer to a bad option, and its man page.
#
# How the SYNOPSIS is compared with the usage text: the man page is rendered
# with groff's mdoc macros to plain ASCII (no man-db needed), and the lines
# of its SYNOPSIS section are taken; the usage text is taken from its first
# line up to its first empty line, without the leading "usage:" and "or:"
# words.  Both sides are then normalized the same way: runs of white space
# become one space (so line wrapping and indentation do not matter) and a
# space before "..." is dropped (mdoc cannot always avoid it).  Everything
# else, every option, bracket and operand, must be the same.
#
# Each test walks every tool and reports every tool that fails, not only the
# first one.

load test_helper

tools() {
	local t
	for t in "$CF_BIN"/cf-*; do
		[[ -x $t && -f $t ]] && basename "$t"
	done
}

man_dir() {
	echo "$BATS_TEST_DIRNAME/../man"
}

# render PAGE: the page as plain ASCII, one paragraph a line.
render() {
	groff -mdoc -Tascii -P-cbou -rLL=2000n "$1"
}

normalize() {
	tr -s ' \t\n' '   ' | sed -e 's/^ //' -e 's/ $//' -e 's/ \.\.\./.../g'
}

# man_synopsis PAGE: the SYNOPSIS section, normalized.
man_synopsis() {
	render "$1" | awk '
		/^SYNOPSIS$/ { on = 1; next }
		on && /^[^ \t]/ { exit }
		on { print }' | normalize
}

# usage_synopsis TOOL: the synopsis lines of TOOL -h, normalized.
usage_synopsis() {
	"$1" -h | awk '
		/^[ \t]*$/ { exit }
		{ sub(/^[ \t]*(usage|or):[ \t]*/, ""); print }' | normalize
}

@test "there are tools to check in \$CF_BIN" {
	run tools
	assert_success
	assert_output --partial cf-dump
}

@test "every tool has a man page with NAME, SYNOPSIS, DESCRIPTION, EXIT STATUS, EXAMPLES" {
	local t s bad=()
	for t in $(tools); do
		if [[ ! -f $(man_dir)/$t.1 ]]; then
			bad+=("$t: no man/$t.1")
			continue
		fi
		for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES; do
			grep -qx "\.Sh $s" "$(man_dir)/$t.1" || bad+=("$t: no section $s")
		done
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "every man page formats without groff warnings" {
	local p out bad=()
	for p in "$(man_dir)"/*.[1-8]; do
		out=$(groff -mdoc -Tascii -ww -z "$p" 2>&1)
		[[ -z $out ]] || bad+=("$(basename "$p"): $out")
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "-h exits 0, writes only to stdout, and starts with 'usage: TOOL'" {
	local t bad=()
	for t in $(tools); do
		run --separate-stderr "$t" -h
		((status == 0)) || bad+=("$t -h: exit $status")
		[[ -z $stderr ]] || bad+=("$t -h: stderr: $stderr")
		[[ ${lines[0]} == "usage: $t "* || ${lines[0]} == "usage: $t" ]] ||
			bad+=("$t -h: first line: ${lines[0]}")
		run --separate-stderr "$t" --help
		((status == 0)) || bad+=("$t --help: exit $status")
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "the usage synopsis of -h equals the SYNOPSIS of the man page" {
	local t u m bad=()
	for t in $(tools); do
		[[ -f $(man_dir)/$t.1 ]] || { bad+=("$t: no man/$t.1"); continue; }
		u=$(usage_synopsis "$t")
		m=$(man_synopsis "$(man_dir)/$t.1")
		[[ $u == "$m" ]] || bad+=("$t:" "  -h:  $u" "  man: $m")
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "a bogus option exits 2 with one message line and the -h hint" {
	local t opt bad=()
	for t in $(tools); do
		for opt in --no-such-option -@; do
			run --separate-stderr "$t" "$opt"
			((status == 2)) || bad+=("$t $opt: exit $status")
			[[ -z $output ]] || bad+=("$t $opt: stdout: $output")
			mapfile -t err <<<"$stderr"
			((${#err[@]} == 2)) || bad+=("$t $opt: ${#err[@]} stderr lines: $stderr")
			[[ ${err[0]} == "$t: "* ]] || bad+=("$t $opt: message: ${err[0]}")
			[[ ${err[1]} == "Try '$t -h' for more information." ]] ||
				bad+=("$t $opt: hint: ${err[1]}")
		done
	done
	((${#bad[@]} == 0)) || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "the synopsis comparison itself: wrapping and ' ...' do not matter" {
	local page=$BATS_TEST_TMPDIR/cf-x.1
	cat >"$page" <<-'EOF'
	.Dd November 24, 2026
	.Dt CF-X 1
	.Os Codefang
	.Sh NAME
	.Nm cf-x
	.Nd x
	.Sh SYNOPSIS
	.Nm
	.Op Fl k
	.Op Fl t Ar TYPE
	.No ...
	.Ar REPO
	.Nm
	.Fl h
	.Sh DESCRIPTION
	x
	EOF
	run man_synopsis "$page"
	assert_output "cf-x [-k] [-t TYPE]... REPO cf-x -h"
	x() { printf 'usage: cf-x [-k]\n\t[-t TYPE] ... REPO\n   or: cf-x -h\n\nmore\n'; }
	run usage_synopsis x
	assert_output "cf-x [-k] [-t TYPE]... REPO cf-x -h"
}
