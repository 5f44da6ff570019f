#include "config.h"
#include "workorder.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "base/fileio.h"
#include "base/strbuf.h"

/* The most urgent of the advice that applies; without any, high for a
 * failure more likely than not, else medium. */
static const char *urgency_of(const struct diagnosis *d)
{
	const char *u = NULL;
	for (size_t i = 0; i < d->nadvice; i++)
		if (!u || advice_urgency_rank(d->advice[i].urgency) > advice_urgency_rank(u))
			u = d->advice[i].urgency;
	return u ? u : d->p_fail >= 0.5 ? "high" : "medium";
}

static void order_id(const struct diagnosis *d, size_t i, char *buf, size_t size)
{
	if (d->row)
		snprintf(buf, size, "WO-%s%s%lld", d->machine, d->machine[0] ? "-" : "", (long long)d->row);
	else
		snprintf(buf, size, "WO-Q%zu", i + 1);
}

static void write_text(FILE *fp, const struct learner *l, struct diagnosis *const *orders, size_t n,
                       size_t suppressed, const struct calib_cost *c, const char *created)
{
	fprintf(fp, "WORK ORDERS  %s  model %s\n", created, l->path);
	fprintf(fp, "%zu order%s; %zu diagnos%s below the alert threshold (P(failure) >= %.3f) suppressed\n", n,
	        n == 1 ? "" : "s", suppressed, suppressed == 1 ? "is" : "es", c->threshold);
	for (size_t i = 0; i < n; i++) {
		const struct diagnosis *d = orders[i];
		char id[128], when[32];
		order_id(d, i, id, sizeof id);
		diagnosis_time(d->time, when, sizeof when);
		fprintf(fp, "\n==== %s ====\n", id);
		if (d->machine[0])
			fprintf(fp, "machine:    %s\n", d->machine);
		if (when[0])
			fprintf(fp, "time:       %s UTC\n", when);
		if (d->row)
			fprintf(fp, "log row:    %lld\n", (long long)d->row);
		fprintf(fp, "diagnosis:  %s (%.1f%%, calibrated)%s\n", l->mf.labels[d->top], 100 * d->probs[d->top],
		        d->uncertain ? ", uncertain" : "");
		fprintf(fp, "P(failure): %.1f%%\nurgency:    %s\nfacts:      %s\n", 100 * d->p_fail, urgency_of(d), d->text);
		if (d->nev)
			fprintf(fp, "evidence:\n");
		for (size_t k = 0; k < d->nev && k < 5; k++)
			fprintf(fp, "  %+.3f  %s (%s)\n", d->ev[k].contribution, d->ev[k].phrase, d->ev[k].reading);
		if (d->ncases)
			fprintf(fp, "similar past cases:\n");
		for (size_t k = 0; k < d->ncases; k++)
			fprintf(fp, "  row %lld: %s (%.2f similar)%s%s\n", (long long)d->cases[k].row, d->cases[k].label,
			        (double)d->cases[k].similarity, d->cases[k].machine ? ", machine " : "",
			        d->cases[k].machine ? d->cases[k].machine : "");
		for (size_t k = 0; k < d->noutside; k++)
			fprintf(fp, "warning:    %s\n", d->outside[k]);
		if (d->unlike)
			fprintf(fp, "warning:    unlike the training data\n");
		for (size_t k = 0; k < d->nadvice; k++) {
			fprintf(fp, "action:     [ ] %s\n", d->advice[k].action);
			for (size_t j = 0; j < d->advice[k].nparts; j++)
				fprintf(fp, "%s%s", j ? ", " : "parts:      ", d->advice[k].parts[j]);
			if (d->advice[k].nparts)
				fputc('\n', fp);
		}
		fprintf(fp, "done by: ____________  date: ________  found: _______________________\n");
	}
}

int workorder_write(const char *path, const struct learner *l, struct diagnosis *const *orders, size_t n,
                    size_t suppressed, const struct calib_cost *threshold, struct err *e)
{
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	size_t len = strlen(path);
	bool text = len > 4 && strcmp(path + len - 4, ".txt") == 0;
	struct atomic_file out;
	if (atomic_open(&out, path, e))
		return -1;
	if (text) {
		write_text(out.fp, l, orders, n, suppressed, threshold, created);
	} else {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++) {
			char id[128];
			order_id(orders[i], i, id, sizeof id);
			json_t *o = diagnosis_json(l, orders[i]);
			json_object_set_new(o, "id", json_string(id));
			json_object_set_new(o, "urgency", json_string(urgency_of(orders[i])));
			json_array_append_new(list, o);
		}
		json_t *doc = json_pack("{s:s, s:s, s:o, s:{s:I, s:I, s:f, s:f, s:f}}", "created", created, "model", l->path,
		                        "orders", list, "summary", "orders", (json_int_t)n, "suppressed",
		                        (json_int_t)suppressed, "threshold", threshold->threshold, "dev_recall",
		                        threshold->recall, "dev_false_alarms_per_1000", threshold->false_alarms_per_1000);
		json_dumpf(doc, out.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out.fp);
		json_decref(doc);
	}
	return atomic_commit(&out, e);
}
