#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "ml/dist.h"

int cmd_training_data(const struct cmd *cmd, struct cmd_args *a, bool need_label, struct pipeline *p)
{
	memset(p, 0, sizeof *p);
	if (!a->output)
		return cmd_usage_error(cmd, "say where the model goes: -o MODEL.safetensors");
	struct err e;
	if (a->learn.init && access(a->learn.init, R_OK) != 0) {
		err_at(&e, a->learn.init, 0, "cannot open: %s", strerror(errno));
		return cmd_fail(&e);
	}
	/* A bad --config is found before the data is read. */
	struct model_config shape;
	if (learn_config(a->learn.config, &shape, &e))
		return cmd_fail(&e);
	int rc = learn_prepare(p, &a->po, a->pos[0], need_label, stderr, &e);
	if (rc == 0)
		rc = cmd_augment_training(a, p, &e);
	return cmd_exit(cmd, rc, &e);
}

#define LOG_EVERY 100  /* steps between progress lines off a terminal */

/* Progress: on a terminal one bar line redrawn in place; otherwise a line
 * (or with --json an object) every LOG_EVERY steps. */
static void print_step(void *ctx, const struct learn_step *s)
{
	const struct cmd_args *a = ctx;
	static double last;
	bool tty = !a->json && isatty(STDERR_FILENO);
	if (!tty && s->step % LOG_EVERY != 0)
		return;
	if (tty) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
		if (t - last < 0.1 && s->step != s->total)
			return;
		last = t;
		int width = 24, done = (int)((double)width * (double)s->step / (double)(s->total ? s->total : 1));
		fprintf(stderr, "\r[");
		for (int i = 0; i < width; i++)
			fputs(i < done ? "#" : "-", stderr);
		fprintf(stderr, "] epoch %d/%d step %ld/%ld loss %.4f lr %.2e |g| %.3f %.0f tok/s ETA %.0fs   ", s->epoch,
		        s->epochs, s->step, s->total, s->loss, s->lr, s->grad_norm, s->tokens_per_s, s->eta_s);
		return;
	}
	if (a->json) {
		json_t *o = json_pack("{s:i, s:I, s:f, s:f, s:f, s:f, s:f}", "epoch", s->epoch, "step", (json_int_t)s->step,
		                      "loss", s->loss, "lr", s->lr, "grad_norm", s->grad_norm, "tokens_per_s",
		                      s->tokens_per_s, "eta_s", s->eta_s);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
		return;
	}
	fprintf(stderr, "step %ld/%ld  epoch %d/%d  loss %.4f  lr %.2e  grad norm %.3f  %.0f tokens/s  ETA %.0f s\n",
	        s->step, s->total, s->epoch, s->epochs, s->loss, s->lr, s->grad_norm, s->tokens_per_s, s->eta_s);
}

/* A line per epoch: on standard error, or a JSON object on standard
 * output with --json (for scripts and the workbench). */
static int print_epoch(void *ctx, const struct learn_epoch *ep, struct err *e)
{
	const struct cmd_args *a = ctx;
	(void)e;
	if (!a->json && isatty(STDERR_FILENO))
		fputc('\n', stderr);  /* below the progress bar */
	if (a->json) {
		json_t *o = json_pack("{s:i, s:i, s:i, s:f, s:f, s:b, s:f}", "epoch", ep->epoch, "epochs", ep->epochs,
		                      "steps", ep->steps, "train_loss", ep->train_loss, "dev_loss", ep->dev_loss, "best",
		                      ep->best, "wall_s", ep->wall_s);
		if (!ep->mlm)
			json_object_set_new(o, "dev_macro_f1", json_real(ep->dev_macro_f1));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		fflush(stdout);
		json_decref(o);
	} else if (ep->mlm)
		fprintf(stderr, "epoch %d/%d  train loss %.4f  dev loss %.4f%s\n", ep->epoch, ep->epochs, ep->train_loss,
		        ep->dev_loss, ep->best ? "  (best)" : "");
	else
		fprintf(stderr, "epoch %d/%d  train loss %.4f  dev loss %.4f  dev macro-F1 %.4f%s\n", ep->epoch,
		        ep->epochs, ep->train_loss, ep->dev_loss, ep->dev_macro_f1, ep->best ? "  (best)" : "");
	return 0;
}

