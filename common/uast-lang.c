/*
 * Which grammar reads a file: the extension first, then a shebang line,
 * and for ".h" a look at the text for C++ constructs.
 */
#include <string.h>
#include <strings.h>
#include "cf/uast.h"

static const struct {
	const char *ext;
	const char *lang;
} exts[] = {
	{ "go", "go" },
	{ "py", "python" }, { "pyw", "python" }, { "pyi", "python" },
	{ "js", "javascript" }, { "mjs", "javascript" }, { "cjs", "javascript" },
	{ "jsx", "javascript" },
	{ "ts", "typescript" }, { "mts", "typescript" }, { "cts", "typescript" },
	{ "tsx", "tsx" },
	{ "c", "c" },
	{ "cc", "cpp" }, { "cpp", "cpp" }, { "cxx", "cpp" }, { "c++", "cpp" },
	{ "hh", "cpp" }, { "hpp", "cpp" }, { "hxx", "cpp" }, { "h++", "cpp" },
	{ "ipp", "cpp" }, { "tcc", "cpp" }, { "inl", "cpp" },
	{ "java", "java" },
	{ "rs", "rust" },
	{ "rb", "ruby" }, { "rake", "ruby" }, { "gemspec", "ruby" },
	{ "php", "php" }, { "phtml", "php" },
	{ "cs", "c_sharp" },
	{ "sh", "bash" }, { "bash", "bash" },
};

static const struct {
	const char *file;
	const char *lang;
} names[] = {
	{ "Rakefile", "ruby" }, { "Gemfile", "ruby" }, { ".bashrc", "bash" },
	{ ".bash_profile", "bash" },
};

static const struct {
	const char *interp;
	const char *lang;
} shebangs[] = {
	{ "python", "python" }, { "python2", "python" }, { "python3", "python" },
	{ "node", "javascript" }, { "nodejs", "javascript" }, { "ruby", "ruby" },
	{ "php", "php" }, { "bash", "bash" }, { "sh", "bash" }, { "dash", "bash" },
	{ "ksh", "bash" }, { "zsh", "bash" },
};

/* Words that C headers do not have but C++ headers usually do. */
static const char *const cxx_marks[] = {
	"namespace ", "template <", "template<", "std::", "public:", "private:",
	"protected:", "virtual ", "operator==", "constexpr ", "nullptr", "#include <iostream>",
	"#include <string>", "#include <vector>",
};

static int looks_cxx(const char *data, size_t len)
{
	if (len > 1 << 20)
		len = 1 << 20;
	for (size_t i = 0; i < sizeof(cxx_marks) / sizeof(cxx_marks[0]); i++)
		if (memmem(data, len, cxx_marks[i], strlen(cxx_marks[i])))
			return 1;
	for (const char *p = data; (p = memmem(p, len - (p - data), "class ", 6)); p += 6) {
		/* "class Name {" or "class Name :", at the start of a line */
		const char *q = p + 6, *end = data + len;
		if (p != data && p[-1] != '\n')
			continue;
		while (q < end && (*q == '_' || (*q >= 'a' && *q <= 'z') ||
				   (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
			q++;
		while (q < end && *q == ' ')
			q++;
		if (q < end && (*q == '{' || *q == ':' || *q == '\n'))
			return 1;
	}
	return 0;
}

static const char *by_shebang(const char *data, size_t len)
{
	const char *nl, *p, *word, *end;
	size_t wl;

	if (len < 3 || data[0] != '#' || data[1] != '!')
		return NULL;
	nl = memchr(data, '\n', len);
	end = nl ? nl : data + len;
	p = data + 2;
	/* the interpreter's base name; "env [-S] NAME" names it in the next word */
	for (int round = 0; round < 3; round++) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		word = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		for (const char *s = word; s < p; s++)
			if (*s == '/')
				word = s + 1;
		wl = p - word;
		if ((wl == 3 && !memcmp(word, "env", 3)) || (wl && word[0] == '-'))
			continue;
		for (size_t i = 0; i < sizeof(shebangs) / sizeof(shebangs[0]); i++) {
			size_t il = strlen(shebangs[i].interp);
			/* python3.11 is python */
			if (wl >= il && !memcmp(word, shebangs[i].interp, il) &&
			    (wl == il || word[il] == '.' || (word[il] >= '0' && word[il] <= '9')))
				return shebangs[i].lang;
		}
		return NULL;
	}
	return NULL;
}

const char *cf_uast_lang_detect(const char *path, const char *data, size_t len)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(base, names[i].file))
			return names[i].lang;
	dot = strrchr(base, '.');
	if (dot && dot != base) {
		if (!strcmp(dot + 1, "h"))
			return looks_cxx(data, len) ? "cpp" : "c";
		for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
			if (!strcasecmp(dot + 1, exts[i].ext))
				return exts[i].lang;
	}
	return by_shebang(data, len);
}
