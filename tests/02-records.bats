#!/usr/bin/env bats
# The record reader (common/reader.c) seen through cf-dump: what it accepts,
# how it renders it, and how it refuses bad input: exit 3 and exactly one
# line on stderr naming the record number and the byte offset where that
# record starts.  The msgpack bytes are written by hand with printf.

load test_helper

# Writers of msgpack values on stdout (small sizes only, as used here).
mp_byte() {
	local hex
	printf -v hex '\\x%02x' "$1"
	printf "$hex"
}
mp_map() { mp_byte $((0x80 + $1)); }			# fixmap, < 16 entries
mp_arr() { mp_byte $((0x90 + $1)); }			# fixarray, < 16 entries
mp_uint() { mp_byte "$1"; }				# positive fixint, < 128
mp_str() {						# fixstr or str8, < 256 bytes
	if ((${#1} < 32)); then
		mp_byte $((0xa0 + ${#1}))
	else
		mp_byte 0xd9
		mp_byte ${#1}
	fi
	printf '%s' "$1"
}
# A minimal record {t: TYPE, v: 1} (8 bytes for a one-letter TYPE).
mp_rec() { mp_map 2; mp_str t; mp_str "$1"; mp_str v; mp_uint 1; }

# dump_fails FILE RECORD BYTE WHY [ENV...]: cf-dump FILE exits 3 with the one
# line "cf-dump: fatal: record RECORD (byte BYTE): WHY".
dump_fails() {
	local file=$1 record=$2 byte=$3 why=$4
	shift 4
	run --separate-stderr env "$@" cf-dump "$file"
	assert_equal "$status" 3
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "cf-dump: fatal: record $record (byte $byte): $why"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "a valid stream renders as JSON lines, keys sorted; -k keeps their order" {
	{
		mp_rec a
		printf '\x86\xa1v\x01\xa1t\xa1b\xa1n\xcd\x01\x00\xa1s\xa3x\x01y'
		printf '\xa1b\xc4\x02\x00\xff\xa3arr\x95\x01\xff\xc3\xc0'
		printf '\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00'
	} >s.mp
	run --separate-stderr cf-dump s.mp
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	assert_equal "${lines[0]}" '{"t":"a","v":1}'
	assert_equal "${lines[1]}" '{"arr":[1,-1,true,null,1.5],"b":"00ff","n":256,"s":"x\u0001y","t":"b","v":1}'

	run cf-dump -k <s.mp
	assert_success
	assert_equal "${lines[1]}" '{"v":1,"t":"b","n":256,"s":"x\u0001y","b":"00ff","arr":[1,-1,true,null,1.5]}'

	run cf-dump - <s.mp
	assert_success
	assert_equal "${#lines[@]}" 2
}

@test "-t shows only the records of the given types" {
	{ mp_rec a; mp_rec b; mp_rec c; mp_rec a; } >s.mp
	run cf-dump -t a s.mp
	assert_success
	assert_output $'{"t":"a","v":1}\n{"t":"a","v":1}'
	run cf-dump -t c -t b s.mp
	assert_success
	assert_output $'{"t":"b","v":1}\n{"t":"c","v":1}'
	run cf-dump -t nothing s.mp
	assert_success
	assert_output ""
}

@test "an empty stream is valid and shows nothing" {
	run --separate-stderr cf-dump </dev/null
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "garbage: a stream that is not a sequence of maps" {
	printf 'hello world\n' >g.mp
	dump_fails g.mp 1 0 "a record must be a msgpack map"
	{ mp_rec a; printf 'hello'; } >g2.mp
	dump_fails g2.mp 2 8 "a record must be a msgpack map"
	# The records before the bad one were shown.
	assert_output '{"t":"a","v":1}'
}

@test "a record that is not a map: an array, a string, a number" {
	{ mp_rec a; mp_arr 2; mp_str t; mp_str a; } >a.mp
	dump_fails a.mp 2 8 "a record must be a msgpack map"
	{ mp_str t; } >s.mp
	dump_fails s.mp 1 0 "a record must be a msgpack map"
	printf '\xcf\0\0\0\0\0\0\0\1' >n.mp
	dump_fails n.mp 1 0 "a record must be a msgpack map"
}

@test "a truncated record" {
	{ mp_rec a; mp_rec b; printf '\x82\xa1t'; } >t.mp
	dump_fails t.mp 3 16 "truncated: the stream ends inside the record"
	assert_equal "${#lines[@]}" 2
	# Cut inside a length field, and inside a string's bytes.
	{ mp_rec a; printf '\x82\xa1t\xd9'; } >t2.mp
	dump_fails t2.mp 2 8 "truncated: the stream ends inside the record"
	{ mp_rec a; printf '\x82\xa1t\xd9\x10abc'; } >t3.mp
	dump_fails t3.mp 2 8 "truncated: the stream ends inside the record"
}

@test "invalid msgpack inside a record, missing t or v" {
	{ mp_rec a; printf '\x82\xa1t\xc1\xa1v\x01'; } >c1.mp
	dump_fails c1.mp 2 8 "invalid msgpack type byte 0xc1"
	{ mp_map 1; mp_str v; mp_uint 1; } >not.mp
	dump_fails not.mp 1 0 "no string 't' (record type) key"
	{ mp_map 2; mp_str t; mp_uint 5; mp_str v; mp_uint 1; } >tnum.mp
	dump_fails tnum.mp 1 0 "no string 't' (record type) key"
	{ mp_map 1; mp_str t; mp_str a; } >nov.mp
	dump_fails nov.mp 1 0 "no unsigned 'v' (schema version) key"
}

@test "t and v are found as msgpack-c decodes them: past nested values, a signed v of 0 or more" {
	{ mp_map 3; mp_str a; mp_arr 2; mp_uint 1; mp_map 1; mp_str t; mp_str no; \
	  mp_str v; printf '\xd0\x05'; mp_str t; mp_str x; } >ok.mp
	run -0 cf-dump ok.mp
	assert_output '{"a":[1,{"t":"no"}],"t":"x","v":5}'
	{ mp_map 2; mp_str t; mp_str x; mp_str v; printf '\xd0\xff'; } >neg.mp
	dump_fails neg.mp 1 0 "no unsigned 'v' (schema version) key"
}

@test "oversized records with CF_MAX_RECORD=64: 64 bytes pass, 65 do not" {
	local s52=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	# {t:"x", v:1, s:<str8 of 52 bytes>} is 12 + 52 = 64 bytes.
	{ mp_map 3; mp_str t; mp_str x; mp_str v; mp_uint 1; mp_str s; mp_str "$s52"; } >ok.mp
	assert_equal "$(wc -c <ok.mp)" 64
	CF_MAX_RECORD=64 run cf-dump ok.mp
	assert_success
	assert_output "{\"s\":\"$s52\",\"t\":\"x\",\"v\":1}"

	{ mp_rec a; mp_map 3; mp_str t; mp_str x; mp_str v; mp_uint 1; mp_str s; mp_str "${s52}b"; } >big.mp
	dump_fails big.mp 2 8 "record larger than the limit (CF_MAX_RECORD)" CF_MAX_RECORD=64
	# A string longer than the limit is refused from its header alone.
	{ mp_map 3; mp_str t; mp_str x; mp_str v; mp_uint 1; mp_str s; mp_byte 0xdb; printf '\x7f\xff\xff\xff'; } >huge.mp
	dump_fails huge.mp 1 0 "string or bin longer than the record limit" CF_MAX_RECORD=64
}

@test "CF_MAX_RECORD below 64 bytes is refused" {
	mp_rec a >s.mp
	CF_MAX_RECORD=10 run --separate-stderr cf-dump s.mp
	assert_equal "$status" 1
	assert_equal "$stderr" "cf-dump: fatal: CF_MAX_RECORD: not a size of at least 64 bytes: '10'"
}

# fields N: a record map of N keys, t and v among them.
fields() {
	local i
	mp_byte 0xde
	mp_byte $(($1 >> 8))
	mp_byte $(($1 & 255))
	mp_str t; mp_str f; mp_str v; mp_uint 1
	for ((i = 2; i < $1; i++)); do
		mp_str "k$i"
		mp_uint $((i % 128))
	done
}

@test "too many fields: 256 keys pass, 257 do not" {
	fields 256 >ok.mp
	run cf-dump ok.mp
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output --partial '"k255":127,"k26":26,'
	{ mp_rec a; fields 257; } >bad.mp
	dump_fails bad.mp 2 8 "record map with too many fields"
}

# nested N: {t:"n", v:1, d: N nested arrays}; the record map is depth 1.
nested() {
	local i
	mp_map 3; mp_str t; mp_str n; mp_str v; mp_uint 1; mp_str d
	for ((i = 1; i < $1; i++)); do
		mp_arr 1
	done
	mp_arr 0
}

@test "too deep: containers nested 24 deep pass, 25 do not" {
	nested 23 >ok.mp
	run cf-dump ok.mp
	assert_success
	assert_output "{\"d\":$(printf '[%.0s' {1..23})$(printf ']%.0s' {1..23}),\"t\":\"n\",\"v\":1}"
	{ mp_rec a; mp_rec b; nested 24; } >bad.mp
	dump_fails bad.mp 3 16 "containers nested too deeply"
}

@test "a nested array with too many elements" {
	# array32 announcing 2^24 + 1 elements: refused from its header.
	{ mp_map 3; mp_str t; mp_str x; mp_str v; mp_uint 1; mp_str a; printf '\xdd\x01\x00\x00\x01'; } >bad.mp
	dump_fails bad.mp 1 0 "array or map with too many elements"
}

@test "output to /dev/full: exit 1 and one 'write failure' line" {
	{ mp_rec a; mp_rec b; } >s.mp
	run --separate-stderr cf-dump s.mp
	assert_success
	run --separate-stderr bash -c 'cf-dump s.mp >/dev/full'
	assert_equal "$status" 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "cf-dump: fatal: write failure on standard output: No space left on device"
}

@test "a reader that goes away (| head -c1): no message, killed by SIGPIPE" {
	# 102400 records, about 1.6 MB of JSON, far more than a pipe and stdio buffer hold.
	local r
	r=$(mp_rec a | od -An -tx1 | tr -d ' \n' | sed 's/../\\x&/g')
	for ((i = 0; i < 100; i++)); do printf "$r"; done >s.mp
	for ((i = 0; i < 10; i++)); do cat s.mp s.mp >s2.mp && mv s2.mp s.mp; done
	run --separate-stderr bash -c 'cf-dump s.mp | head -c1; echo " ${PIPESTATUS[0]}"'
	assert_success
	assert_equal "$stderr" ""
	assert_output "{ 141"
}

@test "file arguments: a missing file, too many files" {
	run --separate-stderr cf-dump no-such-file
	assert_equal "$status" 1
	assert_equal "$stderr" "cf-dump: fatal: cannot open 'no-such-file': No such file or directory"
	: >a.mp
	run --separate-stderr cf-dump a.mp a.mp
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "cf-dump: usage: at most one FILE"
	assert_equal "${stderr_lines[1]}" "Try 'cf-dump -h' for more information."
}

@test "records that arrive a byte at a time read as from a file" {
	local s=$BATS_TEST_TMPDIR/s.mp
	{
		mp_rec a
		# t and v around a nested array holding a "t" of its own, in another key order
		mp_map 3; mp_str v; mp_uint 2; mp_str x; mp_arr 3; mp_arr 1; mp_uint 5; mp_str yy
		mp_map 1; mp_str t; mp_str z; mp_str t; mp_str bb
		mp_map 3; mp_str tt; mp_str no; mp_str t; mp_str c; mp_str v; mp_uint 7
	} >"$s"
	cf-dump "$s" >"$BATS_TEST_TMPDIR/want"
	python3 -c '
import os, sys, time
data = open(sys.argv[1], "rb").read()
for i in range(len(data)):
    os.write(1, data[i:i + 1])
    time.sleep(0.002)
' "$s" | cf-dump >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/got")" -eq 3 ]
	grep -q '"t":"bb"' "$BATS_TEST_TMPDIR/got"
}
