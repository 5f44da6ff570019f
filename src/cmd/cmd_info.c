#include "config.h"
#include "cmd.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/sha256.h"
#include "base/utf8.h"
#include "data/stats.h"
#include "io/model_file.h"
#include "io/safetensors.h"

static void format_stat(const struct column *col, double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "-");
	} else if (col->type == COL_TIME) {
		numparse_format_time((int64_t)v, col->time_zone, buf, size);
	} else {
		snprintf(buf, size, "%.6g", v);
	}
}

static const char *delimiter_name(char d)
{
	return d == ',' ? "," : d == ';' ? ";" : d == '\t' ? "tab" : d == '|' ? "|" : "blanks";
}

/* Label counts, most frequent first. */
struct label_count {
	char *label;
	size_t n;
};

static int cmp_count(const void *a, const void *b)
{
	const struct label_count *x = a, *y = b;
	return (x->n < y->n) - (x->n > y->n);
}

static struct label_count *label_counts(const struct table *t, size_t c, size_t *n)
{
	char buf[64];
	size_t ng;
	size_t *g = table_group_ids(t, &c, 1, &ng);
	struct label_count *lc = xcalloc(ng + 1, sizeof *lc);
	for (size_t r = 0; r < t->nrows; r++) {
		if (!lc[g[r]].n)
			lc[g[r]].label = xstrdup(table_cell_text(t, c, r, buf, sizeof buf));
		lc[g[r]].n++;
	}
	free(g);
	qsort(lc, ng, sizeof *lc, cmp_count);
	*n = ng;
	return lc;
}

