#include "config.h"
#include "options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/model_file.h"

/* ---- the setters: each option's meaning, once ---- */

static int one_of(const char *text, const char *const *words, int *out, struct err *e)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(text, words[i]) == 0) {
			*out = i;
			return 0;
		}
	struct strbuf b = {0};
	for (int i = 0; words[i]; i++)
		strbuf_printf(&b, "%s%s", i ? (words[i + 1] ? ", " : " or ") : "", words[i]);
	err_set(e, "expected %s", b.s);
	strbuf_free(&b);
	return -1;
}

static int set_delimiter(const struct option_spec *s, struct option_target *t, const char *text, double n,
                         struct err *e)
{
	(void)s, (void)n;
	/* a word for the characters a shell or a Lua string makes awkward */
	static const char *const words[] = {"tab", "\\t", "\t", "space", "blank", " ", ",", ";", "|", NULL};
	static const char chars[] = {'\t', '\t', '\t', ' ', ' ', ' ', ',', ';', '|'};
	int i;
	if (one_of(text, words, &i, e))
		return err_set(e, "expected , ; | tab or space (blank: runs of blanks)");
	t->po->load.delimiter = chars[i];
	return 0;
}

static int set_decimal(const struct option_spec *s, struct option_target *t, const char *text, double n,
                       struct err *e)
{
	(void)s, (void)n;
	static const char *const words[] = {"point", "comma", ".", ",", NULL};
	int i;
	if (one_of(text, words, &i, e))
		return err_set(e, "expected point or comma");
	t->po->load.decimal = i % 2 ? ',' : '.';
	return 0;
}

static int set_header(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)s, (void)n;
	static const char *const words[] = {"yes", "no", "auto", NULL};
	static const enum csvin_header how[] = {CSVIN_HEADER_YES, CSVIN_HEADER_NO, CSVIN_HEADER_AUTO};
	int i;
	if (one_of(text, words, &i, e))
		return -1;
	t->po->load.header = how[i];
	return 0;
}

static int set_precision(const struct option_spec *s, struct option_target *t, const char *text, double n,
                         struct err *e)
{
	(void)s, (void)n;
	static const char *const words[] = {"auto", "fp32", "bf16", NULL};
	static const enum precision_choice how[] = {PRECISION_AUTO, PRECISION_ASK_FP32, PRECISION_ASK_BF16};
	int i;
	if (one_of(text, words, &i, e))
		return -1;
	t->learn->precision = how[i];
	return 0;
}

static int set_device(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)s, (void)n;
	if (device_parse(text, &t->learn->device))
		return err_set(e, "device \"%s\": expected cpu, cuda or cuda:N", text);
	return 0;
}

static int set_type(const struct option_spec *s, struct option_target *t, const char *text, double n,
                    struct err *e)
{
	(void)s, (void)n;
	struct csvin_type ty;
	if (csvin_parse_type(text, &ty, e))
		return -1;
	struct csvin_type *types = (struct csvin_type *)t->po->load.types;
	types = xrealloc(types, (t->po->load.ntypes + 1) * sizeof *types);
	types[t->po->load.ntypes++] = ty;
	t->po->load.types = types;
	return 0;
}

/* The load options that are one of two words, as a flag. */
static int set_either(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)n;
	static const struct {
		const char *name, *words[3];
	} choices[] = {{"ragged", {"error", "pad"}}, {"bad-utf8", {"error", "replace"}}, {"bad-number", {"error", "missing"}}};
	for (size_t c = 0; c < sizeof choices / sizeof *choices; c++) {
		if (strcmp(s->name, choices[c].name) != 0)
			continue;
		int i;
		if (one_of(text, choices[c].words, &i, e))
			return -1;
		bool *flag = c == 0 ? &t->po->load.ragged_pad : c == 1 ? &t->po->load.bad_utf8_replace
		                                                       : &t->po->load.bad_number_missing;
		*flag = i == 1;
		return 0;
	}
	return err_set(e, "no such choice");
}

