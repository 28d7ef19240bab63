/*
 * cf-sentiment: the mood of the comments people write.  Only the comments
 * a commit adds or changes count (cf-uastdiff's "comments": those covering
 * changed lines of the new side), each once; they are cleaned (licence
 * headers, short ones and mostly non-letters dropped) and scored with VADER
 * (the lexicon of third_party/vader.lock compiled in, and VADER's rules:
 * boosters, negation, "but", punctuation emphasis, ALL CAPS, compound =
 * sum / sqrt(sum^2 + 15)).  Per tick: the mean compound of its comments; a
 * tick without comments has no score at all.  Sums are kept in integer
 * units of 1e-9 so that the sums of several repositories add up exactly
 * (cf-reduce).  Passes every record through and appends one "sentiment"
 * result (schema 2, cf-sentiment(1)).
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cf/alloc.h"
#include "cf/fileset.h"
#include "cf/oid.h"
#include "cf/record.h"
#include "cf/size.h"
#include "cf/syntax.h"
#include "cf/tool.h"
#include "cf/usage.h"
#include "cf/writer.h"

static const char usage[] =
"usage: cf-sentiment [--min-length N] [--top N] [--state-dir DIR] [--resume FILE]\n"
"\n"
"Reads a stream with syntax records (after cf-uastdiff), passes it through and\n"
"appends a \"sentiment\" result: the VADER score of every comment added or\n"
"changed, per tick the mean, and the most negative comments.\n"
"\n"
"      --min-length N   shorter comments are not scored (default 20)\n"
"      --top N          most negative comments listed (default 20)\n"
"      --state-dir DIR  save the state there at every barrier\n"
"      --resume FILE    start from a saved state\n"
"  -h, --help           show this help\n";

/* From build-aux/vader-lexicon.sh, sorted by bytes. */
struct cf_vader_word {
	const char *word;
	double valence;
};
extern const struct cf_vader_word cf_vader_lexicon[];
extern const size_t cf_vader_lexicon_size;

#define B_INCR 0.293
#define B_DECR (-0.293)
#define C_INCR 0.733
#define N_SCALAR (-0.74)
#define MAX_WORDS 512
#define MAX_TEXT 200

static const char *const negations[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't", "dont",
	"hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "don't",
	"hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't",
	"never", "none", "nope", "nor", "not", "nothing", "nowhere", "oughtnt", "shant",
	"shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't", "shouldn't", "uh-uh",
	"wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't", "rarely",
	"seldom", "despite", NULL,
};

static const char *const boosters_up[] = {
	"absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
	"decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
	"exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping",
	"flippin", "frackin", "fracking", "fricking", "frickin", "frigging", "friggin",
	"fully", "fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly",
	"hugely", "incredible", "incredibly", "intensely", "major", "majorly", "more",
	"most", "particularly", "purely", "quite", "really", "remarkably", "so",
	"substantially", "thoroughly", "total", "totally", "tremendous", "tremendously",
	"uber", "unbelievably", "unusually", "utter", "utterly", "very", NULL,
};

static const char *const boosters_down[] = {
	"almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little",
	"marginal", "marginally", "occasional", "occasionally", "partly", "scarce",
	"scarcely", "slight", "slightly", "somewhat", "sorta", "sortof", "sort-of", NULL,
};

struct word {
	const char *s;
	size_t len;
	char lower[48];		/* longer words are in no list and no lexicon entry */
	int upper;		/* ALL CAPS (has a letter, no lowercase one) */
};

struct tick_stat {
	uint64_t tick, comments, positive, negative, neutral;
	int64_t sum;		/* of the compounds, in units of 1e-9 */
};

struct low {
	double compound;
	uint64_t tick;
	uint32_t line;
	struct cf_oid commit;
	char *file, *text;
};

