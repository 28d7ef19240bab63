/*
 * Languages by file name and extension; see cf/lang.h.  The tables below
 * are searched with bsearch, so each must stay in byte order of its keys
 * (LC_ALL=C sort), and the enum in byte order of the names it stands for,
 * which is what makes ids sort as names do.  tests/60-devs.bats checks a
 * sample of the entries through cf-devs.
 */
#include <stdlib.h>
#include <string.h>
#include "cf/lang.h"

struct lang_key {
	const char *key;
	unsigned lang;
};

enum lang {
	L_ASCIIDOC,
	L_ASSEMBLY,
	L_AWK,
	L_BATCHFILE,
	L_C,
	L_CSHARP,
	L_CPP,
	L_CMAKE,
	L_CSS,
	L_CLOJURE,
	L_COFFEESCRIPT,
	L_DART,
	L_DIFF,
	L_DOCKERFILE,
	L_ELIXIR,
	L_ELM,
	L_EMACS_LISP,
	L_ERLANG,
	L_FSHARP,
	L_FORTRAN,
	L_GO,
	L_GRAPHQL,
	L_GROOVY,
	L_HTML,
	L_HASKELL,
	L_INI,
	L_JSON,
	L_JAVA,
	L_JAVASCRIPT,
	L_JULIA,
	L_KOTLIN,
	L_LESS,
	L_LEX,
	L_LUA,
	L_M4,
	L_MAKEFILE,
	L_MARKDOWN,
	L_MESON,
	L_NIM,
	L_OCAML,
	L_OBJECTIVE_C,
	L_OBJECTIVE_CPP,
	L_OTHER,
	L_PHP,
	L_PASCAL,
	L_PERL,
	L_POWERSHELL,
	L_PROTOCOL_BUFFERS,
	L_PYTHON,
	L_R,
	L_ROFF,
	L_RUBY,
	L_RUST,
	L_SCSS,
	L_SQL,
	L_SASS,
	L_SCALA,
	L_SCHEME,
	L_SHELL,
	L_STARLARK,
	L_SVELTE,
	L_SWIFT,
	L_TOML,
	L_TCL,
	L_TEX,
	L_TEXT,
	L_TYPESCRIPT,
	L_VHDL,
	L_VERILOG,
	L_VIM_SCRIPT,
	L_VUE,
	L_XML,
	L_YAML,
	L_YACC,
	L_ZIG,
	L_RESTRUCTUREDTEXT,
	NR_LANGS
};

