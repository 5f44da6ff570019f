#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/fileio.h"
#include "base/rng.h"
#include "base/strpool.h"
#include "base/utf8.h"
#include "tap.h"

int main(void)
{
	struct strpool *p = strpool_new();
	uint32_t a = strpool_intern(p, "正常", strlen("正常"));
	uint32_t b = strpool_intern(p, "停机", strlen("停机"));
	ok(a && b && a != b, "distinct ids");
	is_int(strpool_intern(p, "正常", strlen("正常")), a, "same string, same id");
	is_str(strpool_get(p, b), "停机", "lookup");
	char buf[16];
	for (int i = 0; i < 10000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		strpool_intern(p, buf, strlen(buf));
	}
	is_int(strpool_find(p, "s9999", 5), strpool_count(p) - 1, "survives rehashing");
	is_int(strpool_find(p, "nope", 4), 0, "absent is 0");
	strpool_free(p);

	ok(utf8_invalid_at("héllo 紧急停机", strlen("héllo 紧急停机")) < 0, "valid UTF-8");
	is_int(utf8_invalid_at("ab\xC3", 3), 2, "truncated sequence found");
	is_int(utf8_invalid_at("a\xED\xA0\x80", 4), 1, "surrogate refused");
	is_int(utf8_width("紧急停机"), 8, "CJK is double width");
	char *f = utf8_fold("Torque ÄÖ");
	is_str(f, "torque äö", "case folding");
	free(f);
	struct strbuf sb = {0};
	is_int(utf8_repair("a\xFF" "b", 3, &sb), 1, "one repair");
	is_str(sb.s, "a\xEF\xBF\xBD" "b", "U+FFFD inserted");
	strbuf_free(&sb);

	struct rng r1, r2;
	rng_seed(&r1, 1);
	rng_seed(&r2, 1);
	int same = 1;
	for (int i = 0; i < 100; i++)
		same &= rng_next(&r1) == rng_next(&r2);
	ok(same, "rng reproducible");
	int inrange = 1;
	for (int i = 0; i < 1000; i++)
		inrange &= rng_below(&r1, 7) < 7;
	ok(inrange, "rng_below in range");

	char dir[] = "/tmp/lathe-fileio-XXXXXX";
	ok(mkdtemp(dir) != NULL, "temp dir");
	char target[128];
	snprintf(target, sizeof target, "%s/out.csv", dir);
	struct atomic_file af;
	struct err e;
	ok(atomic_open(&af, target, &e) == 0, "atomic open");
	fputs("partial", af.fp);
	ok(access(target, F_OK) != 0, "nothing at the target before commit");
	atomic_abort(&af);
	ok(access(target, F_OK) != 0, "abort leaves no file");
	ok(atomic_open(&af, target, &e) == 0, "atomic open again");
	fputs("done\n", af.fp);
	ok(atomic_commit(&af, &e) == 0 && access(target, F_OK) == 0, "commit puts it in place");
	ok(atomic_open(&af, "/nonexistent-dir/x.csv", &e) != 0 && strstr(e.msg, "/nonexistent-dir/x.csv: cannot write"),
	   "unwritable: %s", e.msg);
	ok(atomic_open(&af, dir, &e) != 0 && strstr(e.msg, "is a directory"), "directory refused");
	unlink(target);
	rmdir(dir);
	return tap_done();
}
