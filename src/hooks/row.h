#ifndef LATHE_HOOKS_ROW_H
#define LATHE_HOOKS_ROW_H

#include <lua.h>
#include <stdbool.h>
#include "base/err.h"
#include "data/table.h"

/* Moving table rows in and out of Lua as tables keyed by column name:
 * numbers as numbers, missing cells as nil, text as strings, timestamps as
 * integer epoch milliseconds. A row_codec caches the column-name keys in a
 * Lua table at a fixed stack slot so each cell costs no string hashing. */
struct row_codec {
	lua_State *L;
	int keys;             /* stack index of the keys table */
	size_t ncols;
};

/* Pushes the keys table; pop it with row_codec_end. */
void row_codec_begin(struct row_codec *rc, lua_State *L, const struct table *t);
void row_codec_end(struct row_codec *rc);
/* Pushes row r as a new Lua table. */
void row_push(struct row_codec *rc, const struct table *t, size_t r);
/* Stores the Lua table at idx into row r; columns the table names that t
 * lacks are added. Counts changed cells into *changed. who names the
 * function for errors ("clean()"). */
int row_store(struct row_codec *rc, int idx, struct table *t, size_t r, size_t *changed, const char *who,
              struct err *e);
/* Pushes one cell's value (nil when missing). */
void row_push_cell(lua_State *L, const struct table *t, size_t c, size_t r);
/* Stores the Lua value at idx into cell (c, r), converting as the column's
 * type needs. Returns -1 with a message when it cannot. */
int row_set_cell(lua_State *L, int idx, struct table *t, size_t c, size_t r, const char *who, struct err *e);

#endif
