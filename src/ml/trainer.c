#include "config.h"
#include "trainer.h"

#include <math.h>
#include "ml/lora.h"

/* The gradient reduction of a single process. */
static int gradient_reduce(struct trainer *t, double *weight, struct err *e)
{
	if (!t->reduce)
		return 0;
	return t->reduce(t->reduce_ctx, model_backend(t->m), model_grad_memory(t->m), model_param_count(t->m), weight,
	                 e);
}

static double batch_weight(const struct model_batch *b)
{
	return b->label ? (double)b->B : (double)b->M;
}

int trainer_step(struct trainer *t, int micro, micro_batch_fn next, void *ctx, float lr, float weight_decay,
                 double clip, struct trainer_step *out, struct err *e)
{
	double loss = 0, weight = 0;
	/* One micro-batch in one process is the whole global batch: its mean's
	 * gradient is the step's as it stands, and scaling it up and back down
	 * would only round it differently. */
	bool whole = micro == 1 && !t->reduce;
	for (int i = 0; i < micro; i++) {
		struct model_batch b;
		if (next(ctx, i, &b, e))
			return -1;
		double w = batch_weight(&b);
		b.accumulate = i > 0;
		/* else the sum over the global batch: divided by its size below,
		 * once every process's part is in */
		b.grad_scale = whole || w <= 0 ? 1.0f : (float)w;
		float l = model_step(t->m, &b, true, true, NULL);
		if (!isfinite(l)) {
			out->loss = l;
			return 1;
		}
		loss += l * w;
		weight += w;
	}
	if (gradient_reduce(t, &weight, e))
		return -1;
	out->weight = weight;
	out->loss = weight > 0 ? loss / weight : 0;
	if (weight > 0 && !whole)
		model_scale_grads(t->m, (float)(1.0 / weight));
	if (!t->lora) {
		out->grad_norm = model_clip_grads(t->m, clip);
		if (!isfinite(out->grad_norm))
			return 1;
		model_adamw(t->m, lr, weight_decay, 0.9f, 0.999f, 1e-8f);
		return 0;
	}
	/* the adapters and the head, clipped together */
	out->grad_norm = sqrt(model_grad_sumsq(t->m) + lora_grads(t->lora));
	if (!isfinite(out->grad_norm))
		return 1;
	if (clip > 0 && out->grad_norm > clip) {
		model_scale_grads(t->m, (float)(clip / out->grad_norm));
		lora_scale_grads(t->lora, (float)(clip / out->grad_norm));
	}
	model_adamw(t->m, lr, weight_decay, 0.9f, 0.999f, 1e-8f);
	lora_adamw(t->lora, lr, weight_decay, 0.9f, 0.999f, 1e-8f);
	return 0;
}
