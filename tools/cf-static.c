/*
 * cf-static: the static analyzers over source files, in parallel, one UAST
 * walk per file for all of them (cf/static.h).  Writes "static" records,
 * or the summarised report as JSON, YAML or text.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/buf.h"
#include "cf/child.h"
#include "cf/json.h"
#include "cf/output.h"
#include "cf/plot.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/static.h"
#include "cf/tool.h"
#include "cf/uast.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-static [-a LIST] [-f FORMAT] [-j N] [--max-size SIZE] PATH...\n"
"\n"
"Runs the static analyzers over the source files under each PATH (a file or\n"
"a directory) and writes one \"static\" record per file, or the report.\n"
"\n"
"  -a, --analyzers LIST  complexity,halstead,cohesion,comments,imports or '*'\n"
"                        (default '*')\n"
"  -f, --format FORMAT   records (default), json, yaml, text or plot (HTML)\n"
"  -j, --jobs N          worker threads (default: the number of CPUs)\n"
"  -o, --output FILE     write the report to FILE atomically (not records)\n"
"      --max-size SIZE   skip larger files (default 16MiB)\n"
"      --all-files       do not skip vendored files\n"
"      --partial         analyse files with syntax errors too, marked partial\n"
"  -h, --help            show this help\n";

struct item {
	char *path;		/* to open */
	char *show;		/* as reported */
	int explicit_file;	/* named on the command line */
	/* results */
	const char *lang;
	char *error;		/* skipped, and why */
	char *partial;		/* analysed despite this syntax error (--partial) */
	int ignored;		/* not source code, silently left out */
	struct cf_static_file f;
};

struct job {
	struct item *items;
	size_t nr, alloc;
	atomic_size_t next;
	uint64_t max_size;
	int partial;		/* --partial */
	struct cf_buf paths;	/* the PATH operands, for the plot's title */
	uint64_t bytes;		/* analysed, summed at the end */
};

/* The vendored preset: directories and file names that are not the project's own. */
static const char *const vendored[] = {
	"vendor", "vendors", "node_modules", "third_party", "third-party", "thirdparty",
	"external", "bower_components", "Godeps", ".git", NULL
};

static int is_vendored(const char *rel)
{
	const char *base = strrchr(rel, '/');
	size_t bl;

	for (const char *p = rel; *p;) {
		const char *slash = strchr(p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		if (slash)
			for (int i = 0; vendored[i]; i++)
				if (strlen(vendored[i]) == l && !memcmp(p, vendored[i], l))
					return 1;
		p += l + !!slash;
	}
	base = base ? base + 1 : rel;
	bl = strlen(base);
	return (bl > 7 && !strcmp(base + bl - 7, ".min.js")) ||
		(bl > 8 && !strcmp(base + bl - 8, ".bundle.js"));
}

static void add_item(struct job *j, const char *path, const char *show, int explicit_file)
{
	struct item *it;

	CF_ALLOC_GROW(j->items, j->nr + 1, j->alloc);
	it = &j->items[j->nr++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(path);
	it->show = xstrdup(show);
	it->explicit_file = explicit_file;
}

static void join(struct cf_buf *b, const char *dir, const char *rel)
{
	cf_buf_reset(b);
	if (strcmp(dir, ".")) {
		cf_buf_addstr(b, dir);
		if (b->len && b->buf[b->len - 1] != '/')
			cf_buf_addch(b, '/');
	}
	cf_buf_addstr(b, rel);
}

static int in_work_tree(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (!realpath(dir, path))
		return 0;
	for (;;) {
		size_t l = strlen(path);
		char *slash;
		if (l + 6 < sizeof(path)) {
			strcpy(path + l, "/.git");
			if (!lstat(path, &st))
				return 1;
			path[l] = '\0';
		}
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return 0;
		*slash = '\0';
	}
}

/* git ls-files: tracked and untracked files, minus what .gitignore excludes. */
static void list_git(struct job *j, const char *dir, int all)
{
	const char *argv[] = { "git", "-C", dir, "ls-files", "-z", "--cached", "--others",
			       "--exclude-standard", NULL };
	struct cf_child c = CF_CHILD_INIT;
	struct cf_buf out = CF_BUF_INIT, path = CF_BUF_INIT;
	int fds[2];
	char buf[65536];
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC))
		die_errno("cannot create a pipe");
	c.argv = argv;
	c.out = fds[1];
	if (cf_child_start(&c))
		die_errno("cannot run git");
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0)
			die_errno("cannot read the output of git ls-files");
		cf_buf_add(&out, buf, n);
	}
	close(fds[0]);
	if (cf_child_finish(&c))
		die("git ls-files failed in '%s'", dir);
	for (size_t i = 0; i < out.len;) {
		const char *rel = out.buf + i;
		struct stat st;
		i += strlen(rel) + 1;
		join(&path, dir, rel);
		if ((!all && is_vendored(rel)) || lstat(path.buf, &st) || !S_ISREG(st.st_mode))
			continue;
		add_item(j, path.buf, path.buf, 0);
	}
	cf_buf_release(&out);
	cf_buf_release(&path);
}

