/*
 * The files and people of a history, and the record loop of the per-file
 * analyzers: see cf/fileset.h.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/record.h"
#include "cf/state.h"
#include "cf/usage.h"
#include "cf/writer.h"

static uint64_t str_hash(const char *s, size_t len, size_t split)
{
	uint64_t h = 14695981039346656037ULL ^ split;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void strtab_rehash(struct cf_fs_strtab *t)
{
	size_t n = t->nr_slots ? t->nr_slots * 2 : 64;

	free(t->slots);
	t->slots = xcalloc(n, sizeof(*t->slots));
	t->nr_slots = n;
	for (size_t i = 0; i < t->nr; i++) {
		size_t s = t->e[i].hash & (n - 1);
		while (t->slots[s])
			s = (s + 1) & (n - 1);
		t->slots[s] = i + 1;
	}
}

uint32_t cf_fs_strtab_find(struct cf_fs_strtab *t, const char *s, size_t len,
			   size_t split, int create)
{
	uint64_t h = str_hash(s, len, split);
	struct cf_fs_str *e;
	size_t i;

	if (2 * (t->nr + 1) > t->nr_slots)
		strtab_rehash(t);
	for (i = h & (t->nr_slots - 1); t->slots[i]; i = (i + 1) & (t->nr_slots - 1)) {
		e = &t->e[t->slots[i] - 1];
		if (e->hash == h && e->len == len && e->split == split && !memcmp(e->s, s, len))
			return t->slots[i] - 1;
	}
	if (!create)
		return CF_FS_NONE;
	if (t->nr >= CF_FS_NONE - 1)
		die("too many paths or people (%zu)", t->nr);
	CF_ALLOC_GROW(t->e, t->nr + 1, t->alloc);
	e = &t->e[t->nr];
	e->s = xmemdupz(s, len);
	e->len = len;
	e->split = split;
	e->hash = h;
	e->val = CF_FS_NONE;
	t->slots[i] = ++t->nr;
	return t->nr - 1;
}

void cf_fs_strtab_release(struct cf_fs_strtab *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->e[i].s);
	free(t->e);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static uint32_t new_file(struct cf_fileset *fs, uint32_t path, uint32_t from)
{
	if (fs->nr_files >= CF_FS_NONE - 1)
		die("too many files (%zu)", fs->nr_files);
	CF_ALLOC_GROW(fs->files, fs->nr_files + 1, fs->alloc_files);
	fs->files[fs->nr_files].path = path;
	fs->files[fs->nr_files].from = from;
	fs->files[fs->nr_files].alive = 0;
	fs->paths.e[path].val = fs->nr_files;
	return fs->nr_files++;
}

/*
 * The file at path, a new one when there is none.  A path the stream has
 * not met before may hold a file older than the stream: the new file says
 * so (from); one the stream emptied by a rename holds nothing older.
 */
static uint32_t file_at(struct cf_fileset *fs, const char *path, size_t len)
{
	size_t known = fs->paths.nr;
	uint32_t p = cf_fs_strtab_find(&fs->paths, path, len, 0, 1);

	if (fs->paths.e[p].val == CF_FS_NONE)
		return new_file(fs, p, fs->paths.nr > known ? p : CF_FS_NONE);
	return fs->paths.e[p].val;
}

/* old_path's file moves to path; whatever was at path is detached. */
static void apply_rename(struct cf_fileset *fs, const struct cf_record *rec,
			 struct cf_fs_change *c)
{
	const char *path, *old;
	size_t len, old_len;
	uint32_t from, to;

