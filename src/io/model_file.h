#ifndef LATHE_IO_MODEL_FILE_H
#define LATHE_IO_MODEL_FILE_H

#include <stddef.h>
#include "base/err.h"
#include "io/casebook.h"
#include "ml/model.h"
#include "ml/trees.h"
#include "ml/ops.h"

/* Everything a trained model carries besides its weights, stored as JSON
 * strings in the safetensors metadata: the vocabulary, the labels in class
 * order, the fitted textualizer, the data-path settings (label column,
 * rules script text, machine and time columns), the run manifest (data
 * and script SHA-256, version, seed, config) and the training summary. */
struct model_file {
	char **vocab;
	size_t nvocab;
	char **labels;
	size_t nlabels;
	char *textualizer;   /* JSON */
	char *pipeline;      /* JSON */
	char *manifest;      /* JSON */
	char *training;      /* JSON, may be NULL */
	char *compression;   /* JSON, may be NULL: how a compressed model was made from which */
	/* The gradient-boosted trees fitted beside the encoder on the value
	 * facts' readings (none when nnodes is 0), and how much of the
	 * encoder's probability a diagnosis blends with theirs: 1 = the
	 * encoder alone (the default), 0 = the trees alone. */
	struct trees trees;
	float blend;
	/* An ensemble's other members (none: 0), encoders of the same config
	 * whose probabilities a diagnosis averages with the main one's; saved
	 * as "ensemble.K." + each parameter's name, K from 2, with the count
	 * in the metadata ("ensemble"). A loaded file's are freed with it. */
	struct model **members;
	size_t nmembers;
	/* The dev rows' predictions and the training rows' embeddings
	 * (io/casebook.h); freed with the file. */
	struct model_casebook casebook;
	/* A LoRA adapter file (ml/lora.h) stores only the head's tensors and
	 * each adapted matrix's A and B ("NAME.lora_A" [rank, in],
	 * "NAME.lora_B" [out, rank]); every other tensor, and each adapted
	 * matrix's W0, is the base model's, which "lora" in the metadata names
	 * with its SHA-256 (looked for beside the adapter file, then where
	 * it was at training). Loading merges them: W = W0 + alpha/rank B A.
	 * Saving: set adapters (JSON lora: base, base_sha256, rank, alpha) and
	 * A and B per parameter (NULL for the others). Loaded: adapters holds
	 * the JSON, A and B stay NULL. */
	char *adapters;
	float **lora_A, **lora_B;
};

#define MODEL_FILE_FORMAT "lathe-model-1"
/* Encoders in an ensemble at most. */
#define MODEL_FILE_MAX_ENSEMBLE 16

/* An I8 tensor's scales, one per row, are the F32 tensor of its name with
 * this suffix. */
#define MODEL_FILE_SCALE_SUFFIX "_scale"

/* Writes atomically: weights under the parameter names as the model
 * stores them (F32; a compressed model's matrices BF16, or I8 beside their
 * scales), an ensemble's other members' under their prefixes, plus the
 * metadata above, "format" and "config". */
int model_file_save(const char *path, struct model *m, const struct model_file *mf, struct err *e);
/* Reads a model file written by model_file_save: checks the format, the
 * config, and that every parameter is present with its shape, finite, in
 * a dtype it may have; an inference model for max_batch sequences is made
 * on be with its weights. */
int model_file_load(const char *path, struct backend *be, int max_batch, struct model **out, struct model_file *mf,
                    struct err *e);
void model_file_free(struct model_file *mf);

#endif
