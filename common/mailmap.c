/*
 * The mailmap: entries keyed by the commit's email, each with a default
 * replacement and replacements for particular commit names.  Entries are
 * kept sorted (case-insensitively) so that a lookup is a binary search.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/mailmap.h"
#include "cf/usage.h"

struct replacement {
	char *name;		/* NULL: keep the commit's */
	char *email;
};

struct by_name {
	char *old_name;
	struct replacement to;
};

struct entry {
	char *old_email;
	struct replacement to;	/* for names without their own entry */
	struct by_name *names;	/* sorted by old_name */
	size_t nr_names, alloc_names;
};

struct cf_mailmap {
	struct entry *entries;	/* sorted by old_email */
	size_t nr, alloc;
};

struct cf_mailmap *cf_mailmap_new(void)
{
	return xcalloc(1, sizeof(struct cf_mailmap));
}

/* Index of key in a sorted array of structs whose first member is a char *. */
static size_t find(const void *base, size_t nr, size_t size, const char *key, int *found)
{
	size_t lo = 0, hi = nr;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)base + mid * size);
		int c = strcasecmp(key, k);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void replace(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

/*
 * The element of a sorted array (of structs whose first member is their
 * char * key) for key, inserted zeroed with a copy of key if it is new;
 * the caller has made room for one more.
 */
static void *find_or_insert(void *base, size_t *nr, size_t size, const char *key)
{
	int found;
	size_t i = find(base, *nr, size, key, &found);
	char *p = (char *)base + i * size;
	char *copy;

	if (!found) {
		memmove(p + size, p, (*nr - i) * size);
		memset(p, 0, size);
		copy = xstrdup(key);
		memcpy(p, &copy, sizeof(copy));
		(*nr)++;
	}
	return p;
}

static void add_mapping(struct cf_mailmap *mm, const char *new_name, const char *new_email,
			const char *old_name, const char *old_email)
{
	struct entry *e;
	struct by_name *b;

	if (!old_email) {
		/* "Name <email>": the email is the commit's, only the name changes */
		old_email = new_email;
		new_email = NULL;
	}
	CF_ALLOC_GROW(mm->entries, mm->nr + 1, mm->alloc);
	e = find_or_insert(mm->entries, &mm->nr, sizeof(*mm->entries), old_email);
	if (!old_name) {
		if (new_name)
			replace(&e->to.name, new_name);
		if (new_email)
			replace(&e->to.email, new_email);
		return;
	}
	CF_ALLOC_GROW(e->names, e->nr_names + 1, e->alloc_names);
	b = find_or_insert(e->names, &e->nr_names, sizeof(*e->names), old_name);
	/* a later line replaces both halves, as in git */
	replace(&b->to.name, new_name);
	replace(&b->to.email, new_email);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Parses "Name <email>" at s (cut in place); *name is NULL when empty.
 * Returns what follows the '>', or NULL when there is no pair.
 */
static char *parse_pair(char *s, char **name, char **email, int allow_empty_email)
{
	char *left = strchr(s, '<'), *right, *end;

	if (!left || !(right = strchr(left + 1, '>')))
		return NULL;
	if (!allow_empty_email && right == left + 1)
		return NULL;
	while (s < left && is_space(*s))
		s++;
	end = left;
	while (end > s && is_space(end[-1]))
		end--;
	*name = end > s ? s : NULL;
	*end = '\0';
	*email = left + 1;
	*right = '\0';
	return right + 1;
}

static void add_line(struct cf_mailmap *mm, char *line)
{
	char *name1, *email1, *name2 = NULL, *email2 = NULL, *rest;

	if (line[0] == '#')
		return;
	rest = parse_pair(line, &name1, &email1, 0);
	if (!rest)
		return;
	if (!parse_pair(rest, &name2, &email2, 1))
		name2 = email2 = NULL;
	add_mapping(mm, name1, email1, name2, email2);
}

void cf_mailmap_add(struct cf_mailmap *mm, const char *text, size_t len)
{
	char *copy = xmemdupz(text, len);

	for (char *line = copy; line < copy + len; ) {
		char *eol = memchr(line, '\n', copy + len - line);
		if (!eol)
			eol = copy + len;
		*eol = '\0';
		add_line(mm, line);
		line = eol + 1;
	}
	free(copy);
}

void cf_mailmap_resolve(const struct cf_mailmap *mm, const char **name, const char **email)
{
	const struct replacement *to;
	const struct entry *e;
	size_t i;
	int found;

	i = find(mm->entries, mm->nr, sizeof(*mm->entries), *email, &found);
	if (!found)
		return;
	e = &mm->entries[i];
	to = &e->to;
	if (e->nr_names) {
		i = find(e->names, e->nr_names, sizeof(*e->names), *name, &found);
		if (found)
			to = &e->names[i].to;
	}
	if (to->email)
		*email = to->email;
	if (to->name)
		*name = to->name;
}

void cf_mailmap_free(struct cf_mailmap *mm)
{
	if (!mm)
		return;
	for (size_t i = 0; i < mm->nr; i++) {
		struct entry *e = &mm->entries[i];
		for (size_t k = 0; k < e->nr_names; k++) {
			free(e->names[k].old_name);
			free(e->names[k].to.name);
			free(e->names[k].to.email);
		}
		free(e->names);
		free(e->old_email);
		free(e->to.name);
		free(e->to.email);
	}
	free(mm->entries);
	free(mm);
}

/* ---- sources ---- */

static void add_file(struct cf_mailmap *mm, const char *path, int nofollow)
{
	struct cf_buf text = CF_BUF_INIT;
	int fd = open(path, O_RDONLY | (nofollow ? O_NOFOLLOW : 0));

	if (fd < 0) {
		if (errno != ENOENT)
			warning("cannot open mailmap '%s': %s", path, strerror(errno));
		return;
	}
	close(fd);
	if (cf_buf_read_file(&text, path) < 0)
		warning("cannot read mailmap '%s': %s", path, strerror(errno));
	else
		cf_mailmap_add(mm, text.buf, text.len);
	cf_buf_release(&text);
}

static void add_blob(struct cf_mailmap *mm, git_repository *repo, const char *spec)
{
	git_object *obj;

	if (git_revparse_single(&obj, repo, spec) < 0)
		return;
	if (git_object_type(obj) != GIT_OBJECT_BLOB)
		warning("mailmap '%s' is not a blob", spec);
	else
		cf_mailmap_add(mm, git_blob_rawcontent((git_blob *)obj),
			       (size_t)git_blob_rawsize((git_blob *)obj));
	git_object_free(obj);
}

static void add_configured_file(struct cf_mailmap *mm, git_repository *repo, git_config *cfg)
{
	git_buf path = GIT_BUF_INIT;
	struct cf_buf full = CF_BUF_INIT;
	const char *base;

	if (git_config_get_path(&path, cfg, "mailmap.file") < 0)
		return;
	if (path.ptr[0] != '/') {
		base = git_repository_workdir(repo);
		cf_buf_addstr(&full, base ? base : git_repository_path(repo));
	}
	cf_buf_addstr(&full, path.ptr);
	add_file(mm, full.buf, 0);
	cf_buf_release(&full);
	git_buf_dispose(&path);
}

struct cf_mailmap *cf_mailmap_load(git_repository *repo)
{
	struct cf_mailmap *mm = cf_mailmap_new();
	git_config *cfg = NULL;
	git_buf blob = GIT_BUF_INIT;
	const char *workdir = git_repository_workdir(repo);

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		cfg = NULL;
	if (workdir && !git_repository_is_bare(repo)) {
		struct cf_buf path = CF_BUF_INIT;
		cf_buf_addf(&path, "%s.mailmap", workdir);
		add_file(mm, path.buf, 1);
		cf_buf_release(&path);
	}
	if (cfg && !git_config_get_string_buf(&blob, cfg, "mailmap.blob"))
		add_blob(mm, repo, blob.ptr);
	else if (git_repository_is_bare(repo))
		add_blob(mm, repo, "HEAD:.mailmap");
	if (cfg)
		add_configured_file(mm, repo, cfg);
	git_buf_dispose(&blob);
	git_config_free(cfg);
	return mm;
}
