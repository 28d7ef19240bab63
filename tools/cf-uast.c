/*
 * cf-uast: parses source files with tree-sitter and writes one "uast"
 * record per file, the compact tree of cf/uast.h, for people (through
 * cf-dump) and for tools that want syntax without linking the grammars.
 */
#include <getopt.h>
#include <string.h>
#include <stdio.h>
#include "cf/buf.h"
#include "cf/size.h"
#include "cf/tool.h"
#include "cf/uast.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-uast [-l LANG] [--max-size SIZE] FILE...\n"
"\n"
"Parses each FILE into a UAST and writes one \"uast\" record per file.\n"
"\n"
"  -l, --lang LANG     parse every FILE as LANG (needed for -)\n"
"      --max-size SIZE refuse larger files (default 16MiB)\n"
"      --languages     list the languages and exit\n"
"  -h, --help          show this help\n";

static void pack_index(msgpack_packer *pk, uint32_t i)
{
	if (i == CF_UAST_NONE)
		msgpack_pack_nil(pk);
	else
		cf_pack_u64(pk, i);
}

static void pack_roles(msgpack_packer *pk, unsigned roles, struct cf_buf *tmp)
{
	cf_buf_reset(tmp);
	for (unsigned b = 0; b < CF_ROLE_COUNT; b++)
		if (roles & (1u << b)) {
			if (tmp->len)
				cf_buf_addch(tmp, ',');
			cf_buf_addstr(tmp, cf_uast_role_name(b));
		}
	cf_pack_strn(pk, tmp->buf, tmp->len);
}

static void pack_node(msgpack_packer *pk, const struct cf_uast *u,
		      const struct cf_uast_node *n, struct cf_buf *tmp)
{
	msgpack_pack_array(pk, 10);
	cf_pack_str(pk, cf_uast_type_name(n->type));
	pack_roles(pk, n->roles, tmp);
	pack_index(pk, n->parent);
	pack_index(pk, n->child);
	pack_index(pk, n->next);
	cf_pack_u64(pk, n->start);
	cf_pack_u64(pk, n->end);
	cf_pack_u64(pk, n->line);
	cf_pack_u64(pk, n->end_line);
	cf_pack_strn(pk, cf_uast_name(u, n), n->name_len);
}

static void write_uast(struct cf_writer *w, const char *path, const struct cf_uast *u,
		       size_t size)
{
	msgpack_packer *pk = cf_writer_begin(w, "uast", 1, 5);
	struct cf_buf tmp = CF_BUF_INIT;

	cf_pack_kv_str(pk, "path", path);
	cf_pack_kv_str(pk, "lang", u->lang);
	cf_pack_kv_u64(pk, "size", size);
	cf_pack_kv_u64(pk, "lines", u->lines);
	cf_pack_str(pk, "nodes");
	msgpack_pack_array(pk, u->nr);
	for (size_t i = 0; i < u->nr; i++)
		pack_node(pk, u, &u->nodes[i], &tmp);
	cf_writer_end(w);
	cf_buf_release(&tmp);
}

static void write_error(struct cf_writer *w, const char *path, const char *lang,
			const char *why)
{
	msgpack_packer *pk = cf_writer_begin(w, "uast", 1, lang ? 3 : 2);

	cf_pack_kv_str(pk, "path", path);
	if (lang)
		cf_pack_kv_str(pk, "lang", lang);
	cf_pack_kv_str(pk, "error", why);
	cf_writer_end(w);
	warning("skipping '%s': %s", path, why);
}

static void list_languages(void)
{
	for (unsigned i = 0; i < cf_uast_lang_count(); i++)
		printf("%s\n", cf_uast_lang_name(i));
}

int cmd_main(int argc, char **argv)
{
	enum { OPT_MAX_SIZE = 256, OPT_LANGUAGES };
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "languages", no_argument, NULL, OPT_LANGUAGES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *force = NULL;
	uint64_t max_size = CF_UAST_DEFAULT_MAX_SIZE;
	struct cf_uast_parser *p;
	struct cf_uast u;
	struct cf_writer w;
	struct cf_buf src = CF_BUF_INIT, why = CF_BUF_INIT;
	int c;

	while ((c = getopt_long(argc, argv, "l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			force = cf_uast_lang_find(optarg);
			if (!force)
				usage_error("unknown language '%s' (see --languages)", optarg);
			break;
		case OPT_MAX_SIZE:
			max_size = cf_opt_size("--max-size", optarg);
			break;
		case OPT_LANGUAGES:
			list_languages();
			return 0;
		case 'h':
			cf_usage_exit(usage);
		default:
			cf_usage_bad(usage);
		}
	}
	if (optind == argc)
		usage_error("no FILE given");
	p = cf_uast_parser_new();
	cf_uast_init(&u);
	cf_writer_init(&w, 1);
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i], *lang;

		cf_buf_reset(&src);
		cf_buf_reset(&why);
		if (!strcmp(path, "-") && !force)
			usage_error("reading standard input needs --lang");
		if (cf_buf_read_file(&src, path) < 0)
			die_errno("cannot read '%s'", path);
		lang = force ? force : cf_uast_lang_detect(path, src.buf, src.len);
		if (!lang)
			write_error(&w, path, NULL, "unknown language");
		else if (cf_uast_parse(p, &u, lang, src.buf, src.len, max_size, &why))
			write_error(&w, path, lang, why.buf);
		else
			write_uast(&w, path, &u, src.len);
	}
	cf_writer_release(&w);
	cf_uast_release(&u);
	cf_uast_parser_free(p);
	cf_buf_release(&src);
	cf_buf_release(&why);
	return 0;
}
