#include "config.h"
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/strbuf.h"
#include <unistd.h>
#include "base/fileio.h"

/* What a data-changing step changes, kept as it was before the step. */
struct tui_settings {
	char data[1024], rules[1024];
	char lang[8], binning[16], label[256];
	struct text_column *levels;
	size_t nlevels;
	char filter[512];
	long sort_col;
	bool sort_desc;
};

struct tui_step {
	char what[600];
	struct tui_settings before;
};

static struct text_column *copy_levels(const struct text_column *l, size_t n)
{
	struct text_column *c = xcalloc(n + 1, sizeof *c);
	for (size_t i = 0; i < n; i++) {
		c[i] = l[i];
		c[i].column = xstrdup(l[i].column);
		c[i].name = l[i].name ? xstrdup(l[i].name) : NULL;
	}
	return c;
}

static void free_levels(struct text_column *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].column);
		free(l[i].name);
	}
	free(l);
}

static void snapshot(const struct tui *ui, struct tui_settings *s)
{
	snprintf(s->data, sizeof s->data, "%s", ui->data_path ? ui->data_path : "");
	snprintf(s->rules, sizeof s->rules, "%s", ui->rules_path ? ui->rules_path : "");
	snprintf(s->lang, sizeof s->lang, "%s", ui->po.lang ? ui->po.lang : "");
	snprintf(s->binning, sizeof s->binning, "%s", ui->po.binning ? ui->po.binning : "");
	snprintf(s->label, sizeof s->label, "%s", ui->po.label ? ui->po.label : "");
	s->levels = copy_levels(ui->po.levels, ui->po.nlevels);
	s->nlevels = ui->po.nlevels;
	snprintf(s->filter, sizeof s->filter, "%s", ui->filter);
	s->sort_col = ui->sort_col;
	s->sort_desc = ui->sort_desc;
}

/* The wording and binning names the options point at, as constants. */
static const char *known(const char *s, const char *a, const char *b)
{
	return strcmp(s, a) == 0 ? a : strcmp(s, b) == 0 ? b : NULL;
}

bool tui_record(struct tui *ui, const char *what)
{
	/* a training reads the settings while it runs */
	if (tui_training(ui)) {
		tui_say(ui, true, "%s: wait until training stops (x stops it)", what);
		return false;
	}
	ui->steps = xrealloc(ui->steps, (ui->nsteps + 1) * sizeof *ui->steps);
	struct tui_step *st = &ui->steps[ui->nsteps++];
	snprintf(st->what, sizeof st->what, "%s", what);
	snapshot(ui, &st->before);
	return true;
}

bool tui_undo(struct tui *ui)
{
	if (tui_training(ui)) {
		tui_say(ui, true, "undo: wait until training stops (x stops it)");
		return false;
	}
	if (ui->nsteps == 0) {
		tui_say(ui, true, "nothing to undo");
		return false;
	}
	struct tui_step *st = &ui->steps[--ui->nsteps];
	struct tui_settings *s = &st->before;
	ui->po.lang = known(s->lang, "en", "zh");
	ui->po.binning = known(s->binning, "quantile", "zscore");
	snprintf(ui->label_buf, sizeof ui->label_buf, "%s", s->label);
	ui->po.label = ui->label_buf[0] ? ui->label_buf : NULL;
	free_levels(ui->po.levels, ui->po.nlevels);
	ui->po.levels = s->levels;
	ui->po.nlevels = s->nlevels;
	s->levels = NULL;
	snprintf(ui->filter, sizeof ui->filter, "%s", s->filter);
	char rules_before[sizeof s->rules];
	snprintf(rules_before, sizeof rules_before, "%s", ui->rules_path ? ui->rules_path : "");
	bool ok = tui_load(ui, s->data, s->rules[0] ? s->rules : NULL);
	if (ok && s->sort_col >= 0 && (size_t)s->sort_col < ui->p.t->ncols)
		tui_data_sort(ui, s->sort_col, s->sort_desc);
	if (!ok) {
		char why[sizeof ui->status];
		snprintf(why, sizeof why, "%s", ui->status);
		tui_say(ui, true, "cannot undo %s: %s", st->what, why);
		return false;
	}
	/* what the undo brought back, the rules script above all: it changes
	 * every row, and must not come or go unsaid */
	const char *rules = ui->rules_path ? ui->rules_path : "";
	tui_say(ui, false, "undone: %s (rules %s%s, label %s)", st->what, rules[0] ? rules : "none",
	        strcmp(rules, rules_before) != 0 ? ", changed" : "", ui->p.label ? ui->p.label : "none");
	return true;
}

void tui_forget(struct tui *ui)
{
	if (ui->nsteps == 0)
		return;
	struct tui_step *st = &ui->steps[--ui->nsteps];
	free_levels(st->before.levels, st->before.nlevels);
}

