#ifndef CF_TOOL_H
#define CF_TOOL_H

/*
 * The contract between common/main.c and a tool.
 *
 * Adding a tool:
 *   1. tools/cf-foo.c defining cmd_main() and a usage string;
 *   2. man/cf-foo.1 (mdoc) whose SYNOPSIS matches the usage string;
 *   3. tests/NN-cf-foo.bats;
 *   4. a pipelines/ entry when the tool is a stage people compose.
 * The Makefile builds every tools/cf-*.c; nothing else needs editing.
 *
 * common/main.c keeps fds 0-2 open, restores SIGPIPE to its default (a
 * consumer that exits early ends the producers quietly), sets cf_progname,
 * calls cmd_main(), then flushes stdout and dies on a write error.
 */

int cmd_main(int argc, char **argv);

/*
 * Prints usage to stdout and exits 0: for -h.  The text starts with the
 * synopsis lines ("usage: cf-foo [options] REPO"), which the tests compare
 * with the man page.
 */
_Noreturn void cf_usage_exit(const char *usage);

/*
 * getopt_long's "unknown option" path: prints the message and a hint, and
 * exits CF_EXIT_USAGE.
 */
_Noreturn void cf_usage_bad(const char *usage);

#endif
