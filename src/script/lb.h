#ifndef LATHE_SCRIPT_LB_H
#define LATHE_SCRIPT_LB_H

#include <lua.h>

/* The `lathe` Lua module: load_csv, frames with clean/split/textualize,
 * write. Registered in package.preload so scripts `require "lathe"`. */
int lb_open(lua_State *L);
/* A fresh state with the standard libraries, the lathe module and the
 * helper path set. NULL when out of memory. */
lua_State *lb_new_state(void);

#endif
