#include "config.h"
#include "augment.h"

#include <jansson.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/datadir.h"
#include "base/rng.h"
#include "base/utf8.h"
#include "prep/augment_text.h"
#include "core/learn.h"
#include "hooks/rules.h"
#include "hooks/sandbox.h"


/* ---- the augmenter ---- */

struct augmenter {
	struct pipeline *p;
	const struct augment_opts *o;
	const char *sep;
	bool words;                  /* synonyms match whole words (not in Chinese) */
	struct rng rng[AUG_METHODS]; /* one stream per method: adding one leaves the others' samples alone */
	size_t *class_of;            /* label group of each row */
	size_t nclasses, most;       /* the training rows of the most frequent class */
	bool balanced;               /* every class with training rows has as many */
	size_t **members;            /* training rows per class */
	size_t *nmembers;
	struct synonyms *syn;
	/* jitter: o->n perturbed copies of the table and their texts */
	size_t *jcols, njcols;
	struct table **jtables;
	char ***jtexts;
	/* infill */
	struct learner model;
	bool has_model;
	struct rules *lua;
	bool lua_owned;
};

static uint64_t stream_seed(uint64_t seed, int method)
{
	return seed * 0x9E3779B97F4A7C15ull + (uint64_t)method * 0xD1B54A32D192ED03ull + 1;
}

static int load_synonyms(struct augmenter *a, struct err *e)
{
	char path[4200];
	const char *file = a->o->synonyms;
	if (!file) {
		const char *dir = datadir_find("lua");
		snprintf(path, sizeof path, "%s/lathe/synonyms_%s.lua", dir, a->p->text.lang ? a->p->text.lang : "en");
		file = path;
	}
	/* A synonym table may come with data from elsewhere: sandboxed. */
	lua_State *L = sandbox_open(a->o->lua_limit, SANDBOX_DEFAULT_MEMORY, e);
	if (!L)
		return err_prefix(e, "%s: ", file);
	int rc = 0;
	if (sandbox_load_file(L, file, e) || sandbox_pcall(L, 0, 1, NULL, e)) {
		rc = -1;
	} else if (!lua_istable(L, -1)) {
		rc = err_set(e, "%s: a synonym table returns a table of phrase = {alternatives}", file);
	} else {
		a->syn = synonyms_new();
		lua_pushnil(L);
		while (!rc && lua_next(L, -2)) {
			if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
				rc = err_set(e, "%s: entry %s is not phrase = {alternatives}", file,
				             lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
				break;
			}
			const char *phrase = lua_tostring(L, -2);
			for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
				lua_rawgeti(L, -1, i);
				if (lua_type(L, -1) != LUA_TSTRING || utf8_invalid_at(lua_tostring(L, -1), strlen(lua_tostring(L, -1))) >= 0)
					rc = err_set(e, "%s: an alternative of \"%s\" is not UTF-8 text", file, phrase);
				else
					synonyms_add(a->syn, phrase, lua_tostring(L, -1));
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
		}
		if (!rc && synonyms_count(a->syn) == 0)
			rc = err_set(e, "%s: the synonym table is empty", file);
	}
	sandbox_close(L);
	return rc;
}

/* The noise of a column: the standard deviation of its first differences
 * along each machine's training rows, over sqrt 2 (a difference holds two
 * readings' noise). */
static double column_noise(const struct pipeline *p, size_t c, const struct table_groups *g)
{
	const double *v = p->t->cols[c].num;
	double ss = 0;
	size_t n = 0;
	for (size_t k = 0; k < g->n; k++)
		for (size_t i = g->start[k] + 1; i < g->start[k + 1]; i++) {
			size_t r0 = g->rows[i - 1], r1 = g->rows[i];
			if (p->part[r0] != SPLIT_TRAIN || p->part[r1] != SPLIT_TRAIN || isnan(v[r0]) || isnan(v[r1]))
				continue;
			ss += (v[r1] - v[r0]) * (v[r1] - v[r0]);
			n++;
		}
	return n ? sqrt(ss / (double)n / 2) : 0;
}

