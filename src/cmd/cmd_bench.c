#include "config.h"
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include "base/rng.h"
#include "core/compress.h"
#include "ml/blas_core.h"
#include "ml/model.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_bytes(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss * 1024L : -1;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The workload of the PyTorch reference (torch_ref.py): one fixed batch of
 * uniform random tokens in [2, vocab) with random labels of 4 classes, all
 * tokens real, reused every step; masked LM replaces round(0.15 T) random
 * positions per sequence with [MASK] (id 1, as the reference has it). */
static int bench_model(const struct cmd *cmd, struct cmd_args *a, const char *mode)
{
	struct model_config c;
	struct err e;
	if (learn_config(a->learn.config, &c, &e))
		return cmd_usage_error(cmd, "%s", e.msg);
	int B = a->learn.batch, T = c.max_seq, threads = a->learn.threads;
	bool tiny = c.C <= 128;
	int steps = a->steps ? a->steps : tiny ? 50 : 15, warmup = a->warmup >= 0 ? a->warmup : 5;
	const char *note;
	struct backend *be = backend_new(a->learn.device, threads, a->learn.precision, &note, &e);
	if (!be)
		return cmd_fail(&e);
	if (note)
		fprintf(stderr, "lathe: %s\n", note);
	bool infer = strcmp(mode, "infer") == 0;
	if (a->int8 && !infer) {
		backend_free(be);
		return cmd_usage_error(cmd, "--int8 times inference: bench infer");
	}
	struct model *m = model_new(&c, be, &(struct model_opts){.max_batch = B, .train = !infer}, &e);
	if (m && a->int8) {
		/* the random model's int8 twin, as compress makes it */
		const struct model_param *p;
		size_t np = model_params(m, &p);
		enum dtype *dtype = xcalloc(np + 1, sizeof *dtype);
		for (size_t i = 0; i < np; i++)
			dtype[i] = compress_int8_takes(m, i) ? DTYPE_I8 : DTYPE_F32;
		struct model *q = model_new(&c, be, &(struct model_opts){.max_batch = B, .dtype = dtype}, &e);
		if (q)
			model_copy_matching(q, m);
		free(dtype);
		model_free(m);
		m = q;
	}
	if (!m) {
		backend_free(be);
		return cmd_fail(&e);
	}
	struct rng r;
	rng_seed(&r, 1);
	int32_t *tok = xmalloc((size_t)B * T * sizeof *tok), *label = xmalloc((size_t)B * sizeof *label);
	int *len = xmalloc((size_t)B * sizeof *len);
	int K = (int)lround(0.15 * T);
	int32_t *pos = xmalloc((size_t)B * K * sizeof *pos), *target = xmalloc((size_t)B * K * sizeof *target);
	size_t *perm = xmalloc((size_t)T * sizeof *perm);
	for (int i = 0; i < B * T; i++)
		tok[i] = 2 + (int32_t)rng_below(&r, (uint64_t)c.vocab - 2);
	for (int b = 0; b < B; b++) {
		label[b] = (int32_t)rng_below(&r, 4);
		len[b] = T;
	}
	struct model_batch batch = {.B = B, .T = T, .tok = tok, .len = len, .label = label};
	bool mlm = strcmp(mode, "mlm") == 0;
	if (mlm) {
		int32_t *masked = xmalloc((size_t)B * T * sizeof *masked);
		memcpy(masked, tok, (size_t)B * T * sizeof *masked);
		for (int b = 0; b < B; b++) {
			for (int t = 0; t < T; t++)
				perm[t] = (size_t)t;
			rng_shuffle(&r, perm, (size_t)T);
			for (int k = 0; k < K; k++) {
				pos[b * K + k] = b * T + (int32_t)perm[k];
				target[b * K + k] = tok[b * T + (int)perm[k]];
				masked[b * T + (int)perm[k]] = 1;
			}
		}
		memcpy(tok, masked, (size_t)B * T * sizeof *tok);
		free(masked);
		batch.label = NULL;
		batch.M = B * K;
		batch.mlm_pos = pos;
		batch.mlm_target = target;
	}
	/* Matrix-product work per step, counted as the reference counts it. */
	double fwd_tok = (double)c.layers * (2.0 * (4.0 * c.C * c.C + 2.0 * c.C * c.ff) + 4.0 * T * c.C);
	double mlm_tok = 2.0 * ((double)c.C * c.C + (double)c.C * c.vocab);
	double flop = 3.0 * ((double)B * T * fwd_tok + (mlm ? (double)B * K * mlm_tok : 0));
	/* The work lathe does: its last layer projects keys and values for
	 * every token and computes the rest for the head's rows only. */
	double layer_tok = fwd_tok / c.layers, head_rows = mlm ? (double)B * K : B;
	double done = 3.0 * ((double)B * T * (layer_tok * (c.layers - 1) + 2.0 * 2.0 * c.C * c.C) +
	                     head_rows * (layer_tok - 2.0 * 2.0 * c.C * c.C) + (mlm ? head_rows * mlm_tok : 0));
	int rc = CMD_OK;
	const char *precision = a->int8 ? "int8" : be->precision == PRECISION_BF16 ? "bf16" : "fp32";
	if (infer) {
		float *logits = xmalloc((size_t)B * c.classes * sizeof *logits);
		for (int i = 0; i < warmup; i++)
			model_step(m, &batch, false, false, logits);
		int n = 4 * steps;
		double t0 = now();
		for (int i = 0; i < n; i++)
			model_step(m, &batch, false, false, logits);
		double dt = now() - t0;
		struct model_batch one = batch;
		one.B = 1;
		double *lat = xmalloc((size_t)n * sizeof *lat);
		for (int i = 0; i < warmup; i++)
			model_step(m, &one, false, false, logits);
		for (int i = 0; i < n; i++) {
			double s = now();
			model_step(m, &one, false, false, logits);
			lat[i] = (now() - s) * 1e3;
		}
		qsort(lat, (size_t)n, sizeof *lat, cmp_double);
		printf("RESULT bench=infer config=%s threads=%d precision=%s blas_core=%s batch=%d seq_per_s=%.1f "
		       "ms_per_batch=%.2f batch1_median_ms=%.3f batch1_p90_ms=%.3f\n",
		       a->learn.config, threads, precision, blas_core_name(), B, B * n / dt, 1e3 * dt / n, lat[n / 2],
		       lat[n * 9 / 10]);
		free(lat);
		free(logits);
	} else {
		float loss = 0;
		for (int i = 0; i < warmup; i++) {
			model_step(m, &batch, true, true, NULL);
			model_adamw(m, 1e-3f, 0.01f, 0.9f, 0.999f, 1e-8f);
		}
		double t0 = now();
		for (int i = 0; i < steps; i++) {
			loss = model_step(m, &batch, true, true, NULL);
			model_adamw(m, 1e-3f, 0.01f, 0.9f, 0.999f, 1e-8f);
		}
		double dt = now() - t0;
		printf("RESULT bench=%s config=%s threads=%d precision=%s blas_core=%s steps=%d tokens_per_s=%.0f "
		       "ms_per_step=%.2f matmul_gflop_per_step=%.2f achieved_gflops=%.1f done_gflop_per_step=%.2f "
		       "done_gflops=%.1f final_loss=%.3f peak_rss_bytes=%ld\n",
		       mode, a->learn.config, threads, precision, blas_core_name(), steps, (double)B * T * steps / dt,
		       1e3 * dt / steps, flop / 1e9, flop * steps / dt / 1e9, done / 1e9, done * steps / dt / 1e9,
		       (double)loss, peak_rss_bytes());
		if (!isfinite(loss))
			rc = CMD_RUNTIME;
	}
	free(tok);
	free(label);
	free(len);
	free(pos);
	free(target);
	free(perm);
	model_free(m);
	backend_free(be);
	return rc;
}