static const char *const lang_names[NR_LANGS] = {
	[L_ASCIIDOC] = "AsciiDoc",
	[L_ASSEMBLY] = "Assembly",
	[L_AWK] = "Awk",
	[L_BATCHFILE] = "Batchfile",
	[L_C] = "C",
	[L_CSHARP] = "C#",
	[L_CPP] = "C++",
	[L_CMAKE] = "CMake",
	[L_CSS] = "CSS",
	[L_CLOJURE] = "Clojure",
	[L_COFFEESCRIPT] = "CoffeeScript",
	[L_DART] = "Dart",
	[L_DIFF] = "Diff",
	[L_DOCKERFILE] = "Dockerfile",
	[L_ELIXIR] = "Elixir",
	[L_ELM] = "Elm",
	[L_EMACS_LISP] = "Emacs Lisp",
	[L_ERLANG] = "Erlang",
	[L_FSHARP] = "F#",
	[L_FORTRAN] = "Fortran",
	[L_GO] = "Go",
	[L_GRAPHQL] = "GraphQL",
	[L_GROOVY] = "Groovy",
	[L_HTML] = "HTML",
	[L_HASKELL] = "Haskell",
	[L_INI] = "INI",
	[L_JSON] = "JSON",
	[L_JAVA] = "Java",
	[L_JAVASCRIPT] = "JavaScript",
	[L_JULIA] = "Julia",
	[L_KOTLIN] = "Kotlin",
	[L_LESS] = "Less",
	[L_LEX] = "Lex",
	[L_LUA] = "Lua",
	[L_M4] = "M4",
	[L_MAKEFILE] = "Makefile",
	[L_MARKDOWN] = "Markdown",
	[L_MESON] = "Meson",
	[L_NIM] = "Nim",
	[L_OCAML] = "OCaml",
	[L_OBJECTIVE_C] = "Objective-C",
	[L_OBJECTIVE_CPP] = "Objective-C++",
	[L_OTHER] = "Other",
	[L_PHP] = "PHP",
	[L_PASCAL] = "Pascal",
	[L_PERL] = "Perl",
	[L_POWERSHELL] = "PowerShell",
	[L_PROTOCOL_BUFFERS] = "Protocol Buffers",
	[L_PYTHON] = "Python",
	[L_R] = "R",
	[L_ROFF] = "Roff",
	[L_RUBY] = "Ruby",
	[L_RUST] = "Rust",
	[L_SCSS] = "SCSS",
	[L_SQL] = "SQL",
	[L_SASS] = "Sass",
	[L_SCALA] = "Scala",
	[L_SCHEME] = "Scheme",
	[L_SHELL] = "Shell",
	[L_STARLARK] = "Starlark",
	[L_SVELTE] = "Svelte",
	[L_SWIFT] = "Swift",
	[L_TOML] = "TOML",
	[L_TCL] = "Tcl",
	[L_TEX] = "TeX",
	[L_TEXT] = "Text",
	[L_TYPESCRIPT] = "TypeScript",
	[L_VHDL] = "VHDL",
	[L_VERILOG] = "Verilog",
	[L_VIM_SCRIPT] = "Vim Script",
	[L_VUE] = "Vue",
	[L_XML] = "XML",
	[L_YAML] = "YAML",
	[L_YACC] = "Yacc",
	[L_ZIG] = "Zig",
	[L_RESTRUCTUREDTEXT] = "reStructuredText",
};

/* Whole file names, in byte order (bsearch). */
static const struct lang_key by_name[] = {
	{ ".bash_profile", L_SHELL },
	{ ".bashrc", L_SHELL },
	{ ".profile", L_SHELL },
	{ ".vimrc", L_VIM_SCRIPT },
	{ ".zshrc", L_SHELL },
	{ "AUTHORS", L_TEXT },
	{ "BUILD", L_STARLARK },
	{ "BUILD.bazel", L_STARLARK },
	{ "CMakeLists.txt", L_CMAKE },
	{ "COPYING", L_TEXT },
	{ "ChangeLog", L_TEXT },
	{ "Containerfile", L_DOCKERFILE },
	{ "Dockerfile", L_DOCKERFILE },
	{ "GNUmakefile", L_MAKEFILE },
	{ "Gemfile", L_RUBY },
	{ "INSTALL", L_TEXT },
	{ "Jenkinsfile", L_GROOVY },
	{ "Kbuild", L_MAKEFILE },
	{ "LICENSE", L_TEXT },
	{ "Makefile", L_MAKEFILE },
	{ "NEWS", L_TEXT },
	{ "README", L_TEXT },
	{ "Rakefile", L_RUBY },
	{ "THANKS", L_TEXT },
	{ "TODO", L_TEXT },
	{ "Vagrantfile", L_RUBY },
	{ "WORKSPACE", L_STARLARK },
	{ "makefile", L_MAKEFILE },
	{ "meson.build", L_MESON },
};

