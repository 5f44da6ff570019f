#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/fileio.h"
#include "core/drift.h"
#include "core/fleet.h"
#include "core/question.h"
#include "core/workorder.h"

/* prefix + text as one RFC 4180 field: quoted when it holds a comma, a
 * quote or a line break. */
static void csv_field(FILE *fp, const char *prefix, const char *text)
{
	bool quote = strpbrk(text, ",\"\r\n") != NULL;
	fputs(quote ? "\"" : "", fp);
	fputs(prefix, fp);
	for (const char *c = text; *c; c++) {
		if (*c == '"')
			fputc('"', fp);
		fputc(*c, fp);
	}
	fputs(quote ? "\"" : "", fp);
}

/* Work orders for the diagnoses that alert; the rest are counted as
 * suppressed, and a summary line says both. */
struct orders {
	struct diagnosis **list;
	size_t n, suppressed;
};

static void keep_order(struct orders *w, struct diagnosis *d)
{
	if (!d->alert) {
		w->suppressed++;
		return;
	}
	w->list = xrealloc(w->list, (w->n + 1) * sizeof *w->list);
	w->list[w->n++] = d;
}

static int write_orders(struct cmd_args *a, struct learner *l, struct orders *w, struct err *e)
{
	struct calib_cost c;
	diagnose_threshold(l, &a->diag, &c);
	if (workorder_write(a->work_order, l, w->list, w->n, w->suppressed, &c, e))
		return -1;
	fprintf(stderr, "lathe: %zu work order%s written to %s; %zu diagnos%s below the alert threshold (P(failure) >= %.3f "
	                "at costs %g:%g) suppressed\n",
	        w->n, w->n == 1 ? "" : "s", a->work_order, w->suppressed, w->suppressed == 1 ? "is" : "es", c.threshold,
	        a->diag.cost_miss, a->diag.cost_false_alarm);
	return 0;
}

/* One diagnosis on standard output: JSON, or the text for people. */
static void print_one(const struct cmd_args *a, const struct learner *l, const struct diagnosis *d,
                      const struct question *q)
{
	if (a->json) {
		json_t *o = diagnosis_json(l, d);
		if (q) {
			json_t *notes = json_array();
			for (size_t i = 0; i < q->nnotes; i++)
				json_array_append_new(notes, json_string(q->notes[i]));
			json_object_set_new(o, "question_notes", notes);
		}
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
		return;
	}
	struct strbuf b = {0};
	diagnosis_text(l, d, true, &b);
	fputs(b.s ? b.s : "", stdout);
	strbuf_free(&b);
}

static int diagnose_question(struct cmd_args *a, struct learner *l, struct err *e)
{
	struct question q;
	if (question_parse(l, a->pos[1], &q, e))
		return -1;
	if (!a->json) {
		printf("%s\n", q.p.texts[0]);
		for (size_t i = 0; i < q.nnotes; i++)
			printf("  note: %s\n", q.notes[i]);
		if (!q.row)
			printf("  note: this model reads its texts as they are, so the question went in as typed\n");
	}
	struct diagnosis d;
	int rc = diagnose_row(l, &q.p, 0, &a->diag, &d, e);
	if (!rc) {
		print_one(a, l, &d, &q);
		if (a->work_order) {
			struct orders w = {0};
			keep_order(&w, &d);
			rc = write_orders(a, l, &w, e);
			free(w.list);
		}
	}
	cmd_warn_cut(l);
	diagnosis_free(&d);
	question_free(&q);
	return rc;
}

static int diagnose_one_row(struct cmd_args *a, struct learner *l, struct pipeline *p, struct err *e)
{
	size_t r = 0;
	while (r < p->t->nrows && p->t->source_row[r] != a->row)
		r++;
	if (r == p->t->nrows)
		return err_at(e, a->data, 0, "no data row %ld (after cleaning)", a->row);
	struct diagnosis d;
	if (diagnose_row(l, p, r, &a->diag, &d, e))
		return -1;
	char truth[256];
	const char *label = pipeline_label(p, r, truth, sizeof truth);
	if (!a->json) {
		printf("row %ld: %s\n", a->row, p->texts[r]);
		/* the label the log gives the row, beside the model's answer */
		if (*label)
			printf("actual: %s\n", label);
	}
	print_one(a, l, &d, NULL);
	int rc = 0;
	if (a->work_order) {
		struct orders w = {0};
		keep_order(&w, &d);
		rc = write_orders(a, l, &w, e);
		free(w.list);
	}
	diagnosis_free(&d);
	return rc;
}