struct learn_opts cmd_learn_opts(const struct cmd_args *a)
{
	struct learn_opts lo = a->learn;
	lo.seed = a->po.split.seed;
	lo.on_epoch = print_epoch;
	lo.on_step = print_step;
	lo.ctx = (void *)a;
	return lo;
}

int cmd_finish_training(const struct cmd_args *a, const struct learn_result *res, bool mlm, const struct err *e)
{
	if (res->interrupted) {
		/* Ctrl-C ends as an interrupted program does; a planned stop is fine. */
		fprintf(stderr, "lathe: %s\n", e->msg);
		return res->signalled ? CMD_INTERRUPTED : CMD_OK;
	}
	cmd_print_training(a, res, mlm);
	return CMD_OK;
}

void cmd_print_training(const struct cmd_args *a, const struct learn_result *res, bool mlm)
{
	if (a->json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "model", a->output,
		                      "objective", mlm ? "masked-lm" : "classification", "epochs", res->epochs_run,
		                      "best_epoch", res->best_epoch, "steps", res->steps, "train_loss", res->train_loss,
		                      "dev_loss", res->dev_loss, "dev_macro_f1", res->dev_macro_f1, "test_macro_f1",
		                      res->test_macro_f1, "tokens_per_s", res->tokens_per_s, "wall_s", res->wall_s);
		if (res->encoders > 1)
			json_object_set_new(o, "encoders", json_integer(res->encoders));
		if (res->precision)
			json_object_set_new(o, "precision", json_string(res->precision));
		if (res->gbdt_rounds > 0)
			json_object_set_new(o, "gbdt",
			                    json_pack("{s:i, s:f, s:f, s:f, s:f, s:f}", "rounds", res->gbdt_rounds, "dev_macro_f1",
			                              res->gbdt_dev_macro_f1, "test_macro_f1", res->gbdt_test_macro_f1,
			                              "encoder_share", (double)res->blend, "stacked_dev_macro_f1",
			                              res->stack_dev_macro_f1, "stacked_test_macro_f1", res->stack_test_macro_f1));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else if (mlm) {
		printf("model %s: best epoch %d of %d, dev masked-LM loss %.4f, %.0f tokens/s, %.1f s\n", a->output,
		       res->best_epoch, res->epochs_run, res->dev_loss, res->tokens_per_s, res->wall_s);
	} else {
		char encoders[64] = "";
		if (res->encoders > 1)
			snprintf(encoders, sizeof encoders, "%d encoders averaged, the last's ", res->encoders);
		printf("model %s: %sbest epoch %d of %d, dev macro-F1 %.4f, test macro-F1 %.4f on %ld rows, %.0f tokens/s, "
		       "%.1f s\n",
		       a->output, encoders, res->best_epoch, res->epochs_run, res->dev_macro_f1, res->test_macro_f1,
		       res->test_rows, res->tokens_per_s, res->wall_s);
		if (res->gbdt_rounds > 0) {
			char dev[16] = "none", test[16] = "none";  /* a part without labelled rows */
			if (res->gbdt_dev_macro_f1 >= 0)
				snprintf(dev, sizeof dev, "%.4f", res->gbdt_dev_macro_f1);
			if (res->gbdt_test_macro_f1 >= 0)
				snprintf(test, sizeof test, "%.4f", res->gbdt_test_macro_f1);
			printf("referee: gradient-boosted trees (XGBoost, %d rounds) on the same rows' readings: dev macro-F1 "
			       "%s, test macro-F1 %s\n",
			       res->gbdt_rounds, dev, test);
			if (res->stacked && res->stack_dev_macro_f1 < 0)
				fprintf(stderr, "lathe: warning: --stack: no labelled dev rows to weigh the blend on; the model "
				                "diagnoses with the encoder alone\n");
			else if (res->stacked)
				printf("stacked: the model blends %.0f%% encoder and %.0f%% trees (chosen on dev): dev macro-F1 %.4f, "
				       "test macro-F1 %.4f\n",
				       100 * res->blend, 100 * (1 - res->blend), res->stack_dev_macro_f1, res->stack_test_macro_f1);
		} else if (res->gbdt_error[0]) {
			fprintf(stderr, "lathe: warning: no referee: %s\n", res->gbdt_error);
		}
	}
}

