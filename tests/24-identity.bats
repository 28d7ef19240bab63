#!/usr/bin/env bats
# Identities: .mailmap and a --people-dict dictionary applied together,
# --identity=author|committer, canonical names in cf-devs' people table.

load test_helper

setup_file() {
	export FIX="$BATS_FILE_TMPDIR"
	make_identity_history "$FIX/id"
	printf '%s\n' '# one person per line' \
		'Alice Smith <alice@work.com> | asmith@OLD.net | alice' '' \
		'Bob|bob@example.com' >"$FIX/people"
}

# make_identity_history DIR: Alice under three addresses and names (the
# .mailmap merges two of them), Bob, and a committer who is neither.
make_identity_history() {
	git_init "$1"
	(
	cd "$1" || exit 1
	c() {
		echo "$4" >>f.txt && git add f.txt &&
		GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" GIT_AUTHOR_NAME="$2" GIT_AUTHOR_EMAIL="$3" \
		GIT_COMMITTER_NAME=Robot GIT_COMMITTER_EMAIL=robot@ci.example \
			git commit -q --no-gpg-sign -m "$4"
	}
	echo 'Alice <alice@work.com> <alice@home.org>' >.mailmap
	git add .mailmap
	c "2023-01-02 10:00 +0000" Alice alice@work.com one &&
	c "2023-01-03 10:00 +0000" "Alice H" alice@home.org two &&
	c "2023-01-04 10:00 +0000" "ALICE SMITH" asmith@old.net three &&
	c "2023-01-05 10:00 +0000" Bob bob@example.com four &&
	c "2023-01-06 10:00 +0000" alice nobody@else.example five
	)
}

idents() {
	cf-revlist "$@" | cf-dump -t commit | jq -r '"\(.author) <\(.email)>"'
}

@test "mailmap alone merges two of Alice's addresses" {
	run idents "$FIX/id"
	assert_output $'Alice <alice@work.com>\nAlice <alice@work.com>\nALICE SMITH <asmith@old.net>\nBob <bob@example.com>\nalice <nobody@else.example>'
}

@test "mailmap and dictionary together: one person under three addresses" {
	run idents --people-dict "$FIX/people" "$FIX/id"
	assert_success
	assert_output $'Alice Smith <alice@work.com>\nAlice Smith <alice@work.com>\nAlice Smith <alice@work.com>\nBob <bob@example.com>\nAlice Smith <alice@work.com>'
	# without the mailmap, alice@home.org is nobody the dictionary knows
	run idents --no-mailmap --people-dict "$FIX/people" "$FIX/id"
	assert_line --index 1 'Alice H <alice@home.org>'
}

@test "cf-devs' people table shows the canonical names" {
	run bash -c "set -o pipefail; cf-revlist --people-dict '$FIX/people' '$FIX/id' | cf-treediff '$FIX/id' |
		cf-blobload '$FIX/id' | cf-diff | cf-devs | cf-dump -t result | jq -r '.data.people[] | \"\(.name) <\(.email)> \(.commits) \(.added)\"'"
	assert_success
	assert_output $'Alice Smith <alice@work.com> 4 5\nBob <bob@example.com> 1 1'
	run cf-run history -a devs --people-dict "$FIX/people" "$FIX/id"
	assert_success
	[ "$(jq -r '[.devs.people[].name] | join(",")' <<<"$output")" = "Alice Smith,Bob" ]
}

@test "--identity=committer names the committer" {
	run idents --identity=committer "$FIX/id"
	assert_output "$(for i in 1 2 3 4 5; do echo 'Robot <robot@ci.example>'; done)"
	run idents --identity author --people-dict "$FIX/people" "$FIX/id"
	assert_line --index 3 'Bob <bob@example.com>'
	run cf-run history --dry-run -a devs --identity committer --people-dict "$FIX/people" "$FIX/id"
	assert_output --partial "cf-revlist --identity committer --people-dict $FIX/people"
}

@test "bad identity flags and a missing dictionary" {
	run cf-revlist --identity=reviewer "$FIX/id"
	assert_failure 2
	assert_output --partial "'reviewer' is neither author nor committer"
	run cf-revlist --people-dict "$FIX/missing" "$FIX/id"
	assert_failure 1
	assert_output --partial "cannot read the people dictionary '$FIX/missing'"
	run cf-run history --identity=x "$FIX/id"
	assert_failure 2
}
