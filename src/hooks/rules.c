#include "config.h"
#include "rules.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/datadir.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/rng.h"
#include "base/utf8.h"
#include "hooks/row.h"
#include "hooks/sandbox.h"

/* A script is text a person wrote: 16 MB is far more than any needs. */
#define RULES_MAX_BYTES ((size_t)16 << 20)

struct rules {
	lua_State *L;
	char *path;
	char *base;           /* file name for messages */
	char *text;           /* the script itself */
	struct rules_config cfg;
	bool has_clean, has_label, has_textualize, has_augment;
};

/* ---- reading the settings ---- */

static char *opt_string(lua_State *L, int tbl, const char *key, struct err *e, int *bad)
{
	lua_getfield(L, tbl, key);
	char *s = NULL;
	if (lua_type(L, -1) == LUA_TSTRING)
		s = xstrdup(lua_tostring(L, -1));
	else if (!lua_isnil(L, -1) && !*bad)
		*bad = err_set(e, "'%s' must be a string", key);
	lua_pop(L, 1);
	return s;
}

static char **string_list(lua_State *L, int tbl, const char *key, size_t *n, struct err *e, int *bad)
{
	*n = 0;
	lua_getfield(L, tbl, key);
	char **list = NULL;
	if (lua_istable(L, -1)) {
		lua_Integer len = luaL_len(L, -1);
		list = xcalloc((size_t)len + 1, sizeof *list);
		for (lua_Integer i = 1; i <= len; i++) {
			lua_rawgeti(L, -1, i);
			if (lua_type(L, -1) != LUA_TSTRING) {
				if (!*bad)
					*bad = err_set(e, "'%s' must be a list of column names", key);
			} else {
				list[(*n)++] = xstrdup(lua_tostring(L, -1));
			}
			lua_pop(L, 1);
		}
	} else if (!lua_isnil(L, -1) && !*bad) {
		*bad = err_set(e, "'%s' must be a list of column names", key);
	}
	lua_pop(L, 1);
	return list;
}

/* One entry of a rules list at idx: {NAME, ARG} as lathe.clean makes, or
 * a rule's name alone. Runs no metamethod. */
static int rules_parse_entry(lua_State *L, int idx, struct clean_rule *out, struct err *e)
{
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING)
		return clean_rule_parse(lua_tostring(L, idx), NULL, out, e);
	if (lua_type(L, idx) != LUA_TTABLE)
		return err_set(e, "expected {NAME, ARG} as made by lathe.clean, or a rule's name; got a %s",
		               lua_typename(L, lua_type(L, idx)));
	int name_type = lua_rawgeti(L, idx, 1), arg_type = lua_rawgeti(L, idx, 2);
	int rc;
	if (name_type != LUA_TSTRING)
		rc = err_set(e, "expected {NAME, ARG} as made by lathe.clean: the name is a %s", lua_typename(L, name_type));
	else if (arg_type != LUA_TNIL && arg_type != LUA_TSTRING && arg_type != LUA_TNUMBER)
		rc = err_set(e, "the argument of '%s' is a %s, expected text", lua_tostring(L, -2), lua_typename(L, arg_type));
	else
		rc = clean_rule_parse(lua_tostring(L, -2), arg_type == LUA_TNIL ? NULL : lua_tostring(L, -1), out, e);
	lua_pop(L, 2);
	return rc;
}

static struct text_column *text_column_for(struct rules_config *c, const char *name)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (strcmp(c->cols[i].column, name) == 0)
			return &c->cols[i];
	c->cols = xrealloc(c->cols, (c->ncols + 1) * sizeof *c->cols);
	struct text_column *tc = &c->cols[c->ncols++];
	memset(tc, 0, sizeof *tc);
	tc->column = xstrdup(name);
	return tc;
}

