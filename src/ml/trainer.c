#include "config.h"
#include "trainer.h"

#include <math.h>
#include "ml/lora.h"

/* What a batch's mean loss is a mean over: its labelled rows, each
 * weighted by its class (ops.h, crossentropy), or its masked positions. */
static double batch_weight(const struct model_batch *b)
{
	if (!b->label)
		return (double)b->M;
	double w = 0;
	for (int i = 0; i < b->B; i++)
		if (b->label[i] >= 0)
			w += b->class_weight ? b->class_weight[b->label[i]] : 1.0;
	return w;
}

int trainer_step(struct trainer *t, int micro, micro_batch_fn next, void *ctx, float lr, float weight_decay,
                 double clip, struct trainer_step *out, struct err *e)
{
	double sums[STEP_SUMS] = {0};
	bool any = false;
	/* One micro-batch in one process is the whole global batch: its mean's
	 * gradient is the step's as it stands, and scaling it up and back down
	 * would only round it differently. */
	bool whole = micro == 1 && !t->reduce;
	for (int i = 0; i < micro; i++) {
		struct model_batch b;
		if (next(ctx, i, &b, e))
			return -1;
		if (b.B == 0)
			continue;
		double w = batch_weight(&b);
		b.accumulate = any;
		/* else the sum over the global batch: divided by its size below,
		 * once every process's part is in */
		b.grad_scale = whole || w <= 0 ? 1.0f : (float)w;
		float l = model_step(t->m, &b, true, true, NULL);
		any = true;
		if (!isfinite(l)) {
			/* the others learn of it from the reduction, and all stop */
			if (!t->reduce) {
				out->loss = l;
				return 1;
			}
			sums[STEP_NOT_FINITE] += 1;
			continue;
		}
		sums[STEP_LOSS] += l * w;
		sums[STEP_WEIGHT] += w;
	}
	if (!any)
		model_zero_grads(t->m);
	if (t->reduce) {
		sums[STEP_STOP] = t->stop;
		if (t->reduce(t->reduce_ctx, model_backend(t->m), model_grad_memory(t->m), model_param_count(t->m),
		              sums, e))
			return -1;
		t->stop = sums[STEP_STOP] > 0;
		if (sums[STEP_NOT_FINITE] > 0) {
			out->loss = NAN;
			return 1;
		}
	}
	double weight = sums[STEP_WEIGHT];
	out->weight = weight;
	out->loss = weight > 0 ? sums[STEP_LOSS] / weight : 0;
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
