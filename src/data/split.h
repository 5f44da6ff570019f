#ifndef LATHE_DATA_SPLIT_H
#define LATHE_DATA_SPLIT_H

#include <stdint.h>
#include "base/err.h"
#include "data/table.h"

enum split_method { SPLIT_RANDOM, SPLIT_STRATIFIED, SPLIT_GROUP, SPLIT_TIME };
enum split_part { SPLIT_TRAIN, SPLIT_DEV, SPLIT_TEST };

struct split_opts {
	enum split_method method;
	double frac[3];        /* train, dev, test; sum 1 */
	uint64_t seed;
	const char *label;     /* stratified */
	const char *group;     /* group: machine id column */
	const char *time;      /* time: column (default: first timestamp column, else row order) */
};

void split_opts_init(struct split_opts *o);
int split_parse_method(const char *s, enum split_method *m, struct err *e);
/* "0.8,0.1,0.1" or "80,10,10". */
int split_parse_ratios(const char *s, double frac[3], struct err *e);
/* Assigns every row a part. Random: shuffled with the seed. Stratified:
 * each label keeps its share in every part. Group: whole machines go to one
 * part. Time: the earliest rows train, the latest test. */
int split_assign(const struct table *t, const struct split_opts *o, uint8_t *part, struct err *e);
const char *split_part_name(uint8_t part);
const char *split_method_name(enum split_method m);

#endif