struct sentiment {
	struct cf_fs_analyzer a;	/* first: the callbacks get &a */
	uint64_t min_length, top;
	uint64_t tick;
	struct cf_oid commit;
	struct tick_stat *ticks;
	size_t nr_ticks, alloc_ticks;
	struct low *lows;		/* most negative first, at most top */
	size_t nr_lows;
	struct word words[MAX_WORDS];
	struct cf_buf clean;
};

static int in_list(const char *const *list, const char *w)
{
	for (; *list; list++)
		if (!strcmp(*list, w))
			return 1;
	return 0;
}

static int cmp_word(const void *key, const void *e)
{
	return strcmp(key, ((const struct cf_vader_word *)e)->word);
}

static const double *lexicon(const char *w)
{
	const struct cf_vader_word *e = bsearch(w, cf_vader_lexicon, cf_vader_lexicon_size,
						sizeof(*cf_vader_lexicon), cmp_word);
	return e ? &e->valence : NULL;
}

static double booster(const char *w)
{
	if (in_list(boosters_up, w))
		return B_INCR;
	if (in_list(boosters_down, w))
		return B_DECR;
	return 0;
}

static int negated(const struct word *w)
{
	return in_list(negations, w->lower) || strstr(w->lower, "n't");
}

/* Splits on white space; punctuation is stripped from a word's ends unless little is left. */
static size_t tokenize(struct sentiment *s, const char *t, size_t len)
{
	size_t n = 0, i = 0;

	while (i < len && n < MAX_WORDS) {
		size_t a, b, k;
		struct word *w;
		while (i < len && isspace((unsigned char)t[i]))
			i++;
		if (i == len)
			break;
		for (a = i; i < len && !isspace((unsigned char)t[i]); i++)
			;
		b = i;
		{
			size_t x = a, y = b;
			while (x < y && ispunct((unsigned char)t[x]))
				x++;
			while (y > x && ispunct((unsigned char)t[y - 1]))
				y--;
			if (y - x > 2) {
				a = x;
				b = y;
			}
		}
		w = &s->words[n++];
		w->s = t + a;
		w->len = b - a;
		w->upper = 0;
		for (k = 0; k < w->len && k < sizeof(w->lower) - 1; k++)
			w->lower[k] = tolower((unsigned char)w->s[k]);
		w->lower[k] = '\0';
		if (w->len >= sizeof(w->lower))
			w->lower[0] = '\0';
		for (k = 0; k < w->len; k++) {
			if (islower((unsigned char)w->s[k])) {
				w->upper = 0;
				break;
			}
			if (isupper((unsigned char)w->s[k]))
				w->upper = 1;
		}
	}
	return n;
}

/* Some words, not all, are in capitals: those are emphasised. */
static int cap_differential(const struct word *w, size_t n)
{
	size_t caps = 0;

	for (size_t i = 0; i < n; i++)
		caps += w[i].upper;
	return caps && caps < n;
}

static double scalar(const struct word *w, double valence, int capdiff)
{
	double sc = booster(w->lower);

	if (sc == 0)
		return 0;
	if (valence < 0)
		sc = -sc;
	if (w->upper && capdiff)
		sc += valence > 0 ? C_INCR : -C_INCR;
	return sc;
}

static double negation_check(const struct word *w, size_t i, int start, double v)
{
	const struct word *p = &w[i - (start + 1)];

	if (start == 0)
		return negated(p) ? v * N_SCALAR : v;
	if (!strcmp(w[i - start - 1].lower, "never") &&
	    (!strcmp(w[i - start].lower, "so") || !strcmp(w[i - start].lower, "this")))
		return v * 1.25;
	if (!strcmp(w[i - start - 1].lower, "without") && !strcmp(w[i - start].lower, "doubt"))
		return v;
	return negated(p) ? v * N_SCALAR : v;
}