static int set_text(const struct option_spec *s, struct option_target *t, const char *text, double n,
                    struct err *e)
{
	(void)n, (void)e;
	static const char *const names[] = {"time-format", "rules",     "machine",   "time",     "label",
	                                    "notes",       "group",     "init",      "checkpoint", "resume",
	                                    "augment-model", "augmenter", "synonyms", "config", "teacher", NULL};
	const char **to[] = {&t->po->load.time_format, &t->po->rules_path, &t->po->machine, &t->po->time,
	                     &t->po->label,            &t->po->notes,      &t->po->split.group, &t->learn->init,
	                     &t->learn->checkpoint,    &t->learn->resume,  &t->aug->model,  &t->aug->augmenter,
	                     &t->aug->synonyms,        &t->learn->config, &t->learn->teacher};
	for (int i = 0; names[i]; i++)
		if (strcmp(s->name, names[i]) == 0) {
			*to[i] = text;
			return 0;
		}
	return err_set(e, "no such option");
}

static int set_word(const struct option_spec *s, struct option_target *t, const char *text, double n,
                    struct err *e)
{
	(void)n;
	static const char *const langs[] = {"en", "zh", NULL}, *const binnings[] = {"quantile", "zscore", NULL};
	bool lang = strcmp(s->name, "lang") == 0;
	int i;
	if (one_of(text, lang ? langs : binnings, &i, e))
		return -1;
	*(lang ? &t->po->lang : &t->po->binning) = (lang ? langs : binnings)[i];
	return 0;
}

static int set_rule(const struct option_spec *s, struct option_target *t, const char *text, double n,
                    struct err *e)
{
	(void)n;
	struct pipeline_opts *po = t->po;
	po->rules = xrealloc(po->rules, (po->nrules + 1) * sizeof *po->rules);
	if (clean_rule_parse(s->name, text, &po->rules[po->nrules], e))
		return -1;
	po->nrules++;
	return 0;
}

static int set_levels(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)s, (void)n;
	struct pipeline_opts *po = t->po;
	if (!strchr(text, '=')) {
		if (strcmp(text, "3") && strcmp(text, "5") && strcmp(text, "7"))
			return err_set(e, "expected 3, 5 or 7 (words per numeric fact) or COLUMN=a,b,c,d (thresholds)");
		po->level_words = atoi(text);
		return 0;
	}
	struct text_column tc;
	if (textualize_parse_levels(text, &tc, e))
		return -1;
	po->levels = xrealloc(po->levels, (po->nlevels + 1) * sizeof *po->levels);
	po->levels[po->nlevels++] = tc;
	return 0;
}

static int set_column_list(const struct option_spec *s, struct option_target *t, const char *text, double n,
                           struct err *e)
{
	(void)n, (void)e;
	bool include = strcmp(s->name, "include") == 0;
	char ***list = include ? &t->po->include : &t->po->exclude;
	size_t *count = include ? &t->po->ninclude : &t->po->nexclude;
	*list = xrealloc(*list, (*count + 1) * sizeof **list);
	(*list)[(*count)++] = (char *)text;
	return 0;
}

static int set_split(const struct option_spec *s, struct option_target *t, const char *text, double n,
                     struct err *e)
{
	(void)s, (void)n;
	if (split_parse_method(text, &t->po->split.method, e))
		return -1;
	t->po->split_set = true;
	return 0;
}

static int set_ratios(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)s, (void)n;
	return split_parse_ratios(text, t->po->split.frac, e);
}

static int set_methods(const struct option_spec *s, struct option_target *t, const char *text, double n,
                       struct err *e)
{
	(void)s, (void)n;
	return augment_parse_methods(text, &t->aug->methods, e);
}

static int set_strength(const struct option_spec *s, struct option_target *t, const char *text, double n,
                        struct err *e)
{
	(void)s, (void)n;
	return augment_parse_strength(text, t->aug, e);
}