static double gauss(struct rng *r)
{
	double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* o->n copies of the table with every numeric fact reading moved by
 * Gaussian noise of its measured size (times the strength), kept within
 * the column's physical limits (--limits, else the training range), and
 * whole when the column holds whole numbers; then their texts. */
static int prepare_jitter(struct augmenter *a, struct err *e)
{
	struct pipeline *p = a->p;
	struct table *t = p->t;
	double strength = augment_strength(a->o, AUG_JITTER);
	a->jcols = xmalloc((textualize_level_columns(p->tz, NULL) + 1) * sizeof *a->jcols);
	a->njcols = textualize_level_columns(p->tz, a->jcols);
	struct table_groups g;
	table_groups_by(t, p->machine ? table_find(t, p->machine) : -1, &g);
	double *noise = xmalloc((a->njcols + 1) * sizeof *noise), *lo = xmalloc((a->njcols + 1) * sizeof *lo),
	       *hi = xmalloc((a->njcols + 1) * sizeof *hi);
	bool *whole = xmalloc(a->njcols + 1);
	for (size_t j = 0; j < a->njcols; j++) {
		size_t c = a->jcols[j];
		noise[j] = column_noise(p, c, &g) * strength;
		lo[j] = INFINITY, hi[j] = -INFINITY, whole[j] = true;
		for (size_t r = 0; r < t->nrows; r++) {
			double x = t->cols[c].num[r];
			if (p->part[r] != SPLIT_TRAIN || isnan(x))
				continue;
			lo[j] = fmin(lo[j], x), hi[j] = fmax(hi[j], x);
			whole[j] &= x == floor(x);
		}
		clean_limits_of(p->all_rules, p->nall_rules, t->cols[c].name, &lo[j], &hi[j]);
	}
	table_groups_free(&g);
	a->jtables = xcalloc((size_t)a->o->n, sizeof *a->jtables);
	a->jtexts = xcalloc((size_t)a->o->n, sizeof *a->jtexts);
	int rc = 0;
	for (int v = 0; v < a->o->n && !rc; v++) {
		struct table *copy = table_clone(t);
		for (size_t j = 0; j < a->njcols; j++) {
			double *x = copy->cols[a->jcols[j]].num;
			for (size_t r = 0; r < copy->nrows; r++) {
				if (isnan(x[r]) || noise[j] <= 0)
					continue;
				double y = x[r] + noise[j] * gauss(&a->rng[AUG_JITTER]);
				if (whole[j])
					y = round(y);
				x[r] = (y < lo[j] ? lo[j] : y > hi[j] ? hi[j] : y) + 0.0;  /* no -0 */
			}
		}
		a->jtables[v] = copy;
		a->jtexts[v] = textualize_table(p->tz, copy);
		if (p->rules)
			rc = rules_textualize(p->rules, copy, a->jtexts[v], e);
	}
	free(noise);
	free(lo);
	free(hi);
	free(whole);
	return rc;
}

static int prepare_infill(struct augmenter *a, struct err *e)
{
	if (!a->o->model)
		return err_set(e, "infill needs a pretrained model: --augment-model MODEL.safetensors (lathe pretrain)");
	if (learner_load(a->o->model, 1, &a->model, e))
		return -1;
	a->has_model = true;
	/* Only masked-LM training teaches the decoder to fill in. */
	const char *training = a->model.mf.training ? a->model.mf.training : "";
	if (!strstr(training, "\"objective\":\"masked-lm\"") && !strstr(training, "\"init\":\""))
		return err_set(e, "%s: infill needs a model pretrained with masked LM (lathe pretrain, or train --init)",
		               a->o->model);
	return 0;
}

static int prepare_lua(struct augmenter *a, struct err *e)
{
	if (a->o->augmenter) {
		if (rules_load(a->o->augmenter, a->o->lua_limit, &a->lua, e))
			return -1;
		a->lua_owned = true;
	} else {
		a->lua = a->p->rules;
	}
	if (!a->lua || !rules_has_augment(a->lua))
		return err_set(e, "%s: the lua method needs augment(sample, rng): --augmenter FILE.lua, or define it in "
		                  "the rules script",
		               a->lua ? rules_path(a->lua) : "augment");
	return 0;
}

static void index_classes(struct augmenter *a)
{
	struct pipeline *p = a->p;
	size_t n = p->t->nrows;
	if (p->label_col >= 0) {
		size_t col = (size_t)p->label_col;
		a->class_of = table_group_ids(p->t, &col, 1, &a->nclasses);
	} else {
		a->class_of = xcalloc(n + 1, sizeof *a->class_of);
		a->nclasses = 1;
	}
	a->members = xcalloc(a->nclasses + 1, sizeof *a->members);
	a->nmembers = xcalloc(a->nclasses + 1, sizeof *a->nmembers);
	for (size_t r = 0; r < n; r++)
		if (p->part[r] == SPLIT_TRAIN)
			a->nmembers[a->class_of[r]]++;
	for (size_t k = 0; k < a->nclasses; k++)
		if (a->nmembers[k] > a->most)
			a->most = a->nmembers[k];
	a->balanced = true;
	for (size_t k = 0; k < a->nclasses; k++)
		a->balanced &= a->nmembers[k] == 0 || a->nmembers[k] == a->most;
	for (size_t k = 0; k < a->nclasses; k++) {
		a->members[k] = xmalloc((a->nmembers[k] + 1) * sizeof **a->members);
		a->nmembers[k] = 0;
	}
	for (size_t r = 0; r < n; r++)
		if (p->part[r] == SPLIT_TRAIN)
			a->members[a->class_of[r]][a->nmembers[a->class_of[r]]++] = r;
}

int augmenter_open(struct augmenter **out, struct pipeline *p, const struct augment_opts *o, struct err *e)
{
	*out = NULL;
	if (!p->texts || !p->part)
		return err_set(e, "augmentation needs textualized, split data");
	if (o->n < 1 || o->n > 1000)
		return err_set(e, "--n %d: variants per sample must be 1 to 1000", o->n);
	struct augmenter *a = xcalloc(1, sizeof *a);
	a->p = p;
	a->o = o;
	a->sep = p->samples ? (strstr(p->texts[0], "\xEF\xBC\x9B") ? textualize_separator("zh") : textualize_separator("en"))
	                    : textualize_separator(p->text.lang);
	a->words = strcmp(a->sep, textualize_separator("zh")) != 0;
	for (int m = 0; m < AUG_METHODS; m++)
		rng_seed(&a->rng[m], stream_seed(o->seed, m));
	index_classes(a);
	int rc = 0;
	if (o->methods & (1u << AUG_OVERSAMPLE) && p->label_col < 0)
		rc = err_set(e, "oversample needs labelled data");
	if (!rc && o->methods & (1u << AUG_SYNONYM))
		rc = load_synonyms(a, e);
	if (!rc && o->methods & (1u << AUG_JITTER)) {
		if (p->samples || !p->tz)
			rc = err_set(e, "jitter needs the readings: a CSV log, not textualized samples");
		else
			rc = prepare_jitter(a, e);
	}
	if (!rc && o->methods & (1u << AUG_INFILL))
		rc = prepare_infill(a, e);
	if (!rc && o->methods & (1u << AUG_LUA))
		rc = prepare_lua(a, e);
	if (rc) {
		augmenter_close(a);
		return -1;
	}
	*out = a;
	return 0;
}

void augmenter_close(struct augmenter *a)
{
	if (!a)
		return;
	for (size_t k = 0; k < a->nclasses; k++)
		free(a->members[k]);
	free(a->members);
	free(a->nmembers);
	free(a->class_of);
	synonyms_free(a->syn);
	for (int v = 0; a->jtables && v < a->o->n; v++) {
		if (a->jtexts[v])
			for (size_t r = 0; r < a->jtables[v]->nrows; r++)
				free(a->jtexts[v][r]);
		free(a->jtexts[v]);
		table_free(a->jtables[v]);
	}
	free(a->jtables);
	free(a->jtexts);
	free(a->jcols);
	if (a->has_model)
		learner_free(&a->model);
	if (a->lua_owned)
		rules_free(a->lua);
	free(a);
}

/* Every class tied for the most rows is left as it is, not one of them
 * picked at random; when all tie there is no majority, and all vary. */
bool augmenter_eligible(const struct augmenter *a, size_t r)
{
	return a->p->part[r] == SPLIT_TRAIN &&
	       (a->o->all_classes || a->balanced || a->nmembers[a->class_of[r]] < a->most);
}

/* ---- infill ---- */

static bool ends_with_token(const char *fact, const char *token)
{
	size_t n = strlen(fact), k = strlen(token);
	if (k == 0 || k > n || strncasecmp(fact + n - k, token, k) != 0)
		return false;
	/* the whole last word, not the end of one */
	unsigned char before = n > k ? (unsigned char)fact[n - k - 1] : ' ';
	return before < 0x80 ? before == ' ' : true;
}

static bool fillable(const char *token)
{
	if (strncmp(token, "##", 2) == 0 || token[0] == '[')
		return false;
	for (const unsigned char *s = (const unsigned char *)token; *s; s++)
		if (*s < 0x80 && !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* One of the five likeliest whole words for a masked position, drawn in
 * proportion to the model's probabilities; -1 when none is a word. */
static int32_t fill_word(const struct wordpiece *wp, const float *z, int vocab, struct rng *rng)
{
	int32_t top[5];
	int ntop = 0;
	for (int32_t v = WORDPIECE_SPECIALS; v < vocab; v++) {
		if ((ntop == 5 && z[v] <= z[top[4]]) || !fillable(wordpiece_token(wp, v)))
			continue;
		int at = ntop < 5 ? ntop++ : 4;
		for (; at > 0 && z[top[at - 1]] < z[v]; at--)
			top[at] = top[at - 1];
		top[at] = v;
	}
	if (ntop == 0)
		return -1;
	double w[5], sum = 0;
	for (int k = 0; k < ntop; k++)
		sum += w[k] = exp((double)(z[top[k]] - z[top[0]]));
	double u = rng_uniform(rng) * sum;
	int pick = 0;
	while (pick + 1 < ntop && (u -= w[pick]) > 0)
		pick++;
	return top[pick];
}

/* Masks the last word of a share of the facts and lets the model's
 * masked-LM head choose each anew among its five likeliest words. */
static char *infill(struct augmenter *a, const char *text, struct err *e)
{
	struct learner *l = &a->model;
	const struct model_config *c = model_config(l->model);
	char **f;
	size_t nf = facts_split(text, a->sep, &f);
	int32_t *ids = xmalloc((size_t)c->max_seq * sizeof *ids), *pos = xmalloc((size_t)c->max_seq * sizeof *pos);
	int32_t *target = xmalloc((size_t)c->max_seq * sizeof *target);
	size_t *fact_at = xmalloc((nf + 1) * sizeof *fact_at), nsep = wordpiece_encode(l->wp, a->sep, NULL, 0);
	int T = 0;
	ids[T++] = WORDPIECE_CLS;
	bool *can = xcalloc(nf + 1, sizeof *can);
	size_t ncan = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t k = wordpiece_encode(l->wp, f[i], NULL, 0);
		if ((size_t)T + k + nsep + 1 > (size_t)c->max_seq)
			break;
		wordpiece_encode(l->wp, f[i], ids + T, k);
		T += (int)k;
		fact_at[i] = (size_t)T - 1;  /* its last token */
		const char *last = wordpiece_token(l->wp, ids[T - 1]);
		can[i] = k > 0 && fillable(last) && ends_with_token(f[i], last);
		ncan += can[i];
		if (i + 1 < nf)
			T += (int)wordpiece_encode(l->wp, a->sep, ids + T, nsep);
	}
	ids[T++] = WORDPIECE_SEP;
	char *out = NULL;
	if (ncan == 0) {
		out = xstrdup(text);
		goto done;
	}
	/* Choose the facts, in text order. */
	size_t want = (size_t)(augment_strength(a->o, AUG_INFILL) * (double)nf + 0.5);
	want = want < 1 ? 1 : want > ncan ? ncan : want;
	size_t *chosen = xmalloc(ncan * sizeof *chosen), m = 0;
	for (size_t i = 0; i < nf; i++)
		if (can[i])
			chosen[m++] = i;
	rng_shuffle(&a->rng[AUG_INFILL], chosen, ncan);
	for (size_t i = 1; i < want; i++)
		for (size_t j = i; j > 0 && chosen[j - 1] > chosen[j]; j--) {
			size_t t = chosen[j];
			chosen[j] = chosen[j - 1];
			chosen[j - 1] = t;
		}
	for (size_t i = 0; i < want; i++) {
		pos[i] = (int32_t)fact_at[chosen[i]];
		target[i] = ids[pos[i]];
		ids[pos[i]] = WORDPIECE_MASK;
	}
	float *logits = xmalloc(want * (size_t)c->vocab * sizeof *logits);
	int len = T;
	struct model_batch b = {.B = 1, .T = T, .tok = ids, .len = &len, .M = (int)want, .mlm_pos = pos,
	                        .mlm_target = target};
	if (isnan(model_step(l->model, &b, false, false, logits))) {
		err_set(e, "infill: the model cannot take this text");
	} else {
		for (size_t i = 0; i < want; i++) {
			int32_t word = fill_word(l->wp, logits + i * (size_t)c->vocab, c->vocab, &a->rng[AUG_INFILL]);
			if (word < 0)
				continue;
			char *fact = f[chosen[i]];
			const char *old = wordpiece_token(l->wp, target[i]), *new = wordpiece_token(l->wp, word);
			size_t keep = strlen(fact) - strlen(old);
			char *edited = xmalloc(keep + strlen(new) + 1);
			memcpy(edited, fact, keep);
			strcpy(edited + keep, new);
			free(fact);
			f[chosen[i]] = edited;
		}
		out = facts_join(f, nf, a->sep);
	}
	free(logits);
	free(chosen);
done:
	free(can);
	free(fact_at);
	free(ids);
	free(pos);
	free(target);
	facts_free(f, nf);
	return out;
}

/* ---- variants ---- */

struct lua_emit {
	augment_emit emit;
	void *ctx;
};

static void emit_lua(void *ctx, size_t i, const char *text, const char *label)
{
	(void)i;
	struct lua_emit *le = ctx;
	le->emit(le->ctx, AUG_LUA, text, label, NULL);
}

int augmenter_variants(struct augmenter *a, size_t r, augment_emit emit, void *ctx, struct err *e)
{
	struct pipeline *p = a->p;
	const char *text = p->texts[r];
	char lbuf[256];
	const char *label = pipeline_label(p, r, lbuf, sizeof lbuf);
	if (!*label)
		label = NULL;
	double *readings = xmalloc((a->njcols + 1) * sizeof *readings);
	int rc = 0;
	for (int v = 0; v < a->o->n && !rc; v++)
		for (int m = 0; m < AUG_METHODS && !rc; m++) {
			if (!(a->o->methods & (1u << m)))
				continue;
			struct rng *rng = &a->rng[m];
			double s = augment_strength(a->o, m);
			char *made = NULL;
			switch (m) {
			case AUG_SYNONYM:
				made = augment_synonyms(text, a->syn, a->words, s, rng);
				break;
			case AUG_SWAP:
				made = augment_swap(text, a->sep, s, rng);
				break;
			case AUG_DELETE:
				made = augment_delete(text, a->sep, s, rng);
				break;
			case AUG_INSERT: {
				/* another training sample of the same class gives the facts */
				const size_t *same = a->members[a->class_of[r]];
				size_t k = a->nmembers[a->class_of[r]], donor = r;
				if (k > 1) {
					donor = same[rng_below(rng, k - 1)];
					if (donor == r)
						donor = same[k - 1];
				}
				made = augment_insert(text, p->texts[donor], a->sep, s, rng);
				break;
			}
			case AUG_JITTER:
				for (size_t j = 0; j < a->njcols; j++)
					readings[j] = a->jtables[v]->cols[a->jcols[j]].num[r];
				emit(ctx, m, a->jtexts[v][r], label, readings);
				break;
			case AUG_INFILL:
				made = infill(a, text, e);
				rc = made ? 0 : -1;
				break;
			case AUG_LUA: {
				struct rules_sample sample = {.row = r, .text = text, .label = label};
				struct lua_emit le = {.emit = emit, .ctx = ctx};
				rc = rules_augment(a->lua, p->t, &sample, 1, rng, emit_lua, &le, e);
				break;
			}
			default:
				break;
			}
			if (made)
				emit(ctx, m, made, label, NULL);
			free(made);
		}
	free(readings);
	return rc;
}

/* ---- into the pipeline ---- */

struct pending {
	size_t n, cap;
	size_t *source;
	uint8_t *method;
	char **text, **label;
	double *readings;    /* njcols per entry (jitter), else unused */
	size_t njcols;
	size_t row;          /* the row being varied */
};

static void add_pending(void *ctx, int method, const char *text, const char *label, const double *readings)
{
	struct pending *q = ctx;
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->source = xrealloc(q->source, q->cap * sizeof *q->source);
		q->method = xrealloc(q->method, q->cap * sizeof *q->method);
		q->text = xrealloc(q->text, q->cap * sizeof *q->text);
		q->label = xrealloc(q->label, q->cap * sizeof *q->label);
		q->readings = xrealloc(q->readings, (q->cap * q->njcols + 1) * sizeof *q->readings);
	}
	q->source[q->n] = q->row;
	q->method[q->n] = (uint8_t)method;
	q->text[q->n] = xstrdup(text);
	q->label[q->n] = label ? xstrdup(label) : NULL;
	if (readings)
		memcpy(q->readings + q->n * q->njcols, readings, q->njcols * sizeof *readings);
	q->n++;
}

static void pending_free(struct pending *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->text[i]);
		free(q->label[i]);
	}
	free(q->source);
	free(q->method);
	free(q->text);
	free(q->label);
	free(q->readings);
}

