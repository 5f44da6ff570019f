#include "config.h"
#include "lb.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/learn.h"

#define LB_MODEL "lathe.model"

/* ---- table building ---- */

static void set_number(lua_State *L, const char *key, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

static void set_integer(lua_State *L, const char *key, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, key);
}

/* ---- training ---- */

/* Strings stay valid while the options table lives (it is on the stack). */
static const char *opt_string(lua_State *L, int t, const char *key)
{
	lua_getfield(L, t, key);
	const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
	lua_pop(L, 1);
	return s;
}

/* The Lua progress function, called with a table per epoch. */
static int call_progress(void *ctx, const struct learn_epoch *ep, struct err *e)
{
	lua_State *L = ctx;
	lua_getfield(L, 2, "progress");  /* the options table of lathe.train */
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	lua_createtable(L, 0, 8);
	set_integer(L, "epoch", ep->epoch);
	set_integer(L, "epochs", ep->epochs);
	set_integer(L, "steps", ep->steps);
	set_number(L, "train_loss", ep->train_loss);
	set_number(L, "dev_loss", ep->dev_loss);
	if (!ep->mlm) {
		set_number(L, "dev_macro_f1", ep->dev_macro_f1);
	}
	lua_pushboolean(L, ep->best);
	lua_setfield(L, -2, "best");
	set_number(L, "wall_s", ep->wall_s);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		err_set(e, "progress callback: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

static int fit(lua_State *L, bool mlm)
{
	const char *path = luaL_checkstring(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	const char *output = opt_string(L, 2, "output");
	if (!output)
		return luaL_error(L, "option 'output' (the model file to write) is required");
	lua_settop(L, 2);
	struct lb_run *r = lb_begin(L, 2);
	struct learn_opts lo = r->learn;
	lo.seed = r->po.split.seed;
	lo.on_epoch = call_progress;
	lo.ctx = L;
	struct err e;
	r->open = true;
	struct learn_result res;
	struct augment_opts ao = r->aug;
	ao.seed = r->po.split.seed;
	ao.lua_limit = r->po.lua_limit;
	size_t added[AUG_METHODS];
	if (learn_prepare(&r->p, &r->po, path, !mlm, stderr, &e) ||
	    (ao.methods && augment_pipeline(&r->p, &ao, added, &e)) ||
	    (mlm ? learn_pretrain(&r->p, path, &lo, output, &res, &e) : learn_train(&r->p, path, &lo, output, &res, &e)))
		return lb_fail(L, &e);
	lua_createtable(L, 0, 9);
	if (res.interrupted) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "interrupted");
		lua_pushstring(L, e.msg);
		lua_setfield(L, -2, "note");
	}
	lua_pushstring(L, output);
	lua_setfield(L, -2, "model");
	set_integer(L, "epochs", res.epochs_run);
	set_integer(L, "encoders", res.encoders);
	set_integer(L, "best_epoch", res.best_epoch);
	set_integer(L, "steps", res.steps);
	set_number(L, "train_loss", res.train_loss);
	set_number(L, "dev_loss", res.dev_loss);
	if (!mlm) {
		set_number(L, "dev_macro_f1", res.dev_macro_f1);
		set_number(L, "test_macro_f1", res.test_macro_f1);
	}
	if (res.gbdt_rounds > 0) {
		/* the referee's scores, and the blend --stack chose */
		lua_createtable(L, 0, 4);
		set_integer(L, "rounds", res.gbdt_rounds);
		set_number(L, "dev_macro_f1", res.gbdt_dev_macro_f1);
		set_number(L, "test_macro_f1", res.gbdt_test_macro_f1);
		set_number(L, "encoder_share", res.blend);
		lua_setfield(L, -2, "gbdt");
	}
	set_number(L, "tokens_per_s", res.tokens_per_s);
	set_number(L, "wall_s", res.wall_s);
	return 1;
}

static int lb_train(lua_State *L)
{
	return fit(L, false);
}

static int lb_pretrain(lua_State *L)
{
	return fit(L, true);
}

/* ---- models ---- */

struct lb_model {
	struct learner l;
	bool loaded;
};

static struct learner *check_model(lua_State *L, int i)
{
	struct lb_model *m = luaL_checkudata(L, i, LB_MODEL);
	if (!m->loaded)
		luaL_argerror(L, i, "model already closed");
	return &m->l;
}

static int lb_load_model(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lb_model *m = lua_newuserdatauv(L, sizeof *m, 0);
	memset(m, 0, sizeof *m);
	luaL_setmetatable(L, LB_MODEL);
	struct err e;
	if (learner_load(path, 32, &m->l, &e))
		return lb_fail(L, &e);
	m->loaded = true;
	return 1;
}

/* Texts cut to the model's length: said once, as the command line does. */
static void warn_cut(struct learner *l)
{
	char note[200];
	if (learner_take_cut_note(l, note, sizeof note))
		fprintf(stderr, "lathe: warning: %s\n", note);
}

static void push_prediction(lua_State *L, const struct learner *l, const float *p)
{
	size_t K = l->mf.nlabels, best = 0;
	lua_createtable(L, 0, 2);
	lua_createtable(L, 0, (int)K);
	for (size_t k = 0; k < K; k++) {
		lua_pushnumber(L, p[k]);
		lua_setfield(L, -2, l->mf.labels[k]);
		if (p[k] > p[best])
			best = k;
	}
	lua_setfield(L, -2, "probabilities");
	lua_pushstring(L, l->mf.labels[best]);
	lua_setfield(L, -2, "label");
}

/* model:predict("text") -> {label=, probabilities={...}};
 * model:predict({"a", "b"}) -> a list of those. */
static int model_predict(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	bool many = lua_istable(L, 2);
	size_t n = many ? (size_t)luaL_len(L, 2) : 1;
	if (!many)
		luaL_checkstring(L, 2);
	char **texts = lua_newuserdatauv(L, (n + 1) * sizeof *texts, 0);
	/* The strings stay referenced by the argument (table or string). */
	for (size_t i = 0; i < n; i++) {
		if (many)
			lua_rawgeti(L, 2, (lua_Integer)i + 1);
		else
			lua_pushvalue(L, 2);
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_error(L, "predict: text %d is not a string", (int)i + 1);
		texts[i] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	size_t K = l->mf.nlabels;
	float *probs = lua_newuserdatauv(L, (n * K + 1) * sizeof *probs, 0);
	learner_predict(l, texts, n, probs);
	warn_cut(l);
	if (!many) {
		push_prediction(L, l, probs);
		return 1;
	}
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_prediction(L, l, probs + i * K);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* model:eval(path [, reading options]) -> metrics */
static int model_eval(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	const char *path = luaL_checkstring(L, 2);
	struct lb_run *r = lb_begin(L, 3);
	r->open = true;
	struct err e;
	float *probs = NULL;
	if (learner_apply(l, &r->po, path, &r->p, &probs, &e)) {
		free(probs);
		return lb_fail(L, &e);
	}
	warn_cut(l);
	struct metrics mt;
	size_t unseen;
	learner_score(l, &r->p, probs, &mt, &unseen);
	free(probs);
	size_t K = l->mf.nlabels;
	lua_createtable(L, 0, 8);
	set_number(L, "accuracy", mt.accuracy);
	set_number(L, "macro_f1", mt.macro_f1);
	set_number(L, "weighted_f1", mt.weighted_f1);
	set_integer(L, "rows", mt.n);
	set_integer(L, "unseen_labels", (lua_Integer)unseen);
	lua_createtable(L, 0, (int)K);
	for (size_t k = 0; k < K; k++) {
		lua_createtable(L, 0, 4);
		set_number(L, "precision", mt.precision[k]);
		set_number(L, "recall", mt.recall[k]);
		set_number(L, "f1", mt.f1[k]);
		set_integer(L, "support", mt.support[k]);
		lua_setfield(L, -2, l->mf.labels[k]);
	}
	lua_setfield(L, -2, "classes");
	lua_createtable(L, (int)K, 0);
	for (size_t k = 0; k < K; k++) {
		lua_createtable(L, (int)K, 0);
		for (size_t j = 0; j < K; j++) {
			lua_pushinteger(L, mt.confusion[k * K + j]);
			lua_rawseti(L, -2, (lua_Integer)j + 1);
		}
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	lua_setfield(L, -2, "confusion");
	metrics_free(&mt);
	return 1;
}

static int model_labels(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	lua_createtable(L, (int)l->mf.nlabels, 0);
	for (size_t k = 0; k < l->mf.nlabels; k++) {
		lua_pushstring(L, l->mf.labels[k]);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

/* The model file's metadata as JSON strings: manifest, training, config. */
static int model_info(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	lua_createtable(L, 0, 3);
	lua_pushstring(L, l->mf.manifest ? l->mf.manifest : "{}");
	lua_setfield(L, -2, "manifest");
	lua_pushstring(L, l->mf.training ? l->mf.training : "{}");
	lua_setfield(L, -2, "training");
	lua_pushstring(L, l->mf.textualizer ? l->mf.textualizer : "{}");
	lua_setfield(L, -2, "textualizer");
	return 1;
}

static int model_gc(lua_State *L)
{
	struct lb_model *m = luaL_checkudata(L, 1, LB_MODEL);
	if (m->loaded)
		learner_free(&m->l);
	m->loaded = false;
	return 0;
}

static const luaL_Reg model_methods[] = {
	{"predict", model_predict}, {"eval", model_eval}, {"labels", model_labels}, {"info", model_info}, {NULL, NULL},
};

void lb_model_register(lua_State *L)
{
	lb_class(L, LB_MODEL, model_methods, model_gc);
	lua_pop(L, 1);
	lua_pushcfunction(L, lb_train);
	lua_setfield(L, -2, "train");
	lua_pushcfunction(L, lb_pretrain);
	lua_setfield(L, -2, "pretrain");
	lua_pushcfunction(L, lb_load_model);
	lua_setfield(L, -2, "load_model");
}
