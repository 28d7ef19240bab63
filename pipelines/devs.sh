#!/usr/bin/env bash
# Who wrote a git repository: commits and lines added, removed and changed
# per developer, per tick and per language, and the bus factor.
#
#	pipelines/devs.sh [REPO] > devs.json
#
# This is the pipeline `cf-run history -a devs -f json REPO` runs, and its
# output is the same, byte for byte.  Copy it and edit it: every stage is an
# ordinary filter (see its man page), and `cf-dump` shows the stream between
# any two of them.  The cf-* tools are looked up on PATH.
set -o pipefail

REPO=${1:-.}

# Commits of HEAD's first-parent history, oldest first, identities resolved
# through .mailmap.  Add a range after "$REPO" (v1.0..HEAD), or
# --since 2024-01-01, --max-count 1000, --full-history.
cf-revlist "$REPO" |
	# After each commit, the files it added, deleted or modified.
	cf-treediff "$REPO" |
	# Sizes and line counts of the blobs; their bytes go to cf-diff through
	# a shared-memory ring.  Knobs: --workers N, --blob-cache-size 1GiB.
	cf-blobload "$REPO" |
	# Lines added and removed, and the hunks, of every change.
	cf-diff |
	# Commits and lines per developer; add "cf-burndown |" before it to get
	# both results in one document.
	cf-devs |
	# One document: -f json, yaml, text or msgpack; -o FILE writes a file.
	cf-reduce -f json