int cmd_fit(const struct cmd *cmd, struct cmd_args *a, bool mlm)
{
	if (mlm && a->learn.init)
		return cmd_usage_error(cmd, "pretraining starts from scratch (--init is for train)");
	if (a->learn.lora_rank && !a->learn.init)
		return cmd_usage_error(cmd, "--lora adapts a pretrained encoder: give it with --init");
	if (mlm && a->learn.teacher)
		return cmd_usage_error(cmd, "a teacher teaches a classifier: --teacher is for train");
	if (!a->output)
		return cmd_usage_error(cmd, "say where the model goes: -o MODEL.safetensors");
	if (a->learn.ensemble > 1 && (mlm || a->learn.resume || a->learn.stop_after))
		return cmd_usage_error(cmd, "an ensemble of classifiers trains in one go: not with %s",
		                       mlm ? "pretraining" : a->learn.resume ? "--resume" : "--stop-after");
	/* a GPU that is not there is found before the data is read */
	char gpu[256];
	struct err e;
	if (a->learn.device.kind == DEVICE_CUDA && backend_cuda_describe(a->learn.device.index, gpu, sizeof gpu, &e))
		return cmd_fail(&e);
	/* Both outputs are claimed before the data is read: a directory that
	 * cannot be written, or a run already writing there, is found now
	 * rather than after the training. */
	char ckpt[4200];
	snprintf(ckpt, sizeof ckpt, "%s%s", a->learn.checkpoint ? a->learn.checkpoint : a->output,
	         a->learn.checkpoint ? "" : ".ckpt");
	struct atomic_claim out_claim = {.fd = -1}, ckpt_claim = {.fd = -1};
	/* Under mpirun, rank 0 alone writes them. */
	if (dist_rank() == 0 && cmd_claim(a->output, &out_claim))
		return CMD_RUNTIME;
	if (dist_rank() == 0 && cmd_claim(ckpt, &ckpt_claim)) {
		atomic_release(&out_claim);
		return CMD_RUNTIME;
	}
	struct pipeline p;
	int rc = cmd_training_data(cmd, a, !mlm, &p);
	if (rc == CMD_OK) {
		struct learn_opts lo = cmd_learn_opts(a);
		struct learn_result res;
		int failed = (mlm ? learn_pretrain : learn_train)(&p, a->pos[0], &lo, a->output, &res, &e);
		if (res.precision_note)
			fprintf(stderr, "lathe: note: %s\n", res.precision_note);
		rc = failed ? cmd_fail(&e) : cmd_finish_training(a, &res, mlm, &e);
		if (rc == CMD_OK && lo.init && !res.interrupted)
			fprintf(stderr, "lathe: started from %s (%zu tensors)\n", lo.init, res.init_copied);
	}
	pipeline_close(&p);
	atomic_release(&ckpt_claim);
	atomic_release(&out_claim);
	return rc;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	return cmd_fit(cmd, a, false);
}

const struct cmd cmd_train = {
	.name = "train",
	.args = "FILE.csv",
	.summary = "Train a classifier on a log: clean, textualize, split, tokenize, fit; write a model file.",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_TEXT | OPTION_G_OUT | OPTION_G_MODEL | OPTION_G_TRAIN | OPTION_G_DISTILL | OPTION_G_AUGMENT | OPTION_G_DEVICE,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
