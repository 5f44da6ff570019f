#ifndef LATHE_CORE_DRIFT_H
#define LATHE_CORE_DRIFT_H

#include <stddef.h>
#include "base/strbuf.h"
#include "core/pipeline.h"

/* Drift: how far a new log's readings moved from the training rows the
 * model kept a profile of (prep/textualize.h, fact_profile). Per fact,
 * the population stability index over the training deciles (a category:
 * over its training values and one bin for any other), and the share of
 * readings outside the training range. A PSI under 0.1 is usually taken
 * as stable, 0.1 to 0.25 as a moderate shift, above 0.25 as a major one
 * (Siddiqi, "Credit Risk Scorecards", 2006). */
struct drift {
	const char *fact;
	double psi;
	double outside;            /* share of readings outside the training range (levels) */
	size_t rows;               /* readings present */
	const char *verdict;       /* "stable", "moderate shift", "major shift" */
};

/* One entry per level or category fact with a training profile, into out
 * (room for textualize_nfacts), worst first; returns how many. */
size_t drift_measure(const struct pipeline *p, struct drift *out);

/* The measures as a table for people. */
void drift_text(const struct drift *d, size_t n, struct strbuf *out);

#endif
