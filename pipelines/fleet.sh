#!/usr/bin/env bash
# Analyses a fleet of repositories with GNU parallel and merges the results.
#
#	pipelines/fleet.sh [options] [LIST] > fleet.json
#
# LIST (a file, or standard input) holds one repository a line: a path to a
# git directory or work tree, or a URL (cloned once with `git clone --bare`
# into the cache directory, and reused after), optionally followed by a tab
# or spaces and the NAME to qualify its paths with (default: the directory
# name without ".git"; two repositories of one name are an error).  Blank
# lines and lines starting with # are skipped.
#
# Every repository runs the history pipeline of `cf-run history` as one GNU
# parallel job (on this machine, or on the --sshlogin machines), with
# `cf-burndown --calendar` so that the bands of all repositories line up,
# and leaves its result, msgpack, in OUT/NAME.mp (written atomically).  Then
# `cf-reduce` merges every OUT/*.mp of the list (see cf-reduce(1), MERGING)
# into one document on standard output.
#
# A repository that fails is reported on standard error (its job's stderr is
# in OUT/NAME.err) and the others are merged; the exit status is then 1.
# Running the same command again skips the repositories whose OUT/NAME.mp is
# there, so only the failed ones run again.  With --joblog FILE and
# --resume-failed, GNU parallel's own bookkeeping decides instead (the same
# LIST must be given again).
#
# Options:
#   -o, --output DIR       results directory (default: fleet-results)
#   -a, --analyzers LIST   of burndown, devs, couples, file-history (the default),
#                          shotness, typos, sentiment, imports, quality, anomaly
#   -f, --format FMT       json (default), yaml, text, plot or msgpack
#   -j, --jobs N           job slots per machine (parallel --jobs; default 2)
#   -S, --sshlogin LOGIN   run jobs on LOGIN (repeatable; ":" is this machine);
#                          the cf-* tools must be on the same PATH there, and
#                          repositories, cache and DIR on a shared file system
#       --ssh CMD          the ssh command parallel uses (parallel --ssh)
#       --joblog FILE      parallel's job log
#       --resume-failed    rerun only the jobs the job log lists as failed
#       --cache DIR        clones of URLs (default: DIR/cache)
#       --people-dict FILE the same alias dictionary for every repository
#   -g, --granularity N    burndown band width in ticks (default 30)
#   -s, --sampling N       burndown sample length in ticks (default 30)
#       --tick-size HOURS  length of a tick (default 24)
#       --workers N        threads of cf-blobload and cf-diff per job (default 1)
#       --top N            pairs and hotspots the merge ranks (default 20)
#
# The cf-* tools are looked up on PATH (CF_BIN, if set, is put first).
set -o pipefail

out=fleet-results analyzers=burndown,devs,couples,file-history format=json jobs=2
cache= dict= gran=30 samp=30 tick=24 workers=1 top=20 joblog= resume=
sshlogins=() sshcmd=()

die() { echo "fleet: $*" >&2; exit 2; }
need() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
while (($#)); do
	case $1 in
	-o|--output) need "$@"; out=$2; shift 2 ;;
	-a|--analyzers) need "$@"; analyzers=$2; shift 2 ;;
	-f|--format) need "$@"; format=$2; shift 2 ;;
	-j|--jobs) need "$@"; jobs=$2; shift 2 ;;
	-S|--sshlogin) need "$@"; sshlogins+=(--sshlogin "$2"); shift 2 ;;
	--ssh) need "$@"; sshcmd=(--ssh "$2"); shift 2 ;;
	--joblog) need "$@"; joblog=$2; shift 2 ;;
	--resume-failed) resume=--resume-failed; shift ;;
	--cache) need "$@"; cache=$2; shift 2 ;;
	--people-dict) need "$@"; dict=$(realpath "$2") || die "no such file: $2"; shift 2 ;;
	-g|--granularity) need "$@"; gran=$2; shift 2 ;;
	-s|--sampling) need "$@"; samp=$2; shift 2 ;;
	--tick-size) need "$@"; tick=$2; shift 2 ;;
	--workers) need "$@"; workers=$2; shift 2 ;;
	--top) need "$@"; top=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -o/{/^set -o/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
(($# <= 1)) || die "one LIST at most"
[[ -n ${CF_BIN:-} ]] && PATH=$CF_BIN:$PATH
command -v parallel >/dev/null || die "GNU parallel is not installed (Debian: apt-get install parallel)"
[[ -n $resume && -z $joblog ]] && die "--resume-failed needs --joblog"

# syntax: the analyzers of cf-uastdiff's syntax records are there (it runs
# before them, on every blob and the diffs' blobs, as cf-run arranges it)
stages= syntax=
IFS=, read -ra list <<<"$analyzers"
for a in "${list[@]}"; do
	case $a in
	burndown) stages+="cf-burndown --calendar -g $gran -s $samp | " ;;
	devs) stages+="cf-devs | " ;;
	couples) stages+="cf-couples | " ;;
	file-history) stages+="cf-file-history | " ;;
	shotness|typos|sentiment|imports|quality) stages+="cf-$a | " syntax=1 ;;
	anomaly) stages+="cf-anomaly | " ;;
	*) die "unknown analyzer '$a' (known: burndown, devs, couples, file-history, shotness, typos, sentiment, imports, quality, anomaly)" ;;
	esac
