/*
 * Path scope: globs, the vendored preset, languages; see cf/scope.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cf/alloc.h"
#include "cf/lang.h"
#include "cf/record.h"
#include "cf/scope.h"
#include "cf/writer.h"

/*
 * The preset of --skip-vendored.  Directories at any depth, then base
 * names; kept as globs so that the man page and the code say the same.
 */
static const char *const vendored_globs[] = {
	"**/vendor/**",
	"**/node_modules/**",
	"**/third_party/**",
	"**/*.min.js",
	"**/*.min.css",
	"**/package-lock.json",
	"**/yarn.lock",
	"**/Cargo.lock",
	"**/Gemfile.lock",
	"**/go.sum",
	"**/composer.lock",
	"**/poetry.lock",
	"**/pnpm-lock.yaml",
	"**/*.pb.go",
	"**/*_generated.*",
	"**/*.generated.*",
	NULL,
};

void cf_scope_init(struct cf_scope *s)
{
	memset(s, 0, sizeof(*s));
}

void cf_scope_release(struct cf_scope *s)
{
	for (size_t i = 0; i < s->nr_include; i++)
		free(s->include[i]);
	for (size_t i = 0; i < s->nr_exclude; i++)
		free(s->exclude[i]);
	free(s->include);
	free(s->exclude);
	free(s->languages);
	memset(s, 0, sizeof(*s));
}

void cf_scope_include(struct cf_scope *s, const char *glob)
{
	CF_ALLOC_GROW(s->include, s->nr_include + 1, s->alloc_include);
	s->include[s->nr_include++] = xstrdup(glob);
}

void cf_scope_exclude(struct cf_scope *s, const char *glob)
{
	CF_ALLOC_GROW(s->exclude, s->nr_exclude + 1, s->alloc_exclude);
	s->exclude[s->nr_exclude++] = xstrdup(glob);
}

int cf_scope_languages(struct cf_scope *s, char *list, const char **bad)
{
	char *save = NULL;

	if (!s->languages)
		s->languages = xcalloc(cf_lang_count(), 1);
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		unsigned id;

		for (id = 0; id < cf_lang_count(); id++)
			if (!strcasecmp(cf_lang_name(id), name))
				break;
		if (id == cf_lang_count()) {
			*bad = name;
			return -1;
		}
		s->languages[id] = 1;
	}
	return 0;
}

int cf_scope_active(const struct cf_scope *s)
{
	return s->nr_include || s->nr_exclude || s->vendored || s->languages;
}

/* ---- globs ---- */

/* A class at p ("[...]"); *end receives the byte after it, NULL if unclosed. */
static int class_match(const char *p, const char *pe, unsigned char c, const char **end)
{
	int negate = 0, hit = 0;
	const char *q = p + 1;

	if (q < pe && (*q == '!' || *q == '^')) {
		negate = 1;
		q++;
	}
	for (int first = 1; q < pe && (first || *q != ']'); first = 0) {
		unsigned char lo = (unsigned char)*q, hi;
		if (lo == '\\' && q + 1 < pe)
			lo = (unsigned char)*++q;
		q++;
		hi = lo;
		if (q + 1 < pe && *q == '-' && q[1] != ']') {
			q++;
			if (*q == '\\' && q + 1 < pe)
				q++;
			hi = (unsigned char)*q++;
		}
		if (lo <= c && c <= hi)
			hit = 1;
	}
	if (q >= pe) {
		*end = NULL;
		return 0;
	}
	*end = q + 1;
	return hit != negate;
}

static int is_dstar(const char *p0, const char *p, const char *pe)
{
	return p + 1 < pe && p[1] == '*' && (p == p0 || p[-1] == '/') &&
	       (p + 2 == pe || p[2] == '/');
}

static int glob_at(const char *p0, const char *p, const char *pe, const char *s, const char *se);

/* "**" + "/rest": rest at s or after any '/' of s. */
static int match_dirs(const char *p0, const char *rest, const char *pe,
		      const char *s, const char *se)
{
	for (const char *t = s;;) {
		if (glob_at(p0, rest, pe, t, se))
			return 1;
		t = memchr(t, '/', se - t);
		if (!t)
			return 0;
		t++;
	}
}

/* "*": any run of bytes without '/'. */
static int match_star(const char *p0, const char *rest, const char *pe,
		      const char *s, const char *se)
{
	for (const char *t = s;; t++) {
		if (glob_at(p0, rest, pe, t, se))
			return 1;
		if (t == se || *t == '/')
			return 0;
	}
}

static int glob_at(const char *p0, const char *p, const char *pe, const char *s, const char *se)
{
	const char *end;

	for (; p < pe; p++, s++) {
		switch (*p) {
		case '*':
			if (is_dstar(p0, p, pe))
				return p + 2 == pe ? 1 : match_dirs(p0, p + 3, pe, s, se);
			while (p + 1 < pe && p[1] == '*')
				p++;
			return match_star(p0, p + 1, pe, s, se);
		case '?':
			if (s == se || *s == '/')
				return 0;
			break;
		case '[':
			if (s < se && *s != '/') {
				int hit = class_match(p, pe, (unsigned char)*s, &end);
				if (end) {
					if (!hit)
						return 0;
					p = end - 1;
					break;
				}
			}
			if (s == se || *s != '[')
				return 0;
			break;
		case '\\':
			if (p + 1 < pe)
				p++;
			/* fall through */
		default:
			if (s == se || *s != *p)
				return 0;
		}
	}
	return s == se;
}

