#ifndef LATHE_PREP_TEXTUALIZE_H
#define LATHE_PREP_TEXTUALIZE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/strbuf.h"
#include "data/table.h"

enum text_binning { TEXT_BIN_QUANTILE, TEXT_BIN_ZSCORE };

/* A numeric fact's words: 3, 5 or 7 levels ("low", "normal", "high";
 * "very low" .. "very high"; "very low", "low", "slightly low" ..), cut
 * by one threshold fewer. */
#define TEXT_MAX_CUTS 6

/* Per-column wording and thresholds given by the user (Lua or --levels). */
struct text_column {
	char *column;
	char *name;            /* word(s) for the fact, or NULL */
	double cuts[TEXT_MAX_CUTS];  /* rising; a value on a cut goes to the middle side */
	int ncuts;             /* 2, 4 or 6 */
	bool has_cuts;
};

struct textualize_opts {
	const char *lang;      /* "en" or "zh" */
	enum text_binning binning;
	int levels;            /* words of the automatic cuts: 3, 5 (the default) or 7 */
	const char *label;     /* never a fact */
	const char *notes;     /* free-text column appended as is */
	const char *machine;   /* per-machine windows */
	const char *time;
	size_t window;         /* readings per trend fact; 0 = none */
	char **include;        /* only these columns (NULL = automatic choice) */
	size_t ninclude;
	char **exclude;
	size_t nexclude;
	struct text_column *cols;
	size_t ncols;
	/* Piecewise-linear bins per reading for value-aware facts: at most
	 * this many (0 = none, the z-score alone; -1 = chosen by the data). */
	int value_bins;
	/* Time-of-day and weekday facts from the time column's timestamps,
	 * where the training rows span days enough (see textualize_fit). */
	bool clock;
};

#define TEXT_MAX_VALUE_BINS 256

struct textualizer;

void textualize_opts_init(struct textualize_opts *o);
/* Fits level bins on the rows where part[r] == 0 (training split), or on
 * every row when part is NULL; gives up with an error soon after *cancel
 * is set (cancel may be NULL). With o->clock and a timestamp time column,
 * the facts end with its time of day ("time of day afternoon", in
 * six-hour parts) when the training rows span two days or more, and its
 * weekday ("weekday monday") from two weeks: numeric facts whose readings
 * are the hour and the day (0 = Monday). */
int textualize_fit(const struct table *t, const uint8_t *part, const struct textualize_opts *o,
                   const atomic_int *cancel, struct textualizer **out, struct err *e);
void textualize_free(struct textualizer *tz);
/* Text of every row of t (same schema as fitted); caller frees each and
 * the array. */
char **textualize_table(const struct textualizer *tz, const struct table *t);
/* The same, giving up (NULL) soon after *cancel is set (cancel may be
 * NULL). */
char **textualize_table_until(const struct textualizer *tz, const struct table *t, const atomic_int *cancel);
/* The fitted textualizer as JSON (columns by name, level cuts, wording,
 * window), so a model can textualize new data exactly as it was trained;
 * caller frees. */
char *textualize_spec(const struct textualizer *tz, const struct table *t);
/* Rebuilds one from textualize_spec's JSON against a table of the same
 * shape: every named column must exist with a fitting type. */
int textualize_from_spec(const char *json, const struct table *t, struct textualizer **out, struct err *e);
/* An empty table with the columns a spec reads, typed as it reads them
 * (a question's row is filled in it); NULL when the spec is not one. */
struct table *textualize_blank_table(const char *spec, struct err *e);
/* Value-aware facts: each level fact with a training spread carries its
 * reading beside its words. nvalues counts those facts; value k is the
 * k-th of them in text order, named as in the text. */
size_t textualize_nvalues(const struct textualizer *tz);
const char *textualize_value_name(const struct textualizer *tz, size_t k);
/* The value facts' readings of row r as they are (NAN when missing):
 * what the encoder's values and a classical model start from. */
void textualize_readings(const struct textualizer *tz, const struct table *t, size_t r, float *x);
/* The most knots (bin edges) any value fact has (0 = none). */
size_t textualize_value_knots(const struct textualizer *tz);
/* Value k's reading x (not NAN) as W numbers: its z-score against the
 * training rows, clamped to 5 sd, then its weights on the fact's knots:
 * 1 - a and a on the two edges around it, a its way from one to the
 * other (1 on the end knot past either end), 0 elsewhere. Two knots at a
 * time: a reading's directions move in a step as one would, however
 * many bins its column has, where cumulative bin fills would add up
 * every bin below it. */
void textualize_encode_value(const struct textualizer *tz, size_t k, float x, size_t W, float *out);
/* The table columns of the numeric (level) facts, in text order, into
 * cols (may be NULL); returns how many. */
size_t textualize_level_columns(const struct textualizer *tz, size_t *cols);
/* How row r's facts came about, for an inspector: per fact its column,
 * its words, the cell, and for numbers the level and the four cuts that
 * chose it ("high: 298.3 | 299.4 | 301.1 | 302.1"). out holds
 * textualize_nfacts entries; the strings point into tz and t. */
struct fact_explain {
	const char *column, *name;
	char value[64];
	char why[160];
	bool numeric;
	int level;              /* 0 (lowest) .. ncuts (highest); -1 none */
	double cuts[TEXT_MAX_CUTS];
	int ncuts;
};

size_t textualize_nfacts(const struct textualizer *tz);
/* What joins fact i's name and its word in a text (" ", or "" and "为"
 * in Chinese). */
const char *textualize_join(const struct textualizer *tz, size_t i);
/* Readings per trend fact (0 = none), and the machine column whose rows
 * they follow (-1 = the whole table in order). */
size_t textualize_window(const struct textualizer *tz);
long textualize_machine_column(const struct textualizer *tz);
/* What the training rows held of fact i, for questions and evidence
 * that stand in for a reading: a level fact's 0th, 5th, .., 100th
 * percentiles (quantiles NULL when the model predates them), its cuts
 * and mean; a category's most common values, most common first, with
 * their shares. A fact neither level nor category reads the clock. */
#define TEXT_QUANTILES 21
#define TEXT_MAX_CATEGORIES 64
struct fact_profile {
	const char *name;
	size_t col;
	bool level, category;
	const double *quantiles;
	const double *cuts;
	int ncuts;
	double center;
	char *const *categories;
	const double *shares;
	size_t ncategories;
};

void textualize_profile(const struct textualizer *tz, size_t i, struct fact_profile *out);
/* The level (0 lowest .. ncuts) a word names for level fact i ("very
 * high"), or -1. */
int textualize_level_word(const struct textualizer *tz, size_t i, const char *word);
/* The word of level k of level fact i; NULL past its last level. */
const char *textualize_level_name(const struct textualizer *tz, size_t i, int level);
/* Whether the texts say anything of table column col: a fact of it, or
 * its notes. */
bool textualize_reads_column(const struct textualizer *tz, size_t col);
size_t textualize_explain(const struct textualizer *tz, const struct table *t, size_t r, struct fact_explain *out);
/* What joins the facts of a text in a wording pack ("en", "zh"). */
const char *textualize_separator(const char *lang);
/* "air temperature" from "Air temperature [K]". Caller frees. */
char *textualize_fact_name(const char *column);
/* Parses --levels COL=a,b (3 levels), COL=a,b,c,d (5) or six rising
 * numbers (7) into a text_column. */
int textualize_parse_levels(const char *spec, struct text_column *out, struct err *e);

#endif
