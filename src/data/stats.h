#ifndef LATHE_DATA_STATS_H
#define LATHE_DATA_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "data/table.h"

struct col_stats {
	size_t missing, distinct;
	double min, mean, max, sd;  /* numbers; timestamps give min/max in ms */
};

void stats_column(const struct table *t, size_t c, struct col_stats *s);

/* Sensor-aware data-quality findings. */
enum quality_kind {
	QUALITY_CONSTANT,      /* a column with one value */
	QUALITY_FLATLINE,      /* a sensor stuck on one value for a run of readings */
	QUALITY_SPIKE,         /* a single reading far off its neighbours */
	QUALITY_GAP,           /* a sampling interval far above the usual one */
	QUALITY_NONMONOTONIC,  /* time going backwards on a machine */
	QUALITY_REPEATED,      /* the same timestamp twice in a row on a machine */
};

struct quality_finding {
	enum quality_kind kind;
	long column;           /* -1 when about the time axis as a whole */
	size_t count;          /* runs, spikes, gaps, backward steps */
	double worst;          /* longest run (readings), largest gap (s) */
	int64_t first_row;     /* source row of the first occurrence */
};

struct quality_opts {
	long machine;          /* group column or -1 */
	long time;             /* time column or -1 */
	size_t flat_min;       /* shortest run reported as a flatline */
	double spike_k;        /* robust z of a spike */
	double gap_k;          /* gap = interval above gap_k x median */
};

void quality_opts_init(struct quality_opts *o);
/* Returns an array of findings (caller frees); stats[c] is column c's
 * stats_column, computed once by the caller. */
struct quality_finding *stats_quality(const struct table *t, const struct col_stats *stats,
                                      const struct quality_opts *o, size_t *n);
const char *quality_kind_name(enum quality_kind k);

#endif