	path = cf_rec_str(rec, "path", &len);
	old = cf_rec_str(rec, "old_path", &old_len);
	from = cf_fs_strtab_find(&fs->paths, old, old_len, 0, 0);
	if (from == CF_FS_NONE && (old_len != len || memcmp(old, path, len))) {
		/*
		 * A range that starts later: the file of old_path is older than
		 * the stream; it moves as if it had been met there.
		 */
		from = cf_fs_strtab_find(&fs->paths, old, old_len, 0, 1);
		new_file(fs, from, from);
	}
	if (fs->paths.e[from].val == CF_FS_NONE || (old_len == len && !memcmp(old, path, len))) {
		/* Nothing to move (old_path emptied before, or no move at all): an addition. */
		c->file = file_at(fs, path, len);
		return;
	}
	to = cf_fs_strtab_find(&fs->paths, path, len, 0, 1);
	c->file = fs->paths.e[from].val;
	if (fs->paths.e[to].val != CF_FS_NONE) {
		c->replaced = fs->paths.e[to].val;
		fs->files[c->replaced].path = CF_FS_NONE;
		fs->files[c->replaced].alive = 0;
	}
	fs->paths.e[from].val = CF_FS_NONE;
	fs->paths.e[to].val = c->file;
	fs->files[c->file].path = to;
}

static void read_change(struct cf_fileset *fs, const struct cf_record *rec,
			struct cf_fs_change *c)
{
	const char *s, *path;
	size_t len, plen;
	uint64_t n;

	if (!fs->in_commit)
		cf_rec_die(rec, "change before any commit");
	n = cf_rec_u64(rec, "n");
	if (n != fs->cur_n)
		cf_rec_die(rec, "change of commit %llu follows commit %llu",
			   (unsigned long long)n, (unsigned long long)fs->cur_n);
	s = cf_rec_str(rec, "s", &len);
	if (len != 1 || !strchr("ADMR", *s) || !*s)
		cf_rec_die(rec, "unknown change status '%.*s'", (int)(len > 8 ? 8 : len), s);
	c->status = *s;
	c->replaced = CF_FS_NONE;
	if (c->status == 'R') {
		apply_rename(fs, rec, c);
	} else {
		path = cf_rec_str(rec, "path", &plen);
		c->file = file_at(fs, path, plen);
	}
	fs->files[c->file].alive = c->status != 'D';
}

static void read_commit(struct cf_fileset *fs, const struct cf_record *rec)
{
	const char *name, *email;
	size_t nlen, elen;
	struct cf_buf *key = &fs->scratch;

	fs->cur_n = cf_rec_u64(rec, "n");
	if (fs->resumed && fs->cur_n != fs->commits)
		cf_rec_die(rec, "commit %llu where the resumed state expects commit %llu",
			   (unsigned long long)fs->cur_n, (unsigned long long)fs->commits);
	fs->resumed = 0;
	name = cf_rec_str(rec, "author", &nlen);
	email = cf_rec_str(rec, "email", &elen);
	cf_buf_reset(key);
	cf_buf_add(key, name, nlen);
	cf_buf_add(key, email, elen);
	fs->cur_person = cf_fs_strtab_find(&fs->people, key->buf, key->len, nlen, 1);
	fs->in_commit = 1;
	fs->commits++;
}

struct cf_fs_touch *cf_fs_touch(struct cf_fs_touches *t, uint32_t who)
{
	/* The same person usually touches a file several times in a row. */
	for (size_t i = t->nr; i-- > 0;)
		if (t->v[i].who == who)
			return &t->v[i];
	CF_ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	memset(&t->v[t->nr], 0, sizeof(*t->v));
	t->v[t->nr].who = who;
	return &t->v[t->nr++];
}

