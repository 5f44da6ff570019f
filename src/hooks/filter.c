#include "config.h"
#include "filter.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
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

/* The expression is compiled in an environment where a name is a column
 * as the grid's header spells it, its fact name or the header with other
 * characters as underscores (any case), row is the row itself, and the
 * standard library stays visible. An unknown name is an error, with the
 * nearest column's name when one is near: a typo must not match nothing
 * in silence. It is unknown on every row alike, so it is kept in
 * filter_unknown_name for the caller to stop at the first. The aliases
 * come as {name, column} pairs, the header's own spellings first, so they
 * win where folding makes two alike. */
static const char prelude[] =
	"local pairs_ = ...\n"
	"local aliases, names = {}, {}\n"
	"for _, p in ipairs(pairs_) do\n"
	"  local low = string.lower(p[1])\n"
	"  if aliases[p[1]] == nil then aliases[p[1]] = p[2]; names[#names + 1] = p[1] end\n"
	"  if aliases[low] == nil then aliases[low] = p[2] end\n"
	"end\n"
	"local function distance(a, b)\n"
	"  local prev = {}\n"
	"  for j = 0, #b do prev[j] = j end\n"
	"  for i = 1, #a do\n"
	"    local cur = {[0] = i}\n"
	"    for j = 1, #b do\n"
	"      local cost = a:byte(i) == b:byte(j) and 0 or 1\n"
	"      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)\n"
	"    end\n"
	"    prev = cur\n"
	"  end\n"
	"  return prev[#b]\n"
	"end\n"
	"local function unknown(k)\n"
	"  local best, near = nil, math.max(2, #k // 3) + 1\n"
	"  for _, n in ipairs(names) do\n"
	"    local d = distance(string.lower(k), string.lower(n))\n"
	"    if d < near then best, near = n, d end\n"
	"  end\n"
	"  if best then return \"unknown name '\" .. k .. \"': did you mean \" .. best .. \"?\" end\n"
	"  return \"unknown name '\" .. k .. \"' (a column? see the grid's header, or row[\\\"...\\\"])\"\n"
	"end\n"
	"local current\n"
	"filter_unknown_name = {}\n"
	"local env = setmetatable({}, { __index = function(_, k)\n"
	"  if k == 'row' then return current end\n"
	"  local col = aliases[k]\n"
	"  if col == nil and type(k) == 'string' then col = aliases[string.lower(k)] end\n"
	"  if col then return current[col] end\n"
	"  local g = _G[k]\n"
	"  if g == nil then\n"
	"    filter_unknown_name[1] = unknown(tostring(k))\n"
	"    error(filter_unknown_name[1], 0)\n"
	"  end\n"
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

/* A header as a Lua name: every run of other characters an underscore,
 * none at the ends ("CO2(tCO2)" -> "CO2_tCO2"; "Usage_kWh" stays). A name
 * that cannot be one (a digit first, only symbols) gets a leading "_"; a
 * keyword stays as it is, reachable as row["..."] only. */
static char *identifier(const char *header)
{
	size_t n = strlen(header);
	char *out = xmalloc(n + 2), *o = out;
	if (isdigit((unsigned char)header[0]))
		*o++ = '_';
	for (const char *s = header; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '_' || c >= 0x80)
			*o++ = (char)c;
		else if (o > out && o[-1] != '_')
			*o++ = '_';
	}
	while (o > out + 1 && o[-1] == '_' && !(n && header[n - 1] == '_'))
		o--;
	*o = '\0';
	if (!out[0])
		snprintf(out, n + 2, "_");
	return out;
}

