#include "config.h"
#include "learn.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/rng.h"
#include "base/sha256.h"
#include "base/strpool.h"
#include "data/split.h"

void learn_opts_init(struct learn_opts *o)
{
	memset(o, 0, sizeof *o);
	o->config = "tiny";
	o->vocab_size = 1000;
	o->epochs = 8;
	o->batch = 32;
	o->lr = 1e-3f;
	o->weight_decay = 0.01f;
	o->warmup = 0.1f;
	o->clip = 1.0f;
	o->dropout = 0.1f;
	o->patience = 3;
	o->class_weights = true;
	o->seed = 42;
	o->threads = 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Token ids of every text: [CLS] pieces [SEP], cut to max_seq. */
struct encoded {
	int32_t *ids;
	size_t *start;
	int *len;
	size_t n;
};

static void encode_all(const struct wordpiece *wp, char *const *texts, const size_t *rows, size_t n, int max_seq,
                       struct encoded *out)
{
	out->n = n;
	out->start = xmalloc((n + 1) * sizeof *out->start);
	out->len = xmalloc((n + 1) * sizeof *out->len);
	out->ids = xmalloc((n * (size_t)max_seq + 1) * sizeof *out->ids);
	for (size_t i = 0; i < n; i++) {
		int32_t *ids = out->ids + i * (size_t)max_seq;
		ids[0] = WORDPIECE_CLS;
		size_t k = wordpiece_encode(wp, texts[rows ? rows[i] : i], ids + 1, (size_t)max_seq - 2);
		if (k > (size_t)max_seq - 2)
			k = (size_t)max_seq - 2;
		ids[k + 1] = WORDPIECE_SEP;
		out->start[i] = i * (size_t)max_seq;
		out->len[i] = (int)k + 2;
	}
}

static void encoded_free(struct encoded *x)
{
	free(x->ids);
	free(x->start);
	free(x->len);
}

/* Gathers the sequences idx[0..B) into a padded batch. */
static int fill_batch(const struct encoded *x, const size_t *idx, int B, int32_t *tok, int *len)
{
	int T = 2;
	for (int b = 0; b < B; b++)
		if (x->len[idx[b]] > T)
			T = x->len[idx[b]];
	for (int b = 0; b < B; b++) {
		const int32_t *src = x->ids + x->start[idx[b]];
		int L = x->len[idx[b]];
		memcpy(tok + (size_t)b * T, src, (size_t)L * sizeof *tok);
		for (int t = L; t < T; t++)
			tok[(size_t)b * T + t] = WORDPIECE_PAD;
		len[b] = L;
	}
	return T;
}

static void softmax_rows(float *z, int rows, int K)
{
	for (int r = 0; r < rows; r++) {
		float *p = z + (size_t)r * K, mx = -INFINITY, sum = 0;
		for (int k = 0; k < K; k++)
			mx = fmaxf(mx, p[k]);
		for (int k = 0; k < K; k++)
			sum += p[k] = expf(p[k] - mx);
		for (int k = 0; k < K; k++)
			p[k] /= sum;
	}
}

/* Probabilities of the encoded sequences idx[0..n) into probs[n, K]. */
static void predict_encoded(struct model *m, const struct encoded *x, const size_t *idx, size_t n, int max_batch,
                            float *probs)
{
	int K = model_config(m)->classes, T = model_config(m)->max_seq;
	int32_t *tok = xmalloc((size_t)max_batch * T * sizeof *tok);
	int *len = xmalloc((size_t)max_batch * sizeof *len);
	int32_t *dummy = xcalloc((size_t)max_batch, sizeof *dummy);
	for (size_t at = 0; at < n; at += (size_t)max_batch) {
		int B = n - at < (size_t)max_batch ? (int)(n - at) : max_batch;
		int bt = fill_batch(x, idx + at, B, tok, len);
		struct model_batch b = {.B = B, .T = bt, .tok = tok, .len = len, .label = dummy};
		model_step(m, &b, false, false, probs + at * K);
		softmax_rows(probs + at * K, B, K);
	}
	free(tok);
	free(len);
	free(dummy);
}

static int argmax(const float *p, int K)
{
	int best = 0;
	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Evaluates rows idx[0..n): macro-F1 and mean cross-entropy. */
static double evaluate(struct model *m, const struct encoded *x, const size_t *idx, const int32_t *cls, size_t n,
                       int max_batch, double *loss)
{
	int K = model_config(m)->classes;
	float *probs = xmalloc((n * (size_t)K + 1) * sizeof *probs);
	int32_t *truth = xmalloc((n + 1) * sizeof *truth), *pred = xmalloc((n + 1) * sizeof *pred);
	predict_encoded(m, x, idx, n, max_batch, probs);
	double l = 0;
	for (size_t i = 0; i < n; i++) {
		truth[i] = cls[idx[i]];
		pred[i] = argmax(probs + i * K, K);
		l -= log(fmax(probs[i * K + truth[i]], 1e-12));
	}
	struct metrics mt;
	metrics_compute(&mt, truth, pred, n, K);
	double f1 = mt.macro_f1;
	metrics_free(&mt);
	*loss = n ? l / (double)n : 0;
	free(probs);
	free(truth);
	free(pred);
	return f1;
}

static char *manifest_json(const struct pipeline *p, const char *data_path, const struct learn_opts *o,
                           const struct model_config *c)
{
	char data_hash[65] = "", rules_hash[65] = "";
	struct err e;
	if (sha256_file(data_path, data_hash, &e))
		data_hash[0] = '\0';
	const char *script = p->rules ? rules_text(p->rules) : NULL;
	if (script)
		sha256_text(script, strlen(script), rules_hash);
	char created[32];
	time_t t = time(NULL);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:i, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, "
	                      "s:s, s:{s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:b}}",
	                      "lathe_version", PACKAGE_VERSION, "created", created, "data_file", data_path, "data_sha256",
	                      data_hash, "rules_file", p->rules ? json_string(rules_path(p->rules)) : json_null(),
	                      "rules_sha256", script ? json_string(rules_hash) : json_null(), "seed", (json_int_t)o->seed,
	                      "threads", o->threads, "config_name", o->config, "config", "vocab", c->vocab, "max_seq",
	                      c->max_seq, "hidden", c->C, "layers", c->layers, "heads", c->heads, "ff", c->ff, "classes",
	                      c->classes, "split", split_method_name(p->split.method), "training", "epochs", o->epochs,
	                      "batch", o->batch, "lr", (double)o->lr, "weight_decay", (double)o->weight_decay, "warmup",
	                      (double)o->warmup, "clip", (double)o->clip, "patience", o->patience, "class_weights",
	                      o->class_weights);
	char *s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	return s;
}

static char *pipeline_json(const struct pipeline *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "label", json_string(p->label));
	json_object_set_new(o, "machine", p->machine ? json_string(p->machine) : json_null());
	json_object_set_new(o, "time", p->time ? json_string(p->time) : json_null());
	json_object_set_new(o, "rules_file", p->rules ? json_string(rules_path(p->rules)) : json_null());
	json_object_set_new(o, "rules", p->rules ? json_string(rules_text(p->rules)) : json_null());
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

int learn_train(struct pipeline *p, const char *data_path, const struct learn_opts *o, const char *out_path,
                struct learn_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	if (!p->label)
		return err_set(e, "training needs a label: --label COLUMN, or a rules script with label()");
	size_t n = p->t->nrows;
	/* Classes: the label texts, in sorted order. */
	struct strpool *names = strpool_new();
	char buf[64];
	uint32_t *row_label = xmalloc((n + 1) * sizeof *row_label);
	for (size_t r = 0; r < n; r++) {
		const char *l = pipeline_label(p, r, buf, sizeof buf);
		row_label[r] = *l ? strpool_intern(names, l, strlen(l)) : 0;
	}
	int K = (int)strpool_count(names) - 1;
	char **labels = xmalloc(((size_t)K + 1) * sizeof *labels);
	for (int k = 0; k < K; k++)
		labels[k] = xstrdup(strpool_get(names, (uint32_t)k + 1));
	qsort(labels, (size_t)K, sizeof *labels, cmp_str);
	int32_t *cls = xmalloc((n + 1) * sizeof *cls);
	for (size_t r = 0; r < n; r++) {
		cls[r] = -1;
		const char *l = row_label[r] ? strpool_get(names, row_label[r]) : NULL;
		for (int k = 0; l && k < K; k++)
			if (strcmp(labels[k], l) == 0)
				cls[r] = k;
	}
	size_t *part_rows[3], count[3] = {0};
	for (int s = 0; s < 3; s++)
		part_rows[s] = xmalloc((n + 1) * sizeof *part_rows[s]);
	for (size_t r = 0; r < n; r++)
		if (cls[r] >= 0)
			part_rows[p->part[r]][count[p->part[r]]++] = r;
	int rc = -1;
	struct wordpiece *wp = NULL;
	struct model *m = NULL;
	struct encoded x = {0};
	float *best = NULL, *weights = NULL;
	int32_t *tok = NULL, *blabel = NULL;
	int *len = NULL;
	size_t *order = NULL;
	if (K < 2 || count[SPLIT_TRAIN] < 2) {
		err_set(e, "training needs two classes or more and two labelled training rows (found %d, %zu)", K,
		        count[SPLIT_TRAIN]);
		goto out;
	}
	/* Dev rows stop training early; with none, the training rows do. */
	size_t *dev = count[SPLIT_DEV] ? part_rows[SPLIT_DEV] : part_rows[SPLIT_TRAIN];
	size_t ndev = count[SPLIT_DEV] ? count[SPLIT_DEV] : count[SPLIT_TRAIN];
	const char **train_texts = xmalloc(count[SPLIT_TRAIN] * sizeof *train_texts);
	for (size_t i = 0; i < count[SPLIT_TRAIN]; i++)
		train_texts[i] = p->texts[part_rows[SPLIT_TRAIN][i]];
	wp = wordpiece_train(train_texts, count[SPLIT_TRAIN], (size_t)o->vocab_size, e);
	free((void *)train_texts);
	if (!wp)
		goto out;
	struct model_config c;
	if (model_config_named(o->config, &c, e))
		goto out;
	/* Long enough for the longest training text, within the config. */
	int longest = 2;
	for (size_t i = 0; i < count[SPLIT_TRAIN]; i++) {
		int k = (int)wordpiece_encode(wp, p->texts[part_rows[SPLIT_TRAIN][i]], NULL, 0) + 2;
		if (k > longest)
			longest = k;
	}
	c.max_seq = o->max_seq ? o->max_seq : longest < c.max_seq ? longest : c.max_seq;
	c.vocab = (int)wordpiece_size(wp);
	c.classes = K;
	c.dropout = o->dropout;
	ops_cpu.set_threads(o->threads);
	m = model_new(&c, &ops_cpu, o->batch, o->seed, e);
	if (!m)
		goto out;
	encode_all(wp, p->texts, NULL, n, c.max_seq, &x);
	weights = xmalloc(((size_t)K + 1) * sizeof *weights);
	for (int k = 0; k < K; k++)
		weights[k] = 0;
	for (size_t i = 0; i < count[SPLIT_TRAIN]; i++)
		weights[cls[part_rows[SPLIT_TRAIN][i]]] += 1;
	for (int k = 0; k < K; k++)
		weights[k] = o->class_weights && weights[k] > 0 ? (float)count[SPLIT_TRAIN] / ((float)K * weights[k]) : 1.0f;
	size_t ntrain = count[SPLIT_TRAIN], nparams = model_param_count(m);
	order = xmalloc(ntrain * sizeof *order);
	memcpy(order, part_rows[SPLIT_TRAIN], ntrain * sizeof *order);
	tok = xmalloc((size_t)o->batch * c.max_seq * sizeof *tok);
	len = xmalloc((size_t)o->batch * sizeof *len);
	blabel = xmalloc((size_t)o->batch * sizeof *blabel);
	best = xmalloc(nparams * sizeof *best);
	memcpy(best, model_weights(m), nparams * sizeof *best);
	struct rng rng;
	rng_seed(&rng, o->seed ^ 0x5EEDull);
	long per_epoch = (long)((ntrain + (size_t)o->batch - 1) / (size_t)o->batch);
	long total = per_epoch * o->epochs, warm = (long)(o->warmup * (float)total);
	double best_f1 = -1, t0 = now(), tokens = 0;
	int stale = 0;
	for (int epoch = 1; epoch <= o->epochs; epoch++) {
		rng_shuffle(&rng, order, ntrain);
		double sum = 0;
		for (size_t at = 0; at < ntrain; at += (size_t)o->batch) {
			int B = ntrain - at < (size_t)o->batch ? (int)(ntrain - at) : o->batch;
			int T = fill_batch(&x, order + at, B, tok, len);
			for (int b = 0; b < B; b++) {
				blabel[b] = cls[order[at + (size_t)b]];
				tokens += len[b];
			}
			struct model_batch bt = {.B = B, .T = T, .tok = tok, .len = len, .label = blabel,
			                         .class_weight = weights};
			sum += model_step(m, &bt, true, true, NULL) * (double)B;
			model_clip_grads(m, o->clip);
			long s = res->steps++;
			float lr = s < warm ? o->lr * (float)(s + 1) / (float)warm
			                    : o->lr * (float)(total - s) / (float)(total - warm > 0 ? total - warm : 1);
			model_adamw(m, lr, o->weight_decay, 0.9f, 0.999f, 1e-8f);
		}
		double dev_loss, f1 = evaluate(m, &x, dev, cls, ndev, o->batch, &dev_loss);
		res->epochs_run = epoch;
		res->train_loss = sum / (double)ntrain;
		if (f1 > best_f1) {
			best_f1 = f1;
			res->best_epoch = epoch;
			res->dev_loss = dev_loss;
			res->dev_macro_f1 = f1;
			memcpy(best, model_weights(m), nparams * sizeof *best);
			stale = 0;
		} else {
			stale++;
		}
		if (o->progress)
			fprintf(o->progress, "epoch %d/%d  train loss %.4f  dev loss %.4f  dev macro-F1 %.4f%s\n", epoch,
			        o->epochs, res->train_loss, dev_loss, f1, stale ? "" : "  (best)");
		if (stale >= o->patience)
			break;
	}
	res->wall_s = now() - t0;
	res->tokens_per_s = tokens / res->wall_s;
	memcpy(model_weights(m), best, nparams * sizeof *best);
	if (count[SPLIT_TEST]) {
		double test_loss;
		res->test_macro_f1 = evaluate(m, &x, part_rows[SPLIT_TEST], cls, count[SPLIT_TEST], o->batch, &test_loss);
		res->test_rows = (long)count[SPLIT_TEST];
	}
	/* Everything needed to apply the model to another file. */
	struct model_file mf = {.nvocab = wordpiece_size(wp), .labels = labels, .nlabels = (size_t)K};
	mf.vocab = xmalloc(mf.nvocab * sizeof *mf.vocab);
	for (size_t i = 0; i < mf.nvocab; i++)
		mf.vocab[i] = (char *)wordpiece_token(wp, (int32_t)i);
	mf.textualizer = textualize_spec(p->tz, p->t);
	mf.pipeline = pipeline_json(p);
	mf.manifest = manifest_json(p, data_path, o, &c);
	json_t *summary = json_pack("{s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:I, s:f, s:f}", "epochs", res->epochs_run,
	                            "best_epoch", res->best_epoch, "steps", res->steps, "train_loss", res->train_loss,
	                            "dev_loss", res->dev_loss, "dev_macro_f1", res->dev_macro_f1, "test_macro_f1",
	                            res->test_macro_f1, "test_rows", (json_int_t)res->test_rows, "tokens_per_s",
	                            res->tokens_per_s, "wall_s", res->wall_s);
	mf.training = json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(summary);
	rc = model_file_save(out_path, m, &mf, e);
	free(mf.vocab);
	free(mf.textualizer);
	free(mf.pipeline);
	free(mf.manifest);
	free(mf.training);
out:
	for (int k = 0; k < K; k++)
		free(labels[k]);
	free(labels);
	free(row_label);
	strpool_free(names);
	free(cls);
	for (int s = 0; s < 3; s++)
		free(part_rows[s]);
	encoded_free(&x);
	free(best);
	free(weights);
	free(tok);
	free(len);
	free(blabel);
	free(order);
	model_free(m);
	wordpiece_free(wp);
	return rc;
}

/* ---- applying a model ---- */

int learner_load(const char *path, int max_batch, struct learner *l, struct err *e)
{
	memset(l, 0, sizeof *l);
	l->max_batch = max_batch;
	if (model_file_load(path, &ops_cpu, max_batch, &l->model, &l->mf, e))
		return -1;
	l->wp = wordpiece_from_tokens((const char *const *)l->mf.vocab, l->mf.nvocab, e);
	if (!l->wp) {
		err_prefix(e, "%s: ", path);
		learner_free(l);
		return -1;
	}
	return 0;
}

void learner_free(struct learner *l)
{
	model_free(l->model);
	model_file_free(&l->mf);
	wordpiece_free(l->wp);
	json_decref(l->settings);
	memset(l, 0, sizeof *l);
}

static const char *setting(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int learner_pipeline_opts(const struct learner *l, struct pipeline_opts *po, struct err *e)
{
	json_t *o = json_loads(l->mf.pipeline ? l->mf.pipeline : "", 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(e, "model file: its data-path settings are missing");
	}
	((struct learner *)l)->settings = o;
	po->label = setting(o, "label");
	po->machine = setting(o, "machine");
	po->time = setting(o, "time");
	po->rules_text = setting(o, "rules");
	po->rules_path = setting(o, "rules_file");
	return 0;
}

void learner_predict(struct learner *l, char *const *texts, size_t n, float *probs)
{
	int max_seq = model_config(l->model)->max_seq;
	struct encoded x;
	encode_all(l->wp, texts, NULL, n, max_seq, &x);
	size_t *idx = xmalloc((n + 1) * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	predict_encoded(l->model, &x, idx, n, l->max_batch, probs);
	free(idx);
	encoded_free(&x);
}

int learner_class(const struct learner *l, const char *label)
{
	for (size_t k = 0; k < l->mf.nlabels; k++)
		if (strcmp(l->mf.labels[k], label) == 0)
			return (int)k;
	return -1;
}

void learn_leakage(const struct pipeline *p, double share, void (*warn)(void *ctx, const char *column, double acc),
                   void *ctx)
{
	const struct table *t = p->t;
	long lc = p->label ? table_find(t, p->label) : -1;
	if (lc < 0 || t->nrows == 0)
		return;
	size_t col = (size_t)lc, nlab;
	size_t *lab = table_group_ids(t, &col, 1, &nlab);
	size_t *count = xcalloc(nlab + 1, sizeof *count), majority = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (++count[lab[r]] > majority)
			majority = count[lab[r]];
	/* A column that beats the majority guess by that much is suspect. */
	if ((double)majority / (double)t->nrows < share) {
		for (size_t c = 0; c < t->ncols; c++) {
			if ((long)c == lc)
				continue;
			size_t pair[2] = {c, (size_t)lc}, nval, npair;
			size_t *val = table_group_ids(t, &c, 1, &nval);
			if (nval > 50) {
				free(val);
				continue;
			}
			size_t *both = table_group_ids(t, pair, 2, &npair);
			/* For each value, its most common label; count the rows it gets right. */
			size_t *pc = xcalloc(npair + 1, sizeof *pc), *best = xcalloc(nval + 1, sizeof *best);
			for (size_t r = 0; r < t->nrows; r++)
				pc[both[r]]++;
			for (size_t r = 0; r < t->nrows; r++)
				if (pc[both[r]] > best[val[r]])
					best[val[r]] = pc[both[r]];
			size_t right = 0;
			for (size_t v = 0; v < nval; v++)
				right += best[v];
			double acc = (double)right / (double)t->nrows;
			if (acc >= share)
				warn(ctx, t->cols[c].name, acc);
			free(pc);
			free(best);
			free(both);
			free(val);
		}
	}
	free(count);
	free(lab);
}
