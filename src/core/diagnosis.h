#ifndef LATHE_CORE_DIAGNOSIS_H
#define LATHE_CORE_DIAGNOSIS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/strbuf.h"
#include "hooks/advice.h"
#include "ml/calibration.h"
#include "core/cases.h"
#include "core/explain.h"
#include "core/learn.h"
#include "core/pipeline.h"

/* One diagnosis, whole: what every front end shows for a row of a log or
 * a typed question. The probabilities are calibrated (the learner's
 * temperature); the evidence, the similar past cases, how unlike the
 * training data the row is, whether it calls for an alert at the
 * engineer's costs, and the advice that applies come with them. */
struct diagnose_opts {
	size_t neighbors;              /* similar cases (default 5) */
	double uncertain;              /* a top probability below this is "uncertain" (default 0.5) */
	double cost_miss, cost_false_alarm;  /* of a missed failure and of a false alarm (default 10 and 1) */
	bool no_evidence;              /* skip the evidence (bulk runs) */
	/* Advice files after the shipped one (the strings are borrowed), or
	 * none at all; diagnose_open_advice loads them into advice. */
	const char **advice_files;
	size_t nadvice_files;
	bool no_advice;
	struct advice_kb *advice;      /* may be NULL */
};

#define DIAGNOSE_MAX_ADVICE 3

struct diagnosis {
	size_t K;
	float *raw, *probs;            /* the model's, and calibrated */
	int top, second;               /* second: -1 with one class */
	bool uncertain;
	double p_fail;                 /* calibrated probability of any class but the normal one; -1 when unknown */
	bool alert;                    /* p_fail at or above the cost threshold */
	struct evidence *ev;
	size_t nev;
	struct similar_case *cases;
	size_t ncases;
	double distance;               /* to the nearest case; -1 without a casebook */
	bool unlike;                   /* farther than the dev rows' 99th percentile */
	char **outside;                /* readings outside the training range, a line each */
	size_t noutside;
	struct advice advice[DIAGNOSE_MAX_ADVICE];
	size_t nadvice;
	char *text;
	int64_t row;                   /* data row of the log; 0 for a question */
	char machine[64];
	int64_t time;                  /* epoch ms; INT64_MIN when none */
};

void diagnose_opts_init(struct diagnose_opts *o);
/* Loads the advice files (unless no_advice); lua_limit as the rules'. */
int diagnose_open_advice(struct diagnose_opts *o, long lua_limit, struct err *e);
/* Frees the file list and the loaded advice. */
void diagnose_opts_free(struct diagnose_opts *o);
/* The alert threshold the costs imply, chosen on the casebook's dev rows
 * (calibrated), kept in the learner for the next row at the same costs;
 * 0.5 when the model has no dev rows (out->rows 0); false without a
 * casebook. */
bool diagnose_threshold(struct learner *l, const struct diagnose_opts *o, struct calib_cost *out);
/* The quick pass over many rows: each row's calibrated prediction into
 * pred and, when the model has an alert threshold, whether it alerts
 * (else false); returns whether it has one. */
bool diagnose_alerts(struct learner *l, const struct pipeline *p, const struct diagnose_opts *o, int32_t *pred,
                     bool *alert);
/* Diagnoses row r of p (a log's, or a question's one row). -1 only when
 * the advice failed (e says why). */
int diagnose_row(struct learner *l, const struct pipeline *p, size_t r, const struct diagnose_opts *o,
                 struct diagnosis *d, struct err *e);
void diagnosis_free(struct diagnosis *d);
/* For people: the answer (learner_answer's bars), the text with the
 * facts that speak for it marked (between DIAGNOSIS_MARK_OPEN and
 * _CLOSE), then uncertainty, evidence, similar cases, warnings and
 * advice, each a titled block. */
#define DIAGNOSIS_MARK_OPEN "\xC2\xAB"
#define DIAGNOSIS_MARK_CLOSE "\xC2\xBB"
void diagnosis_text(const struct learner *l, const struct diagnosis *d, bool unicode, struct strbuf *out);
/* For programs: one object with every part. */
json_t *diagnosis_json(const struct learner *l, const struct diagnosis *d);
/* A time as "2024-03-01 00:10" (UTC) into buf. */
void diagnosis_time(int64_t ms, char *buf, size_t size);

#endif
