#include "config.h"
#include "lb.h"

#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "base/datadir.h"
#include "ml/dist.h"
#include "base/fileio.h"
#include "core/augment.h"
#include "core/options.h"
#include "hooks/filter.h"
#include "hooks/rules.h"
#include "hooks/sandbox.h"
#include "core/pipeline.h"
#include "hooks/row.h"

#define LB_FRAME "lathe.frame"

struct lb_frame {
	struct table *t;
};

int lb_fail(lua_State *L, const struct err *e)
{
	return luaL_error(L, "%s", e->msg);
}

static struct lb_frame *check_frame(lua_State *L, int i)
{
	struct lb_frame *f = luaL_checkudata(L, i, LB_FRAME);
	if (!f->t)
		luaL_argerror(L, i, "frame already closed");
	return f;
}

static void push_frame(lua_State *L, struct table *t)
{
	struct lb_frame *f = lua_newuserdatauv(L, sizeof *f, 0);
	f->t = t;
	luaL_setmetatable(L, LB_FRAME);
}

/* ---- reading option tables ---- */

/* Strings from the options table are kept alive by a registry list
 * (anchors) for as long as the pipeline that uses them. */
/* A Lua value as the text an option takes, kept alive in anchors: numbers
 * as Lua prints them, booleans as yes or no, a list joined by commas. */
static const char *option_text(lua_State *L, int value, int anchors, const char *key)
{
	value = lua_absindex(L, value);
	if (lua_type(L, value) == LUA_TTABLE) {
		luaL_Buffer b;
		luaL_buffinit(L, &b);
		lua_Integer n = (lua_Integer)lua_rawlen(L, value);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, value, i);
			if (!lua_isstring(L, -1))
				luaL_error(L, "option '%s': expected a list of numbers or strings", key);
			if (i > 1)
				luaL_addchar(&b, ',');
			luaL_addvalue(&b);
		}
		luaL_pushresult(&b);
	} else if (lua_type(L, value) == LUA_TBOOLEAN) {
		lua_pushstring(L, lua_toboolean(L, value) ? "yes" : "no");
	} else if (lua_type(L, value) == LUA_TNUMBER) {
		if (lua_isinteger(L, value))
			lua_pushfstring(L, "%I", lua_tointeger(L, value));
		else
			lua_pushfstring(L, "%s", lua_tostring(L, value));
	} else if (lua_type(L, value) == LUA_TSTRING) {
		lua_pushvalue(L, value);
	} else {
		luaL_error(L, "option '%s': expected a number, a string, a boolean or a list, not a %s", key,
		           luaL_typename(L, value));
	}
	const char *text = lua_tostring(L, -1);
	lua_rawseti(L, anchors, (lua_Integer)lua_rawlen(L, anchors) + 1);
	return text;
}

static void set_option(lua_State *L, const struct option_spec *s, struct option_target *t, const char *text,
                       const char *key)
{
	struct err e;
	if (option_set(s, t, text, &e))
		luaL_error(L, "option '%s'%s%s: %s", key, text ? " " : "", text ? text : "", e.msg);
}

/* The Lua key of an option: its own, or its name with '_' for '-'. */
static void lua_key(const struct option_spec *s, char *key, size_t size)
{
	snprintf(key, size, "%s", s->lua ? s->lua : s->name);
	for (char *c = key; *c; c++)
		if (*c == '-')
			*c = '_';
}

/* The cleaning rules among the options: the repeatable ones of that group. */
static bool is_rule(const struct option_spec *s)
{
	return (s->group & OPTION_G_RULES) && s->repeat;
}

/* Keys a Lua options table may hold besides the options: what only Lua
 * passes (the model file to write, a progress function, a split made
 * already, cleaning steps). */
