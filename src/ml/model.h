#ifndef LATHE_ML_MODEL_H
#define LATHE_ML_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/rng.h"
#include "ml/ops.h"

/* A BERT-style encoder (post-LN, learned positions, exact GELU) with
 * BERT's classification head (a tanh pooler on [CLS], position 0, then a
 * linear layer) and a masked-LM head whose decoder is tied to the token
 * embeddings, as in BERT, so Hugging Face's BertForSequenceClassification
 * computes the same logits from the same weights. */
struct model_config {
	int vocab, max_seq, C, layers, heads, ff, classes;
	float dropout;
	/* Value-aware facts (0 = off): a token of value fact k gets z * d_k
	 * added to its embedding, d_k a learned direction per fact
	 * ("embeddings.value_directions", [values, C]) and z the reading's
	 * z-score, so the words' levels lose nothing of the number. */
	int values;
	/* Knots per value of its piecewise-linear encoding (0 = the z-score
	 * alone): a reading enters as W = 1 + value_knots numbers, its z-score
	 * and its weights on the two knots (training-quantile bin edges) around
	 * it, each along its own learned direction ([values * W, C]): the
	 * embedding interpolates linearly between learned ones at the knots,
	 * so it can bend where the data does. */
	int value_knots;
	/* Each head's width (0 = C / heads). Pruned heads leave heads *
	 * head_size, the attention's width, below C. */
	int head_size;
};

/* The attention's width: heads * head size. */
int model_attention_width(const struct model_config *c);

#define MODEL_MAX_VOCAB (1 << 20)
#define MODEL_MAX_SEQ 4096
#define MODEL_MAX_HIDDEN 4096
#define MODEL_MAX_LAYERS 64
#define MODEL_MAX_CLASSES 65536
#define MODEL_MAX_VALUES 65536
#define MODEL_MAX_VALUE_KNOTS 257
/* Activation floats at most (16 GiB). */
#define MODEL_MAX_ARENA ((size_t)1 << 32)

/* "tiny" and "small": the shapes of the PyTorch reference benchmark. */
int model_config_named(const char *name, struct model_config *c, struct err *e);
int model_config_check(const struct model_config *c, struct err *e);

/* A named parameter tensor. offset places it in a snapshot of all the
 * parameters as f32 (model_snapshot); where it is stored is the model's
 * business. */
struct model_param {
	char name[96];
	int ndim;
	int64_t shape[2];
	size_t offset, count;
	bool decay;            /* weight decay applies */
	enum dtype dtype;      /* f32, or (an inference model's matrices) bf16 or i8 with a scale per row */
	size_t store, scale;   /* its place in the model's storage of its dtype, and of its scales */
};

struct model;

/* The parameters a config implies, without allocating the model (to check
 * a file against them first); the caller frees *list. */
size_t model_layout(const struct model_config *c, struct model_param **list);

/* How a model is made: work space for batches of up to max_batch
 * sequences of up to max_seq tokens, allocated once; train: with
 * gradients, optimizer state and backward scratch (an inference model has
 * none, and its layers share one set of activations); dtype[i]: each
 * parameter's (NULL = all f32; only a training model's must be). */
struct model_opts {
	int max_batch;
	uint64_t seed;
	bool train;
	const enum dtype *dtype;
};

/* Parameters initialized as BERT: N(0, 0.02) weights, zero biases, unit
 * layer-norm gains, all in the backend's memory. */
struct model *model_new(const struct model_config *c, struct backend *be, const struct model_opts *o, struct err *e);
void model_free(struct model *m);
const struct model_config *model_config(const struct model *m);
struct backend *model_backend(const struct model *m);
bool model_trainable(const struct model *m);
/* Parameter floats, every dtype counted as one each (a snapshot's size). */
size_t model_param_count(const struct model *m);
size_t model_params(const struct model *m, const struct model_param **list);
/* Bytes the parameters take as stored. */
size_t model_param_bytes(const struct model *m);
/* Whether parameter i may be stored in bf16 or i8: the matrices of the
 * linear layers, the token embeddings and the value directions. */
bool model_param_quantizable(const struct model *m, size_t i);

/* Parameter i's values as f32 (count floats): its weights (dequantized),
 * or, in a training model, its gradient or Adam moments. Writing weights
 * of an i8 parameter quantizes them by rows. -1 for a slot the model has
 * not (an inference model's gradients). */
enum model_slot { MODEL_WEIGHT, MODEL_GRAD, MODEL_ADAM_M, MODEL_ADAM_V };
int model_read(const struct model *m, enum model_slot s, size_t i, float *host);
int model_write(struct model *m, enum model_slot s, size_t i, const float *host);
/* Parameter i as stored: f32 floats, bf16 halves, or i8 with one f32
 * scale per row (scale NULL for the others). */