/* Outside git: a walk that honours the .gitignore files it meets (simply). */
struct ignores {
	char **pat;
	size_t nr, alloc;
};

static void read_gitignore(struct ignores *ig, const char *dir, const char *rel)
{
	struct cf_buf b = CF_BUF_INIT, p = CF_BUF_INIT;
	char *line, *save;

	join(&p, dir, ".gitignore");
	if (cf_buf_read_file(&b, p.buf) < 0) {
		cf_buf_release(&p);
		return;
	}
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = '\0';
		if (!l || line[0] == '#' || line[0] == '!')
			continue;
		if (line[l - 1] == '/')
			line[--l] = '\0';
		cf_buf_reset(&p);
		/* anchored patterns (with a slash) are relative to their directory */
		if (strchr(line, '/')) {
			cf_buf_addstr(&p, rel);
			if (p.len)
				cf_buf_addch(&p, '/');
			cf_buf_addstr(&p, line[0] == '/' ? line + 1 : line);
		} else {
			cf_buf_addstr(&p, line);
		}
		CF_ALLOC_GROW(ig->pat, ig->nr + 1, ig->alloc);
		ig->pat[ig->nr++] = xstrdup(p.buf);
	}
	cf_buf_release(&b);
	cf_buf_release(&p);
}

static int ignored(const struct ignores *ig, const char *rel, const char *base)
{
	for (size_t i = 0; i < ig->nr; i++) {
		const char *pat = ig->pat[i];
		if (strchr(pat, '/') ? !fnmatch(pat, rel, FNM_PATHNAME) : !fnmatch(pat, base, 0))
			return 1;
	}
	return 0;
}

static void walk_dir(struct job *j, struct ignores *ig, const char *root, const char *rel,
		     int all, int depth)
{
	struct cf_buf dirpath = CF_BUF_INIT, sub = CF_BUF_INIT, full = CF_BUF_INIT;
	size_t keep = ig->nr;
	struct dirent **names;
	int n;

	if (rel[0])
		join(&dirpath, root, rel);
	else
		cf_buf_addstr(&dirpath, root);
	read_gitignore(ig, dirpath.buf, rel);
	n = scandir(dirpath.buf, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *base = names[i]->d_name;
		struct stat st;

		if (!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, ".git"))
			goto next;
		cf_buf_reset(&sub);
		if (rel[0])
			cf_buf_addf(&sub, "%s/", rel);
		cf_buf_addstr(&sub, base);
		join(&full, dirpath.buf, base);
		if (lstat(full.buf, &st) || ignored(ig, sub.buf, base))
			goto next;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			cf_buf_addch(&sub, '/');
			if (all || !is_vendored(sub.buf)) {
				cf_buf_setlen(&sub, sub.len - 1);
				walk_dir(j, ig, root, sub.buf, all, depth + 1);
			}
		} else if (S_ISREG(st.st_mode) && (all || !is_vendored(sub.buf))) {
			add_item(j, full.buf, full.buf, 0);
		}