static bool lua_only_key(const char *key)
{
	static const char *const keys[] = {"output", "progress", "split", "steps", NULL};
	for (int i = 0; keys[i]; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* Reads a Lua options table through the one option list (core/options.h):
 * the same names (with '_' for '-'), bounds and errors as the command
 * line. A repeatable option takes a list, or a map whose entries become
 * KEY=VALUE; cleaning steps come in order as {{"fill", "COL=median"}}.
 * An unknown key is an error: a typo must not be ignored. Allocated parts
 * are freed with the options (pipeline_opts_free). */
static void read_opts(lua_State *L, int opts, int anchors, struct option_target *t)
{
	if (!opts)
		return;
	char key[64];
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *s = &option_specs[i];
		/* cleaning steps come only through steps, which keeps their order */
		if (is_rule(s))
			continue;
		lua_key(s, key, sizeof key);
		lua_getfield(L, opts, key);
		int v = lua_gettop(L);
		if (lua_isnil(L, v)) {
			lua_pop(L, 1);
			continue;
		}
		if (s->kind == OPTION_FLAG) {
			if (!lua_isboolean(L, v))
				luaL_error(L, "option '%s': expected true or false", key);
			if (lua_toboolean(L, v) != s->lua_false)
				set_option(L, s, t, NULL, key);
		} else if (s->repeat && lua_istable(L, v) && lua_rawlen(L, v) > 0) {
			for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, v); k++) {
				lua_rawgeti(L, v, k);
				set_option(L, s, t, option_text(L, -1, anchors, key), key);
				lua_pop(L, 1);
			}
		} else if (s->repeat && lua_istable(L, v)) {
			lua_pushnil(L);
			while (lua_next(L, v)) {
				if (lua_type(L, -2) != LUA_TSTRING)
					luaL_error(L, "option '%s': expected a list, or a table keyed by name", key);
				lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), option_text(L, -1, anchors, key));
				const char *entry = lua_tostring(L, -1);
				lua_rawseti(L, anchors, (lua_Integer)lua_rawlen(L, anchors) + 1);
				set_option(L, s, t, entry, key);
				lua_pop(L, 1);
			}
		} else {
			set_option(L, s, t, option_text(L, v, anchors, key), key);
		}
		lua_pop(L, 1);
	}
	/* steps = { {"fill", "Torque=median"}, {"dedup"} } as lathe.clean makes */
	lua_getfield(L, opts, "steps");
	if (lua_istable(L, -1)) {
		int steps = lua_gettop(L);
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, steps); i++) {
			lua_rawgeti(L, steps, i);
			/* a step is {"rule", "argument"}, or a rule's name alone */
			if (lua_type(L, -1) == LUA_TSTRING) {
				lua_pushvalue(L, -1);
				lua_pushnil(L);
			} else if (lua_istable(L, -1)) {
				lua_rawgeti(L, -1, 1);
				lua_rawgeti(L, -2, 2);
			} else {
				luaL_error(L, "steps[%d]: expected {\"rule\", \"argument\"} or a rule's name", (int)i);
			}
			const char *name = lua_tostring(L, -2);
			const struct option_spec *s = name ? option_find(name) : NULL;
			if (!s || !is_rule(s))
				luaL_error(L, "steps[%d]: unknown cleaning rule '%s'", (int)i, name ? name : "?");
			const char *arg = lua_isnil(L, -1) ? NULL : option_text(L, -1, anchors, "steps");
			struct err e;
			if (option_set(s, t, arg, &e))
				luaL_error(L, "steps[%d]: %s: %s", (int)i, name, e.msg);
			lua_pop(L, 3);
		}
	}
	lua_pop(L, 1);
	/* what is left must be an option */
	lua_pushnil(L);
	while (lua_next(L, opts)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		bool known = k && lua_only_key(k);
		for (size_t i = 0; k && !known && i < option_count; i++) {
			lua_key(&option_specs[i], key, sizeof key);
			known = !is_rule(&option_specs[i]) && strcmp(k, key) == 0;
		}
		if (!known)
			luaL_error(L, "unknown option '%s' (lathe-lua(7) lists them)", k ? k : luaL_typename(L, -1));
	}
}

/* Runs body with a pipeline made from the options at index opts (0 =
 * none); the pipeline adopts a copy of t. Lua errors inside free
 * everything through a to-be-closed guard. */

static int run_gc(lua_State *L)
{
	struct lb_run *r = lua_touserdata(L, 1);
	if (r->open)
		pipeline_close(&r->p);
	pipeline_opts_free(&r->po);
	diagnose_opts_free(&r->diag);
	r->open = false;
	return 0;
}

