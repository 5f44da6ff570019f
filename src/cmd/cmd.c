#include "config.h"
#include "cmd.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "base/datadir.h"
#include "base/fileio.h"
#include "base/termsafe.h"
#include "base/utf8.h"

static const struct cmd *const cmd_table[] = {
	&cmd_augment, &cmd_bench, &cmd_clean, &cmd_diagnose, &cmd_eval, &cmd_export, &cmd_info, &cmd_pretrain, &cmd_run, &cmd_textualize, &cmd_train, &cmd_workbench, NULL,
};

enum {
	OPT_DELIMITER = 256, OPT_DECIMAL, OPT_HEADER, OPT_TYPE, OPT_TIME_FORMAT, OPT_RAGGED, OPT_BAD_UTF8,
	OPT_BAD_NUMBER, OPT_MAX_FIELD,
	OPT_RULES, OPT_LUA_LIMIT, OPT_MACHINE, OPT_TIME, OPT_LABEL, OPT_RULE,
	OPT_LANG, OPT_BINNING, OPT_LEVELS, OPT_WINDOW, OPT_VALUE_BINS, OPT_NO_CLOCK, OPT_NOTES, OPT_INCLUDE, OPT_EXCLUDE, OPT_SPLIT, OPT_RATIOS,
	OPT_SEED, OPT_GROUP,
	OPT_REPORT, OPT_JSON,
	OPT_CONFIG, OPT_THREADS, OPT_STEPS, OPT_WARMUP,
	OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_VOCAB, OPT_MAX_SEQ, OPT_PATIENCE, OPT_NO_CLASS_WEIGHTS,
	OPT_VALUES, OPT_NO_VALUES, OPT_WEIGHT_DECAY,
	OPT_AUGMENT, OPT_STRENGTH, OPT_VARIANTS, OPT_AUGMENT_MODEL, OPT_AUGMENTER, OPT_SYNONYMS, OPT_AUGMENT_ALL,
	OPT_PREVIEW,
	OPT_DROPOUT, OPT_FORCE, OPT_DATA, OPT_ROW, OPT_INIT, OPT_CHECKPOINT, OPT_RESUME, OPT_STOP_AFTER, OPT_HF, OPT_ACCUMULATE,
	OPT_NO_RULES, OPT_SCRIPT, OPT_STACK, OPT_NO_STACK, OPT_ENSEMBLE,
};

/* One row per option: getopt's entry, its argument name and help. */
struct cmd_opt {
	unsigned group;
	struct option opt;
	const char *arg;
	const char *help;
};

#define RULE_OPT(name, has, arg, help) \
	{CMD_G_RULES, {name, has, NULL, OPT_RULE}, arg, help}

