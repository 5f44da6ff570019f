#ifndef LATHE_CORE_AUGMENT_METHODS_H
#define LATHE_CORE_AUGMENT_METHODS_H

#include <stdbool.h>
#include <stdint.h>
#include "base/err.h"

/* The augmentation methods and their options, apart from the augmenter
 * (core/augment.h), so the pipeline can name a sample's method without
 * depending on the augmenter. */
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

#endif