next:
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	while (ig->nr > keep)
		free(ig->pat[--ig->nr]);
	cf_buf_release(&dirpath);
	cf_buf_release(&sub);
	cf_buf_release(&full);
}

static void collect(struct job *j, const char *path, int all)
{
	struct stat st;

	if (stat(path, &st))
		die_errno("cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		add_item(j, path, path, 1);
	} else if (in_work_tree(path)) {
		list_git(j, path, all);
	} else {
		struct ignores ig = { 0 };
		walk_dir(j, &ig, path, "", all, 0);
		free(ig.pat);
	}
}

/* The workers. */

struct worker {
	struct job *job;
	uint64_t bytes;
};

static void analyse_one(struct item *it, struct cf_uast_parser *p, struct cf_uast *u,
			struct cf_buf *src, struct cf_buf *why, uint64_t max_size, uint64_t *bytes)
{
	struct stat st;

	cf_buf_reset(src);
	cf_buf_reset(why);
	if (stat(it->path, &st)) {
		it->error = xstrdup("cannot stat");
		return;
	}
	if ((uint64_t)st.st_size > max_size) {
		cf_buf_addf(why, "too large (%llu bytes, limit %llu)",
			    (unsigned long long)st.st_size, (unsigned long long)max_size);
		it->lang = cf_uast_lang_detect(it->path, "", 0);
		if (it->lang || it->explicit_file)
			it->error = xstrdup(why->buf);
		else
			it->ignored = 1;
		return;
	}
	if (cf_buf_read_file(src, it->path) < 0) {
		it->error = xstrdup("cannot read");
		return;
	}
	it->lang = cf_uast_lang_detect(it->path, src->buf, src->len);
	if (!it->lang) {
		if (it->explicit_file)
			it->error = xstrdup("unknown language");
		else
			it->ignored = 1;
		return;
	}
	if (cf_uast_parse(p, u, it->lang, src->buf, src->len, max_size, why)) {
		it->error = xstrdup(why->buf);
		return;
	}
	if (why->len)
		it->partial = xstrdup(why->buf);
	cf_static_analyze(u, src->buf, src->len, &it->f);
	*bytes += src->len;
}

static void *work(void *arg)
{
	struct worker *wk = arg;
	struct job *j = wk->job;
	struct cf_uast_parser *p = cf_uast_parser_new();
	struct cf_buf src = CF_BUF_INIT, why = CF_BUF_INIT;
	struct cf_uast u;
	size_t i;

	cf_uast_parser_tolerate(p, j->partial);
	cf_uast_init(&u);
	while ((i = atomic_fetch_add(&j->next, 1)) < j->nr)
		analyse_one(&j->items[i], p, &u, &src, &why, j->max_size, &wk->bytes);
	cf_uast_release(&u);
	cf_uast_parser_free(p);
	cf_buf_release(&src);
	cf_buf_release(&why);
	return NULL;
}

static void run_workers(struct job *j, unsigned n)
{
	pthread_t *t = xcalloc(n, sizeof(*t));
	struct worker *wk = xcalloc(n, sizeof(*wk));

	atomic_init(&j->next, 0);
	for (unsigned i = 0; i < n; i++) {
		int err;
		wk[i].job = j;
		err = pthread_create(&t[i], NULL, work, &wk[i]);
		if (err)
			die("cannot start a worker thread: %s", strerror(err));
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		j->bytes += wk[i].bytes;
	}
	free(t);
	free(wk);
}

/* Output. */

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->show, ((const struct item *)b)->show);
}

static void write_records(const struct job *j, unsigned which)
{
	struct cf_writer w;

	cf_writer_init(&w, 1);
	for (size_t i = 0; i < j->nr; i++) {
		const struct item *it = &j->items[i];
		msgpack_packer *pk;

		if (it->ignored)
			continue;
		if (it->error) {
			pk = cf_writer_begin(&w, "static", 1, 2);
			cf_pack_kv_str(pk, "path", it->show);
			cf_pack_kv_str(pk, "error", it->error);
		} else {
			pk = cf_writer_begin(&w, "static", 1, 1 + !!it->partial);
			cf_pack_str(pk, "file");
			cf_static_pack_file(pk, it->show, &it->f, which);
			if (it->partial)
				cf_pack_kv_str(pk, "partial", it->partial);
		}
		cf_writer_end(&w);
	}
	cf_writer_release(&w);
}