void cf_fs_lines(const struct cf_record *rec, uint64_t *add, uint64_t *del,
		 uint64_t *changed)
{
	const msgpack_object *h;
	uint32_t n;

	*add = cf_rec_u64(rec, "add");
	*del = cf_rec_u64(rec, "del");
	if (cf_rec_u64_opt(rec, "changed", changed)) {
		if (*changed > *add || *changed > *del)
			cf_rec_die(rec, "'changed' (%llu) exceeds 'add' (%llu) or 'del' (%llu)",
				   (unsigned long long)*changed, (unsigned long long)*add,
				   (unsigned long long)*del);
		return;
	}
	*changed = 0;
	if (!cf_rec_array_opt(rec, "hunks", &h, &n))
		return;
	if (n % 4)
		cf_rec_die(rec, "'hunks' must hold four numbers per hunk, not %u", n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t o, c;
		if (h[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER || h[i].via.u64 > UINT32_MAX)
			cf_rec_die(rec, "'hunks' item %u is not a line number or count", i);
		if (i % 4 != 3)
			continue;
		o = h[i - 2].via.u64;
		c = h[i].via.u64;
		*changed += o < c ? o : c;
	}
	/* A hand-made add or del may be smaller than the hunks' sums. */
	if (*changed > *add)
		*changed = *add;
	if (*changed > *del)
		*changed = *del;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* qsort has no context argument: the table being sorted. */
static const struct cf_fileset *sorting;

static int cmp_files(const void *a_, const void *b_)
{
	const struct cf_fs_str *a = &sorting->paths.e[sorting->files[*(const uint32_t *)a_].path];
	const struct cf_fs_str *b = &sorting->paths.e[sorting->files[*(const uint32_t *)b_].path];

	return cmp_bytes(a->s, a->len, b->s, b->len);
}

static int cmp_people(const void *a_, const void *b_)
{
	const struct cf_fs_str *a = &sorting->people.e[*(const uint32_t *)a_];
	const struct cf_fs_str *b = &sorting->people.e[*(const uint32_t *)b_];
	int c = cmp_bytes(a->s, a->split, b->s, b->split);

	if (c)
		return c;
	return cmp_bytes(a->s + a->split, a->len - a->split, b->s + b->split, b->len - b->split);
}

/* Sorts order (nr ids) and fills a fresh index of size total: id -> position. */
static uint32_t *sort_ids(const struct cf_fileset *fs, uint32_t *order, size_t nr,
			  size_t total, int (*cmp)(const void *, const void *))
{
	uint32_t *index = xcalloc(total ? total : 1, sizeof(*index));

	sorting = fs;
	qsort(order, nr, sizeof(*order), cmp);
	sorting = NULL;
	for (size_t i = 0; i < total; i++)
		index[i] = CF_FS_NONE;
	for (size_t i = 0; i < nr; i++)
		index[order[i]] = i;
	return index;
}

uint32_t *cf_fileset_alive(const struct cf_fileset *fs, size_t *nr, uint32_t **index)
{
	uint32_t *order = xcalloc(fs->nr_files ? fs->nr_files : 1, sizeof(*order));
	size_t n = 0;

	for (size_t i = 0; i < fs->nr_files; i++)
		if (fs->files[i].alive && fs->files[i].path != CF_FS_NONE)
			order[n++] = i;
	*index = sort_ids(fs, order, n, fs->nr_files, cmp_files);
	*nr = n;
	return order;
}

uint32_t *cf_fileset_attached(const struct cf_fileset *fs, size_t *nr, uint32_t **index)
{
	uint32_t *order = xcalloc(fs->nr_files ? fs->nr_files : 1, sizeof(*order));
	size_t n = 0;

	for (size_t i = 0; i < fs->nr_files; i++)
		if (fs->files[i].path != CF_FS_NONE)
			order[n++] = i;
	*index = sort_ids(fs, order, n, fs->nr_files, cmp_files);
	*nr = n;
	return order;
}

static int cmp_path_ids(const void *a_, const void *b_)
{
	const struct cf_fs_str *a = &sorting->paths.e[*(const uint32_t *)a_];
	const struct cf_fs_str *b = &sorting->paths.e[*(const uint32_t *)b_];

	return cmp_bytes(a->s, a->len, b->s, b->len);
}

static void pack_vacated(msgpack_packer *pk, const struct cf_fileset *fs)
{
	uint32_t *empty = xcalloc(fs->paths.nr ? fs->paths.nr : 1, sizeof(*empty));
	size_t n = 0;

	for (size_t i = 0; i < fs->paths.nr; i++)
		if (fs->paths.e[i].val == CF_FS_NONE)
			empty[n++] = i;
	sorting = fs;
	if (n)
		qsort(empty, n, sizeof(*empty), cmp_path_ids);
	sorting = NULL;
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		cf_pack_strn(pk, fs->paths.e[empty[i]].s, fs->paths.e[empty[i]].len);
	free(empty);
}

void cf_fileset_pack_shard(msgpack_packer *pk, const struct cf_fileset *fs,
			   const uint32_t *files, size_t nr, const char *key)
{
	cf_pack_str(pk, key);
	if (!strcmp(key, "vacated")) {
		pack_vacated(pk, fs);
		return;
	}
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < nr; i++) {
		uint32_t from = fs->files[files[i]].from;
		if (!strcmp(key, "alive"))
			cf_pack_bool(pk, fs->files[files[i]].alive);
		else if (from == CF_FS_NONE)
			msgpack_pack_nil(pk);
		else
			cf_pack_strn(pk, fs->paths.e[from].s, fs->paths.e[from].len);
	}
}

uint32_t *cf_fileset_people(const struct cf_fileset *fs, uint32_t **index)
{
	uint32_t *order = xcalloc(fs->people.nr ? fs->people.nr : 1, sizeof(*order));

	for (size_t i = 0; i < fs->people.nr; i++)
		order[i] = i;
	*index = sort_ids(fs, order, fs->people.nr, fs->people.nr, cmp_people);
	return order;
}

void cf_fileset_pack_path(msgpack_packer *pk, const struct cf_fileset *fs, uint32_t file)
{
	const struct cf_fs_str *p = &fs->paths.e[fs->files[file].path];

	cf_pack_strn(pk, p->s, p->len);
}

void cf_fileset_pack_people(msgpack_packer *pk, const struct cf_fileset *fs,
			    const uint32_t *order)
{
	msgpack_pack_array(pk, fs->people.nr);
	for (size_t i = 0; i < fs->people.nr; i++) {
		const struct cf_fs_str *p = &fs->people.e[order[i]];
		msgpack_pack_map(pk, 2);
		cf_pack_str(pk, "email");
		cf_pack_strn(pk, p->s + p->split, p->len - p->split);
		cf_pack_str(pk, "name");
		cf_pack_strn(pk, p->s, p->split);
	}
}

/*
 * State: {analyzer: ..., commits, files: [[path index, alive, from]...],
 * paths: [[path, file]...], people: [[name, email]...]}; detached files,
 * empty paths and files begun in the stream (from) are CF_FS_NONE.  A
 * state of two-item files (before from) is read with from CF_FS_NONE.
 */
static void pack_fileset(msgpack_packer *pk, const struct cf_fileset *fs)
{
	cf_pack_kv_u64(pk, "commits", fs->commits);
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, fs->nr_files);
	for (size_t i = 0; i < fs->nr_files; i++) {
		msgpack_pack_array(pk, 3);
		cf_pack_u64(pk, fs->files[i].path);
		cf_pack_bool(pk, fs->files[i].alive);
		cf_pack_u64(pk, fs->files[i].from);
	}
	cf_pack_str(pk, "paths");
	msgpack_pack_array(pk, fs->paths.nr);
	for (size_t i = 0; i < fs->paths.nr; i++) {
		msgpack_pack_array(pk, 2);
		cf_pack_strn(pk, fs->paths.e[i].s, fs->paths.e[i].len);
		cf_pack_u64(pk, fs->paths.e[i].val);
	}
	cf_pack_str(pk, "people");
	msgpack_pack_array(pk, fs->people.nr);
	for (size_t i = 0; i < fs->people.nr; i++) {
		const struct cf_fs_str *p = &fs->people.e[i];
		msgpack_pack_array(pk, 2);
		cf_pack_strn(pk, p->s, p->split);
		cf_pack_strn(pk, p->s + p->split, p->len - p->split);
	}
}

