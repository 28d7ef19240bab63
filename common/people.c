/*
 * The people dictionary; see cf/people.h.  Aliases are kept lowercased in
 * three sorted tables (pairs, emails, names) and found by binary search;
 * among equal keys the earliest line sorts first, so it wins.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/people.h"
#include "cf/usage.h"

struct alias {
	char *key;		/* lowercased; a pair is "name\nemail" */
	size_t person;
};

struct table {
	struct alias *items;
	size_t nr, alloc;
};

struct person {
	char *name, *email;
};

struct cf_people {
	struct person *people;
	size_t nr, alloc;
	struct table pairs, emails, names;
	struct cf_buf key;	/* scratch for lookups */
};

static char *lower_dup(const char *s, size_t len)
{
	char *d = xmemdupz(s, len);

	for (size_t i = 0; i < len; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] += 'a' - 'A';
	return d;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

static void table_add(struct table *t, char *key, size_t person)
{
	CF_ALLOC_GROW(t->items, t->nr + 1, t->alloc);
	t->items[t->nr].key = key;
	t->items[t->nr++].person = person;
}

/* One alias of person p, [s, e) already trimmed; sets the canonical fields. */
static void add_alias(struct cf_people *pp, size_t p, const char *s, const char *e, int first)
{
	struct person *who = &pp->people[p];
	const char *lt = memchr(s, '<', e - s);
	const char *ns = s, *ne = lt ? lt : e;

	trim(&ns, &ne);
	if (lt && e[-1] == '>' && ns < ne) {
		const char *es = lt + 1, *ee = e - 1;
		struct cf_buf key = CF_BUF_INIT;
		char *n, *m;

		trim(&es, &ee);
		n = lower_dup(ns, ne - ns);
		m = lower_dup(es, ee - es);
		cf_buf_addf(&key, "%s\n%s", n, m);
		free(n);
		free(m);
		table_add(&pp->pairs, cf_buf_detach(&key, NULL), p);
		if (first)
			who->name = xmemdupz(ns, ne - ns);
		if (!who->email)
			who->email = xmemdupz(es, ee - es);
		return;
	}
	if (lt && e[-1] == '>') {	/* "<email>" alone */
		s = lt + 1;
		e--;
		trim(&s, &e);
	}
	if (memchr(s, '@', e - s) && !memchr(s, ' ', e - s)) {
		table_add(&pp->emails, lower_dup(s, e - s), p);
		if (!who->email)
			who->email = xmemdupz(s, e - s);
	} else {
		table_add(&pp->names, lower_dup(s, e - s), p);
	}
	if (first)
		who->name = xmemdupz(s, e - s);
}

static void parse_line(struct cf_people *pp, const char *s, const char *e)
{
	size_t p = pp->nr;
	int first = 1;

	trim(&s, &e);
	if (s == e || *s == '#')
		return;
	CF_ALLOC_GROW(pp->people, pp->nr + 1, pp->alloc);
	memset(&pp->people[p], 0, sizeof(pp->people[p]));
	pp->nr++;
	while (s <= e) {
		const char *bar = memchr(s, '|', e - s);
		const char *as = s, *ae = bar ? bar : e;

		trim(&as, &ae);
		if (as < ae) {
			add_alias(pp, p, as, ae, first);
			first = 0;
		}
		if (!bar)
			break;
		s = bar + 1;
	}
	if (first) {		/* only bars */
		pp->nr--;
		return;
	}
	if (!pp->people[p].email)
		pp->people[p].email = xstrdup("");
}

static int alias_cmp(const void *a_, const void *b_)
{
	const struct alias *a = a_, *b = b_;
	int c = strcmp(a->key, b->key);

	return c ? c : a->person < b->person ? -1 : a->person > b->person;
}

static void table_sort(struct table *t)
{
	qsort(t->items, t->nr, sizeof(*t->items), alias_cmp);
}

struct cf_people *cf_people_parse(const char *text, size_t len)
{
	struct cf_people *pp = xcalloc(1, sizeof(*pp));
	const char *end = text + len;

	cf_buf_init(&pp->key, 0);
	while (text < end) {
		const char *eol = memchr(text, '\n', end - text);
		if (!eol)
			eol = end;
		parse_line(pp, text, eol);
		text = eol + 1;
	}
	table_sort(&pp->pairs);
	table_sort(&pp->emails);
	table_sort(&pp->names);
	return pp;
}

struct cf_people *cf_people_load(const char *path)
{
	struct cf_buf b = CF_BUF_INIT;
	struct cf_people *pp;

	if (cf_buf_read_file(&b, path) < 0)
		die_errno("cannot read the people dictionary '%s'", path);
	pp = cf_people_parse(b.buf, b.len);
	cf_buf_release(&b);
	return pp;
}

/* The earliest person whose alias is key, or SIZE_MAX. */
static size_t lookup(const struct table *t, const char *key)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->items[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nr && !strcmp(t->items[lo].key, key) ? t->items[lo].person : SIZE_MAX;
}

static void add_lower(struct cf_buf *b, const char *s)
{
	for (; *s; s++)
		cf_buf_addch(b, *s >= 'A' && *s <= 'Z' ? *s + 'a' - 'A' : *s);
}

void cf_people_resolve(struct cf_people *pp, const char **name, const char **email)
{
	size_t name_end, p;

	cf_buf_reset(&pp->key);
	add_lower(&pp->key, *name);
	name_end = pp->key.len;
	cf_buf_addch(&pp->key, '\n');
	add_lower(&pp->key, *email);
	p = lookup(&pp->pairs, pp->key.buf);
	if (p == SIZE_MAX)
		p = lookup(&pp->emails, pp->key.buf + name_end + 1);
	if (p == SIZE_MAX) {
		cf_buf_setlen(&pp->key, name_end);
		p = lookup(&pp->names, pp->key.buf);
	}
	if (p == SIZE_MAX)
		return;
	*name = pp->people[p].name;
	*email = pp->people[p].email;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->items[i].key);
	free(t->items);
}

void cf_people_free(struct cf_people *pp)
{
	if (!pp)
		return;
	for (size_t i = 0; i < pp->nr; i++) {
		free(pp->people[i].name);
		free(pp->people[i].email);
	}
	free(pp->people);
	table_free(&pp->pairs);
	table_free(&pp->emails);
	table_free(&pp->names);
	cf_buf_release(&pp->key);
	free(pp);
}
