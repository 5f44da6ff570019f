/* libFuzzer target for the Lua row bridge (hooks/row.h): any bytes as the
 * log, read with column types sniffed (numbers, text, timestamps, missing
 * cells, any UTF-8), and each row through scripts that read it and hand
 * it back changed: cells to other types, new columns, rows rebuilt, rows
 * dropped, and labels and filters over the same cells. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "hooks/filter.h"
#include "hooks/rules.h"
#include "fuzz.h"

static const char *const scripts[] = {
	"function clean(row) return row end\n",
	"function clean(row)\n"
	"  local out = {}\n"
	"  for k, v in pairs(row) do out[k] = type(v) == 'number' and tostring(v) or v end\n"
	"  return out\nend\n",
	"function clean(row)\n"
	"  for k, v in pairs(row) do\n"
	"    if type(v) == 'string' then row[k] = #v elseif type(v) == 'number' then row[k] = v * 2 end\n"
	"  end\n"
	"  row['added'] = 'x'\n  return row\nend\n",
	"function clean(row)\n"
	"  local n = 0\n"
	"  for k in pairs(row) do n = n + 1; row[k] = nil end\n"
	"  if n % 2 == 0 then return nil end\n  return row\nend\n",
	"function label(row)\n"
	"  for k, v in pairs(row) do return v end\nend\n",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	if (fuzz_file(data, size, path))
		return 0;
	struct csvin_opts o;
	csvin_opts_init(&o);
	o.bad_number_missing = true;
	o.bad_utf8_replace = true;
	o.ragged_pad = true;
	struct table *t;
	struct csvin_report rep;
	struct err e;
	if (csvin_load(path, &o, &t, &rep, &e))
		return 0;
	for (size_t s = 0; s < sizeof scripts / sizeof *scripts; s++) {
		struct table *copy = table_clone(t);
		struct rules *r;
		if (rules_load_text("row.lua", scripts[s], strlen(scripts[s]), 100000, &r, &e) == 0) {
			struct clean_report cr;
			memset(&cr, 0, sizeof cr);
			rules_clean(r, copy, "label", NULL, &cr, &e);
			clean_report_free(&cr);
			rules_free(r);
		}
		table_free(copy);
	}
	/* a filter reads every column by its names */
	struct row_filter *f;
	if (t->ncols && row_filter_new("row ~= nil", t, 100000, &f, &e) == 0) {
		bool *keep = malloc(t->nrows + 1);
		if (keep)
			row_filter_apply(f, t, NULL, t->nrows, keep, &e);
		free(keep);
		row_filter_free(f);
	}
	table_free(t);
	return 0;
}
