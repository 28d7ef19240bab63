/*
 * libFuzzer harness for the record reader and the typed getters: the input
 * is a stream, read from a memfd the way a tool reads its stdin, each record
 * rendered as JSON and its common fields fetched with the getters.
 *
 * The reader dies on bad input (exit 3); exit() is wrapped at link time
 * (-Wl,--wrap=exit) to jump back here, where the reader is released, so
 * that one process can run millions of inputs without leaking.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cf/buf.h"
#include "cf/json.h"
#include "cf/reader.h"
#include "cf/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf died;
static int armed;
static int input_fd = -1;

_Noreturn void __real_exit(int code);
_Noreturn void __wrap_exit(int code);
void __wrap_exit(int code)
{
	if (armed) {
		armed = 0;
		longjmp(died, 1);
	}
	__real_exit(code);
}

static void fields(const struct cf_record *rec)
{
	const char *s;
	size_t len;
	uint64_t u;
	int64_t i;
	struct cf_oid oid;
	const msgpack_object *items;
	uint32_t n;

	cf_rec_str_opt(rec, "path", &s, &len);
	cf_rec_u64_opt(rec, "size", &u);
	cf_rec_i64_opt(rec, "time", &i);
	cf_rec_oid_opt(rec, "id", &oid);
	cf_rec_array_opt(rec, "hunks", &items, &n);
	cf_rec_bool(rec, "binary");
}

static void read_all(struct cf_reader *r, struct cf_buf *json)
{
	struct cf_record rec;

	while (cf_reader_next(r, &rec)) {
		cf_buf_reset(json);
		cf_json_obj(json, rec.map, CF_JSON_SORT_KEYS);
		fields(&rec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_reader r;
	struct cf_buf json = CF_BUF_INIT;

	if (input_fd < 0)
		input_fd = memfd_create("cf-fuzz-input", MFD_CLOEXEC);
	if (input_fd < 0 || ftruncate(input_fd, 0) < 0 ||
	    pwrite(input_fd, data, size, 0) != (ssize_t)size ||
	    lseek(input_fd, 0, SEEK_SET) < 0)
		abort();
	cf_reader_init(&r, input_fd);
	if (!setjmp(died)) {
		armed = 1;
		read_all(&r, &json);
		armed = 0;
	}
	cf_reader_release(&r);
	cf_buf_release(&json);
	return 0;
}