static const struct cmd_opt cmd_opts[] = {
	{CMD_G_LOAD, {"delimiter", required_argument, NULL, OPT_DELIMITER}, "C", "field separator: , ; tab | or space (runs of blanks); default: sniffed"},
	{CMD_G_LOAD, {"decimal", required_argument, NULL, OPT_DECIMAL}, "point|comma", "decimal separator; default: sniffed"},
	{CMD_G_LOAD, {"header", required_argument, NULL, OPT_HEADER}, "yes|no|auto", "whether the first row names the columns"},
	{CMD_G_LOAD, {"type", required_argument, NULL, OPT_TYPE}, "COL=TYPE", "force a column's type: number, string or time"},
	{CMD_G_LOAD, {"time-format", required_argument, NULL, OPT_TIME_FORMAT}, "FMT", "strptime(3) format of timestamps, e.g. '%d/%m/%Y %H:%M'"},
	{CMD_G_LOAD, {"ragged", required_argument, NULL, OPT_RAGGED}, "error|pad", "rows with the wrong number of fields: fail, or pad/cut them"},
	{CMD_G_LOAD, {"bad-utf8", required_argument, NULL, OPT_BAD_UTF8}, "error|replace", "invalid UTF-8: fail, or replace with U+FFFD"},
	{CMD_G_LOAD, {"bad-number", required_argument, NULL, OPT_BAD_NUMBER}, "error|missing", "text in a numeric column: fail, or make it missing"},
	{CMD_G_LOAD, {"max-field", required_argument, NULL, OPT_MAX_FIELD}, "BYTES", "longest field accepted (default 1048576)"},
	{CMD_G_RULES, {"rules", required_argument, NULL, OPT_RULES}, "FILE.lua", "Lua rules script: clean(), label(), textualize() and settings"},
	{CMD_G_RULES, {"lua-limit", required_argument, NULL, OPT_LUA_LIMIT}, "N", "instructions allowed per Lua call (default 10000000)"},
	{CMD_G_RULES, {"machine", required_argument, NULL, OPT_MACHINE}, "COL", "machine id column, for per-machine rules and windows"},
	{CMD_G_RULES, {"time", required_argument, NULL, OPT_TIME}, "COL", "time column (default: the first timestamp column)"},
	{CMD_G_RULES, {"label", required_argument, NULL, OPT_LABEL}, "COL", "label column"},
	RULE_OPT("drop-missing", optional_argument, "COLS", "drop rows with a missing value (in COLS, comma-separated)"),
	RULE_OPT("fill", required_argument, "COL=HOW", "fill missing values: ffill (per machine), mean, median or a VALUE; COL * = all"),
	RULE_OPT("limits", required_argument, "COL=MIN:MAX[:ACT]", "values outside physical limits: clip (default), drop or missing"),
	RULE_OPT("outliers", required_argument, "COL=zscore|iqr[:K][:ACT]", "outliers beyond K (3 sd / 1.5 IQR): drop (default), clip or missing"),
	RULE_OPT("dedup", no_argument, "", "drop duplicate rows"),
	RULE_OPT("dedup-time", no_argument, "", "drop repeated timestamps per machine"),
	RULE_OPT("sort-time", no_argument, "", "sort rows by time (stable)"),
	RULE_OPT("rename", required_argument, "OLD=NEW", "rename a column"),
	RULE_OPT("convert", required_argument, "COL=FROM:TO", "convert units: K, C, F"),
	{CMD_G_TEXT, {"lang", required_argument, NULL, OPT_LANG}, "en|zh", "wording pack of the facts"},
	{CMD_G_TEXT, {"binning", required_argument, NULL, OPT_BINNING}, "quantile|zscore", "how levels are cut (fitted on the training split)"},
	{CMD_G_TEXT, {"levels", required_argument, NULL, OPT_LEVELS}, "K|COL=a,b,c,d", "words per numeric fact: 3, 5 (default) or 7 levels; or a column's fixed thresholds: very low < a <= low < b <= normal <= c < high <= d < very high (2 or 6 of them for 3 or 7 levels)"},
	{CMD_G_TEXT, {"window", required_argument, NULL, OPT_WINDOW}, "N", "trend facts over the last N readings per machine (0 = none)"},
	{CMD_G_TEXT, {"no-clock", no_argument, NULL, OPT_NO_CLOCK}, "", "no time-of-day or weekday facts from the timestamps"},
	{CMD_G_TEXT, {"value-bins", required_argument, NULL, OPT_VALUE_BINS}, "N", "piecewise-linear bins per reading for the model, at most (0 = z-score only; default: by the data, 8-64)"},
	{CMD_G_TEXT, {"notes", required_argument, NULL, OPT_NOTES}, "COL", "free-text column appended to each text"},
	{CMD_G_TEXT, {"include", required_argument, NULL, OPT_INCLUDE}, "COL", "make facts of this column (repeat; default: automatic)"},
	{CMD_G_TEXT, {"exclude", required_argument, NULL, OPT_EXCLUDE}, "COL", "never make facts of this column (repeat)"},
	{CMD_G_TEXT, {"split", required_argument, NULL, OPT_SPLIT}, "HOW", "random, stratified, group or time; default: by machine or time for a time-ordered log, else stratified with a label"},
	{CMD_G_TEXT, {"force", no_argument, NULL, OPT_FORCE}, "", "allow a random or stratified row split of a time-ordered log"},
	{CMD_G_TEXT, {"ratios", required_argument, NULL, OPT_RATIOS}, "T,D,E", "train, dev, test shares (default 0.8,0.1,0.1)"},
	{CMD_G_TEXT, {"seed", required_argument, NULL, OPT_SEED}, "N", "random seed of the split (default 42)"},
	{CMD_G_TEXT, {"group", required_argument, NULL, OPT_GROUP}, "COL", "group column of --split group (default: --machine)"},
	{CMD_G_OUT, {"output", required_argument, NULL, 'o'}, "FILE", "write here (atomically) instead of standard output"},
	{CMD_G_OUT, {"report", no_argument, NULL, OPT_REPORT}, "", "print the cleaning report on standard error"},
	{CMD_G_OUT, {"json", no_argument, NULL, OPT_JSON}, "", "machine-readable output"},
	{CMD_G_MODEL, {"config", required_argument, NULL, OPT_CONFIG}, "NAME", "model shape: tiny, small, or a FILE.json/.lua (default tiny)"},
	{CMD_G_MODEL, {"threads", required_argument, NULL, OPT_THREADS}, "N", "threads for the matrix products (default: the processors, for bench 1)"},
	{CMD_G_BENCH, {"steps", required_argument, NULL, OPT_STEPS}, "N", "timed steps (default: tiny 50, small 15; infer 4x)"},
	{CMD_G_BENCH, {"warmup", required_argument, NULL, OPT_WARMUP}, "N", "untimed steps first (default 5)"},
	{CMD_G_TRAIN, {"epochs", required_argument, NULL, OPT_EPOCHS}, "N", "passes over the training rows at most (default: about 4 million tokens' worth, 3 to 20)"},
	{CMD_G_TRAIN, {"batch", required_argument, NULL, OPT_BATCH}, "N", "sequences per step (default 32)"},
	{CMD_G_TRAIN, {"accumulate", required_argument, NULL, OPT_ACCUMULATE}, "N", "add up N batches' gradients per optimizer step (default 1)"},
	{CMD_G_TRAIN, {"lr", required_argument, NULL, OPT_LR}, "X", "peak learning rate, after a linear warm-up over 10% (default 0.001)"},
	{CMD_G_TRAIN, {"vocab", required_argument, NULL, OPT_VOCAB}, "N", "WordPiece vocabulary size (default 1000)"},
	{CMD_G_TRAIN, {"max-seq", required_argument, NULL, OPT_MAX_SEQ}, "N", "tokens per text at most (default: the longest training text)"},
	{CMD_G_TRAIN, {"patience", required_argument, NULL, OPT_PATIENCE}, "N", "stop after N epochs without a better dev macro-F1 (default 8)"},
	{CMD_G_TRAIN, {"no-class-weights", no_argument, NULL, OPT_NO_CLASS_WEIGHTS}, "", "weigh every row alike (default: classes by inverse frequency)"},
	{CMD_G_TRAIN, {"values", no_argument, NULL, OPT_VALUES}, "", "value-aware facts: each numeric fact's tokens also carry its reading"},
	{CMD_G_TRAIN, {"no-values", no_argument, NULL, OPT_NO_VALUES}, "", "words only, no readings"},
	{CMD_G_TRAIN, {"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY}, "X", "AdamW's decoupled weight decay (default 0.01)"},
	{CMD_G_TRAIN, {"dropout", required_argument, NULL, OPT_DROPOUT}, "X", "dropout rate (default: the config's, 0.1)"},
	{CMD_G_TRAIN, {"stack", no_argument, NULL, OPT_STACK}, "", "diagnose with a blend of the encoder and the trees, weighted on dev (default)"},
	{CMD_G_TRAIN, {"no-stack", no_argument, NULL, OPT_NO_STACK}, "", "diagnose with the encoder alone (the trees still referee)"},
	{CMD_G_TRAIN, {"ensemble", required_argument, NULL, OPT_ENSEMBLE}, "N", "train N encoders from N seeds into one model, their probabilities averaged (default 1)"},
	{CMD_G_TRAIN, {"init", required_argument, NULL, OPT_INIT}, "MODEL", "start from a pretrained model (its vocabulary and encoder)"},
	{CMD_G_TRAIN, {"checkpoint", required_argument, NULL, OPT_CHECKPOINT}, "FILE", "where Ctrl-C or --stop-after saves the run (default: OUT.ckpt)"},
	{CMD_G_TRAIN, {"resume", required_argument, NULL, OPT_RESUME}, "FILE", "continue a checkpointed run (same data and options)"},
	{CMD_G_TRAIN, {"stop-after", required_argument, NULL, OPT_STOP_AFTER}, "N", "stop after N steps, saving a checkpoint"},
	{CMD_G_AUGMENT, {"augment", required_argument, NULL, OPT_AUGMENT}, "METHODS", "augment the training split: synonym,swap,delete,insert,jitter,infill,oversample,lua or all"},
	{CMD_G_AUGMENT, {"methods", required_argument, NULL, OPT_AUGMENT}, "METHODS", "the same as --augment"},
	{CMD_G_AUGMENT, {"strength", required_argument, NULL, OPT_STRENGTH}, "METHOD=X", "a method's strength (repeat; see lathe(1) for each default)"},
	{CMD_G_AUGMENT, {"n", required_argument, NULL, OPT_VARIANTS}, "N", "variants per sample and method (default 1)"},
	{CMD_G_AUGMENT, {"augment-all", no_argument, NULL, OPT_AUGMENT_ALL}, "", "vary every class (default: all but the most frequent)"},
	{CMD_G_AUGMENT, {"augment-model", required_argument, NULL, OPT_AUGMENT_MODEL}, "MODEL", "pretrained model that fills masked facts (infill)"},
	{CMD_G_AUGMENT, {"augmenter", required_argument, NULL, OPT_AUGMENTER}, "FILE.lua", "Lua file with augment(sample, rng) (lua; default: the rules script's)"},
	{CMD_G_AUGMENT, {"synonyms", required_argument, NULL, OPT_SYNONYMS}, "FILE.lua", "synonym table (default: the shipped one of the wording)"},
	{CMD_G_PREVIEW, {"preview", required_argument, NULL, OPT_PREVIEW}, "K", "print K training samples beside their variants instead"},
	{CMD_G_DIAGNOSE, {"data", required_argument, NULL, OPT_DATA}, "FILE.csv", "diagnose every row of a CSV file"},
	{CMD_G_DIAGNOSE, {"row", required_argument, NULL, OPT_ROW}, "N", "only data row N of --data"},
	{CMD_G_APPLY, {"no-rules", no_argument, NULL, OPT_NO_RULES}, "", "apply the model without the rules script it carries"},
	{CMD_G_INFO, {"script", no_argument, NULL, OPT_SCRIPT}, "", "of a model file: print only the rules script it carries"},
	{CMD_G_EXPORT, {"hf", required_argument, NULL, OPT_HF}, "DIR", "write config.json, model.safetensors and vocab.txt for transformers"},
	{0, {"help", no_argument, NULL, 'h'}, "", "show this help"},
};

#define N_OPTS (sizeof cmd_opts / sizeof *cmd_opts)

static void print_help(FILE *fp, const struct cmd *cmd)
{
	fprintf(fp, "Usage: lathe %s [OPTIONS] %s\n%s\n", cmd->name, cmd->args, cmd->summary);
	static const struct {
		unsigned group;
		const char *title;
	} titles[] = {{CMD_G_LOAD, "Reading the CSV"}, {CMD_G_RULES, "Cleaning"}, {CMD_G_TEXT, "Text and splits"},
	              {CMD_G_OUT, "Output"}, {CMD_G_MODEL, "Model"}, {CMD_G_TRAIN, "Training"},
	              {CMD_G_AUGMENT, "Augmentation"}, {CMD_G_PREVIEW, "Preview"},
	              {CMD_G_DIAGNOSE, "Diagnosis"}, {CMD_G_APPLY, "Applying a model"},
	              {CMD_G_INFO, "Model files"}, {CMD_G_EXPORT, "Export"}, {CMD_G_BENCH, "Model benchmarks"},
	              {0, "Other"}};
	for (size_t g = 0; g < sizeof titles / sizeof *titles; g++) {
		if (titles[g].group && !(cmd->groups & titles[g].group))
			continue;
		fprintf(fp, "\n%s:\n", titles[g].title);
		for (size_t i = 0; i < N_OPTS; i++) {
			if (cmd_opts[i].group != titles[g].group)
				continue;
			char left[80];
			const struct option *o = &cmd_opts[i].opt;
			const char *shortname = o->val == 'o' ? "-o, " : o->val == 'h' ? "-h, " : "    ";
			if (o->has_arg == required_argument)
				snprintf(left, sizeof left, "%s--%s %s", shortname, o->name, cmd_opts[i].arg);
			else if (o->has_arg == optional_argument)
				snprintf(left, sizeof left, "%s--%s[=%s]", shortname, o->name, cmd_opts[i].arg);
			else
				snprintf(left, sizeof left, "%s--%s", shortname, o->name);
			fprintf(fp, "  %-34s %s\n", left, cmd_opts[i].help);
		}
	}
	fprintf(fp, "\nSee lathe(1) for details.\n");
}

int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lathe %s: ", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'lathe %s --help')\n", cmd ? cmd->name : "");
	return CMD_USAGE;
}

