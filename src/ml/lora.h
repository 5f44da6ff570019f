#ifndef LATHE_ML_LORA_H
#define LATHE_ML_LORA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "ml/model.h"

/* Low-rank adaptation (Hu et al., 2021): every encoder layer's matrices
 * (attention in and out, feed-forward in and out) read as
 * W0 + (alpha / rank) B A, with A [rank, in] and B [out, rank] trained
 * and W0 frozen; B starts at zero, so training starts from the base. The
 * classification head (pooler and classifier), new to the task, trains
 * whole; everything else is frozen. The adapters' gradients come from
 * the model's gradient of W (dA = s B^T dW, dB = s dW A^T), and after
 * each update the model's W is W0 + s B A again, so the model runs as
 * it is. */
struct lora;

/* Adapts m (a training model holding base's weights) and freezes what
 * it took from base: a tensor base has not (value directions it was
 * pretrained without) trains whole, as the head does. */
struct lora *lora_new(struct model *m, const struct model *base, int rank, float alpha, uint64_t seed,
                      struct err *e);
void lora_free(struct lora *l);
int lora_rank(const struct lora *l);
float lora_alpha(const struct lora *l);
/* After a backward (gradients scaled to the global batch): the adapters'
 * gradients from the model's; returns their squared norm. */
double lora_grads(struct lora *l);
void lora_scale_grads(struct lora *l, float s);
/* AdamW on the adapters, then W = W0 + s B A in the model. */
void lora_adamw(struct lora *l, float lr, float weight_decay, float b1, float b2, float eps);

/* The adapters: how many, and adapter k's model parameter, with A
 * [rank, in] and B [out, rank] as host floats (either may be NULL). */
size_t lora_count(const struct lora *l);
size_t lora_get(const struct lora *l, size_t k, float *A, float *B);
/* Every adapter's A and B as host floats (lora_floats of them), and back:
 * for keeping the best epoch's. */
size_t lora_floats(const struct lora *l);
void lora_snapshot(const struct lora *l, float *host);
void lora_restore(struct lora *l, const float *host);
/* The adapters' gradients, laid out as a snapshot. */
void lora_read_grads(const struct lora *l, float *host);

/* Whether parameter i of a model is one LoRA adapts. */
bool lora_adapts(const struct model *m, size_t i);
/* W += (alpha / rank) B A on the host, W [out, in]. */
void lora_merge(float *W, const float *A, const float *B, int out, int in, int rank, float alpha);

#endif