void tui_session_free(struct tui *ui)
{
	for (size_t i = 0; i < ui->nsteps; i++)
		free_levels(ui->steps[i].before.levels, ui->steps[i].before.nlevels);
	free(ui->steps);
	ui->steps = NULL;
	ui->nsteps = 0;
}

/* A Lua long string of s; false when s holds the closing bracket. */
static bool lua_string(FILE *fp, const char *s)
{
	if (strstr(s, "]==]"))
		return false;
	fprintf(fp, "[==[%s]==]", s);
	return true;
}

/* A path as an absolute one, so the pipeline runs from any directory:
 * resolved when it exists, else joined to the working directory. */
static bool lua_path(FILE *fp, const char *path)
{
	char *real = realpath(path, NULL), cwd[4096];
	if (real) {
		bool ok = lua_string(fp, real);
		free(real);
		return ok;
	}
	if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
		return lua_string(fp, path);
	struct strbuf b = {0};
	strbuf_printf(&b, "%s/%s", cwd, path);
	bool ok = lua_string(fp, b.s);
	strbuf_free(&b);
	return ok;
}

int tui_save_pipeline(struct tui *ui, const char *path, struct err *e)
{
	struct atomic_file out;
	if (atomic_open(&out, path, e))
		return -1;
	FILE *fp = out.fp;
	bool ok = true;
	fprintf(fp, "-- A lathe workbench session as a pipeline: lathe run %s [SAMPLES.jsonl]\n", path);
	fprintf(fp, "-- It loads and cleans the log, filters it and writes its texts as the\n"
	            "-- workbench had them%s. The session's steps:\n",
	        ui->train_opts[0] ? ", then trains as the workbench last did" : "");
	for (size_t i = 0; i < ui->nsteps; i++)
		fprintf(fp, "--   %s\n", ui->steps[i].what);
	fprintf(fp, "local lathe = require \"lathe\"\n\nlocal data = ");
	ok &= lua_path(fp, ui->data_path);
	fprintf(fp, "\nlocal opts = {\n");
	if (ui->rules_path) {
		fprintf(fp, "  rules = ");
		ok &= lua_path(fp, ui->rules_path);
		fprintf(fp, ",\n");
	}
	if (ui->po.label) {
		fprintf(fp, "  label = ");
		ok &= lua_string(fp, ui->po.label);
		fprintf(fp, ",\n");
	}
	if (ui->po.lang)
		fprintf(fp, "  lang = \"%s\",\n", ui->po.lang);
	if (ui->po.binning)
		fprintf(fp, "  binning = \"%s\",\n", ui->po.binning);
	if (ui->po.nlevels) {
		fprintf(fp, "  levels = {\n");
		for (size_t i = 0; i < ui->po.nlevels; i++) {
			const struct text_column *l = &ui->po.levels[i];
			fprintf(fp, "    [");
			ok &= lua_string(fp, l->column);
			fprintf(fp, "] = {");
			for (int k = 0; k < l->ncuts; k++)
				fprintf(fp, "%s %.17g", k ? "," : "", l->cuts[k]);
			fprintf(fp, " },\n");
		}
		fprintf(fp, "  },\n");
	}
	/* The workbench textualizes (fits levels, splits) the whole log and
	 * shows a filter's rows of it: so does the pipeline. */
	fprintf(fp, "}\n\nlocal log = lathe.load_csv(data):clean(opts)\nlocal samples = log:textualize(opts)\n");
	if (ui->filter[0]) {
		fprintf(fp, "local shown = log:filter(");
		ok &= lua_string(fp, ui->filter);
		fprintf(fp, ")\nlocal wanted, kept = {}, {}\n"
		            "for i = 1, shown:nrows() do wanted[shown:source_row(i)] = true end\n"
		            "for _, s in ipairs(samples) do if wanted[s.row] then kept[#kept + 1] = s end end\n"
		            "samples = kept\n");
	}
	fprintf(fp, "lathe.write(samples, arg[1] or \"workbench.jsonl\")\n"
	            "print((\"%%d samples\"):format(#samples))\n");
	if (ui->train_opts[0]) {
		fprintf(fp, "\nlocal train = %s\ntrain.output = ", ui->train_opts);
		ok &= lua_path(fp, ui->train_output);
		if (ui->train_init[0]) {
			fprintf(fp, "\ntrain.init = ");
			ok &= lua_path(fp, ui->train_init);
		}
		if (ui->train_teacher[0]) {
			fprintf(fp, "\ntrain.teacher = ");
			ok &= lua_path(fp, ui->train_teacher);
		}
		fprintf(fp, "\nfor k, v in pairs(opts) do train[k] = train[k] or v end\n"
		            "local res = lathe.%s(data, train)\n"
		            "print((\"model %%s: best epoch %%d\"):format(train.output, res.best_epoch))\n",
		        ui->train_pretrain ? "pretrain" : "train");
	}
	if (!ok) {
		atomic_abort(&out);
		return err_set(e, "%s: a path or filter holds ]==], which a Lua long string cannot", path);
	}
	return atomic_commit(&out, e);
}