struct dirsum {
	char *dir;
	struct cf_static_sum sum;
};

static int cmp_dirsum(const void *a, const void *b)
{
	return strcmp(((const struct dirsum *)a)->dir, ((const struct dirsum *)b)->dir);
}

/* Every directory of every analysed file, its ancestors and "." included. */
static struct dirsum *directory_sums(const struct job *j, size_t *nr)
{
	struct dirsum *d = NULL, key;
	size_t n = 0, alloc = 0, u = 0;

	for (size_t i = 0; i < j->nr; i++) {
		const struct item *it = &j->items[i];
		char *path;
		if (it->ignored || it->error)
			continue;
		path = xstrdup(it->show);
		for (char *slash; (slash = strrchr(path, '/'));) {
			*slash = '\0';
			CF_ALLOC_GROW(d, n + 1, alloc);
			d[n++] = (struct dirsum){ .dir = xstrdup(path) };
		}
		CF_ALLOC_GROW(d, n + 1, alloc);
		d[n++] = (struct dirsum){ .dir = xstrdup(".") };
		free(path);
	}
	if (n)	/* no file analysed: no array (qsort of NULL is undefined) */
		qsort(d, n, sizeof(*d), cmp_dirsum);
	for (size_t i = 0; i < n; i++) {
		if (u && !strcmp(d[u - 1].dir, d[i].dir))
			free(d[i].dir);
		else
			d[u++] = d[i];
	}
	for (size_t i = 0; i < j->nr; i++) {
		const struct item *it = &j->items[i];
		char *path;
		if (it->ignored || it->error)
			continue;
		path = xstrdup(it->show);
		key.dir = ".";
		cf_static_sum_add(&((struct dirsum *)bsearch(&key, d, u, sizeof(*d), cmp_dirsum))->sum,
				  &it->f);
		for (char *slash; (slash = strrchr(path, '/'));) {
			*slash = '\0';
			key.dir = path;
			cf_static_sum_add(&((struct dirsum *)bsearch(&key, d, u, sizeof(*d),
								      cmp_dirsum))->sum, &it->f);
		}
		free(path);
	}
	*nr = u;
	return d;
}

/* With --partial, the files analysed despite a syntax error. */
static void pack_partial(msgpack_packer *pk, const struct job *j)
{
	size_t nr = 0;

	for (size_t i = 0; i < j->nr; i++)
		nr += j->items[i].partial != NULL;
	cf_pack_str(pk, "partial");
	msgpack_pack_array(pk, nr);
	for (size_t i = 0; i < j->nr; i++) {
		if (!j->items[i].partial)
			continue;
		msgpack_pack_map(pk, 2);
		cf_pack_kv_str(pk, "path", j->items[i].show);
		cf_pack_kv_str(pk, "reason", j->items[i].partial);
	}
}

