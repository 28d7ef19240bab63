/*
 * Opening repositories with libgit2, with the error messages every tool
 * shares.
 */
#include <git2.h>
#include <string.h>
#include <sys/stat.h>
#include "cf/repo.h"
#include "cf/usage.h"

static void init_libgit2(void)
{
	static int done;

	if (done)
		return;
	if (git_libgit2_init() < 0)
		die("cannot initialise libgit2: %s", cf_git_error());
	/*
	 * The tools read, never write: ownership checks would only refuse
	 * repositories that other users share with us read-only.
	 */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/*
	 * Memory is a budget shared by every stage of the pipeline.  libgit2
	 * keeps each object it parses in a cache of up to 256 MiB and maps
	 * packs in windows of 1 GiB, which stay resident once touched: a walk
	 * over 100,000 commits held 308 MiB that way, 43 MiB without, and ran
	 * faster (16 MiB of windows cost git/git's walk no time over 32).
	 * Objects are read once or twice here; the stages that read blobs in
	 * bulk have their own caches and pack reader (cf/odb.h).
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)8 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20);
	done = 1;
}

const char *cf_git_error(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int config_has(git_config *cfg, const char *key)
{
	git_config_entry *e = NULL;
	int found = git_config_get_entry(&e, cfg, key) == 0;

	git_config_entry_free(e);
	return found;
}

/*
 * A git directory given directly, not named ".git" and without core.bare,
 * is bare to git; libgit2 would take its parent for a work tree (and then
 * read the wrong .mailmap, for one).
 */
static int looks_bare(git_repository *repo)
{
	const char *gitdir = git_repository_path(repo);
	size_t len = strlen(gitdir);
	git_config *cfg;
	int bare;

	if (git_repository_is_bare(repo) || git_repository_is_worktree(repo))
		return 0;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return 0;
	bare = !config_has(cfg, "core.bare") && !config_has(cfg, "core.worktree");
	git_config_free(cfg);
	if (len && gitdir[len - 1] == '/')
		len--;
	return bare && !(len >= 5 && !memcmp(gitdir + len - 5, "/.git", 5));
}

git_repository *cf_repo_open(const char *path)
{
	git_repository *repo = NULL;
	struct stat st;
	int err;

	init_libgit2();
	if (stat(path, &st) < 0)
		die_errno("cannot open repository '%s'", path);
	err = git_repository_open_ext(&repo, path, 0, NULL);
	if (err == GIT_ENOTFOUND)
		die("not a git repository: '%s'", path);
	if (err < 0)
		die("cannot open repository '%s': %s", path, cf_git_error());
	if (looks_bare(repo)) {
		git_repository *bare;
		if (git_repository_open_bare(&bare, git_repository_path(repo)) < 0)
			die("cannot open repository '%s': %s", path, cf_git_error());
		git_repository_free(repo);
		repo = bare;
	}
	return repo;
}

void cf_repo_close(git_repository *repo)
{
	git_repository_free(repo);
}

const char *cf_repo_gitdir(git_repository *repo)
{
	return git_repository_path(repo);
}
