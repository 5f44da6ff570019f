#include "config.h"
#include "gbdt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <xgboost/c_api.h>
#include "ml/metrics.h"

struct gbdt {
	BoosterHandle booster;
	size_t d;
	int K, rounds;
};

#define GBDT_CHECK_EVERY 10
#define GBDT_PATIENCE 30

void gbdt_opts_init(struct gbdt_opts *o)
{
	o->max_rounds = 300;
	o->depth = 6;
	o->eta = 0.1;
	o->threads = 1;
	o->seed = 42;
}

static int xgb_fail(struct err *e, const char *what)
{
	return err_set(e, "gradient-boosted trees: %s: %s", what, XGBGetLastError());
}

static int matrix(const float *x, size_t n, size_t d, DMatrixHandle *out, struct err *e)
{
	if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)d, NAN, out) != 0)
		return xgb_fail(e, "cannot hold the readings");
	return 0;
}

static int predict_matrix(BoosterHandle b, DMatrixHandle m, size_t n, int K, float *probs, struct err *e)
{
	bst_ulong len;
	const float *out;
	if (XGBoosterPredict(b, m, 0, 0, 0, &len, &out) != 0)
		return xgb_fail(e, "cannot predict");
	if (len != (bst_ulong)n * (bst_ulong)K)
		return err_set(e, "gradient-boosted trees: %llu probabilities for %zu rows of %d classes",
		               (unsigned long long)len, n, K);
	for (size_t i = 0; i < n * (size_t)K; i++)
		probs[i] = out[i];
	return 0;
}

static int set_params(BoosterHandle b, int K, const struct gbdt_opts *o, struct err *e)
{
	char num[32], depth[32], eta[32], threads[32], seed[32];
	snprintf(num, sizeof num, "%d", K);
	snprintf(depth, sizeof depth, "%d", o->depth);
	snprintf(eta, sizeof eta, "%g", o->eta);
	snprintf(threads, sizeof threads, "%d", o->threads > 0 ? o->threads : 1);
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)(o->seed % 2147483647u));
	const char *params[][2] = {
	    {"objective", "multi:softprob"},
	    {"num_class", num},
	    {"max_depth", depth},
	    {"eta", eta},
	    {"nthread", threads},
	    {"seed", seed},
	    {"tree_method", "hist"},
	    {"verbosity", "0"},
	};
	for (size_t i = 0; i < sizeof params / sizeof *params; i++)
		if (XGBoosterSetParam(b, params[i][0], params[i][1]) != 0)
			return xgb_fail(e, params[i][0]);
	return 0;
}

