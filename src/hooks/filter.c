#include "config.h"
#include "filter.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include "base/strbuf.h"
#include "prep/textualize.h"
#include "hooks/row.h"
#include "hooks/rules.h"
#include "hooks/sandbox.h"

struct row_filter {
	struct rules *r;
};

/* The expression is compiled in an environment where an unknown name is
 * an error (a typo must not match nothing in silence), column aliases
 * resolve to the row's cells, and the standard library stays visible. */
static const char prelude[] =
	"local aliases = ...\n"
	"local current\n"
	"local env = setmetatable({}, { __index = function(_, k)\n"
	"  if k == 'row' then return current end\n"
	"  local col = aliases[k]\n"
	"  if col then return current[col] end\n"
	"  local g = _G[k]\n"
	"  if g == nil then error(\"unknown name '\" .. tostring(k) .. \"' (a column? see the grid's header)\", 0) end\n"
	"  return g\n"
	"end })\n"
	"local f, err = load('return (' .. expression .. ')', '=filter', 't', env)\n"
	"if not f then error(err, 0) end\n"
	"function filter(r) current = r; return f() end\n";

/* s as a Lua string literal, every byte kept: quotes and backslashes
 * escaped, control characters (a CR in a header) as \ddd. */
static void put_quoted(struct strbuf *b, const char *s)
{
	strbuf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7F)
			strbuf_printf(b, "\\%03u", c);
		else if (c == '"' || c == '\\')
			strbuf_printf(b, "\\%c", c);
		else
			strbuf_add(b, s, 1);
	}
	strbuf_add(b, "\"", 1);
}

int row_filter_new(const char *expr, const struct table *t, long limit, struct row_filter **out, struct err *e)
{
	*out = NULL;
	if (strstr(expr, "]==]"))
		return err_set(e, "filter: the expression may not contain ]==]");
	struct strbuf b = {0};
	strbuf_printf(&b, "expression = [==[%s]==]\nlocal aliases = {\n", expr);
	for (size_t c = 0; c < t->ncols; c++) {
		char *name = textualize_fact_name(t->cols[c].name);
		for (char *s = name; *s; s++)
			if (*s == ' ' || *s == '-')
				*s = '_';
		strbuf_puts(&b, "  [");
		put_quoted(&b, name);
		strbuf_puts(&b, "] = ");
		put_quoted(&b, t->cols[c].name);
		strbuf_puts(&b, ",\n");
		free(name);
	}
	strbuf_puts(&b, "}\n");
	/* the prelude takes the aliases as its chunk argument */
	strbuf_puts(&b, "(function(...)\n");
	strbuf_puts(&b, prelude);
	strbuf_puts(&b, "end)(aliases)\n");
	struct row_filter *f = xcalloc(1, sizeof *f);
	int rc = rules_load_text("filter", b.s, b.len, limit, &f->r, e);
	strbuf_free(&b);
	if (rc) {
		free(f);
		return -1;
	}
	*out = f;
	return 0;
}

void row_filter_free(struct row_filter *f)
{
	if (!f)
		return;
	rules_free(f->r);
	free(f);
}

long row_filter_apply(struct row_filter *f, const struct table *t, const size_t *rows, size_t n, bool *keep,
                      struct err *e)
{
	lua_State *L = rules_lua(f->r);
	struct row_codec rc;
	lua_settop(L, 0);
	row_codec_begin(&rc, L, t);
	long kept = 0;
	size_t failed = 0;
	struct err first = {0};
	for (size_t i = 0; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		sandbox_get_global(L, "filter");
		row_push(&rc, t, r);
		struct err one;
		char where[64];
		snprintf(where, sizeof where, "data row %lld", (long long)t->source_row[r]);
		keep[i] = false;
		if (sandbox_pcall(L, 1, 1, where, &one)) {
			if (failed++ == 0)
				first = one;
			continue;
		}
		keep[i] = lua_toboolean(L, -1);
		kept += keep[i];
		lua_pop(L, 1);
	}
	row_codec_end(&rc);
	lua_settop(L, 0);
	if (n && failed == n) {
		*e = first;
		return -1;
	}
	return kept;
}
