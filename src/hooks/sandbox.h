#ifndef LATHE_HOOKS_SANDBOX_H
#define LATHE_HOOKS_SANDBOX_H

#include <stddef.h>
#include <lua.h>
#include "base/err.h"

/* A Lua state for code lathe runs on behalf of data or a model: rules
 * scripts, augmenters, row filters, model configs, synonym tables, and the
 * rules a model file carries. None of it is trusted:
 *   - text chunks only (bytecode can crash the VM);
 *   - the base library without dofile, loadfile, collectgarbage and warn;
 *     load takes text only; setmetatable refuses __gc (a finalizer would
 *     run outside any call's limits); print writes to stderr, escaped;
 *   - string (without dump), table, math and utf8; no os, io, debug,
 *     coroutine or package; require finds only the shipped lathe.*
 *     helpers, loaded in this same sandbox;
 *   - every call runs under an instruction limit the script cannot reach,
 *     and every allocation the script makes counts against a memory limit.
 * C code reading values out of the state between calls must use raw
 * accessors (lua_rawget, lua_rawlen), so no metamethod runs unprotected. */

#define SANDBOX_DEFAULT_INSTRUCTIONS 10000000L
#define SANDBOX_DEFAULT_MEMORY ((size_t)256 << 20)

/* instructions: per call (at least 1000); memory: bytes the script may
 * hold at once. Returns NULL with a message when out of memory. */
lua_State *sandbox_open(long instructions, size_t memory, struct err *e);
void sandbox_close(lua_State *L);
/* Compiles a text chunk and pushes it as a function; name appears in
 * messages as "name:line:". */
int sandbox_load(lua_State *L, const char *text, size_t len, const char *name, struct err *e);
/* The same from a file. */
int sandbox_load_file(lua_State *L, const char *path, struct err *e);
/* Calls the function below nargs arguments under the limits; on error the
 * message is Lua's "name:line: message", with where (a data row) added. */
int sandbox_pcall(lua_State *L, int nargs, int nres, const char *where, struct err *e);
/* Pushes the global name without running any metamethod. */
int sandbox_get_global(lua_State *L, const char *name);
long sandbox_instruction_limit(lua_State *L);

#endif
