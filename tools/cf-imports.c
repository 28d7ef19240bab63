/*
 * cf-imports: which modules each developer's changed files import, over
 * time.  For every added, modified or renamed file of a supported language
 * (cf-uastdiff's "syntax" records, new side), every distinct module the new
 * version imports counts once for the commit's author, the file's language
 * and the commit's tick.  Passes every record through and appends one
 * "imports" result (schema 2, cf-imports(1)).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/record.h"
#include "cf/syntax.h"
#include "cf/tally.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-imports [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with syntax records (after cf-uastdiff), passes it through and\n"
"appends an \"imports\" result: per developer, language, imported module and\n"
"tick, how many of the files they changed import the module.\n"
"\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

/* Key: person (4 bytes), tick (8 bytes), lang, NUL, module; v[0] files. */
#define KEY_HEAD 12

struct imports {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t tick;
	struct cf_tally counts;
	struct cf_buf key;
	size_t *seen;			/* entries counted for the current file */
	size_t nr_seen, alloc_seen;
};

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	((struct imports *)a)->tick = cf_rec_u64(rec, "tick");
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	(void)a;
	(void)ch;
	(void)rec;
}

static int seen_before(struct imports *im, size_t k)
{
	for (size_t i = 0; i < im->nr_seen; i++)
		if (im->seen[i] == k)
			return 1;
	CF_ALLOC_GROW(im->seen, im->nr_seen + 1, im->alloc_seen);
	im->seen[im->nr_seen++] = k;
	return 0;
}

static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct imports *im = (struct imports *)a;
	uint32_t who = a->fs.cur_person, n;
	const msgpack_object *list;
	const char *lang;
	size_t llen;

	if (!cf_rec_is(rec, CF_REC_SYNTAX))
		return;
	lang = cf_rec_str(rec, "lang", &llen);
	list = cf_syntax_list(rec, cf_syntax_side(rec, "new"), "imports", &n);
	im->nr_seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t mlen, k;
		const char *m = cf_syntax_str(rec, &list[i], "an import", &mlen);
		cf_buf_reset(&im->key);
		cf_buf_add(&im->key, &who, sizeof(who));
		cf_buf_add(&im->key, &im->tick, sizeof(im->tick));
		cf_buf_add(&im->key, lang, llen);
		cf_buf_addch(&im->key, '\0');
		cf_buf_add(&im->key, m, mlen);
		k = cf_tally_add(&im->counts, im->key.buf, im->key.len);
		if (!seen_before(im, k))
			im->counts.e[k].v[0]++;
	}
}

/* ---- the result ---- */

struct entry {
	uint32_t person;	/* position in the sorted people */
	uint64_t tick;
	const char *lang, *module;
	size_t module_len;
	uint64_t count;
};

static int cmp_entry(const void *x_, const void *y_)
{
	const struct entry *x = x_, *y = y_;
	int c;

	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	if ((c = strcmp(x->lang, y->lang)))
		return c;
	c = memcmp(x->module, y->module, x->module_len < y->module_len ? x->module_len : y->module_len);
	if (c)
		return c;
	if (x->module_len != y->module_len)
		return x->module_len < y->module_len ? -1 : 1;
	return x->tick < y->tick ? -1 : x->tick > y->tick;
}

static struct entry *entries(const struct imports *im, const uint32_t *person_index)
{
	struct entry *v = xcalloc(im->counts.nr ? im->counts.nr : 1, sizeof(*v));

	for (size_t i = 0; i < im->counts.nr; i++) {
		const char *k = cf_tally_key(&im->counts, i);
		uint32_t who;
		memcpy(&who, k, sizeof(who));
		memcpy(&v[i].tick, k + 4, sizeof(v[i].tick));
		v[i].person = person_index[who];
		v[i].lang = k + KEY_HEAD;
		v[i].module = v[i].lang + strlen(v[i].lang) + 1;
		v[i].module_len = im->counts.e[i].len - (v[i].module - k);
		v[i].count = im->counts.e[i].v[0];
	}
	qsort(v, im->counts.nr, sizeof(*v), cmp_entry);
	return v;
}

static int same_module(const struct entry *x, const struct entry *y)
{
	return x->person == y->person && !strcmp(x->lang, y->lang) &&
	       x->module_len == y->module_len && !memcmp(x->module, y->module, x->module_len);
}

/* [{person, lang, module, count, ticks: [[tick, count]...]}], grouped over ticks. */
static void pack_modules(msgpack_packer *pk, const struct entry *v, size_t n)
{
	size_t groups = 0;

	for (size_t i = 0; i < n; i++)
		groups += !i || !same_module(&v[i - 1], &v[i]);
	msgpack_pack_array(pk, groups);
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t total = 0;
		for (j = i; j < n && same_module(&v[i], &v[j]); j++)
			total += v[j].count;
		msgpack_pack_map(pk, 5);
		cf_pack_kv_u64(pk, "count", total);
		cf_pack_kv_str(pk, "lang", v[i].lang);
		cf_pack_str(pk, "module");
		cf_pack_strn(pk, v[i].module, v[i].module_len);
		cf_pack_kv_u64(pk, "person", v[i].person);
		cf_pack_str(pk, "ticks");
		msgpack_pack_array(pk, j - i);
		for (size_t k = i; k < j; k++) {
			msgpack_pack_array(pk, 2);
			cf_pack_u64(pk, v[k].tick);
			cf_pack_u64(pk, v[k].count);
		}
	}
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct imports *im = (struct imports *)a;
	uint32_t *index, *people = cf_fileset_people(&a->fs, &index);
	struct entry *v = entries(im, index);

	msgpack_pack_map(pk, 5);
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_str(pk, "imports");
	pack_modules(pk, v, im->counts.nr);
	cf_pack_str(pk, "people");
	cf_fileset_pack_people(pk, &a->fs, people);
	cf_fs_pack_ticks(pk, &a->fs);
	free(v);
	free(people);
	free(index);
}

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct imports *im = (struct imports *)a;

	msgpack_pack_map(pk, 1);
	cf_pack_str(pk, "counts");
	cf_tally_pack(pk, &im->counts);
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct imports *im = (struct imports *)a;

	cf_tally_load(&im->counts, st, cf_state_get(st, o, "counts", MSGPACK_OBJECT_ARRAY));
	for (size_t i = 0; i < im->counts.nr; i++) {
		const char *k = cf_tally_key(&im->counts, i);
		uint32_t who;
		if (im->counts.e[i].len <= KEY_HEAD ||
		    !memchr(k + KEY_HEAD, '\0', im->counts.e[i].len - KEY_HEAD))
			cf_state_die(st, "counter %zu is not an import", i);
		memcpy(&who, k, sizeof(who));
		if (who >= a->fs.people.nr)
			cf_state_die(st, "counter %zu names no developer", i);
	}
}

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct imports im = { .counts = CF_TALLY_INIT };
	int opt;

	cf_buf_init(&im.key, 0);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			cf_usage_exit(usage);
		if (!cf_fs_option(&im.a, opt, optarg))
			cf_usage_bad(usage);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	im.a.name = "imports";
	im.a.schema = 2;
	im.a.commit = on_commit;
	im.a.change = on_change;
	im.a.record = on_record;
	im.a.pack_state = pack_state;
	im.a.unpack_state = unpack_state;
	im.a.pack_result = pack_result;
	cf_fs_main(&im.a);
	cf_tally_release(&im.counts);
	cf_buf_release(&im.key);
	free(im.seen);
	cf_fileset_release(&im.a.fs);
	return 0;
}
