/* libFuzzer target for rules scripts: any bytes as the script a model
 * file carries, loaded in the sandbox and run over a small log, under a
 * small instruction limit so that loops end fast. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "hooks/rules.h"
#include "fuzz.h"

static const char log_csv[] = "temp,pressure,label\n1,5,ok\n2,,bad\n3,7,ok\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	if (fuzz_file((const uint8_t *)log_csv, sizeof log_csv - 1, path))
		return 0;
	struct csvin_opts o;
	csvin_opts_init(&o);
	struct table *t;
	struct csvin_report rep;
	struct err e;
	if (csvin_load(path, &o, &t, &rep, &e))
		return 0;
	struct rules *r;
	if (rules_load_text("fuzz.lua", (const char *)data, size, 100000, &r, &e) == 0) {
		struct clean_report cr;
		memset(&cr, 0, sizeof cr);
		if (rules_clean(r, t, "label", NULL, &cr, &e) == 0) {
			char *texts[8] = {0};
			for (size_t i = 0; i < t->nrows && i < 8; i++)
				texts[i] = strdup("a text");
			if (t->nrows <= 8)
				rules_textualize(r, t, texts, &e);
			for (size_t i = 0; i < 8; i++)
				free(texts[i]);
		}
		clean_report_free(&cr);
		rules_free(r);
	}
	table_free(t);
	return 0;
}
