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
#include "core/options.h"

static const struct cmd *const cmd_table[] = {
	&cmd_augment, &cmd_bench, &cmd_clean, &cmd_compress, &cmd_diagnose, &cmd_eval, &cmd_export, &cmd_info, &cmd_pretrain, &cmd_run, &cmd_textualize, &cmd_train, &cmd_workbench, NULL,
};

/* The command line's own options; the engine's come from core/options.h,
 * numbered from OPT_SPEC on in the order of option_specs. */
enum {
	OPT_REPORT = 256, OPT_JSON, OPT_STEPS, OPT_WARMUP, OPT_PREVIEW, OPT_DATA, OPT_ROW, OPT_HF, OPT_SCRIPT, OPT_WORK_ORDER, OPT_DRIFT, OPT_SUMMARY,
	OPT_INT8, OPT_DISTILL, OPT_PRUNE, OPT_LOG, OPT_MERGE, OPT_SPEC = 0x1000,
};

/* One row per option: getopt's entry, its argument name and help. */
struct cmd_opt {
	unsigned group;
	struct option opt;
	const char *arg;
	const char *help;
};

static const struct cmd_opt cmd_only[] = {
	{OPTION_G_OUT, {"output", required_argument, NULL, 'o'}, "FILE", "write here (atomically) instead of standard output"},
	{OPTION_G_OUT, {"report", no_argument, NULL, OPT_REPORT}, "", "print the cleaning report on standard error"},
	{OPTION_G_OUT, {"json", no_argument, NULL, OPT_JSON}, "", "machine-readable output"},
	{OPTION_G_BENCH, {"steps", required_argument, NULL, OPT_STEPS}, "N", "timed steps (default: tiny 50, small 15; infer 4x)"},
	{OPTION_G_BENCH, {"warmup", required_argument, NULL, OPT_WARMUP}, "N", "untimed steps first (default 5)"},
	{OPTION_G_PREVIEW, {"preview", required_argument, NULL, OPT_PREVIEW}, "K", "print K training samples beside their variants instead"},
	{OPTION_G_DIAGNOSE, {"data", required_argument, NULL, OPT_DATA}, "FILE.csv", "diagnose every row of a CSV file"},
	{OPTION_G_DIAGNOSE, {"row", required_argument, NULL, OPT_ROW}, "N", "only data row N of --data"},
	{OPTION_G_DIAGNOSE, {"work-order", required_argument, NULL, OPT_WORK_ORDER}, "FILE", "write a work order for every alert: JSON, or plain text for FILE.txt"},
	{OPTION_G_DIAGNOSE, {"drift", no_argument, NULL, OPT_DRIFT}, "", "with --data: how far each fact's readings moved from the training rows, instead"},
	{OPTION_G_DIAGNOSE, {"summary", no_argument, NULL, OPT_SUMMARY}, "", "with --data: the machines ranked by risk (recent alerts and their trend), instead"},
	{OPTION_G_INFO, {"script", no_argument, NULL, OPT_SCRIPT}, "", "of a model file: print only the rules script it carries"},
	{OPTION_G_EXPORT, {"hf", required_argument, NULL, OPT_HF}, "DIR", "write config.json, model.safetensors and vocab.txt for transformers"},
	{OPTION_G_COMPRESS, {"int8", no_argument, NULL, OPT_INT8}, "", "weights as int8 with a scale per row, products in int8 (oneDNN); bench infer: time that form"},
	{OPTION_G_RETRAIN, {"distill", required_argument, NULL, OPT_DISTILL}, "CONFIG", "train a student of shape CONFIG (tiny, small, FILE.json/.lua) on the model's probabilities and labels"},
	{OPTION_G_RETRAIN, {"prune", required_argument, NULL, OPT_PRUNE}, "FRACTION", "remove this share of every layer's heads and feed-forward neurons, the weakest, then fine-tune"},
	{OPTION_G_RETRAIN, {"merge", no_argument, NULL, OPT_MERGE}, "", "of a LoRA adapter file: write the full model, its adapters merged into its base"},
	{OPTION_G_RETRAIN, {"log", required_argument, NULL, OPT_LOG}, "FILE.csv", "the model's training log, for --distill and --prune (default: the file its manifest names)"},
	{0, {"help", no_argument, NULL, 'h'}, "", "show this help"},
};

enum { N_CMD_ONLY = sizeof cmd_only / sizeof *cmd_only, MAX_OPTS = 160 };

/* Every option in --help order: the engine's (core/options.h), then the
 * command line's own. out holds option_count + N_CMD_ONLY. */