/* Extensions without the dot, in byte order (bsearch). */
static const struct lang_key by_ext[] = {
	{ "1", L_ROFF },
	{ "2", L_ROFF },
	{ "3", L_ROFF },
	{ "4", L_ROFF },
	{ "5", L_ROFF },
	{ "6", L_ROFF },
	{ "7", L_ROFF },
	{ "8", L_ROFF },
	{ "9", L_ROFF },
	{ "C", L_CPP },
	{ "H", L_CPP },
	{ "R", L_R },
	{ "S", L_ASSEMBLY },
	{ "ac", L_M4 },
	{ "adoc", L_ASCIIDOC },
	{ "asciidoc", L_ASCIIDOC },
	{ "asm", L_ASSEMBLY },
	{ "awk", L_AWK },
	{ "bash", L_SHELL },
	{ "bat", L_BATCHFILE },
	{ "bzl", L_STARLARK },
	{ "c", L_C },
	{ "c++", L_CPP },
	{ "cc", L_CPP },
	{ "cfg", L_INI },
	{ "cjs", L_JAVASCRIPT },
	{ "clj", L_CLOJURE },
	{ "cljc", L_CLOJURE },
	{ "cljs", L_CLOJURE },
	{ "cls", L_TEX },
	{ "cmake", L_CMAKE },
	{ "cmd", L_BATCHFILE },
	{ "coffee", L_COFFEESCRIPT },
	{ "cpp", L_CPP },
	{ "cs", L_CSHARP },
	{ "css", L_CSS },
	{ "csx", L_CSHARP },
	{ "cts", L_TYPESCRIPT },
	{ "cxx", L_CPP },
	{ "dart", L_DART },
	{ "diff", L_DIFF },
	{ "dockerfile", L_DOCKERFILE },
	{ "edn", L_CLOJURE },
	{ "el", L_EMACS_LISP },
	{ "elm", L_ELM },
	{ "erl", L_ERLANG },
	{ "ex", L_ELIXIR },
	{ "exs", L_ELIXIR },
	{ "f", L_FORTRAN },
	{ "f90", L_FORTRAN },
	{ "f95", L_FORTRAN },
	{ "fish", L_SHELL },
	{ "for", L_FORTRAN },
	{ "fs", L_FSHARP },
	{ "fsi", L_FSHARP },
	{ "fsx", L_FSHARP },
	{ "gemspec", L_RUBY },
	{ "go", L_GO },
	{ "gql", L_GRAPHQL },
	{ "gradle", L_GROOVY },
	{ "graphql", L_GRAPHQL },
	{ "groovy", L_GROOVY },
	{ "gvy", L_GROOVY },
	{ "h", L_C },
	{ "h++", L_CPP },
	{ "hh", L_CPP },
	{ "hpp", L_CPP },
	{ "hrl", L_ERLANG },
	{ "hs", L_HASKELL },
	{ "htm", L_HTML },
	{ "html", L_HTML },
	{ "hxx", L_CPP },
	{ "ini", L_INI },
	{ "inl", L_CPP },
	{ "ipp", L_CPP },
	{ "java", L_JAVA },
	{ "jl", L_JULIA },
	{ "js", L_JAVASCRIPT },
	{ "json", L_JSON },
	{ "jsonc", L_JSON },
	{ "jsx", L_JAVASCRIPT },
	{ "ksh", L_SHELL },
	{ "kt", L_KOTLIN },
	{ "kts", L_KOTLIN },
	{ "l", L_LEX },
	{ "less", L_LESS },
	{ "lex", L_LEX },
	{ "lhs", L_HASKELL },
	{ "lua", L_LUA },
	{ "m", L_OBJECTIVE_C },
	{ "m4", L_M4 },
	{ "mak", L_MAKEFILE },
	{ "make", L_MAKEFILE },
	{ "man", L_ROFF },
	{ "markdown", L_MARKDOWN },
	{ "md", L_MARKDOWN },
	{ "mdoc", L_ROFF },
	{ "mdown", L_MARKDOWN },
	{ "mjs", L_JAVASCRIPT },
	{ "mk", L_MAKEFILE },
	{ "ml", L_OCAML },
	{ "mli", L_OCAML },
	{ "mm", L_OBJECTIVE_CPP },
	{ "mts", L_TYPESCRIPT },
	{ "nim", L_NIM },
	{ "pas", L_PASCAL },
	{ "patch", L_DIFF },
	{ "php", L_PHP },
	{ "phtml", L_PHP },
	{ "pl", L_PERL },
	{ "plist", L_XML },
	{ "pm", L_PERL },
	{ "pod", L_PERL },
	{ "proto", L_PROTOCOL_BUFFERS },
	{ "ps1", L_POWERSHELL },
	{ "psm1", L_POWERSHELL },
	{ "py", L_PYTHON },
	{ "pyi", L_PYTHON },
	{ "pyw", L_PYTHON },
	{ "r", L_R },
	{ "rake", L_RUBY },
	{ "rb", L_RUBY },
	{ "rs", L_RUST },
	{ "rst", L_RESTRUCTUREDTEXT },
	{ "s", L_ASSEMBLY },
	{ "sass", L_SASS },
	{ "sc", L_SCALA },
	{ "scala", L_SCALA },
	{ "scm", L_SCHEME },
	{ "scss", L_SCSS },
	{ "sh", L_SHELL },
	{ "sql", L_SQL },
	{ "ss", L_SCHEME },
	{ "star", L_STARLARK },
	{ "sty", L_TEX },
	{ "sv", L_VERILOG },
	{ "svelte", L_SVELTE },
	{ "svg", L_XML },
	{ "swift", L_SWIFT },
	{ "t", L_PERL },
	{ "tcc", L_CPP },
	{ "tcl", L_TCL },
	{ "tex", L_TEX },
	{ "text", L_TEXT },
	{ "tk", L_TCL },
	{ "toml", L_TOML },
	{ "ts", L_TYPESCRIPT },
	{ "tsx", L_TYPESCRIPT },
	{ "txt", L_TEXT },
	{ "v", L_VERILOG },
	{ "vh", L_VERILOG },
	{ "vhd", L_VHDL },
	{ "vhdl", L_VHDL },
	{ "vim", L_VIM_SCRIPT },
	{ "vue", L_VUE },
	{ "xhtml", L_HTML },
	{ "xml", L_XML },
	{ "xsd", L_XML },
	{ "xsl", L_XML },
	{ "xslt", L_XML },
	{ "y", L_YACC },
	{ "yaml", L_YAML },
	{ "yml", L_YAML },
	{ "yy", L_YACC },
	{ "zig", L_ZIG },
	{ "zsh", L_SHELL },
};

