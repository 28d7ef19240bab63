#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cf/alloc.h"
#include "cf/checkpoint.h"
#include "cf/json.h"

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void cf_checkpoint_init(struct cf_checkpoint *cp, const char *base, const char *repo)
{
	memset(cp, 0, sizeof(*cp));
	cf_buf_init(&cp->dir, 0);
	cf_buf_addf(&cp->dir, "%s/%016" PRIx64, base, fnv1a(repo));
}

void cf_checkpoint_release(struct cf_checkpoint *cp)
{
	cf_buf_release(&cp->dir);
	free(cp->repo);
	free(cp->head);
	free(cp->analyzers);
	free(cp->options);
	free(cp->last);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char *p = xstrdup(path);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			ret = -1;
			break;
		}
		if (!(*s = c))
			break;
	}
	free(p);
	return ret;
}

void cf_checkpoint_analyzer_dir(const struct cf_checkpoint *cp, int i, struct cf_buf *out)
{
	cf_buf_addf(out, "%s/analyzer_%d", cp->dir.buf, i);
}

void cf_checkpoint_state_path(const struct cf_checkpoint *cp, int i, uint64_t chunk,
			      struct cf_buf *out)
{
	cf_buf_addf(out, "%s/analyzer_%d/chunk-%" PRIu64 ".state", cp->dir.buf, i, chunk);
}