/* Whole numbers and numbers: where each goes. */
static int set_number(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)text;
	struct pipeline_opts *po = t->po;
	struct learn_opts *lo = t->learn;
	const char *name = s->name;
	if (strcmp(name, "window") == 0) {
		if (n == 1)
			return err_set(e, "expected 0 (none) or a number of readings from 2");
		po->window = (long)n;
	} else if (strcmp(name, "max-field") == 0) {
		po->load.max_field = (size_t)n;
	} else if (strcmp(name, "lua-limit") == 0) {
		po->lua_limit = (long)n;
	} else if (strcmp(name, "value-bins") == 0) {
		po->value_bins = (int)n;
	} else if (strcmp(name, "seed") == 0) {
		po->split.seed = (uint64_t)n;
		lo->seed = (uint64_t)n;
		t->aug->seed = (uint64_t)n;
	} else if (strcmp(name, "n") == 0) {
		t->aug->n = (int)n;
	} else if (strcmp(name, "lr") == 0) {
		lo->lr = (float)n;
	} else if (strcmp(name, "weight-decay") == 0) {
		lo->weight_decay = (float)n;
	} else if (strcmp(name, "dropout") == 0) {
		lo->dropout = (float)n;
	} else if (strcmp(name, "distill-weight") == 0) {
		lo->distill_weight = (float)n;
	} else if (strcmp(name, "distill-temperature") == 0) {
		lo->distill_temperature = (float)n;
	} else if (strcmp(name, "stop-after") == 0) {
		lo->stop_after = (long)n;
	} else {
		static const char *const ints[] = {"epochs", "batch", "accumulate", "vocab", "max-seq",
		                                   "patience", "ensemble", "threads", "lora", NULL};
		int *to[] = {&lo->epochs, &lo->batch, &lo->accumulate, &lo->vocab_size, &lo->max_seq,
		             &lo->patience, &lo->ensemble, &lo->threads, &lo->lora_rank};
		int i;
		if (one_of(name, ints, &i, e))
			return err_set(e, "no such option");
		/* More threads than processors only make them take turns; four
		 * times as many is allowed for machines that report fewer. */
		if (to[i] == &lo->threads && n > learn_max_threads())
			return err_set(e, "expected 1 to %d (4 per processor)", learn_max_threads());
		*to[i] = (int)n;
	}
	return 0;
}

static int set_flag(const struct option_spec *s, struct option_target *t, const char *text, double n,
                    struct err *e)
{
	(void)text, (void)n;
	const char *name = s->name;
	if (strcmp(name, "no-clock") == 0)
		t->po->no_clock = true;
	else if (strcmp(name, "force") == 0)
		t->po->force_row_split = true;
	else if (strcmp(name, "no-rules") == 0)
		t->po->no_rules = true;
	else if (strcmp(name, "no-class-weights") == 0)
		t->learn->class_weights = false;
	else if (strcmp(name, "values") == 0 || strcmp(name, "no-values") == 0)
		t->learn->values = name[0] == 'v' ? 1 : 0;
	else if (strcmp(name, "stack") == 0 || strcmp(name, "no-stack") == 0)
		t->learn->stack = name[0] == 's';
	else if (strcmp(name, "augment-all") == 0)
		t->aug->all_classes = true;
	else
		return err_set(e, "no such option");
	return 0;
}

static int set_neighbors(const struct option_spec *s, struct option_target *t, const char *text, double n,
                         struct err *e)
{
	(void)s, (void)text, (void)e;
	t->diag->neighbors = (size_t)n;
	return 0;
}

static int set_uncertain(const struct option_spec *s, struct option_target *t, const char *text, double n,
                         struct err *e)
{
	(void)s, (void)text, (void)e;
	t->diag->uncertain = n;
	return 0;
}

static int set_cost_miss(const struct option_spec *s, struct option_target *t, const char *text, double n,
                         struct err *e)
{
	(void)s, (void)text, (void)e;
	t->diag->cost_miss = n;
	return 0;
}