/* Longer extensions are not in the table, so they need not be folded. */
#define MAX_EXT 16

static int cmp_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct lang_key *)e)->key);
}

static int lookup(const struct lang_key *table, size_t nr, const char *key,
		  unsigned *lang)
{
	const struct lang_key *e = bsearch(key, table, nr, sizeof(*table), cmp_key);
	if (!e)
		return 0;
	*lang = e->lang;
	return 1;
}

static int lookup_name(const char *base, size_t len, unsigned *lang)
{
	char name[32];

	if (len >= sizeof(name) || memchr(base, '\0', len))
		return 0;
	memcpy(name, base, len);
	name[len] = '\0';
	return lookup(by_name, sizeof(by_name) / sizeof(*by_name), name, lang);
}

/* ".C" (C++) differs from ".c", so the exact spelling is tried first. */
static int lookup_ext(const char *ext, size_t len, unsigned *lang)
{
	char buf[MAX_EXT + 1];
	int folded = 0;

	if (!len || len > MAX_EXT || memchr(ext, '\0', len))
		return 0;
	memcpy(buf, ext, len);
	buf[len] = '\0';
	if (lookup(by_ext, sizeof(by_ext) / sizeof(*by_ext), buf, lang))
		return 1;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] >= 'A' && buf[i] <= 'Z') {
			buf[i] += 'a' - 'A';
			folded = 1;
		}
	}
	return folded && lookup(by_ext, sizeof(by_ext) / sizeof(*by_ext), buf, lang);
}

unsigned cf_lang_count(void)
{
	return NR_LANGS;
}

const char *cf_lang_name(unsigned id)
{
	return id < NR_LANGS ? lang_names[id] : lang_names[L_OTHER];
}

unsigned cf_lang_id(const char *path, size_t len)
{
	const char *base = path, *dot = NULL;
	unsigned lang;

	for (size_t i = 0; i < len; i++) {
		if (path[i] == '/')
			base = path + i + 1, dot = NULL;
		else if (path[i] == '.')
			dot = path + i;
	}
	len -= base - path;
	if (lookup_name(base, len, &lang))
		return lang;
	/* A leading dot names a hidden file, it does not start an extension. */
	if (dot && dot > base &&
	    lookup_ext(dot + 1, base + len - dot - 1, &lang))
		return lang;
	return L_OTHER;
}

const char *cf_lang_of(const char *path, size_t len)
{
	return lang_names[cf_lang_id(path, len)];
}