/* Prints one machine-readable line: what the benchmark scripts read. */
static int run(const struct cmd *cmd, struct cmd_args *a)
{
	const char *what = a->pos[0];
	if (strcmp(what, "train") == 0 || strcmp(what, "mlm") == 0 || strcmp(what, "infer") == 0) {
		if (a->npos != 1)
			return cmd_usage_error(cmd, "bench %s takes no file", what);
		return bench_model(cmd, a, what);
	}
	bool rules = strcmp(what, "rules") == 0;
	if (!rules && strcmp(what, "csv") != 0)
		return cmd_usage_error(cmd, "unknown benchmark '%s' (csv, rules, train, mlm or infer)", what);
	if (a->npos != 2)
		return cmd_usage_error(cmd, "bench %s needs a FILE.csv", what);
	const char *path = a->pos[1];
	if (rules && !a->po.rules_path)
		return cmd_usage_error(cmd, "bench rules needs --rules FILE.lua");
	struct err e;
	struct pipeline p;
	int rc = CMD_OK;
	double t0 = now();
	if (pipeline_open(&p, &a->po, &e) || pipeline_load(&p, path, &e)) {
		rc = cmd_fail(&e);
	} else {
		double t1 = now();
		if (!rules) {
			printf("RESULT bench=csv file=%s rows=%zu cols=%zu bytes=%zu load_s=%.4f mb_per_s=%.1f table_bytes=%zu "
			       "peak_rss_bytes=%ld\n",
			       path, p.t->nrows, p.t->ncols, p.load.bytes, t1 - t0, (double)p.load.bytes / 1e6 / (t1 - t0),
			       table_bytes(p.t), peak_rss_bytes());
		} else if (pipeline_clean(&p, &e)) {
			rc = cmd_fail(&e);
		} else {
			double t2 = now();
			printf("RESULT bench=rules file=%s rows_in=%zu rows_out=%zu cols=%zu load_s=%.4f rules_s=%.4f "
			       "rows_per_s=%.0f\n",
			       path, p.clean.rows_in, p.t->nrows, p.t->ncols, t1 - t0, t2 - t1,
			       (double)p.clean.rows_in / (t2 - t1));
		}
	}
	pipeline_close(&p);
	return rc;
}

const struct cmd cmd_bench = {
    .name = "bench",
    .args = "csv|rules FILE.csv | train|mlm|infer",
    .summary = "Time loading a CSV, a rules script, or the model (training, masked LM, inference).",
    .groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_MODEL | OPTION_G_BENCH | OPTION_G_COMPRESS | OPTION_G_DEVICE,
    .min_args = 1,
    .max_args = 2,
    .run = run,
};
