#include "config.h"
#include "lb.h"

int lb_run_script(int argc, char **argv, struct err *e)
{
	lua_State *L = lb_new_state();
	if (!L)
		return err_set(e, "out of memory");
	/* arg[0] is the script, arg[1..] its arguments, as the lua command does. */
	lua_createtable(L, argc, 1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");
	int rc = 0;
	if (luaL_loadfile(L, argv[0]) != LUA_OK) {
		rc = err_set(e, "%s", lua_tostring(L, -1));
	} else {
		for (int i = 1; i < argc; i++)
			lua_pushstring(L, argv[i]);
		/* A pipeline script is the user's own, trusted like a shell
		 * script: no sandbox, no limit. */
		rc = lb_pcall(L, argc - 1, 0, e);
	}
	lua_close(L);
	return rc;
}
