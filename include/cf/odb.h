#ifndef CF_ODB_H
#define CF_ODB_H

/*
 * Direct, read-only access to a repository's object database: pack files
 * (mapped, inflated with libdeflate, delta chains resolved through a cache of
 * delta bases keyed by pack position) and loose objects.  This is the fast
 * path of the history pipeline; libgit2 is used for what this does not read.
 *
 * A handle is not thread-safe: give each worker thread its own handle
 * (mappings of the same pack are shared by the kernel, so this is cheap).
 * Ownership: the handle owns its mappings (cf_odb_share(): borrows them) and
 * caches; object bytes are copied into the caller's cf_buf.
 */

#include <stddef.h>
#include <stdint.h>
#include "cf/buf.h"
#include "cf/oid.h"

enum cf_obj_type {
	CF_OBJ_NONE = 0,
	CF_OBJ_COMMIT = 1,
	CF_OBJ_TREE = 2,
	CF_OBJ_BLOB = 3,
	CF_OBJ_TAG = 4,
};

struct cf_odb;

/*
 * Opens the object database of the repository whose git directory is
 * gitdir (the directory holding "objects/", as libgit2's
 * git_repository_path() returns it).  Alternates are followed.
 * delta_cache is the byte budget of the delta-base cache (0: 16 MiB, enough
 * for trees; blobs want more).
 * Returns NULL after printing an error.
 */
struct cf_odb *cf_odb_open(const char *gitdir, size_t delta_cache);
void cf_odb_free(struct cf_odb *odb);
/*
 * Whether the packs' indexes are unmapped too when the pages read are
 * (off by default): less resident memory, for refaults on every lookup.
 */
void cf_odb_trim_index(struct cf_odb *odb, int on);

/*
 * A second handle on src's object database, for another thread: its own
 * delta-base cache (delta_cache bytes, as for cf_odb_open()) and
 * inflaters, but src's mappings of the packs.  A page of a pack or index
 * that every thread reads is then resident once, not once per handle (the
 * kernel counts each mapping's pages), and a handle's trimming of the
 * mappings releases the pages all of them read.  Free every shared handle
 * before src.  Returns NULL after printing an error.
 */
struct cf_odb *cf_odb_share(const struct cf_odb *src, size_t delta_cache);

/*
 * Reads an object whole into out (replacing its contents) and sets *type.
 * Returns 0, or -1 when the object is missing or damaged; in that case an
 * error naming the object and the pack/offset or file has been printed.
 */
int cf_odb_read(struct cf_odb *odb, const struct cf_oid *oid,
		enum cf_obj_type *type, struct cf_buf *out);

/* Size and type without inflating the whole object (0, or -1 if missing). */
int cf_odb_read_header(struct cf_odb *odb, const struct cf_oid *oid,
		       enum cf_obj_type *type, size_t *size);

/*
 * A sort key for reading objects in storage order: (pack number << 40 |
 * offset in pack) for packed objects, UINT64_MAX for loose or unknown ones.
 * Reading a batch in key order keeps the delta-base cache warm and the
 * mapped pages sequential.
 */
uint64_t cf_odb_locality(struct cf_odb *odb, const struct cf_oid *oid);

/* Bytes the delta-base cache holds, as its budget counts them. */
size_t cf_odb_cache_bytes(const struct cf_odb *odb);

#endif
