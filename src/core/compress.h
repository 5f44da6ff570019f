#ifndef LATHE_CORE_COMPRESS_H
#define LATHE_CORE_COMPRESS_H

#include <stddef.h>
#include <stdbool.h>
#include "base/err.h"
#include "ml/model.h"

/* Compressed forms of a trained model, each written as a model file that
 * diagnose, eval, Lua and the workbench load like any other. */

struct compress_report {
	size_t bytes_before, bytes_after; /* the encoders' parameters, as stored */
	int quantized, kept;              /* tensors made int8, and left f32 */
	double worst_error;               /* the largest ‖W - Q(W)‖ / ‖W‖ of a quantized tensor */
	char worst_name[96];
	bool trees_only; /* the model answers with its trees alone (blend 0) */
};

/* int8: every matrix of the encoders' linear layers, the token embeddings
 * and the value directions as symmetric int8 with an f32 scale per row
 * (the activations are quantized per token at run time); the output layer
 * (the classifier) and the vectors (biases, layer norms, the small
 * position table) stay f32. Writes out atomically. */
int compress_int8(const char *in, const char *out, struct compress_report *r, struct err *e);

/* Whether int8 takes parameter i of m (what compress_int8 quantizes). */
bool compress_int8_takes(const struct model *m, size_t i);

#endif
