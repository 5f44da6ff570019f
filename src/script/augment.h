#ifndef LATHE_SCRIPT_AUGMENT_H
#define LATHE_SCRIPT_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/err.h"
#include "script/pipeline.h"

/* Data augmentation for scarce failure data: new training samples made
 * from the training rows of a textualized pipeline, never from dev or
 * test. The command line, the Lua module and the workbench all go
 * through these functions. */
enum augment_method {
	AUG_SYNONYM,     /* synonym replacement from a Lua synonym table */
	AUG_SWAP,        /* facts swapped (EDA) */
	AUG_DELETE,      /* facts deleted (EDA) */
	AUG_INSERT,      /* facts of another sample of the class inserted (EDA) */
	AUG_JITTER,      /* readings perturbed within their noise, then textualized */
	AUG_INFILL,      /* facts masked and filled by a pretrained model */
	AUG_OVERSAMPLE,  /* minority rows repeated up to a class ratio */
	AUG_LUA,         /* the user's augment(sample, rng) */
	AUG_METHODS
};

struct augment_opts {
	unsigned methods;                /* a bit per method */
	double strength[AUG_METHODS];    /* < 0: the method's default */
	int n;                           /* variants per sample and method */
	uint64_t seed;
	bool all_classes;                /* also the most frequent class */
	const char *synonyms;            /* a Lua synonym table; default: the shipped one of the wording */
	const char *model;               /* infill: a pretrained lathe model */
	const char *augmenter;           /* a Lua file with augment(); default: the rules script's */
	long lua_limit;
};

void augment_opts_init(struct augment_opts *o);
const char *augment_method_name(int method);
/* Comma-separated method names ("jitter,oversample"), or "all". */
int augment_parse_methods(const char *list, unsigned *methods, struct err *e);
/* METHOD=X */
int augment_parse_strength(const char *spec, struct augment_opts *o, struct err *e);
double augment_strength(const struct augment_opts *o, int method);

/* Ready to make variants of one pipeline's training rows. */
struct augmenter;

int augmenter_open(struct augmenter **out, struct pipeline *p, const struct augment_opts *o, struct err *e);
void augmenter_close(struct augmenter *a);
/* Whether table row r is one the methods vary: a training row of a
 * class with fewer rows than the most frequent (every class tied for
 * the most is left alone; when all tie, or with all_classes, all vary). */
bool augmenter_eligible(const struct augmenter *a, size_t r);
/* The variants of row r: calls emit with each one's method and text;
 * jitter also passes its readings (one per numeric fact column, NULL
 * otherwise). Oversampling is not per row and makes none here. */
typedef void (*augment_emit)(void *ctx, int method, const char *text, const char *label, const double *readings);
int augmenter_variants(struct augmenter *a, size_t r, augment_emit emit, void *ctx, struct err *e);

/* Adds every variant of the eligible rows, and the oversampled copies,
 * to the pipeline as training rows: table rows copied from their source
 * row (jitter: with its readings), texts, and p->method. added[method]
 * counts them. */
int augment_pipeline(struct pipeline *p, const struct augment_opts *o, size_t added[AUG_METHODS], struct err *e);
/* Prints the training split's class counts before and after (fp). */
void augment_print_balance(const struct pipeline *p, FILE *fp);

#endif
