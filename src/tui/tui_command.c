#include "config.h"
#include "tui_command.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/datadir.h"
#include "base/fileio.h"
#include "core/learn.h"
#include "io/hf_export.h"

static void save_view(struct tui *ui, const char *path)
{
	struct err e;
	struct table *t = table_clone(ui->p.t);
	bool *keep = xcalloc(t->nrows + 1, sizeof *keep);
	for (size_t i = 0; i < ui->nview; i++)
		keep[ui->view[i]] = true;
	table_filter(t, keep);
	free(keep);
	struct atomic_file out;
	if (atomic_open(&out, path, &e) || table_write_csv(t, out.fp, &e)) {
		if (out.fp)
			atomic_abort(&out);
		tui_say(ui, true, "%s", e.msg);
	} else if (atomic_commit(&out, &e)) {
		tui_say(ui, true, "%s", e.msg);
	} else {
		tui_say(ui, false, "wrote %zu rows to %s", t->nrows, path);
	}
	table_free(t);
}

/* :export DIR: the last model trained here (else the shipped one) for
 * Hugging Face transformers. */
static void export_model(struct tui *ui, const char *dir)
{
	struct err e;
	struct learner l;
	char shipped[8300];
	const char *model = ui->trained_model[0] ? ui->trained_model : shipped;
	snprintf(shipped, sizeof shipped, "%s/ai4i-tiny.safetensors", datadir_find("models"));
	if (learner_load(model, 1, &l, &e) || hf_export(l.model, &l.mf, l.temperature, dir, &e))
		tui_say(ui, true, "%s", e.msg);
	else
		tui_say(ui, false, "exported %s to %s", model, dir);
	if (l.model)
		learner_free(&l);
}

/* The command line: the names of the batch commands where they apply. */
void tui_command(struct tui *ui)
{
	char line[1024] = "";
	if (!tui_prompt(ui, ":", line, sizeof line))
		return;
	char *arg = line + strcspn(line, " ");
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	char what[1200];
	snprintf(what, sizeof what, "%s %s", line, arg);
	if (strcmp(line, "q") == 0 || strcmp(line, "quit") == 0) {
		ui->quit = !tui_training(ui) || tui_confirm(ui, "training runs: stop it (with a checkpoint) and quit? y/n ");
	} else if (strcmp(line, "load") == 0 && *arg) {
		/* :load FILE [RULES.lua]: another log rarely suits the last one's rules */
		char *rules = arg + strcspn(arg, " ");
		if (*rules)
			*rules++ = '\0';
		while (*rules == ' ')
			rules++;
		/* nor its label column: a label belongs to its log */
		const char *label = ui->po.label;
		if (tui_record(ui, what)) {
			ui->po.label = NULL;
			if (!tui_load(ui, arg, *rules ? rules : NULL)) {
				ui->po.label = label;
				tui_forget(ui);
			} else if (label) {
				tui_say(ui, false, "%s: %zu rows, %zu columns; the label %s stayed with the last log (:label sets one)",
				        tui_base_name(ui->data_path), ui->p.t->nrows, ui->p.t->ncols, label);
			}
		}
	} else if (strcmp(line, "rules") == 0) {
		if (tui_record(ui, what) && !tui_load_rules(ui, arg))
			tui_forget(ui);
	} else if (strcmp(line, "label") == 0) {
		/* the label column for Text, Augment and Train ("" : none); a
		 * refused one leaves the last in place */
		char before[sizeof ui->label_buf];
		bool had = ui->po.label != NULL;
		snprintf(before, sizeof before, "%s", had ? ui->po.label : "");
		if (tui_record(ui, what)) {
			snprintf(ui->label_buf, sizeof ui->label_buf, "%s", arg);
			ui->po.label = ui->label_buf[0] ? ui->label_buf : NULL;
			if (!tui_load(ui, ui->data_path, ui->rules_path)) {
				snprintf(ui->label_buf, sizeof ui->label_buf, "%s", before);
				ui->po.label = had ? ui->label_buf : NULL;
				tui_forget(ui);
			}
		}
	} else if (strcmp(line, "filter") == 0) {
		if (tui_record(ui, what) && !tui_data_apply(ui, arg))
			tui_forget(ui);
	} else if (strcmp(line, "row") == 0 && *arg) {
		ui->screen = 0;
		tui_data_goto(ui, strtol(arg, NULL, 10));
	} else if (strcmp(line, "sort") == 0) {
		long c = *arg ? table_find(ui->p.t, arg) : -1;
		if (*arg && c < 0) {
			tui_say(ui, true, ":sort: no column named \"%s\"", arg);
		} else if (tui_record(ui, what)) {
			tui_data_sort(ui, c, false);
		}
	} else if (strcmp(line, "save") == 0 && *arg) {
		save_view(ui, arg);
	} else if (strcmp(line, "save-pipeline") == 0 && *arg) {
		struct err e;
		if (tui_save_pipeline(ui, arg, &e))
			tui_say(ui, true, "%s", e.msg);
		else
			tui_say(ui, false, "wrote %s: lathe run %s replays the session", arg, arg);
	} else if (strcmp(line, "export") == 0 && *arg) {
		export_model(ui, arg);
	} else if (strcmp(line, "train") == 0) {
		ui->screen = 4;
		tui_train_start(ui);
	} else if (strcmp(line, "undo") == 0) {
		tui_undo(ui);
	} else if (line[0]) {
		tui_say(ui, true,
		        ":%s: unknown command (load, rules, label, filter, sort, row, save, save-pipeline, export, train, undo, "
		        "quit)",
		        line);
	}
}