/* Every row: a CSV line (or a JSON object) each, with the calibrated
 * probabilities, the alert and the strongest evidence. */
static int diagnose_all(struct cmd_args *a, struct learner *l, struct pipeline *p, struct err *e)
{
	struct atomic_file out;
	if (atomic_open(&out, a->output ? a->output : "-", e))
		return -1;
	size_t K = l->mf.nlabels;
	if (!a->json) {
		fprintf(out.fp, "row,label,predicted,probability,uncertain,alert,evidence");
		for (size_t k = 0; k < K; k++) {
			fputs(",", out.fp);
			csv_field(out.fp, "p_", l->mf.labels[k]);
		}
		fputc('\n', out.fp);
	}
	struct orders w = {0};
	int rc = 0;
	char buf[256];
	for (size_t r = 0; r < p->t->nrows && !rc; r++) {
		struct diagnosis *d = xmalloc(sizeof *d);
		if ((rc = diagnose_row(l, p, r, &a->diag, d, e))) {
			free(d);
			break;
		}
		const char *label = pipeline_label(p, r, buf, sizeof buf);
		if (a->json) {
			json_t *o = diagnosis_json(l, d);
			json_object_set_new(o, "label", json_string(label));
			json_dumpf(o, out.fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', out.fp);
			json_decref(o);
		} else {
			struct strbuf ev = {0};
			for (size_t i = 0; i < d->nev && i < 3; i++)
				strbuf_printf(&ev, "%s%s %+.3f", i ? "; " : "", d->ev[i].phrase, d->ev[i].contribution);
			fprintf(out.fp, "%lld,", (long long)d->row);
			csv_field(out.fp, "", label);
			fputc(',', out.fp);
			csv_field(out.fp, "", l->mf.labels[d->top]);
			fprintf(out.fp, ",%.6f,%d,%d,", (double)d->probs[d->top], d->uncertain, d->alert);
			csv_field(out.fp, "", ev.s ? ev.s : "");
			for (size_t k = 0; k < K; k++)
				fprintf(out.fp, ",%.6f", (double)d->probs[k]);
			fputc('\n', out.fp);
			strbuf_free(&ev);
		}
		if (a->work_order && d->alert) {
			keep_order(&w, d);
		} else {
			w.suppressed += a->work_order != NULL;
			diagnosis_free(d);
			free(d);
		}
	}
	if (!rc && a->work_order)
		rc = write_orders(a, l, &w, e);
	if (!rc)
		rc = atomic_commit(&out, e);
	else
		atomic_abort(&out);
	for (size_t i = 0; i < w.n; i++) {
		diagnosis_free(w.list[i]);
		free(w.list[i]);
	}
	free(w.list);
	return rc;
}

/* --drift: each fact's shift from the training rows, worst first. */
static int print_drift(struct cmd_args *a, const struct pipeline *p, struct err *e)
{
	size_t nf = p->tz ? textualize_nfacts(p->tz) : 0;
	struct drift *d = xmalloc((nf + 1) * sizeof *d);
	size_t n = drift_measure(p, d);
	struct atomic_file out;
	if (atomic_open(&out, a->output ? a->output : "-", e)) {
		free(d);
		return -1;
	}
	if (a->json) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s, s:f, s:f, s:I, s:s}", "fact", d[i].fact, "psi", d[i].psi,
			                                      "outside_training_range", d[i].outside, "rows",
			                                      (json_int_t)d[i].rows, "verdict", d[i].verdict));
		json_dumpf(list, out.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out.fp);
		json_decref(list);
	} else if (!n) {
		fprintf(out.fp, "the model kept no profile of its training rows (trained before lathe kept one): "
		                "nothing to compare with\n");
	} else {
		struct strbuf b = {0};
		drift_text(d, n, &b);
		fprintf(out.fp, "drift of %s against the model's training rows (population stability index: under 0.1 "
		                "stable, 0.1-0.25 moderate, above 0.25 major)\n%s",
		        a->data, b.s);
		strbuf_free(&b);
	}
	free(d);
	return atomic_commit(&out, e);
}