int cf_checkpoint_prepare(const struct cf_checkpoint *cp, int nr_analyzers, struct cf_buf *what)
{
	int fd;

	cf_buf_reset(what);
	cf_buf_addstr(what, cp->dir.buf);
	if (make_dirs(cp->dir.buf) < 0)
		return -1;
	for (int i = 0; i < nr_analyzers; i++) {
		cf_buf_reset(what);
		cf_checkpoint_analyzer_dir(cp, i, what);
		if (mkdir(what->buf, 0777) < 0 && errno != EEXIST)
			return -1;
	}
	cf_buf_reset(what);
	cf_buf_addstr(what, cp->dir.buf);
	/* A directory can exist and still refuse files (read-only mounts, permissions). */
	fd = open(cp->dir.buf, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EOPNOTSUPP) {
		struct cf_buf probe = CF_BUF_INIT;
		cf_buf_addf(&probe, "%s/probe-XXXXXX", cp->dir.buf);
		fd = mkostemp(probe.buf, O_CLOEXEC);
		if (fd >= 0)
			unlink(probe.buf);
		cf_buf_release(&probe);
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void add_str(struct cf_buf *b, const char *key, const char *v, int last)
{
	cf_buf_addf(b, "  \"%s\": ", key);
	cf_json_str(b, v, strlen(v));
	cf_buf_addstr(b, last ? "\n" : ",\n");
}

static void add_num(struct cf_buf *b, const char *key, int64_t v)
{
	cf_buf_addf(b, "  \"%s\": %" PRId64 ",\n", key, v);
}

static void render(const struct cf_checkpoint *cp, struct cf_buf *b)
{
	cf_buf_addstr(b, "{\n");
	add_num(b, "format", CF_CHECKPOINT_FORMAT);
	add_str(b, "repository", cp->repo, 0);
	add_str(b, "head", cp->head, 0);
	add_str(b, "analyzers", cp->analyzers, 0);
	add_str(b, "options", cp->options, 0);
	add_num(b, "commits_total", (int64_t)cp->total);
	add_num(b, "chunk_size", (int64_t)cp->chunk_size);
	add_num(b, "chunk", (int64_t)cp->chunk);
	add_num(b, "commits_done", (int64_t)cp->done);
	add_str(b, "last_commit", cp->last, 0);
	add_num(b, "created", cp->created);
	cf_buf_addf(b, "  \"updated\": %lld\n}\n", (long long)time(NULL));
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int cf_checkpoint_write(const struct cf_checkpoint *cp)
{
	struct cf_buf text = CF_BUF_INIT, tmp = CF_BUF_INIT, path = CF_BUF_INIT;
	int fd, ret = -1, err = 0;

	render(cp, &text);
	cf_buf_addf(&path, "%s/checkpoint.json", cp->dir.buf);
	cf_buf_addf(&tmp, "%s.tmp-XXXXXX", path.buf);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd >= 0) {
		if (write_all(fd, text.buf, text.len) < 0 || fsync(fd) < 0)
			err = errno;
		if (close(fd) < 0 && !err)
			err = errno;
		if (!err && rename(tmp.buf, path.buf) < 0)
			err = errno;
		if (err)
			unlink(tmp.buf);
		else
			ret = 0;
	} else {
		err = errno;
	}
	if (!ret) {
		fd = open(cp->dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	cf_buf_release(&text);
	cf_buf_release(&tmp);
	cf_buf_release(&path);
	errno = err;
	return ret;
}

/*
 * The value of "key" in the file as written by render(): one key per line.
 * Strings stay JSON-encoded (they are compared, never shown decoded).
 */
static const char *find_value(const char *text, const char *key, size_t *len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n  \"%s\": ", key);
	p = strstr(text, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	*len = strcspn(p, "\n");
	if (*len && p[*len - 1] == ',')
		(*len)--;
	return p;
}

static int get_str(const char *text, const char *key, char **out)
{
	size_t len;
	const char *v = find_value(text, key, &len);

	if (!v || len < 2 || v[0] != '"' || v[len - 1] != '"')
		return -1;
	*out = xmemdupz(v, len);
	return 0;
}

static int get_num(const char *text, const char *key, int64_t *out)
{
	size_t len;
	const char *v = find_value(text, key, &len);
	char *end;

	if (!v || !len)
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno || end != v + len ? -1 : 0;
}

int cf_checkpoint_read(struct cf_checkpoint *saved, struct cf_buf *why)
{
	struct cf_buf path = CF_BUF_INIT, text = CF_BUF_INIT;
	int64_t format = 0, total, size, chunk, done;
	int ret = -1;

	cf_buf_addf(&path, "%s/checkpoint.json", saved->dir.buf);
	if (cf_buf_read_file(&text, path.buf) < 0) {
		if (errno == ENOENT)
			ret = 1;
		else
			cf_buf_addf(why, "cannot read '%s': %s", path.buf, strerror(errno));
	} else if (get_num(text.buf, "format", &format) || format != CF_CHECKPOINT_FORMAT) {
		cf_buf_addf(why, "'%s' is not a checkpoint of format %d", path.buf,
			    CF_CHECKPOINT_FORMAT);
	} else if (get_str(text.buf, "repository", &saved->repo) ||
		   get_str(text.buf, "head", &saved->head) ||
		   get_str(text.buf, "analyzers", &saved->analyzers) ||
		   get_str(text.buf, "options", &saved->options) ||
		   get_str(text.buf, "last_commit", &saved->last) ||
		   get_num(text.buf, "commits_total", &total) || total < 0 ||
		   get_num(text.buf, "chunk_size", &size) || size <= 0 ||
		   get_num(text.buf, "chunk", &chunk) || chunk < 0 ||
		   get_num(text.buf, "commits_done", &done) || done <= 0 ||
		   get_num(text.buf, "created", &saved->created)) {
		cf_buf_addf(why, "'%s' is damaged", path.buf);
	} else {
		saved->total = total;
		saved->chunk_size = size;
		saved->chunk = chunk;
		saved->done = done;
		saved->saved = 1;
		ret = 0;
	}
	cf_buf_release(&path);
	cf_buf_release(&text);
	return ret;
}

/* A current value in the file's encoding, to compare with a saved one. */
static int differs(const char *saved, const char *cur)
{
	struct cf_buf b = CF_BUF_INIT;
	int d;

	cf_json_str(&b, cur, strlen(cur));
	d = strcmp(saved, b.buf);
	cf_buf_release(&b);
	return d;
}

/* "a,b" from "\"a,b\"": saved strings are shown without their quotes. */
static void add_shown(struct cf_buf *why, const char *saved)
{
	size_t len = strlen(saved);
	cf_buf_add(why, saved + 1, len >= 2 ? len - 2 : 0);
}

const char *cf_checkpoint_mismatch(const struct cf_checkpoint *saved,
				   const struct cf_checkpoint *cur, struct cf_buf *why)
{
	static const char *const names[] = { "repository", "head commit", "analyzer set", "options" };
	const char *s[] = { saved->repo, saved->head, saved->analyzers, saved->options };
	const char *c[] = { cur->repo, cur->head, cur->analyzers, cur->options };

	cf_buf_reset(why);
	for (int i = 0; i < 4; i++) {
		if (!differs(s[i], c[i]))
			continue;
		cf_buf_addf(why, "%s differ%s (", names[i], i == 3 ? "" : "s");
		add_shown(why, s[i]);
		cf_buf_addf(why, " vs %s)", c[i]);
		return why->buf;
	}
	if (saved->total != cur->total) {
		cf_buf_addf(why, "number of commits differs (%" PRIu64 " vs %" PRIu64 ")",
			    saved->total, cur->total);
		return why->buf;
	}
	if (saved->done >= saved->total) {
		cf_buf_addf(why, "it covers every commit (%" PRIu64 ")", saved->total);
		return why->buf;
	}
	return NULL;
}

/*
 * Whether a file of an analyzer's directory goes: with keep == UINT64_MAX
 * every state file and temporary does; otherwise only the complete files of
 * chunks before keep (a later chunk may be being written at this moment).
 */
static int goes(const char *name, uint64_t keep)
{
	unsigned long long c;
	int end = 0;

	if (strncmp(name, "chunk-", 6))
		return 0;
	if (keep == UINT64_MAX)
		return strstr(name, ".state") != NULL;
	return sscanf(name, "chunk-%llu.state%n", &c, &end) == 1 && !name[end] && end &&
	       c < keep;
}

static void prune_dir(const char *dir, uint64_t keep, int remove_dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct cf_buf path = CF_BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!goes(e->d_name, keep))
			continue;
		cf_buf_reset(&path);
		cf_buf_addf(&path, "%s/%s", dir, e->d_name);
		unlink(path.buf);
	}
	closedir(d);
	if (remove_dir)
		rmdir(dir);
	cf_buf_release(&path);
}

/* Every analyzer_<N> directory, whatever the number of analyzers now. */
static void each_analyzer_dir(const struct cf_checkpoint *cp, uint64_t keep, int remove)
{
	DIR *d = opendir(cp->dir.buf);
	struct dirent *e;
	struct cf_buf path = CF_BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "analyzer_", 9))
			continue;
		cf_buf_reset(&path);
		cf_buf_addf(&path, "%s/%s", cp->dir.buf, e->d_name);
		prune_dir(path.buf, keep, remove);
	}
	closedir(d);
	cf_buf_release(&path);
}

void cf_checkpoint_prune(const struct cf_checkpoint *cp, uint64_t keep)
{
	each_analyzer_dir(cp, keep, 0);
}

void cf_checkpoint_clear(const struct cf_checkpoint *cp)
{
	struct cf_buf path = CF_BUF_INIT;
	DIR *d;
	struct dirent *e;

	each_analyzer_dir(cp, UINT64_MAX, 1);
	cf_buf_addf(&path, "%s/checkpoint.json", cp->dir.buf);
	unlink(path.buf);
	/* temporaries of a writer that was killed */
	d = opendir(cp->dir.buf);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "checkpoint.json.tmp-", 20))
			continue;
		cf_buf_reset(&path);
		cf_buf_addf(&path, "%s/%s", cp->dir.buf, e->d_name);
		unlink(path.buf);
	}
	if (d)
		closedir(d);
	rmdir(cp->dir.buf);
	cf_buf_release(&path);
}
