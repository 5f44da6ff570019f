#include "config.h"
#include "advice.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "hooks/sandbox.h"

/* The loaded files' entry lists live in the registry under this key, as
 * a list of {name = FILE, entries = LIST}. */
#define ADVICE_KEY "lathe.advice"

struct advice_kb {
	lua_State *L;
};

static const char *const urgencies[] = {"low", "medium", "high", "critical"};

int advice_urgency_rank(const char *urgency)
{
	for (int k = 0; k < 4; k++)
		if (urgency && strcmp(urgency, urgencies[k]) == 0)
			return k;
	return -1;
}

/* Whether the string at the top of the stack is valid UTF-8: actions
 * and parts go into JSON and onto the screen. */
static bool valid_text(lua_State *L)
{
	size_t len;
	const char *s = lua_tolstring(L, -1, &len);
	return utf8_invalid_at(s, len) < 0;
}

/* Every field of every entry of the list at the top of the stack checked
 * (raw access only); an error names the file and the entry. */
static int check_entries(lua_State *L, const char *name, struct err *e)
{
	if (!lua_istable(L, -1))
		return err_set(e, "%s: an advice file returns a list of entries", name);
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, -1, i) != LUA_TTABLE) {
			lua_pop(L, 1);
			return err_set(e, "%s: entry %lld is not a table", name, (long long)i);
		}
		const char *bad = NULL;
		lua_pushstring(L, "label");
		int t = lua_rawget(L, -2);
		if (t == LUA_TTABLE) {
			for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1) && !bad; k++) {
				if (lua_rawgeti(L, -1, k) != LUA_TSTRING)
					bad = "label must be a class, a list of classes, or \"*\"";
				lua_pop(L, 1);
			}
		} else if (t != LUA_TSTRING) {
			bad = "label must be a class, a list of classes, or \"*\"";
		}
		lua_pop(L, 1);
		lua_pushstring(L, "action");
		if (!bad && lua_rawget(L, -2) != LUA_TSTRING)
			bad = "action must be a text";
		else if (!bad && !valid_text(L))
			bad = "action is not valid UTF-8";
		lua_pop(L, 1);
		lua_pushstring(L, "urgency");
		t = lua_rawget(L, -2);
		if (!bad && t != LUA_TNIL && (t != LUA_TSTRING || advice_urgency_rank(lua_tostring(L, -1)) < 0))
			bad = "urgency must be " ADVICE_URGENCIES;
		lua_pop(L, 1);
		lua_pushstring(L, "parts");
		t = lua_rawget(L, -2);
		if (!bad && t != LUA_TNIL && t != LUA_TTABLE)
			bad = "parts must be a list of texts";
		for (lua_Integer k = 1; !bad && t == LUA_TTABLE && k <= (lua_Integer)lua_rawlen(L, -1); k++) {
			if (lua_rawgeti(L, -1, k) != LUA_TSTRING || !valid_text(L))
				bad = "parts must be a list of texts in UTF-8";
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		lua_pushstring(L, "when");
		t = lua_rawget(L, -2);
		if (!bad && t != LUA_TNIL && t != LUA_TTABLE && t != LUA_TFUNCTION)
			bad = "when must be a list of fact phrases or a function";
		for (lua_Integer k = 1; !bad && t == LUA_TTABLE && k <= (lua_Integer)lua_rawlen(L, -1); k++) {
			if (lua_rawgeti(L, -1, k) != LUA_TSTRING)
				bad = "when must be a list of fact phrases or a function";
			lua_pop(L, 1);
		}
		lua_pop(L, 2);
		if (bad)
			return err_set(e, "%s: entry %lld: %s", name, (long long)i, bad);
	}
	return 0;
}

static int load_one(struct advice_kb *kb, const char *path, struct err *e)
{
	lua_State *L = kb->L;
	int top = lua_gettop(L);
	int rc = sandbox_load_file(L, path, e) || sandbox_pcall(L, 0, 1, NULL, e) || check_entries(L, path, e);
	if (!rc) {
		lua_getfield(L, LUA_REGISTRYINDEX, ADVICE_KEY);
		lua_createtable(L, 0, 2);
		lua_pushstring(L, path);
		lua_setfield(L, -2, "name");
		lua_pushvalue(L, -3);
		lua_setfield(L, -2, "entries");
		lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	}
	lua_settop(L, top);
	return rc;
}