static void pack_report(msgpack_packer *pk, const struct job *j, unsigned which)
{
	struct cf_static_sum all = { 0 };
	struct dirsum *dirs;
	size_t nr_dirs, files = 0, skipped = 0, bits = 0;

	for (size_t i = 0; i < j->nr; i++) {
		if (j->items[i].ignored)
			continue;
		if (j->items[i].error) {
			skipped++;
			continue;
		}
		files++;
		cf_static_sum_add(&all, &j->items[i].f);
	}
	for (unsigned b = 0; b < 5; b++)
		bits += !!(which & (1u << b));
	dirs = directory_sums(j, &nr_dirs);
	msgpack_pack_map(pk, 7 + j->partial);
	cf_pack_kv_str(pk, "schema", "static");
	cf_pack_kv_u64(pk, "version", 1);
	cf_pack_str(pk, "analyzers");
	msgpack_pack_array(pk, bits);
	for (unsigned b = 0; b < 5; b++)
		if (which & (1u << b))
			cf_pack_str(pk, cf_static_analyzer_name(b));
	cf_pack_str(pk, "overall");
	all.skipped = skipped;
	cf_static_sum_pack(pk, &all, which, 1);
	cf_pack_str(pk, "directories");
	msgpack_pack_map(pk, nr_dirs);
	for (size_t i = 0; i < nr_dirs; i++) {
		cf_pack_str(pk, dirs[i].dir);
		cf_static_sum_pack(pk, &dirs[i].sum, which, 0);
		cf_static_sum_release(&dirs[i].sum);
		free(dirs[i].dir);
	}
	free(dirs);
	cf_pack_str(pk, "files");
	msgpack_pack_array(pk, files);
	for (size_t i = 0; i < j->nr; i++)
		if (!j->items[i].ignored && !j->items[i].error)
			cf_static_pack_file(pk, j->items[i].show, &j->items[i].f, which);
	cf_pack_str(pk, "skipped");
	msgpack_pack_array(pk, skipped);
	for (size_t i = 0; i < j->nr; i++) {
		if (j->items[i].ignored || !j->items[i].error)
			continue;
		msgpack_pack_map(pk, 2);
		cf_pack_kv_str(pk, "path", j->items[i].show);
		cf_pack_kv_str(pk, "reason", j->items[i].error);
	}
	if (j->partial)
		pack_partial(pk, j);
	cf_static_sum_release(&all);
}

static void text_file(struct cf_buf *out, const struct item *it, unsigned which)
{
	const struct cf_static_file *f = &it->f;

	cf_buf_addf(out, "%s (%s, %u lines)\n", it->show, f->lang, f->lines);
	for (size_t i = 0; i < f->nr_funcs; i++) {
		const struct cf_static_func *fn = &f->funcs[i];
		struct cf_halstead_derived d;
		cf_halstead_derive(&fn->h, &d);
		cf_buf_addf(out, "  %-32s %5u", fn->name, fn->line);
		if (which & CF_STATIC_COMPLEXITY)
			cf_buf_addf(out, "  cyclomatic %u cognitive %u nesting %u",
				    fn->cyclomatic, fn->cognitive, fn->nesting);
		if (which & CF_STATIC_HALSTEAD)
			cf_buf_addf(out, "  volume %.1f", d.volume);
		if (which & CF_STATIC_COMMENTS)
			cf_buf_addstr(out, fn->documented ? "  documented" : "");
		cf_buf_addch(out, '\n');
	}
	if (which & CF_STATIC_COHESION)
		for (size_t i = 0; i < f->nr_classes; i++)
			cf_buf_addf(out, "  class %-26s %5u  methods %u lcom4 %u\n", f->classes[i].name,
				    f->classes[i].line, f->classes[i].methods, f->classes[i].lcom4);
	if (which & CF_STATIC_COMMENTS)
		cf_buf_addf(out, "  comment lines %u of %u\n", f->comment_lines, f->code_lines);
	if (which & CF_STATIC_IMPORTS)
		for (size_t i = 0; i < f->nr_imports; i++)
			cf_buf_addf(out, "  import %s\n", f->imports[i]);
}

static void write_text(struct cf_buf *out_, const struct job *j, unsigned which,
		       const msgpack_object *overall)
{
	struct cf_buf out = CF_BUF_INIT;

	for (size_t i = 0; i < j->nr; i++) {
		const struct item *it = &j->items[i];
		if (it->ignored)
			continue;
		if (it->error)
			cf_buf_addf(&out, "%s: skipped: %s\n", it->show, it->error);
		else if (it->partial)
			cf_buf_addf(&out, "%s: partial: %s\n", it->show, it->partial);
		if (!it->error)
			text_file(&out, it, which);
	}
	cf_buf_addstr(&out, "overall:\n");
	cf_yaml_obj(&out, overall, 1);
	cf_buf_add(out_, out.buf, out.len);
	cf_buf_release(&out);
}