static int read_config(struct rules *r, struct err *e)
{
	lua_State *L = r->L;
	struct rules_config *c = &r->cfg;
	int bad = 0;
	c->window = -1;
	lua_pushglobaltable(L);
	int g = lua_gettop(L);
	c->label_column = opt_string(L, g, "label_column", e, &bad);
	c->machine = opt_string(L, g, "machine", e, &bad);
	c->time = opt_string(L, g, "time", e, &bad);
	lua_getfield(L, g, "rules");
	if (lua_istable(L, -1)) {
		size_t n = lua_rawlen(L, -1);
		c->rules = xcalloc(n + 1, sizeof *c->rules);
		for (size_t i = 1; i <= n && !bad; i++) {
			lua_rawgeti(L, -1, (lua_Integer)i);
			if (rules_parse_entry(L, -1, &c->rules[c->nrules], e))
				bad = err_prefix(e, "rules[%zu]: ", i);
			else
				c->nrules++;
			lua_pop(L, 1);
		}
	} else if (!lua_isnil(L, -1)) {
		bad = err_set(e, "'rules' must be a list of rules");
	}
	lua_pop(L, 1);
	lua_getfield(L, g, "types");
	if (lua_istable(L, -1)) {
		lua_pushnil(L);
		while (!bad && lua_next(L, -2)) {
			char spec[600];
			snprintf(spec, sizeof spec, "%s=%s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "?",
			         lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
			c->types = xrealloc(c->types, (c->ntypes + 1) * sizeof *c->types);
			if (csvin_parse_type(spec, &c->types[c->ntypes], e))
				bad = err_prefix(e, "types: ");
			else
				c->ntypes++;
			lua_pop(L, bad ? 2 : 1);  /* on an error the key too: the loop ends */
		}
	}
	lua_pop(L, 1);
	lua_getfield(L, g, "text");
	if (lua_istable(L, -1) && !bad) {
		int t = lua_gettop(L);
		c->lang = opt_string(L, t, "lang", e, &bad);
		c->binning = opt_string(L, t, "binning", e, &bad);
		c->notes = opt_string(L, t, "notes", e, &bad);
		lua_getfield(L, t, "window");
		if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0)
			c->window = (long)lua_tointeger(L, -1);
		else if (!lua_isnil(L, -1) && !bad)
			bad = err_set(e, "text.window must be a whole number of readings");
		lua_pop(L, 1);
		c->include = string_list(L, t, "include", &c->ninclude, e, &bad);
		c->exclude = string_list(L, t, "exclude", &c->nexclude, e, &bad);
		lua_getfield(L, t, "names");
		if (lua_istable(L, -1)) {
			lua_pushnil(L);
			while (lua_next(L, -2)) {
				if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
					struct text_column *tc = text_column_for(c, lua_tostring(L, -2));
					free(tc->name);
					tc->name = xstrdup(lua_tostring(L, -1));
				} else if (!bad) {
					bad = err_set(e, "text.names must map column names to words");
				}
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
		lua_getfield(L, t, "levels");
		if (lua_istable(L, -1)) {
			lua_pushnil(L);
			while (lua_next(L, -2)) {
				lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
				bool ok = lua_type(L, -2) == LUA_TSTRING && n >= 2 && n <= TEXT_MAX_CUTS && n % 2 == 0;
				double cuts[TEXT_MAX_CUTS] = {0};
				for (int k = 0; ok && k < n; k++) {
					lua_rawgeti(L, -1, k + 1);
					ok = lua_isnumber(L, -1) && (k == 0 || lua_tonumber(L, -1) >= cuts[k - 1]);
					cuts[k] = lua_tonumber(L, -1);
					lua_pop(L, 1);
				}
				if (ok) {
					struct text_column *tc = text_column_for(c, lua_tostring(L, -2));
					memcpy(tc->cuts, cuts, sizeof cuts);
					tc->ncuts = (int)n;
					tc->has_cuts = true;
				} else if (!bad) {
					bad = err_set(e, "text.levels: each column needs 2, 4 or 6 rising thresholds ({a, b, c, d} for "
					                 "five levels)");
				}
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	} else if (!lua_isnil(L, -1) && !bad) {
		bad = err_set(e, "'text' must be a table");
	}
	lua_pop(L, 2);
	if (bad)
		err_prefix(e, "%s: ", r->path);
	return bad ? -1 : 0;
}

/* Reading the settings may run the script's metamethods (__index, __len),
 * which may raise errors: read them inside a protected call. */
struct config_call {
	struct rules *r;
	struct err *e;
	int rc;
};

static int read_config_protected(lua_State *L)
{
	struct config_call *cc = lua_touserdata(L, 1);
	lua_settop(L, 0);
	cc->rc = read_config(cc->r, cc->e);
	return 0;
}

static int read_config_safely(struct rules *r, struct err *e)
{
	struct config_call cc = {r, e, -1};
	lua_pushcfunction(r->L, read_config_protected);
	lua_pushlightuserdata(r->L, &cc);
	if (sandbox_pcall(r->L, 1, 0, NULL, e))
		return err_prefix(e, "%s: settings: ", r->path);
	return cc.rc;
}

static bool has_function(lua_State *L, const char *name)
{
	bool yes = sandbox_get_global(L, name) == LUA_TFUNCTION;
	lua_pop(L, 1);
	return yes;
}

int rules_load(const char *path, long limit, struct rules **out, struct err *e)
{
	*out = NULL;
	char *text;
	size_t len;
	if (fileio_read_regular(path, RULES_MAX_BYTES, &text, &len, e))
		return -1;
	int rc = rules_load_text(path, text, len, limit, out, e);
	free(text);
	return rc;
}

int rules_load_text(const char *path, const char *text, size_t len, long limit, struct rules **out, struct err *e)
{
	*out = NULL;
	struct rules *r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->text = xstrndup(text, len);
	const char *slash = strrchr(path, '/');
	r->base = xstrdup(slash ? slash + 1 : path);
	r->L = sandbox_open(limit, SANDBOX_DEFAULT_MEMORY, e);
	if (!r->L || sandbox_load(r->L, text, len, path, e) || sandbox_pcall(r->L, 0, 0, NULL, e) ||
	    read_config_safely(r, e)) {
		rules_free(r);
		return -1;
	}
	r->has_clean = has_function(r->L, "clean");
	r->has_label = has_function(r->L, "label");
	r->has_textualize = has_function(r->L, "textualize");
	r->has_augment = has_function(r->L, "augment");
	*out = r;
	return 0;
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	sandbox_close(r->L);
	struct rules_config *c = &r->cfg;
	for (size_t i = 0; i < c->nrules; i++)
		clean_rule_free(&c->rules[i]);
	free(c->rules);
	for (size_t i = 0; i < c->ntypes; i++)
		free(c->types[i].column);
	free(c->types);
	free(c->label_column);
	free(c->machine);
	free(c->time);
	free(c->lang);
	free(c->binning);
	free(c->notes);
	for (size_t i = 0; i < c->ninclude; i++)
		free(c->include[i]);
	free(c->include);
	for (size_t i = 0; i < c->nexclude; i++)
		free(c->exclude[i]);
	free(c->exclude);
	for (size_t i = 0; i < c->ncols; i++) {
		free(c->cols[i].column);
		free(c->cols[i].name);
	}
	free(c->cols);
	free(r->path);
	free(r->base);
	free(r->text);
	free(r);
}

const struct rules_config *rules_config(const struct rules *r)
{
	return &r->cfg;
}

const char *rules_path(const struct rules *r)
{
	return r->path;
}

const char *rules_text(const struct rules *r)
{
	return r->text;
}

bool rules_has_clean(const struct rules *r)
{
	return r->has_clean;
}

bool rules_has_label(const struct rules *r)
{
	return r->has_label;
}

lua_State *rules_lua(const struct rules *r)
{
	return r->L;
}

bool rules_has_augment(const struct rules *r)
{
	return r->has_augment;
}

bool rules_has_textualize(const struct rules *r)
{
	return r->has_textualize;
}

int rules_clean(struct rules *r, struct table *t, const char *label_col, const atomic_int *cancel,
                struct clean_report *rep, struct err *e)
{
	if (!r->has_clean && !r->has_label)
		return 0;
	lua_State *L = r->L;
	char who_clean[300], who_label[300], where[64];
	snprintf(who_clean, sizeof who_clean, "clean() in %s", r->base);
	snprintf(who_label, sizeof who_label, "label() in %s", r->base);
	size_t ec_index = 0, el_index = 0;
	if (r->has_clean) {
		clean_report_add(rep, who_clean);
		ec_index = rep->n - 1;
	}
	if (r->has_label) {
		clean_report_add(rep, who_label);
		el_index = rep->n - 1;
	}
	long lc = -1;
	if (r->has_label) {
		lc = table_find(t, label_col);
		if (lc < 0)
			lc = (long)table_add_column(t, label_col, COL_STR);
		else if (t->cols[lc].type != COL_STR)
			table_convert(t, (size_t)lc, COL_STR);
	}
	bool *keep = xmalloc((t->nrows ? t->nrows : 1) * sizeof *keep);
	size_t dropped = 0, changed = 0, labelled = 0;
	struct row_codec rc;
	int status = 0;
	lua_settop(L, 0);
	row_codec_begin(&rc, L, t);
	for (size_t row = 0; row < t->nrows && !status; row++) {
		if (cancel && row % 4096 == 0 && atomic_load(cancel)) {
			status = err_set(e, "cleaning cancelled");
			break;
		}
		keep[row] = true;
		snprintf(where, sizeof where, "data row %lld", (long long)t->source_row[row]);
		row_push(&rc, t, row);
		if (r->has_clean) {
			sandbox_get_global(L, "clean");
			lua_pushvalue(L, -2);
			if (sandbox_pcall(L, 1, 1, where, e)) {
				status = -1;
				break;
			}
			if (lua_isnil(L, -1)) {
				keep[row] = false;
				dropped++;
				lua_pop(L, 2);
				continue;
			}
			if (!lua_istable(L, -1)) {
				status = err_set(e, "%s: clean() returned a %s, expected the row or nil (%s)", r->path,
				                 luaL_typename(L, -1), where);
				break;
			}
			lua_pushvalue(L, -1);
			if (row_store(&rc, -1, t, row, &changed, "clean()", e)) {
				err_prefix(e, "%s: ", r->path);
				snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), " (%s)", where);
				status = -1;
				break;
			}
			lua_pop(L, 2);  /* the copy row_store emptied, and the result */
			lua_pop(L, 1);
			row_push(&rc, t, row);
		}
		if (r->has_label) {
			sandbox_get_global(L, "label");
			lua_pushvalue(L, -2);
			if (sandbox_pcall(L, 1, 1, where, e)) {
				status = -1;
				break;
			}
			if (row_set_cell(L, lua_gettop(L), t, (size_t)lc, row, "label()", e)) {
				err_prefix(e, "%s: ", r->path);
				snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), " (%s)", where);
				status = -1;
				break;
			}
			labelled += !lua_isnil(L, -1);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_settop(L, 0);
	if (!status) {
		if (dropped)
			table_filter(t, keep);
		if (r->has_clean) {
			rep->entries[ec_index].rows_dropped = dropped;
			rep->entries[ec_index].values_changed = changed;
		}
		if (r->has_label)
			rep->entries[el_index].values_changed = labelled;
		rep->rows_out = t->nrows;
	}
	free(keep);
	return status;
}

int rules_textualize(struct rules *r, const struct table *t, char **texts, struct err *e)
{
	if (!r->has_textualize)
		return 0;
	lua_State *L = r->L;
	struct row_codec rc;
	char where[64];
	lua_settop(L, 0);
	row_codec_begin(&rc, L, t);
	for (size_t row = 0; row < t->nrows; row++) {
		snprintf(where, sizeof where, "data row %lld", (long long)t->source_row[row]);
		sandbox_get_global(L, "textualize");
		row_push(&rc, t, row);
		lua_pushstring(L, texts[row]);
		if (sandbox_pcall(L, 2, 1, where, e)) {
			lua_settop(L, 0);
			return -1;
		}
		if (lua_type(L, -1) == LUA_TSTRING) {
			size_t len;
			const char *s = lua_tolstring(L, -1, &len);
			if (utf8_invalid_at(s, len) >= 0) {
				lua_settop(L, 0);
				return err_set(e, "%s: textualize() returned invalid UTF-8 (%s)", r->path, where);
			}
			free(texts[row]);
			texts[row] = xstrndup(s, len);
		} else if (!lua_isnil(L, -1)) {
			err_set(e, "%s: textualize() returned a %s, expected text or nil (%s)", r->path, luaL_typename(L, -1),
			        where);
			lua_settop(L, 0);
			return -1;
		}
		lua_pop(L, 1);
	}
	lua_settop(L, 0);
	return 0;
}

/* ---- augment(sample, rng) ---- */

static struct rng *lua_rng(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* rng:random() in [0, 1) */
static int rng_random(lua_State *L)
{
	lua_pushnumber(L, rng_uniform(lua_rng(L)));
	return 1;
}

/* rng:int(lo, hi), both ends included */
static int rng_int(lua_State *L)
{
	lua_Integer lo = luaL_checkinteger(L, 2), hi = luaL_checkinteger(L, 3);
	if (hi < lo)
		return luaL_error(L, "rng:int(%d, %d): empty range", (int)lo, (int)hi);
	lua_pushinteger(L, lo + (lua_Integer)rng_below(lua_rng(L), (uint64_t)(hi - lo) + 1));
	return 1;
}

/* rng:pick(list), nil for an empty list */
static int rng_pick(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 2);
	if (n < 1)
		return 0;
	lua_rawgeti(L, 2, 1 + (lua_Integer)rng_below(lua_rng(L), (uint64_t)n));
	return 1;
}

static void push_rng(lua_State *L, struct rng *rng)
{
	static const luaL_Reg methods[] = {{"random", rng_random}, {"int", rng_int}, {"pick", rng_pick}, {NULL, NULL}};
	lua_createtable(L, 0, 3);
	lua_pushlightuserdata(L, rng);
	luaL_setfuncs(L, methods, 1);
}

/* One returned variant: text, or a table with text and maybe label. */
static int take_variant(lua_State *L, int idx, const struct rules *r, const char *where, size_t i,
                        void (*emit)(void *, size_t, const char *, const char *), void *ctx, struct err *e)
{
	const char *label = NULL;
	if (lua_istable(L, idx)) {
		lua_pushliteral(L, "label");
		label = lua_rawget(L, idx) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		lua_pushliteral(L, "text");
		lua_rawget(L, idx);
		idx = lua_gettop(L);
	}
	if (lua_type(L, idx) != LUA_TSTRING)
		return err_set(e, "%s: augment() returned a %s where a text belongs (%s)", r->path, luaL_typename(L, idx),
		               where);
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);
	if (utf8_invalid_at(s, len) >= 0)
		return err_set(e, "%s: augment() returned invalid UTF-8 (%s)", r->path, where);
	emit(ctx, i, s, label);
	return 0;
}

