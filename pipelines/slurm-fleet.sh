#!/usr/bin/env bash
# Analyses a fleet of repositories on a Slurm cluster: one repository per
# task of a job array, then one reduce job that runs after all of them.
#
#	pipelines/slurm-fleet.sh [-o DIR] [-f FMT] [-p PARTITION] [-- SBATCH-OPTION...] LIST
#
# LIST holds one repository a line, as for pipelines/fleet.sh: a path (on a
# file system every node sees) or a URL, optionally followed by a NAME.  The
# script submits
#
#	sbatch --array=1-N%MAX  this script --task       (one repository each)
#	sbatch --dependency=afterany:ARRAY  this script --reduce
#
# Each array task runs pipelines/fleet.sh for the one repository of line
# SLURM_ARRAY_TASK_ID (so URLs are cloned into DIR/cache and results land
# in DIR/NAME.mp, atomically; a task whose result is there already does
# nothing).  The reduce job merges every result present with cf-reduce into
# DIR/fleet.FMT and lists the repositories without one in DIR/failed; it
# runs after the whole array (afterany), so that one failing repository
# does not hold back the merge of the others.  Use --strict for
# --dependency=afterok instead: then the reduce job runs only when every
# task succeeded.  Resubmitting the same command runs only the repositories
# without a result.
#
# On a cluster: put the Codefang tools on a shared path and export CF_BIN
# (the jobs inherit the environment, sbatch --export=ALL), put DIR on the
# shared file system, and size the tasks with SBATCH options after "--",
# e.g. "-- --time=2:00:00 --mem=4G --cpus-per-task=4" (cf-blobload and
# cf-diff use --workers = SLURM_CPUS_PER_TASK).  The job ids are printed;
# `squeue -j ID` follows them and DIR/slurm-*.out keep their output.
#
# Options:
#   -o DIR        results directory (default: fleet-results)
#   -f FMT        format of the merged document (default json)
#   -p PARTITION  sbatch --partition
#   -m MAX        at most MAX array tasks at once (default 64)
#   -a LIST       analyzers, as fleet.sh -a (default: burndown,devs,couples,file-history)
#   --strict      reduce only when every repository succeeded (afterok)
set -o pipefail

# sbatch runs a copy of this script from its spool: the jobs are told where
# the pipelines are.
here=${CF_PIPELINES:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
self=$here/slurm-fleet.sh
export CF_PIPELINES=$here

die() { echo "slurm-fleet: $*" >&2; exit 2; }

# Inside a job: SLURM_ARRAY_TASK_ID picks the repository.
if [[ ${1:-} == --task ]]; then
	shift
	out=$1 analyzers=$2 list=$3
	line=$(sed -n "${SLURM_ARRAY_TASK_ID:?not an array task}p" "$out/.slurm-list")
	printf '%s\n' "$line" > "$out/.task-$SLURM_ARRAY_TASK_ID"
	exec "$here/fleet.sh" -o "$out" -a "$analyzers" -j 1 \
		--workers "${SLURM_CPUS_PER_TASK:-1}" -f msgpack "$out/.task-$SLURM_ARRAY_TASK_ID" \
		>/dev/null
fi
if [[ ${1:-} == --reduce ]]; then
	shift
	out=$1 format=$2
	[[ -n ${CF_BIN:-} ]] && PATH=$CF_BIN:$PATH
	results=() missing=()
	while read -r src name _; do
		[[ -z $src || $src == \#* ]] && continue
		if [[ -z $name ]]; then
			name=${src%/}; name=${name%/.git}; name=${name%.git}; name=${name##*[/:]}
		fi
		if [[ -e $out/$name.mp ]]; then results+=("$out/$name.mp"); else missing+=("$name"); fi
	done < "$out/.slurm-list"
	printf '%s\n' "${missing[@]}" > "$out/failed"
	((${#results[@]})) || { echo "slurm-fleet: no repository succeeded" >&2; exit 1; }
	cf-reduce --quiet -f "$format" -o "$out/fleet.$format" "${results[@]}" || exit 1
	echo "slurm-fleet: merged ${#results[@]} repositories into $out/fleet.$format," \
		"${#missing[@]} failed (listed in $out/failed)"
	exit 0
fi

out=fleet-results format=json partition= max=64 dep=afterany
analyzers=burndown,devs,couples,file-history
while (($#)); do
	case $1 in
	-o) out=${2:?-o needs a directory}; shift 2 ;;
	-f) format=${2:?-f needs a format}; shift 2 ;;
	-p) partition=${2:?-p needs a partition}; shift 2 ;;
	-m) max=${2:?-m needs a number}; shift 2 ;;
	-a) analyzers=${2:?-a needs a list}; shift 2 ;;
	--strict) dep=afterok; shift ;;
	-h|--help) sed -n '2,/^set -o/{/^set -o/d;s/^# \{0,1\}//;p}' "$self"; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
extra=()
while (($# > 1)); do extra+=("$1"); shift; done
(($# == 1)) || die "usage: slurm-fleet.sh [options] [-- SBATCH-OPTION...] LIST"
command -v sbatch >/dev/null || die "sbatch is not on PATH"
mkdir -p "$out" && out=$(realpath "$out") || exit 1
# Paths made absolute, for the nodes.
while read -r src name rest; do
	[[ -z $src || $src == \#* ]] && continue
	[[ $src =~ ^[a-z+]+:// || $src =~ ^[^/]+@[^/]+: ]] || src=$(realpath "$src")
	printf '%s %s\n' "$src" "$name"
done < "$1" > "$out/.slurm-list" || exit 1
n=$(wc -l < "$out/.slurm-list")
((n > 0)) || die "no repositories in '$1'"
popt=(--parsable --export=ALL -o "$out/slurm-%A_%a.out" ${partition:+--partition="$partition"})
array=$(sbatch "${popt[@]}" --array="1-$n%$max" -J cf-fleet "${extra[@]}" \
	"$self" --task "$out" "$analyzers") || exit 1
array=${array%%;*}
reduce=$(sbatch --parsable --export=ALL -o "$out/slurm-reduce-%j.out" \
	${partition:+--partition="$partition"} -J cf-fleet-reduce \
	--dependency="$dep:$array" "$self" --reduce "$out" "$format") || exit 1
echo "array job $array ($n repositories), reduce job ${reduce%%;*} -> $out/fleet.$format"