int row_filter_new(const char *expr, const struct table *t, long limit, struct row_filter **out, struct err *e)
{
	*out = NULL;
	if (strstr(expr, "]==]"))
		return err_set(e, "filter: the expression may not contain ]==]");
	struct strbuf b = {0};
	strbuf_printf(&b, "expression = [==[%s]==]\nlocal aliases = {\n", expr);
	/* the header's own spellings first, then the fact names */
	for (int pass = 0; pass < 2; pass++)
		for (size_t c = 0; c < t->ncols; c++) {
			char *name = pass ? textualize_fact_name(t->cols[c].name) : identifier(t->cols[c].name);
			if (pass)
				for (char *s = name; *s; s++)
					if (*s == ' ' || *s == '-')
						*s = '_';
			strbuf_puts(&b, "  {");
			put_quoted(&b, name);
			strbuf_puts(&b, ", ");
			put_quoted(&b, t->cols[c].name);
			strbuf_puts(&b, "},\n");
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

/* Whether the expression used a name no column has; e says which. */
static bool used_unknown_name(lua_State *L, struct err *e)
{
	int top = lua_gettop(L);
	bool unknown =
	    sandbox_get_global(L, "filter_unknown_name") == LUA_TTABLE && lua_rawgeti(L, -1, 1) == LUA_TSTRING;
	if (unknown)
		err_set(e, "filter: %s", lua_tostring(L, -1));
	lua_settop(L, top);
	return unknown;
}

/* Calls the expression on rows[0..n) (rows NULL: every row); take reads
 * its value at the top of L for row i, or sees it failed (ok false).
 * -1 with the first error when it failed on every row, or at once when it
 * named what no row has: a typo fails alike on each of a million rows. */
static int each_row(struct row_filter *f, const struct table *t, const size_t *rows, size_t n,
                    void (*take)(lua_State *L, size_t i, bool ok, void *ctx), void *ctx, struct err *e)
{
	lua_State *L = rules_lua(f->r);
	struct row_codec rc;
	lua_settop(L, 0);
	row_codec_begin(&rc, L, t);
	size_t failed = 0;
	bool unknown = false;
	struct err first = {0};
	for (size_t i = 0; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		sandbox_get_global(L, "filter");
		row_push(&rc, t, r);
		struct err one;
		char where[64];
		snprintf(where, sizeof where, "data row %lld", (long long)t->source_row[r]);
		bool ok = sandbox_pcall(L, 1, 1, where, &one) == 0;
		if (!ok && failed++ == 0)
			first = one;
		if (!ok && (unknown = used_unknown_name(L, e)))
			break;
		take(L, i, ok, ctx);
		if (ok)
			lua_pop(L, 1);
	}
	row_codec_end(&rc);
	lua_settop(L, 0);
	if (unknown)
		return -1;
	if (n && failed == n) {
		*e = first;
		return -1;
	}
	return 0;
}

struct kept {
	bool *keep;
	long count;
};

static void take_truth(lua_State *L, size_t i, bool ok, void *ctx)
{
	struct kept *k = ctx;
	k->keep[i] = ok && lua_toboolean(L, -1);
	k->count += k->keep[i];
}

long row_filter_apply(struct row_filter *f, const struct table *t, const size_t *rows, size_t n, bool *keep,
                      struct err *e)
{
	struct kept k = {.keep = keep};
	return each_row(f, t, rows, n, take_truth, &k, e) ? -1 : k.count;
}

struct values {
	double *num;
	char **text;
};

static void take_value(lua_State *L, size_t i, bool ok, void *ctx)
{
	struct values *v = ctx;
	int type = ok ? lua_type(L, -1) : LUA_TNIL;
	v->num[i] = type == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
	if (!v->text)
		return;
	v->text[i] = type == LUA_TSTRING || type == LUA_TNUMBER ? xstrdup(lua_tostring(L, -1))
	             : type == LUA_TBOOLEAN                    ? xstrdup(lua_toboolean(L, -1) ? "true" : "false")
	                                                       : NULL;
}

int row_filter_values(struct row_filter *f, const struct table *t, const size_t *rows, size_t n, double *num,
                      char **text, struct err *e)
{
	struct values v = {.num = num, .text = text};
	return each_row(f, t, rows, n, take_value, &v, e);
}