struct gbdt *gbdt_fit(const float *x, const int32_t *y, const float *w, size_t n, const float *dev_x,
                      const int32_t *dev_y, size_t nd, size_t d, int K, const struct gbdt_opts *o, struct err *e)
{
	if (n == 0 || d == 0 || K < 2) {
		err_set(e, "gradient-boosted trees: need training rows, readings and two classes");
		return NULL;
	}
	DMatrixHandle train = NULL, dev = NULL;
	BoosterHandle b = NULL, best = NULL;
	struct gbdt *g = NULL;
	float *labels = malloc(n * sizeof *labels), *probs = nd ? malloc(nd * (size_t)K * sizeof *probs) : NULL;
	if (!labels || (nd && !probs)) {
		err_set(e, "gradient-boosted trees: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		labels[i] = (float)y[i];
	if (matrix(x, n, d, &train, e) || (nd && matrix(dev_x, nd, d, &dev, e)))
		goto out;
	if (XGDMatrixSetFloatInfo(train, "label", labels, (bst_ulong)n) != 0 ||
	    (w && XGDMatrixSetFloatInfo(train, "weight", w, (bst_ulong)n) != 0)) {
		xgb_fail(e, "cannot set the labels");
		goto out;
	}
	if (XGBoosterCreate(&train, 1, &b) != 0) {
		xgb_fail(e, "cannot create");
		goto out;
	}
	if (set_params(b, K, o, e))
		goto out;
	double best_f1 = -1;
	int best_rounds = 0;
	for (int round = 0; round < o->max_rounds; round++) {
		if (XGBoosterUpdateOneIter(b, round, train) != 0) {
			xgb_fail(e, "cannot train");
			goto out;
		}
		if (!nd || ((round + 1) % GBDT_CHECK_EVERY != 0 && round + 1 != o->max_rounds))
			continue;
		if (predict_matrix(b, dev, nd, K, probs, e))
			goto out;
		double f1 = metrics_macro_f1(probs, dev_y, nd, K);
		if (f1 > best_f1) {
			best_f1 = f1;
			best_rounds = round + 1;
		} else if (round + 1 - best_rounds >= GBDT_PATIENCE) {
			break;
		}
	}
	if (!nd)
		best_rounds = o->max_rounds;
	if (XGBoosterSlice(b, 0, best_rounds, 1, &best) != 0) {
		xgb_fail(e, "cannot keep the best rounds");
		goto out;
	}
	g = calloc(1, sizeof *g);
	if (!g) {
		err_set(e, "gradient-boosted trees: out of memory");
		goto out;
	}
	g->booster = best;
	best = NULL;
	g->d = d;
	g->K = K;
	g->rounds = best_rounds;
out:
	if (best)
		XGBoosterFree(best);
	if (b)
		XGBoosterFree(b);
	if (dev)
		XGDMatrixFree(dev);
	if (train)
		XGDMatrixFree(train);
	free(labels);
	free(probs);
	return g;
}

int gbdt_predict(struct gbdt *g, const float *x, size_t n, float *probs, struct err *e)
{
	if (n == 0)
		return 0;
	DMatrixHandle m;
	if (matrix(x, n, g->d, &m, e))
		return -1;
	int rc = predict_matrix(g->booster, m, n, g->K, probs, e);
	XGDMatrixFree(m);
	return rc;
}

int gbdt_rounds(const struct gbdt *g)
{
	return g->rounds;
}

void gbdt_free(struct gbdt *g)
{
	if (!g)
		return;
	XGBoosterFree(g->booster);
	free(g);
}

/* ---- export: XGBoost's JSON dump to plain arrays (ml/trees.h) ---- */

struct flat {
	struct trees *t;
	size_t cap;
	json_t **nodes; /* this tree's nodes in preorder */
	size_t nnodes, ncap;
	int32_t *index_of; /* nodeid -> position in nodes */
	size_t nids;
};

static void collect(struct flat *fl, json_t *node)
{
	xgrow(&fl->nodes, &fl->ncap, fl->nnodes + 1, sizeof *fl->nodes);
	fl->nodes[fl->nnodes++] = node;
	json_t *kid;
	size_t i;
	json_array_foreach(json_object_get(node, "children"), i, kid) collect(fl, kid);
}

static int flatten(struct flat *fl, const char *dump, struct err *e)
{
	json_error_t je;
	json_t *tree = json_loads(dump, 0, &je);
	if (!tree)
		return err_set(e, "gradient-boosted trees: cannot read a tree: %s", je.text);
	fl->nnodes = 0;
	collect(fl, tree);
	int rc = 0;
	for (size_t i = 0; i < fl->nnodes && !rc; i++) {
		json_int_t id = json_integer_value(json_object_get(fl->nodes[i], "nodeid"));
		if (id < 0 || id > 1 << 24)
			rc = err_set(e, "gradient-boosted trees: a node id out of range");
		else if ((size_t)id >= fl->nids) {
			size_t cap = fl->nids;
			xgrow(&fl->index_of, &cap, (size_t)id + 1, sizeof *fl->index_of);
			fl->nids = cap;
		}
		if (!rc)
			fl->index_of[id] = (int32_t)i;
	}
	struct trees *t = fl->t;
	size_t base = t->nnodes;
	xgrow(&t->root, &(size_t){t->ntrees}, t->ntrees + 1, sizeof *t->root);
	t->root[t->ntrees++] = (int32_t)base;
	if (base + fl->nnodes > fl->cap) {
		size_t cap = fl->cap;
		xgrow(&t->feature, &cap, base + fl->nnodes, sizeof *t->feature);
		cap = fl->cap;
		xgrow(&t->value, &cap, base + fl->nnodes, sizeof *t->value);
		cap = fl->cap;
		xgrow(&t->yes, &cap, base + fl->nnodes, sizeof *t->yes);
		cap = fl->cap;
		xgrow(&t->no, &cap, base + fl->nnodes, sizeof *t->no);
		cap = fl->cap;
		xgrow(&t->missing, &cap, base + fl->nnodes, sizeof *t->missing);
		fl->cap = cap;
	}
	for (size_t i = 0; i < fl->nnodes && !rc; i++) {
		json_t *n = fl->nodes[i], *leaf = json_object_get(n, "leaf");
		size_t k = base + i;
		if (leaf) {
			t->feature[k] = -1;
			t->value[k] = (float)json_number_value(leaf);
			t->yes[k] = t->no[k] = t->missing[k] = -1;
			continue;
		}
		const char *split = json_string_value(json_object_get(n, "split"));
		json_int_t kids[3];
		const char *names[3] = {"yes", "no", "missing"};
		for (int c = 0; c < 3; c++) {
			kids[c] = json_integer_value(json_object_get(n, names[c]));
			if (kids[c] < 0 || (size_t)kids[c] >= fl->nids)
				rc = err_set(e, "gradient-boosted trees: a child out of range");
		}
		if (rc || !split || split[0] != 'f') {
			rc = rc ? rc : err_set(e, "gradient-boosted trees: a split without a feature");
			break;
		}
		t->feature[k] = (int32_t)atoi(split + 1);
		t->value[k] = (float)json_number_value(json_object_get(n, "split_condition"));
		t->yes[k] = (int32_t)base + fl->index_of[kids[0]];
		t->no[k] = (int32_t)base + fl->index_of[kids[1]];
		t->missing[k] = (int32_t)base + fl->index_of[kids[2]];
	}
	t->nnodes = base + fl->nnodes;
	json_decref(tree);
	return rc;
}

int gbdt_export(const struct gbdt *g, struct trees *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->K = g->K;
	out->nfeat = (int)g->d;
	bst_ulong n;
	const char **dump;
	if (XGBoosterDumpModelEx(g->booster, "", 0, "json", &n, &dump) != 0)
		return xgb_fail(e, "cannot dump the trees");
	struct flat fl = {.t = out};
	int rc = 0;
	for (bst_ulong i = 0; i < n && !rc; i++)
		rc = flatten(&fl, dump[i], e);
	free(fl.nodes);
	free(fl.index_of);
	if (!rc)
		rc = trees_check(out, e);
	if (rc)
		trees_free(out);
	return rc;
}