static size_t all_options(struct cmd_opt *out)
{
	if (option_count + N_CMD_ONLY > MAX_OPTS)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *s = &option_specs[i];
		int has = s->kind == OPTION_FLAG ? no_argument : s->kind == OPTION_MAYBE ? optional_argument : required_argument;
		out[n++] = (struct cmd_opt){s->group, {s->name, has, NULL, OPT_SPEC + (int)i}, s->arg, s->help};
	}
	for (size_t i = 0; i < N_CMD_ONLY; i++)
		out[n++] = cmd_only[i];
	return n;
}


static void print_help(FILE *fp, const struct cmd *cmd)
{
	fprintf(fp, "Usage: lathe %s [OPTIONS] %s\n%s\n", cmd->name, cmd->args, cmd->summary);
	static const struct {
		unsigned group;
		const char *title;
	} titles[] = {{OPTION_G_LOAD, "Reading the CSV"}, {OPTION_G_RULES, "Cleaning"}, {OPTION_G_TEXT, "Text and splits"},
	              {OPTION_G_OUT, "Output"}, {OPTION_G_MODEL, "Model"}, {OPTION_G_TRAIN, "Training"},
	              {OPTION_G_AUGMENT, "Augmentation"}, {OPTION_G_PREVIEW, "Preview"},
	              {OPTION_G_DIAGNOSE, "Diagnosis"}, {OPTION_G_APPLY, "Applying a model"},
	              {OPTION_G_INFO, "Model files"}, {OPTION_G_EXPORT, "Export"}, {OPTION_G_COMPRESS, "Compression"},
	              {OPTION_G_RETRAIN, "Other forms"}, {OPTION_G_DISTILL, "Distillation and LoRA"},
	              {OPTION_G_DEVICE, "Device"},
	              {OPTION_G_BENCH, "Model benchmarks"},
	              {0, "Other"}};
	struct cmd_opt cmd_opts[MAX_OPTS];
	size_t nopts = all_options(cmd_opts);
	for (size_t g = 0; g < sizeof titles / sizeof *titles; g++) {
		if (titles[g].group && !(cmd->groups & titles[g].group))
			continue;
		fprintf(fp, "\n%s:\n", titles[g].title);
		for (size_t i = 0; i < nopts; i++) {
			/* an option of several groups shows under the first of
			 * them the command has */
			unsigned mine = cmd_opts[i].group & cmd->groups;
			if ((mine & -mine) != titles[g].group)
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
	long v;
	if (code >= OPT_SPEC && (size_t)(code - OPT_SPEC) < option_count) {
		struct err e;
		struct option_target t = {.po = &a->po, .learn = &a->learn, .aug = &a->aug, .diag = &a->diag};
		if (option_set(&option_specs[code - OPT_SPEC], &t, arg, &e))
			return cmd_usage_error(cmd, "--%s%s%s: %s", name, arg ? " " : "", arg ? arg : "", e.msg);
		return 0;
	}
	switch (code) {
	case OPT_STEPS:
	case OPT_WARMUP:
		if (parse_long(arg, code == OPT_WARMUP ? 0 : 1, &v) || v > 100000)
			return cmd_usage_error(cmd, "--%s %s: expected a positive whole number", name, arg);
		*(code == OPT_STEPS ? &a->steps : &a->warmup) = (int)v;
		return 0;
	case OPT_PREVIEW:
		if (parse_long(arg, 1, &v) || v > 100000)
			return cmd_usage_error(cmd, "--preview %s: expected a number of samples", arg);
		a->preview = v;
		return 0;
	case OPT_DATA: a->data = arg; return 0;
	case OPT_HF: a->hf = arg; return 0;
	case OPT_WORK_ORDER: a->work_order = arg; return 0;
	case OPT_DRIFT: a->drift = true; return 0;
	case OPT_SUMMARY: a->summary = true; return 0;
	case OPT_SCRIPT: a->script = true; return 0;
	case OPT_INT8: a->int8 = true; return 0;
	case OPT_DISTILL: a->distill = arg; return 0;
	case OPT_LOG: a->log = arg; return 0;
	case OPT_MERGE: a->merge = true; return 0;
	case OPT_PRUNE: {
		char *end;
		a->prune = strtod(arg, &end);
		if (end == arg || *end || !(a->prune >= 0.01 && a->prune <= 0.99))
			return cmd_usage_error(cmd, "--prune %s: expected a share from 0.01 to 0.99", arg);
		return 0;
	}
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
	diagnose_opts_init(&a->diag);
	*done = false;
	struct cmd_opt cmd_opts[MAX_OPTS];
	size_t nopts = all_options(cmd_opts);
	struct option longopts[MAX_OPTS + 1];
	size_t n = 0;
	/* run passes everything after the script to it: stop at the first
	 * operand there; elsewhere options may follow the file. */
	char shorts[8];
	strcpy(shorts, cmd->max_args < 0 ? "+h" : "h");
	for (size_t i = 0; i < nopts; i++)
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
	diagnose_opts_free(&a->diag);
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
