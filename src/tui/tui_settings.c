#include "config.h"
#include "tui.h"

#include <curses.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ~/.config/lathe/init.lua: the workbench's settings, a Lua script that
 * sets globals:
 *   data = "FILE.csv"  rules = "RULES.lua"  model = "MODEL.safetensors"
 *   colors = false, or { header = "cyan", cursor = { "black", "cyan" }, ... }
 *   keys = { filter = "f", sort = "o", go = "G", undo = "z", help = "h",
 *            command = ";", quit = "Q" } */

static const struct {
	const char *action;
	int key;                   /* the default key it stands for */
} actions[] = {
	{"filter", '/'}, {"sort", 's'}, {"go", 'g'}, {"undo", 'u'}, {"help", '?'}, {"command", ':'}, {"quit", 'q'},
};

static const struct {
	const char *role;
	int pair;
} roles[] = {
	{"header", TUI_HEADER}, {"cursor", TUI_CURSOR}, {"tabs", TUI_TAB}, {"status", TUI_STATUS},
	{"error", TUI_ERROR},   {"dim", TUI_DIM},       {"accent", TUI_ACCENT},
};

static int color_named(const char *name)
{
	static const char *const names[] = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"};
	for (int i = 0; i < 8; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return strcmp(name, "default") == 0 ? -1 : -2;
}

static const char *string_global(lua_State *L, const char *name, char *buf, size_t size)
{
	lua_getglobal(L, name);
	const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	if (s)
		snprintf(buf, size, "%s", s);
	lua_pop(L, 1);
	return s ? buf : NULL;
}

/* One colour setting: "fg" or { "fg", "bg" }. */
static bool read_color(lua_State *L, struct tui_config *c, int pair, char *why, size_t size)
{
	int fg = -2, bg = -1;
	if (lua_type(L, -1) == LUA_TSTRING) {
		fg = color_named(lua_tostring(L, -1));
	} else if (lua_istable(L, -1)) {
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		fg = lua_type(L, -2) == LUA_TSTRING ? color_named(lua_tostring(L, -2)) : -2;
		bg = lua_type(L, -1) == LUA_TSTRING ? color_named(lua_tostring(L, -1)) : lua_isnil(L, -1) ? -1 : -2;
		lua_pop(L, 2);
	}
	if (fg == -2 || bg == -2) {
		snprintf(why, size, "colors: a colour is a name (black, red, green, yellow, blue, magenta, cyan, white, "
		                    "default) or { fg, bg }");
		return false;
	}
	c->fg[pair] = fg;
	c->bg[pair] = bg;
	c->set[pair] = true;
	return true;
}

bool tui_read_config(struct tui_config *c, char *why, size_t size)
{
	memset(c, 0, sizeof *c);
	c->colors = true;
	why[0] = '\0';
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(c->path, sizeof c->path, "%s/lathe/init.lua", xdg);
	else if (home && *home)
		snprintf(c->path, sizeof c->path, "%s/.config/lathe/init.lua", home);
	else
		return true;
	FILE *fp = fopen(c->path, "r");
	if (!fp)
		return true;  /* no settings: the defaults */
	fclose(fp);
	lua_State *L = luaL_newstate();
	if (!L) {
		snprintf(why, size, "%s: out of memory", c->path);
		return false;
	}
	luaL_openlibs(L);
	bool ok = true;
	if (luaL_dofile(L, c->path) != LUA_OK) {
		snprintf(why, size, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot run");
		ok = false;
	} else {
		c->has_data = string_global(L, "data", c->data, sizeof c->data) != NULL;
		c->has_rules = string_global(L, "rules", c->rules, sizeof c->rules) != NULL;
		c->has_model = string_global(L, "model", c->model, sizeof c->model) != NULL;
		lua_getglobal(L, "colors");
		if (lua_isboolean(L, -1)) {
			c->colors = lua_toboolean(L, -1);
		} else if (lua_istable(L, -1)) {
			for (size_t i = 0; i < sizeof roles / sizeof *roles && ok; i++) {
				lua_getfield(L, -1, roles[i].role);
				if (!lua_isnil(L, -1))
					ok = read_color(L, c, roles[i].pair, why, size);
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
		lua_getglobal(L, "keys");
		if (lua_istable(L, -1))
			for (size_t i = 0; i < sizeof actions / sizeof *actions && ok; i++) {
				lua_getfield(L, -1, actions[i].action);
				const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
				if (k && (strlen(k) != 1 || (unsigned char)k[0] < 32 || (unsigned char)k[0] > 126)) {
					snprintf(why, size, "keys.%s: one printable character, such as \"f\"", actions[i].action);
					ok = false;
				} else if (k) {
					c->keymap[(unsigned char)k[0]] = actions[i].key;
				}
				lua_pop(L, 1);
			}
		lua_pop(L, 1);
	}
	if (!ok && strncmp(why, c->path, strlen(c->path)) != 0) {
		char msg[2100];
		snprintf(msg, sizeof msg, "%s: %s", c->path, why);
		snprintf(why, size, "%s", msg);
	}
	lua_close(L);
	return ok;
}

int tui_map_key(const struct tui_config *c, int ch)
{
	return ch >= 0 && ch < 256 && c->keymap[ch] ? c->keymap[ch] : ch;
}
