#ifndef LATHE_IO_CASEBOOK_H
#define LATHE_IO_CASEBOOK_H

#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "io/safetensors.h"

/* What a classifier keeps of its data for diagnoses, saved in its model
 * file (none: ndev and ncases 0).
 *  - The dev rows' probabilities as diagnose computes them, and their
 *    classes: calibration and alert thresholds are fitted on them.
 *  - The training rows' embeddings (the pooled [CLS] vector, unit
 *    length) with their class, source row, time and machine: similar
 *    past cases.
 *  - far: the 99th percentile of a dev row's distance (1 - cosine) to its
 *    nearest training row; a row farther than that is unlike the data. */
struct model_casebook {
	size_t ndev;
	float *dev_probs;        /* [ndev, K] */
	int32_t *dev_label;      /* [ndev] */
	size_t ncases, dim;
	float *emb;              /* [ncases, dim] */
	int32_t *label;          /* [ncases] */
	int64_t *row;            /* [ncases], 1-based data row of the log */
	int64_t *time;           /* [ncases], epoch ms, INT64_MIN when none */
	int32_t *machine;        /* [ncases], into machines; -1 when none */
	char **machines;
	size_t nmachines;
	float far;
};

/* Adds the casebook's tensors ("casebook.*") and metadata ("casebook")
 * to a file being written; the data must stay valid until it is saved. */
int casebook_write(struct st_writer *w, const struct model_casebook *cb, int K, struct err *e);
/* Reads a file's casebook, if it has one, checking every shape and value
 * against the model (K classes, dim the encoder's width): a shared file
 * is untrusted. */
int casebook_read(const char *path, const struct st_file *f, int K, size_t dim, struct model_casebook *cb,
                  struct err *e);
void casebook_free(struct model_casebook *cb);

#endif
