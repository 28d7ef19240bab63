#ifndef CF_MERGE_H
#define CF_MERGE_H

/*
 * Merging the analyzers' results of several repositories (a fleet) into one
 * result per analyzer, for cf-reduce.
 *
 * The input is a sequence of parts: one repository's stream record and the
 * result records after it, or an earlier merge's stream record (merged =
 * true, with its list of repositories) and its results.  A part's name is
 * the stream record's "name" (cf-reduce --name) or else the repository's
 * directory name ("/src/jq.git" and "/src/jq/.git" are "jq"); paths in the
 * results of a part that is not a merge already are qualified as
 * "NAME:PATH", so that files of different repositories never collide.
 *
 * Each analyzer has a merge rule (see cf-reduce(1), MERGING): burndown on
 * calendar-aligned bands, devs and couples and file-history with people
 * unified by identity.  Every rule only sums, unions and sorts, and then
 * derives (bus factors, top pairs, hotspots) from the merged data, so the
 * merge is associative and independent of the order of the parts, byte
 * for byte.  An analyzer without a rule, a schema the rule does not know,
 * or results that cannot line up (other band widths, other tick sizes) are
 * errors naming the analyzer.
 *
 * Ownership: cf_merge borrows the msgpack objects it is given (they must
 * live until cf_merge_finish() returns) and owns everything else;
 * cf_merge_free() releases it.
 */

#include <msgpack.h>
#include <stdint.h>
#include "cf/buf.h"

struct cf_merge;

/* top: the length of the derived rankings (couples' top, file-history's hotspots), 0 = all. */
struct cf_merge *cf_merge_new(uint64_t top);
void cf_merge_free(struct cf_merge *m);
/*
 * Parts with the same repository name are commit-range shards of it (see
 * cf-reduce(1) --shards): they must chain by their stream records' base
 * and head, and their results are combined into the whole range's first.
 */
void cf_merge_shards(struct cf_merge *m);

/*
 * Starts a part: stream is its stream record (a map), or NULL for results
 * without one (their paths are taken as they are).  record is the record
 * number, for messages.
 */
void cf_merge_part(struct cf_merge *m, const msgpack_object *stream, uint64_t record);
/* Adds a result record (a map with analyzer, schema, data) to the current part. */
void cf_merge_result(struct cf_merge *m, const msgpack_object *result, uint64_t record);

/* Appends the merged stream record and one result record per analyzer (by name) to out. */
void cf_merge_finish(struct cf_merge *m, struct cf_buf *out);

/* Whether a stream record is an earlier merge's. */
int cf_merge_is_merged(const msgpack_object *stream);

/*
 * Appends to out a copy of the stream record stream with its "name" set to
 * name: what cf-reduce --name writes for a later merge.
 */
void cf_merge_name_stream(const msgpack_object *stream, const char *name, struct cf_buf *out);

#endif