struct lb_run *lb_begin(lua_State *L, int opts)
{
	if (opts && lua_isnoneornil(L, opts))
		opts = 0;
	if (opts)
		luaL_checktype(L, opts, LUA_TTABLE);
	lua_newtable(L);  /* anchors */
	int anchors = lua_gettop(L);
	struct lb_run *r = lua_newuserdatauv(L, sizeof *r, 1);
	memset(r, 0, sizeof *r);
	pipeline_opts_init(&r->po);
	learn_opts_init(&r->learn);
	augment_opts_init(&r->aug);
	diagnose_opts_init(&r->diag);
	lb_class(L, "lathe.run", NULL, run_gc);
	lua_setmetatable(L, -2);
	lua_pushvalue(L, anchors);
	lua_setiuservalue(L, -2, 1);
	lua_toclose(L, -1);
	struct option_target t = {.po = &r->po, .learn = &r->learn, .aug = &r->aug, .diag = &r->diag};
	read_opts(L, opts, anchors, &t);
	return r;
}

static struct lb_run *begin_run(lua_State *L, int opts, const struct table *t)
{
	struct lb_run *r = lb_begin(L, opts);
	struct err e;
	r->open = true;  /* closing a half-open pipeline is safe */
	if (pipeline_open(&r->p, &r->po, &e))
		lb_fail(L, &e);
	if (t)
		pipeline_adopt(&r->p, table_clone(t));
	return r;
}

/* ---- lathe.load_csv ---- */

static int lb_load_csv(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lb_run *r = begin_run(L, 2, NULL);
	struct err e;
	if (pipeline_load(&r->p, path, &e))
		return lb_fail(L, &e);
	push_frame(L, r->p.t);
	r->p.t = NULL;
	return 1;
}

/* ---- frame methods ---- */

static int frame_nrows(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)check_frame(L, 1)->t->nrows);
	return 1;
}

static int frame_ncols(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)check_frame(L, 1)->t->ncols);
	return 1;
}

