#include "config.h"
#include "lb.h"

#include "core/compress.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/diagnosis.h"
#include "core/learn.h"
#include "core/question.h"

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

/* lathe.load_model(path [, {device = "cpu" | "cuda" | "cuda:N"}]) */
static int lb_load_model(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct device d = {DEVICE_CPU, 0};
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "device");
		const char *text = lua_tostring(L, -1);
		if (text && device_parse(text, &d))
			return luaL_error(L, "device \"%s\": expected cpu, cuda or cuda:N", text);
		lua_pop(L, 1);
	}
	struct lb_model *m = lua_newuserdatauv(L, sizeof *m, 0);
	memset(m, 0, sizeof *m);
	luaL_setmetatable(L, LB_MODEL);
	struct err e;
	if (learner_load_classifier(path, d, 32, &m->l, &e))
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

/* A JSON value as the Lua value it reads as: objects as tables by key,
 * arrays as lists, null as nil. */
static void push_json(lua_State *L, json_t *v)
{
	luaL_checkstack(L, 4, "JSON too deep");
	const char *key;
	json_t *item;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach(v, key, item) {
			push_json(L, item);
			lua_setfield(L, -2, key);
		}
		break;
	case JSON_ARRAY:
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, item) {
			push_json(L, item);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
	case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
	case JSON_TRUE: lua_pushboolean(L, 1); break;
	case JSON_FALSE: lua_pushboolean(L, 0); break;
	default: lua_pushnil(L); break;
	}
}

static int json_box_gc(lua_State *L)
{
	json_t **box = lua_touserdata(L, 1);
	json_decref(*box);
	*box = NULL;
	return 0;
}

/* Pushes v as Lua and gives up the reference, even when Lua runs out of
 * memory half way (a to-be-closed box holds it). */
static void push_json_owned(lua_State *L, json_t *v)
{
	json_t **box = lua_newuserdatauv(L, sizeof *box, 0);
	*box = v;
	lb_class(L, "lathe.json", NULL, json_box_gc);
	lua_setmetatable(L, -2);
	lua_toclose(L, -1);
	push_json(L, v);
}

/* The whole diagnosis of a question, or of data row `row` of the log at
 * path (row 0: a question), as JSON; NULL with e set. */
static json_t *diagnose_json(struct learner *l, struct lb_run *r, const char *text, const char *path, long row,
                             bool whole, struct err *e)
{
	if (whole && diagnose_open_advice(&r->diag, r->po.lua_limit, e))
		return NULL;
	if (!whole) {
		r->diag.no_evidence = true;
		r->diag.neighbors = 0;
	}
	struct question q = {0};
	struct pipeline *p = &q.p;
	size_t at = 0;
	if (!path) {
		if (question_parse(l, text, &q, e))
			return NULL;
	} else {
		r->open = true;
		if (learner_prepare(l, &r->po, path, &r->p, e))
			return NULL;
		p = &r->p;
		while (at < p->t->nrows && p->t->source_row[at] != row)
			at++;
		if (at == p->t->nrows) {
			err_at(e, path, 0, "no data row %ld (after cleaning)", row);
			return NULL;
		}
	}
	struct diagnosis d;
	json_t *o = NULL;
	if (!diagnose_row(l, p, at, &r->diag, &d, e)) {
		o = diagnosis_json(l, &d);
		json_t *notes = json_array();
		for (size_t i = 0; i < q.nnotes; i++)
			json_array_append_new(notes, json_string(q.notes[i]));
		json_object_set_new(o, "notes", notes);
		if (!whole) {
			json_object_del(o, "evidence");
			json_object_del(o, "similar_cases");
			json_object_del(o, "advice");
		}
		diagnosis_free(&d);
	}
	question_free(&q);
	warn_cut(l);
	return o;
}

/* model:predict("text" [, options]) -> {label=, probabilities={...},
 * uncertain=, ...}: the question read as a log row, calibrated;
 * model:predict({"a", "b"}) -> a list of those. */
static int model_predict(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	bool many = lua_istable(L, 2);
	if (!many)
		luaL_checkstring(L, 2);
	size_t n = many ? (size_t)luaL_len(L, 2) : 1;
	struct lb_run *r = lb_begin(L, 3);
	int out = lua_gettop(L) + 1;
	if (many)
		lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		if (many)
			lua_rawgeti(L, 2, (lua_Integer)i + 1);
		else
			lua_pushvalue(L, 2);
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_error(L, "predict: text %d is not a string", (int)i + 1);
		struct err e;
		json_t *o = diagnose_json(l, r, lua_tostring(L, -1), NULL, 0, false, &e);
		lua_pop(L, 1);
		if (!o)
			return lb_fail(L, &e);
		json_object_set(o, "label", json_object_get(o, "predicted"));
		int box = lua_gettop(L) + 1;
		push_json_owned(L, o);
		if (!many)
			return 1;
		lua_rawseti(L, out, (lua_Integer)i + 1);
		lua_closeslot(L, box);
		lua_settop(L, box - 1);
	}
	return 1;
}

/* model:explain("text" [, options]) -> the whole diagnosis (evidence,
 * similar cases, warnings, advice...), as diagnose --json gives it. */