static void pack_state(msgpack_packer *pk, void *data)
{
	struct cf_fs_analyzer *a = data;

	msgpack_pack_map(pk, 5);
	cf_pack_str(pk, "analyzer");
	a->pack_state(pk, a);
	pack_fileset(pk, &a->fs);
}

uint64_t cf_fs_state_u64(const struct cf_state *st, const msgpack_object *o, uint64_t max)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		cf_state_die(st, "a number out of range where one up to %llu belongs",
			     (unsigned long long)max);
	return o->via.u64;
}

/* The array o[i] of n items of the given types ("s" string, "u" uint, "b" bool). */
static const msgpack_object *state_tuple(const struct cf_state *st, const msgpack_object *o,
					 const char *types)
{
	size_t n = strlen(types);

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != n)
		cf_state_die(st, "a table entry is not an array of %zu", n);
	for (size_t i = 0; i < n; i++) {
		msgpack_object_type want = types[i] == 's' ? MSGPACK_OBJECT_STR :
			types[i] == 'u' ? MSGPACK_OBJECT_POSITIVE_INTEGER : MSGPACK_OBJECT_BOOLEAN;
		if (o->via.array.ptr[i].type != want)
			cf_state_die(st, "a table entry has the wrong type");
	}
	return o->via.array.ptr;
}