static double valence_of(const struct word *w, size_t n, size_t i, int capdiff)
{
	const double *lex = lexicon(w[i].lower);
	double v;

	if (!lex || booster(w[i].lower) != 0)
		return 0;
	v = *lex;
	if (!strcmp(w[i].lower, "no") && i + 1 < n && lexicon(w[i + 1].lower))
		return 0;
	if (i > 0 && !strcmp(w[i - 1].lower, "no"))
		v *= N_SCALAR;
	if (w[i].upper && capdiff)
		v += v > 0 ? C_INCR : -C_INCR;
	for (int start = 0; start < 3; start++) {
		double sc;
		if (i <= (size_t)start || lexicon(w[i - (start + 1)].lower))
			continue;
		sc = scalar(&w[i - (start + 1)], v, capdiff);
		if (start == 1)
			sc *= 0.95;
		else if (start == 2)
			sc *= 0.9;
		v += sc;
		v = negation_check(w, i, start, v);
	}
	if (i > 0 && !lexicon(w[i - 1].lower) && !strcmp(w[i - 1].lower, "least") &&
	    !(i > 1 && (!strcmp(w[i - 2].lower, "at") || !strcmp(w[i - 2].lower, "very"))))
		v *= N_SCALAR;
	return v;
}

/* VADER's compound score of one text. */
static double vader(struct sentiment *s, const char *t, size_t len)
{
	double v[MAX_WORDS], sum = 0, emph;
	size_t n = tokenize(s, t, len), but = SIZE_MAX, ep = 0, qm = 0;
	int capdiff = cap_differential(s->words, n);

	for (size_t i = 0; i < n; i++) {
		v[i] = valence_of(s->words, n, i, capdiff);
		if (but == SIZE_MAX && !strcmp(s->words[i].lower, "but"))
			but = i;
	}
	for (size_t i = 0; i < n; i++) {
		if (but != SIZE_MAX)
			v[i] *= i < but ? 0.5 : i > but ? 1.5 : 1;
		sum += v[i];
	}
	if (sum == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		ep += t[i] == '!';
		qm += t[i] == '?';
	}
	emph = (ep > 4 ? 4 : ep) * 0.292 + (qm > 1 ? (qm <= 3 ? qm * 0.18 : 0.96) : 0);
	sum += sum > 0 ? emph : -emph;
	sum /= sqrt(sum * sum + 15);
	return sum < -1 ? -1 : sum > 1 ? 1 : sum;
}

/* ---- cleaning ---- */

static int is_licence(const char *t, size_t len)
{
	static const char *const words[] = { "license", "licence", "copyright", "\xc2\xa9" };

	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < sizeof(words) / sizeof(*words); k++) {
			size_t wl = strlen(words[k]);
			if (i + wl <= len && !strncasecmp(t + i, words[k], wl))
				return 1;
		}
	return 0;
}