void model_read_stored(const struct model *m, size_t i, void *host, float *scale);
void model_write_stored(struct model *m, size_t i, const void *host, const float *scale);
/* A slot of every parameter as f32, at each parameter's offset
 * (model_param_count floats), and back. */
void model_snapshot(const struct model *m, enum model_slot s, float *host);
void model_restore(struct model *m, enum model_slot s, const float *host);
/* The gradients in the backend's memory (model_param_count floats), for a
 * gradient reduction across processes to sum in place; NULL in an
 * inference model. */
float *model_grad_memory(struct model *m);

/* One batch: B sequences of T tokens (tok[B*T], padded), len[B] real
 * lengths. train turns dropout on. */
struct model_batch {
	int B, T;
	const int32_t *tok;
	const int *len;
	const int32_t *label;       /* [B], classification */
	const float *class_weight;  /* [classes] or NULL */
	/* Distillation: a teacher's probabilities at temperature T ([B,
	 * classes], or NULL); the loss is (1 - soft_weight) of the labels'
	 * and soft_weight of the soft targets' (ops.h, soft_crossentropy). */
	const float *soft_target;
	float soft_weight, temperature;
	/* The soft part's loss and gradient times this (0 = 1): the labels'
	 * part is a mean over the class weights of the rows, the soft part
	 * over the rows, and a batch that is a share of a larger one weighs
	 * the two by their shares of it (the trainer scales by the first). */
	float soft_scale;
	/* Masked LM: M masked positions pos[M] (b*T + t) with targets,
	 * sequence by sequence (b never decreases). */
	int M;
	const int32_t *mlm_pos, *mlm_target;
	/* Value-aware facts: per token its fact (-1 = none) and its reading's
	 * 1 + value_knots numbers ([B*T, 1 + value_knots]); NULL when the batch
	 * carries no values. */
	const int32_t *value_fact;
	const float *value_enc;
	/* [B]: names each sequence's dropout draws (ops.h, dropout_mask), so
	 * a row draws the same masks in any batch or process; NULL: the
	 * model's own generator names them. */
	const uint64_t *row_key;
	bool accumulate;            /* add to the gradients instead of replacing them */
	/* The gradient is that of the batch's mean loss times this (0 = 1):
	 * a trainer weights micro-batches by their share of the global batch. */
	float grad_scale;
};

/* Forward (and, with backward, gradients, which it zeroes first unless
 * the batch accumulates). Classification loss when label is set, else masked-LM
 * loss. logits ([B, classes], or for masked LM [M, vocab]) may be NULL. With
 * accumulate set, the gradients add to those already there. Returns NAN
 * for a batch beyond the sizes the model was made for (B > max_batch,
 * T > max_seq, or more masked positions than a quarter of its tokens),
 * for masked positions outside the batch or out of order, and for train
 * or backward on an inference model. The last
 * layer computes only the positions its head reads, so a step costs
 * about one layer less than the full encoder. */
float model_step(struct model *m, const struct model_batch *b, bool train, bool backward, float *logits);
/* The pooled [CLS] vectors of the last classification step's B rows
 * into host[B, C]: what the classifier reads, so rows it tells apart lie
 * apart (a row's embedding for finding similar ones). */
void model_pooled(const struct model *m, int B, float *host);
/* Copies the weights of every parameter of src that dst has under the
 * same name and shape (an encoder pretrained with another head); returns
 * how many. */
size_t model_copy_matching(struct model *dst, const struct model *src);
/* A frozen parameter still gets its gradient (an adapter reads it) but
 * no update and no part in the clipped norm. */
void model_freeze(struct model *m, size_t i, bool frozen);
bool model_frozen(const struct model *m, size_t i);
/* An f32 parameter's slot in the backend's memory (count floats), for
 * work on it in place (ml/lora.c); NULL for a slot the model has not. */
float *model_param_memory(struct model *m, enum model_slot s, size_t i);
/* The squared norm of the trainable parameters' gradients. */
double model_grad_sumsq(const struct model *m);
/* Multiplies the gradients by s (averaging accumulated micro-batches). */
void model_scale_grads(struct model *m, float s);
/* Zeroes the gradients: a process whose share of a step is empty adds
 * nothing to the reduction. */
void model_zero_grads(struct model *m);
/* Clips the gradient to max_norm (0 = no clipping); returns its norm. */
double model_clip_grads(struct model *m, double max_norm);
/* AdamW over all parameters; biases and layer-norm gains get no weight
 * decay, as in BERT. */
void model_adamw(struct model *m, float lr, float weight_decay, float b1, float b2, float eps);
int model_adam_step(const struct model *m);
/* The optimizer's step and dropout's generator, for checkpoints (the
 * moments are read and written with model_read/model_write). */
struct model_state {
	int *adam_t;
	struct rng *rng;
};

struct model_state model_state(struct model *m);

#endif