int cmd_fail(const struct err *e)
{
	/* A message may quote a log's or a model's text: no control
	 * characters reach the terminal. */
	struct strbuf safe = {0};
	fprintf(stderr, "lathe: %s\n", utf8_printable(e->msg, &safe));
	strbuf_free(&safe);
	return CMD_RUNTIME;
}

int cmd_claim(const char *path, struct atomic_claim *c)
{
	struct err e;
	if (atomic_claim(path, c, &e))
		return cmd_fail(&e);
	if (c->stale)
		fprintf(stderr, "lathe: removed %zu temporary file%s of %s left by an interrupted run\n", c->stale,
		        c->stale == 1 ? "" : "s", path);
	return CMD_OK;
}

static int add_list(char ***list, size_t *n, char *item)
{
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = item;
	return 0;
}

static int pick(const char *arg, const char *a, const char *b, int *out)
{
	if (strcmp(arg, a) == 0)
		*out = 0;
	else if (strcmp(arg, b) == 0)
		*out = 1;
	else
		return -1;
	return 0;
}

static int parse_long(const char *s, long min, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

/* Handles one option; returns 0 or a usage error exit code. */
static int take_option(const struct cmd *cmd, int code, const char *name, const char *arg, struct cmd_args *a)
{
	struct pipeline_opts *po = &a->po;
	struct err e;
	int flag;
	long v;
	switch (code) {
	case OPT_DELIMITER:
		if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
			po->load.delimiter = '\t';
		else if (strcmp(arg, "space") == 0 || strcmp(arg, "blank") == 0 || strcmp(arg, " ") == 0)
			po->load.delimiter = ' ';
		else if (strlen(arg) == 1 && strchr(",;|\t", arg[0]))
			po->load.delimiter = arg[0];
		else
			return cmd_usage_error(cmd, "--delimiter %s: expected , ; tab | or space", arg);
		return 0;
	case OPT_DECIMAL:
		if (pick(arg, "point", "comma", &flag))
			return cmd_usage_error(cmd, "--decimal %s: expected point or comma", arg);
		po->load.decimal = flag ? ',' : '.';
		return 0;
	case OPT_HEADER:
		if (strcmp(arg, "auto") == 0)
			po->load.header = CSVIN_HEADER_AUTO;
		else if (pick(arg, "yes", "no", &flag) == 0)
			po->load.header = flag ? CSVIN_HEADER_NO : CSVIN_HEADER_YES;
		else
			return cmd_usage_error(cmd, "--header %s: expected yes, no or auto", arg);
		return 0;
	case OPT_TYPE: {
		struct csvin_type t;
		if (csvin_parse_type(arg, &t, &e))
			return cmd_usage_error(cmd, "%s", e.msg);
		struct csvin_type *types = (struct csvin_type *)po->load.types;
		types = xrealloc(types, (po->load.ntypes + 1) * sizeof *types);
		types[po->load.ntypes++] = t;
		po->load.types = types;
		return 0;
	}
	case OPT_TIME_FORMAT: po->load.time_format = arg; return 0;
	case OPT_RAGGED:
		if (pick(arg, "error", "pad", &flag))
			return cmd_usage_error(cmd, "--ragged %s: expected error or pad", arg);
		po->load.ragged_pad = flag;
		return 0;
	case OPT_BAD_UTF8:
		if (pick(arg, "error", "replace", &flag))
			return cmd_usage_error(cmd, "--bad-utf8 %s: expected error or replace", arg);
		po->load.bad_utf8_replace = flag;
		return 0;
	case OPT_BAD_NUMBER:
		if (pick(arg, "error", "missing", &flag))
			return cmd_usage_error(cmd, "--bad-number %s: expected error or missing", arg);
		po->load.bad_number_missing = flag;
		return 0;
	case OPT_MAX_FIELD:
		if (parse_long(arg, 1, &v))
			return cmd_usage_error(cmd, "--max-field %s: expected a positive number of bytes", arg);
		po->load.max_field = (size_t)v;
		return 0;
	case OPT_RULES: po->rules_path = arg; return 0;
	case OPT_LUA_LIMIT:
		if (parse_long(arg, 1000, &v))
			return cmd_usage_error(cmd, "--lua-limit %s: expected a number of instructions (at least 1000)", arg);
		po->lua_limit = v;
		return 0;
	case OPT_MACHINE: po->machine = arg; return 0;
	case OPT_TIME: po->time = arg; return 0;
	case OPT_LABEL: po->label = arg; return 0;
	case OPT_RULE:
		po->rules = xrealloc(po->rules, (po->nrules + 1) * sizeof *po->rules);
		if (clean_rule_parse(name, arg, &po->rules[po->nrules], &e))
			return cmd_usage_error(cmd, "--%s", e.msg);
		po->nrules++;
		return 0;
	case OPT_LANG:
		if (strcmp(arg, "en") && strcmp(arg, "zh"))
			return cmd_usage_error(cmd, "--lang %s: expected en or zh", arg);
		po->lang = arg;
		return 0;
	case OPT_BINNING:
		if (strcmp(arg, "quantile") && strcmp(arg, "zscore"))
			return cmd_usage_error(cmd, "--binning %s: expected quantile or zscore", arg);
		po->binning = arg;
		return 0;
	case OPT_LEVELS: {
		if (!strchr(arg, '=')) {
			if (strcmp(arg, "3") && strcmp(arg, "5") && strcmp(arg, "7"))
				return cmd_usage_error(cmd, "--levels %s: expected 3, 5 or 7 (words per numeric fact) or "
				                            "COLUMN=a,b,c,d (thresholds)", arg);
			po->level_words = atoi(arg);
			return 0;
		}
		struct text_column tc;
		if (textualize_parse_levels(arg, &tc, &e))
			return cmd_usage_error(cmd, "%s", e.msg);
		po->levels = xrealloc(po->levels, (po->nlevels + 1) * sizeof *po->levels);
		po->levels[po->nlevels++] = tc;
		return 0;
	}
	case OPT_WINDOW:
		if (parse_long(arg, 0, &v) || v == 1 || v > 100000)
			return cmd_usage_error(cmd, "--window %s: expected 0 (none) or a number of readings from 2", arg);
		po->window = v;
		return 0;
	case OPT_NO_CLOCK: po->no_clock = true; return 0;
	case OPT_VALUE_BINS:
		if (parse_long(arg, 0, &v) || v > TEXT_MAX_VALUE_BINS)
			return cmd_usage_error(cmd, "--value-bins %s: expected a number of bins from 0 to %d", arg,
			                       TEXT_MAX_VALUE_BINS);
		po->value_bins = (int)v;
		return 0;
	case OPT_NOTES: po->notes = arg; return 0;
	case OPT_INCLUDE: return add_list(&po->include, &po->ninclude, (char *)arg);
	case OPT_EXCLUDE: return add_list(&po->exclude, &po->nexclude, (char *)arg);
	case OPT_SPLIT:
		if (split_parse_method(arg, &po->split.method, &e))
			return cmd_usage_error(cmd, "%s", e.msg);
		po->split_set = true;
		return 0;
	case OPT_RATIOS:
		if (split_parse_ratios(arg, po->split.frac, &e))
			return cmd_usage_error(cmd, "%s", e.msg);
		return 0;
	case OPT_SEED:
		if (parse_long(arg, 0, &v))
			return cmd_usage_error(cmd, "--seed %s: expected a whole number", arg);
		po->split.seed = (uint64_t)v;
		return 0;
	case OPT_GROUP: po->split.group = arg; return 0;
	case OPT_CONFIG: a->config = arg; return 0;
	case OPT_THREADS:
		/* More threads than processors only make them take turns; four
		 * times as many is allowed for machines that report fewer. */
		if (parse_long(arg, 1, &v) || v > learn_max_threads())
			return cmd_usage_error(cmd, "--threads %s: expected 1 to %d (4 per processor)", arg, learn_max_threads());
		a->threads = (int)v;
		return 0;
	case OPT_STEPS:
	case OPT_WARMUP:
		if (parse_long(arg, code == OPT_WARMUP ? 0 : 1, &v) || v > 100000)
			return cmd_usage_error(cmd, "--%s %s: expected a positive whole number", name, arg);
		*(code == OPT_STEPS ? &a->steps : &a->warmup) = (int)v;
		return 0;
	case OPT_ACCUMULATE:
		if (parse_long(arg, 1, &v) || v > 1024)
			return cmd_usage_error(cmd, "--accumulate %s: expected 1 to 1024 batches", arg);
		a->learn.accumulate = (int)v;
		return 0;
	case OPT_EPOCHS:
	case OPT_BATCH:
	case OPT_VOCAB:
	case OPT_MAX_SEQ:
	case OPT_PATIENCE:
		if (parse_long(arg, code == OPT_MAX_SEQ ? 4 : code == OPT_VOCAB ? 150 : 1, &v) || v > 1000000)
			return cmd_usage_error(cmd, "--%s %s: expected a whole number%s", name, arg,
			                       code == OPT_VOCAB ? " of at least 150" : code == OPT_MAX_SEQ ? " of at least 4" : "");
		*(code == OPT_EPOCHS ? &a->learn.epochs : code == OPT_BATCH ? &a->learn.batch
		  : code == OPT_VOCAB ? &a->learn.vocab_size : code == OPT_MAX_SEQ ? &a->learn.max_seq
		                                                                  : &a->learn.patience) = (int)v;
		return 0;
	case OPT_LR:
	case OPT_WEIGHT_DECAY:
	case OPT_DROPOUT: {
		char *end;
		double x = strtod(arg, &end);
		if (end == arg || *end || !(x >= 0) || x > (code == OPT_LR ? 10 : 0.99) || (code == OPT_LR && x == 0))
			return cmd_usage_error(cmd, "--%s %s: out of range", name, arg);
		*(code == OPT_LR ? &a->learn.lr : code == OPT_WEIGHT_DECAY ? &a->learn.weight_decay : &a->learn.dropout) =
		        (float)x;
		return 0;
	}
	case OPT_NO_CLASS_WEIGHTS: a->learn.class_weights = false; return 0;
	case OPT_VALUES: a->learn.values = 1; return 0;
	case OPT_NO_VALUES: a->learn.values = 0; return 0;
	case OPT_FORCE: a->po.force_row_split = true; return 0;
	case OPT_AUGMENT:
		if (augment_parse_methods(arg, &a->aug.methods, &e))
			return cmd_usage_error(cmd, "--%s: %s", name, e.msg);
		return 0;
	case OPT_STRENGTH:
		if (augment_parse_strength(arg, &a->aug, &e))
			return cmd_usage_error(cmd, "%s", e.msg);
		return 0;
	case OPT_VARIANTS:
		if (parse_long(arg, 1, &v) || v > 1000)
			return cmd_usage_error(cmd, "--n %s: expected 1 to 1000 variants", arg);
		a->aug.n = (int)v;
		return 0;
	case OPT_AUGMENT_ALL: a->aug.all_classes = true; return 0;
	case OPT_AUGMENT_MODEL: a->aug.model = arg; return 0;
	case OPT_AUGMENTER: a->aug.augmenter = arg; return 0;
	case OPT_SYNONYMS: a->aug.synonyms = arg; return 0;
	case OPT_PREVIEW:
		if (parse_long(arg, 1, &v) || v > 100000)
			return cmd_usage_error(cmd, "--preview %s: expected a number of samples", arg);
		a->preview = v;
		return 0;
	case OPT_INIT: a->learn.init = arg; return 0;
	case OPT_CHECKPOINT: a->learn.checkpoint = arg; return 0;
	case OPT_RESUME: a->learn.resume = arg; return 0;
	case OPT_STOP_AFTER:
		if (parse_long(arg, 1, &v))
			return cmd_usage_error(cmd, "--stop-after %s: expected a number of steps", arg);
		a->learn.stop_after = v;
		return 0;
	case OPT_DATA: a->data = arg; return 0;
	case OPT_HF: a->hf = arg; return 0;
	case OPT_NO_RULES: a->po.no_rules = true; return 0;
	case OPT_SCRIPT: a->script = true; return 0;
	case OPT_STACK: a->learn.stack = true; return 0;
	case OPT_NO_STACK: a->learn.stack = false; return 0;
	case OPT_ENSEMBLE:
		if (parse_long(arg, 1, &v) || v > MODEL_FILE_MAX_ENSEMBLE)
			return cmd_usage_error(cmd, "--ensemble %s: expected a number of encoders from 1 to %d", arg,
			                       MODEL_FILE_MAX_ENSEMBLE);
		a->learn.ensemble = (int)v;
		return 0;
	case OPT_ROW:
		if (parse_long(arg, 1, &v))
			return cmd_usage_error(cmd, "--row %s: expected a data row number from 1", arg);
		a->row = v;
		return 0;
	case 'o': a->output = arg; return 0;
	case OPT_REPORT: a->report = true; return 0;
	case OPT_JSON: a->json = true; return 0;
	}
	return cmd_usage_error(cmd, "unknown option");
}

static int cmd_parse(const struct cmd *cmd, int argc, char **argv, struct cmd_args *a, bool *done)
{
	memset(a, 0, sizeof *a);
	pipeline_opts_init(&a->po);
	a->warmup = -1;
	learn_opts_init(&a->learn);
	augment_opts_init(&a->aug);
	*done = false;
	struct option longopts[N_OPTS + 1];
	size_t n = 0;
	/* run passes everything after the script to it: stop at the first
	 * operand there; elsewhere options may follow the file. */
	char shorts[8];
	strcpy(shorts, cmd->max_args < 0 ? "+h" : "h");
	for (size_t i = 0; i < N_OPTS; i++)
		if (!cmd_opts[i].group || (cmd->groups & cmd_opts[i].group)) {
			longopts[n] = cmd_opts[i].opt;
			if (cmd_opts[i].opt.val == 'o')
				strcat(shorts, "o:");
			n++;
		}
	memset(&longopts[n], 0, sizeof longopts[n]);
	optind = 1;
	opterr = 0;
	for (;;) {
		int index = -1;
		int c = getopt_long(argc, argv, shorts, longopts, &index);
		if (c == -1)
			break;
		if (c == 'h') {
			print_help(stdout, cmd);
			*done = true;
			return CMD_OK;
		}
		if (c == '?' || c == ':') {
			*done = true;
			if (optopt && optopt < 256 && optopt != '?')
				return cmd_usage_error(cmd, "option -%c needs an argument or is unknown", optopt);
			return cmd_usage_error(cmd, "unknown option, or one missing its argument: %s", argv[optind - 1]);
		}
		const char *name = index >= 0 ? longopts[index].name : "";
		const char *arg = optarg;
		int rc = take_option(cmd, c, name, arg, a);
		if (rc) {
			*done = true;
			return rc;
		}
	}
	a->npos = argc - optind;
	a->pos = argv + optind;
	if (a->npos < cmd->min_args || (cmd->max_args >= 0 && a->npos > cmd->max_args)) {
		*done = true;
		return cmd_usage_error(cmd, a->npos < cmd->min_args ? "missing argument: %s" : "too many arguments (expected %s)",
		                       cmd->args);
	}
	return CMD_OK;
}

static void cmd_args_free(struct cmd_args *a)
{
	pipeline_opts_free(&a->po);
}

int cmd_pipeline(struct cmd_args *a, const char *path, bool text, struct pipeline *p, struct err *e)
{
	if (pipeline_open(p, &a->po, e) || pipeline_load(p, path, e) || pipeline_clean(p, e))
		return -1;
	if (!text)
		return 0;
	int rc = pipeline_textualize(p, e);
	return rc ? rc : cmd_augment_training(a, p, e);
}

void cmd_say_split(const struct pipeline *p)
{
	if (p->split_note[0])
		fprintf(stderr, "lathe: note: %s\n", p->split_note);
}

int cmd_exit(const struct cmd *cmd, int rc, const struct err *e)
{
	return rc == -2 ? cmd_usage_error(cmd, "%s", e->msg) : rc ? cmd_fail(e) : CMD_OK;
}

int cmd_augment_training(struct cmd_args *a, struct pipeline *p, struct err *e)
{
	if (!a->aug.methods)
		return 0;
	a->aug.seed = a->po.split.seed;
	a->aug.lua_limit = a->po.lua_limit;
	size_t added[AUG_METHODS], total = 0;
	if (augment_pipeline(p, &a->aug, added, e))
		return -1;
	fprintf(stderr, "lathe: augmented the training split:");
	for (int m = 0; m < AUG_METHODS; m++)
		if (a->aug.methods & (1u << m)) {
			fprintf(stderr, " %s %zu", augment_method_name(m), added[m]);
			total += added[m];
		}
	fprintf(stderr, " (%zu samples)\n", total);
	if (p->label_col >= 0)
		augment_print_balance(p, stderr);
	return 0;
}

void cmd_print_report(FILE *fp, const struct pipeline *p, bool json)
{
	const struct csvin_report *l = &p->load;
	if (json) {
		json_t *o = json_object(), *rules = json_array();
		json_object_set_new(o, "rows_in", json_integer((json_int_t)p->clean.rows_in));
		json_object_set_new(o, "rows_out", json_integer((json_int_t)p->clean.rows_out));
		json_object_set_new(o, "ragged_padded", json_integer((json_int_t)l->ragged_padded));
		json_object_set_new(o, "utf8_replaced", json_integer((json_int_t)l->utf8_replaced));
		json_object_set_new(o, "numbers_missing", json_integer((json_int_t)l->numbers_missing));
		for (size_t i = 0; i < p->clean.n; i++) {
			json_t *r = json_object();
			json_object_set_new(r, "rule", json_string(p->clean.entries[i].rule));
			json_object_set_new(r, "rows_dropped", json_integer((json_int_t)p->clean.entries[i].rows_dropped));
			json_object_set_new(r, "values_changed", json_integer((json_int_t)p->clean.entries[i].values_changed));
			json_array_append_new(rules, r);
		}
		json_object_set_new(o, "rules", rules);
		json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', fp);
		json_decref(o);
		return;
	}
	fprintf(fp, "cleaning report\n  rows in   %zu\n  rows out  %zu\n", p->clean.rows_in, p->clean.rows_out);
	if (l->ragged_padded)
		fprintf(fp, "  load: %zu ragged rows padded or cut (--ragged=pad)\n", l->ragged_padded);
	if (l->utf8_replaced)
		fprintf(fp, "  load: %zu invalid UTF-8 sequences replaced with U+FFFD (--bad-utf8=replace)\n", l->utf8_replaced);
	if (l->numbers_missing)
		fprintf(fp, "  load: %zu non-numbers made missing (--bad-number=missing)\n", l->numbers_missing);
	size_t w = 20;
	for (size_t i = 0; i < p->clean.n; i++)
		if (utf8_width(p->clean.entries[i].rule) > w)
			w = utf8_width(p->clean.entries[i].rule);
	for (size_t i = 0; i < p->clean.n; i++) {
		fputs("  ", fp);
		utf8_pad(fp, p->clean.entries[i].rule, w);
		fprintf(fp, " %8zu rows dropped %8zu values changed\n", p->clean.entries[i].rows_dropped,
		        p->clean.entries[i].values_changed);
	}
}

int cmd_run_pipeline(const struct cmd *cmd, struct cmd_args *a, bool text,
                     int (*write)(const struct pipeline *p, FILE *fp, struct err *e))
{
	struct err e;
	struct pipeline p;
	struct atomic_file out;
	struct atomic_claim claim;
	if (cmd_claim(a->output ? a->output : "-", &claim))
		return CMD_RUNTIME;
	int rc = cmd_pipeline(a, a->pos[0], text, &p, &e);
	if (rc) {
		rc = cmd_exit(cmd, rc, &e);
	} else if (atomic_open(&out, a->output ? a->output : "-", &e)) {
		rc = cmd_fail(&e);
	} else if (write(&p, out.fp, &e)) {
		atomic_abort(&out);
		rc = cmd_fail(&e);
	} else if (atomic_commit(&out, &e)) {
		rc = cmd_fail(&e);
	}
	if (rc == CMD_OK && text)
		cmd_say_split(&p);
	/* The JSON report is machine-readable output: standard output when the
	 * data went to a file, else beside it on standard error. */
	bool to_file = a->output && strcmp(a->output, "-") != 0;
	if (rc == CMD_OK && (a->report || a->json))
		cmd_print_report(a->json && to_file ? stdout : stderr, &p, a->json);
	pipeline_close(&p);
	atomic_release(&claim);
	return rc;
}

void cmd_print_usage(FILE *fp)
{
	fprintf(fp, "Usage: lathe [FILE.csv]\n       lathe COMMAND [OPTIONS] ARGS...\n\nCommands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		fprintf(fp, "  %-11s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(fp, "\n'lathe COMMAND --help' lists a command's options; lathe(1) and lathe-lua(7) have the rest.\n");
}

/* A batch command's text on a terminal goes through termsafe (base/
 * termsafe.h): logs and model files name columns and labels, and their
 * control characters must not reach the terminal. Standard error keeps
 * the carriage return of the progress bar. Not for the workbench, whose
 * screen is curses'. */
static void close_guarded_stdout(void)
{
	fclose(stdout);
}

static void close_guarded_stderr(void)
{
	fclose(stderr);
}

static void guard_terminal(void)
{
	FILE *fp;
	if (isatty(STDOUT_FILENO) && (fp = termsafe_open(STDOUT_FILENO, false))) {
		setvbuf(fp, NULL, _IOLBF, 0);
		fflush(stdout);
		stdout = fp;
		atexit(close_guarded_stdout);
	}
	if (isatty(STDERR_FILENO) && (fp = termsafe_open(STDERR_FILENO, true))) {
		setvbuf(fp, NULL, _IONBF, 0);
		stderr = fp;
		atexit(close_guarded_stderr);
	}
}

/* Parsing, --help and usage errors happen here, once for all. argv[0]
 * is the command's name (or the program's), then its arguments. */
static int run_command(const struct cmd *cmd, int argc, char **argv, const struct cmd_front_ends *front)
{
	if (cmd != &cmd_workbench)
		guard_terminal();
	struct cmd_args a;
	bool done;
	int rc = cmd_parse(cmd, argc, argv, &a, &done);
	a.front = front;
	if (!done)
		rc = cmd->run(cmd, &a);
	cmd_args_free(&a);
	return rc;
}

int cmd_main(int argc, char **argv, const struct cmd_front_ends *front)
{
	atomic_install_signal_cleanup();
	if (argc < 2)
		return run_command(&cmd_workbench, argc, argv, front);
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("lathe %s\n", PACKAGE_VERSION);
		return CMD_OK;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		cmd_print_usage(stdout);
		return CMD_OK;
	}
	const struct cmd *found = NULL;
	size_t len = strlen(name), matches = 0;
	for (size_t i = 0; cmd_table[i]; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0) {
			found = cmd_table[i];
			matches = 1;
			break;
		}
		if (strncmp(cmd_table[i]->name, name, len) == 0) {
			found = cmd_table[i];
			matches++;
		}
	}
	if (matches == 1 && name[0] != '-')
		return run_command(found, argc - 1, argv + 1, front);
	if (name[0] == '-') {
		fprintf(stderr, "lathe: unknown option %s (see 'lathe --help')\n", name);
		return CMD_USAGE;
	}
	if (matches > 1) {
		fprintf(stderr, "lathe: ambiguous command '%s'\n", name);
		return CMD_USAGE;
	}
	/* Not a command: a file for the workbench, with its options. */
	if (access(name, F_OK) == 0)
		return run_command(&cmd_workbench, argc, argv, front);
	fprintf(stderr, "lathe: unknown command or missing file '%s' (see 'lathe --help')\n", name);
	return CMD_USAGE;
}