/* Copies of minority rows, drawn evenly, until each class holds the
 * strength's share of the most frequent one. */
static void oversample(struct augmenter *a, struct pending *q)
{
	struct rng *rng = &a->rng[AUG_OVERSAMPLE];
	double ratio = augment_strength(a->o, AUG_OVERSAMPLE);
	char lbuf[256];
	for (size_t k = 0; k < a->nclasses; k++) {
		size_t have = a->nmembers[k], want = (size_t)ceil(ratio * (double)a->most);
		if (have == 0 || have >= want)
			continue;
		size_t *order = xmalloc(have * sizeof *order);
		memcpy(order, a->members[k], have * sizeof *order);
		for (size_t i = 0; i < want - have; i++) {
			if (i % have == 0)
				rng_shuffle(rng, order, have);
			q->row = order[i % have];
			const char *label = pipeline_label(a->p, q->row, lbuf, sizeof lbuf);
			add_pending(q, AUG_OVERSAMPLE, a->p->texts[q->row], *label ? label : NULL, NULL);
		}
		free(order);
	}
}

static void copy_cell(struct table *dst, size_t dr, const struct table *src, size_t c, size_t sr)
{
	const struct column *s = &src->cols[c];
	switch (s->type) {
	case COL_NUM:
		dst->cols[c].num[dr] = s->num[sr];
		break;
	case COL_TIME:
		dst->cols[c].time[dr] = s->time[sr];
		break;
	case COL_STR:
		if (s->str[sr])
			table_set_str(dst, c, dr, strpool_get(src->pool, s->str[sr]));
		break;
	}
}