int rules_augment(struct rules *r, const struct table *t, const struct rules_sample *samples, size_t n,
                  struct rng *rng, void (*emit)(void *ctx, size_t i, const char *text, const char *label), void *ctx,
                  struct err *e)
{
	if (!r->has_augment)
		return err_set(e, "%s: defines no augment(sample, rng)", r->path);
	lua_State *L = r->L;
	struct row_codec rc;
	char where[64];
	lua_settop(L, 0);
	push_rng(L, rng);
	int rng_at = lua_gettop(L);
	row_codec_begin(&rc, L, t);
	int rc_status = 0;
	for (size_t i = 0; i < n && !rc_status; i++) {
		snprintf(where, sizeof where, "augmenting data row %lld", (long long)t->source_row[samples[i].row]);
		int base = lua_gettop(L);
		sandbox_get_global(L, "augment");
		lua_createtable(L, 0, 4);
		lua_pushstring(L, samples[i].text);
		lua_setfield(L, -2, "text");
		if (samples[i].label) {
			lua_pushstring(L, samples[i].label);
			lua_setfield(L, -2, "label");
		}
		lua_pushinteger(L, t->source_row[samples[i].row]);
		lua_setfield(L, -2, "row");
		row_push(&rc, t, samples[i].row);
		lua_setfield(L, -2, "values");
		lua_pushvalue(L, rng_at);
		if (sandbox_pcall(L, 2, 1, where, e)) {
			rc_status = -1;
			break;
		}
		int res = lua_gettop(L);
		bool is_list = false;
		if (lua_istable(L, res)) {
			lua_pushliteral(L, "text");
			is_list = lua_rawget(L, res) == LUA_TNIL;
		}
		if (is_list) {
			lua_pop(L, 1);
			lua_Integer k = (lua_Integer)lua_rawlen(L, res);
			for (lua_Integer j = 1; j <= k && !rc_status; j++) {
				int top = lua_gettop(L);
				lua_rawgeti(L, res, j);
				rc_status = take_variant(L, lua_gettop(L), r, where, i, emit, ctx, e);
				lua_settop(L, top);
			}
		} else {
			lua_settop(L, res);
			if (!lua_isnil(L, res))
				rc_status = take_variant(L, res, r, where, i, emit, ctx, e);
		}
		lua_settop(L, base);
	}
	lua_settop(L, 0);
	return rc_status;
}
