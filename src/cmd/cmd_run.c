#include "config.h"
#include "cmd.h"

#include <lauxlib.h>
#include <stdio.h>
#include "script/lb.h"

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	(void)cmd;
	lua_State *L = lb_new_state();
	if (!L) {
		fprintf(stderr, "lathe: out of memory\n");
		return CMD_RUNTIME;
	}
	/* arg[0] is the script, arg[1..] its arguments, as the lua command does. */
	lua_createtable(L, a->npos, 1);
	for (int i = 0; i < a->npos; i++) {
		lua_pushstring(L, a->pos[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");
	struct err e;
	int rc = CMD_OK;
	if (luaL_loadfile(L, a->pos[0]) != LUA_OK) {
		fprintf(stderr, "lathe: %s\n", lua_tostring(L, -1));
		rc = CMD_RUNTIME;
	} else {
		for (int i = 1; i < a->npos; i++)
			lua_pushstring(L, a->pos[i]);
		/* A pipeline script is the user's own, trusted like a shell
		 * script: no sandbox, no limit. */
		if (lb_pcall(L, a->npos - 1, 0, &e))
			rc = cmd_fail(&e);
	}
	lua_close(L);
	return rc;
}

const struct cmd cmd_run = {
	.name = "run",
	.args = "SCRIPT.lua [ARGS...]",
	.summary = "Run a Lua pipeline script with the lathe module (see lathe-lua(7)).",
	.groups = 0,
	.min_args = 1,
	.max_args = -1,
	.run = run,
};
