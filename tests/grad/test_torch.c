/* One forward, backward and AdamW step of the model against PyTorch on
 * identical weights and inputs (tests/python/torch_step.py, with Debian's
 * python3-torch; skipped where it is absent). The weights, the batch, the
 * gradients and the updated weights travel in safetensors files. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include "io/safetensors.h"
#include "ml/model.h"
#include "../unit/tap.h"

static const int32_t tok[15] = {2, 7, 9, 11, 3, 2, 8, 3, 0, 0, 2, 12, 5, 3, 0};
static const int32_t len[3] = {5, 4, 4};
static const int32_t label[3] = {0, 2, 1};
static const int32_t mlm_pos[3] = {1, 6, 12};
static const int32_t mlm_target[3] = {7, 8, 5};

static int save(struct model *m, const float *w, const float *g, const char *path, bool mlm, float loss)
{
	struct err e;
	struct st_writer *wr = st_writer_new();
	const struct model_param *p;
	size_t np = model_params(m, &p);
	char name[128];
	for (size_t i = 0; i < np; i++) {
		st_writer_add(wr, p[i].name, ST_F32, p[i].ndim, p[i].shape, w + p[i].offset, &e);
		snprintf(name, sizeof name, "grad.%s", p[i].name);
		st_writer_add(wr, name, ST_F32, p[i].ndim, p[i].shape, g + p[i].offset, &e);
	}
	st_writer_add(wr, "batch.tok", ST_I32, 2, (int64_t[]){3, 5}, tok, &e);
	st_writer_add(wr, "batch.len", ST_I32, 1, (int64_t[]){3}, len, &e);
	st_writer_add(wr, mlm ? "batch.mlm_pos" : "batch.label", ST_I32, 1, (int64_t[]){3}, mlm ? mlm_pos : label, &e);
	if (mlm)
		st_writer_add(wr, "batch.mlm_target", ST_I32, 1, (int64_t[]){3}, mlm_target, &e);
	float lossv[1] = {loss};
	st_writer_add(wr, "loss", ST_F32, 1, (int64_t[]){1}, lossv, &e);
	int rc = st_writer_save(wr, path, &e);
	st_writer_free(wr);
	return rc;
}

static void compare(bool mlm)
{
	struct model_config c = {.vocab = 16, .max_seq = 6, .C = 8, .layers = 2, .heads = 2, .ff = 12, .classes = 3,
	                         .dropout = 0};
	struct err e;
	const char *note;
	struct backend *be = backend_cpu_new(1, PRECISION_ASK_FP32, &note, &e);
	struct model *m = model_new(&c, be, &(struct model_opts){.max_batch = 3, .seed = 5, .train = true}, &e);
	size_t n = model_param_count(m);
	float *before = malloc(n * sizeof *before), *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g);
	model_snapshot(m, MODEL_WEIGHT, before);
	struct rng r;
	rng_seed(&r, 9);
	for (size_t i = 0; i < n; i++)
		before[i] += (float)((rng_uniform(&r) - 0.5) * 0.6);
	model_restore(m, MODEL_WEIGHT, before);
	int ilen[3] = {5, 4, 4};
	struct model_batch b = {.B = 3, .T = 5, .tok = tok, .len = ilen};
	if (mlm) {
		b.M = 3;
		b.mlm_pos = mlm_pos;
		b.mlm_target = mlm_target;
	} else {
		b.label = label;
	}
	float loss = model_step(m, &b, false, true, NULL);
	char in[64], out[64];
	snprintf(in, sizeof in, "/tmp/lathe-torch-in-%d.safetensors", (int)getpid());
	snprintf(out, sizeof out, "/tmp/lathe-torch-out-%d.safetensors", (int)getpid());
	model_snapshot(m, MODEL_GRAD, g);
	save(m, before, g, in, mlm, loss);
	model_adamw(m, 0.01f, 0.1f, 0.9f, 0.999f, 1e-8f);
	model_snapshot(m, MODEL_WEIGHT, w);
	save(m, w, g, out, mlm, loss);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/python/torch_step.py %s %s %s",
	         getenv("srcdir") ? getenv("srcdir") : ".", mlm ? "mlm" : "classify", in, out);
	ok(system(cmd) == 0, "%s: loss, every gradient and every updated weight agree with PyTorch within 1e-4",
	   mlm ? "masked LM" : "classification");
	unlink(in);
	unlink(out);
	free(before);
	free(w);
	free(g);
	model_free(m);
	backend_free(be);
}

int main(void)
{
	if (system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP python3-torch is not installed\n");
		return 0;
	}
	compare(false);
	compare(true);
	return tap_done();
}