static int model_explain(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	const char *text = luaL_checkstring(L, 2);
	struct lb_run *r = lb_begin(L, 3);
	struct err e;
	json_t *o = diagnose_json(l, r, text, NULL, 0, true, &e);
	if (!o)
		return lb_fail(L, &e);
	push_json_owned(L, o);
	return 1;
}

/* model:explain_row(path, row [, options]) -> the whole diagnosis of
 * data row `row` of a log, through the model's own data path. */
static int model_explain_row(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	const char *path = luaL_checkstring(L, 2);
	lua_Integer row = luaL_checkinteger(L, 3);
	luaL_argcheck(L, row >= 1, 3, "a data row number from 1");
	struct lb_run *r = lb_begin(L, 4);
	struct err e;
	json_t *o = diagnose_json(l, r, NULL, path, (long)row, true, &e);
	if (!o)
		return lb_fail(L, &e);
	push_json_owned(L, o);
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

/* The model file's metadata as JSON strings: manifest, training, config;
 * its precision, and how it was compressed (JSON) when it was. */
static int model_info(lua_State *L)
{
	struct learner *l = check_model(L, 1);
	lua_createtable(L, 0, 5);
	const struct model_param *p;
	size_t np = model_params(l->model, &p);
	const char *precision = "fp32";
	for (size_t i = 0; i < np; i++)
		if (p[i].dtype != DTYPE_F32)
			precision = p[i].dtype == DTYPE_I8 ? "int8" : "bf16";
	lua_pushstring(L, precision);
	lua_setfield(L, -2, "precision");
	if (l->mf.compression) {
		lua_pushstring(L, l->mf.compression);
		lua_setfield(L, -2, "compression");
	}
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
	{"predict", model_predict}, {"explain", model_explain}, {"explain_row", model_explain_row}, {"eval", model_eval}, {"labels", model_labels}, {"info", model_info}, {NULL, NULL},
};

/* lathe.compress(MODEL, {int8 = true | distill = CONFIG | prune = SHARE,
 * output = FILE [, log = FILE]}): the compressed model written, and what
 * was done, as compress prints it. */
static int lb_compress(lua_State *L)
{
	const char *in = luaL_checkstring(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	static const char *const keys[] = {"output", "int8", "distill", "prune", "log", NULL};
	for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
		size_t k = 0;
		while (keys[k] && !(lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), keys[k]) == 0))
			k++;
		if (!keys[k])
			return luaL_error(L, "compress: unknown option '%s' (int8, distill, prune, log, output)",
			                  luaL_tolstring(L, -2, NULL));
	}
	lua_getfield(L, 2, "output");
	const char *out = lua_tostring(L, -1);
	lua_getfield(L, 2, "int8");
	bool int8 = lua_toboolean(L, -1);
	lua_getfield(L, 2, "distill");
	const char *distill = lua_tostring(L, -1);
	lua_getfield(L, 2, "prune");
	double prune = lua_tonumber(L, -1);
	lua_getfield(L, 2, "log");
	const char *log = lua_tostring(L, -1);
	if (!out)
		return luaL_error(L, "compress: option 'output' (the model file to write) is required");
	if (int8 + (distill != NULL) + (prune != 0) != 1)
		return luaL_error(L, "compress: say how, one of: int8 = true, distill = CONFIG, prune = SHARE");
	if (prune != 0 && !(prune >= 0.01 && prune <= 0.99))
		return luaL_error(L, "compress: prune is a share from 0.01 to 0.99, not %g", prune);
	struct err e;
	if (!int8) {
		struct compress_retrain r = {.log = log, .config = distill, .prune = prune};
		struct learn_opts how;
		learn_opts_init(&how);
		if (compress_retrain(in, out, &how, &r, &e))
			return luaL_error(L, "%s", e.msg);
		lua_createtable(L, 0, 6);
		lua_pushstring(L, distill ? "distill" : "prune");
		lua_setfield(L, -2, "method");
		lua_pushinteger(L, (lua_Integer)r.bytes_before);
		lua_setfield(L, -2, "bytes_before");
		lua_pushinteger(L, (lua_Integer)r.bytes_after);
		lua_setfield(L, -2, "bytes_after");
		lua_pushnumber(L, r.res.dev_macro_f1);
		lua_setfield(L, -2, "dev_macro_f1");
		lua_pushnumber(L, r.res.test_macro_f1);
		lua_setfield(L, -2, "test_macro_f1");
		lua_pushnumber(L, r.teacher_test_macro_f1);
		lua_setfield(L, -2, "teacher_test_macro_f1");
		return 1;
	}
	struct compress_report r;
	if (compress_int8(in, out, &r, &e))
		return luaL_error(L, "%s", e.msg);
	lua_createtable(L, 0, 6);
	lua_pushstring(L, "int8");
	lua_setfield(L, -2, "method");
	lua_pushinteger(L, r.quantized);
	lua_setfield(L, -2, "quantized");
	lua_pushinteger(L, r.kept);
	lua_setfield(L, -2, "kept");
	lua_pushinteger(L, (lua_Integer)r.bytes_before);
	lua_setfield(L, -2, "bytes_before");
	lua_pushinteger(L, (lua_Integer)r.bytes_after);
	lua_setfield(L, -2, "bytes_after");
	lua_pushnumber(L, r.worst_error);
	lua_setfield(L, -2, "worst_error");
	return 1;
}

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
	lua_pushcfunction(L, lb_compress);
	lua_setfield(L, -2, "compress");
}
