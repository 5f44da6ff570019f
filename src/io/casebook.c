#include "config.h"
#include "casebook.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cases kept at most: exact search stays under a tenth of a second per
 * question there (bench/README.md). */
#define CASEBOOK_MAX_CASES 10000000

int casebook_write(struct st_writer *w, const struct model_casebook *cb, int K, struct err *e)
{
	if (!cb->ndev && !cb->ncases)
		return 0;
	int64_t dev[2] = {(int64_t)cb->ndev, K}, emb[2] = {(int64_t)cb->ncases, (int64_t)cb->dim},
		n[1] = {(int64_t)cb->ncases};
	if (st_writer_add(w, "casebook.dev_probs", ST_F32, 2, dev, cb->dev_probs, e) ||
	    st_writer_add(w, "casebook.dev_label", ST_I32, 1, dev, cb->dev_label, e) ||
	    st_writer_add(w, "casebook.embeddings", ST_F32, 2, emb, cb->emb, e) ||
	    st_writer_add(w, "casebook.label", ST_I32, 1, n, cb->label, e) ||
	    st_writer_add(w, "casebook.row", ST_I64, 1, n, cb->row, e) ||
	    st_writer_add(w, "casebook.time", ST_I64, 1, n, cb->time, e) ||
	    st_writer_add(w, "casebook.machine", ST_I32, 1, n, cb->machine, e))
		return -1;
	json_t *machines = json_array();
	for (size_t i = 0; i < cb->nmachines; i++)
		json_array_append_new(machines, json_string(cb->machines[i]));
	json_t *o = json_pack("{s:f, s:o}", "far", (double)cb->far, "machines", machines);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (!s)
		return err_set(e, "out of memory");
	st_writer_meta(w, "casebook", s);
	free(s);
	return 0;
}

static bool all_finite(const float *v, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		if (!(v[i] >= lo && v[i] <= hi))
			return false;
	return true;
}

static bool ints_within(const int32_t *v, size_t n, int32_t lo, int32_t hi)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] < lo || v[i] >= hi)
			return false;
	return true;
}

int casebook_read(const char *path, const struct st_file *f, int K, size_t dim, struct model_casebook *cb,
                  struct err *e)
{
	memset(cb, 0, sizeof *cb);
	const char *meta = st_meta(f, "casebook");
	if (!meta)
		return 0;
	json_t *o = json_loads(meta, 0, NULL), *far = json_object_get(o, "far"), *machines = json_object_get(o, "machines");
	const struct st_tensor *dev = st_find(f, "casebook.dev_probs"), *emb = st_find(f, "casebook.embeddings");
	bool shaped = json_is_number(far) && json_number_value(far) >= 0 && json_number_value(far) <= 2 &&
	              json_is_array(machines) && dev && emb && dev->ndim == 2 && emb->ndim == 2 && dev->shape[0] >= 0 &&
	              emb->shape[0] >= 0 && emb->shape[0] <= CASEBOOK_MAX_CASES && dev->shape[0] <= CASEBOOK_MAX_CASES;
	if (!shaped) {
		json_decref(o);
		return err_at(e, path, 0, "model file: the casebook's metadata or shape is not what lathe writes");
	}
	cb->far = (float)json_number_value(far);
	cb->nmachines = json_array_size(machines);
	cb->machines = xcalloc(cb->nmachines + 1, sizeof *cb->machines);
	for (size_t i = 0; i < cb->nmachines; i++) {
		const char *s = json_string_value(json_array_get(machines, i));
		if (!s) {
			json_decref(o);
			casebook_free(cb);
			return err_at(e, path, 0, "model file: the casebook's machine %zu is not text", i);
		}
		cb->machines[i] = xstrdup(s);
	}
	json_decref(o);
	cb->ndev = (size_t)dev->shape[0];
	cb->ncases = (size_t)emb->shape[0];
	cb->dim = dim;
	int rc = -1;
	if (!(cb->dev_probs = st_copy(path, f, "casebook.dev_probs", ST_F32, cb->ndev, (size_t)K, e)) ||
	    !(cb->dev_label = st_copy(path, f, "casebook.dev_label", ST_I32, cb->ndev, 0, e)) ||
	    !(cb->emb = st_copy(path, f, "casebook.embeddings", ST_F32, cb->ncases, dim, e)) ||
	    !(cb->label = st_copy(path, f, "casebook.label", ST_I32, cb->ncases, 0, e)) ||
	    !(cb->row = st_copy(path, f, "casebook.row", ST_I64, cb->ncases, 0, e)) ||
	    !(cb->time = st_copy(path, f, "casebook.time", ST_I64, cb->ncases, 0, e)) ||
	    !(cb->machine = st_copy(path, f, "casebook.machine", ST_I32, cb->ncases, 0, e)))
		goto out;
	if (!all_finite(cb->dev_probs, cb->ndev * (size_t)K, 0, 1) || !ints_within(cb->dev_label, cb->ndev, 0, K))
		err_at(e, path, 0, "model file: the casebook's dev rows hold probabilities outside [0, 1] or unknown classes");
	else if (!all_finite(cb->emb, cb->ncases * dim, -1.001f, 1.001f) || !ints_within(cb->label, cb->ncases, 0, K) ||
	         !ints_within(cb->machine, cb->ncases, -1, (int32_t)cb->nmachines))
		err_at(e, path, 0, "model file: the casebook's cases hold embeddings that are not unit vectors, unknown "
		                   "classes or unknown machines");
	else
		rc = 0;
out:
	if (rc)
		casebook_free(cb);
	return rc;
}

void casebook_free(struct model_casebook *cb)
{
	free(cb->dev_probs);
	free(cb->dev_label);
	free(cb->emb);
	free(cb->label);
	free(cb->row);
	free(cb->time);
	free(cb->machine);
	for (size_t i = 0; i < cb->nmachines; i++)
		free(cb->machines[i]);
	free(cb->machines);
	memset(cb, 0, sizeof *cb);
}
