#ifndef CF_OUTPUT_H
#define CF_OUTPUT_H

/*
 * Writing a finished document: to standard output, or to a file of -o,
 * atomically (a temporary file beside it, renamed over it when complete,
 * and removed on die() or a terminating signal), so that a reader never
 * sees half a document and an interrupted run leaves nothing behind.  A
 * path that is not a regular file (cf_output_in_place()) is opened and
 * written as standard output is.
 * Errors end the process with a message naming the file (cf/usage.h).
 *
 * Ownership: the caller keeps the bytes.
 */

#include <stddef.h>

/*
 * Whether -o path is written in place rather than replaced: it exists and
 * is not a regular file (a terminal, /dev/null, a FIFO), which a rename
 * would destroy and a reader could not see.
 */
int cf_output_in_place(const char *path);

/* path NULL: standard output. */
void cf_output_document(const char *path, const char *data, size_t len);

/*
 * The same in parts, for a document too large to hold whole: begin, add
 * each part as it is made, end (which renames the file into place).  On
 * standard output the parts are written as they come.
 */
struct cf_output {
	const char *path;
	char *tmp;		/* NULL: standard output, or path in place */
	int fd;
};

void cf_output_begin(struct cf_output *o, const char *path);
void cf_output_add(struct cf_output *o, const char *data, size_t len);
void cf_output_end(struct cf_output *o);

#endif
