#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/fileio.h"

static void print_answer(const struct learner *l, const float *probs)
{
	struct strbuf answer = {0};
	learner_answer(l, probs, true, &answer);
	if (answer.s)
		fputs(answer.s, stdout);
	strbuf_free(&answer);
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	struct err e;
	if (!a->data) {
		if (a->npos != 2)
			return cmd_usage_error(cmd, "give a text to diagnose, or --data FILE.csv");
		struct learner l;
		if (learner_load(a->pos[0], 1, &l, &e))
			return cmd_fail(&e);
		float *probs = xmalloc(l.mf.nlabels * sizeof *probs);
		char *text = a->pos[1];
		learner_predict(&l, &text, 1, probs);
		cmd_warn_cut(&l);
		if (a->json) {
			size_t best = 0;
			json_t *pj = json_object();
			for (size_t k = 0; k < l.mf.nlabels; k++) {
				json_object_set_new(pj, l.mf.labels[k], json_real(probs[k]));
				if (probs[k] > probs[best])
					best = k;
			}
			json_t *o = json_pack("{s:s, s:s, s:o}", "text", text, "predicted", l.mf.labels[best], "probabilities", pj);
			json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(o);
		} else {
			printf("%s\n", text);
			print_answer(&l, probs);
		}
		free(probs);
		learner_free(&l);
		return CMD_OK;
	}
	if (a->npos != 1)
		return cmd_usage_error(cmd, "with --data, give only the model");
	struct learner l;
	struct pipeline p;
	float *probs;
	int rc = CMD_OK;
	if (cmd_apply_model(a, a->pos[0], a->data, &l, &p, &probs, &e)) {
		rc = cmd_fail(&e);
		goto out;
	}
	size_t K = l.mf.nlabels;
	if (a->row) {
		size_t r = 0;
		while (r < p.t->nrows && p.t->source_row[r] != a->row)
			r++;
		if (r == p.t->nrows) {
			err_at(&e, a->data, 0, "no data row %ld (after cleaning)", a->row);
			rc = cmd_fail(&e);
			goto out;
		}
		char truth[256];
		const char *label = pipeline_label(&p, r, truth, sizeof truth);
		printf("row %ld: %s\n", a->row, p.texts[r]);
		/* the label the log gives the row, beside the model's answer */
		if (*label)
			printf("actual: %s\n", label);
		print_answer(&l, probs + r * K);
		goto out;
	}
	struct atomic_file out;
	if (atomic_open(&out, a->output ? a->output : "-", &e)) {
		rc = cmd_fail(&e);
		goto out;
	}
	char buf[64];
	if (!a->json) {
		fprintf(out.fp, "row,label,predicted");
		for (size_t k = 0; k < K; k++)
			fprintf(out.fp, ",p_%s", l.mf.labels[k]);
		fputc('\n', out.fp);
	}
	for (size_t r = 0; r < p.t->nrows; r++) {
		const float *pr = probs + r * K;
		size_t best = 0;
		for (size_t k = 1; k < K; k++)
			if (pr[k] > pr[best])
				best = k;
		const char *label = pipeline_label(&p, r, buf, sizeof buf);
		if (a->json) {
			json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)p.t->source_row[r], "text", p.texts[r],
			                      "label", label, "predicted", l.mf.labels[best]);
			json_t *pj = json_object();
			for (size_t k = 0; k < K; k++)
				json_object_set_new(pj, l.mf.labels[k], json_real(pr[k]));
			json_object_set_new(o, "probabilities", pj);
			json_dumpf(o, out.fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', out.fp);
			json_decref(o);
		} else {
			fprintf(out.fp, "%lld,%s,%s", (long long)p.t->source_row[r], label, l.mf.labels[best]);
			for (size_t k = 0; k < K; k++)
				fprintf(out.fp, ",%.6f", pr[k]);
			fputc('\n', out.fp);
		}
	}
	if (atomic_commit(&out, &e))
		rc = cmd_fail(&e);
out:
	free(probs);
	pipeline_close(&p);
	learner_free(&l);
	return rc;
}

const struct cmd cmd_diagnose = {
	.name = "diagnose",
	.args = "MODEL.safetensors [\"TEXT\"]",
	.summary = "Diagnose: a text of sensor facts, or every row (or one) of a log, with every class's probability.",
	.groups = OPTION_G_LOAD | OPTION_G_OUT | OPTION_G_APPLY | OPTION_G_DIAGNOSE,
	.min_args = 1,
	.max_args = 2,
	.run = run,
};