static void write_report(const struct job *j, unsigned which, const char *format,
			 const char *output)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked res;
	struct cf_buf out = CF_BUF_INIT;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!strcmp(format, "plot")) {
		/* the page of cf/plot.h: a header, then the report as an analyzer's */
		msgpack_pack_map(&pk, 2);
		cf_pack_str(&pk, "codefang");
		msgpack_pack_map(&pk, 1);
		cf_pack_kv_str(&pk, "paths", j->paths.buf);
		cf_pack_str(&pk, "static");
	}
	pack_report(&pk, j, which);
	msgpack_unpacked_init(&res);
	if (msgpack_unpack_next(&res, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
		BUG("cannot read back the report");
	if (!strcmp(format, "json")) {
		cf_json_obj(&out, &res.data, CF_JSON_PRETTY);
		cf_buf_addch(&out, '\n');
	} else if (!strcmp(format, "yaml")) {
		cf_yaml_obj(&out, &res.data, 0);
	} else if (!strcmp(format, "plot")) {
		cf_plot_html(&out, &res.data);
	} else {
		write_text(&out, j, which, cf_obj_get(&res.data, "overall"));
	}
	cf_output_document(output, out.buf, out.len);
	cf_buf_release(&out);
	msgpack_unpacked_destroy(&res);
	msgpack_sbuffer_destroy(&sb);
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : n;
}

int cmd_main(int argc, char **argv)
{
	enum { OPT_MAX_SIZE = 256, OPT_ALL_FILES, OPT_PARTIAL };
	static const struct option longopts[] = {
		{ "analyzers", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "all-files", no_argument, NULL, OPT_ALL_FILES },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job j = { 0 };
	unsigned which = CF_STATIC_ALL, jobs = default_jobs();
	const char *format = "records", *bad, *output = NULL;
	int c, all = 0;

	j.max_size = CF_UAST_DEFAULT_MAX_SIZE;
	while ((c = getopt_long(argc, argv, "a:f:j:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (cf_static_parse_list(optarg, &which, &bad) || !which)
				usage_error("unknown analyzer '%s' (known: complexity, halstead, "
					    "cohesion, comments, imports, *)", which ? bad : optarg);
			break;
		case 'f':
			if (strcmp(optarg, "records") && strcmp(optarg, "json") &&
			    strcmp(optarg, "yaml") && strcmp(optarg, "text") &&
			    strcmp(optarg, "plot"))
				usage_error("unknown format '%s' (known: records, json, yaml, text, "
					    "plot)", optarg);
			format = optarg;
			break;
		case 'j':
			jobs = cf_opt_uint("--jobs", optarg, 1, 256);
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_MAX_SIZE:
			j.max_size = cf_opt_size("--max-size", optarg);
			break;
		case OPT_ALL_FILES:
			all = 1;
			break;
		case OPT_PARTIAL:
			j.partial = 1;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (optind == argc)
		usage_error("no PATH given");
	if (output && !strcmp(format, "records"))
		usage_error("-o: records go to standard output (-o is for json, yaml, text, plot)");
	cf_buf_init(&j.paths, 0);
	for (int i = optind; i < argc; i++) {
		collect(&j, argv[i], all);
		cf_buf_addf(&j.paths, "%s%s", i > optind ? " " : "", argv[i]);
	}
	if (j.nr)
		qsort(j.items, j.nr, sizeof(*j.items), cmp_item);
	run_workers(&j, jobs < j.nr ? jobs : j.nr ? j.nr : 1);
	for (size_t i = 0; i < j.nr; i++)
		if (j.items[i].error)
			warning("skipping '%s': %s", j.items[i].show, j.items[i].error);
		else if (j.items[i].partial)
			warning("'%s': analysed despite a %s", j.items[i].show, j.items[i].partial);
	if (!strcmp(format, "records"))
		write_records(&j, which);
	else
		write_report(&j, which, format, output);
	for (size_t i = 0; i < j.nr; i++) {
		cf_static_file_release(&j.items[i].f);
		free(j.items[i].path);
		free(j.items[i].show);
		free(j.items[i].error);
		free(j.items[i].partial);
	}
	free(j.items);
	cf_buf_release(&j.paths);
	return 0;
}