int cf_glob_match(const char *glob, const char *path, size_t len)
{
	const char *pe = glob + strlen(glob), *se = path + len;

	if (glob_at(glob, glob, pe, path, se))
		return 1;
	/* a match of leading whole components covers what is under them */
	for (const char *t = path; (t = memchr(t, '/', se - t)); t++)
		if (glob_at(glob, glob, pe, path, t))
			return 1;
	return 0;
}

/* ---- verdicts ---- */

static int any_glob(char *const *globs, size_t nr, const char *path, size_t len)
{
	for (size_t i = 0; i < nr; i++)
		if (cf_glob_match(globs[i], path, len))
			return 1;
	return 0;
}

int cf_path_vendored(const char *path, size_t len)
{
	for (int i = 0; vendored_globs[i]; i++)
		if (cf_glob_match(vendored_globs[i], path, len))
			return 1;
	return 0;
}

static int excluded(const struct cf_scope *s, const char *path, size_t len,
		    const char *old, size_t old_len)
{
	if (s->nr_include && !any_glob(s->include, s->nr_include, path, len) &&
	    !(old && any_glob(s->include, s->nr_include, old, old_len)))
		return 1;
	return any_glob(s->exclude, s->nr_exclude, path, len) ||
	       (old && any_glob(s->exclude, s->nr_exclude, old, old_len));
}

enum cf_scope_verdict cf_scope_check(const struct cf_scope *s,
				     const char *path, size_t len,
				     const char *old, size_t old_len)
{
	if (excluded(s, path, len, old, old_len))
		return CF_SCOPE_EXCLUDED;
	if (s->vendored && (cf_path_vendored(path, len) ||
			    (old && cf_path_vendored(old, old_len))))
		return CF_SCOPE_VENDORED;
	if (s->languages && !s->languages[cf_lang_id(path, len)] &&
	    !(old && s->languages[cf_lang_id(old, old_len)]))
		return CF_SCOPE_LANGUAGE;
	return CF_SCOPE_KEEP;
}

/* ---- sums of scope records ---- */

struct cf_scope_sum {
	char *group, *name;
	uint64_t n;
};

static int sum_cmp(const struct cf_scope_sum *a, const char *group, const char *name)
{
	int c = strcmp(a->group, group);
	return c ? c : strcmp(a->name, name);
}

static void sum_add(struct cf_scope_sums *s, const struct cf_record *rec,
		    const msgpack_object_str *group, const msgpack_object_str *name, uint64_t n)
{
	char *g = xmemdupz(group->ptr, group->size), *k = xmemdupz(name->ptr, name->size);
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sum_cmp(&s->items[mid], g, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nr && !sum_cmp(&s->items[lo], g, k)) {
		free(g);
		free(k);
		if (s->items[lo].n > UINT64_MAX - n)
			cf_rec_die(rec, "'scope' counts overflow");
		s->items[lo].n += n;
		return;
	}
	CF_ALLOC_GROW(s->items, s->nr + 1, s->alloc);
	memmove(&s->items[lo + 1], &s->items[lo], (s->nr - lo) * sizeof(*s->items));
	s->items[lo].group = g;
	s->items[lo].name = k;
	s->items[lo].n = n;
	s->nr++;
}

static int is_key(const msgpack_object *k, const char *s)
{
	return k->via.str.size == strlen(s) && !memcmp(k->via.str.ptr, s, k->via.str.size);
}

void cf_scope_sums_add(struct cf_scope_sums *s, const struct cf_record *rec)
{
	const msgpack_object_map *m = &cf_rec_map(rec)->via.map;

	s->seen = 1;
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;

		if (k->type != MSGPACK_OBJECT_STR)
			cf_rec_die(rec, "'scope': keys must be strings");
		if (is_key(k, "t") || is_key(k, "v"))
			continue;
		if (v->type != MSGPACK_OBJECT_MAP)
			cf_rec_die(rec, "'scope': '%.*s' must be a map of counts",
				   (int)k->via.str.size, k->via.str.ptr);
		for (uint32_t j = 0; j < v->via.map.size; j++) {
			const msgpack_object *k2 = &v->via.map.ptr[j].key;
			const msgpack_object *v2 = &v->via.map.ptr[j].val;
			if (k2->type != MSGPACK_OBJECT_STR || v2->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
				cf_rec_die(rec, "'scope': '%.*s' must be a map of counts",
					   (int)k->via.str.size, k->via.str.ptr);
			sum_add(s, rec, &k->via.str, &k2->via.str, v2->via.u64);
		}
	}
}

void cf_scope_sums_pack(const struct cf_scope_sums *s, msgpack_packer *pk, int record)
{
	uint32_t groups = 0;

	for (size_t i = 0; i < s->nr; i++)
		groups += !i || strcmp(s->items[i - 1].group, s->items[i].group);
	msgpack_pack_map(pk, groups + 2 * !!record);
	if (record) {
		cf_pack_kv_str(pk, "t", CF_REC_SCOPE);
		cf_pack_kv_u64(pk, "v", 1);
	}
	for (size_t i = 0; i < s->nr; ) {
		size_t j = i;
		while (j < s->nr && !strcmp(s->items[j].group, s->items[i].group))
			j++;
		cf_pack_str(pk, s->items[i].group);
		msgpack_pack_map(pk, j - i);
		for (; i < j; i++)
			cf_pack_kv_u64(pk, s->items[i].name, s->items[i].n);
	}
}

void cf_scope_sums_release(struct cf_scope_sums *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		free(s->items[i].group);
		free(s->items[i].name);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}