/* Whether a cleaned comment is worth scoring: prose, not code or a header. */
static int keep_comment(const struct sentiment *s, const char *t, size_t len)
{
	size_t letters = 0;

	if (len < s->min_length || !isalnum((unsigned char)t[0]) || is_licence(t, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		letters += isalpha((unsigned char)t[i]) || (unsigned char)t[i] >= 0x80;
	return letters * 10 >= len * 6;
}

/* ---- counting ---- */

static double round4(double v)
{
	return round(v * 10000) / 10000;
}

static struct tick_stat *tick_entry(struct sentiment *s, uint64_t tick)
{
	struct tick_stat *t;

	if (s->nr_ticks && s->ticks[s->nr_ticks - 1].tick == tick)
		return &s->ticks[s->nr_ticks - 1];
	CF_ALLOC_GROW(s->ticks, s->nr_ticks + 1, s->alloc_ticks);
	t = &s->ticks[s->nr_ticks++];
	memset(t, 0, sizeof(*t));
	t->tick = tick;
	return t;
}

/* Lowest compound first, then by tick, file, line and text: an order a merge can give too. */
static int low_cmp(const struct low *x, const struct low *y)
{
	int c;

	if (x->compound != y->compound)
		return x->compound < y->compound ? -1 : 1;
	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	if ((c = strcmp(x->file, y->file)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->text, y->text);
}

static void add_low(struct sentiment *s, struct low *l)
{
	size_t at = s->nr_lows;

	while (at > 0 && low_cmp(&s->lows[at - 1], l) > 0)
		at--;
	if (at >= s->top) {
		free(l->file);
		free(l->text);
		return;
	}
	if (s->nr_lows == s->top) {
		free(s->lows[s->nr_lows - 1].file);
		free(s->lows[s->nr_lows - 1].text);
		s->nr_lows--;
	}
	memmove(s->lows + at + 1, s->lows + at, (s->nr_lows - at) * sizeof(*s->lows));
	s->lows[at] = *l;
	s->nr_lows++;
}

static void count(struct sentiment *s, uint64_t tick, double c)
{
	struct tick_stat *t = tick_entry(s, tick);

	t->comments++;
	t->sum += llround(c * 1e9);
	if (c >= 0.05)
		t->positive++;
	else if (c <= -0.05)
		t->negative++;
	else
		t->neutral++;
}

static void on_commit(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct sentiment *s = (struct sentiment *)a;
	uint64_t tick = cf_rec_u64(rec, "tick");

	if (s->nr_ticks && tick < s->ticks[s->nr_ticks - 1].tick)
		cf_rec_die(rec, "tick %llu after tick %llu", (unsigned long long)tick,
			   (unsigned long long)s->ticks[s->nr_ticks - 1].tick);
	s->tick = tick;
	cf_rec_oid(rec, "id", &s->commit);
}

static void on_change(struct cf_fs_analyzer *a, const struct cf_fs_change *ch,
		      const struct cf_record *rec)
{
	(void)a;
	(void)ch;
	(void)rec;
}

static void on_record(struct cf_fs_analyzer *a, const struct cf_record *rec)
{
	struct sentiment *s = (struct sentiment *)a;
	const msgpack_object *list;
	const char *path;
	size_t plen;
	uint32_t n;

	if (!cf_rec_is(rec, CF_REC_SYNTAX))
		return;
	path = cf_rec_str(rec, "path", &plen);
	list = cf_syntax_list(rec, cf_syntax_side(rec, "new"), "comments", &n);
	for (uint32_t i = 0; i < n; i++) {
		struct cf_syntax_comment c;
		struct low l;
		cf_syntax_comment(rec, &list[i], &c);
		if (!keep_comment(s, c.text, c.len))
			continue;
		l.compound = vader(s, c.text, c.len);
		count(s, s->tick, l.compound);
		l.compound = round4(l.compound);	/* as reported, and ordered */
		l.tick = s->tick;
		l.line = c.line;
		l.commit = s->commit;
		l.file = xmemdupz(path, plen);
		l.text = xmemdupz(c.text, c.len > MAX_TEXT ? MAX_TEXT : c.len);
		add_low(s, &l);
	}
}

/* ---- the result ---- */

static void pack_lows(msgpack_packer *pk, const struct sentiment *s)
{
	char hex[CF_OID_HEXSZ + 1];

	msgpack_pack_array(pk, s->nr_lows);
	for (size_t i = 0; i < s->nr_lows; i++) {
		const struct low *l = &s->lows[i];
		msgpack_pack_map(pk, 6);
		cf_pack_kv_str(pk, "commit", cf_oid_to_hex(&l->commit, hex));
		cf_pack_kv_f64(pk, "compound", round4(l->compound));
		cf_pack_kv_str(pk, "file", l->file);
		cf_pack_kv_u64(pk, "line", l->line);
		cf_pack_kv_str(pk, "text", l->text);
		cf_pack_kv_u64(pk, "tick", l->tick);
	}
}

static void pack_result(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct sentiment *s = (struct sentiment *)a;
	uint64_t total = 0, pos = 0, neg = 0, neu = 0;
	int64_t sum = 0;

	for (size_t i = 0; i < s->nr_ticks; i++) {
		total += s->ticks[i].comments;
		sum += s->ticks[i].sum;
		pos += s->ticks[i].positive;
		neg += s->ticks[i].negative;
		neu += s->ticks[i].neutral;
	}
	msgpack_pack_map(pk, 8);
	cf_pack_str(pk, "aggregate");
	msgpack_pack_map(pk, 6);
	cf_pack_kv_u64(pk, "comments", total);
	cf_pack_str(pk, "mean");
	if (total)
		cf_pack_f64(pk, round4(sum / 1e9 / total));
	else
		msgpack_pack_nil(pk);
	cf_pack_kv_u64(pk, "negative", neg);
	cf_pack_kv_u64(pk, "neutral", neu);
	cf_pack_kv_u64(pk, "positive", pos);
	cf_pack_kv_u64(pk, "ticks", s->nr_ticks);
	cf_pack_kv_u64(pk, "commits", a->fs.commits);
	cf_pack_kv_u64(pk, "min_length", s->min_length);
	cf_pack_str(pk, "most_negative");
	pack_lows(pk, s);
	cf_fs_pack_ticks(pk, &a->fs);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, s->nr_ticks);
	for (size_t i = 0; i < s->nr_ticks; i++) {
		const struct tick_stat *t = &s->ticks[i];
		msgpack_pack_map(pk, 7);
		cf_pack_kv_u64(pk, "comments", t->comments);
		cf_pack_kv_f64(pk, "mean", round4(t->sum / 1e9 / t->comments));
		cf_pack_kv_u64(pk, "negative", t->negative);
		cf_pack_kv_u64(pk, "neutral", t->neutral);
		cf_pack_kv_u64(pk, "positive", t->positive);
		cf_pack_kv_i64(pk, "sum_nano", t->sum);
		cf_pack_kv_u64(pk, "tick", t->tick);
	}
	cf_pack_kv_u64(pk, "top", s->top);
}

/* ---- checkpoints: {min_length, top, ticks: [[tick, n, sum (1e-9), pos, neg, neu]], lows} ---- */

static void pack_state(msgpack_packer *pk, struct cf_fs_analyzer *a)
{
	struct sentiment *s = (struct sentiment *)a;

	msgpack_pack_map(pk, 4);
	cf_pack_kv_u64(pk, "min_length", s->min_length);
	cf_pack_kv_u64(pk, "top", s->top);
	cf_pack_str(pk, "ticks");
	msgpack_pack_array(pk, s->nr_ticks);
	for (size_t i = 0; i < s->nr_ticks; i++) {
		const struct tick_stat *t = &s->ticks[i];
		msgpack_pack_array(pk, 6);
		cf_pack_u64(pk, t->tick);
		cf_pack_u64(pk, t->comments);
		cf_pack_i64(pk, t->sum);
		cf_pack_u64(pk, t->positive);
		cf_pack_u64(pk, t->negative);
		cf_pack_u64(pk, t->neutral);
	}
	cf_pack_str(pk, "lows");
	msgpack_pack_array(pk, s->nr_lows);
	for (size_t i = 0; i < s->nr_lows; i++) {
		const struct low *l = &s->lows[i];
		msgpack_pack_array(pk, 6);
		cf_pack_f64(pk, l->compound);
		cf_pack_u64(pk, l->tick);
		cf_pack_u64(pk, l->line);
		cf_pack_oid(pk, &l->commit);
		cf_pack_str(pk, l->file);
		cf_pack_str(pk, l->text);
	}
}

static double state_f64(const struct cf_state *st, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_FLOAT64 && o->type != MSGPACK_OBJECT_FLOAT32)
		cf_state_die(st, "a score must be a float");
	return o->via.f64;
}

static int64_t state_i64(const struct cf_state *st, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	return (int64_t)cf_fs_state_u64(st, o, INT64_MAX);
}

static void unpack_lows(struct sentiment *s, const struct cf_state *st, const msgpack_object *o)
{
	uint32_t n;
	const msgpack_object *v = cf_state_array(st, o, "lows", &n);

	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = v[i].via.array.ptr;
		struct low l;
		const char *b;
		size_t len;
		if (v[i].type != MSGPACK_OBJECT_ARRAY || v[i].via.array.size != 6)
			cf_state_die(st, "a comment must be an array of 6");
		l.compound = state_f64(st, &e[0]);
		l.tick = cf_fs_state_u64(st, &e[1], UINT64_MAX);
		l.line = cf_fs_state_u64(st, &e[2], UINT32_MAX);
		b = cf_state_bytes(st, &e[3], "a commit", &len);
		if (len != CF_OID_RAWSZ)
			cf_state_die(st, "a commit must be %d bytes", CF_OID_RAWSZ);
		memcpy(l.commit.id, b, len);
		b = cf_state_bytes(st, &e[4], "a file", &len);
		l.file = xmemdupz(b, len);
		b = cf_state_bytes(st, &e[5], "a text", &len);
		l.text = xmemdupz(b, len);
		add_low(s, &l);
	}
}

