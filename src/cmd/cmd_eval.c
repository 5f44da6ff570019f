#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"

int cmd_apply_model(struct cmd_args *a, const char *model, const char *data, struct learner *l, struct pipeline *p,
                    float **probs, struct err *e)
{
	memset(p, 0, sizeof *p);
	*probs = NULL;
	if (learner_load_classifier(model, a->learn.device, 32, l, e) || learner_apply(l, &a->po, data, p, probs, e))
		return -1;
	cmd_warn_cut(l);
	return 0;
}

void cmd_warn_cut(struct learner *l)
{
	char note[200];
	if (learner_take_cut_note(l, note, sizeof note))
		fprintf(stderr, "lathe: warning: %s\n", note);
}

/* The macro-F1 of each part of the model on these rows: the encoder
 * alone, its gradient-boosted trees alone, and the blend it diagnoses
 * with; NULL when the model has no trees for this data. */
static json_t *parts(struct learner *l, struct pipeline *p, const float *probs, double model_f1)
{
	if (!learner_has_trees(l, p))
		return NULL;
	size_t n = p->t->nrows, K = l->mf.nlabels, unseen;
	float *enc = xmalloc((n * K + 1) * sizeof *enc), *trees = xmalloc((n * K + 1) * sizeof *trees);
	learner_predict_trees(l, p, NULL, n, trees);
	float blend = l->mf.blend;
	if (blend < 1) {
		l->mf.blend = 1;
		learner_predict_rows(l, p, NULL, n, enc);
		l->mf.blend = blend;
	} else {
		memcpy(enc, probs, n * K * sizeof *enc);
	}
	struct metrics me, mt;
	learner_score(l, p, enc, &me, &unseen);
	learner_score(l, p, trees, &mt, &unseen);
	json_t *o = json_pack("{s:f, s:f, s:f, s:f}", "encoder", me.macro_f1, "trees", mt.macro_f1, "encoder_share",
	                      (double)blend, "model", model_f1);
	metrics_free(&me);
	metrics_free(&mt);
	free(enc);
	free(trees);
	return o;
}

static json_t *bins_json(const struct calib_bin *b)
{
	json_t *a = json_array();
	for (int i = 0; i < CALIB_BINS; i++)
		json_array_append_new(a, json_pack("{s:f, s:f, s:I, s:f, s:f}", "from", b[i].lo, "to", b[i].hi, "rows",
		                                   (json_int_t)b[i].count, "confidence", b[i].confidence, "accuracy",
		                                   b[i].accuracy));
	return a;
}

/* How well the probabilities are calibrated on these rows, before and
 * after the model's temperature, and what the alert threshold at the
 * costs catches here; NULL without labelled rows. */
static json_t *calibration(struct learner *l, const struct pipeline *p, const float *probs,
                           const struct diagnose_opts *o)
{
	size_t n = p->t->nrows, K = l->mf.nlabels, m = 0;
	float *raw = xmalloc((n * K + 1) * sizeof *raw), *cal = xmalloc((n * K + 1) * sizeof *cal);
	int32_t *truth = xmalloc((n + 1) * sizeof *truth);
	char buf[256];
	for (size_t r = 0; r < n; r++) {
		int c = learner_class(l, pipeline_label(p, r, buf, sizeof buf));
		if (c < 0)
			continue;
		memcpy(raw + m * K, probs + r * K, K * sizeof *raw);
		truth[m++] = c;
	}
	json_t *out = NULL;
	if (m) {
		calib_apply(raw, m, (int)K, l->temperature, cal);
		struct calib_bin before[CALIB_BINS], after[CALIB_BINS];
		double e0 = calib_ece(raw, truth, m, (int)K, before), e1 = calib_ece(cal, truth, m, (int)K, after);
		out = json_pack("{s:f, s:I, s:f, s:f, s:o, s:o}", "temperature", l->temperature, "dev_rows",
		                (json_int_t)l->mf.casebook.ndev, "ece_before", e0, "ece_after", e1, "bins_before",
		                bins_json(before), "bins_after", bins_json(after));
		struct calib_cost c;
		if (diagnose_threshold(l, o, &c)) {
			size_t fail = 0, caught = 0, alarms = 0;
			for (size_t i = 0; i < m; i++) {
				bool failed = truth[i] != l->normal, alert = 1 - cal[i * K + (size_t)l->normal] >= c.threshold;
				fail += failed;
				caught += failed && alert;
				alarms += !failed && alert;
			}
			json_object_set_new(out, "alert",
			                    json_pack("{s:f, s:f, s:f, s:s, s:f, s:f, s:f, s:f}", "cost_miss", o->cost_miss,
			                              "cost_false_alarm", o->cost_false_alarm, "threshold", c.threshold, "normal",
			                              l->mf.labels[l->normal], "recall", fail ? (double)caught / (double)fail : -1,
			                              "false_alarms_per_1000", 1000.0 * (double)alarms / (double)m, "dev_recall",
			                              c.recall, "dev_false_alarms_per_1000", c.false_alarms_per_1000));
		}
	}
	free(raw);
	free(cal);
	free(truth);
	return out;
}

