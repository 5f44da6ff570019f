#ifndef LATHE_CORE_PIPELINE_H
#define LATHE_CORE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/err.h"
#include "data/csvin.h"
#include "data/split.h"
#include "data/table.h"
#include "prep/clean.h"
#include "prep/textualize.h"
#include "hooks/rules.h"

/* The data path every front end shares: load a CSV, clean it (built-in
 * rules, then the rules script's clean() and label()), split it, fit the
 * textualizer on the training part and turn every row into text. The
 * command line and the Lua module fill the same options; settings given
 * there override the rules script's. */
struct pipeline_opts {
	struct csvin_opts load;
	const char *rules_path;
	const char *rules_text;        /* instead of a path: the script itself */
	bool no_rules;                 /* apply a model without its rules script */
	long lua_limit;
	struct clean_rule *rules;      /* after the script's own rules */
	size_t nrules;
	const char *machine, *time, *label;
	const char *lang, *binning, *notes;
	long window;                   /* -1 = script's or none */
	int value_bins;                /* -1 = chosen by the data; 0 = z-scores alone */
	bool no_clock;                 /* no time-of-day or weekday facts */
	int level_words;               /* 3, 5 or 7; 0 = 5 */
	char **include, **exclude;
	size_t ninclude, nexclude;
	struct text_column *levels;
	size_t nlevels;
	struct split_opts split;
	bool split_set;                /* method given; else pipeline_split's policy */
	bool force_row_split;          /* allow a random or stratified split of a time-ordered log */
};

struct pipeline {
	struct rules *rules;
	struct table *t;
	struct csvin_report load;
	struct clean_report clean;
	uint8_t *part;
	char **texts;
	/* Effective settings after merging the script's. */
	const char *label, *machine, *time;
	long label_col;                /* its index in t, or -1 */
	struct csvin_opts load_opts;
	struct textualize_opts text;
	struct split_opts split;
	struct textualizer *tz;
	const struct pipeline_opts *o;
	struct csvin_type *types;
	struct clean_rule *all_rules;
	size_t nall_rules;
	bool samples;                  /* loaded textualized JSON Lines, not a CSV */
	char split_note[160];          /* how the rows were split, and why, for every front end to say */
	/* Augmented training rows (script/augment.h) follow the loaded ones:
	 * per row 0, or 1 + the method that made it; NULL when none. */
	uint8_t *method;
};

void pipeline_opts_init(struct pipeline_opts *o);
void pipeline_opts_free(struct pipeline_opts *o);
/* Loads the rules script (if any) and merges its settings. */
int pipeline_open(struct pipeline *p, const struct pipeline_opts *o, struct err *e);
/* A CSV log, or textualized samples as JSON Lines (data/samples.h):
 * those come with their texts (and label and split when they carry
 * them), so cleaning and textualizing leave them as they are. */
int pipeline_load(struct pipeline *p, const char *path, struct err *e);
/* Adopts an already loaded table (the Lua module's frames). */
void pipeline_adopt(struct pipeline *p, struct table *t);
int pipeline_clean(struct pipeline *p, struct err *e);
/* Splits by the one policy of every front end (pipeline.c), saying how
 * in split_note. -2 (an error too) refuses a row split asked for on a
 * time-ordered log. pipeline_textualize splits first when no split was
 * made, with the same return codes. */
int pipeline_split(struct pipeline *p, struct err *e);
int pipeline_textualize(struct pipeline *p, struct err *e);
/* Textualizes with a saved textualizer instead of fitting one (applying a
 * model to new data); no split is made. Both give up with an error when
 * the reading options' cancel flag is set (csvin.h). */
int pipeline_textualize_with(struct pipeline *p, const char *spec, struct err *e);
/* Label text of row r ("" when none). */
const char *pipeline_label(const struct pipeline *p, size_t r, char *buf, size_t size);
void pipeline_close(struct pipeline *p);
/* Writes the samples as JSON Lines: text, label, row (the source row),
 * split, and for augmented ones method (and readings, the numbers of a
 * jittered row). */
int pipeline_write_jsonl(const struct pipeline *p, FILE *fp, struct err *e);

#endif
