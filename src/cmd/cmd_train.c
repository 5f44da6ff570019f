#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "base/utf8.h"
#include "data/split.h"

static void warn_leak(void *ctx, const char *column, double acc)
{
	(void)ctx;
	fprintf(stderr, "lathe: warning: column \"%s\" alone predicts the label for %.1f%% of the rows: "
	                "is it the label's own source (leakage)? Exclude it from the text if so\n",
	        column, 100 * acc);
}

static bool time_ordered(const struct pipeline *p)
{
	if (p->time)
		return true;
	for (size_t c = 0; c < p->t->ncols; c++)
		if (p->t->cols[c].type == COL_TIME)
			return true;
	return false;
}

/* The class counts of each part, on standard error. */
static void print_counts(const struct pipeline *p)
{
	struct table_groups g;
	long lc = table_find(p->t, p->label);
	table_groups_by(p->t, lc, &g);
	char buf[64];
	utf8_pad(stderr, "class", 24);
	fprintf(stderr, " %8s %8s %8s\n", "train", "dev", "test");
	for (size_t k = 0; k < g.n; k++) {
		size_t n[3] = {0};
		for (size_t i = g.start[k]; i < g.start[k + 1]; i++)
			n[p->part[g.rows[i]]]++;
		const char *label = pipeline_label(p, g.rows[g.start[k]], buf, sizeof buf);
		utf8_pad(stderr, *label ? label : "(no label)", 24);
		fprintf(stderr, " %8zu %8zu %8zu\n", n[0], n[1], n[2]);
	}
	table_groups_free(&g);
}

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
	if (pipeline_open(p, &a->po, &e) || pipeline_load(p, a->pos[0], &e) || pipeline_clean(p, &e))
		return cmd_fail(&e);
	if (need_label && !p->label)
		return cmd_usage_error(cmd, "training needs a label: --label COLUMN, or a rules script with label()");
	if (!p->label && !a->po.split_set)
		p->split.method = SPLIT_RANDOM;
	/* A model must never be tested on the history it trained on. */
	bool rows_apart = p->split.method == SPLIT_RANDOM || p->split.method == SPLIT_STRATIFIED;
	if (rows_apart && time_ordered(p)) {
		if (a->po.split_set && !a->force)
			return cmd_usage_error(cmd, "refusing a %s row split of a time-ordered log: neighbouring readings "
			                            "would be in both train and test; use --split time or group, or --force",
			                       split_method_name(p->split.method));
		if (!a->po.split_set) {
			p->split.method = p->machine ? SPLIT_GROUP : SPLIT_TIME;
			fprintf(stderr, "lathe: note: a time-ordered log: splitting by %s (--split to choose)\n",
			        p->machine ? "machine" : "time");
		}
	}
	if (pipeline_textualize(p, &e))
		return cmd_fail(&e);
	if (p->label) {
		print_counts(p);
		learn_leakage(p, 0.99, warn_leak, NULL);
	}
	return CMD_OK;
}

struct learn_opts cmd_learn_opts(const struct cmd_args *a)
{
	struct learn_opts lo = a->learn;
	lo.config = a->config ? a->config : "tiny";
	lo.threads = a->threads ? a->threads : 1;
	lo.seed = a->po.split.seed;
	lo.progress = stderr;
	return lo;
}

void cmd_print_training(const struct cmd_args *a, const struct learn_result *res, bool mlm)
{
	if (a->json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "model", a->output,
		                      "objective", mlm ? "masked-lm" : "classification", "epochs", res->epochs_run,
		                      "best_epoch", res->best_epoch, "steps", res->steps, "train_loss", res->train_loss,
		                      "dev_loss", res->dev_loss, "dev_macro_f1", res->dev_macro_f1, "test_macro_f1",
		                      res->test_macro_f1, "tokens_per_s", res->tokens_per_s, "wall_s", res->wall_s);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else if (mlm) {
		printf("model %s: best epoch %d of %d, dev masked-LM loss %.4f, %.0f tokens/s, %.1f s\n", a->output,
		       res->best_epoch, res->epochs_run, res->dev_loss, res->tokens_per_s, res->wall_s);
	} else {
		printf("model %s: best epoch %d of %d, dev macro-F1 %.4f, test macro-F1 %.4f on %ld rows, %.0f tokens/s, "
		       "%.1f s\n",
		       a->output, res->best_epoch, res->epochs_run, res->dev_macro_f1, res->test_macro_f1, res->test_rows,
		       res->tokens_per_s, res->wall_s);
	}
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	struct pipeline p;
	int rc = cmd_training_data(cmd, a, true, &p);
	if (rc == CMD_OK) {
		struct learn_opts lo = cmd_learn_opts(a);
		struct learn_result res;
		struct err e;
		if (learn_train(&p, a->pos[0], &lo, a->output, &res, &e))
			rc = cmd_fail(&e);
		else
			cmd_print_training(a, &res, false);
		if (rc == CMD_OK && lo.init)
			fprintf(stderr, "lathe: started from %s (%zu tensors)\n", lo.init, res.init_copied);
	}
	pipeline_close(&p);
	return rc;
}

const struct cmd cmd_train = {
	.name = "train",
	.args = "FILE.csv",
	.summary = "Train a classifier on a log: clean, textualize, split, tokenize, fit; write a model file.",
	.groups = CMD_G_LOAD | CMD_G_RULES | CMD_G_TEXT | CMD_G_OUT | CMD_G_MODEL | CMD_G_TRAIN,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
