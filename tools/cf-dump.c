/*
 * cf-dump: shows any record stream as JSON, one record a line, map keys
 * sorted, so that people and tests can read and diff streams as text.
 */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include "cf/buf.h"
#include "cf/json.h"
#include "cf/reader.h"
#include "cf/record.h"
#include "cf/tool.h"
#include "cf/usage.h"

static const char usage[] =
"usage: cf-dump [-k] [-t TYPE]... [FILE]\n"
"\n"
"Shows a Codefang record stream as JSON lines (map keys sorted).\n"
"\n"
"  -t, --type TYPE   show only records of TYPE (repeatable)\n"
"  -k, --keep-order  keep map keys in stream order\n"
"  -h, --help        show this help\n";

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "keep-order", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *types[32];
	int ntypes = 0, c, fd = 0;
	unsigned flags = CF_JSON_SORT_KEYS;
	struct cf_reader r;
	struct cf_record rec;
	struct cf_buf out = CF_BUF_INIT;

	while ((c = getopt_long(argc, argv, "t:kh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (ntypes == 32)
				usage_error("too many -t options (at most 32)");
			types[ntypes++] = optarg;
			break;
		case 'k':
			flags &= ~CF_JSON_SORT_KEYS;
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (argc - optind > 1)
		usage_error("at most one FILE");
	if (optind < argc && strcmp(argv[optind], "-")) {
		fd = open(argv[optind], O_RDONLY);
		if (fd < 0)
			die_errno("cannot open '%s'", argv[optind]);
	}
	cf_reader_init(&r, fd);
	while (cf_reader_next(&r, &rec)) {
		int show = !ntypes;
		for (int i = 0; i < ntypes && !show; i++)
			show = cf_rec_is(&rec, types[i]);
		if (!show)
			continue;
		cf_buf_reset(&out);
		cf_json_obj(&out, cf_rec_map(&rec), flags);
		cf_buf_addch(&out, '\n');
		fwrite(out.buf, 1, out.len, stdout);
	}
	cf_buf_release(&out);
	cf_reader_release(&r);
	return 0;
}
