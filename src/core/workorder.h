#ifndef LATHE_CORE_WORKORDER_H
#define LATHE_CORE_WORKORDER_H

#include <stddef.h>
#include "base/err.h"
#include "core/diagnosis.h"

/* Work orders: one per diagnosis that calls for an alert at the
 * engineer's costs, with the machine, time, diagnosis, calibrated
 * probability, evidence, similar cases, actions and urgency. Written
 * atomically as JSON ({"orders": [...], "summary": {...}}) or, for a
 * path ending ".txt", as plain text for printing. suppressed counts the
 * diagnoses below the threshold, which get none. */
int workorder_write(const char *path, const struct learner *l, struct diagnosis *const *orders, size_t n,
                    size_t suppressed, const struct calib_cost *threshold, struct err *e);

#endif
