#include "config.h"
#include "diagnosis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/utf8.h"
#include "data/table.h"
#include "hooks/sandbox.h"

void diagnose_opts_init(struct diagnose_opts *o)
{
	memset(o, 0, sizeof *o);
	o->neighbors = 5;
	o->uncertain = 0.5;
	/* A missed failure costs ten false alarms unless the engineer says
	 * otherwise: downtime against an inspection. */
	o->cost_miss = 10;
	o->cost_false_alarm = 1;
}

int diagnose_open_advice(struct diagnose_opts *o, long lua_limit, struct err *e)
{
	if (o->no_advice || o->advice)
		return 0;
	return advice_open(o->advice_files, o->nadvice_files, true, lua_limit > 0 ? lua_limit : SANDBOX_DEFAULT_INSTRUCTIONS,
	                   &o->advice, e);
}

void diagnose_opts_free(struct diagnose_opts *o)
{
	free(o->advice_files);
	advice_close(o->advice);
	o->advice_files = NULL;
	o->nadvice_files = 0;
	o->advice = NULL;
}

bool diagnose_threshold(struct learner *l, const struct diagnose_opts *o, struct calib_cost *out)
{
	const struct model_casebook *cb = &l->mf.casebook;
	if (l->normal < 0)
		return false;
	if (l->threshold_miss == o->cost_miss && l->threshold_false_alarm == o->cost_false_alarm) {
		*out = l->threshold;
		return true;
	}
	/* Without dev rows (a split that left none) nothing can be weighed:
	 * a failure more likely than not alerts. */
	if (!cb->ndev) {
		*out = (struct calib_cost){.threshold = 0.5, .recall = -1, .false_alarms_per_1000 = -1};
		return true;
	}
	size_t K = l->mf.nlabels;
	float *cal = xmalloc((cb->ndev * K + 1) * sizeof *cal), *p_fail = xmalloc((cb->ndev + 1) * sizeof *p_fail);
	bool *failed = xmalloc((cb->ndev + 1) * sizeof *failed);
	calib_apply(cb->dev_probs, cb->ndev, (int)K, l->temperature, cal);
	for (size_t i = 0; i < cb->ndev; i++) {
		p_fail[i] = 1 - cal[i * K + (size_t)l->normal];
		failed[i] = cb->dev_label[i] != l->normal;
	}
	calib_cost_threshold(p_fail, failed, cb->ndev, o->cost_miss, o->cost_false_alarm, out);
	l->threshold = *out;
	l->threshold_miss = o->cost_miss;
	l->threshold_false_alarm = o->cost_false_alarm;
	free(cal);
	free(p_fail);
	free(failed);
	return true;
}

bool diagnose_alerts(struct learner *l, const struct pipeline *p, const struct diagnose_opts *o, int32_t *pred,
                     bool *alert)
{
	size_t n = p->t->nrows, K = l->mf.nlabels;
	float *probs = xmalloc((n * K + 1) * sizeof *probs);
	learner_predict_rows(l, p, NULL, n, probs);
	calib_apply(probs, n, (int)K, l->temperature, probs);
	struct calib_cost c;
	bool has = diagnose_threshold(l, o, &c);
	for (size_t r = 0; r < n; r++) {
		const float *pr = probs + r * K;
		pred[r] = 0;
		for (size_t k = 1; k < K; k++)
			if (pr[k] > pr[pred[r]])
				pred[r] = (int32_t)k;
		alert[r] = has && 1 - pr[l->normal] >= c.threshold;
	}
	free(probs);
	return has;
}

