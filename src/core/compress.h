#ifndef LATHE_CORE_COMPRESS_H
#define LATHE_CORE_COMPRESS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include "base/err.h"
#include "core/learn.h"
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

/* Distillation and pruning train again, on the model's training log
 * with its rules, split and training options (its manifest's), its
 * textualizer and vocabulary: a student of another shape learns the
 * model's probabilities beside the labels (core/learn.h), or the model
 * loses a share of its heads and feed-forward neurons (ml/prune.h) and
 * is fine-tuned, taught by its whole self. */
struct compress_retrain {
	const char *log;                  /* the training log; NULL: where the manifest says, unchanged since */
	const char *config;               /* distillation: the student's shape */
	double prune;                     /* pruning: the share removed */
	FILE *notes;                      /* how the log was split, or NULL */
	struct learn_result res;          /* the new model's training */
	double teacher_test_macro_f1;     /* the teacher encoder's, from its manifest (-1: unknown) */
	size_t bytes_before, bytes_after; /* the encoders' parameters */
};
/* how: the threads, precision and progress callbacks to train with. */
int compress_retrain(const char *in, const char *out, const struct learn_opts *how, struct compress_retrain *r,
                     struct err *e);

/* A LoRA adapter file's full model: its adapters merged into its base,
 * written as a model file that needs neither. */
int compress_merge(const char *in, const char *out, struct err *e);

/* Whether int8 takes parameter i of m (what compress_int8 quantizes). */
bool compress_int8_takes(const struct model *m, size_t i);

#endif