static int set_cost_false_alarm(const struct option_spec *s, struct option_target *t, const char *text, double n,
                                struct err *e)
{
	(void)s, (void)text, (void)e;
	t->diag->cost_false_alarm = n;
	return 0;
}

static int set_advice(const struct option_spec *s, struct option_target *t, const char *text, double n,
                      struct err *e)
{
	(void)s, (void)n, (void)e;
	struct diagnose_opts *d = t->diag;
	d->advice_files = xrealloc(d->advice_files, (d->nadvice_files + 1) * sizeof *d->advice_files);
	d->advice_files[d->nadvice_files++] = text;
	return 0;
}

static int set_diagnose_flag(const struct option_spec *s, struct option_target *t, const char *text, double n,
                             struct err *e)
{
	(void)text, (void)n, (void)e;
	if (strcmp(s->name, "no-advice") == 0)
		t->diag->no_advice = true;
	else
		t->diag->no_evidence = true;
	return 0;
}

#define LOAD OPTION_G_LOAD
#define RULES OPTION_G_RULES
#define TEXT OPTION_G_TEXT
#define TRAIN OPTION_G_TRAIN
#define AUG OPTION_G_AUGMENT
#define RULE(name, kind, arg, help) {name, NULL, false, true, RULES, kind, 0, 0, arg, help, set_rule}