/* --summary: the machines ranked by risk. */
static int print_fleet(struct cmd_args *a, struct learner *l, const struct pipeline *p, struct err *e)
{
	size_t n = p->t->nrows;
	int32_t *pred = xmalloc((n + 1) * sizeof *pred);
	bool *alert = xmalloc(n + 1);
	int rc = 0;
	if (!diagnose_alerts(l, p, &a->diag, pred, alert)) {
		rc = err_set(e, "%s: the model keeps no casebook to set an alert threshold on (it predates them), so it ranks "
		                "no machines: retrain it",
		             l->path);
		goto out;
	}
	struct fleet_machine *m;
	size_t nm = fleet_rank(l, p, pred, alert, &m);
	struct atomic_file out;
	if ((rc = atomic_open(&out, a->output ? a->output : "-", e))) {
		free(m);
		goto out;
	}
	if (a->json) {
		json_t *list = json_array();
		for (size_t i = 0; i < nm; i++) {
			char when[32];
			diagnosis_time(m[i].last_time, when, sizeof when);
			json_array_append_new(
			        list, json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:o, s:o, s:o}", "machine", m[i].machine, "rows",
			                        (json_int_t)m[i].rows, "recent", (json_int_t)m[i].recent, "recent_alerts",
			                        (json_int_t)m[i].recent_alerts, "risk", m[i].risk, "trend", m[i].trend, "failure",
			                        m[i].failure >= 0 ? json_string(l->mf.labels[m[i].failure]) : json_null(),
			                        "last_alert_row", m[i].last_row ? json_integer(m[i].last_row) : json_null(),
			                        "last_alert_time", when[0] ? json_string(when) : json_null()));
		}
		json_dumpf(list, out.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out.fp);
		json_decref(list);
	} else {
		struct strbuf b = {0};
		fleet_text(l, m, nm, 0, &b);
		struct calib_cost c;
		diagnose_threshold(l, &a->diag, &c);
		fprintf(out.fp, "machines by risk: the share of each one's recent rows (its last quarter) that alert "
		                "(P(failure) >= %.3f), and the change from its earlier rows\n%s",
		        c.threshold, b.s);
		strbuf_free(&b);
	}
	free(m);
	rc = atomic_commit(&out, e);
out:
	free(pred);
	free(alert);
	return rc;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	if (!a->data && a->npos != 2)
		return cmd_usage_error(cmd, "give a text to diagnose, or --data FILE.csv");
	if (a->data && a->npos != 1)
		return cmd_usage_error(cmd, "with --data, give only the model");
	if ((a->row || a->drift || a->summary) && !a->data)
		return cmd_usage_error(cmd, "--%s needs --data", a->row ? "row" : a->drift ? "drift" : "summary");
	if ((a->row != 0) + a->drift + a->summary > 1 || ((a->drift || a->summary) && a->work_order))
		return cmd_usage_error(cmd, "--row, --drift, --summary and --work-order do not go together");
	struct err e;
	struct learner l;
	struct pipeline p = {0};
	int rc = CMD_OK;
	if (learner_load_classifier(a->pos[0], a->learn.device, 32, &l, &e))
		return cmd_fail(&e);
	struct calib_cost c;
	if (a->work_order && !diagnose_threshold(&l, &a->diag, &c)) {
		err_set(&e, "%s: the model keeps no casebook to set an alert threshold on (it predates them), so it writes "
		            "no work orders: retrain it",
		        a->pos[0]);
		rc = cmd_fail(&e);
	} else if (diagnose_open_advice(&a->diag, a->po.lua_limit, &e)) {
		rc = cmd_fail(&e);
	} else if (!a->data) {
		if (diagnose_question(a, &l, &e))
			rc = cmd_fail(&e);
	} else if (learner_prepare(&l, &a->po, a->data, &p, &e) ||
	           (a->row       ? diagnose_one_row(a, &l, &p, &e)
	            : a->drift   ? print_drift(a, &p, &e)
	            : a->summary ? print_fleet(a, &l, &p, &e)
	                         : diagnose_all(a, &l, &p, &e))) {
		rc = cmd_fail(&e);
	}
	cmd_warn_cut(&l);
	pipeline_close(&p);
	learner_free(&l);
	return rc;
}

const struct cmd cmd_diagnose = {
	.name = "diagnose",
	.args = "MODEL.safetensors [\"TEXT\"]",
	.summary = "Diagnose a question (facts or readings: \"torque 65 Nm; tool wear 210\") or the rows of a log: "
	           "calibrated probabilities, evidence, similar past cases, warnings and advice.",
	.groups = OPTION_G_LOAD | OPTION_G_OUT | OPTION_G_APPLY | OPTION_G_DIAGNOSE | OPTION_G_COST | OPTION_G_DEVICE,
	.min_args = 1,
	.max_args = 2,
	.run = run,
};