static void unpack_state(struct cf_fs_analyzer *a, const struct cf_state *st,
			 const msgpack_object *o)
{
	struct sentiment *s = (struct sentiment *)a;
	uint32_t n;
	const msgpack_object *v;

	if (cf_state_u64(st, o, "min_length") != s->min_length ||
	    cf_state_u64(st, o, "top") != s->top)
		die("state file '%s' was saved with other --min-length or --top", st->path);
	v = cf_state_array(st, o, "ticks", &n);
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = v[i].via.array.ptr;
		struct tick_stat *t;
		if (v[i].type != MSGPACK_OBJECT_ARRAY || v[i].via.array.size != 6)
			cf_state_die(st, "a tick must be an array of 6");
		t = tick_entry(s, cf_fs_state_u64(st, &e[0], UINT64_MAX));
		if (t->comments || (i && t->tick <= s->ticks[s->nr_ticks - 2].tick))
			cf_state_die(st, "ticks must be in ascending order");
		t->comments = cf_fs_state_u64(st, &e[1], UINT64_MAX);
		t->sum = state_i64(st, &e[2]);
		t->positive = cf_fs_state_u64(st, &e[3], UINT64_MAX);
		t->negative = cf_fs_state_u64(st, &e[4], UINT64_MAX);
		t->neutral = cf_fs_state_u64(st, &e[5], UINT64_MAX);
		if (!t->comments)
			cf_state_die(st, "a tick without comments");
	}
	unpack_lows(s, st, o);
}

