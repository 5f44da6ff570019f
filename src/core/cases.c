#include "config.h"
#include "cases.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/table.h"
#include "ml/neighbors.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Machine ids of the kept rows, the names in first-seen order. */
static void machines_of(const struct pipeline *p, const size_t *rows, size_t n, struct model_casebook *cb)
{
	long mc = p->machine ? table_find(p->t, p->machine) : -1;
	cb->machine = xmalloc((n + 1) * sizeof *cb->machine);
	cb->machines = xcalloc(1, sizeof *cb->machines);
	char buf[64];
	for (size_t i = 0; i < n; i++) {
		cb->machine[i] = -1;
		if (mc < 0 || table_is_missing(p->t, (size_t)mc, rows[i]))
			continue;
		const char *name = table_cell_text(p->t, (size_t)mc, rows[i], buf, sizeof buf);
		size_t m = 0;
		/* Fleets are tens to thousands of machines: a linear look-up
		 * per row is cheap beside the encoder's pass. */
		while (m < cb->nmachines && strcmp(cb->machines[m], name) != 0)
			m++;
		if (m == cb->nmachines) {
			cb->machines = xrealloc(cb->machines, (cb->nmachines + 2) * sizeof *cb->machines);
			cb->machines[cb->nmachines++] = xstrdup(name);
		}
		cb->machine[i] = (int32_t)m;
	}
}

void cases_fill(struct model_casebook *cb, const struct pipeline *p, const size_t *train, int32_t *cls, float *emb,
                size_t n, size_t dim, float *dev_probs, int32_t *dev_cls, const float *dev_emb, size_t ndev)
{
	cb->ndev = ndev;
	cb->dev_probs = dev_probs;
	cb->dev_label = dev_cls;
	cb->ncases = n;
	cb->dim = dim;
	cb->emb = emb;
	cb->label = cls;
	knn_normalize(emb, n, dim);
	cb->row = xmalloc((n + 1) * sizeof *cb->row);
	cb->time = xmalloc((n + 1) * sizeof *cb->time);
	long tc = p->time ? table_find(p->t, p->time) : -1;
	for (size_t i = 0; i < n; i++) {
		cb->row[i] = p->t->source_row[train[i]];
		cb->time[i] = tc >= 0 && p->t->cols[tc].type == COL_TIME ? p->t->cols[tc].time[train[i]] : INT64_MIN;
	}
	machines_of(p, train, n, cb);
	/* far: the 99th percentile of held-out rows' distance to their
	 * nearest case, from an even stride of at most CASES_FAR_ROWS. */
	size_t nfar = ndev < CASES_FAR_ROWS ? ndev : CASES_FAR_ROWS;
	float *dist = xmalloc((nfar + 1) * sizeof *dist), *scratch = xmalloc((n + 1) * sizeof *scratch),
	      *q = xmalloc((dim + 1) * sizeof *q);
	for (size_t i = 0; i < nfar; i++) {
		size_t at = (size_t)((double)i * (double)ndev / (double)nfar), idx;
		float sim = 0;
		memcpy(q, dev_emb + at * dim, dim * sizeof *q);
		knn_normalize(q, 1, dim);
		dist[i] = knn_search(emb, n, dim, q, 1, &idx, &sim, scratch) ? 1 - sim : 2;
	}
	qsort(dist, nfar, sizeof *dist, cmp_float);
	cb->far = nfar ? dist[(size_t)(0.99 * (double)(nfar - 1) + 0.5)] : 2;
	cb->far = cb->far < 0 ? 0 : cb->far > 2 ? 2 : cb->far;
	free(dist);
	free(scratch);
	free(q);
}

size_t cases_similar(const struct model_file *mf, const float *emb, size_t k, struct similar_case *out)
{
	const struct model_casebook *cb = &mf->casebook;
	if (!cb->ncases || !k)
		return 0;
	float *q = xmalloc(cb->dim * sizeof *q), *sim = xmalloc(k * sizeof *sim),
	      *scratch = xmalloc(cb->ncases * sizeof *scratch);
	size_t *idx = xmalloc(k * sizeof *idx);
	memcpy(q, emb, cb->dim * sizeof *q);
	knn_normalize(q, 1, cb->dim);
	size_t got = knn_search(cb->emb, cb->ncases, cb->dim, q, k, idx, sim, scratch);
	for (size_t i = 0; i < got; i++) {
		size_t c = idx[i];
		out[i] = (struct similar_case){.similarity = sim[i], .label = mf->labels[cb->label[c]],
		                               .machine = cb->machine[c] >= 0 ? cb->machines[cb->machine[c]] : NULL,
		                               .row = cb->row[c], .time = cb->time[c]};
	}
	free(q);
	free(sim);
	free(scratch);
	free(idx);
	return got;
}

double cases_distance(const struct model_file *mf, const float *emb, bool *unlike)
{
	struct similar_case nearest;
	*unlike = false;
	if (!cases_similar(mf, emb, 1, &nearest))
		return -1;
	double d = 1 - (double)nearest.similarity;
	*unlike = d > (double)mf->casebook.far;
	return d;
}
