#!/usr/bin/env bash
# The burndown of a git repository: of the lines written in each period (a
# band), how many are still alive, sampled along the history.
#
#	pipelines/burndown.sh [REPO] > burndown.json
#
# This is the pipeline `cf-run history -a burndown -f json REPO` runs, and
# its output is the same, byte for byte.  Copy it and edit it: every stage is
# an ordinary filter (see its man page), and `cf-dump` shows the stream
# between any two of them.  The cf-* tools are looked up on PATH.
set -o pipefail

REPO=${1:-.}

# Commits of HEAD's first-parent history, oldest first.  Add a range after
# "$REPO" (v1.0..HEAD), or --since 2024-01-01, --max-count 1000, --tick-size 24.
cf-revlist "$REPO" |
	# After each commit, the files it added, deleted or modified.
	cf-treediff "$REPO" |
	# Sizes and line counts of the blobs; their bytes go to cf-diff through
	# a shared-memory ring.  Knobs: --workers N, --commit-batch-size 100,
	# --blob-cache-size 1GiB, --blob-arena-size 4MiB, --arenas 2N.
	cf-blobload "$REPO" |
	# Line diffs of the modified files, as git computes them.
	# Knobs: --workers N, --commit-batch-size 100, --diff-cache-size 10000.
	cf-diff |
	# The age of every line: bands 30 ticks wide, a sample every 30 ticks.
	cf-burndown --granularity 30 --sampling 30 |
	# One document: -f json, yaml, text or msgpack; -o FILE writes a file.
	cf-reduce -f json