done
[[ -n $syntax ]] && stages="cf-uastdiff --workers $workers | $stages"

mkdir -p "$out" || exit 1
out=$(realpath "$out")
cache=${cache:-$out/cache}
mkdir -p "$cache" || exit 1
cache=$(realpath "$cache")

# The jobs: NAME <tab> SOURCE, names checked for clashes here.
# (one file per run: Slurm's array tasks run fleet.sh side by side in one DIR)
jobfile=$(mktemp "$out/.jobs.XXXXXX") || exit 1
trap 'rm -f "$jobfile"' EXIT
declare -A seen=()
while read -r src name rest; do
	[[ -z $src || $src == \#* ]] && continue
	if [[ -z $name ]]; then
		name=${src%/}
		name=${name%/.git}
		name=${name%.git}
		name=${name##*[/:]}
	fi
	[[ $name =~ ^[A-Za-z0-9._+-]+$ && $name != .* ]] ||
		die "'$src': '$name' is not a usable name (give one after the path)"
	[[ -n ${seen[$name]:-} ]] &&
		die "two repositories named '$name': '${seen[$name]}' and '$src' (give names)"
	seen[$name]=$src
	if [[ ! $src =~ ^[a-z+]+:// && ! $src =~ ^[^/]+@[^/]+: ]]; then
		src=$(realpath "$src") || die "no such repository: $src"
	fi
	printf '%s\t%s\n' "$name" "$src"
done < "${1:-/dev/stdin}" > "$jobfile" || exit 1
[[ -s $jobfile ]] || die "no repositories in the list"

# One repository: skipped when its result is there; URLs cloned into the cache.
fleet_one() {
	local out=$1 cache=$2 stages=$3 dict=$4 tick=$5 workers=$6 syntax=$7 name=$8 src=$9
	local repo=$src res=$out/$name.mp blobs=() keep=()
	[[ -n $syntax ]] && blobs=(--blobs=all) keep=(--keep-blobs)
	[[ -e $res ]] && return 0
	if [[ $src =~ ^[a-z+]+:// || $src =~ ^[^/]+@[^/]+: ]]; then
		repo=$cache/$name.git
		if [[ ! -d $repo ]]; then
			rm -rf "$repo.tmp.$$"
			git clone --bare --quiet "$src" "$repo.tmp.$$" && mv "$repo.tmp.$$" "$repo" ||
				{ rm -rf "$repo.tmp.$$"; return 1; }
		fi
	fi
	local rev=(cf-revlist --tick-size "$tick")
	[[ -n $dict ]] && rev+=(--people-dict "$dict")
	{
		"${rev[@]}" "$repo" | cf-treediff "$repo" |
			cf-blobload --workers "$workers" "${blobs[@]}" "$repo" |
			cf-diff --workers "$workers" "${keep[@]}" | eval "$stages cf-reduce --quiet -f msgpack --name \"\$name\" -o \"\$res.tmp\""
	} 2>"$out/$name.err" && mv "$res.tmp" "$res" || { rm -f "$res.tmp"; return 1; }
	rm -f "$out/$name.err"
}
export -f fleet_one

popt=(-q --colsep '\t' --jobs "$jobs" "${sshcmd[@]}" "${sshlogins[@]}")
[[ -n $joblog ]] && popt+=(--joblog "$joblog" $resume)
((${#sshlogins[@]})) && popt+=(--env fleet_one --env PATH)
parallel "${popt[@]}" fleet_one "$out" "$cache" "$stages" "$dict" "$tick" "$workers" \
	"$syntax" '{1}' '{2}' < "$jobfile"

# Report, then merge what is there.
results=() failed=0
while IFS=$'\t' read -r name src; do
	if [[ -e $out/$name.mp ]]; then
		results+=("$out/$name.mp")
	else
		echo "fleet: failed: $name ($src): $(head -n 1 "$out/$name.err" 2>/dev/null)" >&2
		failed=$((failed + 1))
	fi
done < "$jobfile"
((${#results[@]})) || { echo "fleet: no repository succeeded" >&2; exit 1; }
cf-reduce --quiet --top "$top" -f "$format" "${results[@]}" || exit 1
((failed == 0)) || { echo "fleet: $failed of $((failed + ${#results[@]})) repositories failed" >&2; exit 1; }