void diagnosis_time(int64_t ms, char *buf, size_t size)
{
	time_t s = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	if (ms == INT64_MIN || !gmtime_r(&s, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, size, "%s", "");
}

/* Readings outside what the training rows held, a line each. */
static void check_ranges(const struct pipeline *p, size_t r, struct diagnosis *d)
{
	for (size_t i = 0; p->tz && i < textualize_nfacts(p->tz); i++) {
		struct fact_profile f;
		textualize_profile(p->tz, i, &f);
		char line[256], num[32], lo[32], hi[32], buf[64];
		line[0] = 0;
		if (f.level && f.quantiles && !table_is_missing(p->t, f.col, r)) {
			double x = p->t->cols[f.col].num[r];
			if (x < f.quantiles[0] || x > f.quantiles[TEXT_QUANTILES - 1]) {
				table_display_number(x, num, sizeof num);
				table_display_number(f.quantiles[0], lo, sizeof lo);
				table_display_number(f.quantiles[TEXT_QUANTILES - 1], hi, sizeof hi);
				snprintf(line, sizeof line, "%s %s is outside the training range %s .. %s", f.name, num, lo, hi);
			}
		} else if (f.category && f.ncategories && !table_is_missing(p->t, f.col, r)) {
			const char *v = table_cell_text(p->t, f.col, r, buf, sizeof buf);
			bool seen = false;
			for (size_t k = 0; k < f.ncategories && !seen; k++)
				seen = strcmp(f.categories[k], v) == 0;
			if (!seen)
				snprintf(line, sizeof line, "%s \"%s\" never occurred in the training rows", f.name, v);
		}
		if (line[0]) {
			d->outside = xrealloc(d->outside, (d->noutside + 1) * sizeof *d->outside);
			d->outside[d->noutside++] = xstrdup(line);
		}
	}
}

static int find_advice(const struct learner *l, const struct pipeline *p, size_t r, const struct diagnose_opts *o,
                       struct diagnosis *d, struct err *e)
{
	size_t nv = p->tz ? textualize_nvalues(p->tz) : 0;
	const char **facts = xmalloc((nv + 1) * sizeof *facts);
	double *readings = xmalloc((nv + 1) * sizeof *readings);
	float *x = xmalloc((nv + 1) * sizeof *x);
	size_t n = 0;
	if (nv)
		textualize_readings(p->tz, p->t, r, x);
	for (size_t k = 0; k < nv; k++)
		if (!isnan(x[k])) {
			facts[n] = textualize_value_name(p->tz, k);
			readings[n++] = x[k];
		}
	struct advice_query q = {.label = l->mf.labels[d->top], .probability = d->probs[d->top], .text = d->text,
	                         .facts = facts, .readings = readings, .nreadings = n};
	long got = advice_find(o->advice, &q, d->advice, DIAGNOSE_MAX_ADVICE, e);
	d->nadvice = got > 0 ? (size_t)got : 0;
	free(facts);
	free(readings);
	free(x);
	return got < 0 ? -1 : 0;
}

int diagnose_row(struct learner *l, const struct pipeline *p, size_t r, const struct diagnose_opts *o,
                 struct diagnosis *d, struct err *e)
{
	memset(d, 0, sizeof *d);
	if (l->mf.nlabels == 0)
		return err_set(e, "%s has no classes to diagnose", l->path);
	size_t K = d->K = l->mf.nlabels, C = (size_t)model_config(l->model)->C;
	d->raw = xmalloc(K * sizeof *d->raw);
	d->probs = xmalloc(K * sizeof *d->probs);
	float *emb = xmalloc(C * sizeof *emb);
	learner_embed_rows(l, p, &r, 1, d->raw, emb);
	calib_apply(d->raw, 1, (int)K, l->temperature, d->probs);
	d->top = 0;
	d->second = -1;
	for (size_t k = 1; k < K; k++)
		if (d->probs[k] > d->probs[d->top])
			d->top = (int)k;
	for (size_t k = 0; k < K; k++)
		if ((int)k != d->top && (d->second < 0 || d->probs[k] > d->probs[d->second]))
			d->second = (int)k;
	d->uncertain = d->probs[d->top] < o->uncertain;
	d->text = xstrdup(p->texts[r]);
	d->row = p->t ? p->t->source_row[r] : 0;
	d->time = INT64_MIN;
	long mc = p->machine && p->t ? table_find(p->t, p->machine) : -1, tc = p->time && p->t ? table_find(p->t, p->time) : -1;
	char buf[64];
	if (mc >= 0)
		snprintf(d->machine, sizeof d->machine, "%s", table_cell_text(p->t, (size_t)mc, r, buf, sizeof buf));
	if (tc >= 0 && p->t->cols[tc].type == COL_TIME)
		d->time = p->t->cols[tc].time[r];
	d->p_fail = -1;
	struct calib_cost cost;
	if (diagnose_threshold(l, o, &cost)) {
		d->p_fail = 1 - d->probs[l->normal];
		d->alert = d->p_fail >= cost.threshold;
	}
	if (!o->no_evidence) {
		d->ev = xmalloc(((p->tz ? textualize_nfacts(p->tz) : 0) + 1) * sizeof *d->ev);
		d->nev = explain_row(l, p, r, d->top, d->ev);
	}
	d->cases = xmalloc((o->neighbors + 1) * sizeof *d->cases);
	d->ncases = cases_similar(&l->mf, emb, o->neighbors, d->cases);
	if (d->ncases) {
		d->distance = 1 - (double)d->cases[0].similarity;
		d->unlike = d->distance > (double)l->mf.casebook.far;
	} else {
		d->distance = cases_distance(&l->mf, emb, &d->unlike);
	}
	free(emb);
	if (p->t)
		check_ranges(p, r, d);
	return o->advice ? find_advice(l, p, r, o, d, e) : 0;
}

void diagnosis_free(struct diagnosis *d)
{
	free(d->raw);
	free(d->probs);
	free(d->ev);
	free(d->cases);
	for (size_t i = 0; i < d->noutside; i++)
		free(d->outside[i]);
	free(d->outside);
	advice_clear(d->advice, d->nadvice);
	free(d->text);
	memset(d, 0, sizeof *d);
}

static void case_line(const struct similar_case *c, struct strbuf *out)
{
	char when[32];
	diagnosis_time(c->time, when, sizeof when);
	strbuf_printf(out, "  row %-7lld %s%*s  %.2f similar", (long long)c->row, c->label,
	              (int)(utf8_width(c->label) < 14 ? 14 - utf8_width(c->label) : 0), "", (double)c->similarity);
	if (c->machine)
		strbuf_printf(out, "   machine %s", c->machine);
	if (when[0])
		strbuf_printf(out, "   %s", when);
	strbuf_puts(out, "\n");
}

/* The text with the facts that speak for the diagnosis (a contribution
 * of 0.05 or more) marked, as DIAGNOSIS_MARK_OPEN ... _CLOSE: the
 * workbench shows them in colour. */
static void highlight(const struct diagnosis *d, struct strbuf *out)
{
	struct strbuf b = {0};
	bool any = false;
	for (const char *s = d->text; *s;) {
		size_t best = 0;
		for (size_t i = 0; i < d->nev; i++) {
			size_t len = strlen(d->ev[i].phrase);
			/* a whole fact: followed by its separator or the end */
			if (d->ev[i].contribution >= 0.05 && len > best && strncmp(s, d->ev[i].phrase, len) == 0 &&
			    (s[len] == 0 || s[len] == ';' || (unsigned char)s[len] >= 0x80))
				best = len;
		}
		if (best) {
			strbuf_puts(&b, DIAGNOSIS_MARK_OPEN);
			strbuf_add(&b, s, best);
			strbuf_puts(&b, DIAGNOSIS_MARK_CLOSE);
			s += best;
			any = true;
		} else {
			strbuf_add(&b, s, 1);
			s++;
		}
	}
	if (any)
		strbuf_printf(out, "why: %s\n", b.s);
	strbuf_free(&b);
}

void diagnosis_text(const struct learner *l, const struct diagnosis *d, bool unicode, struct strbuf *out)
{
	learner_answer(l, d->probs, unicode, out);
	const char *top = l->mf.labels[d->top];
	if (l->mf.casebook.ndev)
		strbuf_printf(out, "calibrated on %zu dev rows (temperature %.2f)", l->mf.casebook.ndev, l->temperature);
	else if (l->mf.casebook.ncases)
		strbuf_puts(out, "not calibrated: its training split left no dev rows to fit on");
	else
		strbuf_puts(out, "not calibrated: the model keeps no casebook (it predates them)");
	if (d->p_fail >= 0)
		strbuf_printf(out, "; P(failure) %.1f%%: %s", 100 * d->p_fail, d->alert ? "ALERT" : "below the alert threshold");
	strbuf_puts(out, "\n");
	highlight(d, out);
	if (d->uncertain && d->second >= 0)
		strbuf_printf(out, "uncertain: %s (%.0f%%) or %s (%.0f%%); the model cannot tell them apart here\n", top,
		              100 * d->probs[d->top], l->mf.labels[d->second], 100 * d->probs[d->second]);
	if (d->nev) {
		strbuf_printf(out, "\nevidence for %s (how much each fact raises its probability over the fact's usual values):\n",
		              top);
		for (size_t i = 0; i < d->nev; i++) {
			const struct evidence *ev = &d->ev[i];
			strbuf_printf(out, "  %+7.3f  %s", ev->contribution, ev->phrase);
			strbuf_printf(out, "%*s  %s\n", (int)(utf8_width(ev->phrase) < 32 ? 32 - utf8_width(ev->phrase) : 0), "",
			              ev->reading);
		}
	}
	if (d->ncases) {
		strbuf_puts(out, "\nsimilar past cases (training rows the encoder sees alike):\n");
		for (size_t i = 0; i < d->ncases; i++)
			case_line(&d->cases[i], out);
	}
	if (d->noutside || d->unlike) {
		strbuf_puts(out, "\nwarnings:\n");
		for (size_t i = 0; i < d->noutside; i++)
			strbuf_printf(out, "  %s\n", d->outside[i]);
		if (d->unlike)
			strbuf_printf(out, "  unlike the training data: %.3f from the nearest case, beyond %.3f (the dev rows' 99th "
			                   "percentile); treat the answer with care\n",
			              d->distance, (double)l->mf.casebook.far);
	}
	for (size_t i = 0; i < d->nadvice; i++) {
		const struct advice *a = &d->advice[i];
		strbuf_printf(out, "\n%s (%s, urgency %s):\n  %s\n", i ? "also" : "advice", a->source, a->urgency, a->action);
		for (size_t k = 0; k < a->nparts; k++)
			strbuf_printf(out, "%s%s", k ? ", " : "  parts: ", a->parts[k]);
		if (a->nparts)
			strbuf_puts(out, "\n");
	}
}

json_t *diagnosis_json(const struct learner *l, const struct diagnosis *d)
{
	json_t *probs = json_object(), *raw = json_object();
	for (size_t k = 0; k < d->K; k++) {
		json_object_set_new(probs, l->mf.labels[k], json_real(d->probs[k]));
		json_object_set_new(raw, l->mf.labels[k], json_real(d->raw[k]));
	}
	json_t *o = json_pack("{s:s, s:s, s:f, s:b, s:o, s:o, s:f}", "text", d->text, "predicted", l->mf.labels[d->top],
	                      "probability", (double)d->probs[d->top], "uncertain", d->uncertain, "probabilities", probs,
	                      "uncalibrated", raw, "temperature", l->temperature);
	if (d->row)
		json_object_set_new(o, "row", json_integer(d->row));
	if (d->machine[0])
		json_object_set_new(o, "machine", json_string(d->machine));
	char when[32];
	diagnosis_time(d->time, when, sizeof when);
	if (when[0])
		json_object_set_new(o, "time", json_string(when));
	if (d->uncertain && d->second >= 0)
		json_object_set_new(o, "runner_up", json_string(l->mf.labels[d->second]));
	if (d->p_fail >= 0) {
		json_object_set_new(o, "p_failure", json_real(d->p_fail));
		json_object_set_new(o, "alert", json_boolean(d->alert));
	}
	json_t *ev = json_array();
	for (size_t i = 0; i < d->nev; i++)
		json_array_append_new(ev, json_pack("{s:s, s:s, s:s, s:f}", "fact", d->ev[i].fact, "phrase", d->ev[i].phrase,
		                                    "reading", d->ev[i].reading, "contribution", d->ev[i].contribution));
	json_object_set_new(o, "evidence", ev);
	json_t *cases = json_array();
	for (size_t i = 0; i < d->ncases; i++) {
		const struct similar_case *c = &d->cases[i];
		json_t *jc = json_pack("{s:I, s:s, s:f}", "row", (json_int_t)c->row, "label", c->label, "similarity",
		                       (double)c->similarity);
		if (c->machine)
			json_object_set_new(jc, "machine", json_string(c->machine));
		diagnosis_time(c->time, when, sizeof when);
		if (when[0])
			json_object_set_new(jc, "time", json_string(when));
		json_array_append_new(cases, jc);
	}
	json_object_set_new(o, "similar_cases", cases);
	json_t *warn = json_array();
	for (size_t i = 0; i < d->noutside; i++)
		json_array_append_new(warn, json_string(d->outside[i]));
	if (d->unlike)
		json_array_append_new(warn, json_string("unlike the training data"));
	json_object_set_new(o, "warnings", warn);
	if (d->distance >= 0)
		json_object_set_new(o, "distance", json_real(d->distance));
	json_t *adv = json_array();
	for (size_t i = 0; i < d->nadvice; i++) {
		const struct advice *a = &d->advice[i];
		json_t *parts = json_array();
		for (size_t k = 0; k < a->nparts; k++)
			json_array_append_new(parts, json_string(a->parts[k]));
		json_array_append_new(adv, json_pack("{s:s, s:s, s:o, s:s}", "action", a->action, "urgency", a->urgency,
		                                     "parts", parts, "source", a->source));
	}
	json_object_set_new(o, "advice", adv);
	return o;
}
