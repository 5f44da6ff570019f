#ifndef LATHE_LUA_LB_H
#define LATHE_LUA_LB_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include "base/err.h"
#include "core/augment.h"
#include "core/diagnosis.h"
#include "core/learn.h"
#include "core/pipeline.h"

/* The `lathe` Lua module: load_csv, frames with clean/split/textualize,
 * write. Registered in package.preload so scripts `require "lathe"`. */
int lb_open(lua_State *L);
/* A fresh state with the standard libraries, the lathe module and the
 * helper path set. NULL when out of memory. */
lua_State *lb_new_state(void);

/* The options of one call, read from the Lua table at index opts through
 * the one option list (core/options.h), with a
 * to-be-closed guard on the stack that frees them (and the pipeline, once
 * open is set) even when a Lua error unwinds. */
struct lb_run {
	struct pipeline_opts po;
	struct learn_opts learn;
	struct augment_opts aug;
	struct diagnose_opts diag;
	struct pipeline p;
	bool open;
};

struct lb_run *lb_begin(lua_State *L, int opts);
/* Runs a trusted script's function (no limits); on error e holds Lua's
 * "file:line: message". */
int lb_pcall(lua_State *L, int nargs, int nres, struct err *e);
/* Pushes the metatable of a userdata class, made on first use: methods
 * (may be NULL) as __index, gc as __gc and __close. */
void lb_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc);
/* Raises the error as a Lua error (never returns). */
int lb_fail(lua_State *L, const struct err *e);
/* Adds train, pretrain, load_model and compress to the module table on
 * the stack. */
void lb_model_register(lua_State *L);
/* Runs a Lua pipeline script (argv[0]) with its arguments (argv[1..],
 * also as the global arg) in a fresh state with the lathe module: the
 * `lathe run` of the command line. 0, or -1 with the error. */
int lb_run_script(int argc, char **argv, struct err *e);

#endif
