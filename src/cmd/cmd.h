#ifndef LATHE_CMD_CMD_H
#define LATHE_CMD_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include "base/err.h"
#include "base/fileio.h"
#include "core/augment.h"
#include "core/learn.h"
#include "core/options.h"
#include "core/pipeline.h"

/* exit statuses; an interrupted run ends as a program killed by SIGINT does */
enum { CMD_OK = 0, CMD_RUNTIME = 1, CMD_USAGE = 2, CMD_INTERRUPTED = 130 };

/* Option groups a subcommand accepts. */

/* What the parser collected for a subcommand. */
/* What the other front ends lend the command line, wired in by main.c so
 * that no front end includes another: the workbench (tui/tui.h) and the
 * Lua pipeline runner (lua/lb.h). */
struct cmd_front_ends {
	int (*workbench)(const char *file, struct pipeline_opts *po);
	int (*run_script)(int argc, char **argv, struct err *e);
};

struct cmd_args {
	const struct cmd_front_ends *front;
	struct pipeline_opts po;
	const char *output;
	bool report, json;
	bool script;           /* info --script */
	int steps, warmup;
	struct learn_opts learn;
	const char *data;      /* diagnose --data */
	const char *hf;        /* export --hf DIR */
	bool int8;             /* compress --int8 */
	const char *distill;   /* compress --distill CONFIG */
	double prune;          /* compress --prune FRACTION */
	const char *log;       /* compress --log FILE */
	bool merge;            /* compress --merge */
	const char *work_order;  /* diagnose --work-order FILE */
	bool drift, summary;     /* diagnose --drift, --summary */
	struct diagnose_opts diag;
	long row;
	struct augment_opts aug;
	long preview;          /* augment --preview K */
	int npos;
	char **pos;
};

struct cmd {
	const char *name;
	const char *args;      /* positional arguments, for usage */
	const char *summary;
	unsigned groups;
	int min_args, max_args;  /* max -1 = any */
	/* Runs with the options parsed; returns the exit status. */
	int (*run)(const struct cmd *cmd, struct cmd_args *a);
};

int cmd_main(int argc, char **argv, const struct cmd_front_ends *front);
/* Prints "lathe: MESSAGE" and returns CMD_RUNTIME. */
int cmd_fail(const struct err *e);
/* Claims an output before long work (base/fileio.h): CMD_OK, or the error
 * printed and CMD_RUNTIME. Says when stale temporaries were removed. */
int cmd_claim(const char *path, struct atomic_claim *c);
/* Usage error: "lathe SUB: MESSAGE" + hint, returns CMD_USAGE. */
int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...) ERR_PRINTF(2, 3);
/* Loads, cleans (and with text, textualizes) per the parsed options.
 * Returns 0, -1 or -2 as pipeline_textualize does. */
int cmd_pipeline(struct cmd_args *a, const char *path, bool text, struct pipeline *p, struct err *e);
/* Says on stderr how the rows were split (after the work succeeded: an
 * error stays one line). */
void cmd_say_split(const struct pipeline *p);
/* The exit status of a pipeline's return code: a refused split (-2) is a
 * usage error, other errors runtime ones (printed). */
int cmd_exit(const struct cmd *cmd, int rc, const struct err *e);
/* The body of clean and textualize: parse, run the pipeline, write the
 * result atomically with write(), report. */
int cmd_run_pipeline(const struct cmd *cmd, struct cmd_args *a, bool text,
                     int (*write)(const struct pipeline *p, FILE *fp, struct err *e));
/* Applies a model to a data file through the model's own data path;
 * probs gets [rows x classes]. The caller frees probs and closes p and l
 * even on failure. */
/* Says once, on standard error, when texts were cut to the model's length. */
void cmd_warn_cut(struct learner *l);
int cmd_apply_model(struct cmd_args *a, const char *model, const char *data, struct learner *l, struct pipeline *p,
                    float **probs, struct err *e);
/* The body of train (mlm false) and pretrain (mlm true). */
int cmd_fit(const struct cmd *cmd, struct cmd_args *a, bool mlm);
/* Loads, cleans, splits and textualizes the data of train and pretrain,
 * guarding against random splits of time-ordered logs and leakage. */
int cmd_training_data(const struct cmd *cmd, struct cmd_args *a, bool need_label, struct pipeline *p);
struct learn_opts cmd_learn_opts(const struct cmd_args *a);
void cmd_print_training(const struct cmd_args *a, const struct learn_result *res, bool mlm);
/* The exit status of a training run: its summary, or the checkpoint note
 * of an interrupted one (130 after a signal). */
int cmd_finish_training(const struct cmd_args *a, const struct learn_result *res, bool mlm, const struct err *e);
/* Augments the training split as the options ask (nothing without
 * --augment), reporting the class balance on standard error. */
int cmd_augment_training(struct cmd_args *a, struct pipeline *p, struct err *e);
/* Prints the cleaning report (rows in/out, per rule). */
void cmd_print_report(FILE *fp, const struct pipeline *p, bool json);

extern const struct cmd cmd_compress;
extern const struct cmd cmd_info, cmd_clean, cmd_textualize, cmd_run, cmd_bench, cmd_train, cmd_eval, cmd_diagnose,
        cmd_pretrain, cmd_export, cmd_augment, cmd_workbench;
/* The commands and what each does, for --help. */
void cmd_print_usage(FILE *fp);

#endif
