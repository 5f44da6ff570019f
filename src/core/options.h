#ifndef LATHE_CORE_OPTIONS_H
#define LATHE_CORE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"
#include "core/augment_methods.h"
#include "core/diagnosis.h"
#include "core/learn.h"
#include "core/pipeline.h"

/* The options of the shared engine, declared once: name, kind, bounds,
 * argument, help and what each sets. The command line builds its getopt
 * table and --help from this list, the Lua module reads its option
 * tables through it, and tests/check-man.sh holds lathe(1) to it, so a
 * bound, a default or a spelling cannot differ between front ends. */

/* Which commands take an option (a command names the groups it takes). */
enum option_group {
	OPTION_G_LOAD = 1 << 0,      /* how to read the CSV */
	OPTION_G_RULES = 1 << 1,     /* cleaning rules and the rules script */
	OPTION_G_TEXT = 1 << 2,      /* textualization and splits */
	OPTION_G_OUT = 1 << 3,       /* -o, --report, --json */
	OPTION_G_MODEL = 1 << 4,     /* --config, --threads */
	OPTION_G_BENCH = 1 << 5,     /* --steps, --warmup */
	OPTION_G_TRAIN = 1 << 6,     /* --epochs, --batch, --lr ... */
	OPTION_G_DIAGNOSE = 1 << 7,  /* --data, --row, --neighbors, --advice */
	OPTION_G_EXPORT = 1 << 8,    /* --hf */
	OPTION_G_AUGMENT = 1 << 9,   /* --augment, --strength, --n ... */
	OPTION_G_PREVIEW = 1 << 10,  /* augment --preview */
	OPTION_G_APPLY = 1 << 11,    /* applying a model: --no-rules */
	OPTION_G_INFO = 1 << 12,     /* info on a model file: --script */
	OPTION_G_COST = 1 << 13,     /* calibrated alerts: --uncertain, --cost-miss, --cost-false-alarm */
	OPTION_G_COMPRESS = 1 << 14, /* compress --int8 */
	OPTION_G_RETRAIN = 1 << 15,  /* compress --distill, --prune, --log */
	OPTION_G_DISTILL = 1 << 16,  /* train --teacher */
	OPTION_G_DEVICE = 1 << 17,   /* --device */
};

enum option_kind {
	OPTION_FLAG,    /* no value */
	OPTION_INT,     /* a whole number within [min, max] */
	OPTION_REAL,    /* a number within [min, max] */
	OPTION_TEXT,    /* a word or a spec the setter reads */
	OPTION_MAYBE,   /* a text that may be left out (--drop-missing[=COLS]) */
};

/* What options set: the pipeline's, the training's, the augmenter's
 * and the diagnosis's. */
struct option_target {
	struct pipeline_opts *po;
	struct learn_opts *learn;
	struct augment_opts *aug;
	struct diagnose_opts *diag;
};

struct option_spec {
	const char *name;          /* --name on the command line */
	const char *lua;           /* its key in a Lua options table; NULL: name with '_' for '-' */
	bool lua_false;            /* a flag Lua sets with key = false (clock = false for --no-clock) */
	bool repeat;               /* may come more than once (Lua: a list, or a map of KEY=VALUE) */
	unsigned group;
	enum option_kind kind;
	double min, max;           /* numbers */
	const char *arg, *help;
	/* Sets the value: text as given (NULL for a flag), number parsed for
	 * numbers. Strings are kept, not copied: they must outlive target. */
	int (*set)(const struct option_spec *s, struct option_target *t, const char *text, double number, struct err *e);
};

extern const struct option_spec option_specs[];
extern const size_t option_count;

/* Checks a value against its spec (kind, bounds) and sets it; the error
 * names what was expected, without the option's name (each front end
 * says it its own way). */
int option_set(const struct option_spec *s, struct option_target *t, const char *text, struct err *e);
/* The spec of a name, or NULL. */
const struct option_spec *option_find(const char *name);

#endif