const struct option_spec option_specs[] = {
	{"delimiter", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "C", "field separator: , ; | tab or space (runs of blanks); default: sniffed", set_delimiter},
	{"decimal", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "point|comma", "decimal separator; default: sniffed", set_decimal},
	{"header", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "yes|no|auto", "whether the first row names the columns", set_header},
	{"type", "types", false, true, LOAD, OPTION_TEXT, 0, 0, "COL=TYPE", "force a column's type: number, string or time", set_type},
	{"time-format", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "FMT", "strptime(3) format of timestamps, e.g. '%d/%m/%Y %H:%M'", set_text},
	{"ragged", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "error|pad", "rows with the wrong number of fields: fail, or pad/cut them", set_either},
	{"bad-utf8", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "error|replace", "invalid UTF-8: fail, or replace with U+FFFD", set_either},
	{"bad-number", NULL, false, false, LOAD, OPTION_TEXT, 0, 0, "error|missing", "text in a numeric column: fail, or make it missing", set_either},
	{"max-field", NULL, false, false, LOAD, OPTION_INT, 1, 1 << 30, "BYTES", "longest field accepted (default 1048576)", set_number},
	{"rules", NULL, false, false, RULES, OPTION_TEXT, 0, 0, "FILE.lua", "Lua rules script: clean(), label(), textualize() and settings", set_text},
	{"lua-limit", NULL, false, false, RULES, OPTION_INT, 1000, 1e12, "N", "instructions allowed per Lua call (default 10000000)", set_number},
	{"machine", NULL, false, false, RULES, OPTION_TEXT, 0, 0, "COL", "machine id column, for per-machine rules and windows", set_text},
	{"time", NULL, false, false, RULES, OPTION_TEXT, 0, 0, "COL", "time column (default: the first timestamp column)", set_text},
	{"label", NULL, false, false, RULES, OPTION_TEXT, 0, 0, "COL", "label column", set_text},
	RULE("drop-missing", OPTION_MAYBE, "COLS", "drop rows with a missing value (in COLS, comma-separated)"),
	RULE("fill", OPTION_TEXT, "COL=HOW", "fill missing values: ffill (per machine), mean, median or a VALUE; COL * = all"),
	RULE("limits", OPTION_TEXT, "COL=MIN:MAX[:ACT]", "values outside physical limits: clip (default), drop or missing"),
	RULE("outliers", OPTION_TEXT, "COL=zscore|iqr[:K][:ACT]", "outliers beyond K (3 sd / 1.5 IQR): drop (default), clip or missing"),
	RULE("dedup", OPTION_FLAG, "", "drop duplicate rows"),
	RULE("dedup-time", OPTION_FLAG, "", "drop repeated timestamps per machine"),
	RULE("sort-time", OPTION_FLAG, "", "sort rows by time (stable)"),
	RULE("rename", OPTION_TEXT, "OLD=NEW", "rename a column"),
	RULE("convert", OPTION_TEXT, "COL=FROM:TO", "convert units: K, C, F"),
	{"lang", NULL, false, false, TEXT, OPTION_TEXT, 0, 0, "en|zh", "wording pack of the facts", set_word},
	{"binning", NULL, false, false, TEXT, OPTION_TEXT, 0, 0, "quantile|zscore", "how levels are cut (fitted on the training split)", set_word},
	{"levels", NULL, false, true, TEXT, OPTION_TEXT, 0, 0, "K|COL=a,b,c,d", "words per numeric fact: 3, 5 (default) or 7 levels; or a column's fixed thresholds: very low < a <= low < b <= normal <= c < high <= d < very high (2 or 6 of them for 3 or 7 levels)", set_levels},
	{"window", NULL, false, false, TEXT, OPTION_INT, 0, 100000, "N", "trend facts over the last N readings per machine (0 = none)", set_number},
	{"no-clock", "clock", true, false, TEXT, OPTION_FLAG, 0, 0, "", "no time-of-day or weekday facts from the timestamps", set_flag},
	{"value-bins", NULL, false, false, TEXT, OPTION_INT, 0, TEXT_MAX_VALUE_BINS, "N", "piecewise-linear bins per reading for the model, at most (0 = z-score only; default: by the data, 8-64)", set_number},
	{"notes", NULL, false, false, TEXT, OPTION_TEXT, 0, 0, "COL", "free-text column appended to each text", set_text},
	{"include", NULL, false, true, TEXT, OPTION_TEXT, 0, 0, "COL", "make facts of this column (repeat; default: automatic)", set_column_list},
	{"exclude", NULL, false, true, TEXT, OPTION_TEXT, 0, 0, "COL", "never make facts of this column (repeat)", set_column_list},
	{"split", "method", false, false, TEXT, OPTION_TEXT, 0, 0, "HOW", "random, stratified, group or time; default: by machine or time for a time-ordered log, else stratified with a label", set_split},
	{"force", NULL, false, false, TEXT, OPTION_FLAG, 0, 0, "", "allow a random or stratified row split of a time-ordered log", set_flag},
	{"ratios", NULL, false, false, TEXT, OPTION_TEXT, 0, 0, "T,D,E", "train, dev, test shares (default 0.8,0.1,0.1)", set_ratios},
	{"seed", NULL, false, false, TEXT, OPTION_INT, 0, 9007199254740992.0, "N", "random seed of the split, the training and augmentation (default 42)", set_number},
	{"group", NULL, false, false, TEXT, OPTION_TEXT, 0, 0, "COL", "group column of --split group (default: --machine)", set_text},
	{"config", NULL, false, false, OPTION_G_MODEL, OPTION_TEXT, 0, 0, "NAME", "model shape: tiny, small, or a FILE.json/.lua (default tiny)", set_text},
	{"threads", NULL, false, false, OPTION_G_MODEL, OPTION_INT, 1, 1e9, "N", "threads for the matrix products (default: one per processor, at most 16)", set_number},
	{"precision", NULL, false, false, OPTION_G_MODEL, OPTION_TEXT, 0, 0, "auto|fp32|bf16", "matrix products in bf16 with fp32 accumulation where the processor has AMX-BF16 or AVX512-BF16 (auto, the default), or fp32", set_precision},
	{"device", NULL, false, false, OPTION_G_DEVICE, OPTION_TEXT, 0, 0, "cpu|cuda[:N]", "where the model runs: the CPU (default) or GPU N", set_device},
	{"epochs", NULL, false, false, TRAIN, OPTION_INT, 0, 1000000, "N", "passes over the training rows at most (default: about 4 million tokens' worth, 3 to 20)", set_number},
	{"batch", NULL, false, false, TRAIN | OPTION_G_BENCH, OPTION_INT, 1, 1000000, "N", "sequences per step (default 32)", set_number},
	{"accumulate", NULL, false, false, TRAIN, OPTION_INT, 1, 1024, "N", "add up N batches' gradients per optimizer step (default 1)", set_number},
	{"lr", NULL, false, false, TRAIN, OPTION_REAL, 1e-9, 10, "X", "peak learning rate, after a linear warm-up over 10% (default 0.001)", set_number},
	{"vocab", NULL, false, false, TRAIN, OPTION_INT, 150, 1000000, "N", "WordPiece vocabulary size (default 1000)", set_number},
	{"max-seq", NULL, false, false, TRAIN, OPTION_INT, 4, 1000000, "N", "tokens per text at most (default: the longest training text)", set_number},
	{"patience", NULL, false, false, TRAIN, OPTION_INT, 1, 1000000, "N", "stop after N epochs without a better dev macro-F1 (default 8)", set_number},
	{"no-class-weights", "class_weights", true, false, TRAIN, OPTION_FLAG, 0, 0, "", "weigh every row alike (default: classes by inverse frequency)", set_flag},
	{"values", NULL, false, false, TRAIN, OPTION_FLAG, 0, 0, "", "value-aware facts: each numeric fact's tokens also carry its reading", set_flag},
	{"no-values", "values", true, false, TRAIN, OPTION_FLAG, 0, 0, "", "words only, no readings", set_flag},
	{"weight-decay", NULL, false, false, TRAIN, OPTION_REAL, 0, 0.99, "X", "AdamW's decoupled weight decay (default 0.01)", set_number},
	{"dropout", NULL, false, false, TRAIN, OPTION_REAL, 0, 0.99, "X", "dropout rate (default: the config's, 0.1)", set_number},
	{"stack", NULL, false, false, TRAIN, OPTION_FLAG, 0, 0, "", "diagnose with a blend of the encoder and the trees, weighted on dev (default)", set_flag},
	{"no-stack", "stack", true, false, TRAIN, OPTION_FLAG, 0, 0, "", "diagnose with the encoder alone (the trees still referee)", set_flag},
	{"ensemble", NULL, false, false, TRAIN, OPTION_INT, 1, MODEL_FILE_MAX_ENSEMBLE, "N", "train N encoders from N seeds into one model, their probabilities averaged (default 1)", set_number},
	{"init", NULL, false, false, TRAIN, OPTION_TEXT, 0, 0, "MODEL", "start from a pretrained model (its vocabulary and encoder)", set_text},
	{"teacher", NULL, false, false, OPTION_G_DISTILL, OPTION_TEXT, 0, 0, "MODEL", "distil: learn a trained classifier's probabilities as well as the labels, keeping its vocabulary", set_text},
	{"lora", NULL, false, false, OPTION_G_DISTILL, OPTION_INT, 1, 1024, "R", "with --init: train low-rank adapters of rank R and the head only; write an adapter file on top of the pretrained model", set_number},
	{"distill-weight", NULL, false, false, OPTION_G_DISTILL, OPTION_REAL, 0, 1, "X", "the teacher's share of the loss, the labels' being the rest (default 0.5)", set_number},
	{"distill-temperature", NULL, false, false, OPTION_G_DISTILL, OPTION_REAL, 0.1, 100, "T", "the temperature that softens the teacher's probabilities and the student's (default 2)", set_number},
	{"checkpoint", NULL, false, false, TRAIN, OPTION_TEXT, 0, 0, "FILE", "where Ctrl-C or --stop-after saves the run (default: OUT.ckpt)", set_text},
	{"resume", NULL, false, false, TRAIN, OPTION_TEXT, 0, 0, "FILE", "continue a checkpointed run (same data and options)", set_text},
	{"stop-after", NULL, false, false, TRAIN, OPTION_INT, 1, 1e15, "N", "stop after N steps, saving a checkpoint", set_number},
	{"augment", NULL, false, false, AUG, OPTION_TEXT, 0, 0, "METHODS", "augment the training split: synonym,swap,delete,insert,jitter,infill,oversample,lua or all", set_methods},
	{"methods", NULL, false, false, AUG, OPTION_TEXT, 0, 0, "METHODS", "the same as --augment", set_methods},
	{"strength", NULL, false, true, AUG, OPTION_TEXT, 0, 0, "METHOD=X", "a method's strength (repeat; see lathe(1) for each default)", set_strength},
	{"n", NULL, false, false, AUG, OPTION_INT, 1, 1000, "N", "variants per sample and method (default 1)", set_number},
	{"augment-all", "all_classes", false, false, AUG, OPTION_FLAG, 0, 0, "", "vary every class (default: all but the most frequent)", set_flag},
	{"augment-model", NULL, false, false, AUG, OPTION_TEXT, 0, 0, "MODEL", "pretrained model that fills masked facts (infill)", set_text},
	{"augmenter", NULL, false, false, AUG, OPTION_TEXT, 0, 0, "FILE.lua", "Lua file with augment(sample, rng) (lua; default: the rules script's)", set_text},
	{"synonyms", NULL, false, false, AUG, OPTION_TEXT, 0, 0, "FILE.lua", "synonym table (default: the shipped one of the wording)", set_text},
	{"no-rules", NULL, false, false, OPTION_G_APPLY, OPTION_FLAG, 0, 0, "", "apply the model without the rules script it carries", set_flag},
	{"neighbors", NULL, false, false, OPTION_G_DIAGNOSE, OPTION_INT, 0, 1000, "K", "similar past cases to show (default 5; 0 = none)", set_neighbors},
	{"advice", NULL, false, true, OPTION_G_DIAGNOSE, OPTION_TEXT, 0, 0, "FILE.lua", "recommendations: a Lua list of entries, before the shipped lua/lathe/advice.lua (repeat)", set_advice},
	{"no-advice", NULL, false, false, OPTION_G_DIAGNOSE, OPTION_FLAG, 0, 0, "", "no recommendations, not even the shipped ones", set_diagnose_flag},
	{"no-evidence", NULL, false, false, OPTION_G_DIAGNOSE, OPTION_FLAG, 0, 0, "", "no evidence: a --data run over many rows is many times faster", set_diagnose_flag},
	{"uncertain", NULL, false, false, OPTION_G_COST, OPTION_REAL, 0, 1, "P", "call a diagnosis uncertain below this calibrated probability (default 0.5)", set_uncertain},
	{"cost-miss", NULL, false, false, OPTION_G_COST, OPTION_REAL, 1e-9, 1e12, "X", "cost of a missed failure, for the alert threshold (default 10)", set_cost_miss},
	{"cost-false-alarm", NULL, false, false, OPTION_G_COST, OPTION_REAL, 1e-9, 1e12, "X", "cost of a false alarm, for the alert threshold (default 1)", set_cost_false_alarm},
};

const size_t option_count = sizeof option_specs / sizeof *option_specs;

const struct option_spec *option_find(const char *name)
{
	for (size_t i = 0; i < option_count; i++)
		if (strcmp(option_specs[i].name, name) == 0)
			return &option_specs[i];
	return NULL;
}

int option_set(const struct option_spec *s, struct option_target *t, const char *text, struct err *e)
{
	double number = 0;
	if (s->kind == OPTION_INT || s->kind == OPTION_REAL) {
		char *end;
		number = text ? strtod(text, &end) : NAN;
		bool whole = number == floor(number);
		if (!text || end == text || *end || !(number >= s->min && number <= s->max) ||
		    (s->kind == OPTION_INT && !whole)) {
			if (s->kind == OPTION_INT)
				return err_set(e, "expected a whole number from %.15g to %.15g", s->min, s->max);
			return err_set(e, "expected a number from %g to %g", s->min, s->max);
		}
	} else if (s->kind == OPTION_TEXT && !text) {
		return err_set(e, "a value is needed");
	}
	return s->set(s, t, text, number, e);
}
