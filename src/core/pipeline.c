#include "config.h"
#include "pipeline.h"

#include "data/samples.h"
#include "core/augment_methods.h"
#include "hooks/sandbox.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pipeline_opts_init(struct pipeline_opts *o)
{
	memset(o, 0, sizeof *o);
	csvin_opts_init(&o->load);
	o->lua_limit = SANDBOX_DEFAULT_INSTRUCTIONS;
	o->window = -1;
	o->value_bins = -1;
	split_opts_init(&o->split);
}

void pipeline_opts_free(struct pipeline_opts *o)
{
	for (size_t i = 0; i < o->nrules; i++)
		clean_rule_free(&o->rules[i]);
	free(o->rules);
	for (size_t i = 0; i < o->load.ntypes; i++)
		free(o->load.types[i].column);
	free((void *)o->load.types);
	for (size_t i = 0; i < o->nlevels; i++) {
		free(o->levels[i].column);
		free(o->levels[i].name);
	}
	free(o->levels);
	free(o->include);
	free(o->exclude);
	memset(o, 0, sizeof *o);
}

/* a then b, as one new array of pointers (the strings stay theirs). */
static char **concat(char **a, size_t na, char **b, size_t nb, size_t *n)
{
	*n = na + nb;
	if (!a && !b)
		return NULL;
	char **out = xmalloc((*n + 1) * sizeof *out);
	if (na)
		memcpy(out, a, na * sizeof *out);
	if (nb)
		memcpy(out + na, b, nb * sizeof *out);
	return out;
}

int pipeline_open(struct pipeline *p, const struct pipeline_opts *o, struct err *e)
{
	memset(p, 0, sizeof *p);
	p->o = o;
	p->label_col = -1;
	if (o->rules_text && rules_load_text(o->rules_path ? o->rules_path : "rules.lua", o->rules_text,
	                                     strlen(o->rules_text), o->lua_limit, &p->rules, e))
		return -1;
	if (!o->rules_text && o->rules_path && rules_load(o->rules_path, o->lua_limit, &p->rules, e))
		return -1;
	static const struct rules_config none = {.window = -1};
	const struct rules_config *c = p->rules ? rules_config(p->rules) : &none;
	p->label = o->label ? o->label : c->label_column ? c->label_column
	                                  : p->rules && rules_has_label(p->rules) ? "label"
	                                                                          : NULL;
	p->machine = o->machine ? o->machine : c->machine;
	p->time = o->time ? o->time : c->time;
	/* Types: the script's first, so the command line's win. */
	p->load_opts = o->load;
	p->load_opts.ntypes = c->ntypes + o->load.ntypes;
	p->types = xmalloc((p->load_opts.ntypes + 1) * sizeof *p->types);
	if (c->ntypes)
		memcpy(p->types, c->types, c->ntypes * sizeof *p->types);
	if (o->load.ntypes)
		memcpy(p->types + c->ntypes, o->load.types, o->load.ntypes * sizeof *p->types);
	p->load_opts.types = p->types;
	p->nall_rules = c->nrules + o->nrules;
	p->all_rules = xmalloc((p->nall_rules + 1) * sizeof *p->all_rules);
	if (c->nrules)
		memcpy(p->all_rules, c->rules, c->nrules * sizeof *p->all_rules);
	if (o->nrules)
		memcpy(p->all_rules + c->nrules, o->rules, o->nrules * sizeof *p->all_rules);
	textualize_opts_init(&p->text);
	p->text.lang = o->lang ? o->lang : c->lang ? c->lang : "en";
	if (strcmp(p->text.lang, "en") != 0 && strcmp(p->text.lang, "zh") != 0)
		return err_set(e, "unknown wording pack '%s' (en or zh)", p->text.lang);
	const char *binning = o->binning ? o->binning : c->binning ? c->binning : "quantile";
	if (strcmp(binning, "quantile") == 0)
		p->text.binning = TEXT_BIN_QUANTILE;
	else if (strcmp(binning, "zscore") == 0)
		p->text.binning = TEXT_BIN_ZSCORE;
	else
		return err_set(e, "unknown binning '%s' (quantile or zscore)", binning);
	p->text.notes = o->notes ? o->notes : c->notes;
	p->text.window = o->window >= 0 ? (size_t)o->window : c->window >= 0 ? (size_t)c->window : 0;
	p->text.value_bins = o->value_bins;
	p->text.clock = !o->no_clock;
	if (o->level_words)
		p->text.levels = o->level_words;
	p->text.include = concat(c->include, c->ninclude, o->include, o->ninclude, &p->text.ninclude);
	p->text.exclude = concat(c->exclude, c->nexclude, o->exclude, o->nexclude, &p->text.nexclude);
	p->text.ncols = c->ncols + o->nlevels;
	p->text.cols = xmalloc((p->text.ncols + 1) * sizeof *p->text.cols);
	if (c->ncols)
		memcpy(p->text.cols, c->cols, c->ncols * sizeof *p->text.cols);
	if (o->nlevels)
		memcpy(p->text.cols + c->ncols, o->levels, o->nlevels * sizeof *p->text.cols);
	p->text.label = p->label;
	p->text.machine = p->machine;
	p->text.time = p->time;
	p->split = o->split;
	p->split.label = p->label;
	if (!p->split.group)
		p->split.group = p->machine;
	if (!p->split.time)
		p->split.time = p->time;
	return 0;
}