static void print_calibration(json_t *c)
{
	if (!c)
		return;
	printf("\ncalibration: expected calibration error %.4f before, %.4f after (temperature %.2f, fitted on the "
	       "model's %lld dev rows)\n",
	       json_real_value(json_object_get(c, "ece_before")), json_real_value(json_object_get(c, "ece_after")),
	       json_real_value(json_object_get(c, "temperature")), (long long)json_integer_value(json_object_get(c, "dev_rows")));
	printf("  confidence   rows  accuracy  (before)    rows  accuracy  (after)\n");
	json_t *b0 = json_object_get(c, "bins_before"), *b1 = json_object_get(c, "bins_after");
	for (size_t i = 0; i < json_array_size(b0); i++) {
		json_t *x = json_array_get(b0, i), *y = json_array_get(b1, i);
		printf("  %.1f-%.1f  %7lld  %8.3f  %8s %7lld  %8.3f\n", json_real_value(json_object_get(x, "from")),
		       json_real_value(json_object_get(x, "to")), (long long)json_integer_value(json_object_get(x, "rows")),
		       json_real_value(json_object_get(x, "accuracy")), "",
		       (long long)json_integer_value(json_object_get(y, "rows")), json_real_value(json_object_get(y, "accuracy")));
	}
	json_t *a = json_object_get(c, "alert");
	if (a) {
		printf("alert threshold at costs %g (missed failure) : %g (false alarm): P(failure) >= %.3f; on these rows "
		       "recall %.3f and %.1f false alarms per 1,000 rows (on dev: %.3f and %.1f; -1: no dev rows)\n",
		       json_real_value(json_object_get(a, "cost_miss")), json_real_value(json_object_get(a, "cost_false_alarm")),
		       json_real_value(json_object_get(a, "threshold")), json_real_value(json_object_get(a, "recall")),
		       json_real_value(json_object_get(a, "false_alarms_per_1000")),
		       json_real_value(json_object_get(a, "dev_recall")),
		       json_real_value(json_object_get(a, "dev_false_alarms_per_1000")));
	}
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	(void)cmd;
	struct err e;
	struct learner l;
	struct pipeline p;
	float *probs;
	if (cmd_apply_model(a, a->pos[0], a->pos[1], &l, &p, &probs, &e)) {
		free(probs);
		pipeline_close(&p);
		learner_free(&l);
		return cmd_fail(&e);
	}
	size_t K = l.mf.nlabels, unseen;
	struct metrics mt;
	learner_score(&l, &p, probs, &mt, &unseen);
	if (a->json) {
		json_t *o = json_object(), *classes = json_object(), *conf = json_array();
		for (size_t k = 0; k < K; k++) {
			json_object_set_new(classes, l.mf.labels[k],
			                    json_pack("{s:f, s:f, s:f, s:I}", "precision", mt.precision[k], "recall", mt.recall[k],
			                              "f1", mt.f1[k], "support", (json_int_t)mt.support[k]));
			json_t *row = json_array();
			for (size_t j = 0; j < K; j++)
				json_array_append_new(row, json_integer(mt.confusion[k * K + j]));
			json_array_append_new(conf, row);
		}
		json_object_set_new(o, "classes", classes);
		json_object_set_new(o, "accuracy", json_real(mt.accuracy));
		json_object_set_new(o, "macro_avg", json_pack("{s:f, s:f, s:f}", "precision", mt.macro_p, "recall",
		                                              mt.macro_r, "f1", mt.macro_f1));
		json_object_set_new(o, "weighted_avg", json_pack("{s:f, s:f, s:f}", "precision", mt.weighted_p, "recall",
		                                                 mt.weighted_r, "f1", mt.weighted_f1));
		json_object_set_new(o, "confusion", conf);
		json_object_set_new(o, "rows", json_integer((json_int_t)mt.n));
		json_object_set_new(o, "unseen_labels", json_integer((json_int_t)unseen));
		json_t *pj = parts(&l, &p, probs, mt.macro_f1), *cj = calibration(&l, &p, probs, &a->diag);
		if (pj)
			json_object_set_new(o, "parts", pj);
		if (cj)
			json_object_set_new(o, "calibration", cj);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		size_t w = 12;
		for (size_t k = 0; k < K; k++)
			if (utf8_width(l.mf.labels[k]) > w)
				w = utf8_width(l.mf.labels[k]);
		utf8_pad(stdout, "", w);
		printf("  precision    recall  f1-score   support\n\n");
		for (size_t k = 0; k < K; k++) {
			utf8_pad(stdout, l.mf.labels[k], w);
			printf("  %9.4f %9.4f %9.4f %9ld\n", mt.precision[k], mt.recall[k], mt.f1[k], mt.support[k]);
		}
		printf("\n");
		utf8_pad(stdout, "accuracy", w);
		printf("  %9s %9s %9.4f %9ld\n", "", "", mt.accuracy, mt.n);
		utf8_pad(stdout, "macro avg", w);
		printf("  %9.4f %9.4f %9.4f %9ld\n", mt.macro_p, mt.macro_r, mt.macro_f1, mt.n);
		utf8_pad(stdout, "weighted avg", w);
		printf("  %9.4f %9.4f %9.4f %9ld\n", mt.weighted_p, mt.weighted_r, mt.weighted_f1, mt.n);
		printf("\nconfusion matrix (rows: true, columns: predicted, in the order above)\n");
		for (size_t k = 0; k < K; k++) {
			for (size_t j = 0; j < K; j++)
				printf("%8ld", mt.confusion[k * K + j]);
			printf("\n");
		}
		if (unseen)
			printf("\n%zu rows carry a label the model does not know; they are left out\n", unseen);
		json_t *cj = calibration(&l, &p, probs, &a->diag);
		print_calibration(cj);
		json_decref(cj);
		json_t *pj = parts(&l, &p, probs, mt.macro_f1);
		if (pj) {
			double share = json_real_value(json_object_get(pj, "encoder_share"));
			printf("\nmacro-F1 of each part: encoder %.4f, gradient-boosted trees %.4f", 
			       json_real_value(json_object_get(pj, "encoder")), json_real_value(json_object_get(pj, "trees")));
			if (share < 1)
				printf(", the model's blend (%.0f%% encoder) %.4f", 100 * share, mt.macro_f1);
			printf("\n");
			json_decref(pj);
		}
	}
	metrics_free(&mt);
	free(probs);
	pipeline_close(&p);
	learner_free(&l);
	return fflush(stdout) == 0 ? CMD_OK : CMD_RUNTIME;
}

const struct cmd cmd_eval = {
	.name = "eval",
	.args = "MODEL.safetensors FILE.csv",
	.summary = "Evaluate a model on every row of a log: per-class precision, recall, F1, confusion matrix, "
	           "calibration and the alert threshold's recall and false alarms.",
	.groups = OPTION_G_LOAD | OPTION_G_OUT | OPTION_G_APPLY | OPTION_G_COST | OPTION_G_DEVICE,
	.min_args = 2,
	.max_args = 2,
	.run = run,
};
