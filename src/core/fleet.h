#ifndef LATHE_CORE_FLEET_H
#define LATHE_CORE_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/strbuf.h"
#include "core/learn.h"
#include "core/pipeline.h"

/* The fleet view: the machines of a log ranked by risk. A machine's rows
 * in log order (time order, when the rules sort it) split into its
 * recent quarter and the rest; its risk is the share of recent rows that
 * alert, its trend that share less the earlier rows'. A log without a
 * machine column is one machine. */
struct fleet_machine {
	char machine[64];
	size_t rows, recent, recent_alerts, earlier_alerts;
	double risk, trend;
	int failure;               /* the class its alerts name most, -1 without any */
	int64_t last_row;          /* data row of its last alert, 0 without any */
	int64_t last_time;         /* and its time, INT64_MIN when none */
};

/* Ranks the machines of p by risk, then trend, then name, from each
 * row's predicted class and alert; *out (the caller frees it) gets one
 * entry per machine. Returns how many. */
size_t fleet_rank(const struct learner *l, const struct pipeline *p, const int32_t *pred, const bool *alert,
                  struct fleet_machine **out);

/* The ranking as a table for people, at most max machines (0: all). */
void fleet_text(const struct learner *l, const struct fleet_machine *m, size_t n, size_t max, struct strbuf *out);

#endif
