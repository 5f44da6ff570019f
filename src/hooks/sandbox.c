#include "config.h"
#include "sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/strbuf.h"
#include "base/utf8.h"

/* What the hook and the allocator need, reached through the state's extra
 * space (the hook) and the allocator's user data, so nothing is global. */
struct sandbox {
	size_t used, memory;
	long instructions, left;
	int depth;      /* calls running: 0 = none, and no Lua code may run */
	char name[256]; /* the first chunk loaded, for messages */
};

#define HOOK_EVERY 1000
#define LOADED_KEY "lathe.sandbox.loaded"

static struct sandbox *sandbox_of(lua_State *L)
{
	return *(struct sandbox **)lua_getextraspace(L);
}

/* Refusing an allocation only while a call runs keeps the C side's own
 * pushes (rows, arguments) from failing outside a protected call, where
 * Lua could only abort; the script itself never runs then. */
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox *s = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		s->used -= old;
		return NULL;
	}
	if (s->depth > 0 && nsize > old && s->used - old + nsize > s->memory)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p)
		s->used = s->used - old + nsize;
	return p;
}

static void limit_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct sandbox *s = sandbox_of(L);
	if (s->depth > 0 && (s->left -= HOOK_EVERY) >= 0)
		return;
	s->left = -1;
	/* Inside a hook, level 0 is the Lua function that was running. */
	lua_Debug where;
	if (lua_getstack(L, 0, &where) && lua_getinfo(L, "Sl", &where) && where.currentline > 0)
		luaL_error(L, "%s:%d: instruction limit exceeded (an endless loop? raise it with --lua-limit)",
		           where.short_src, where.currentline);
	luaL_error(L, "instruction limit exceeded (an endless loop? raise it with --lua-limit)");
}

static int panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);
	fprintf(stderr, "lathe: a sandboxed Lua script failed outside a protected call: %s\n", msg ? msg : "?");
	exit(1);
}

/* ---- the functions that replace the base library's ---- */

/* A caught limit error is raised again: pcall must not let a script
 * outlive its budget. */
static int rethrow_if_spent(lua_State *L, int status)
{
	if (status != LUA_OK && sandbox_of(L)->left < 0)
		return lua_error(L);
	return 0;
}

static int safe_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	rethrow_if_spent(L, status);
	lua_pushboolean(L, status == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

static int safe_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_replace(L, 1);
	lua_replace(L, 2);
	int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
	rethrow_if_spent(L, status);
	lua_pushboolean(L, status == LUA_OK);
	lua_replace(L, 1);
	return lua_gettop(L);
}

/* load(text [, name [, mode [, env]]]): text only, whatever mode says. */
static int safe_load(lua_State *L)
{
	size_t len;
	const char *text = lua_tolstring(L, 1, &len);
	if (!text)
		return luaL_error(L, "load: only text chunks can be loaded in a sandbox");
	const char *name = luaL_optstring(L, 2, text);
	if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (!lua_isnone(L, 4)) {
		lua_pushvalue(L, 4);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static int safe_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc is not available in a sandbox");
		lua_pop(L, 1);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	if (lua_rawequal(L, 1, -1))
		return luaL_error(L, "setmetatable: the global table keeps no metatable in a sandbox");
	lua_pop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, "lathe.sandbox.setmetatable");
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* print: to stderr (stdout may be a data stream or the workbench), with
 * control characters escaped so a script cannot drive the terminal. */
static int safe_print(lua_State *L)
{
	int n = lua_gettop(L);
	/* __tostring may raise: every text is made before C allocates. */
	luaL_checkstack(L, n, "too many values to print");
	for (int i = 1; i <= n; i++)
		luaL_tolstring(L, i, NULL);
	struct strbuf line = {0};
	for (int i = 1; i <= n; i++) {
		size_t len;
		const char *s = lua_tolstring(L, n + i, &len);
		if (i > 1)
			strbuf_puts(&line, "\t");
		utf8_escape_controls(s, len, 0, &line);
	}
	fprintf(stderr, "%s\n", line.s ? line.s : "");
	strbuf_free(&line);
	return 0;
}

/* require "lathe.NAME": the shipped helper lua/lathe/NAME.lua, run once
 * in this sandbox. Nothing else can be required. */
static int safe_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	bool ok = strncmp(name, "lathe.", 6) == 0 && name[6] && strlen(name) < 64;
	for (const char *p = name + 6; ok && *p; p++)
		ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
	if (!ok)
		return luaL_error(
		    L, "module '%s' is not available to a sandboxed script (only the lathe.* helpers are)", name);
	lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
	lua_pushvalue(L, 1);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	char path[4200];
	snprintf(path, sizeof path, "%s/lathe/%s.lua", datadir_find("lua"), name + 6);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return luaL_error(L, "module '%s': %s", name, lua_tostring(L, -1));
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, -2);
	lua_rawset(L, -4);
	return 1;
}

static void remove_field(lua_State *L, int table, const char *name)
{
	lua_pushnil(L);
	lua_setfield(L, table, name);
}