int advice_open(const char **paths, size_t n, bool shipped, long lua_limit, struct advice_kb **out,
                struct err *e)
{
	*out = NULL;
	struct advice_kb *kb = xcalloc(1, sizeof *kb);
	if (!(kb->L = sandbox_open(lua_limit, SANDBOX_DEFAULT_MEMORY, e))) {
		free(kb);
		return -1;
	}
	lua_newtable(kb->L);
	lua_setfield(kb->L, LUA_REGISTRYINDEX, ADVICE_KEY);
	char path[4200];
	snprintf(path, sizeof path, "%s/lathe/advice.lua", datadir_find("lua"));
	if (shipped && load_one(kb, path, e)) {
		advice_close(kb);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (load_one(kb, paths[i], e)) {
			advice_close(kb);
			return -1;
		}
	*out = kb;
	return 0;
}

void advice_close(struct advice_kb *kb)
{
	if (!kb)
		return;
	sandbox_close(kb->L);
	free(kb);
}

/* The matching, run protected (it allocates, and calls the files' when
 * functions) with the query and results as light userdata. */
struct find {
	const struct advice_query *q;
	struct advice *out;
	size_t max, n;
	char *text;                  /* folded */
};

static bool label_matches(lua_State *L, int entry, const char *label)
{
	lua_pushstring(L, "label");
	bool match = false;
	int type = lua_rawget(L, entry);
	if (type == LUA_TSTRING) {
		const char *l = lua_tostring(L, -1);
		match = strcmp(l, "*") == 0 || strcmp(l, label) == 0;
	} else if (type == LUA_TTABLE) {
		for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1) && !match; k++) {
			/* checked at load, but a when() may have changed it since */
			match = lua_rawgeti(L, -1, k) == LUA_TSTRING && strcmp(lua_tostring(L, -1), label) == 0;
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return match;
}

static void push_query(lua_State *L, const struct advice_query *q)
{
	lua_createtable(L, 0, 4);
	lua_pushstring(L, q->label);
	lua_setfield(L, -2, "label");
	lua_pushnumber(L, q->probability);
	lua_setfield(L, -2, "probability");
	lua_pushstring(L, q->text ? q->text : "");
	lua_setfield(L, -2, "text");
	lua_createtable(L, 0, (int)q->nreadings);
	for (size_t i = 0; i < q->nreadings; i++) {
		lua_pushnumber(L, q->readings[i]);
		lua_setfield(L, -2, q->facts[i]);
	}
	lua_setfield(L, -2, "readings");
}

/* Whether the entry's when holds: -1 without one. */
static int when_holds(lua_State *L, int entry, struct find *f)
{
	lua_pushstring(L, "when");
	int t = lua_rawget(L, entry), holds = -1;
	if (t == LUA_TFUNCTION) {
		push_query(L, f->q);
		lua_call(L, 1, 1);
		holds = lua_toboolean(L, -1);
	} else if (t == LUA_TTABLE) {
		holds = 1;
		for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1) && holds; k++) {
			if (lua_rawgeti(L, -1, k) == LUA_TSTRING) {
				char *phrase = utf8_fold(lua_tostring(L, -1));
				holds = strstr(f->text, phrase) != NULL;
				free(phrase);
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return holds;
}

static void take_entry(lua_State *L, int entry, const char *file, lua_Integer i, struct advice *a)
{
	memset(a, 0, sizeof *a);
	lua_pushstring(L, "action");
	a->action = xstrdup(lua_rawget(L, entry) == LUA_TSTRING ? lua_tostring(L, -1) : "");
	lua_pushstring(L, "urgency");
	a->urgency = xstrdup(lua_rawget(L, entry) == LUA_TSTRING && advice_urgency_rank(lua_tostring(L, -1)) >= 0
	                             ? lua_tostring(L, -1)
	                             : "medium");
	lua_pushstring(L, "parts");
	if (lua_rawget(L, entry) == LUA_TTABLE) {
		a->nparts = (size_t)lua_rawlen(L, -1);
		a->parts = xcalloc(a->nparts + 1, sizeof *a->parts);
		for (size_t k = 0; k < a->nparts; k++) {
			a->parts[k] = xstrdup(lua_rawgeti(L, -1, (lua_Integer)k + 1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 3);
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char src[300];
	snprintf(src, sizeof src, "%s entry %lld", base, (long long)i);
	a->source = xstrdup(src);
}

static int find_protected(lua_State *L)
{
	struct find *f = lua_touserdata(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, ADVICE_KEY);
	int files = lua_gettop(L);
	/* Two passes over the files, the last loaded first: entries with a
	 * when, then those without. */
	for (int pass = 0; pass < 2; pass++)
		for (lua_Integer fi = (lua_Integer)lua_rawlen(L, files); fi >= 1 && f->n < f->max; fi--) {
			lua_rawgeti(L, files, fi);
			lua_getfield(L, -1, "name");
			const char *file = lua_tostring(L, -1);
			lua_getfield(L, -2, "entries");
			int list = lua_gettop(L);
			for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, list) && f->n < f->max; i++) {
				lua_rawgeti(L, list, i);
				int entry = lua_gettop(L);
				if (label_matches(L, entry, f->q->label)) {
					int holds = when_holds(L, entry, f);
					if ((pass == 0 && holds == 1) || (pass == 1 && holds == -1))
						take_entry(L, entry, file, i, &f->out[f->n++]);
				}
				lua_settop(L, entry - 1);
			}
			lua_settop(L, files);
		}
	return 0;
}

long advice_find(struct advice_kb *kb, const struct advice_query *q, struct advice *out, size_t max, struct err *e)
{
	struct find f = {.q = q, .out = out, .max = max, .text = utf8_fold(q->text ? q->text : "")};
	lua_pushcfunction(kb->L, find_protected);
	lua_pushlightuserdata(kb->L, &f);
	int rc = sandbox_pcall(kb->L, 1, 0, "advice", e);
	free(f.text);
	if (rc) {
		advice_clear(out, f.n);
		return -1;
	}
	return (long)f.n;
}

void advice_clear(struct advice *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].action);
		free(a[i].urgency);
		free(a[i].source);
		for (size_t k = 0; k < a[i].nparts; k++)
			free(a[i].parts[k]);
		free(a[i].parts);
		memset(&a[i], 0, sizeof a[i]);
	}
}