/* The label column's index: found again whenever the columns change. */
static void find_label(struct pipeline *p)
{
	p->label_col = p->label && p->t ? table_find(p->t, p->label) : -1;
}

/* Textualized samples bring their texts, labels and maybe their split:
 * the data path starts after textualizing. */
static int load_samples(struct pipeline *p, const char *path, struct err *e)
{
	if (samples_load(path, &p->t, e))
		return -1;
	p->samples = true;
	p->load.rows = p->t->nrows;
	p->texts = xmalloc((p->t->nrows + 1) * sizeof *p->texts);
	for (size_t r = 0; r < p->t->nrows; r++)
		p->texts[r] = xstrdup(p->t->cols[0].str[r] ? strpool_get(p->t->pool, p->t->cols[0].str[r]) : "");
	bool labelled = false, split = true;
	for (size_t r = 0; r < p->t->nrows; r++) {
		labelled |= !table_is_missing(p->t, 1, r);
		split &= !table_is_missing(p->t, 2, r);
	}
	p->label = labelled ? "label" : NULL;
	p->split.label = p->label;
	p->split.group = p->split.time = NULL;
	if (split && !p->o->split_set) {
		snprintf(p->split_note, sizeof p->split_note, "split: the samples' own (--split to choose)");
		/* the split the samples were made with */
		p->part = xmalloc(p->t->nrows + 1);
		for (size_t r = 0; r < p->t->nrows; r++) {
			const char *s = strpool_get(p->t->pool, p->t->cols[2].str[r]);
			p->part[r] = strcmp(s, "train") == 0 ? SPLIT_TRAIN : strcmp(s, "dev") == 0 ? SPLIT_DEV : SPLIT_TEST;
		}
	}
	return 0;
}

int pipeline_load(struct pipeline *p, const char *path, struct err *e)
{
	int rc = samples_sniff(path) ? load_samples(p, path, e) : csvin_load(path, &p->load_opts, &p->t, &p->load, e);
	find_label(p);
	return rc;
}

void pipeline_adopt(struct pipeline *p, struct table *t)
{
	p->t = t;
	p->load.rows = t->nrows;
	find_label(p);
}

/* The column the rules' label() fills: the script's label_column, else
 * the --label name when the log has no such column yet, else "label".
 * Never a column of the log that --label picked: that stays as it was,
 * beside what label() makes. */
static const char *label_target(const struct pipeline *p)
{
	const struct rules_config *c = rules_config(p->rules);
	if (c->label_column)
		return c->label_column;
	if (p->o->label && table_find(p->t, p->o->label) < 0)
		return p->o->label;
	return "label";
}

int pipeline_clean(struct pipeline *p, struct err *e)
{
	if (p->samples) {
		/* A rules script made the samples already; rules given here
		 * would be silently lost. */
		if (p->o->nrules)
			return err_set(e, "cleaning rules apply to a CSV log, not to textualized samples");
		p->clean.rows_in = p->clean.rows_out = p->t->nrows;
		return 0;
	}
	struct clean_context ctx = {.machine = p->machine, .time = p->time};
	p->clean.rows_in = p->t->nrows;
	p->clean.rows_out = p->t->nrows;
	if (clean_apply(p->t, p->all_rules, p->nall_rules, &ctx, &p->clean, e))
		return -1;
	if (p->rules && rules_clean(p->rules, p->t, label_target(p), p->load_opts.cancel, &p->clean, e))
		return -1;
	find_label(p);
	if (p->label && p->label_col < 0)
		return err_set(e, "--label: no column named \"%s\"", p->label);
	p->clean.rows_out = p->t->nrows;
	return 0;
}

static bool time_ordered(const struct pipeline *p)
{
	if (p->samples)
		return false;
	if (p->time)
		return true;
	for (size_t c = 0; c < p->t->ncols; c++)
		if (p->t->cols[c].type == COL_TIME)
			return true;
	return false;
}

/* The one split policy of every command and screen. A time-ordered log
 * is split by machine, else by time, so a model is never tested on the
 * history it trained on; other data keeps each class's share in every
 * part. A row split of a time-ordered log is asked for explicitly, and
 * still refused without force_row_split. */
