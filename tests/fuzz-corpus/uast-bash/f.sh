#!/bin/bash
# count the arguments
source ./lib.sh
count() {
	local n=0
	for a in "$@"; do
		if [ -n "$a" ]; then n=$((n + 1)); fi
	done
	case $n in 0) echo none ;; *) echo "$n" ;; esac
	while false; do :; done
}
function main { count "$@" | tr a b; }
main "$@"
