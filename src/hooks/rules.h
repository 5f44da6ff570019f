#ifndef LATHE_HOOKS_RULES_H
#define LATHE_HOOKS_RULES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <lua.h>
#include "base/err.h"
#include "base/rng.h"
#include "data/csvin.h"
#include "data/table.h"
#include "prep/clean.h"
#include "prep/textualize.h"

/* A user's Lua rules script. It may define the functions clean(row),
 * label(row) and textualize(row, text), and these settings as globals:
 *   rules = { clean.fill("Torque [Nm]", "median"), ... }  built-in rules
 *   types = { ["Product ID"] = "string" }                 column types
 *   label_column = "failure"     the column label() fills (default "label")
 *   machine = "unit"  time = "timestamp"
 *   text = { lang=, binning=, window=, notes=, include={}, exclude={},
 *            names={col=word}, levels={col={a,b,c,d}} }
 * The script runs in a sandbox (hooks/sandbox.h): every call under an
 * instruction and a memory limit, with no access to files or processes. */
struct rules;

/* Settings read from the script; the command line overrides them. */
struct rules_config {
	struct clean_rule *rules;
	size_t nrules;
	struct csvin_type *types;
	size_t ntypes;
	char *label_column, *machine, *time;
	char *lang, *binning, *notes;
	long window;                   /* -1 = not set */
	char **include, **exclude;
	size_t ninclude, nexclude;
	struct text_column *cols;
	size_t ncols;
};


/* Loads and runs the script's top level. limit: instructions per call. */
int rules_load(const char *path, long limit, struct rules **out, struct err *e);
/* The same from the script's text (a model file carries it); path names
 * it in messages. */
int rules_load_text(const char *path, const char *text, size_t len, long limit, struct rules **out, struct err *e);
void rules_free(struct rules *r);
const char *rules_text(const struct rules *r);
const struct rules_config *rules_config(const struct rules *r);
const char *rules_path(const struct rules *r);
bool rules_has_clean(const struct rules *r);
bool rules_has_label(const struct rules *r);
bool rules_has_textualize(const struct rules *r);
/* Runs clean() then label() on every row; dropped rows leave the table,
 * labels go to label_col (created as text if absent). Gives up with an
 * error soon after *cancel is set (cancel may be NULL); the table is
 * then half cleaned and only fit to be freed. */
int rules_clean(struct rules *r, struct table *t, const char *label_col, const atomic_int *cancel,
                struct clean_report *rep, struct err *e);
/* Lets textualize(row, text) replace texts[i] for every row. */
int rules_textualize(struct rules *r, const struct table *t, char **texts, struct err *e);
/* User augmenters: augment(sample, rng) gets the sample {text, label,
 * row (the source row), values (the row's cells by column)} and a random
 * generator with rng:random() in [0, 1), rng:int(lo, hi) and
 * rng:pick(list), and returns nil, a text, or a list of texts or of
 * {text, label} tables; emit gets each variant of sample i. */
struct rules_sample {
	size_t row;          /* in the table */
	const char *text, *label;
};

bool rules_has_augment(const struct rules *r);
/* The script's sandboxed state (see hooks/sandbox.h), for callers of
 * sandbox_pcall. */
lua_State *rules_lua(const struct rules *r);
int rules_augment(struct rules *r, const struct table *t, const struct rules_sample *samples, size_t n,
                  struct rng *rng, void (*emit)(void *ctx, size_t i, const char *text, const char *label), void *ctx,
                  struct err *e);

#endif
