#!/bin/sh
# Fetches the npm tarballs named in a lock file (third_party/tree-sitter.lock),
# checks their sha256 and unpacks each into CACHE/src/PACKAGE-VERSION.
#
#	sh build-aux/fetch-npm-sources.sh LOCK CACHE
#
# Idempotent: an unpacked package carries a .ok file and is skipped.  Safe to
# run from several builds at once: the work happens under flock(1), and a
# package is unpacked into a temporary directory that is renamed into place.
# Only the npm registry is contacted, through `npm pack`.
set -eu
lock=$1
cache=$2
mkdir -p "$cache/tgz" "$cache/src"
cache=$(cd "$cache" && pwd)

fetch_one() {
	pkg=$1 ver=$2 sub=$3 sha=$4
	dir="$cache/src/$pkg-$ver"
	[ -f "$dir/.ok" ] && return 0
	tgz="$cache/tgz/$pkg-$ver.tgz"
	if ! [ -f "$tgz" ] || ! echo "$sha  $tgz" | sha256sum -c --quiet - >/dev/null 2>&1; then
		rm -f "$tgz"
		command -v npm >/dev/null 2>&1 || {
			echo "fetch-npm-sources: npm is needed to fetch '$pkg@$ver' (apt-get install npm)" >&2
			return 1
		}
		out=$(cd "$cache/tgz" && npm pack --silent --ignore-scripts "$pkg@$ver" | tail -n 1)
		[ "$cache/tgz/$out" = "$tgz" ] || mv "$cache/tgz/$out" "$tgz"
	fi
	if ! echo "$sha  $tgz" | sha256sum -c --quiet -; then
		echo "fetch-npm-sources: sha256 mismatch for '$pkg@$ver'" >&2
		rm -f "$tgz"
		return 1
	fi
	tmp="$dir.tmp.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xzf "$tgz" -C "$tmp" --strip-components=1 --no-same-owner \
		--exclude='package/prebuilds' --exclude='package/bindings' \
		--exclude='*.wasm' --exclude='*.node' --exclude='package/test' \
		--exclude='package/queries'
	if ! [ -d "$tmp/$sub" ]; then
		echo "fetch-npm-sources: '$pkg@$ver' has no '$sub'" >&2
		rm -rf "$tmp"
		return 1
	fi
	touch "$tmp/.ok"
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

fetch_all() {
	grep -v '^#' "$lock" | while read -r lang pkg ver sub sha; do
		[ -n "$sha" ] || continue
		fetch_one "$pkg" "$ver" "$sub" "$sha" || exit 1
	done
}

if command -v flock >/dev/null 2>&1 && [ -z "${CF_FETCH_LOCKED:-}" ]; then
	CF_FETCH_LOCKED=1 exec flock "$cache/.fetch-lock" sh "$0" "$@"
fi
fetch_all
