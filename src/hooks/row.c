#include "config.h"
#include "row.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>
#include "base/utf8.h"

void row_codec_begin(struct row_codec *rc, lua_State *L, const struct table *t)
{
	rc->L = L;
	rc->ncols = t->ncols;
	lua_createtable(L, (int)t->ncols, 0);
	for (size_t c = 0; c < t->ncols; c++) {
		lua_pushstring(L, t->cols[c].name);
		lua_rawseti(L, -2, (lua_Integer)c + 1);
	}
	rc->keys = lua_gettop(L);
}

void row_codec_end(struct row_codec *rc)
{
	lua_remove(rc->L, rc->keys);
}

/* Columns added to t since begin get keys too. */
static void sync_keys(struct row_codec *rc, const struct table *t)
{
	for (size_t c = rc->ncols; c < t->ncols; c++) {
		lua_pushstring(rc->L, t->cols[c].name);
		lua_rawseti(rc->L, rc->keys, (lua_Integer)c + 1);
	}
	rc->ncols = t->ncols;
}

void row_push_cell(lua_State *L, const struct table *t, size_t c, size_t r)
{
	const struct column *col = &t->cols[c];
	switch (col->type) {
	case COL_NUM:
		if (isnan(col->num[r]))
			lua_pushnil(L);
		else
			lua_pushnumber(L, col->num[r]);
		return;
	case COL_STR:
		if (col->str[r])
			lua_pushlstring(L, strpool_get(t->pool, col->str[r]), strpool_len(t->pool, col->str[r]));
		else
			lua_pushnil(L);
		return;
	case COL_TIME:
		if (col->time[r] == TABLE_TIME_MISSING)
			lua_pushnil(L);
		else
			lua_pushinteger(L, col->time[r]);
		return;
	}
}

void row_push(struct row_codec *rc, const struct table *t, size_t r)
{
	lua_State *L = rc->L;
	sync_keys(rc, t);
	lua_createtable(L, 0, (int)t->ncols);
	int row = lua_gettop(L);
	for (size_t c = 0; c < t->ncols; c++) {
		if (table_is_missing(t, c, r))
			continue;
		lua_rawgeti(L, rc->keys, (lua_Integer)c + 1);
		row_push_cell(L, t, c, r);
		lua_rawset(L, row);
	}
}

int row_set_cell(lua_State *L, int idx, struct table *t, size_t c, size_t r, const char *who, struct err *e)
{
	struct column *col = &t->cols[c];
	int type = lua_type(L, idx);
	if (type == LUA_TBOOLEAN) {
		lua_pushnumber(L, lua_toboolean(L, idx));
		lua_replace(L, idx);
		type = LUA_TNUMBER;
	}
	if (type != LUA_TNIL && type != LUA_TNUMBER && type != LUA_TSTRING)
		return err_set(e, "%s set column \"%s\" to a %s (expected a number, string or nil)", who, col->name,
		               lua_typename(L, type));
	switch (col->type) {
	case COL_NUM:
		if (type == LUA_TNIL) {
			col->num[r] = NAN;
		} else if (type == LUA_TNUMBER) {
			col->num[r] = lua_tonumber(L, idx);
		} else {
			size_t len;
			const char *s = lua_tolstring(L, idx, &len);
			double v;
			if (numparse_double(s, len, '.', &v))
				col->num[r] = v;
			else if (numparse_is_missing(s, len))
				col->num[r] = NAN;
			else
				return err_set(e, "%s set numeric column \"%s\" to the text \"%.40s\"", who, col->name, s);
		}
		return 0;
	case COL_STR:
		if (type == LUA_TNIL) {
			col->str[r] = 0;
		} else {
			size_t len;
			const char *s = lua_tolstring(L, idx, &len);  /* numbers become text */
			if (utf8_invalid_at(s, len) >= 0)
				return err_set(e, "%s set column \"%s\" to invalid UTF-8", who, col->name);
			col->str[r] = len ? strpool_intern(t->pool, s, len) : 0;
		}
		return 0;
	case COL_TIME:
		if (type == LUA_TNIL) {
			col->time[r] = TABLE_TIME_MISSING;
		} else if (type == LUA_TNUMBER) {
			col->time[r] = lua_isinteger(L, idx) ? lua_tointeger(L, idx) : (int64_t)llround(lua_tonumber(L, idx));
		} else {
			size_t len;
			const char *s = lua_tolstring(L, idx, &len);
			int64_t ms;
			bool zone;
			if (!numparse_time(s, len, TIME_FORM_ISO, NULL, &ms, &zone))
				return err_set(e, "%s set time column \"%s\" to \"%.40s\" (expected epoch ms or ISO 8601)", who,
				               col->name, s);
			col->time[r] = ms;
		}
		return 0;
	}
	return 0;
}

static bool same_cell(const struct column *col, size_t r, uint64_t before)
{
	uint64_t now = 0;
	switch (col->type) {
	case COL_NUM: {
		double v = col->num[r];
		if (isnan(v))
			return before == 0x7FF8000000000001ull;
		memcpy(&now, &v, sizeof now);
		break;
	}
	case COL_STR: now = col->str[r]; break;
	case COL_TIME: now = (uint64_t)col->time[r]; break;
	}
	return now == before;
}

static uint64_t cell_bits(const struct column *col, size_t r)
{
	uint64_t k = 0;
	switch (col->type) {
	case COL_NUM:
		if (isnan(col->num[r]))
			return 0x7FF8000000000001ull;
		memcpy(&k, &col->num[r], sizeof k);
		return k;
	case COL_STR: return col->str[r];
	case COL_TIME: return (uint64_t)col->time[r];
	}
	return k;
}

int row_store(struct row_codec *rc, int idx, struct table *t, size_t r, size_t *changed, const char *who, struct err *e)
{
	lua_State *L = rc->L;
	idx = lua_absindex(L, idx);
	sync_keys(rc, t);
	for (size_t c = 0; c < t->ncols; c++) {
		uint64_t before = cell_bits(&t->cols[c], r);
		lua_rawgeti(L, rc->keys, (lua_Integer)c + 1);
		lua_pushvalue(L, -1);
		lua_rawget(L, idx);
		int rc2 = row_set_cell(L, lua_gettop(L), t, c, r, who, e);
		lua_pop(L, 1);
		if (rc2) {
			lua_pop(L, 1);
			return -1;
		}
		*changed += !same_cell(&t->cols[c], r, before);
		/* Clear the key so that what is left over names new columns. */
		lua_pushnil(L);
		lua_rawset(L, idx);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 2);
			return err_set(e, "%s returned a row with a non-text key", who);
		}
		const char *name = lua_tostring(L, -2);
		int vt = lua_type(L, -1);
		size_t c = table_add_column(t, name, vt == LUA_TSTRING ? COL_STR : COL_NUM);
		if (row_set_cell(L, lua_gettop(L), t, c, r, who, e)) {
			lua_pop(L, 2);
			return -1;
		}
		*changed += !table_is_missing(t, c, r);
		lua_pop(L, 1);
	}
	sync_keys(rc, t);
	return 0;
}