int augment_pipeline(struct pipeline *p, const struct augment_opts *o, size_t added[AUG_METHODS], struct err *e)
{
	memset(added, 0, AUG_METHODS * sizeof *added);
	struct augmenter *a;
	if (augmenter_open(&a, p, o, e))
		return -1;
	struct pending q = {.njcols = a->njcols};
	size_t n = p->t->nrows;
	int rc = 0;
	if (o->methods & ~(1u << AUG_OVERSAMPLE))
		for (size_t r = 0; r < n && !rc; r++)
			if (augmenter_eligible(a, r)) {
				q.row = r;
				rc = augmenter_variants(a, r, add_pending, &q, e);
			}
	if (!rc && o->methods & (1u << AUG_OVERSAMPLE))
		oversample(a, &q);
	if (!rc) {
		struct table *t = p->t;
		p->texts = xrealloc(p->texts, (n + q.n + 1) * sizeof *p->texts);
		p->part = xrealloc(p->part, n + q.n + 1);
		if (!p->method)
			p->method = xcalloc(n + 1, 1);
		p->method = xrealloc(p->method, n + q.n + 1);
		for (size_t i = 0; i < q.n; i++) {
			size_t src = q.source[i], r = table_append_row(t, t->source_row[src]);
			for (size_t c = 0; c < t->ncols; c++)
				copy_cell(t, r, t, c, src);
			if (q.method[i] == AUG_JITTER)
				for (size_t j = 0; j < a->njcols; j++)
					t->cols[a->jcols[j]].num[r] = q.readings[i * a->njcols + j];
			if (p->label_col >= 0 && q.label[i])
				table_set_str(t, (size_t)p->label_col, r, q.label[i]);
			p->texts[r] = q.text[i];
			q.text[i] = NULL;
			p->part[r] = SPLIT_TRAIN;
			p->method[r] = (uint8_t)(q.method[i] + 1);
			added[q.method[i]]++;
		}
	}
	pending_free(&q);
	augmenter_close(a);
	return rc;
}

void augment_print_balance(const struct pipeline *p, FILE *fp)
{
	struct table_groups g;
	table_groups_by(p->t, p->label_col, &g);
	char buf[256];
	utf8_pad(fp, "class (train)", 24);
	fprintf(fp, " %8s %8s\n", "before", "after");
	for (size_t k = 0; k < g.n; k++) {
		size_t before = 0, after = 0;
		for (size_t i = g.start[k]; i < g.start[k + 1]; i++) {
			size_t r = g.rows[i];
			if (p->part[r] != SPLIT_TRAIN)
				continue;
			after++;
			before += !p->method || !p->method[r];
		}
		const char *label = pipeline_label(p, g.rows[g.start[k]], buf, sizeof buf);
		utf8_pad(fp, *label ? label : "(no label)", 24);
		fprintf(fp, " %8zu %8zu\n", before, after);
	}
	table_groups_free(&g);
}