static int frame_columns(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	lua_createtable(L, (int)t->ncols, 0);
	for (size_t c = 0; c < t->ncols; c++) {
		lua_pushstring(L, t->cols[c].name);
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	return 1;
}

static int frame_types(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	lua_createtable(L, 0, (int)t->ncols);
	for (size_t c = 0; c < t->ncols; c++) {
		lua_pushstring(L, table_type_name(t->cols[c].type));
		lua_setfield(L, -2, t->cols[c].name);
	}
	return 1;
}

static size_t check_column(lua_State *L, const struct table *t, int i)
{
	const char *name = luaL_checkstring(L, i);
	long c = table_find(t, name);
	if (c < 0)
		luaL_argerror(L, i, lua_pushfstring(L, "no column named \"%s\"", name));
	return (size_t)c;
}

static int frame_column(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	size_t c = check_column(L, t, 2);
	lua_createtable(L, (int)t->nrows, 1);
	for (size_t r = 0; r < t->nrows; r++) {
		row_push_cell(L, t, c, r);
		lua_rawseti(L, -2, (lua_Integer)r + 1);
	}
	lua_pushinteger(L, (lua_Integer)t->nrows);
	lua_setfield(L, -2, "n");
	return 1;
}

static int frame_row(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	lua_Integer i = luaL_checkinteger(L, 2);
	luaL_argcheck(L, i >= 1 && (size_t)i <= t->nrows, 2, "row out of range");
	struct row_codec rc;
	row_codec_begin(&rc, L, t);
	row_push(&rc, t, (size_t)i - 1);
	row_codec_end(&rc);
	return 1;
}

static int frame_source_row(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	lua_Integer i = luaL_checkinteger(L, 2);
	luaL_argcheck(L, i >= 1 && (size_t)i <= t->nrows, 2, "row out of range");
	lua_pushinteger(L, t->source_row[i - 1]);
	return 1;
}

/* A new frame with column name set from a Lua array (nil = missing): text
 * when any value is a string, else numbers. */
static int frame_with_column(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	const char *name = luaL_checkstring(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	bool text = false;
	for (size_t r = 0; r < t->nrows && !text; r++) {
		lua_rawgeti(L, 3, (lua_Integer)r + 1);
		text = lua_type(L, -1) == LUA_TSTRING;
		lua_pop(L, 1);
	}
	struct table *n = table_clone(t);
	push_frame(L, n);  /* owns n from here, even if an error follows */
	long c = table_find(n, name);
	if (c < 0)
		c = (long)table_add_column(n, name, text ? COL_STR : COL_NUM);
	else if (text && n->cols[c].type != COL_STR)
		table_convert(n, (size_t)c, COL_STR);
	struct err e;
	for (size_t r = 0; r < n->nrows; r++) {
		lua_rawgeti(L, 3, (lua_Integer)r + 1);
		if (row_set_cell(L, lua_gettop(L), n, (size_t)c, r, "with_column()", &e))
			return lb_fail(L, &e);
		lua_pop(L, 1);
	}
	return 1;
}

/* frame:filter(expr [, limit]): a new frame of the rows where the Lua
 * expression holds (script/filter.h). */
static int frame_filter(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	const char *expr = luaL_checkstring(L, 2);
	long limit = (long)luaL_optinteger(L, 3, SANDBOX_DEFAULT_INSTRUCTIONS);
	struct table *n = table_clone(t);
	push_frame(L, n);  /* owns n from here, even if an error follows */
	struct err e;
	struct row_filter *f;
	bool *keep = lua_newuserdatauv(L, n->nrows + 1, 0);
	if (row_filter_new(expr, n, limit, &f, &e))
		return lb_fail(L, &e);
	long kept = row_filter_apply(f, n, NULL, n->nrows, keep, &e);
	row_filter_free(f);
	if (kept < 0)
		return lb_fail(L, &e);
	table_filter(n, keep);
	lua_pop(L, 1);
	return 1;
}

static void push_report(lua_State *L, const struct pipeline *p)
{
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, (lua_Integer)p->clean.rows_in);
	lua_setfield(L, -2, "rows_in");
	lua_pushinteger(L, (lua_Integer)p->clean.rows_out);
	lua_setfield(L, -2, "rows_out");
	lua_createtable(L, (int)p->clean.n, 0);
	for (size_t i = 0; i < p->clean.n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, p->clean.entries[i].rule);
		lua_setfield(L, -2, "rule");
		lua_pushinteger(L, (lua_Integer)p->clean.entries[i].rows_dropped);
		lua_setfield(L, -2, "rows_dropped");
		lua_pushinteger(L, (lua_Integer)p->clean.entries[i].values_changed);
		lua_setfield(L, -2, "values_changed");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "rules");
}

static int frame_clean(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	struct lb_run *r = begin_run(L, 2, t);
	struct err e;
	if (pipeline_clean(&r->p, &e))
		return lb_fail(L, &e);
	push_frame(L, r->p.t);
	push_report(L, &r->p);
	r->p.t = NULL;
	return 2;
}

