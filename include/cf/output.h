#ifndef CF_OUTPUT_H
#define CF_OUTPUT_H

/*
 * Writing a finished document: to standard output, or to a file of -o,
 * atomically (a temporary file beside it, renamed over it when complete,
 * and removed on die() or a terminating signal), so that a reader never
 * sees half a document and an interrupted run leaves nothing behind.
 * Errors end the process with a message naming the file (cf/usage.h).
 *
 * Ownership: the caller keeps the bytes.
 */

#include <stddef.h>

/* path NULL: standard output. */
void cf_output_document(const char *path, const char *data, size_t len);

#endif