static void open_libraries(lua_State *L)
{
	static const luaL_Reg libs[] = {
	    {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
	    {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL},
	};
	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	int g = lua_gettop(L);
	static const char *const unsafe[] = {"dofile", "loadfile", "collectgarbage", "warn"};
	for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++)
		remove_field(L, g, unsafe[i]);
	lua_getfield(L, g, "setmetatable");
	lua_setfield(L, LUA_REGISTRYINDEX, "lathe.sandbox.setmetatable");
	static const luaL_Reg replaced[] = {
	    {"pcall", safe_pcall}, {"xpcall", safe_xpcall},   {"load", safe_load}, {"setmetatable", safe_setmetatable},
	    {"print", safe_print}, {"require", safe_require}, {NULL, NULL},
	};
	luaL_setfuncs(L, replaced, 0);
	lua_getfield(L, g, LUA_STRLIBNAME);
	remove_field(L, lua_gettop(L), "dump");
	lua_pop(L, 2);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
}

/* Runs open_libraries protected: it allocates, and an allocation failure
 * outside a protected call would abort. */
static int open_protected(lua_State *L)
{
	open_libraries(L);
	return 0;
}

lua_State *sandbox_open(long instructions, size_t memory, struct err *e)
{
	struct sandbox *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, "cannot create a Lua state (out of memory)");
		return NULL;
	}
	s->instructions = instructions >= 1000 ? instructions : SANDBOX_DEFAULT_INSTRUCTIONS;
	s->memory = memory ? memory : SANDBOX_DEFAULT_MEMORY;
	lua_State *L = lua_newstate(sandbox_alloc, s);
	if (!L) {
		free(s);
		err_set(e, "cannot create a Lua state (out of memory)");
		return NULL;
	}
	*(struct sandbox **)lua_getextraspace(L) = s;
	lua_atpanic(L, panic);
	lua_sethook(L, limit_hook, LUA_MASKCOUNT, HOOK_EVERY);
	lua_pushcfunction(L, open_protected);
	if (sandbox_pcall(L, 0, 0, NULL, e)) {
		sandbox_close(L);
		return NULL;
	}
	return L;
}

void sandbox_close(lua_State *L)
{
	if (!L)
		return;
	struct sandbox *s = sandbox_of(L);
	lua_close(L);
	free(s);
}

static void remember_name(struct sandbox *s, const char *name)
{
	if (!s->name[0])
		snprintf(s->name, sizeof s->name, "%s", name);
}

static int load_status(lua_State *L, int status, const char *name, struct err *e)
{
	if (status == LUA_OK)
		return 0;
	if (status == LUA_ERRMEM)
		err_set(e, "%s: memory limit of %zu MiB exceeded while loading", name, sandbox_of(L)->memory >> 20);
	else
		err_set(e, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot load");
	lua_pop(L, 1);
	return -1;
}

int sandbox_load(lua_State *L, const char *text, size_t len, const char *name, struct err *e)
{
	struct sandbox *s = sandbox_of(L);
	remember_name(s, name);
	char chunk[4200];
	snprintf(chunk, sizeof chunk, "@%s", name); /* messages say "name:line:" */
	s->depth++;
	int status = luaL_loadbufferx(L, text, len, chunk, "t");
	s->depth--;
	return load_status(L, status, name, e);
}

int sandbox_load_file(lua_State *L, const char *path, struct err *e)
{
	struct sandbox *s = sandbox_of(L);
	remember_name(s, path);
	s->depth++;
	int status = luaL_loadfilex(L, path, "t");
	s->depth--;
	return load_status(L, status, path, e);
}

static int message_first_line(lua_State *L)
{
	/* Keep the message as Lua formats it ("file:line: msg"). */
	if (!lua_isstring(L, 1)) {
		const char *s = luaL_tolstring(L, 1, NULL);
		lua_pushfstring(L, "error object is a %s: %s", luaL_typename(L, 1), s);
	}
	return 1;
}

int sandbox_pcall(lua_State *L, int nargs, int nres, const char *where, struct err *e)
{
	struct sandbox *s = sandbox_of(L);
	if (s->depth == 0)
		s->left = s->instructions;
	int fn = lua_gettop(L) - nargs;
	lua_pushcfunction(L, message_first_line);
	lua_insert(L, fn);
	s->depth++;
	int status = lua_pcall(L, nargs, nres, fn);
	s->depth--;
	lua_remove(L, fn);
	if (status == LUA_OK)
		return 0;
	char msg[900];
	if (status == LUA_ERRMEM)
		snprintf(msg, sizeof msg, "%s: memory limit of %zu MiB exceeded", s->name[0] ? s->name : "script",
		         s->memory >> 20);
	else if (s->left < 0 && status == LUA_ERRERR)
		snprintf(msg, sizeof msg, "%s: instruction limit exceeded (an endless loop? raise it with --lua-limit)",
		         s->name[0] ? s->name : "script");
	else
		snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
	lua_pop(L, 1);
	/* Lua reports "path:line: message"; name the data row too. */
	if (where)
		err_set(e, "%s (%s)", msg, where);
	else
		err_set(e, "%s", msg);
	return -1;
}

int sandbox_get_global(lua_State *L, const char *name)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pushstring(L, name);
	int type = lua_rawget(L, -2);
	lua_remove(L, -2);
	return type;
}

long sandbox_instruction_limit(lua_State *L)
{
	return sandbox_of(L)->instructions;
}