static void unpack_paths(struct cf_fileset *fs, const struct cf_state *st,
			 const msgpack_object *o)
{
	uint32_t n;
	const msgpack_object *paths = cf_state_array(st, o, "paths", &n);

	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *t = state_tuple(st, &paths[i], "su");
		uint32_t p = cf_fs_strtab_find(&fs->paths, t[0].via.str.ptr, t[0].via.str.size, 0, 1);
		if (p != i)
			cf_state_die(st, "path %u is there twice", i);
		fs->paths.e[p].val = cf_fs_state_u64(st, &t[1], CF_FS_NONE);
	}
}

static void unpack_files(struct cf_fileset *fs, const struct cf_state *st,
			 const msgpack_object *o)
{
	uint32_t n;
	const msgpack_object *files = cf_state_array(st, o, "files", &n);

	fs->nr_files = 0;
	for (uint32_t i = 0; i < n; i++) {
		int old = files[i].type == MSGPACK_OBJECT_ARRAY && files[i].via.array.size == 2;
		const msgpack_object *t = state_tuple(st, &files[i], old ? "ub" : "ubu");
		uint64_t p = t[0].via.u64;
		uint64_t from = old ? CF_FS_NONE : t[2].via.u64;
		CF_ALLOC_GROW(fs->files, fs->nr_files + 1, fs->alloc_files);
		if (p != CF_FS_NONE && (p >= fs->paths.nr || fs->paths.e[p].val != i))
			cf_state_die(st, "file %u and its path disagree", i);
		if (from != CF_FS_NONE && from >= fs->paths.nr)
			cf_state_die(st, "file %u began at no path", i);
		fs->files[i].path = p;
		fs->files[i].from = from;
		fs->files[i].alive = t[1].via.boolean;
		fs->nr_files++;
	}
	for (size_t i = 0; i < fs->paths.nr; i++)
		if (fs->paths.e[i].val != CF_FS_NONE && fs->paths.e[i].val >= fs->nr_files)
			cf_state_die(st, "path %zu names no file", i);
}

static void unpack_people(struct cf_fileset *fs, const struct cf_state *st,
			  const msgpack_object *o)
{
	uint32_t n;
	const msgpack_object *people = cf_state_array(st, o, "people", &n);
	struct cf_buf key = CF_BUF_INIT;

	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *t = state_tuple(st, &people[i], "ss");
		cf_buf_reset(&key);
		cf_buf_add(&key, t[0].via.str.ptr, t[0].via.str.size);
		cf_buf_add(&key, t[1].via.str.ptr, t[1].via.str.size);
		if (cf_fs_strtab_find(&fs->people, key.buf, key.len, t[0].via.str.size, 1) != i)
			cf_state_die(st, "person %u is there twice", i);
	}
	cf_buf_release(&key);
}

static void resume_from(struct cf_fs_analyzer *a, const char *file)
{
	struct cf_state st;
	const msgpack_object *o;

	cf_state_load(&st, file, a->name, a->schema);
	o = st.data;
	a->fs.commits = cf_state_u64(&st, o, "commits");
	unpack_paths(&a->fs, &st, o);
	unpack_files(&a->fs, &st, o);
	unpack_people(&a->fs, &st, o);
	a->unpack_state(a, &st, cf_state_get(&st, o, "analyzer", MSGPACK_OBJECT_MAP));
	a->fs.resumed = 1;
	cf_state_release(&st);
}