enum { OPT_MIN_LENGTH = 256, OPT_TOP };

int cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "min-length", required_argument, NULL, OPT_MIN_LENGTH },
		{ "top", required_argument, NULL, OPT_TOP },
		CF_FS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sentiment s = { 0 };
	int opt;

	s.min_length = 20;
	s.top = 20;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MIN_LENGTH:
			s.min_length = cf_opt_uint("--min-length", optarg, 1, 4096);
			break;
		case OPT_TOP:
			s.top = cf_opt_uint("--top", optarg, 0, 100000);
			break;
		case 'h':
			cf_usage_exit(usage);
		default:
			if (!cf_fs_option(&s.a, opt, optarg))
				cf_usage_bad(usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	s.lows = xcalloc(s.top + 1, sizeof(*s.lows));
	s.a.name = "sentiment";
	s.a.schema = 2;
	s.a.commit = on_commit;
	s.a.change = on_change;
	s.a.record = on_record;
	s.a.pack_state = pack_state;
	s.a.unpack_state = unpack_state;
	s.a.pack_result = pack_result;
	cf_fs_main(&s.a);
	for (size_t i = 0; i < s.nr_lows; i++) {
		free(s.lows[i].file);
		free(s.lows[i].text);
	}
	free(s.lows);
	free(s.ticks);
	cf_fileset_release(&s.a.fs);
	return 0;
}
