/*
 * libFuzzer harness for one tool's handling of its input stream: the input
 * is the tool's stdin, whole.
 *
 * Tools end on bad input with exit(3), keep state in globals and may start
 * threads, so each input runs in a forked child: the parent stays clean and
 * every run starts from the same state.  The coverage counters live on pages
 * of their own (fuzz/cntrs.ld) which are made shared before the first fork,
 * so that the child's coverage reaches libFuzzer in the parent.  A child
 * that dies by a signal, by a sanitizer report (exit 77), runs past the time
 * limit (a hang) is a crash of the parent, which makes
 * libFuzzer keep the input.
 *
 * Built once per tool and options (see mk/fuzz.mk): the tool's object has
 * its cmd_main renamed to cf_fuzz_cmd_main, CF_FUZZ_TOOL names it and
 * CF_FUZZ_ARGS holds its options, separated by spaces; an option "@@" is
 * replaced by a file holding the input, and stdin is then empty (state
 * files for --resume, source files for cf-uast).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <git2.h>
#include <sanitizer/common_interface_defs.h>
#include "cf/usage.h"

#define CHILD_FAILED 77
#define CHILD_SECONDS 10

int cf_fuzz_cmd_main(int argc, char **argv);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern char __start___sancov_cntrs[], __stop___sancov_cntrs[];

static int in_child;
static int input_fd = -1, null_fd = -1;

/* The tool's exit() must not run the parent's atexit work (LeakSanitizer on a die path). */
_Noreturn void __real_exit(int code);
_Noreturn void __wrap_exit(int code);
void __wrap_exit(int code)
{
	if (in_child)
		_exit(code);
	__real_exit(code);
}

static void child_died(void)
{
	_exit(CHILD_FAILED);
}

static void share_counters(void)
{
	size_t len = (__stop___sancov_cntrs - __start___sancov_cntrs + 4095) & ~(size_t)4095;
	void *p;

	if (!len || (uintptr_t)__start___sancov_cntrs % 4096) {
		fprintf(stderr, "fuzz: coverage counters are not page-aligned (link with fuzz/cntrs.ld)\n");
		abort();
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	memcpy(p, __start___sancov_cntrs, len);
	if (mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, __start___sancov_cntrs) == MAP_FAILED)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	share_counters();
	/* Once here rather than in every child: it costs more than most runs. */
	git_libgit2_init();
	input_fd = memfd_create("cf-fuzz-input", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (input_fd < 0 || null_fd < 0)
		abort();
	return 0;
}

static _Noreturn void run_child(void)
{
	static char words[] = CF_FUZZ_ARGS;
	char *args[16] = { CF_FUZZ_TOOL }, *save = NULL, file[64];
	int argc = 1, ret, report_fd, stdin_fd = input_fd;

	snprintf(file, sizeof(file), "/proc/self/fd/%d", input_fd);
	for (char *w = strtok_r(words, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save)) {
		if (!strcmp(w, "@@")) {
			w = file;
			stdin_fd = null_fd;
		}
		args[argc++] = w;
	}

	in_child = 1;
	cf_progname = CF_FUZZ_TOOL;
	/* libFuzzer's handlers are the parent's business (its SIGALRM one would keep a hung child alive). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL && sig != SIGABRT)
			signal(sig, SIG_DFL);
	alarm(CHILD_SECONDS);
	__sanitizer_set_death_callback(child_died);
	report_fd = dup(2);
	__sanitizer_set_report_fd((void *)(intptr_t)report_fd);
	if (lseek(input_fd, 0, SEEK_SET) < 0 || dup2(stdin_fd, 0) < 0 || dup2(null_fd, 1) < 0)
		_exit(CHILD_FAILED);
	if (!getenv("CF_FUZZ_STDERR"))
		dup2(null_fd, 2);
	ret = cf_fuzz_cmd_main(argc, args);
	fflush(stdout);
	/* No leak check here: LeakSanitizer can deadlock in a forked child; make test-asan checks leaks. */
	_exit(ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pid_t pid;
	int status;

	if (ftruncate(input_fd, 0) < 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (!pid)
		run_child();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			abort();
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "fuzz: %s killed by signal %d%s\n", CF_FUZZ_TOOL, WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (over the time limit)" : "");
		abort();
	}
	if (WEXITSTATUS(status) == CHILD_FAILED || WEXITSTATUS(status) > CF_EXIT_DATA) {
		fprintf(stderr, "fuzz: %s exited with %d\n", CF_FUZZ_TOOL, WEXITSTATUS(status));
		abort();
	}
	return 0;
}