int pipeline_split(struct pipeline *p, struct err *e)
{
	bool ordered = time_ordered(p);
	const char *why;
	if (p->o->split_set) {
		bool rows_apart = p->split.method == SPLIT_RANDOM || p->split.method == SPLIT_STRATIFIED;
		if (ordered && rows_apart && !p->o->force_row_split)
			return err_set(e, "refusing a %s row split of a time-ordered log: neighbouring readings would be in "
			                  "both train and test; use --split time or group, or --force",
			               split_method_name(p->split.method)) - 1;
		why = "as asked";
	} else if (ordered) {
		p->split.method = p->machine ? SPLIT_GROUP : SPLIT_TIME;
		why = "a time-ordered log; --split to choose";
	} else {
		p->split.method = p->label ? SPLIT_STRATIFIED : SPLIT_RANDOM;
		why = p->label ? "rows apart, each class keeping its share; --split to choose"
		               : "no label; --split to choose";
	}
	static const char *const how[] = {[SPLIT_RANDOM] = "at random", [SPLIT_STRATIFIED] = "stratified by label",
	                                  [SPLIT_GROUP] = "by machine", [SPLIT_TIME] = "by time"};
	snprintf(p->split_note, sizeof p->split_note, "split %g/%g/%g %s (%s)", 100 * p->split.frac[0],
	         100 * p->split.frac[1], 100 * p->split.frac[2], how[p->split.method], why);
	free(p->part);
	p->part = xmalloc(p->t->nrows + 1);
	return split_assign(p->t, &p->split, p->part, e);
}

/* Texts made before (a second textualizing with other settings). */
static void free_texts(struct pipeline *p)
{
	if (p->texts)
		for (size_t r = 0; r < p->t->nrows; r++)
			free(p->texts[r]);
	free(p->texts);
	p->texts = NULL;
}

/* Every row's text from the textualizer just set, then the rules'
 * textualize() over them. */
static int make_texts(struct pipeline *p, struct err *e)
{
	if (!(p->texts = textualize_table_until(p->tz, p->t, p->load_opts.cancel)))
		return err_set(e, "textualizing cancelled");
	if (p->rules && rules_textualize(p->rules, p->t, p->texts, e))
		return -1;
	return 0;
}

int pipeline_textualize(struct pipeline *p, struct err *e)
{
	int rc;
	if (!p->part && (rc = pipeline_split(p, e)))
		return rc;
	if (p->samples)
		return 0;
	textualize_free(p->tz);
	p->tz = NULL;
	free_texts(p);
	if (textualize_fit(p->t, p->part, &p->text, p->load_opts.cancel, &p->tz, e))
		return -1;
	return make_texts(p, e);
}

int pipeline_textualize_with(struct pipeline *p, const char *spec, struct err *e)
{
	if (p->samples)
		return 0;
	textualize_free(p->tz);
	p->tz = NULL;
	free_texts(p);
	if (textualize_from_spec(spec, p->t, &p->tz, e))
		return -1;
	return make_texts(p, e);
}

const char *pipeline_label(const struct pipeline *p, size_t r, char *buf, size_t size)
{
	buf[0] = '\0';
	return p->label_col < 0 ? buf : table_cell_text(p->t, (size_t)p->label_col, r, buf, size);
}

int pipeline_write_jsonl(const struct pipeline *p, FILE *fp, struct err *e)
{
	char buf[64];
	for (size_t r = 0; r < p->t->nrows; r++) {
		json_t *o = json_object();
		if (!o)
			return err_set(e, "out of memory");
		json_object_set_new(o, "text", json_string(p->texts[r]));
		const char *label = pipeline_label(p, r, buf, sizeof buf);
		json_object_set_new(o, "label", p->label && *label ? json_string(label) : json_null());
		json_object_set_new(o, "row", json_integer(p->t->source_row[r]));
		json_object_set_new(o, "split", json_string(split_part_name(p->part[r])));
		int method = p->method && p->method[r] ? p->method[r] - 1 : -1;
		if (method >= 0)
			json_object_set_new(o, "method", json_string(augment_method_name(method)));
		if (method == AUG_JITTER) {
			json_t *readings = json_object();
			for (size_t c = 0; c < p->t->ncols; c++)
				if (p->t->cols[c].type == COL_NUM && (long)c != p->label_col && !isnan(p->t->cols[c].num[r]))
					json_object_set_new(readings, p->t->cols[c].name, json_real(p->t->cols[c].num[r]));
			json_object_set_new(o, "readings", readings);
		}
		int rc = json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (rc != 0 || fputc('\n', fp) == EOF)
			return err_set(e, "write failed: %s", strerror(errno));
	}
	return 0;
}

void pipeline_close(struct pipeline *p)
{
	free_texts(p);
	textualize_free(p->tz);
	free(p->part);
	free(p->method);
	clean_report_free(&p->clean);
	table_free(p->t);
	rules_free(p->rules);
	free(p->types);
	free(p->all_rules);
	free(p->text.include);
	free(p->text.exclude);
	free(p->text.cols);
	memset(p, 0, sizeof *p);
}
