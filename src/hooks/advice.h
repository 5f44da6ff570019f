#ifndef LATHE_HOOKS_ADVICE_H
#define LATHE_HOOKS_ADVICE_H

#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"

/* Recommendations: a knowledge base of Lua files, each returning a list
 * of entries that map a diagnosis to an action:
 *   return {
 *     { label = "HDF", action = "Clean the heat exchanger", urgency = "high",
 *       parts = { "coolant filter" } },
 *     { label = { "OSF", "PWF" }, when = { "torque very high" }, action = "...",
 *       urgency = "critical" },
 *     { label = "*", when = function(d) return d.readings["tool wear"] > 200 end,
 *       action = "..." },
 *   }
 * label: a class, a list of them, or "*" for any; when (optional): fact
 * phrases that must all be in the diagnosed text, or a function of the
 * diagnosis {label, probability, text, readings = {fact = number}} that
 * returns true; urgency: low, medium (the default), high or critical.
 * The files run sandboxed (hooks/sandbox.h) as every data-side script
 * does. Entries of later files come first; within a file, entries with a
 * when before those without (the specific before the general). */
struct advice_kb;

struct advice_query {
	const char *label;
	double probability;
	const char *text;
	const char *const *facts;     /* fact names with readings */
	const double *readings;
	size_t nreadings;
};

struct advice {
	char *action, *urgency, *source;   /* source: "FILE entry N" */
	char **parts;
	size_t nparts;
};

#define ADVICE_URGENCIES "low, medium, high or critical"

/* Loads the files in order (the shipped lua/lathe/advice.lua first when
 * shipped is set), checking every entry. */
int advice_open(const char **paths, size_t n, bool shipped, long lua_limit, struct advice_kb **out,
                struct err *e);
void advice_close(struct advice_kb *kb);
/* The entries that apply, at most max, into out; returns how many, or
 * -1 when a when() failed (e says where). */
long advice_find(struct advice_kb *kb, const struct advice_query *q, struct advice *out, size_t max, struct err *e);
void advice_clear(struct advice *a, size_t n);
/* 0 (low) .. 3 (critical); -1 for another word. */
int advice_urgency_rank(const char *urgency);

#endif