/* A split given as the array frame:split returned. */
static bool take_parts(lua_State *L, int opts, struct pipeline *p)
{
	if (!opts || !lua_istable(L, opts))
		return false;
	lua_getfield(L, opts, "split");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	if ((size_t)luaL_len(L, -1) != p->t->nrows)
		luaL_error(L, "option 'split' has %d entries for %d rows", (int)luaL_len(L, -1), (int)p->t->nrows);
	p->part = xmalloc(p->t->nrows + 1);
	for (size_t r = 0; r < p->t->nrows; r++) {
		lua_rawgeti(L, -1, (lua_Integer)r + 1);
		const char *s = lua_tostring(L, -1);
		p->part[r] = s && strcmp(s, "train") == 0 ? SPLIT_TRAIN : s && strcmp(s, "dev") == 0 ? SPLIT_DEV
		             : s && strcmp(s, "test") == 0                                              ? SPLIT_TEST
		                                                                                        : 255;
		if (p->part[r] == 255)
			luaL_error(L, "option 'split'[%d]: expected \"train\", \"dev\" or \"test\"", (int)r + 1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return true;
}

static int frame_split(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	struct lb_run *r = begin_run(L, 2, t);
	struct err e;
	if (pipeline_split(&r->p, &e))
		return lb_fail(L, &e);
	lua_createtable(L, (int)t->nrows, 0);
	for (size_t i = 0; i < t->nrows; i++) {
		lua_pushstring(L, split_part_name(r->p.part[i]));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* The samples as a list of {text, label, row, split}, and for augmented
 * ones method and, for jitter, readings (by column). */
static void push_samples(lua_State *L, const struct pipeline *p)
{
	char buf[256];
	lua_createtable(L, (int)p->t->nrows, 0);
	for (size_t i = 0; i < p->t->nrows; i++) {
		lua_createtable(L, 0, 4);
		lua_pushstring(L, p->texts[i]);
		lua_setfield(L, -2, "text");
		const char *label = pipeline_label(p, i, buf, sizeof buf);
		if (*label) {
			lua_pushstring(L, label);
			lua_setfield(L, -2, "label");
		}
		lua_pushinteger(L, p->t->source_row[i]);
		lua_setfield(L, -2, "row");
		lua_pushstring(L, split_part_name(p->part[i]));
		lua_setfield(L, -2, "split");
		int method = p->method && p->method[i] ? p->method[i] - 1 : -1;
		if (method >= 0) {
			lua_pushstring(L, augment_method_name(method));
			lua_setfield(L, -2, "method");
		}
		if (method == AUG_JITTER) {
			lua_newtable(L);
			for (size_t c = 0; c < p->t->ncols; c++)
				if (p->t->cols[c].type == COL_NUM && (long)c != p->label_col && !isnan(p->t->cols[c].num[i])) {
					lua_pushnumber(L, p->t->cols[c].num[i]);
					lua_setfield(L, -2, p->t->cols[c].name);
				}
			lua_setfield(L, -2, "readings");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static int frame_textualize(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	struct lb_run *r = begin_run(L, 2, t);
	struct err e;
	take_parts(L, lua_istable(L, 2) ? 2 : 0, &r->p);
	if (pipeline_textualize(&r->p, &e))
		return lb_fail(L, &e);
	push_samples(L, &r->p);
	return 1;
}

/* Textualizes, then adds the augmented training samples. */
static int augment_run(lua_State *L, struct lb_run *r)
{
	struct err e;
	struct augment_opts o = r->aug;
	if (!o.methods)
		return luaL_error(L, "option 'methods' is required: synonym, swap, delete, insert, jitter, infill, "
		                     "oversample, lua or all");
	o.seed = r->po.split.seed;
	o.lua_limit = r->po.lua_limit;
	size_t added[AUG_METHODS];
	if (pipeline_textualize(&r->p, &e) || augment_pipeline(&r->p, &o, added, &e))
		return lb_fail(L, &e);
	push_samples(L, &r->p);
	return 1;
}

static int frame_augment(lua_State *L)
{
	struct table *t = check_frame(L, 1)->t;
	struct lb_run *r = begin_run(L, 2, t);
	take_parts(L, lua_istable(L, 2) ? 2 : 0, &r->p);
	return augment_run(L, r);
}

/* lathe.augment(path, opts): load, clean, textualize, augment. */
static int lb_augment(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lb_run *r = begin_run(L, 2, NULL);
	struct err e;
	if (pipeline_load(&r->p, path, &e) || pipeline_clean(&r->p, &e))
		return lb_fail(L, &e);
	return augment_run(L, r);
}

static int frame_tostring(lua_State *L)
{
	struct lb_frame *f = luaL_checkudata(L, 1, LB_FRAME);
	if (!f->t)
		lua_pushliteral(L, "lathe.frame (closed)");
	else
		lua_pushfstring(L, "lathe.frame (%d rows, %d columns)", (int)f->t->nrows, (int)f->t->ncols);
	return 1;
}

static int frame_gc(lua_State *L)
{
	struct lb_frame *f = luaL_checkudata(L, 1, LB_FRAME);
	table_free(f->t);
	f->t = NULL;
	return 0;
}

/* ---- lathe.write ---- */

static int write_samples(lua_State *L, FILE *fp, struct err *e)
{
	lua_Integer n = luaL_len(L, 1);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		if (!lua_istable(L, -1))
			return err_set(e, "sample %d is not a table", (int)i);
		json_t *o = json_object();
		static const char *const keys[] = {"text", "label", "row", "split", "source", "method"};
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			lua_getfield(L, -1, keys[k]);
			if (lua_isinteger(L, -1))
				json_object_set_new(o, keys[k], json_integer(lua_tointeger(L, -1)));
			else if (lua_type(L, -1) == LUA_TSTRING)
				json_object_set_new(o, keys[k], json_string(lua_tostring(L, -1)));
			else if (k < 4)
				json_object_set_new(o, keys[k], json_null());
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		int rc = json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (rc || fputc('\n', fp) == EOF)
			return err_set(e, "write failed");
	}
	return 0;
}

static int lb_write(lua_State *L)
{
	const char *path = luaL_checkstring(L, 2);
	struct lb_frame *f = luaL_testudata(L, 1, LB_FRAME);
	if (!f)
		luaL_checktype(L, 1, LUA_TTABLE);
	struct atomic_file out;
	struct err e;
	if (atomic_open(&out, path, &e))
		return lb_fail(L, &e);
	int rc = f ? (f->t ? table_write_csv(f->t, out.fp, &e) : err_set(&e, "frame already closed"))
	           : write_samples(L, out.fp, &e);
	if (rc) {
		atomic_abort(&out);
		return lb_fail(L, &e);
	}
	if (atomic_commit(&out, &e))
		return lb_fail(L, &e);
	return 0;
}

static const luaL_Reg frame_methods[] = {
	{"nrows", frame_nrows},       {"ncols", frame_ncols},         {"columns", frame_columns},
	{"types", frame_types},       {"column", frame_column},       {"row", frame_row},
	{"source_row", frame_source_row}, {"clean", frame_clean},     {"split", frame_split},
	{"textualize", frame_textualize}, {"augment", frame_augment}, {"with_column", frame_with_column}, {"filter", frame_filter}, {NULL, NULL},
};

static const luaL_Reg lathe_functions[] = {
	{"load_csv", lb_load_csv},
	{"augment", lb_augment},
	{"write", lb_write},
	{NULL, NULL},
};

void lb_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc)
{
	if (!luaL_newmetatable(L, name))
		return;
	if (methods) {
		lua_newtable(L);
		luaL_setfuncs(L, methods, 0);
		lua_setfield(L, -2, "__index");
	}
	lua_pushcfunction(L, gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, gc);
	lua_setfield(L, -2, "__close");
}

int lb_open(lua_State *L)
{
	lb_class(L, LB_FRAME, frame_methods, frame_gc);
	lua_pushcfunction(L, frame_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, frame_nrows);
	lua_setfield(L, -2, "__len");
	lua_pop(L, 1);
	luaL_newlib(L, lathe_functions);
	lb_model_register(L);
	lua_pushstring(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	/* Under mpirun: which process this is, of how many (ml/dist.h), so a
	 * pipeline writes its own files from one of them. */
	lua_pushinteger(L, dist_rank());
	lua_setfield(L, -2, "rank");
	lua_pushinteger(L, dist_size());
	lua_setfield(L, -2, "processes");
	return 1;
}

/* package.path finds the shipped helpers first, so require "lathe.clean"
 * works in a pipeline script as in a rules script. */
static void set_lua_path(lua_State *L)
{
	const char *dir = datadir_find("lua");
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);
}

lua_State *lb_new_state(void)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return NULL;
	luaL_openlibs(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, lb_open);
	lua_setfield(L, -2, "lathe");
	lua_pop(L, 1);
	set_lua_path(L);
	return L;
}

static int message_as_text(lua_State *L)
{
	if (!lua_isstring(L, 1)) {
		const char *s = luaL_tolstring(L, 1, NULL);
		lua_pushfstring(L, "error object is a %s: %s", luaL_typename(L, 1), s);
	}
	return 1;
}

int lb_pcall(lua_State *L, int nargs, int nres, struct err *e)
{
	int fn = lua_gettop(L) - nargs;
	lua_pushcfunction(L, message_as_text);
	lua_insert(L, fn);
	int status = lua_pcall(L, nargs, nres, fn);
	lua_remove(L, fn);
	if (status == LUA_OK)
		return 0;
	err_set(e, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
	lua_pop(L, 1);
	return -1;
}