static void read_stream(struct cf_fileset *fs, const struct cf_record *rec)
{
	if (fs->have_stream)
		return;		/* ticks are measured from the first */
	fs->have_stream = 1;
	cf_rec_u64_opt(rec, "tick_size", &fs->tick_size);
	cf_rec_i64_opt(rec, "t0", &fs->t0);
}

void cf_fs_pack_ticks(msgpack_packer *pk, const struct cf_fileset *fs)
{
	cf_pack_kv_i64(pk, "t0", fs->t0);
	cf_pack_kv_u64(pk, "tick_size", fs->tick_size);
}

static void end_commit(struct cf_fs_analyzer *a)
{
	if (a->fs.in_commit && a->end_commit)
		a->end_commit(a);
	a->fs.in_commit = 0;
}

static void barrier(struct cf_fs_analyzer *a, const struct cf_record *rec,
		    const char *state_dir)
{
	end_commit(a);
	if (state_dir)
		cf_state_save(state_dir, a->name, a->schema, cf_rec_u64(rec, "chunk"),
			      cf_rec_u64(rec, "commits"), pack_state, a);
}

static void write_result(struct cf_writer *w, struct cf_fs_analyzer *a)
{
	msgpack_packer *pk = cf_writer_begin(w, "result", 1, 3);

	cf_pack_kv_str(pk, "analyzer", a->name);
	cf_pack_kv_u64(pk, "schema", a->schema);
	cf_pack_str(pk, "data");
	a->pack_result(pk, a);
	cf_writer_end(w);
}

int cf_fs_option(struct cf_fs_analyzer *a, int opt, const char *arg)
{
	if (opt == CF_FS_OPT_STATE_DIR) {
		if (!*arg)
			usage_error("--state-dir: empty directory name");
		a->state_dir = arg;
		return 1;
	}
	if (opt == CF_FS_OPT_RESUME) {
		if (!*arg)
			usage_error("--resume: empty file name");
		a->resume = arg;
		return 1;
	}
	if (opt == CF_FS_OPT_SHARD) {
		a->shard = 1;
		return 1;
	}
	return 0;
}

void cf_fs_main(struct cf_fs_analyzer *a)
{
	struct cf_reader r;
	struct cf_record rec;
	struct cf_writer w;
	struct cf_fs_change c;

	cf_buf_init(&a->fs.scratch, 0);
	if (a->resume)
		resume_from(a, a->resume);
	cf_reader_init(&r, 0);
	/* The results of the analyzers before this one only pass through. */
	r.lazy = 1;
	cf_writer_init(&w, 1);
	while (cf_reader_next(&r, &rec)) {
		if (cf_rec_is(&rec, CF_REC_COMMIT)) {
			end_commit(a);
			read_commit(&a->fs, &rec);
			a->commit(a, &rec);
		} else if (cf_rec_is(&rec, CF_REC_CHANGE)) {
			read_change(&a->fs, &rec, &c);
			a->change(a, &c, &rec);
		} else if (cf_rec_is(&rec, CF_REC_BARRIER)) {
			barrier(a, &rec, a->state_dir);
		} else if (cf_rec_is(&rec, CF_REC_STREAM)) {
			read_stream(&a->fs, &rec);
			if (a->record)
				a->record(a, &rec);
		} else if (a->record) {
			a->record(a, &rec);
		}
		cf_writer_raw(&w, rec.raw, rec.raw_len);
	}
	end_commit(a);
	write_result(&w, a);
	cf_writer_release(&w);
	cf_reader_release(&r);
}

void cf_fileset_release(struct cf_fileset *fs)
{
	cf_fs_strtab_release(&fs->paths);
	cf_fs_strtab_release(&fs->people);
	free(fs->files);
	cf_buf_release(&fs->scratch);
	memset(fs, 0, sizeof(*fs));
}