static const char *meta_value(const struct st_file *f, const char *key)
{
	for (size_t i = 0; i < st_meta_count(f); i++) {
		const char *k, *v;
		st_meta_at(f, i, &k, &v);
		if (strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* The rules script a model carries, whole, so a user can read what
 * applying the model will run, and whether it is the one the manifest
 * names. Alone (--script) it is the script's bytes, escaped only on a
 * terminal. */
static void print_script(const struct st_file *f, bool alone)
{
	const char *pipeline = meta_value(f, "pipeline"), *manifest = meta_value(f, "manifest");
	json_t *p = json_loads(pipeline ? pipeline : "", 0, NULL), *m = json_loads(manifest ? manifest : "", 0, NULL);
	const char *script = json_string_value(json_object_get(p, "rules"));
	const char *file = json_string_value(json_object_get(p, "rules_file"));
	const char *want = json_string_value(json_object_get(m, "rules_sha256"));
	struct strbuf out = {0};
	if (!script) {
		if (!alone)
			printf("\nrules script: none\n");
	} else if (alone && !isatty(STDOUT_FILENO)) {
		fputs(script, stdout);
	} else {
		char got[65];
		sha256_text(script, strlen(script), got);
		if (!alone) {
			printf("\nrules script (%s, %zu bytes, SHA-256 %s: %s)\n", file ? utf8_printable(file, &out) : "no name",
			       strlen(script), got,
			       !want ? "the manifest has none, so it will not run"
			       : strcmp(want, got) == 0 ? "matches the manifest"
			                                : "DOES NOT match the manifest, so it will not run");
		}
		strbuf_clear(&out);
		utf8_escape_controls(script, strlen(script), UTF8_KEEP_NEWLINE, &out);
		fputs(out.s ? out.s : "", stdout);
		if (out.len && out.s[out.len - 1] != '\n')
			putchar('\n');
	}
	strbuf_free(&out);
	json_decref(p);
	json_decref(m);
}

/* The parts of a model file by their tensors' names, and the bytes of
 * each. */
enum { PART_ENCODER, PART_ENSEMBLE, PART_TREES, PART_CASEBOOK, PARTS };
static const char *const part_names[PARTS] = {"encoder", "ensemble", "trees", "casebook"};

static int part_of(const char *name)
{
	return strncmp(name, "ensemble.", 9) == 0   ? PART_ENSEMBLE
	       : strncmp(name, "gbdt.", 5) == 0     ? PART_TREES
	       : strncmp(name, "casebook.", 9) == 0 ? PART_CASEBOOK
	                                            : PART_ENCODER;
}

/* fp32, or what an encoder's matrices were compressed to, with counts. */
static const char *precision_of(const struct st_file *f, int *low, int *full)
{
	*low = *full = 0;
	const char *p = "fp32";
	for (size_t i = 0; i < st_count(f); i++) {
		const struct st_tensor *t = st_tensor_at(f, i);
		int part = part_of(t->name);
		size_t len = strlen(t->name), suffix = strlen(MODEL_FILE_SCALE_SUFFIX);
		bool scale = len > suffix && strcmp(t->name + len - suffix, MODEL_FILE_SCALE_SUFFIX) == 0;
		if ((part != PART_ENCODER && part != PART_ENSEMBLE) || scale)
			continue;
		if (t->dtype == ST_I8 || t->dtype == ST_BF16) {
			(*low)++;
			p = t->dtype == ST_I8 ? "int8" : "bf16";
		} else {
			(*full)++;
		}
	}
	return p;
}

/* A model file: its precision, parts and sizes, its tensors and its
 * metadata (the run manifest). */
static int info_model(const char *path, bool json, bool script_only)
{
	struct st_file *f;
	struct err e;
	if (st_open(path, &f, &e))
		return cmd_fail(&e);
	if (script_only) {
		print_script(f, true);
		st_close(f);
		return fflush(stdout) == 0 ? CMD_OK : CMD_RUNTIME;
	}
	uint64_t params = 0, bytes[PARTS] = {0};
	for (size_t i = 0; i < st_count(f); i++)
		bytes[part_of(st_tensor_at(f, i)->name)] += st_tensor_at(f, i)->end - st_tensor_at(f, i)->begin;
	int low, full;
	const char *precision = precision_of(f, &low, &full);
	json_t *o = json_object(), *tensors = json_array(), *meta = json_object(), *parts = json_object();
	for (int k = 0; k < PARTS; k++)
		if (bytes[k])
			json_object_set_new(parts, part_names[k], json_integer((json_int_t)bytes[k]));
	if (!json) {
		printf("file       %s\nprecision  %s", path, precision);
		if (low)
			printf(" (%d matrices %s with their scales, %d tensors f32)", low, precision, full);
		printf("\nparts     ");
		for (int k = 0; k < PARTS; k++)
			if (bytes[k])
				printf(" %s %.2f MB", part_names[k], (double)bytes[k] / 1e6);
		printf("\ntensors    %zu\n\n", st_count(f));
	}
	for (size_t i = 0; i < st_count(f); i++) {
		const struct st_tensor *t = st_tensor_at(f, i);
		uint64_t n = 1;
		char shape[160] = "";
		json_t *js = json_array();
		for (int d = 0; d < t->ndim; d++) {
			n *= (uint64_t)t->shape[d];
			size_t len = strlen(shape);
			snprintf(shape + len, sizeof shape - len, "%s%lld", d ? "x" : "", (long long)t->shape[d]);
			json_array_append_new(js, json_integer(t->shape[d]));
		}
		params += n;
		if (json)
			json_array_append_new(tensors, json_pack("{s:s, s:s, s:o}", "name", t->name, "dtype",
			                                         st_dtype_name(t->dtype), "shape", js));
		else {
			json_decref(js);
			printf("  %-48s %-5s %s\n", t->name, st_dtype_name(t->dtype), t->ndim ? shape : "scalar");
		}
	}
	struct strbuf tmp = {0};
	for (size_t i = 0; i < st_meta_count(f); i++) {
		const char *k, *v;
		st_meta_at(f, i, &k, &v);
		if (json) {
			json_object_set_new(meta, k, json_string(v));
		} else {
			size_t cut = utf8_prefix(v, 200, NULL);
			printf("%s%-10s ", i ? "" : "\nmetadata\n", utf8_printable(k, &tmp));
			strbuf_clear(&tmp);
			utf8_escape_controls(v, cut, 0, &tmp);
			printf("%s%s\n", tmp.s ? tmp.s : "", v[cut] ? "..." : "");
		}
	}
	strbuf_free(&tmp);
	if (json) {
		json_object_set_new(o, "file", json_string(path));
		json_object_set_new(o, "precision", json_string(precision));
		json_object_set_new(o, "parts", parts);
		json_object_set_new(o, "parameters", json_integer((json_int_t)params));
		json_object_set_new(o, "tensors", tensors);
		json_object_set_new(o, "metadata", meta);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		json_decref(tensors);
		json_decref(meta);
		json_decref(parts);
		printf("\nparameters %llu\n", (unsigned long long)params);
		print_script(f, false);
	}
	json_decref(o);
	st_close(f);
	return fflush(stdout) == 0 ? CMD_OK : CMD_RUNTIME;
}

static bool is_model_file(const char *path)
{
	size_t n = strlen(path);
	return n > 12 && strcmp(path + n - 12, ".safetensors") == 0;
}

static int run(const struct cmd *cmd, struct cmd_args *a)
{
	if (is_model_file(a->pos[0]))
		return info_model(a->pos[0], a->json, a->script);
	if (a->script)
		return cmd_usage_error(cmd, "--script shows the rules script a model file carries; %s is not a model file",
		                       a->pos[0]);
	struct err e;
	struct pipeline p;
	if (cmd_pipeline(a, a->pos[0], false, &p, &e)) {
		pipeline_close(&p);
		return cmd_fail(&e);
	}
	const struct table *t = p.t;
	struct quality_opts qo;
	quality_opts_init(&qo);
	qo.machine = p.machine ? table_find(t, p.machine) : -1;
	qo.time = clean_time_column(t, &(struct clean_context){.machine = p.machine, .time = p.time}, &e);
	if (qo.time < -1)
		qo.time = -1;
	size_t nq;
	struct col_stats *stats = xmalloc((t->ncols + 1) * sizeof *stats);
	for (size_t c = 0; c < t->ncols; c++)
		stats_column(t, c, &stats[c]);
	struct quality_finding *q = stats_quality(t, stats, &qo, &nq);
	long lc = p.label ? table_find(t, p.label) : -1;
	size_t nl = 0;
	struct label_count *labels = lc >= 0 ? label_counts(t, (size_t)lc, &nl) : NULL;
	char b1[64], b2[64], b3[64];
	if (a->json) {
		json_t *o = json_object(), *cols = json_array(), *qa = json_array();
		json_object_set_new(o, "file", json_string(a->pos[0]));
		json_object_set_new(o, "rows", json_integer((json_int_t)t->nrows));
		json_object_set_new(o, "delimiter", json_string(delimiter_name(p.load.delimiter)));
		json_object_set_new(o, "header", json_boolean(p.load.header));
		for (size_t c = 0; c < t->ncols; c++) {
			const struct col_stats s = stats[c];
			json_t *jc = json_object();
			json_object_set_new(jc, "name", json_string(t->cols[c].name));
			json_object_set_new(jc, "type", json_string(table_type_name(t->cols[c].type)));
			json_object_set_new(jc, "missing", json_integer((json_int_t)s.missing));
			json_object_set_new(jc, "distinct", json_integer((json_int_t)s.distinct));
			if (t->cols[c].type == COL_NUM && !isnan(s.mean)) {
				json_object_set_new(jc, "min", json_real(s.min));
				json_object_set_new(jc, "mean", json_real(s.mean));
				json_object_set_new(jc, "max", json_real(s.max));
			} else if (t->cols[c].type == COL_TIME && !isnan(s.mean)) {
				format_stat(&t->cols[c], s.min, b1, sizeof b1);
				format_stat(&t->cols[c], s.max, b2, sizeof b2);
				json_object_set_new(jc, "min", json_string(b1));
				json_object_set_new(jc, "max", json_string(b2));
			}
			json_array_append_new(cols, jc);
		}
		json_object_set_new(o, "columns", cols);
		if (labels) {
			json_t *jl = json_object();
			for (size_t i = 0; i < nl; i++)
				json_object_set_new(jl, labels[i].label, json_integer((json_int_t)labels[i].n));
			json_object_set_new(o, "label_column", json_string(p.label));
			json_object_set_new(o, "labels", jl);
		}
		for (size_t i = 0; i < nq; i++) {
			json_t *jq = json_object();
			json_object_set_new(jq, "kind", json_string(quality_kind_name(q[i].kind)));
			json_object_set_new(jq, "column", q[i].column >= 0 ? json_string(t->cols[q[i].column].name) : json_null());
			json_object_set_new(jq, "count", json_integer((json_int_t)q[i].count));
			json_object_set_new(jq, "worst", json_real(q[i].worst));
			json_object_set_new(jq, "first_row", json_integer(q[i].first_row));
			json_array_append_new(qa, jq);
		}
		json_object_set_new(o, "quality", qa);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("file       %s\nrows       %zu\ncolumns    %zu\ndelimiter  %s   header %s   decimal %s\n\n", a->pos[0],
		       t->nrows, t->ncols, delimiter_name(p.load.delimiter), p.load.header ? "yes" : "no",
		       p.load.decimal == ',' ? "comma" : "point");
		size_t w = 6;
		for (size_t c = 0; c < t->ncols; c++)
			if (utf8_width(t->cols[c].name) > w)
				w = utf8_width(t->cols[c].name);
		utf8_pad(stdout, "column", w);
		printf("  %-6s %8s %8s  %-19s %-12s %-19s\n", "type", "missing", "distinct", "min", "mean", "max");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct col_stats s = stats[c];
			utf8_pad(stdout, t->cols[c].name, w);
			const struct column *col = &t->cols[c];
			if (col->type == COL_STR)
				snprintf(b1, sizeof b1, "-"), snprintf(b2, sizeof b2, "-"), snprintf(b3, sizeof b3, "-");
			else {
				format_stat(col, s.min, b1, sizeof b1);
				format_stat(col, col->type == COL_TIME ? NAN : s.mean, b2, sizeof b2);
				format_stat(col, s.max, b3, sizeof b3);
			}
			printf("  %-6s %8zu %8zu  %-19s %-12s %-19s\n", table_type_name(col->type), s.missing, s.distinct, b1, b2,
			       b3);
		}
		if (labels) {
			printf("\nlabels (%s)\n", p.label);
			for (size_t i = 0; i < nl; i++) {
				printf("  ");
				utf8_pad(stdout, labels[i].label[0] ? labels[i].label : "(none)", 24);
				printf(" %8zu  %6.2f%%\n", labels[i].n, 100.0 * (double)labels[i].n / (double)t->nrows);
			}
		}
		printf("\ndata quality%s%s\n", p.machine ? " per machine " : "", p.machine ? p.machine : "");
		if (!nq)
			printf("  no findings\n");
		for (size_t i = 0; i < nq; i++) {
			const char *col = q[i].column >= 0 ? t->cols[q[i].column].name : "";
			printf("  %-18s ", quality_kind_name(q[i].kind));
			utf8_pad(stdout, col, w);
			switch (q[i].kind) {
			case QUALITY_CONSTANT: printf("  one value in every row\n"); break;
			case QUALITY_FLATLINE:
				printf("  %zu stuck runs, longest %.0f readings, first at row %lld\n", q[i].count, q[i].worst,
				       (long long)q[i].first_row);
				break;
			case QUALITY_SPIKE:
				printf("  %zu spikes, first at row %lld\n", q[i].count, (long long)q[i].first_row);
				break;
			case QUALITY_GAP:
				printf("  %zu sampling gaps, largest %g%s, first at row %lld\n", q[i].count, q[i].worst,
				       t->cols[q[i].column].type == COL_TIME ? " s" : "", (long long)q[i].first_row);
				break;
			case QUALITY_NONMONOTONIC:
				printf("  %zu steps back, first at row %lld\n", q[i].count, (long long)q[i].first_row);
				break;
			case QUALITY_REPEATED:
				printf("  %zu readings repeat the previous time, first at row %lld\n", q[i].count,
				       (long long)q[i].first_row);
				break;
			}
		}
	}
	if (a->report)
		cmd_print_report(stderr, &p, false);
	for (size_t i = 0; i < nl; i++)
		free(labels[i].label);
	free(labels);
	free(q);
	free(stats);
	pipeline_close(&p);
	return fflush(stdout) == 0 ? CMD_OK : CMD_RUNTIME;
}

const struct cmd cmd_info = {
	.name = "info",
	.args = "FILE.csv|MODEL.safetensors",
	.summary = "Describe a sensor log (schema, statistics, labels, data quality) or a model file.",
	.groups = OPTION_G_LOAD | OPTION_G_RULES | OPTION_G_OUT | OPTION_G_INFO,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
